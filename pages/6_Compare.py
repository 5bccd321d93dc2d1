"""Compare: 2–4 candidates side by side against a role, with the evidence behind each cell."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.charts import compare_bars
from ui.coverage import comparison as compare
from ui.coverage import coverage_view
from ui.render import empty_state, run_page
from ui.widgets import role_picker


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
    table = comparison.to_frame(names=names)
    st.dataframe(table, width="stretch")
    coverage = pd.DataFrame(
        {names[c]: [row.cells[c].strength if row.cells[c].met else 0.0 for row in comparison.rows] for c in chosen},
        index=[row.requirement for row in comparison.rows],
    )
    st.plotly_chart(compare_bars(coverage, title=f"Verified coverage — {view.role_name}"), width="stretch")
    st.subheader("Evidence behind each cell")
    requirement = st.selectbox(
        "Requirement",
        [row.requirement for row in comparison.rows],
        help="Every badge considered for this requirement, whether it counts, and why not.",
        key="compare_req",
    )
    row = next(r for r in comparison.rows if r.requirement == requirement)
    for cid in chosen:
        cell = row.cells[cid]
        with st.expander(f"{names[cid]} — {cell.text()}", expanded=len(chosen) <= 2):
            if not cell.evidence:
                st.caption("No badge states this skill.")
                continue
            ev = pd.DataFrame(list(cell.evidence))
            cols = [
                c
                for c in ("badge_name", "issuer_name", "status", "counts", "why_not", "issued_on", "checked_at")
                if c in ev
            ]
            st.dataframe(ev[cols], hide_index=True, width="stretch")


run_page(compare_page, title="Compare", icon=":material/check_circle:")
