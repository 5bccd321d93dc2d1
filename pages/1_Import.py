"""Import: candidates from an ATS export (with a column-mapping step), badge files, pasted URLs,
résumés, LinkedIn exports and badge profile links; and the removal of candidates."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from talent.candidates import ColumnMapping, detect_mapping, import_candidates, preview_import, read_table
from talent.intake import Extraction, IntakeCandidate
from ui import auth, intake
from ui.render import counted, link, plain, run_page
from ui.uploads import BadgeFile, Problem, expand_files, parse_urls
from ui.workspace import add_badges, candidates, remove_candidates, save_import
from verifier.pipeline import BadgeInput

MAX_TABLE_BYTES = 50 * 1024 * 1024
PREVIEW_COLUMNS = {
    "row": st.column_config.NumberColumn("Row", help="The row number in the spreadsheet."),
    "name": st.column_config.TextColumn("Name", help="The candidate's name as it will be saved."),
    "emails": st.column_config.TextColumn("Emails", help="Addresses used to check that a badge was issued to them."),
    "ats_id": st.column_config.TextColumn("ATS id", help="The applicant's id in your ATS."),
    "badges": st.column_config.NumberColumn("Badges", help="How many badge links the row holds."),
    "badge links": st.column_config.TextColumn("Badge links", help="The first five links.", width="large"),
    "problem": st.column_config.TextColumn("Problem", help="Why the row would not be imported; empty when fine."),
}


def _problems_table(problems: list[Problem], *, what: str) -> None:
    if problems:
        st.warning(f"{len(problems)} {what} cannot be used; they are listed here with the reason.")
        st.dataframe(
            pd.DataFrame([{"Item": p.item, "Reason": p.reason} for p in problems]),
            hide_index=True,
            width="stretch",
            column_config={
                "Item": st.column_config.TextColumn(help="The file, link or row that cannot be used."),
                "Reason": st.column_config.TextColumn(help="Why it cannot be used.", width="large"),
            },
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
    st.header("1. Candidates from your ATS export")
    upload = st.file_uploader(
        "ATS export (CSV or XLSX)",
        type=["csv", "tsv", "xlsx"],
        help="One row per candidate (or per badge). Columns are matched by name; you can change the mapping below.",
        key="ats_upload",
    )
    if upload is None:
        st.markdown(
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
    st.dataframe(
        preview_import(chunks[0], mapping),
        hide_index=True,
        width="stretch",
        column_config=PREVIEW_COLUMNS,
    )
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
            st.dataframe(
                result.rejected,
                hide_index=True,
                width="stretch",
                column_config={
                    "row": st.column_config.NumberColumn("Row", help="The row number in the spreadsheet."),
                    "reason": st.column_config.TextColumn("Reason", help="Why the row cannot be used.", width="large"),
                },
            )
        link("pages/2_Verify.py", "Verify the badges now", icon=":material/arrow_forward:")


def _candidate_labels() -> dict[str, str]:
    """candidate_id -> "name — contacts" (addresses masked as the user's permissions say)."""
    people = candidates()
    return {
        cid: f"{name} — {auth.contacts(e for e in emails.split(', ') if e)}"
        for cid, name, emails in zip(people["candidate_id"], people["name"], people["emails"], strict=True)
    }


def _candidate_choice(key: str) -> str | None:
    labels = _candidate_labels()
    if not labels:
        st.info("Import candidates first (above): badges are added to a candidate.")
        return None
    return st.selectbox(
        "Candidate", list(labels), format_func=lambda c: labels[c],
        help="The badges are added to this candidate; the recipient check uses their email addresses.", key=key,
    )  # fmt: skip


def files_section() -> None:
    """Upload badge files (or a ZIP of them) for one candidate."""
    st.header("2. Badge files for a candidate")
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
        f"Add {counted(len(files), 'badge file')}",
        type="primary",
        help="Queues them for verification.",
        key="files_add",
    ):
        n = add_badges(candidate, [_file_input(f, candidate) for f in files], source="upload")
        st.success(f"Added {counted(n, 'badge')}. Next: **Verify**.")


def _file_input(f: BadgeFile, candidate: str) -> BadgeInput:
    return BadgeInput(source=f"upload:{f.name}", data=f.data, filename=f.name.rsplit("/", 1)[-1], candidate=candidate)


def urls_section() -> None:
    """Paste badge URLs for one candidate."""
    st.header("3. Badge links for a candidate")
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
        f"Add {counted(len(urls), 'link')}", type="primary", help="Queues them for verification.", key="urls_add"
    ):
        n = add_badges(candidate, [BadgeInput(source=u, candidate=candidate) for u in urls], source="pasted")
        st.success(f"Added {counted(n, 'badge link')}. Next: **Verify**.")


