"""Ranking, pool gaps and side-by-side comparison, built on a :class:`CoverageReport`.

The ranking rule, in order (the Roles page and the READMEs state the same):

1. **must-haves met, weighted**: the sum of the weights of the must-have
   requirements the candidate meets with verified evidence (more first), so a
   candidate holding a must-have another lacks ranks above them unless the
   other's must-haves outweigh it;
2. **score**: ``100 * sum(weight * strength) / sum(weight)`` over all the
   role's requirements (higher first);
3. **evidence**: how many verified badges count towards the role's
   requirements (more first);
4. candidate id, so that ties are stable.

Each rank carries a plain-language explanation: why the candidate sits above
the next one (``"Ranks above Bo (#2): holds Terraform, a must-have Bo lacks"``),
then the score and the gaps (``"meets 2 of 3 must-haves, 6 of 9 requirements
(score 71.4); missing must-have Kubernetes: badge failed: revoked
2026-03-02"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from talent.coverage import CoverageReport

MAX_GAPS_IN_EXPLANATION = 4
RANKING_RULE = (
    "Candidates are ranked first by the must-haves they meet, each counted at its weight, so a candidate "
    "holding a must-have another lacks ranks above them unless the other's must-haves weigh more; then by "
    "score (the weighted share of all requirements met); then by how many verified badges back the role's "
    "requirements; remaining ties in candidate id order. Only verified evidence counts."
)
"""The ranking rule in words, as the Roles and Coverage pages and both READMEs state it."""
EVIDENCE_FIELDS = (
    "badge_key",
    "badge_name",
    "issuer_name",
    "issuer_id",
    "trust",
    "identity_level",
    "identity_proven",
    "identity_note",
    "status",
    "reason",
    "summary",
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
    """Candidates ranked for one role by the rule in the module docstring:
    ``rank, candidate_id, name, role_id, must_have_met, must_have_total,
    must_have_weight_met, must_have_weight_total, met, total, score,
    evidence, all_must_haves, above_next, explanation``.

    ``above_next`` says why the candidate sits above the next one ("" for the
    last); ``explanation`` is that sentence followed by the score and the gaps.
    ``limit`` keeps the top N (explanations are only built for those).
    """
    scores = report.role_scores(role_id).reset_index(drop=True)
    rows = _role_rows(report, role_id)
    reqs = report.requirements[report.requirements["role_id"] == role_id].sort_values("req_index", kind="stable")
    n, n_req = len(scores), len(reqs)
    met = rows["met"].to_numpy(dtype=bool).reshape(n, n_req)
    must = reqs["must_have"].to_numpy(dtype=bool)
    weights = reqs["weight"].to_numpy(dtype=float)
    mh_weight = met[:, must].astype(float) @ weights[must]
    evidence = rows["badges"].to_numpy(dtype=np.int64).reshape(n, n_req).sum(axis=1)
    ranked = scores.assign(
        must_have_weight_met=np.round(mh_weight, 6),
        must_have_weight_total=round(float(weights[must].sum()), 6),
        evidence=evidence,
        _pos=np.arange(n),
    )
    ranked = ranked.sort_values(
        ["must_have_weight_met", "score", "evidence", "candidate_id"],
        ascending=[False, False, False, True],
        kind="stable",
    ).reset_index(drop=True)
    order = ranked["_pos"].to_numpy(dtype=np.int64)
    keep = len(ranked) if limit is None else max(0, min(limit, len(ranked)))
    ranked = ranked.head(keep).drop(columns=["_pos"])
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    names = names or {}
    ranked.insert(2, "name", [names.get(c, c) for c in ranked["candidate_id"]])
    if explain:
        labels = [str(r) for r in reqs["requirement"]]
        full = scores.assign(must_have_weight_met=mh_weight, evidence=evidence)
        records: list[dict[str, Any]] = full.to_dict("records")  # type: ignore[assignment]
        above: list[str] = []
        for i in range(len(ranked)):
            if i + 1 >= n:
                above.append("")
                continue
            a, b = int(order[i]), int(order[i + 1])
            this, nxt = records[a], records[b]
            nxt_name = names.get(str(nxt["candidate_id"]), str(nxt["candidate_id"]))
            above.append(
                explain_above(
                    nxt_name,
                    i + 2,
                    held=[
                        (lab, bool(mh), float(w))
                        for lab, mh, w, x, y in zip(labels, must, weights, met[a], met[b], strict=True)
                        if x and not y
                    ],
                    lacked=[
                        (lab, bool(mh), float(w))
                        for lab, mh, w, x, y in zip(labels, must, weights, met[a], met[b], strict=True)
                        if y and not x
                    ],
                    weights=(float(this["must_have_weight_met"]), float(nxt["must_have_weight_met"])),
                    scores=(float(this["score"]), float(nxt["score"])),
                    evidence=(int(this["evidence"]), int(nxt["evidence"])),
                )
            )
        gaps = _gap_texts(report, role_id, set(ranked["candidate_id"]))
        top: list[dict[str, Any]] = ranked.to_dict("records")  # type: ignore[assignment]
        ranked["above_next"] = above
        ranked["explanation"] = [
            " ".join(
                p
                for p in (
                    f"{why}." if why else "",
                    _capital(
                        explain_score(
                            int(r["must_have_met"]),
                            int(r["must_have_total"]),
                            int(r["met"]),
                            int(r["total"]),
                            float(r["score"]),
                            gaps.get(str(r["candidate_id"]), []),
                            must_weight=(float(r["must_have_weight_met"]), float(r["must_have_weight_total"])),
                        )
                    ),
                )
                if p
            )
            for r, why in zip(top, above, strict=True)
        ]
    return ranked.drop(columns=["role_name"])


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _names(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _num(x: float) -> str:
    return f"{x:g}"


def explain_above(
    next_name: str,
    next_rank: int,
    *,
    held: Sequence[tuple[str, bool, float]],
    lacked: Sequence[tuple[str, bool, float]],
    weights: tuple[float, float],
    scores: tuple[float, float],
    evidence: tuple[int, int],
) -> str:
    """Why a candidate sits directly above the next one (``next_name``, at
    ``next_rank``), following the ranking rule: the first of must-have weight,
    score and evidence that differs. ``held`` are the requirements this
    candidate meets and the next does not, ``lacked`` the reverse, each as
    ``(label, is_must_have, weight)``; ``weights``, ``scores`` and
    ``evidence`` are (this, next)."""
    head = f"Ranks above {next_name} (#{next_rank})"
    held_must = [lab for lab, mh, _ in held if mh]
    lacked_must = [lab for lab, mh, _ in lacked if mh]
    if round(weights[0], 6) > round(weights[1], 6):
        noun = "a must-have" if len(held_must) == 1 else "must-haves"
        text = f"{head}: holds {_names(held_must)}, {noun} {next_name} lacks"
        if lacked_must:
            text += (
                f", which outweigh{'s' if len(held_must) == 1 else ''} {_names(lacked_must)}"
                f" held only by {next_name} (must-have weight {_num(weights[0])} against {_num(weights[1])})"
            )
        return text
    same = "the same must-haves" if not held_must and not lacked_must else "must-haves of equal weight"
    if scores[0] > scores[1]:
        text = f"{head}: {same}, higher score ({_num(scores[0])} against {_num(scores[1])})"
        extra = [lab for lab, mh, _ in held if not mh]
        if extra:
            text += f"; holds {_names(extra)}, which {next_name} lacks"
        else:
            text += "; the same requirements met, on more trusted evidence"
        return text
    if evidence[0] > evidence[1]:
        return (
            f"{head}: {same} and the same score ({_num(scores[0])}), more verified evidence "
            f"({evidence[0]} badges against {evidence[1]})"
        )
    return f"{head}: tied on must-haves, score and evidence (ties are listed by candidate id)"


def explain_score(
    must_met: int,
    must_total: int,
    met: int,
    total: int,
    score: float,
    gaps: Sequence[tuple[bool, str]],
    *,
    must_weight: tuple[float, float] | None = None,
) -> str:
    """The plain-language sentence for one candidate's score; ``gaps`` are
    ``(is_must_have, text)`` for each unmet requirement, must-haves first;
    ``must_weight`` is (met, total) weight of the must-haves."""
    weight = f" (weight {_num(must_weight[0])} of {_num(must_weight[1])})" if must_weight else ""
    head = (
        f"meets {must_met} of {must_total} must-haves{weight}, {met} of {total} requirements (score {score:g})"
        if must_total
        else f"meets {met} of {total} requirements (score {score:g})"
    )
    ordered = sorted(gaps, key=lambda g: not g[0])
    parts = [("missing must-have " if mh else "") + text for mh, text in ordered[:MAX_GAPS_IN_EXPLANATION]]
    if len(ordered) > MAX_GAPS_IN_EXPLANATION:
        more = len(ordered) - MAX_GAPS_IN_EXPLANATION
        parts.append(f"and {more} more gap{'s' if more > 1 else ''}")
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
