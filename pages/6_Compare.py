"""Compare: 2–4 candidates side by side against a role, with the evidence behind each cell."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui.accessible import chart, compare_summary, table_frame
from ui.charts import compare_bars
from ui.coverage import comparison as compare
from ui.coverage import coverage_view
from ui.evidence import compare_badge_details
from ui.render import empty_state, plain, run_page, table_style
from ui.widgets import role_picker
from verifier.labels import match_method_label, status_word

EVIDENCE_WORDS = {
    "badge_name": "Badge",
    "issuer_name": "Issuer",
    "status": "Status",
    "counts": "Counts",
    "why_not": "Why it does not count",
    "skill_name": "Skill as the badge states it",
    "match_method": "Matched by",
    "issued_on": "Issued",
    "checked_at": "Checked",
}


def evidence_table(evidence: tuple[dict[str, Any], ...]) -> pd.DataFrame:
    """The evidence behind one cell, in words (status and match method as words, counts as yes/no)."""
    ev = pd.DataFrame(list(evidence))
    ev = ev.assign(
        badge_name=[n or k for n, k in zip(ev["badge_name"], ev["badge_key"], strict=True)],
        status=[status_word(s) for s in ev["status"]],
        counts=["yes" if c else "no" for c in ev["counts"]],
        match_method=[match_method_label(m) for m in ev["match_method"]],
    )
    cols = [c for c in EVIDENCE_WORDS if c in ev]
    return ev[cols].fillna("").rename(columns=EVIDENCE_WORDS)


def compare_page() -> None:
    """The Compare page body."""
    st.title("Compare")
    role_id = role_picker("compare_role")
    if role_id is None:
        return
    view = coverage_view(role_id)
    if len(view.ranked) < 2:
        empty_state("Comparing needs at least two candidates. Import more on **Import**.", page="pages/1_Import.py")
        return
    names = dict(zip(view.ranked["candidate_id"], view.ranked["name"], strict=True))
    chosen = st.multiselect(
        "Candidates (2–4)",
        list(names),
        default=list(names)[:2],
        max_selections=4,
        format_func=lambda c: names[c],
        help="Pick two to four candidates; the top two of the ranking are chosen to start with.",
        key="compare_who",
    )
    if len(chosen) < 2:
        st.info("Pick at least two candidates to compare.", icon=":material/info:")
        return
    comparison = compare(role_id, tuple(chosen))
    st.header("Side by side")
    st.caption("✔ the verified badge that meets the requirement; ✘ why nothing counts. Every reason is in full.")
    frame = comparison.to_frame(names=names).rename(columns={"must-have": "Must-have", "weight": "Weight"})
    frame.index = ["Score (0–100)", *frame.index[1:]]
    st.table(table_style(table_frame(frame, "Requirement")))
    st.header("Evidence behind each cell")
    st.caption("Open a requirement to see every badge considered for it, whether it counts, and why not.")
    for row in comparison.rows:
        marks = " · ".join(f"{names[c]}: {'✔ met' if row.cells[c].met else '✘ not met'}" for c in chosen)
        with st.expander(f"{row.requirement}{' (must-have)' if row.must_have else ''} — {marks}"):
            for cid in chosen:
                cell = row.cells[cid]
                st.markdown(f"**{plain(names[cid])}**: {plain(cell.text())}")
                if cell.evidence:
                    st.table(table_style(evidence_table(cell.evidence)))
                else:
                    st.caption("No badge states this skill.")
    compare_badge_details(list(chosen), names)
    st.header("Coverage chart")
    coverage = pd.DataFrame(
        {names[c]: [row.cells[c].strength if row.cells[c].met else 0.0 for row in comparison.rows] for c in chosen},
        index=[row.requirement for row in comparison.rows],
    )
    shown = coverage.map(lambda v: f"{v:.0%}" if v > 0 else "no verified badge")
    chart(
        compare_bars(coverage, title=f"Verified coverage — {view.role_name}"),
        key="compare_chart",
        summary=compare_summary(coverage),
        table=table_frame(shown, "Requirement"),
        what="Verified coverage",
    )


run_page(compare_page, title="Compare", icon=":material/check_circle:")