INTAKE_TYPES = ["pdf", "docx", "html", "htm", "md", "markdown", "txt", "zip", "csv"]
NEW_PERSON = "(a new candidate)"


def _source_lines(found: list[Extraction]) -> None:
    """One line per source: what was found in it, or why it could not be read."""
    rows = []
    for e in found:
        if not e.readable:
            status = "; ".join(e.problems)
        else:
            badges = [link for link in e.links if link.kind == "badge"]
            listed = sum(1 for link in badges if link.from_profile)
            profiles = sum(1 for link in e.links if link.kind == "profile")
            parts = [counted(len(badges), "badge") + (f" ({listed} listed by a profile)" if listed else "")]
            if profiles:
                parts.append(f"{counted(profiles, 'profile')} not expanded")
            parts.append(counted(len(e.claims), "unlinked claim"))
            if e.problems:
                parts.append(counted(len(e.problems), "problem"))
            status = "read: " + ", ".join(parts)
        rows.append({"Source": e.source, "Result": status})
    st.dataframe(
        pd.DataFrame(rows, columns=["Source", "Result"]),
        hide_index=True,
        width="stretch",
        column_config={
            "Source": st.column_config.TextColumn(help="The file or link read."),
            "Result": st.column_config.TextColumn(help="What was found in it, or why it could not be read."),
        },
    )
    unreadable = sum(not e.readable for e in found)
    if unreadable:
        st.warning(
            f"{counted(unreadable, 'source')} could not be read; the reason is on "
            f"{'its' if unreadable == 1 else 'their'} line. The others are below."
        )


def _person_block(i: int, person: IntakeCandidate) -> list[str]:
    """One candidate's preview: links with a checkbox each, claims, problems; the chosen badge URLs."""
    who = person.name or person.sources[0]
    tag = "already in the workspace" if person.existing else "new candidate"
    email = auth.contact(person.email) if person.email else "no email found"
    with st.expander(f"{plain(who)} — {email} ({tag})", expanded=True):
        st.caption("From: " + ", ".join(plain(s) for s in person.sources))
        chosen: list[str] = []
        if person.links:
            frame = pd.DataFrame(
                [
                    {
                        "Verify": link.kind == "badge",
                        "Kind": link.kind,
                        "Platform": link.platform or "",
                        "Shown as": link.text,
                        "Link": link.url,
                        "Listed by profile": link.from_profile or "",
                    }
                    for link in person.links
                ]
            )
            edited = st.data_editor(
                frame,
                hide_index=True,
                width="stretch",
                disabled=["Kind", "Platform", "Shown as", "Link", "Listed by profile"],
                column_config={
                    "Verify": st.column_config.CheckboxColumn(
                        "Verify", help="Queue this link for verification (badges are ticked; profiles are expanded)."
                    ),
                    "Kind": st.column_config.TextColumn(help="A badge, or a profile page listing badges."),
                    "Platform": st.column_config.TextColumn(help="The badge platform the link belongs to, if known."),
                    "Shown as": st.column_config.TextColumn(help="The link's text where it was found."),
                    "Link": st.column_config.TextColumn(help="The address that will be verified."),
                    "Listed by profile": st.column_config.TextColumn(
                        help="The profile page this badge was found on, if any."
                    ),
                },
                key=f"intake_person_{i}",
            )
            chosen = [url for url, tick in zip(edited["Link"], edited["Verify"], strict=True) if bool(tick)]
        else:
            st.write("No links found.")
        if person.claims:
            st.markdown("**Claimed, no verifiable credential** (shown, never counted)")
            st.markdown("\n".join(f"- {plain(c.text)}" for c in person.claims))
        for problem in person.problems:
            st.warning(plain(problem))
        return chosen


