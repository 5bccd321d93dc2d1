"""Coverage: for a role, candidates × requirements (verified evidence only), the ranking, one profile, the gaps."""

from __future__ import annotations

import streamlit as st

from ui.charts import coverage_heatmap, gaps_bar, profile_bars
from ui.coverage import coverage_view, profile
from ui.render import empty_state, run_page
from ui.widgets import role_picker


def coverage_page() -> None:
    """The Coverage page body."""
    st.title("Coverage")
    st.write("Only **verified** badges count. Failed and couldn't-verify badges never cover a requirement.")
    role_id = role_picker("coverage_role")
    if role_id is None:
        return
    view = coverage_view(role_id)
    if view.ranked.empty:
        empty_state("No candidates yet. Import candidates and verify their badges first.", page="pages/1_Import.py")
        return
    st.plotly_chart(
        coverage_heatmap(view.heatmap, hover=view.hover, title=f"Verified coverage — {view.role_name}"),
        width="stretch",
        key="coverage_heatmap",
    )
    if len(view.heatmap) < len(view.ranked):
        st.caption(f"The heatmap shows the top {len(view.heatmap)} of {len(view.ranked)} candidates.")
    st.subheader("Ranking")
    st.dataframe(
        view.ranked[["rank", "name", "score", "must_haves", "met", "explanation"]],
        hide_index=True,
        width="stretch",
        column_config={
            "rank": st.column_config.NumberColumn("Rank", width="small"),
            "name": "Candidate",
            "score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100, format="%.1f"),
            "must_haves": "Must-haves met",
            "met": "Requirements met",
            "explanation": st.column_config.TextColumn("Why", width="large"),
        },
    )
    left, right = st.columns(2)
    with left:
        names = dict(zip(view.ranked["candidate_id"], view.ranked["name"], strict=True))
        who = st.selectbox(
            "Candidate profile",
            list(names),
            format_func=lambda c: names[c],
            help="One candidate's verified coverage of each requirement.",
            key="coverage_profile",
        )
        st.plotly_chart(
            profile_bars(profile(role_id, who), title=names[who]), width="stretch", key="coverage_profile_chart"
        )
    with right:
        st.plotly_chart(gaps_bar(view.gaps), width="stretch", key="coverage_gaps")
        nobody = view.gaps.loc[view.gaps["covered"] == 0, "requirement"].tolist()
        if nobody:
            st.warning("Nobody in the pool has verified evidence for: " + ", ".join(nobody))


run_page(coverage_page, title="Coverage", icon=":material/check_circle:")
