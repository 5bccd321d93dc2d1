"""Coverage: for a role, candidates × requirements (verified evidence only), the ranking, one profile, the gaps."""

from __future__ import annotations

import streamlit as st

from talent.ranking import RANKING_RULE
from ui.accessible import (
    chart,
    gaps_summary,
    gaps_table,
    heatmap_summary,
    profile_summary,
    profile_table,
    ranking_explanations,
    table_frame,
)
from ui.charts import coverage_heatmap, gaps_bar, profile_bars
from ui.coverage import RANKING_LABELS, coverage_view, profile
from ui.render import empty_state, run_page
from ui.widgets import role_picker

RANKING_SHOWN = ["rank", "name", "must_haves", "score", "met", "explanation"]


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
    st.header("Verified coverage")
    chart(
        coverage_heatmap(view.heatmap, hover=view.hover, title=f"Verified coverage — {view.role_name}"),
        key="coverage_heatmap",
        summary=heatmap_summary(view.heatmap, view.role_name),
        table=table_frame(view.hover, "Candidate"),
        what="Verified coverage",
    )
    if len(view.heatmap) < len(view.ranked):
        st.caption(f"The heatmap shows the top {len(view.heatmap)} of {len(view.ranked)} candidates.")
    st.header("Ranking")
    st.markdown(f"**How candidates are ranked.** {RANKING_RULE}")
    st.dataframe(
        view.ranked[RANKING_SHOWN],
        hide_index=True,
        width="stretch",
        column_config={
            "rank": st.column_config.NumberColumn(
                RANKING_LABELS["rank"][0], help=RANKING_LABELS["rank"][1], width="small"
            ),
            "name": st.column_config.TextColumn(RANKING_LABELS["name"][0], help=RANKING_LABELS["name"][1]),
            "must_haves": st.column_config.TextColumn(
                RANKING_LABELS["must_haves"][0], help=RANKING_LABELS["must_haves"][1]
            ),
            "score": st.column_config.ProgressColumn(
                RANKING_LABELS["score"][0], help=RANKING_LABELS["score"][1], min_value=0, max_value=100, format="%.1f"
            ),
            "met": st.column_config.TextColumn(RANKING_LABELS["met"][0], help=RANKING_LABELS["met"][1]),
            "explanation": st.column_config.TextColumn(
                RANKING_LABELS["explanation"][0], help=RANKING_LABELS["explanation"][1], width="large"
            ),
        },
    )
    ranking_explanations(view.ranked)
    left, right = st.columns(2)
    with left:
        st.header("One candidate")
        names = dict(zip(view.ranked["candidate_id"], view.ranked["name"], strict=True))
        who = st.selectbox(
            "Candidate profile",
            list(names),
            format_func=lambda c: names[c],
            help="One candidate's verified coverage of each requirement.",
            key="coverage_profile",
        )
        prof = profile(role_id, who)
        chart(
            profile_bars(prof, title=names[who]),
            key="coverage_profile_chart",
            summary=profile_summary(names[who], prof),
            table=profile_table(prof),
            what=f"{names[who]}'s coverage",
        )
    with right:
        st.header("The pool's gaps")
        chart(
            gaps_bar(view.gaps),
            key="coverage_gaps",
            summary=gaps_summary(view.gaps),
            table=gaps_table(view.gaps),
            what="Where the pool is thin",
        )
        nobody = view.gaps.loc[view.gaps["covered"] == 0, "requirement"].tolist()
        if nobody:
            st.warning("Nobody in the pool has verified evidence for: " + ", ".join(nobody))


run_page(coverage_page, title="Coverage", icon=":material/check_circle:")
