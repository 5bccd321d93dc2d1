"""The evidence behind a badge, on the pages: the shortlist's evidence bundle download."""

from __future__ import annotations

import streamlit as st

from talent.errors import StorageError
from ui.report import evidence_bundle, log_export


def evidence_bundle_download(name: str, role_id: str, candidate_ids: tuple[str, ...]) -> None:
    """A download button for the shortlist's evidence bundle (ZIP), logged with its manifest's SHA-256."""
    st.markdown("**Evidence bundle**")
    st.caption(
        "A ZIP with every shortlisted badge exactly as received, every document its check fetched, the results, "
        "the role and the registries used, a report linking each claim to its files, and a manifest with the "
        "SHA-256 of every file. `python -m verifier verify --bundle FILE.zip` checks it again, offline."
    )
    try:
        bundle = evidence_bundle(name, role_id, candidate_ids)
    except (StorageError, OSError) as exc:
        st.error(f"The evidence bundle could not be made: {exc}", icon=":material/error:")
        return
    if bundle.badges == 0:
        st.info("The shortlisted candidates have no verified badges yet: there is no evidence to bundle.")
        return
    st.download_button(
        "Download evidence bundle (ZIP)",
        bundle.content,
        file_name=bundle.filename,
        mime="application/zip",
        on_click=log_export,
        args=(name, bundle.filename, "evidence bundle", role_id, candidate_ids, bundle.manifest_sha256),
        help="Recorded in the audit log with the SHA-256 of the bundle's manifest.",
        key="dl_bundle",
    )
    line = f"{bundle.badges} badge(s); manifest SHA-256 `{bundle.manifest_sha256}`."
    if bundle.without_documents:
        line += (
            f" {bundle.without_documents} badge(s) hold no fetched document (nothing was fetched, or they were "
            "verified before documents were kept: re-check them to include theirs)."
        )
    st.caption(line)
