"""Import: candidates from an ATS export (with a column-mapping step), badge files, pasted URLs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from talent.candidates import ColumnMapping, detect_mapping, import_candidates, preview_import, read_table
from ui import auth
from ui.render import link, plain, run_page
from ui.uploads import BadgeFile, Problem, expand_files, parse_urls
from ui.workspace import add_badges, candidates, save_import
from verifier.pipeline import BadgeInput

MAX_TABLE_BYTES = 50 * 1024 * 1024


def _problems_table(problems: list[Problem], *, what: str) -> None:
    if problems:
        st.warning(f"{len(problems)} {what} cannot be used; they are listed here with the reason.")
        st.dataframe(
            pd.DataFrame([{"Item": p.item, "Reason": p.reason} for p in problems]), hide_index=True, width="stretch"
        )


def _mapping_widgets(columns: list[str], proposed: ColumnMapping) -> ColumnMapping:
    """The column-mapping step: the proposal from the headers, every choice editable."""
    none = "(none)"
    options = [none, *columns]

    def pick(label: str, value: str | None, help_text: str, key: str) -> str | None:
        index = options.index(value) if value in options else 0
        chosen = st.selectbox(label, options, index=index, help=help_text, key=key)
        return None if chosen == none else chosen

    left, right = st.columns(2)
    with left:
        ats = pick(
            "ATS id column",
            proposed.ats_id,
            "The applicant's id in your ATS; rows with the same id are merged.",
            "map_ats",
        )
        name = pick(
            "Full name column",
            proposed.name,
            "A column with the whole name (leave empty to join first + last name).",
            "map_name",
        )
        first = pick(
            "First name column",
            proposed.first_name,
            "Used with the last name when there is no full-name column.",
            "map_first",
        )
        last = pick(
            "Last name column",
            proposed.last_name,
            "Used with the first name when there is no full-name column.",
            "map_last",
        )
    with right:
        emails = st.multiselect(
            "Email column(s)", columns, default=[c for c in proposed.email if c in columns],
            help="The recipient check compares these addresses with the badge's recipient.", key="map_email",
        )  # fmt: skip
        badges = st.multiselect(
            "Badge link column(s)", columns, default=[c for c in proposed.badges if c in columns],
            help="Every http(s) link in these columns is treated as a badge.", key="map_badges",
        )  # fmt: skip
        scan = st.multiselect(
            "Other columns to scan for badge links", columns, default=[c for c in proposed.scan if c in columns],
            help="Only links that look like badges (known platforms, /badges/, .json ...) are taken from these.",
            key="map_scan",
        )  # fmt: skip
    return ColumnMapping(
        name=name, email=tuple(emails), ats_id=ats, badges=tuple(badges), scan=tuple(scan),
        first_name=first, last_name=last,
    )  # fmt: skip


def ats_section() -> None:
    """Upload an ATS export, map its columns, preview, import."""
    st.subheader("1. Candidates from your ATS export")
    upload = st.file_uploader(
        "ATS export (CSV or XLSX)",
        type=["csv", "tsv", "xlsx"],
        help="One row per candidate (or per badge). Columns are matched by name; you can change the mapping below.",
        key="ats_upload",
    )
    if upload is None:
        st.caption(
            "No file yet. The sample workspace's export is `sample_data/candidates.csv`, if you want to try one."
        )
        return
    data = upload.getvalue()
    if len(data) > MAX_TABLE_BYTES:
        st.error(f"{upload.name} is larger than {MAX_TABLE_BYTES // (1024 * 1024)} MB; split it and import the parts.")
        return
    try:
        chunks = list(read_table(data, filename=upload.name))
    except Exception as exc:  # a malformed file of any kind: say so, never a traceback
        st.error(f"{upload.name} could not be read as a table ({exc}). Save it as CSV (UTF-8) or XLSX and try again.")
        return
    if not chunks or chunks[0].empty:
        st.warning(f"{plain(upload.name)} has a header but no rows.")
        return
    columns = [c for c in chunks[0].columns if c != "_extra"]
    proposed = detect_mapping(columns, chunks[0].head(200))
    st.markdown("**Column mapping** (proposed from the headers; change anything that is wrong)")
    mapping = _mapping_widgets(columns, proposed)
    try:
        mapping.validate(columns)
    except ValueError as exc:
        st.warning(f"The mapping is not complete yet: {exc}")
        return
    st.markdown("**Preview** (first 20 rows as they will be imported)")
    st.dataframe(preview_import(chunks[0], mapping), hide_index=True, width="stretch")
    if st.button(
        "Import candidates",
        type="primary",
        help="Adds (or merges) these candidates and queues their badge links for verification.",
        key="ats_import",
    ):
        result = import_candidates(chunks, mapping)
        added = save_import(result, source=upload.name, mapping=mapping.to_dict())
        st.success(
            f"Imported {len(result.candidates)} candidates ({added} new) with {result.badges_found} badge links "
            f"from {result.rows_read} rows. Next: **Verify**."
        )
        if len(result.rejected):
            st.warning(f"{len(result.rejected)} rows could not be used; here they are with the reason.")
            st.dataframe(result.rejected, hide_index=True, width="stretch")
        link("pages/2_Verify.py", "Verify the badges now", icon=":material/arrow_forward:")


def _candidate_choice(key: str) -> str | None:
    people = candidates()
    if people.empty:
        st.info("Import candidates first (above): badges are added to a candidate.")
        return None
    labels = {
        cid: f"{name} — {auth.contacts(e for e in emails.split(', ') if e)}"
        for cid, name, emails in zip(people["candidate_id"], people["name"], people["emails"], strict=True)
    }
    return st.selectbox(
        "Candidate", list(labels), format_func=lambda c: labels[c],
        help="The badges are added to this candidate; the recipient check uses their email addresses.", key=key,
    )  # fmt: skip


def files_section() -> None:
    """Upload badge files (or a ZIP of them) for one candidate."""
    st.subheader("2. Badge files for a candidate")
    candidate = _candidate_choice("files_candidate")
    uploads = st.file_uploader(
        "Badge files: JSON, JWT, PNG, SVG, or a ZIP of them",
        type=["json", "jsonld", "jwt", "jws", "txt", "png", "svg", "zip"],
        accept_multiple_files=True,
        help="Baked images carry the badge inside. ZIPs are opened safely: at most 500 files, 50 MB in all.",
        key="badge_files",
    )
    if not uploads or candidate is None:
        return
    files, problems = expand_files([(u.name, u.getvalue()) for u in uploads])
    _problems_table(problems, what="files")
    if files and st.button(
        f"Add {len(files)} badge file(s)", type="primary", help="Queues them for verification.", key="files_add"
    ):
        n = add_badges(candidate, [_file_input(f, candidate) for f in files], source="upload")
        st.success(f"Added {n} badge(s). Next: **Verify**.")


def _file_input(f: BadgeFile, candidate: str) -> BadgeInput:
    return BadgeInput(source=f"upload:{f.name}", data=f.data, filename=f.name.rsplit("/", 1)[-1], candidate=candidate)


def urls_section() -> None:
    """Paste badge URLs for one candidate."""
    st.subheader("3. Badge links for a candidate")
    candidate = _candidate_choice("urls_candidate")
    text = st.text_area(
        "Badge URLs, one per line",
        help="Hosted Open Badges, credential URLs, or public badge pages of Credly, Badgr, Accredible, ...",
        key="urls_text",
    )
    if not text.strip() or candidate is None:
        return
    urls, problems = parse_urls(text)
    _problems_table(problems, what="lines")
    if urls and st.button(
        f"Add {len(urls)} link(s)", type="primary", help="Queues them for verification.", key="urls_add"
    ):
        n = add_badges(candidate, [BadgeInput(source=u, candidate=candidate) for u in urls], source="pasted")
        st.success(f"Added {n} badge link(s). Next: **Verify**.")


def import_page() -> None:
    """The Import page body."""
    st.title("Import")
    st.write(
        "Bring in candidates and their badges. Nothing you give is dropped silently: rows and files that cannot be used are listed with the reason."
    )
    ats_section()
    st.divider()
    files_section()
    st.divider()
    urls_section()


run_page(import_page, title="Import", icon=":material/check_circle:", permission="import")
