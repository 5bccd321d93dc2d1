"""Coverage: which role requirements each candidate's verified badges meet.

Two steps, so that the dashboard can cache the slow one:

1. :func:`evidence_frame` (once per set of verification results): one row per
   (candidate, badge, stated skill), each skill matched to the catalogue once
   per distinct (name, code, url), with the badge's status, dates, issuer and
   trust verdict.
2. :func:`compute_coverage` (on every rerun; vectorised): the evidence joined
   to every role requirement, each pair judged, then the full candidates x
   requirements matrix and a score per candidate x role.

What never counts as coverage (the ``why_not`` column says which rule, in this
order): a badge whose status is not ``verified`` (failed: revoked, tampered,
wrong recipient...; error: could not be verified); a badge expired at ``now``;
a low-confidence skill match; an issuer whose trust weight is 0 (the
``deny`` list by default); an issuer whose identity level does not count
(``issuer.identity.level``: by default ``registry``, ``domain`` and
``platform`` count and ``self-asserted`` does not; the workspace's
:class:`CoveragePolicy` and a requirement's ``identity_levels`` choose
otherwise; results stored before identity was assessed count as before);
an issuer outside the requirement's accepted issuers; evidence older than the requirement's maximum age, or of unknown
issue date when there is an age limit; a stated level below the minimum.

A requirement is met when at least one piece of evidence counts; its strength
is the best evidence's trust weight, so the same skill from ten badges counts
once. A candidate's score for a role is ``100 * sum(weight * strength) /
sum(weight)`` over the role's requirements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from talent.catalogue import Catalogue
from talent.extract import extract_skills
from talent.matching import SkillKey, SkillMatcher, match_table
from talent.roles import Role
from verifier.labels import match_method_label, trust_label
from verifier.models import Outcome, Status, VerificationResult, derive_status, utc_now
from verifier.trust import TrustList

EVIDENCE_COLUMNS = (
    "candidate_id",
    "badge_key",
    "badge_name",
    "issuer_id",
    "issuer_name",
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
    "issued_dt",
    "expires_dt",
    "skill_name",
    "skill_field",
    "framework",
    "code",
    "url",
    "level",
    "skill_id",
    "skill_label",
    "match_method",
    "match_score",
    "low_confidence",
)

# Repeated strings are stored as categoricals: coverage then works on their integer codes.
CATEGORICAL_COLUMNS = (
    "candidate_id", "badge_key", "badge_name", "issuer_id", "issuer_name", "trust", "identity_level",
    "identity_proven", "identity_note", "status", "reason", "summary",
    "checked_at", "checks", "issued_on", "expires", "skill_field", "skill_id", "skill_label", "match_method",
)  # fmt: skip
PAIR_COLUMNS = ("ev_row", "req_row", "candidate_id", "role_id", "req_index", "counts", "strength", "why_not")

_DEFAULT_TRUST_WEIGHTS: Mapping[str, float] = MappingProxyType({"allow": 1.0, "unknown": 1.0, "deny": 0.0})
_DEFAULT_IDENTITY_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"registry": 1.0, "domain": 1.0, "platform": 1.0, "self-asserted": 0.0}
)
UNASSESSED = ""  # a result stored before issuer identity was assessed


@dataclass(frozen=True, slots=True)
class CoveragePolicy:
    """How evidence is weighted.

    ``trust_weights`` maps an issuer trust verdict (allow / unknown / deny) to
    the strength its evidence gives (0 excludes it). ``unknown_level_counts``:
    whether a badge that states no level meets a requirement's minimum level.
    """

    trust_weights: Mapping[str, float] = field(default_factory=lambda: _DEFAULT_TRUST_WEIGHTS)
    unknown_level_counts: bool = True
    identity_weights: Mapping[str, float] = field(default_factory=lambda: _DEFAULT_IDENTITY_WEIGHTS)
    unassessed_identity_weight: float = 1.0

    def identity_weight(self, level: str) -> float:
        """The strength factor of evidence whose issuer identity is at ``level``."""
        if level == UNASSESSED:
            return self.unassessed_identity_weight
        return float(self.identity_weights.get(level, 0.0))

    @classmethod
    def counting(cls, levels: Iterable[str]) -> CoveragePolicy:
        """The default policy except that exactly ``levels`` count (weight 1)."""
        chosen = set(levels)
        return cls(
            identity_weights=MappingProxyType({k: 1.0 if k in chosen else 0.0 for k in _DEFAULT_IDENTITY_WEIGHTS})
        )

    def to_dict(self) -> dict[str, Any]:
        """The policy as stored in a workspace's settings."""
        return {
            "trust_weights": dict(self.trust_weights),
            "unknown_level_counts": self.unknown_level_counts,
            "identity_weights": dict(self.identity_weights),
            "unassessed_identity_weight": self.unassessed_identity_weight,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CoveragePolicy:
        """From :meth:`to_dict`'s form; missing keys keep their defaults, bad values raise ``ValueError``."""
        base = cls()

        def weights(key: str, default: Mapping[str, float]) -> Mapping[str, float]:
            raw = data.get(key)
            if raw is None:
                return default
            if not isinstance(raw, Mapping):
                raise ValueError(f"{key} must map names to weights")
            merged = dict(default)
            for k, v in raw.items():
                if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
                    raise ValueError(f"{key}.{k} must be a number from 0 to 1")
                merged[str(k)] = float(v)
            return MappingProxyType(merged)

        unassessed = data.get("unassessed_identity_weight", base.unassessed_identity_weight)
        if isinstance(unassessed, bool) or not isinstance(unassessed, int | float) or not 0 <= unassessed <= 1:
            raise ValueError("unassessed_identity_weight must be a number from 0 to 1")
        return cls(
            trust_weights=weights("trust_weights", base.trust_weights),
            unknown_level_counts=bool(data.get("unknown_level_counts", base.unknown_level_counts)),
            identity_weights=weights("identity_weights", base.identity_weights),
            unassessed_identity_weight=float(unassessed),
        )


def identity_columns(result: VerificationResult) -> tuple[str, str, str]:
    """``(level, proven, note)`` of a badge's issuer identity for the evidence frame and
    exports: the level (``""`` when never assessed), what is proven, and one line
    saying it ("domain: example.org" / "issuer identity not proven: did:key, claims 'X'")."""
    ident = result.issuer.identity
    if ident is None:
        return UNASSESSED, "", "issuer identity not assessed"
    level = ident.level.value
    proven = ident.proven or ""
    if proven:
        where = ", ".join(dict.fromkeys(r.name for r in ident.registries))
        return level, proven, f"{level}: {proven}" + (f" ({where})" if where else "")
    issuer_id = result.issuer.id or ""
    if issuer_id.startswith("did:"):
        kind = ":".join(issuer_id.split(":")[:2])
    elif issuer_id.lower().startswith("urn:"):
        kind = "urn"
    else:
        kind = issuer_id or "no issuer id"
    claims = f", claims {ident.claims_name!r}" if ident.claims_name else ""
    return level, "", f"issuer identity not proven: {kind}{claims}"


def badge_key(result: VerificationResult) -> str:
    """A stable key for one badge: its credential id, else its source URL, else its input."""
    return result.credential_id or result.source_url or result.input


def _flatten(result: VerificationResult) -> Iterable[tuple[VerificationResult, Status, str, str]]:
    """The badges a result holds. A container's credentials (a presentation, a
    CLR) are judged each on its own verification, so one revoked credential
    does not discount its valid siblings; but when the container's own checks
    (its proof, its structure: every check except the ``credentials`` roll-up)
    did not pass, none of its credentials count and the container's status and
    reason are carried over. The last item is the plain sentence for a recruiter
    (:attr:`VerificationResult.summary`): the container's when its own checks decide."""
    if not result.credentials:
        yield result, result.status, result.reason, result.summary
        return
    own = [c for c in result.checks if c.id != "credentials"]
    own_status = derive_status(own) if own else Status.VERIFIED
    for inner in result.credentials:
        if own_status is Status.VERIFIED:
            yield inner, inner.status, inner.reason, inner.summary
        else:
            reason = next((c.message for c in own if c.outcome is Outcome.FAIL), result.reason)
            yield inner, own_status, f"container {own_status.value}: {reason}", result.summary


def pairs_from_results(results: Iterable[VerificationResult]) -> list[tuple[str, VerificationResult]]:
    """``(candidate_id, result)`` pairs from results that carry their candidate
    (``result.candidate``, as the verifier sets it from the input); results
    without one are grouped under ``"(no candidate)"``."""
    return [(r.candidate or "(no candidate)", r) for r in results]


def evidence_frame(
    pairs: Iterable[tuple[str, VerificationResult]],
    matcher: SkillMatcher,
    *,
    trust: TrustList | None = None,
) -> pd.DataFrame:
    """One row per (candidate, badge, skill) with the catalogue match of the skill.

    ``pairs`` are ``(candidate_id, result)``. A badge given twice for one
    candidate (same :func:`badge_key`) is kept once: its latest check. A badge
    that states no skill keeps one row with empty skill columns, so that it is
    still listed (for instance among the unverified badges).
    """
    latest: dict[tuple[str, str], tuple[VerificationResult, Status, str, str]] = {}
    for candidate_id, result in pairs:
        for badge, status, reason, summary in _flatten(result):
            pair = (candidate_id, badge_key(badge))
            prev = latest.get(pair)
            if prev is None or (badge.checked_at or "") >= (prev[0].checked_at or ""):
                latest[pair] = (badge, status, reason, summary)
    verdicts: dict[str | None, str] = {}
    rows: list[tuple[Any, ...]] = []
    keys: list[SkillKey | None] = []
    for (candidate_id, key), (badge, status, reason, summary) in latest.items():
        issuer_id = badge.issuer.id
        if badge.issuer.trust:
            verdict = badge.issuer.trust
        else:
            if issuer_id not in verdicts:
                verdicts[issuer_id] = trust.verdict(issuer_id) if trust is not None else "unknown"
            verdict = verdicts[issuer_id]
        checks = "; ".join(
            f"{c.id}: {c.outcome.value}" + (f" ({c.message})" if c.message else "") for c in badge.checks
        )
        base = (
            candidate_id,
            key,
            badge.achievement.name or "",
            issuer_id or "",
            badge.issuer.name or "",
            verdict,
            *identity_columns(badge),
            status.value,
            reason,
            summary,
            badge.checked_at or "",
            checks,
            badge.issued_on or "",
            badge.expires or "",
        )
        skills = extract_skills(badge, catalogue=matcher.catalogue)
        if not skills:
            rows.append((*base, "", "", None, None, None, None))
            keys.append(None)
        for s in skills:
            rows.append((*base, s.name, s.field, s.framework, s.code, s.url, s.level))
            keys.append(SkillKey(s.name, s.code, s.url))
    base_cols = [c for c in EVIDENCE_COLUMNS if c not in ("issued_dt", "expires_dt")][:16]
    skill_cols = ["skill_name", "skill_field", "framework", "code", "url", "level"]
    frame = pd.DataFrame(rows, columns=[*base_cols, *skill_cols], dtype=object)
    matches = match_table(matcher, (k for k in keys if k is not None))
    got = [matches[k] if k is not None else None for k in keys]
    frame["skill_id"] = pd.Series([m.skill_id if m else None for m in got], dtype=object)
    frame["skill_label"] = pd.Series([m.label if m else None for m in got], dtype=object)
    frame["match_method"] = [m.method if m else "" for m in got]
    frame["match_score"] = np.array([m.score if m else 0.0 for m in got], dtype=float)
    frame["low_confidence"] = np.array([bool(m and m.low_confidence) for m in got], dtype=bool)
    frame["level"] = pd.to_numeric(frame["level"], errors="coerce").astype("Float64")
    frame["issued_dt"] = _to_utc(frame["issued_on"])
    frame["expires_dt"] = _to_utc(frame["expires"])
    for name in CATEGORICAL_COLUMNS:
        frame[name] = frame[name].astype("category")
    return frame[list(EVIDENCE_COLUMNS)]


def empty_evidence() -> pd.DataFrame:
    """An evidence frame with no rows (and every column)."""
    return evidence_frame([], _NullMatcher())  # type: ignore[arg-type]


class _NullMatcher:
    catalogue = Catalogue([])

    def match_many(self, keys: Sequence[SkillKey]) -> list[Any]:
        return []


def _to_utc(values: pd.Series) -> pd.Series:
    out = pd.to_datetime(values.where(values != ""), utc=True, errors="coerce", format="ISO8601")
    return out.astype("datetime64[ns, UTC]")


def requirements_frame(roles: Sequence[Role], catalogue: Catalogue) -> pd.DataFrame:
    """Every requirement of every role, with its catalogue skill id
    (``unresolved:<name>`` when the catalogue does not know it: never met)."""
    rows = []
    for role in roles:
        for i, r in enumerate(role.requirements):
            skill = catalogue.resolve(r.skill)
            rows.append(
                {
                    "role_id": role.role_id,
                    "role_name": role.name,
                    "req_index": i,
                    "requirement": skill.label if skill else r.skill,
                    "skill_id": skill.skill_id if skill else f"unresolved:{r.skill}",
                    "weight": float(r.weight),
                    "must_have": bool(r.must_have),
                    "min_level": np.nan if r.min_level is None else float(r.min_level),
                    "max_age_days": np.nan if r.max_age_days is None else float(r.max_age_days),
                    "accepted_issuers": tuple(r.accepted_issuers),
                    "identity_levels": tuple(r.identity_levels),
                }
            )
    cols = [
        "role_id", "role_name", "req_index", "requirement", "skill_id", "weight",
        "must_have", "min_level", "max_age_days", "accepted_issuers", "identity_levels",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class CoverageReport:
    """Everything coverage found, as DataFrames.

    - ``requirements``: one row per (role, requirement);
    - ``pairs``: one row per judged (evidence row, requirement row) pair:
      ``counts``, ``strength`` and ``why_not`` (the rule that excluded it;
      "" when it counts); :attr:`detail` / :meth:`role_detail` add the
      evidence and requirement columns;
    - ``matrix``: the full candidates x requirements matrix (one row per
      role_id x candidate_id x req_index, role-major) with ``met``,
      ``strength``, ``badges`` (how many badges count) and ``best_badge``;
    - ``scores``: one row per role x candidate: ``score`` (0..100),
      ``must_have_met``, ``must_have_total``, ``all_must_haves``, ``met``,
      ``total``;
    - ``evidence``: the evidence frame it was computed from.
    """

    requirements: pd.DataFrame
    pairs: pd.DataFrame
    matrix: pd.DataFrame
    scores: pd.DataFrame
    evidence: pd.DataFrame
    now: datetime
    role_rows: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    pair_rows: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    score_rows: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    @cached_property
    def detail(self) -> pd.DataFrame:
        """Every judged pair with its evidence and requirement columns (built on first use)."""
        return self._with_columns(self.pairs)

    def role_matrix(self, role_id: str) -> pd.DataFrame:
        """The matrix rows of one role (a contiguous block: candidate-major, requirements in order)."""
        start, stop = self._slice(self.role_rows, role_id)
        return self.matrix.iloc[start:stop]

    def role_pairs(self, role_id: str) -> pd.DataFrame:
        """The judged pairs of one role (no evidence columns: cheap)."""
        start, stop = self._slice(self.pair_rows, role_id, missing_ok=True)
        return self.pairs.iloc[start:stop]

    def role_detail(self, role_id: str, candidate_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """The judged pairs of one role (of some candidates) with evidence and requirement columns."""
        p = self.role_pairs(role_id)
        if candidate_ids is not None:
            p = p[p["candidate_id"].isin(list(candidate_ids)).to_numpy()]
        return self._with_columns(p)

    def role_scores(self, role_id: str) -> pd.DataFrame:
        """The scores of one role, one row per candidate."""
        start, stop = self._slice(self.score_rows, role_id)
        return self.scores.iloc[start:stop]

    def _slice(self, rows: Mapping[str, tuple[int, int]], role_id: str, *, missing_ok: bool = False) -> tuple[int, int]:
        if role_id not in self.role_rows:
            raise KeyError(f"unknown role {role_id!r}")
        return rows.get(role_id, (0, 0)) if missing_ok else rows[role_id]

    def _with_columns(self, p: pd.DataFrame) -> pd.DataFrame:
        ev_rows = p["ev_row"].to_numpy(dtype=np.int64)
        ev = self.evidence.iloc[ev_rows].reset_index(drop=True)
        for name in ev.columns:
            if isinstance(ev[name].dtype, pd.CategoricalDtype):
                ev[name] = ev[name].astype(object)
        req = self.requirements.iloc[p["req_row"].to_numpy(dtype=np.int64)].reset_index(drop=True)
        out = pd.concat([ev, req.drop(columns=["skill_id"])], axis=1)
        out["counts"] = p["counts"].to_numpy(dtype=bool)
        out["strength"] = p["strength"].to_numpy(dtype=float)
        out["why_not"] = p["why_not"].to_numpy(dtype=object)
        return out

    def wide(self, role_id: str | None = None) -> pd.DataFrame:
        """The matrix as candidates (rows) x (role, requirement) (columns) of booleans."""
        m = self.matrix if role_id is None else self.role_matrix(role_id)
        return m.pivot_table(
            index="candidate_id", columns=["role_id", "requirement"], values="met", aggfunc="max", sort=False
        ).astype(bool)

    def unverified_badges(self, candidate_id: str | None = None) -> pd.DataFrame:
        """Badges that are not verified (never coverage), one row each, with their reason."""
        ev = self.evidence
        if candidate_id is not None:
            ev = ev[ev["candidate_id"] == candidate_id]
        bad = ev[ev["status"] != Status.VERIFIED.value]
        cols = ["candidate_id", "badge_key", "badge_name", "issuer_name", "status", "reason", "checked_at"]
        return bad.drop_duplicates(["candidate_id", "badge_key"])[cols].astype(object).reset_index(drop=True)


def compute_coverage(
    evidence: pd.DataFrame,
    roles: Sequence[Role],
    catalogue: Catalogue,
    *,
    now: datetime | None = None,
    policy: CoveragePolicy | None = None,
    candidate_ids: Sequence[str] | None = None,
) -> CoverageReport:
    """Judge every piece of evidence against every requirement and build the
    candidates x requirements matrix and the scores (see module docstring).

    ``candidate_ids`` lists the candidates to include (default: those in the
    evidence); a candidate with no evidence gets score 0. Work is done on
    integer codes and NumPy arrays; string columns of the matrix are
    categoricals, so the full matrix for 10,000 candidates stays cheap.

    The steps, each a function below: pair the evidence with the requirements
    on its skill (:func:`_pair_rows`), judge each pair (:func:`_judge`), keep
    the best per cell (:func:`_best_per_cell`), then lay out the matrix
    (:func:`_matrix`), the scores (:func:`_scores`) and the judged pairs
    (:func:`_pairs_frame`), each role one contiguous block.
    """
    policy = policy or CoveragePolicy()
    now_ts = _utc_timestamp(now or utc_now())
    reqs = requirements_frame(roles, catalogue)
    cand_index = _candidate_index(evidence, candidate_ids)
    layout = _RoleLayout.of(reqs, len(cand_index))

    ev_rows, req_rows, cand_codes = _pair_rows(evidence, reqs, cand_index)
    why, strength = _judge(evidence, reqs, ev_rows, req_rows, now_ts, policy)
    cells = _best_per_cell(evidence, ev_rows, cand_codes * len(reqs) + req_rows, why == "", strength, layout.n_cells)

    matrix = _matrix(reqs, cand_index, layout, cells)
    shape = (len(cand_index), layout.n_requirements)
    scores = _scores(reqs, layout.bounds, cand_index, cells.best.reshape(shape), cells.met.reshape(shape))
    pairs, pair_rows = _pairs_frame(reqs, cand_index, layout, ev_rows, req_rows, cand_codes, why, strength)
    return CoverageReport(
        reqs, pairs, matrix, scores, evidence, now_ts.to_pydatetime(), layout.matrix_rows, pair_rows, layout.score_rows
    )


def _utc_timestamp(now: datetime) -> pd.Timestamp:
    """``now`` as a UTC timestamp (a naive datetime is taken to be UTC)."""
    stamp = pd.Timestamp(now)
    return stamp.tz_convert("UTC") if stamp.tzinfo else stamp.tz_localize("UTC")


def _candidate_index(evidence: pd.DataFrame, candidate_ids: Sequence[str] | None) -> pd.Index:
    """The candidates of the report: the given list (in order, once each), else those of the evidence."""
    if candidate_ids is None:
        return pd.Index(pd.unique(evidence["candidate_id"].to_numpy(dtype=object)), dtype=object)
    return pd.Index(list(dict.fromkeys(candidate_ids)), dtype=object)


@dataclass(frozen=True)
class _RoleLayout:
    """Where each role sits: its requirement rows ``bounds`` (requirements are grouped by role),
    its block of matrix rows (candidate-major within the role) and of score rows."""

    bounds: Mapping[str, tuple[int, int]]
    n_candidates: int
    n_requirements: int

    @classmethod
    def of(cls, reqs: pd.DataFrame, n_candidates: int) -> _RoleLayout:
        bounds: dict[str, tuple[int, int]] = {}
        for j, rid in enumerate(reqs["role_id"].tolist()):
            start, _ = bounds.get(rid, (j, j))
            bounds[rid] = (start, j + 1)
        return cls(bounds, n_candidates, len(reqs))

    @property
    def n_cells(self) -> int:
        """Candidates x requirements."""
        return self.n_candidates * self.n_requirements

    @property
    def role_index(self) -> pd.Index:
        """The roles, in order."""
        return pd.Index(list(self.bounds), dtype=object)

    @property
    def matrix_rows(self) -> dict[str, tuple[int, int]]:
        rows, at = {}, 0
        for rid, (a, b) in self.bounds.items():
            rows[rid] = (at, at + self.n_candidates * (b - a))
            at += self.n_candidates * (b - a)
        return rows

    @property
    def score_rows(self) -> dict[str, tuple[int, int]]:
        n = self.n_candidates
        return {rid: (k * n, (k + 1) * n) for k, rid in enumerate(self.bounds)}

    def matrix_cells(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """``(candidate code, requirement row)`` of every matrix row, role-major."""
        cand_parts, req_parts = [], []
        for a, b in self.bounds.values():
            cand_parts.append(np.repeat(np.arange(self.n_candidates, dtype=np.int64), b - a))
            req_parts.append(np.tile(np.arange(a, b, dtype=np.int64), self.n_candidates))
        if not cand_parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(cand_parts), np.concatenate(req_parts)

    def role_of_requirement(self) -> npt.NDArray[np.int64]:
        """The position in :attr:`role_index` of each requirement row."""
        out = np.zeros(self.n_requirements, dtype=np.int64)
        for k, (a, b) in enumerate(self.bounds.values()):
            out[a:b] = k
        return out


def _pair_rows(
    evidence: pd.DataFrame, reqs: pd.DataFrame, cand_index: pd.Index
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Step 1: every (evidence row, requirement row) pair on the same skill, as ``(ev_rows,
    req_rows, candidate codes)`` sorted role-major (by requirement row, then evidence row).
    Evidence on no required skill, or of a candidate not asked for, pairs with nothing.

    A CSR-style expansion: requirement rows grouped by skill, each evidence row repeated
    once per requirement on its skill."""
    skill_index = pd.Index(pd.unique(reqs["skill_id"].astype(object)))
    req_skill = skill_index.get_indexer(pd.Index(reqs["skill_id"].astype(object)))
    req_order = np.argsort(req_skill, kind="stable")
    per_skill = np.bincount(req_skill, minlength=len(skill_index)).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(per_skill)[:-1]]).astype(np.int64)
    ev_skill = _codes(evidence["skill_id"], skill_index)
    cand_codes = _codes(evidence["candidate_id"], cand_index)
    usable = np.flatnonzero((ev_skill >= 0) & (cand_codes >= 0))
    reps = per_skill[ev_skill[usable]]
    ev_rows = np.repeat(usable, reps)
    within = np.arange(len(ev_rows)) - np.repeat(np.cumsum(reps) - reps, reps)
    req_rows = req_order[np.repeat(offsets[ev_skill[usable]], reps) + within].astype(np.int64)
    order = np.lexsort((ev_rows, req_rows))
    ev_rows, req_rows = ev_rows[order].astype(np.int64), req_rows[order]
    return ev_rows, req_rows, cand_codes[ev_rows].astype(np.int64)


@dataclass(frozen=True)
class _Cells:
    """Per (candidate, requirement) cell, flat (candidate-major): the best strength, how many
    distinct badges count, and the best badge (a code into ``badge_names``; -1 for none)."""

    best: npt.NDArray[np.float64]
    badges: npt.NDArray[np.int64]
    best_badge: npt.NDArray[np.int64]
    badge_names: npt.NDArray[Any]

    @property
    def met(self) -> npt.NDArray[np.bool_]:
        return self.badges > 0


def _best_per_cell(
    evidence: pd.DataFrame,
    ev_rows: npt.NDArray[np.int64],
    cell: npt.NDArray[np.int64],
    counts: npt.NDArray[np.bool_],
    strength: npt.NDArray[np.float64],
    n_cells: int,
) -> _Cells:
    """Step 3: of the pairs that count, per cell: the best strength (ties: the first pair,
    i.e. the lowest evidence row), the number of distinct badges (one badge naming the
    same skill twice, "Docker" and "Containers", counts once) and the best badge."""
    best = np.zeros(n_cells, dtype=float)
    badges = np.zeros(n_cells, dtype=np.int64)
    best_badge = np.full(n_cells, -1, dtype=np.int64)
    if not counts.any():
        return _Cells(best, badges, best_badge, np.zeros(0, dtype=object))
    c_idx = np.flatnonzero(counts)
    c_cell, c_strength = cell[c_idx], strength[c_idx]
    badge_codes, badge_names = _factorize(evidence["badge_key"], ev_rows[c_idx])
    distinct = np.unique(c_cell * max(len(badge_names), 1) + badge_codes)
    badges += np.bincount(distinct // max(len(badge_names), 1), minlength=n_cells)
    by_cell = np.lexsort((-c_strength, c_cell))
    first = by_cell[np.r_[True, c_cell[by_cell][1:] != c_cell[by_cell][:-1]]]
    best[c_cell[first]] = c_strength[first]
    best_badge[c_cell[first]] = badge_codes[first]
    return _Cells(best, badges, best_badge, badge_names)


def _matrix(reqs: pd.DataFrame, cand_index: pd.Index, layout: _RoleLayout, cells: _Cells) -> pd.DataFrame:
    """Step 4: the full candidates x requirements matrix, role-major, string columns categorical."""
    cand_rep, req_tile = layout.matrix_cells()
    flat = cand_rep * layout.n_requirements + req_tile

    def cat(values: pd.Series) -> pd.Categorical:
        uniques = pd.Index(pd.unique(values.astype(object)))
        return pd.Categorical.from_codes(
            uniques.get_indexer(pd.Index(values.astype(object)))[req_tile], categories=uniques
        )

    return pd.DataFrame(
        {
            "candidate_id": pd.Categorical.from_codes(cand_rep, categories=cand_index),
            "role_id": cat(reqs["role_id"]),
            "role_name": cat(reqs["role_name"]),
            "req_index": reqs["req_index"].to_numpy(dtype=np.int64)[req_tile],
            "requirement": cat(reqs["requirement"]),
            "skill_id": cat(reqs["skill_id"]),
            "weight": reqs["weight"].to_numpy(dtype=float)[req_tile],
            "must_have": reqs["must_have"].to_numpy(dtype=bool)[req_tile],
            "min_level": reqs["min_level"].to_numpy(dtype=float)[req_tile],
            "max_age_days": reqs["max_age_days"].to_numpy(dtype=float)[req_tile],
            "badges": cells.badges[flat],
            "strength": cells.best[flat],
            "best_badge": pd.Categorical.from_codes(
                cells.best_badge[flat], categories=pd.Index(cells.badge_names, dtype=object)
            ),
            "met": cells.met[flat],
        }
    )


def _pairs_frame(
    reqs: pd.DataFrame,
    cand_index: pd.Index,
    layout: _RoleLayout,
    ev_rows: npt.NDArray[np.int64],
    req_rows: npt.NDArray[np.int64],
    cand_codes: npt.NDArray[np.int64],
    why: npt.NDArray[np.object_],
    strength: npt.NDArray[np.float64],
) -> tuple[pd.DataFrame, dict[str, tuple[int, int]]]:
    """Step 5: the judged pairs (role-major; evidence columns are added on demand) and the
    block of rows of each role that has any."""
    role_index = layout.role_index
    pair_role = layout.role_of_requirement()[req_rows]
    pairs = pd.DataFrame(
        {
            "ev_row": ev_rows,
            "req_row": req_rows,
            "candidate_id": pd.Categorical.from_codes(cand_codes, categories=cand_index),
            "role_id": pd.Categorical.from_codes(pair_role, categories=role_index),
            "req_index": reqs["req_index"].to_numpy(dtype=np.int64)[req_rows],
            "counts": why == "",
            "strength": strength,
            "why_not": pd.Series(why, dtype=object),
        }
    )
    pair_rows: dict[str, tuple[int, int]] = {}
    if len(req_rows):
        starts = np.r_[0, np.flatnonzero(pair_role[1:] != pair_role[:-1]) + 1]
        for a, b in zip(starts.tolist(), [*starts[1:].tolist(), len(pair_role)], strict=True):
            pair_rows[str(role_index[pair_role[a]])] = (a, b)
    return pairs, pair_rows


def _scores(
    reqs: pd.DataFrame,
    role_bounds: Mapping[str, tuple[int, int]],
    cand_index: pd.Index,
    best: npt.NDArray[np.float64],
    met: npt.NDArray[np.bool_],
) -> pd.DataFrame:
    """One row per role x candidate (role-major), computed on the (candidates x requirements) arrays."""
    weights = reqs["weight"].to_numpy(dtype=float)
    must = reqs["must_have"].to_numpy(dtype=bool)
    names = reqs["role_name"].tolist()
    n = len(cand_index)
    cols: dict[str, list[npt.NDArray[Any]]] = {k: [] for k in ("mh_met", "mh_total", "met", "total", "score")}
    for a, b in role_bounds.values():
        w = weights[a:b]
        total_w = float(w.sum())
        mh = must[a:b]
        cols["mh_met"].append(met[:, a:b][:, mh].sum(axis=1))
        cols["mh_total"].append(np.full(n, mh.sum()))
        cols["met"].append(met[:, a:b].sum(axis=1))
        cols["total"].append(np.full(n, b - a))
        earned = best[:, a:b] @ w
        cols["score"].append(np.round(100.0 * earned / total_w, 1) if total_w > 0 else np.zeros(n))
    k = len(role_bounds)
    role_index = pd.Index(list(role_bounds), dtype=object)
    name_index = pd.Index([names[a] for a, _ in role_bounds.values()], dtype=object)

    def join(key: str, dtype: Any) -> npt.NDArray[Any]:
        return np.concatenate(cols[key]).astype(dtype) if cols[key] else np.zeros(0, dtype=dtype)

    role_codes = np.repeat(np.arange(k), n)
    scores = pd.DataFrame(
        {
            "candidate_id": pd.Categorical.from_codes(np.tile(np.arange(n), k), categories=cand_index),
            "role_id": pd.Categorical.from_codes(role_codes, categories=role_index),
            "role_name": pd.Categorical.from_codes(role_codes, categories=name_index.unique())
            if name_index.is_unique
            else pd.Series(name_index.to_numpy()[role_codes], dtype=object),
            "must_have_met": join("mh_met", np.int64),
            "must_have_total": join("mh_total", np.int64),
            "met": join("met", np.int64),
            "total": join("total", np.int64),
            "score": join("score", float),
        }
    )
    scores["all_must_haves"] = scores["must_have_met"] == scores["must_have_total"]
    return scores


class _Pairs:
    """The judged pairs while :func:`_judge` works: each pair's evidence and requirement
    columns, and ``why`` (the first rule that excluded it; "" while it still counts)."""

    def __init__(
        self, ev: pd.DataFrame, reqs: pd.DataFrame, ev_rows: npt.NDArray[np.int64], req_rows: npt.NDArray[np.int64]
    ) -> None:
        self.evidence, self.requirements = ev, reqs
        self.ev_rows, self.req_rows = ev_rows, req_rows
        self.why = np.full(len(ev_rows), "", dtype=object)

    def __len__(self) -> int:
        return len(self.ev_rows)

    def ev(self, name: str) -> npt.NDArray[Any]:
        """An evidence column at each pair's evidence row (categorical strings as objects, missing as "")."""
        series = self.evidence[name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            cats = np.append(series.cat.categories.to_numpy(dtype=object), "")
            return cats[series.cat.codes.to_numpy()[self.ev_rows]]  # code -1 (missing) -> ""
        return series.to_numpy(dtype=object)[self.ev_rows]

    def ev_numbers(self, name: str) -> npt.NDArray[np.float64]:
        """A numeric evidence column (NaN for missing) at each pair's evidence row."""
        return self.evidence[name].to_numpy(dtype=np.float64, na_value=np.nan)[self.ev_rows]

    def ev_times(self, name: str) -> npt.NDArray[np.datetime64]:
        """A UTC datetime evidence column (naive, NaT for missing) at each pair's evidence row."""
        return _naive_utc(self.evidence[name])[self.ev_rows]

    def req(self, name: str, dtype: Any = object) -> npt.NDArray[Any]:
        """A requirement column at each pair's requirement row."""
        return self.requirements[name].to_numpy(dtype=dtype)[self.req_rows]

    def exclude(self, mask: npt.NDArray[np.bool_], text: str | Callable[[npt.NDArray[np.int64]], list[str]]) -> None:
        """Give the pairs of ``mask`` not yet excluded this reason (texts are built only for them)."""
        idx = np.flatnonzero(mask & (self.why == ""))
        if len(idx):
            self.why[idx] = text if isinstance(text, str) else np.array(text(idx), dtype=object)


def _judge(
    ev: pd.DataFrame,
    reqs: pd.DataFrame,
    ev_rows: npt.NDArray[np.int64],
    req_rows: npt.NDArray[np.int64],
    now: pd.Timestamp,
    policy: CoveragePolicy,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64]]:
    """Step 2: for each (evidence row, requirement row) pair, why it does not count ("" when
    it does) and the strength it gives (its trust weight times its identity factor). The
    rules run in the order of the module docstring; a pair keeps the first reason."""
    pairs = _Pairs(ev, reqs, ev_rows, req_rows)
    if not len(pairs):
        return pairs.why, np.zeros(0, dtype=float)
    now64 = now.tz_convert(None).to_datetime64()
    _exclude_unverified(pairs)
    _exclude_expired(pairs, now64)
    _exclude_possible_matches(pairs)
    weight = _trust_weights(pairs, policy)
    weight = weight * _identity_weights(pairs, policy)
    _exclude_issuers_not_accepted(pairs)
    _exclude_old_evidence(pairs, now64)
    _exclude_low_levels(pairs, policy)
    return pairs.why, np.where(pairs.why == "", weight, 0.0)


def _exclude_unverified(pairs: _Pairs) -> None:
    """A badge that is not verified: "badge failed: revoked ...", "badge could not be verified: ..."."""
    status = pairs.ev("status")
    bad = status != Status.VERIFIED.value
    if not bad.any():
        return
    reason = pairs.ev("reason")
    said = {Status.FAILED.value: "failed", Status.ERROR.value: "could not be verified"}
    pairs.exclude(
        bad,
        lambda ix: [f"badge {said.get(status[i], status[i])}" + (f": {reason[i]}" if reason[i] else "") for i in ix],
    )


def _exclude_expired(pairs: _Pairs, now: np.datetime64) -> None:
    """A badge whose expiry is at or before ``now``."""
    expires = pairs.ev_times("expires_dt")
    expired = ~np.isnat(expires) & (expires <= now)
    if expired.any():
        text = pairs.ev("expires")
        pairs.exclude(expired, lambda ix: ["expired " + str(text[i])[:10] for i in ix])


def _exclude_possible_matches(pairs: _Pairs) -> None:
    """A skill matched to the catalogue with low confidence only."""
    low = pairs.evidence["low_confidence"].to_numpy(dtype=bool)[pairs.ev_rows]
    if low.any():
        methods, scores = pairs.ev("match_method"), pairs.ev_numbers("match_score")
        pairs.exclude(
            low, lambda ix: [f"possible match only ({match_method_label(methods[i])}, {scores[i]:.2f})" for i in ix]
        )


def _trust_weights(pairs: _Pairs, policy: CoveragePolicy) -> npt.NDArray[np.float64]:
    """The policy's weight of each pair's trust verdict; weight 0 excludes ("issuer on the deny list")."""
    trust = pairs.ev("trust")
    default_weight = policy.trust_weights.get("unknown", 1.0)
    verdicts, inverse = np.unique(trust.astype(str), return_inverse=True)
    weights = np.array([float(policy.trust_weights.get(v, default_weight)) for v in verdicts], dtype=float)[inverse]
    pairs.exclude(weights <= 0, lambda ix: [f"issuer {trust_label(trust[i])}" for i in ix])
    return weights


def _identity_weights(pairs: _Pairs, policy: CoveragePolicy) -> npt.NDArray[np.float64]:
    """The identity factor of each pair's strength, excluding (with the evidence's own
    note as the reason) issuers whose identity level does not count: the
    requirement's ``identity_levels`` when it names some, else the policy's weights."""
    levels = pairs.ev("identity_level").astype(str)
    notes = pairs.ev("identity_note")
    uniq, inverse = np.unique(levels, return_inverse=True)
    factor = np.array([policy.identity_weight(v) for v in uniq], dtype=float)[inverse]
    if "identity_levels" in pairs.requirements:
        chosen = pairs.req("identity_levels")
        named = np.flatnonzero(np.array([len(c) > 0 for c in chosen], dtype=bool))
        for i in named.tolist():
            if levels[i] != UNASSESSED:
                factor[i] = 1.0 if levels[i] in chosen[i] else 0.0

    def why(i: int) -> str:
        note = str(notes[i])
        if note.startswith("issuer identity not proven"):
            return note
        return f"issuer identity level {levels[i]} does not count here ({note})"

    pairs.exclude(factor <= 0, lambda ix: [why(i) for i in ix])
    return factor


def _exclude_issuers_not_accepted(pairs: _Pairs) -> None:
    """An issuer outside the requirement's accepted issuers (matched as a trust list's allow entries)."""
    accepted = pairs.req("accepted_issuers")
    has_acc = np.array([len(a) > 0 for a in accepted], dtype=bool)
    if not has_acc.any():
        return
    issuers = pairs.ev("issuer_id")
    cache: dict[tuple[str, tuple[str, ...]], bool] = {}
    ok = np.ones(len(pairs), dtype=bool)
    for i in np.flatnonzero(has_acc).tolist():
        key = (str(issuers[i]), accepted[i])
        if key not in cache:
            cache[key] = TrustList(allow=key[1]).verdict(key[0]) == "allow"
        ok[i] = cache[key]
    pairs.exclude(~ok, "issuer not accepted for this requirement")


def _exclude_old_evidence(pairs: _Pairs, now: np.datetime64) -> None:
    """Where the requirement limits the evidence's age: an unknown issue date, or one before the limit."""
    max_age = pairs.req("max_age_days", float)
    limited = ~np.isnan(max_age)
    if not limited.any():
        return
    issued = pairs.ev_times("issued_dt")
    pairs.exclude(limited & np.isnat(issued), "issue date unknown (evidence age is limited)")
    cutoff = now - (np.nan_to_num(max_age) * 86_400).astype("timedelta64[s]")
    too_old = limited & ~np.isnat(issued) & (issued < cutoff)
    if too_old.any():
        issued_on = pairs.ev("issued_on")
        pairs.exclude(
            too_old,
            lambda ix: [f"evidence too old: issued {str(issued_on[i])[:10]}, limit {int(max_age[i])} days" for i in ix],
        )


def _exclude_low_levels(pairs: _Pairs, policy: CoveragePolicy) -> None:
    """Where the requirement sets a minimum level: a stated level below it, and (unless the
    policy lets it count) no stated level."""
    min_level = pairs.req("min_level", float)
    has_min = ~np.isnan(min_level)
    if not has_min.any():
        return
    level = pairs.ev_numbers("level")
    below = has_min & ~np.isnan(level) & (level < min_level)
    pairs.exclude(below, lambda ix: [f"level {level[i]:.0f} below required {min_level[i]:.0f}" for i in ix])
    if not policy.unknown_level_counts:
        pairs.exclude(has_min & np.isnan(level), "level not stated")


def _naive_utc(values: pd.Series) -> npt.NDArray[np.datetime64]:
    """A tz-aware UTC column as naive datetime64[ns] (NaT for missing)."""
    return values.dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")


def _codes(series: pd.Series, index: pd.Index) -> npt.NDArray[np.int64]:
    """Positions of each value of ``series`` in ``index`` (-1 when absent or missing)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        mapping = np.append(index.get_indexer(series.cat.categories), -1)
        return mapping[series.cat.codes.to_numpy()].astype(np.int64)
    return index.get_indexer(pd.Index(series.to_numpy(dtype=object))).astype(np.int64)


def _factorize(series: pd.Series, rows: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
    """(codes, uniques) of ``series`` at ``rows``; categorical columns reuse their codes."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy()[rows].astype(np.int64), series.cat.categories.to_numpy(dtype=object)
    codes, uniques = pd.factorize(series.to_numpy(dtype=object)[rows])
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)
