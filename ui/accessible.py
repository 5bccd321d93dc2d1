"""Every chart with a text summary and its data as a table.

A chart alone says nothing to a screen-reader user (and little to anyone who
cannot tell its colours apart), so :func:`chart` draws the figure, then one or
two plain sentences of what it shows (the summaries below), then the same
data as a real table in an expander (WCAG 2.2 SC 1.1.1, non-text content).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ui.render import plain, table_style
from ui.theme import STATUS_ORDER, STATUS_WORDS


def chart(fig: go.Figure, *, key: str, summary: str, table: pd.DataFrame, what: str) -> None:
    """The figure, its summary (plain text) and its data (``table``, shown without its index)."""
    st.plotly_chart(fig, width="stretch", config={"displayModeBar": False}, key=key)
    st.markdown(plain(summary))
    with st.expander(f"{what}: the data as a table"):
        st.table(table_style(table))


def table_frame(frame: pd.DataFrame, index_label: str) -> pd.DataFrame:
    """``frame`` with its index as the first column, named ``index_label`` (a table header is never empty)."""
    out = frame.copy()
    out.insert(0, index_label, [str(i) for i in out.index])
    return out.reset_index(drop=True)


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "0%"


def _list(items: list[str], limit: int = 4) -> str:
    shown = items[:limit]
    more = len(items) - len(shown)
    text = ", ".join(shown)
    return text + (f" and {more} more" if more > 0 else "")


def status_summary(counts: Mapping[str, int]) -> str:
    """``"125 badges: 90 verified (72%), 18 failed (14%), 17 couldn't verify (14%)."``"""
    total = sum(int(counts.get(s, 0)) for s in STATUS_ORDER)
    parts = [
        f"{int(counts.get(s, 0))} {STATUS_WORDS[s].lower()} ({_pct(int(counts.get(s, 0)), total)})"
        for s in STATUS_ORDER
    ]
    return f"{total} badges: " + ", ".join(parts) + "."


def status_table(counts: Mapping[str, int]) -> pd.DataFrame:
    """Status and count, one row per status."""
    return pd.DataFrame(
        {"Status": [STATUS_WORDS[s] for s in STATUS_ORDER], "Badges": [int(counts.get(s, 0)) for s in STATUS_ORDER]}
    )


def heatmap_summary(heat: pd.DataFrame, role_name: str) -> str:
    """Who covers most, which requirements are most and least covered, for the candidates shown."""
    if heat.empty or heat.shape[1] == 0:
        return f"No candidate to show for {role_name}."
    met = heat > 0
    per_candidate = met.sum(axis=1)
    per_requirement = met.sum(axis=0)
    best = per_candidate.max()
    leaders = [str(n) for n, v in per_candidate.items() if v == best]
    counts = [(str(r), int(v)) for r, v in per_requirement.items()]
    most = max(counts, key=lambda rc: rc[1])
    least = min(counts, key=lambda rc: rc[1])
    return (
        f"Verified coverage of the {heat.shape[1]} requirements of {role_name} for {len(heat)} candidates, "
        f"in ranking order. Most requirements covered: {_list(leaders, 3)} ({best} of {heat.shape[1]}). "
        f"Most covered requirement: {most[0]} ({most[1]} of {len(heat)} candidates); "
        f"least covered: {least[0]} ({least[1]})."
    )


def profile_summary(name: str, profile: pd.DataFrame) -> str:
    """One candidate: requirements and must-haves met, and what is missing."""
    met = profile["coverage"].astype(float) > 0
    must = profile["must_have"].astype(bool)
    missing = [str(r) for r, m in zip(profile["requirement"], met, strict=True) if not m]
    text = f"{name} has verified evidence for {int(met.sum())} of {len(profile)} requirements"
    if must.any():
        text += f", {int((met & must).sum())} of {int(must.sum())} must-haves"
    return text + (f"; missing: {_list(missing, 6)}." if missing else "; nothing missing.")


def profile_table(profile: pd.DataFrame) -> pd.DataFrame:
    """Requirement, must-have and verified coverage as words."""
    return pd.DataFrame(
        {
            "Requirement": profile["requirement"].astype(str),
            "Must-have": ["yes" if m else "" for m in profile["must_have"]],
            "Verified coverage": [f"{c:.0%}" if c > 0 else "no verified badge" for c in profile["coverage"]],
        }
    )


def gaps_summary(gaps: pd.DataFrame) -> str:
    """Where the pool is thin: the least and most covered requirements, and those nobody covers."""
    if gaps.empty:
        return "The role has no requirements."
    total = int(gaps["total"].max())
    ordered = gaps.sort_values("covered", kind="stable")
    thin = ordered.iloc[0]
    wide = ordered.iloc[-1]
    nobody = [str(r) for r, c in zip(gaps["requirement"], gaps["covered"], strict=True) if c == 0]
    text = (
        f"Of {total} candidates, the fewest have verified evidence for {thin['requirement']} ({int(thin['covered'])}), "
        f"the most for {wide['requirement']} ({int(wide['covered'])})."
    )
    return text + (f" Nobody covers {_list(nobody, 6)}." if nobody else "")


def gaps_table(gaps: pd.DataFrame) -> pd.DataFrame:
    """Requirement, must-have, candidates with and without verified evidence."""
    return pd.DataFrame(
        {
            "Requirement": gaps["requirement"].astype(str),
            "Must-have": ["yes" if m else "" for m in gaps["must_have"]],
            "With verified evidence": gaps["covered"].astype(int),
            "Without": (gaps["total"] - gaps["covered"]).astype(int),
        }
    )


def compare_summary(coverage: pd.DataFrame) -> str:
    """Per compared candidate, how many requirements have verified evidence."""
    parts = [f"{c} {int((coverage[c] > 0).sum())} of {len(coverage)}" for c in coverage.columns]
    return "Requirements with verified evidence: " + "; ".join(parts) + "."


def ranking_explanations(ranked: pd.DataFrame, *, limit: int = 50) -> None:
    """The full text of each candidate's place in the ranking (a table cell cuts long text), in an expander."""
    with st.expander("Why each candidate sits where they do (full text)"):
        top = ranked.head(limit)
        st.markdown(
            "\n".join(
                f"{int(r)}. **{plain(str(n))}**: {plain(str(e))}"
                for r, n, e in zip(top["rank"], top["name"], top["explanation"], strict=True)
            )
        )
        if len(ranked) > len(top):
            st.caption(f"The first {len(top)} of {len(ranked)}; the exports hold every candidate's explanation.")