def intake_section() -> None:
    """Résumés, LinkedIn exports and profile links: preview per candidate, queue the chosen badges."""
    st.header("4. Résumés and profiles")
    uploads = st.file_uploader(
        "Résumés (PDF, DOCX, HTML, Markdown, text), a ZIP of them, or LinkedIn's data export",
        type=INTAKE_TYPES,
        accept_multiple_files=True,
        help="Each résumé gives a candidate (name and email), the credential links it holds, and the "
        "certifications it claims without a link. LinkedIn's export: the ZIP, or its Certifications.csv "
        "with Profile.csv and Email Addresses.csv.",
        key="intake_files",
    )
    pasted = st.text_area(
        "Profile or badge links",
        help="Credly (credly.com/users/…), Badgr / Canvas Credentials collections, Open Badge Passport profiles, "
        "Accredible wallets, or single badge links.",
        key="intake_links",
    )
    pasted_for = ("", "")
    if pasted.strip():
        people_now = candidates()
        options = [NEW_PERSON, *people_now["candidate_id"]]
        names = dict(zip(people_now["candidate_id"], people_now["name"], strict=True))
        who = st.selectbox(
            "Whose links are these?", options, format_func=lambda c: c if c == NEW_PERSON else names.get(c, c),
            key="intake_links_for",
        )  # fmt: skip
        if who == NEW_PERSON:
            left, right = st.columns(2)
            name = left.text_input("Name", key="intake_links_name")
            email = right.text_input("Email (for the recipient check)", key="intake_links_email")
            pasted_for = (name, email)
        else:
            emails = people_now.loc[people_now["candidate_id"] == who, "emails"].iloc[0]
            first = next((e for e in str(emails).split(", ") if e), "")
            pasted_for = (names.get(who, ""), first)
            if not first:
                st.warning("This candidate has no email address, so the links will become a new candidate.")
    left, right = st.columns(2)
    expand = left.toggle("List the badges behind profile links", value=True, key="intake_expand")
    max_badges = int(right.number_input("At most this many badges per profile", 1, 500, 100, key="intake_max"))
    if not uploads and not pasted.strip():
        st.caption("Nothing yet. The sample workspace has résumés to try in `sample_data/resumes/`.")
        return
    files = tuple((u.name, u.getvalue()) for u in uploads or ())
    with st.spinner("Reading the résumés and listing the profiles' badges…"):
        found = intake.read_sources(files, pasted, pasted_for, expand, max_badges)
    _source_lines(found)
    people = intake.people(found)
    if not people:
        st.info("No candidate could be read from these sources.")
        return
    chosen = [(person, _person_block(i, person)) for i, person in enumerate(people)]
    total = sum(len(urls) for _p, urls in chosen)
    if st.button(
        f"Queue {counted(total, 'badge link')} for verification",
        type="primary",
        disabled=total == 0,
        help="Adds the candidates (matched to those already here by email) and queues the ticked links.",
        key="intake_queue",
    ):
        label = ", ".join(u.name for u in uploads or ())[:200] or "pasted links"
        new, queued = intake.queue(chosen, source=label)
        picked = sum(1 for _p, urls in chosen if urls)
        st.success(
            f"Queued {counted(queued, 'badge link')} for {counted(picked, 'candidate')} ({new} new). Next: **Verify**."
        )
        link("pages/2_Verify.py", "Verify the badges now", icon=":material/arrow_forward:")


REMOVE_WHO = "remove_who"
REMOVE_SURE = "remove_sure"
REMOVED = "remove_done"


def _unconfirm() -> None:
    """A changed choice of candidates to remove needs its own confirmation."""
    st.session_state[REMOVE_SURE] = False


def _remove_chosen() -> None:
    """The Remove button's action (run before the page is drawn again, so the choice can be cleared)."""
    chosen = list(st.session_state.get(REMOVE_WHO) or ())
    removed = remove_candidates(chosen)
    st.session_state[REMOVE_WHO] = []
    st.session_state[REMOVE_SURE] = False
    st.session_state[REMOVED] = (
        f"Removed {counted(removed, 'candidate')} with their badges, results and stored evidence."
    )


def remove_section() -> None:
    """Remove candidates (imported by mistake, or asking to be forgotten) with everything kept about them."""
    st.header("Remove candidates")
    done = st.session_state.pop(REMOVED, None)
    if done:
        st.success(str(done))
    labels = _candidate_labels()
    if not labels:
        st.caption("No candidates in the workspace.")
        return
    chosen = st.multiselect(
        "Candidates to remove", list(labels), format_func=lambda c: labels.get(c, c),
        help="A candidate imported by mistake, or one who asked to be forgotten. Typing filters the list; "
        "Enter adds every candidate that matches.", key=REMOVE_WHO, on_change=_unconfirm,
    )  # fmt: skip
    who = counted(len(chosen), "chosen candidate") if chosen else "the chosen candidates"
    # Any change to the choice asks for the confirmation again (_unconfirm).
    sure = st.checkbox(
        f"I understand this removes {who} with their badges, results and stored evidence", key=REMOVE_SURE
    )
    st.button(
        f"Remove {counted(len(chosen), 'candidate')}", disabled=not (chosen and sure), on_click=_remove_chosen,
        help="Removes them from the workspace, from saved shortlists and from the verification queue. "
        "This cannot be undone.", key="remove_btn",
    )  # fmt: skip


def import_page() -> None:
    """The Import page body."""
    st.title("Import")
    st.write(
        "Bring in candidates and their badges. Nothing you give is dropped silently: rows and files that cannot be used are listed with the reason. "
        "Candidates imported by mistake, or asking to be forgotten, can be removed at the end of the page."
    )
    ats_section()
    st.divider()
    files_section()
    st.divider()
    urls_section()
    st.divider()
    intake_section()
    st.divider()
    remove_section()


run_page(import_page, title="Import", icon=":material/check_circle:", permission="import")
