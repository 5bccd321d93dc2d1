"""Ranking, pool gaps and side-by-side comparison, built on a :class:`CoverageReport`.

Candidates are ranked per role by: all must-haves met first, then score,
then number of requirements met, then candidate id (so ties are stable).
Each rank carries a plain-language explanation of its score, for instance
``"meets 2 of 3 must-haves, 6 of 9 requirements (score 71.4); missing
must-have Kubernetes: badge failed: revoked 2026-03-02"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from talent.coverage import CoverageReport

MAX_GAPS_IN_EXPLANATION = 4
EVIDENCE_FIELDS = (
    "badge_key",
    "badge_name",
    "issuer_name",
    "issuer_id",
    "trust",
    "status",
    "reason",
    "checked_at",
    "checks",
    "issued_on",
    "expires",
    "skill_name",
    "skill_field",
    "match_method",
    "match_score",
    "counts",
    "why_not",
)


def _role_rows(report: CoverageReport, role_id: str) -> pd.DataFrame:
    return report.role_matrix(role_id)


def rank_candidates(
    report: CoverageReport,
    role_id: str,
    *,
    names: Mapping[str, str] | None = None,
    explain: bool = True,
    limit: int | None = None,
) -> pd.DataFrame:
    """Candidates ranked for one role: ``rank, candidate_id, name, score,
    must_have_met, must_have_total, all_must_haves, met, total, explanation``.

    ``limit`` keeps the top N (explanations are only built for those).
    """
    scores = report.role_scores(role_id)
    ranked = scores.sort_values(
        ["all_must_haves", "score", "met", "candidate_id"], ascending=[False, False, False, True], kind="stable"
    ).reset_index(drop=True)
    if limit is not None:
        ranked = ranked.head(limit)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    names = names or {}
    ranked.insert(2, "name", [names.get(c, c) for c in ranked["candidate_id"]])
    if explain:
        gaps = _gap_texts(report, role_id, set(ranked["candidate_id"]))
        records: list[dict[str, Any]] = ranked.to_dict("records")  # type: ignore[assignment]
        ranked["explanation"] = [
            explain_score(
                int(r["must_have_met"]),
                int(r["must_have_total"]),
                int(r["met"]),
                int(r["total"]),
                float(r["score"]),
                gaps.get(str(r["candidate_id"]), []),
            )
            for r in records
        ]
    return ranked.drop(columns=["role_name"])


def explain_score(
    must_met: int, must_total: int, met: int, total: int, score: float, gaps: Sequence[tuple[bool, str]]
) -> str:
    """The plain-language sentence for one candidate's score; ``gaps`` are
    ``(is_must_have, text)`` for each unmet requirement, must-haves first."""
    head = (
        f"meets {must_met} of {must_total} must-haves, {met} of {total} requirements (score {score:g})"
        if must_total
        else f"meets {met} of {total} requirements (score {score:g})"
    )
    ordered = sorted(gaps, key=lambda g: not g[0])
    parts = [("missing must-have " if mh else "") + text for mh, text in ordered[:MAX_GAPS_IN_EXPLANATION]]
    if len(ordered) > MAX_GAPS_IN_EXPLANATION:
        parts.append(f"and {len(ordered) - MAX_GAPS_IN_EXPLANATION} more gaps")
    return "; ".join([head, *parts])


def _gap_texts(report: CoverageReport, role_id: str, candidates: set[str]) -> dict[str, list[tuple[bool, str]]]:
    rows = _role_rows(report, role_id)
    unmet = rows[~rows["met"].to_numpy() & rows["candidate_id"].isin(candidates).to_numpy()]
    d = report.role_pairs(role_id)
    d = d[~d["counts"].to_numpy() & d["candidate_id"].isin(candidates).to_numpy()]
    # One reason per (candidate, requirement), the most telling first: a badge that failed
    # verification, then expired or too old evidence, then issuer rules, then weak matches.
    why = d["why_not"].astype(str)
    rank = np.select(
        [
            why.str.startswith("badge "),
            why.str.startswith("expired"),
            why.str.startswith(("evidence too old", "issue date")),
            why.str.startswith("issuer"),
            why.str.startswith("level"),
        ],
        [0, 1, 2, 3, 4],
        default=5,
    )
    d = d.assign(_rank=rank).sort_values("_rank", kind="stable")
    reasons = d.drop_duplicates(["candidate_id", "req_index"]).set_index(["candidate_id", "req_index"])["why_not"]
    reason_of = reasons.to_dict()
    out: dict[str, list[tuple[bool, str]]] = {}
    for cid, idx, label, sid, must in zip(
        unmet["candidate_id"],
        unmet["req_index"],
        unmet["requirement"],
        unmet["skill_id"],
        unmet["must_have"],
        strict=True,
    ):
        reason = reason_of.get((cid, idx))
        if reason:
            text = f"{label} unverified: {reason}"
        elif str(sid).startswith("unresolved:"):
            text = f"{label}: not in the skills catalogue"
        else:
            text = f"{label}: no badge"
        out.setdefault(cid, []).append((bool(must), text))
    return out


def pool_coverage(report: CoverageReport, role_id: str) -> pd.DataFrame:
    """Per requirement of a role: how many candidates meet it
    (``requirement, skill_id, must_have, weight, candidates_meeting, share, nobody``);
    ``nobody`` marks the requirements no candidate in the pool covers."""
    rows = _role_rows(report, role_id)
    reqs = report.requirements[report.requirements["role_id"] == role_id]
    n_req = len(reqs)
    n = len(rows) // n_req if n_req else 0
    meeting = rows["met"].to_numpy(dtype=bool).reshape(n, n_req).sum(axis=0) if n else np.zeros(n_req, dtype=np.int64)
    out = pd.DataFrame(
        {
            "requirement": reqs["requirement"].to_numpy(dtype=object),
            "skill_id": reqs["skill_id"].to_numpy(dtype=object),
            "must_have": reqs["must_have"].to_numpy(dtype=bool),
            "weight": reqs["weight"].to_numpy(dtype=float),
            "candidates_meeting": meeting.astype(np.int64),
        }
    )
    out["share"] = (out["candidates_meeting"] / n).round(3) if n else 0.0
    out["nobody"] = out["candidates_meeting"] == 0
    return out


def uncovered_requirements(report: CoverageReport, role_id: str) -> list[str]:
    """The requirements of a role that nobody in the pool covers."""
    pool = pool_coverage(report, role_id)
    return list(pool.loc[pool["nobody"], "requirement"])


@dataclass(frozen=True, slots=True)
class ComparisonCell:
    """One candidate x requirement: met or not, and every piece of evidence
    considered (those that count and those that do not, with why)."""

    met: bool
    strength: float
    evidence: tuple[dict[str, Any], ...]
    note: str

    def text(self) -> str:
        """A short cell text: the counting badge(s), or why not."""
        if self.met:
            names = [e["badge_name"] or e["badge_key"] for e in self.evidence if e["counts"]]
            return "✔ " + ", ".join(dict.fromkeys(names))
        return "✘ " + self.note


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """One requirement across the compared candidates."""

    requirement: str
    skill_id: str
    must_have: bool
    weight: float
    cells: dict[str, ComparisonCell]


@dataclass(frozen=True, slots=True)
class Comparison:
    """A side-by-side comparison of 2-4 candidates for one role."""

    role_id: str
    candidate_ids: tuple[str, ...]
    scores: dict[str, dict[str, Any]]
    rows: tuple[ComparisonRow, ...]

    def to_frame(self, *, names: Mapping[str, str] | None = None) -> pd.DataFrame:
        """Requirements (rows) x candidates (columns) of cell texts, with a score row first."""
        names = names or {}
        cols = [names.get(c, c) for c in self.candidate_ids]
        data = [["", "", *[f"{self.scores[c]['score']:g}" for c in self.candidate_ids]]]
        index = ["score"]
        for row in self.rows:
            data.append(
                ["yes" if row.must_have else "", f"{row.weight:g}", *[row.cells[c].text() for c in self.candidate_ids]]
            )
            index.append(row.requirement)
        return pd.DataFrame(data, index=index, columns=["must-have", "weight", *cols])


def compare_candidates(report: CoverageReport, role_id: str, candidate_ids: Sequence[str]) -> Comparison:
    """The comparison structure for 2-4 candidates (ValueError otherwise)."""
    ids = tuple(dict.fromkeys(candidate_ids))
    if not 2 <= len(ids) <= 4:
        raise ValueError("compare 2 to 4 distinct candidates")
    rows = _role_rows(report, role_id)
    missing = set(ids) - set(rows["candidate_id"])
    if missing:
        raise KeyError(f"not in this coverage report: {', '.join(sorted(missing))}")
    rows = rows[rows["candidate_id"].isin(ids)]
    d = report.role_detail(role_id, ids)
    d = d.sort_values(["counts", "strength"], ascending=[False, False], kind="stable")
    ev_by: dict[tuple[str, int], list[dict[str, Any]]] = {}
    evidence_records: list[dict[str, Any]] = d[["candidate_id", "req_index", *EVIDENCE_FIELDS]].to_dict("records")  # type: ignore[assignment]
    for rec in evidence_records:
        ev_by.setdefault((rec.pop("candidate_id"), int(rec.pop("req_index"))), []).append(rec)
    out_rows: list[ComparisonRow] = []
    reqs = report.requirements[report.requirements["role_id"] == role_id]
    row_records: list[dict[str, Any]] = rows.to_dict("records")  # type: ignore[assignment]
    cell_of = {(str(r["candidate_id"]), int(r["req_index"])): r for r in row_records}
    req_records: list[dict[str, Any]] = reqs.to_dict("records")  # type: ignore[assignment]
    for req in req_records:
        index = int(req["req_index"])
        cells: dict[str, ComparisonCell] = {}
        for cid in ids:
            m = cell_of[(cid, index)]
            evidence = tuple(ev_by.get((cid, index), []))
            note = "" if m["met"] else (evidence[0]["why_not"] if evidence else "no badge")
            cells[cid] = ComparisonCell(bool(m["met"]), float(m["strength"]), evidence, note)
        out_rows.append(
            ComparisonRow(
                str(req["requirement"]), str(req["skill_id"]), bool(req["must_have"]), float(req["weight"]), cells
            )
        )
    sc = report.role_scores(role_id)
    sc = sc[sc["candidate_id"].isin(ids)]
    score_records: list[dict[str, Any]] = sc.to_dict("records")  # type: ignore[assignment]
    scores = {str(r["candidate_id"]): r for r in score_records}
    return Comparison(role_id, ids, scores, tuple(out_rows))


def requirement_evidence(report: CoverageReport, role_id: str, candidate_ids: Sequence[str]) -> pd.DataFrame:
    """One row per candidate x requirement x evidence (a requirement with no
    evidence keeps one row with empty evidence columns), for exports."""
    rows = _role_rows(report, role_id)
    rows = rows[rows["candidate_id"].isin(candidate_ids)]
    d = report.role_detail(role_id, candidate_ids)
    base = rows[["candidate_id", "req_index", "requirement", "must_have", "weight", "met"]]
    merged = base.merge(
        d[["candidate_id", "req_index", *EVIDENCE_FIELDS]], on=["candidate_id", "req_index"], how="left"
    )
    order = {c: i for i, c in enumerate(candidate_ids)}
    merged["_o"] = merged["candidate_id"].map(order)
    merged = merged.sort_values(["_o", "req_index", "counts"], ascending=[True, True, False], kind="stable")
    return merged.drop(columns=["_o"]).reset_index(drop=True)
