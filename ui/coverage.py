"""Coverage as the pages see it: the report of every candidate against every role, and per-role views.

Cached by the workspace revision (:mod:`ui.workspace`): matching badge skills
to the catalogue runs once per write, not once per page view.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from talent.coverage import CoverageReport, compute_coverage, evidence_frame
from talent.ranking import Comparison, compare_candidates, pool_coverage, rank_candidates
from ui.workspace import candidates_at, catalogue, matcher, names_at, revision, roles_at, url, workspace_at

HEATMAP_ROWS = 40


@st.cache_resource(max_entries=2, show_spinner="Matching badge skills to the catalogue…")
def report_at(db: str, rev: int) -> CoverageReport:
    """:func:`report` of the workspace at ``db`` as of revision ``rev`` (cached)."""
    ws = workspace_at(db)
    evidence = evidence_frame(ws.latest_results(), matcher())
    ids = list(candidates_at(db, rev)["candidate_id"])
    return compute_coverage(evidence, roles_at(db, rev), catalogue(), candidate_ids=ids, policy=ws.coverage_policy())


def report() -> CoverageReport:
    """The coverage report of every candidate against every role (verified evidence only)."""
    return report_at(url(), revision())


RANKING_LABELS = {
    "rank": ("Rank", "Place in the ranking for this role (the rule is stated above the table)."),
    "name": ("Candidate", "The candidate's name as imported."),
    "must_haves": (
        "Must-haves met",
        "Must-have requirements met with verified evidence, and their weight: the first ranking key.",
    ),
    "score": ("Score", "0–100: the weighted share of all the role's requirements met with verified evidence."),
    "met": ("Requirements met", "Requirements of the role met with verified evidence."),
    "explanation": ("Why this place", "Why the candidate ranks above the next one, then what is met and missing."),
}
"""Ranking columns as people read them: (label, help)."""
RANKING_WORDS = {column: label for column, (label, _help) in RANKING_LABELS.items()}


@dataclass(frozen=True)
class CoverageView:
    """What the Coverage page shows for one role."""

    role_id: str
    role_name: str
    ranked: pd.DataFrame  # rank, candidate_id, name, score, must_haves, met, above_next, explanation
    heatmap: pd.DataFrame  # display names x requirements, strength 0..1 (top HEATMAP_ROWS)
    hover: pd.DataFrame  # same shape: the evidence behind each cell
    gaps: pd.DataFrame  # requirement, covered, total, must_have


@st.cache_data(max_entries=16, show_spinner=False)
def coverage_view_at(db: str, rev: int, role_id: str) -> CoverageView:
    """:func:`coverage_view` of the workspace at ``db`` as of revision ``rev`` (cached)."""
    rep = report_at(db, rev)
    display = names_at(db, rev)
    ranked = rank_candidates(rep, role_id, names=display)
    role_name = next((r.name for r in roles_at(db, rev) if r.role_id == role_id), role_id)
    ranked["must_haves"] = [
        f"{a} of {b} (weight {wa:g} of {wb:g})" if b else "none asked"
        for a, b, wa, wb in zip(
            ranked["must_have_met"],
            ranked["must_have_total"],
            ranked["must_have_weight_met"],
            ranked["must_have_weight_total"],
            strict=True,
        )
    ]
    ranked["met"] = [f"{a} of {b}" for a, b in zip(ranked["met"], ranked["total"], strict=True)]
    m = rep.matrix[rep.matrix["role_id"] == role_id]
    order = [
        str(r) for r in rep.requirements[rep.requirements["role_id"] == role_id].sort_values("req_index")["requirement"]
    ]
    top = list(ranked["candidate_id"].head(HEATMAP_ROWS))
    mt = m[m["candidate_id"].isin(top)]
    heat = mt.pivot_table(index="candidate_id", columns="requirement", values="strength", aggfunc="max", sort=False)
    heat = heat.reindex(index=top, columns=order).fillna(0.0)
    badge_names = rep.evidence.drop_duplicates("badge_key").set_index("badge_key")["badge_name"].to_dict()
    mt = mt.assign(
        hover=[
            f"✔ {badge_names.get(b) or b}" + (f" (+{n - 1} more)" if n > 1 else "") if met else "✖ no verified badge"
            for b, n, met in zip(mt["best_badge"], mt["badges"], mt["met"], strict=True)
        ]
    )
    hover = mt.pivot_table(index="candidate_id", columns="requirement", values="hover", aggfunc="first", sort=False)
    hover = hover.reindex(index=top, columns=order).fillna("")
    heat.index = hover.index = [display.get(c, c) for c in top]
    pool = pool_coverage(rep, role_id)
    gaps = pd.DataFrame(
        {
            "requirement": pool["requirement"],
            "covered": pool["candidates_meeting"].astype(int),
            "total": int(m["candidate_id"].nunique()),
            "must_have": pool["must_have"].astype(bool),
        }
    )
    cols = ["rank", "candidate_id", "name", "score", "must_haves", "met", "above_next", "explanation"]
    return CoverageView(role_id, role_name, ranked[cols], heat, hover, gaps)


def coverage_view(role_id: str) -> CoverageView:
    """Ranking, heatmap and gaps of one role."""
    return coverage_view_at(url(), revision(), role_id)


def profile_at(rep: CoverageReport, role_id: str, candidate_id: str) -> pd.DataFrame:
    """:func:`profile` from a given report."""
    m = rep.matrix
    rows = m[(m["role_id"] == role_id) & (m["candidate_id"] == candidate_id)].sort_values("req_index")
    return pd.DataFrame(
        {
            "requirement": rows["requirement"].astype(str),
            "coverage": rows["strength"].where(rows["met"], 0.0).astype(float),
            "must_have": rows["must_have"].astype(bool),
        }
    ).reset_index(drop=True)


def profile(role_id: str, candidate_id: str) -> pd.DataFrame:
    """One candidate against a role: ``requirement, coverage, must_have`` in the role's order."""
    return profile_at(report(), role_id, candidate_id)


def comparison(role_id: str, candidate_ids: tuple[str, ...]) -> Comparison:
    """Side-by-side comparison of 2–4 candidates (talent's comparison)."""
    return compare_candidates(report(), role_id, candidate_ids)
