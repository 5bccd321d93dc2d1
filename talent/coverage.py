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
    "first_of_skill",
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
    frame["first_of_skill"] = frame["skill_id"].isna() | ~frame.duplicated(["candidate_id", "badge_key", "skill_id"])
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
    """
    policy = policy or CoveragePolicy()
    stamp = pd.Timestamp(now or utc_now())
    now_ts = stamp.tz_convert("UTC") if stamp.tzinfo else stamp.tz_localize("UTC")
    reqs = requirements_frame(roles, catalogue)
    n_reqs = len(reqs)

    # Candidates: the given list (in order), else those of the evidence.
    if candidate_ids is None:
        cand_index = pd.Index(pd.unique(evidence["candidate_id"].to_numpy(dtype=object)), dtype=object)
    else:
        cand_index = pd.Index(list(dict.fromkeys(candidate_ids)), dtype=object)
    n_cands = len(cand_index)

    # 1. Pair each piece of evidence with the requirements on its skill (CSR-style expansion).
    skill_index = pd.Index(pd.unique(reqs["skill_id"].astype(object)))
    req_skill = skill_index.get_indexer(pd.Index(reqs["skill_id"].astype(object)))
    req_order = np.argsort(req_skill, kind="stable")
    per_skill = np.bincount(req_skill, minlength=len(skill_index)).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(per_skill)[:-1]]).astype(np.int64)
    ev_skill = _codes(evidence["skill_id"], skill_index)
    cand_codes_all = _codes(evidence["candidate_id"], cand_index)
    usable = np.flatnonzero((ev_skill >= 0) & (cand_codes_all >= 0))  # others: no requirement, or not asked for
    reps = per_skill[ev_skill[usable]]
    ev_rows = np.repeat(usable, reps)
    within = np.arange(len(ev_rows)) - np.repeat(np.cumsum(reps) - reps, reps)
    req_rows = req_order[np.repeat(offsets[ev_skill[usable]], reps) + within].astype(np.int64)
    # Role-major order (requirements are grouped by role), so that each role is one slice.
    order = np.lexsort((ev_rows, req_rows))
    ev_rows, req_rows = ev_rows[order].astype(np.int64), req_rows[order]
    cand_codes = cand_codes_all[ev_rows].astype(np.int64)

    # 2. Judge each pair.
    why, strength = _judge(evidence, reqs, ev_rows, req_rows, now_ts, policy)
    counts = why == ""

    # 3. Aggregate per (candidate, requirement): best strength, distinct badges, best badge.
    cell = cand_codes * n_reqs + req_rows
    best = np.zeros(n_cands * n_reqs, dtype=float)
    n_badges = np.zeros(n_cands * n_reqs, dtype=np.int64)
    best_badge = np.full(n_cands * n_reqs, -1, dtype=np.int64)
    badge_uniques: npt.NDArray[Any] = np.zeros(0, dtype=object)
    if counts.any():
        c_idx = np.flatnonzero(counts)
        c_cell = cell[c_idx]
        c_strength = strength[c_idx]
        badge_codes, badge_uniques = _factorize(evidence["badge_key"], ev_rows[c_idx])
        # one badge naming the same skill twice ("Docker", "Containers") counts once
        first_of_skill = evidence["first_of_skill"].to_numpy(dtype=bool)[ev_rows[c_idx]]
        n_badges += np.bincount(c_cell[first_of_skill], minlength=n_cands * n_reqs)
        by_cell = np.lexsort((-c_strength, c_cell))
        first = by_cell[np.r_[True, c_cell[by_cell][1:] != c_cell[by_cell][:-1]]]
        best[c_cell[first]] = c_strength[first]
        best_badge[c_cell[first]] = badge_codes[first]
    met = n_badges > 0

    # 4. The matrix, role-major (categorical string columns), and the scores.
    role_ids = reqs["role_id"].tolist()
    role_bounds: dict[str, tuple[int, int]] = {}
    for j, rid in enumerate(role_ids):
        a, _ = role_bounds.get(rid, (j, j))
        role_bounds[rid] = (a, j + 1)
    cand_parts, req_parts, role_rows = [], [], {}
    at = 0
    for rid, (a, b) in role_bounds.items():
        cand_parts.append(np.repeat(np.arange(n_cands), b - a))
        req_parts.append(np.tile(np.arange(a, b), n_cands))
        role_rows[rid] = (at, at + n_cands * (b - a))
        at += n_cands * (b - a)
    cand_rep = np.concatenate(cand_parts) if cand_parts else np.zeros(0, dtype=np.int64)
    req_tile = np.concatenate(req_parts) if req_parts else np.zeros(0, dtype=np.int64)
    flat = cand_rep * n_reqs + req_tile

    def cat(values: pd.Series, codes: npt.NDArray[np.int64]) -> pd.Categorical:
        uniques = pd.Index(pd.unique(values.astype(object)))
        return pd.Categorical.from_codes(
            uniques.get_indexer(pd.Index(values.astype(object)))[codes], categories=uniques
        )

    matrix = pd.DataFrame(
        {
            "candidate_id": pd.Categorical.from_codes(cand_rep, categories=cand_index),
            "role_id": cat(reqs["role_id"], req_tile),
            "role_name": cat(reqs["role_name"], req_tile),
            "req_index": reqs["req_index"].to_numpy(dtype=np.int64)[req_tile],
            "requirement": cat(reqs["requirement"], req_tile),
            "skill_id": cat(reqs["skill_id"], req_tile),
            "weight": reqs["weight"].to_numpy(dtype=float)[req_tile],
            "must_have": reqs["must_have"].to_numpy(dtype=bool)[req_tile],
            "min_level": reqs["min_level"].to_numpy(dtype=float)[req_tile],
            "max_age_days": reqs["max_age_days"].to_numpy(dtype=float)[req_tile],
            "badges": n_badges[flat],
            "strength": best[flat],
            "best_badge": pd.Categorical.from_codes(best_badge[flat], categories=pd.Index(badge_uniques, dtype=object)),
            "met": met[flat],
        }
    )
    scores = _scores(reqs, role_bounds, cand_index, best.reshape(n_cands, n_reqs), met.reshape(n_cands, n_reqs))

    # 5. The judged pairs (role-major); evidence columns are added on demand.
    role_codes = pd.Index(list(role_bounds), dtype=object)
    req_role = role_codes.get_indexer(pd.Index(role_ids, dtype=object))
    pairs = pd.DataFrame(
        {
            "ev_row": ev_rows,
            "req_row": req_rows,
            "candidate_id": pd.Categorical.from_codes(cand_codes, categories=cand_index),
            "role_id": pd.Categorical.from_codes(req_role[req_rows], categories=role_codes),
            "req_index": reqs["req_index"].to_numpy(dtype=np.int64)[req_rows],
            "counts": counts,
            "strength": strength,
            "why_not": pd.Series(why, dtype=object),
        }
    )
    pair_rows: dict[str, tuple[int, int]] = {}
    if len(req_rows):
        pair_role = req_role[req_rows]
        starts = np.r_[0, np.flatnonzero(pair_role[1:] != pair_role[:-1]) + 1]
        for a, b in zip(starts.tolist(), [*starts[1:].tolist(), len(pair_role)], strict=True):
            pair_rows[str(role_codes[pair_role[a]])] = (a, b)
    score_rows = {rid: (k * n_cands, (k + 1) * n_cands) for k, rid in enumerate(role_bounds)}
    return CoverageReport(
        reqs, pairs, matrix, scores, evidence, now_ts.to_pydatetime(), role_rows, pair_rows, score_rows
    )


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


def _judge(
    ev: pd.DataFrame,
    reqs: pd.DataFrame,
    ev_rows: npt.NDArray[np.int64],
    req_rows: npt.NDArray[np.int64],
    now: pd.Timestamp,
    policy: CoveragePolicy,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64]]:
    """For each (evidence row, requirement row) pair: why it does not count ("" when it does)
    and the strength it gives. Rules in the order of the module docstring."""
    n = len(ev_rows)
    why = np.full(n, "", dtype=object)
    if n == 0:
        return why, np.zeros(0, dtype=float)

    def col(name: str) -> npt.NDArray[Any]:
        series = ev[name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            cats = np.append(series.cat.categories.to_numpy(dtype=object), "")
            return cats[series.cat.codes.to_numpy()[ev_rows]]  # code -1 (missing) -> ""
        return series.to_numpy(dtype=object)[ev_rows]

    def rule(mask: npt.NDArray[np.bool_], text: str | Callable[[npt.NDArray[np.int64]], list[str]]) -> None:
        """Give the rows of ``mask`` not yet excluded this reason (texts are built only for them)."""
        idx = np.flatnonzero(mask & (why == ""))
        if len(idx):
            why[idx] = text if isinstance(text, str) else np.array(text(idx), dtype=object)

    status = col("status")
    bad = status != Status.VERIFIED.value
    if bad.any():
        reason = col("reason")
        # "badge failed: revoked ...", "badge could not be verified: ..." (words, not status codes)
        said = {Status.FAILED.value: "failed", Status.ERROR.value: "could not be verified"}
        rule(
            bad,
            lambda ix: [
                f"badge {said.get(status[i], status[i])}" + (f": {reason[i]}" if reason[i] else "") for i in ix
            ],
        )
    expires = _naive_utc(ev["expires_dt"])[ev_rows]
    now64 = now.tz_convert(None).to_datetime64()
    expired = ~np.isnat(expires) & (expires <= now64)
    if expired.any():
        expires_text = col("expires")
        rule(expired, lambda ix: ["expired " + str(expires_text[i])[:10] for i in ix])
    low = ev["low_confidence"].to_numpy(dtype=bool)[ev_rows]
    if low.any():
        methods, scores = col("match_method"), ev["match_score"].to_numpy(dtype=float)[ev_rows]
        rule(low, lambda ix: [f"possible match only ({match_method_label(methods[i])}, {scores[i]:.2f})" for i in ix])
    trust = col("trust")
    default_weight = policy.trust_weights.get("unknown", 1.0)
    verdicts, inverse = np.unique(trust.astype(str), return_inverse=True)
    weights = np.array([float(policy.trust_weights.get(v, default_weight)) for v in verdicts], dtype=float)[inverse]
    rule(weights <= 0, lambda ix: [f"issuer {trust_label(trust[i])}" for i in ix])
    weights = weights * _identity_weights(ev, reqs, ev_rows, req_rows, policy, col, rule)

    accepted = reqs["accepted_issuers"].to_numpy(dtype=object)[req_rows]
    has_acc = np.array([len(a) > 0 for a in accepted], dtype=bool)
    if has_acc.any():
        issuers = col("issuer_id")
        cache: dict[tuple[str, tuple[str, ...]], bool] = {}
        ok = np.ones(n, dtype=bool)
        for i in np.flatnonzero(has_acc).tolist():
            key = (str(issuers[i]), accepted[i])
            if key not in cache:
                cache[key] = TrustList(allow=key[1]).verdict(key[0]) == "allow"
            ok[i] = cache[key]
        rule(~ok, "issuer not accepted for this requirement")

    max_age = reqs["max_age_days"].to_numpy(dtype=float)[req_rows]
    limited = ~np.isnan(max_age)
    if limited.any():
        issued = _naive_utc(ev["issued_dt"])[ev_rows]
        rule(limited & np.isnat(issued), "issue date unknown (evidence age is limited)")
        cutoff = now64 - (np.nan_to_num(max_age) * 86_400).astype("timedelta64[s]")
        too_old = limited & ~np.isnat(issued) & (issued < cutoff)
        if too_old.any():
            issued_on = col("issued_on")
            rule(
                too_old,
                lambda ix: [
                    f"evidence too old: issued {str(issued_on[i])[:10]}, limit {int(max_age[i])} days" for i in ix
                ],
            )

    min_level = reqs["min_level"].to_numpy(dtype=float)[req_rows]
    has_min = ~np.isnan(min_level)
    if has_min.any():
        level = ev["level"].astype(float).to_numpy()[ev_rows]
        below = has_min & ~np.isnan(level) & (level < min_level)
        rule(below, lambda ix: [f"level {level[i]:.0f} below required {min_level[i]:.0f}" for i in ix])
        if not policy.unknown_level_counts:
            rule(has_min & np.isnan(level), "level not stated")

    strength = np.where(why == "", weights, 0.0)
    return why, strength


def _identity_weights(
    ev: pd.DataFrame,
    reqs: pd.DataFrame,
    ev_rows: npt.NDArray[np.int64],
    req_rows: npt.NDArray[np.int64],
    policy: CoveragePolicy,
    col: Callable[[str], npt.NDArray[Any]],
    rule: Callable[[npt.NDArray[np.bool_], Callable[[npt.NDArray[np.int64]], list[str]]], None],
) -> npt.NDArray[np.float64]:
    """The identity factor of each pair's strength, excluding (with the evidence's own
    note as the reason) issuers whose identity level does not count: the
    requirement's ``identity_levels`` when it names some, else the policy's weights."""
    levels = col("identity_level").astype(str)
    notes = col("identity_note")
    uniq, inverse = np.unique(levels, return_inverse=True)
    factor = np.array([policy.identity_weight(v) for v in uniq], dtype=float)[inverse]
    chosen = reqs["identity_levels"].to_numpy(dtype=object)[req_rows] if "identity_levels" in reqs else None
    if chosen is not None:
        named = np.flatnonzero(np.array([len(c) > 0 for c in chosen], dtype=bool))
        for i in named.tolist():
            if levels[i] != UNASSESSED:
                factor[i] = 1.0 if levels[i] in chosen[i] else 0.0

    def why(i: int) -> str:
        note = str(notes[i])
        if note.startswith("issuer identity not proven"):
            return note
        return f"issuer identity level {levels[i]} does not count here ({note})"

    rule(factor <= 0, lambda ix: [why(i) for i in ix])
    return factor


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
