"""The evidence behind a badge, on the pages: what the badge itself says (criteria, evidence,
results, alignments, endorsements) in the Results drill-down, and the shortlist's evidence bundle.

Every word here comes from whoever made the badge: it is shown as text (:func:`ui.render.plain`),
never as Markdown or HTML; a link is shown as its text, with a button to open it only when it is an
``http(s)`` address.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from talent.bundles import check_bundle
from talent.errors import StorageError
from talent.evidence import StoredEvidence, stored_evidence
from ui.render import counted, plain
from ui.report import evidence_bundle, log_export
from ui.theme import status_label
from ui.workspace import revision, url, workspace
from verifier.details import BadgeDetails
from verifier.models import VerificationResult


@st.cache_data(max_entries=64, show_spinner=False)
def _evidence_at(db: str, rev: int, result_id: int) -> StoredEvidence:
    return stored_evidence(workspace(), result_id)


def _safe_url(value: str | None) -> str | None:
    """``value`` when it is an absolute http(s) address (a link worth a button), else None."""
    if not value:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    return value.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _link(value: str | None, label: str) -> None:
    """A link as text, and a button opening it when it is an http(s) address."""
    if not value:
        return
    st.markdown(f"{plain(label)}: {plain(value)}")
    target = _safe_url(value)
    if target is not None:
        st.link_button(f"Open {label.lower()}", target, help="Opens the address above in a new tab.")


def badge_evidence(result_id: int, result: VerificationResult) -> None:
    """What the badge states beyond its name (criteria, evidence, results, alignments), and the
    issuer's endorsements with their own verification outcome."""
    try:
        found = _evidence_at(url(), revision(), result_id)
    except StorageError as exc:
        st.error(f"The badge's stored documents cannot be used: {exc}", icon=":material/error:")
        return
    st.subheader("What the badge says")
    if found.details is None:
        st.info(f"Its details cannot be shown: {found.missing}.")
    elif found.details.is_empty:
        st.write("The badge states no criteria, evidence, results or alignments.")
    else:
        details_section(found.details)
    endorsements(result)


def details_section(details: BadgeDetails) -> None:
    """Criteria, the learner's narrative, evidence items, results and alignment targets, as text."""
    if details.criteria is not None:
        st.markdown("**How it is earned (criteria)**")
        if details.criteria.narrative:
            st.write(plain(details.criteria.narrative))
        _link(details.criteria.id, "Criteria page")
    if details.narrative:
        st.markdown("**The learner's own account**")
        st.write(plain(details.narrative))
    if details.evidence:
        st.markdown(f"**Evidence the issuer attached ({len(details.evidence)})**")
        for n, item in enumerate(details.evidence, 1):
            st.markdown(f"{n}. {plain(item.name or 'Evidence')}" + (f" ({plain(item.genre)})" if item.genre else ""))
            for text in (item.description, item.narrative):
                if text:
                    st.caption(plain(text))
            _link(item.id, "Evidence link")
    if details.results:
        st.markdown("**Results**")
        lines = []
        for r in details.results:
            line = f"- {plain(r.text)}"
            if r.level is not None:
                line += f" — level {r.level} of 5"
            lines.append(line)
        st.markdown("\n".join(lines))
    if details.alignments:
        st.markdown("**Aligned to**")
        for a in details.alignments:
            where = " · ".join(x for x in (a.framework, a.code) if x)
            st.markdown(f"- {plain(a.name)}" + (f" ({plain(where)})" if where else ""))
            _link(a.url, "Framework entry")


def endorsements(result: VerificationResult) -> None:
    """The issuer's endorsements, each with its own verification outcome in words."""
    found = result.issuer.endorsements
    if not found:
        return
    st.markdown(f"**Endorsements of the issuer ({len(found)})**")
    for e in found:
        who = e.issuer.name or e.issuer.id or "an endorser"
        st.markdown(f"- {status_label(e.status.value)} — endorsed by {plain(who)}: {plain(e.summary)}")


def evidence_bundle_download(name: str, role_id: str, candidate_ids: tuple[str, ...]) -> None:
    """A download button for the shortlist's evidence bundle (ZIP), logged with its manifest's SHA-256."""
    st.markdown("**Evidence bundle**")
    # plain text, not a caption: code drawn in the caption's faded colour misses AA contrast
    st.markdown(
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
    line = f"{counted(bundle.badges, 'badge')}; manifest SHA-256 `{bundle.manifest_sha256}`."
    if bundle.without_documents:
        line += (
            f" {counted(bundle.without_documents, 'badge')} {'holds' if bundle.without_documents == 1 else 'hold'} no fetched document (nothing was fetched, or they were "
            "verified before documents were kept: re-check them to include theirs)."
        )
    st.markdown(line)


def bundle_checker() -> None:
    """Check an evidence bundle again (one exported earlier, or received): every badge verified again
    from the bundle's own documents, what changed, and any file that does not match its hash."""
    with st.expander("Check an evidence bundle"):
        upload = st.file_uploader(
            "Evidence bundle (ZIP)",
            type=["zip"],
            help="Nothing is fetched: the badges are verified again from the documents the bundle holds.",
            key="bundle_check_upload",
        )
        if upload is None:
            return
        found = check_bundle(upload.getvalue())
        if found.error:
            st.error(f"This file cannot be used as an evidence bundle: {found.error}", icon=":material/error:")
            return
        if found.problems:
            st.warning(
                "Not trusted, and not used:\n" + "\n".join(f"- {plain(p)}" for p in found.problems),
                icon=":material/warning:",
            )
        st.markdown(f"{counted(len(found.rows), 'badge')} verified again as of {plain(found.judged_at or 'now')}.")
        if found.rows:
            st.dataframe(pd.DataFrame(list(found.rows)), hide_index=True, width="stretch")


def compare_badge_details(chosen: list[str], names: dict[str, str]) -> None:
    """Compare: for each candidate, what each of their badges says (criteria, evidence, results and rubric
    levels, alignments) with its result in words; all as text."""
    st.header("What their badges say")
    st.caption("The badges' own criteria, evidence, results and alignments, as the badges state them.")
    ws = workspace()
    for cid in chosen:
        results = [r for _cid, r in ws.latest_results(candidate_id=cid)]
        with st.expander(f"{names.get(cid, cid)} — {counted(len(results), 'badge')}"):
            for result in results:
                st.markdown(f"**{plain(result.achievement.name or result.input)}** — {plain(result.summary)}")
                if result.details is not None and not result.details.is_empty:
                    details_section(result.details)
                else:
                    st.markdown("The result holds no criteria, evidence, results or alignments for this badge.")
