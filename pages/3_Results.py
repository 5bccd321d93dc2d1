"""Results: every badge with its status, filters, and a drill-down into each check."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import workspace
from ui.accessible import chart, status_summary, status_table
from ui.charts import status_bar
from ui.evidence import badge_evidence
from ui.identity import LEVEL_COLUMN_HELP, level_filter
from ui.issuers import identity_details
from ui.render import empty_state, plain, result_details, run_page, styled_status
from verifier.labels import format_label

COLUMNS = {
    "status_label": ("Status", "✔ Verified: every check passed. ✖ Failed: not valid now. ? Couldn't verify."),
    "candidate": ("Candidate", "Whose badge it is."),
    "achievement": ("Badge", "The achievement the badge is for."),
    "issuer": ("Issuer", "Who the badge says issued it."),
    "identity": ("Issuer identity", LEVEL_COLUMN_HELP),
    "format": ("Format", "The kind of credential: Open Badges 2.0 or 3.0, a W3C Verifiable Credential..."),
    "platform": ("Platform", "The badge platform it was given from, when it was a platform's page."),
    "reason": ("Reason", "Why it failed or could not be verified; select the row for the full text."),
    "issued_on": ("Issued", "Issue date as the badge states it."),
    "expires": ("Expires", "Expiry date; empty when it never expires."),
    "skills": ("Skills", "The skills the badge states."),
}


def _filters(frame: pd.DataFrame) -> pd.DataFrame:
    """Sidebar-free filter row; returns the filtered frame."""
    a, b, c, d, e = st.columns(5)
    statuses = a.multiselect(
        "Status", ["✔ Verified", "✖ Failed", "? Couldn't verify"], help="Show only these outcomes.", key="f_status"
    )
    candidates = b.multiselect(
        "Candidate", sorted(frame["candidate"].dropna().unique()), help="Show these candidates' badges.", key="f_cand"
    )
    issuers = c.multiselect(
        "Issuer", sorted(frame["issuer"].dropna().unique()), help="Show badges from these issuers.", key="f_issuer"
    )
    formats = d.multiselect(
        "Format",
        sorted(frame["format"].dropna().unique()),
        help="Open Badges 2.0 (hosted or signed), 3.0, W3C Verifiable Credentials...",
        key="f_fmt",
    )
    platforms = e.multiselect(
        "Platform",
        sorted(frame["platform"].dropna().unique()),
        help="Badges given as a Credly / Badgr / ... page.",
        key="f_platform",
    )
    mask = pd.Series(True, index=frame.index)
    for column, chosen in (
        ("status_label", statuses),
        ("candidate", candidates),
        ("issuer", issuers),
        ("format", formats),
        ("platform", platforms),
    ):
        if chosen:
            mask &= frame[column].isin(chosen)
    return frame[mask]


def results_page() -> None:
    """The Results page body."""
    st.title("Results")
    frame = workspace.results_frame()
    if not frame.empty:
        frame = frame.assign(format=[format_label(f) for f in frame["format"]]).fillna(
            {"platform": "", "issued_on": "", "expires": "", "reason": ""}
        )
    if frame.empty:
        empty_state("No badge has been verified yet. Import badges, then run **Verify**.", page="pages/2_Verify.py")
        return
    counts = frame["status"].value_counts().to_dict()
    left, right = st.columns([1, 2])
    with left:
        chart(
            status_bar(counts),
            key="results_status_chart",
            summary=status_summary(counts),
            table=status_table(counts),
            what="Badges by status",
        )
    with right:
        st.markdown(
            "Colours and symbols: **✔ Verified** (blue) — every check passed; **✖ Failed** (orange) — not valid "
            "now, the reason says why; **? Couldn't verify** (grey) — a check could not be completed, which is "
            "never treated as valid."
        )
    shown = level_filter(_filters(frame))
    st.caption(f"{len(shown)} of {len(frame)} badges. Select a row to see every check.")
    table = shown[list(COLUMNS)].rename(columns={c: label for c, (label, _h) in COLUMNS.items()})
    event = st.dataframe(
        styled_status(table),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="results_table",
        column_config={
            label: st.column_config.TextColumn(
                label, help=help_text, width="large" if c in ("reason", "identity") else None
            )
            for c, (label, help_text) in COLUMNS.items()
        },
    )
    rows = event.selection.rows if event is not None else []
    if not rows:
        st.info("Select a badge in the table to see its checks, issuer, recipient match, dates, skills and document.")
        return
    result_id = int(shown.iloc[rows[0]]["result_id"])
    detail = workspace.result(result_id)
    if detail is None:
        st.warning("That result is no longer in the workspace (it may have been re-checked). Select it again.")
        return
    result = detail.result
    st.header(plain(result.achievement.name or result.input))
    result_details(result)
    identity_details(result)
    badge_evidence(result_id, result)
    raw_document(detail)


def raw_document(detail: workspace.ResultDetail) -> None:
    """The document as handed in (a file, or the badge inside an image); for a link, fetched on demand."""
    with st.expander("Raw document"):
        text = workspace.raw_document(detail)
        if text is not None:
            st.code(text[:20000], language="json" if text.lstrip().startswith("{") else None)
            return
        url = detail.result.source_url or detail.result.input
        st.caption(f"This badge was given as a link: {plain(url)}")
        if url.startswith(("http://", "https://")) and st.button(
            "Fetch the document now",
            help="Fetches and verifies the link again to show what it serves.",
            key="raw_fetch",
        ):
            document = workspace.fetch_document(url)
            if document is None:
                st.error("The document could not be obtained now; the check list above says why it failed before.")
            else:
                st.json(document, expanded=2)


run_page(results_page, title="Results", icon=":material/check_circle:")
