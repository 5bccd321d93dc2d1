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
``deny`` list by default); an issuer outside the requirement's accepted
issuers; evidence older than the requirement's maximum age, or of unknown
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
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from talent.catalogue import Catalogue
from talent.extract import extract_skills
from talent.matching import SkillKey, SkillMatcher, match_table
from talent.roles import Role
from verifier.models import Status, VerificationResult, utc_now
from verifier.trust import TrustList

EVIDENCE_COLUMNS = (
    "candidate_id",
    "badge_key",
    "badge_name",
    "issuer_id",
    "issuer_name",
    "trust",
    "status",
    "reason",
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

_DEFAULT_TRUST_WEIGHTS: Mapping[str, float] = MappingProxyType({"allow": 1.0, "unknown": 1.0, "deny": 0.0})


@dataclass(frozen=True, slots=True)
class CoveragePolicy:
    """How evidence is weighted.

    ``trust_weights`` maps an issuer trust verdict (allow / unknown / deny) to
    the strength its evidence gives (0 excludes it). ``unknown_level_counts``:
    whether a badge that states no level meets a requirement's minimum level.
    """

    trust_weights: Mapping[str, float] = field(default_factory=lambda: _DEFAULT_TRUST_WEIGHTS)
    unknown_level_counts: bool = True


def badge_key(result: VerificationResult) -> str:
    """A stable key for one badge: its credential id, else its source URL, else its input."""
    return result.credential_id or result.source_url or result.input


def _flatten(result: VerificationResult) -> Iterable[tuple[VerificationResult, Status, str]]:
    """The badges a result holds; a container's credentials only count when the
    container itself verified (its status and reason are carried over)."""
    if not result.credentials:
        yield result, result.status, result.reason
        return
    for inner in result.credentials:
        if result.status is Status.VERIFIED:
            yield inner, inner.status, inner.reason
        else:
            yield inner, result.status, f"container {result.status.value}: {result.reason}"


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
    latest: dict[tuple[str, str], tuple[VerificationResult, Status, str]] = {}
    for candidate_id, result in pairs:
        for badge, status, reason in _flatten(result):
            pair = (candidate_id, badge_key(badge))
            prev = latest.get(pair)
            if prev is None or (badge.checked_at or "") >= (prev[0].checked_at or ""):
                latest[pair] = (badge, status, reason)
    verdicts: dict[str | None, str] = {}
    rows: list[tuple[Any, ...]] = []
    keys: list[SkillKey | None] = []
    for (candidate_id, key), (badge, status, reason) in latest.items():
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
            status.value,
            reason,
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
    base_cols = [c for c in EVIDENCE_COLUMNS if c not in ("issued_dt", "expires_dt")][:12]
    skill_cols = ["skill_name", "skill_field", "framework", "code", "url", "level"]
    frame = pd.DataFrame(rows, columns=[*base_cols, *skill_cols])
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
                }
            )
    cols = [
        "role_id", "role_name", "req_index", "requirement", "skill_id", "weight",
        "must_have", "min_level", "max_age_days", "accepted_issuers",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class CoverageReport:
    """Everything coverage found, as DataFrames.

    - ``requirements``: one row per (role, requirement);
    - ``detail``: evidence x requirement pairs with ``counts``, ``strength``
      and ``why_not`` (the rule that excluded it; "" when it counts);
    - ``matrix``: the full candidates x requirements matrix (one row per
      candidate_id x role_id x req_index) with ``met``, ``strength``,
      ``badges`` (how many badges count) and ``best_badge``;
    - ``scores``: one row per candidate x role: ``score`` (0..100),
      ``must_have_met``, ``must_have_total``, ``all_must_haves``, ``met``,
      ``total``;
    - ``evidence``: the evidence frame it was computed from.
    """

    requirements: pd.DataFrame
    detail: pd.DataFrame
    matrix: pd.DataFrame
    scores: pd.DataFrame
    evidence: pd.DataFrame
    now: datetime

    def wide(self, role_id: str | None = None) -> pd.DataFrame:
        """The matrix as candidates (rows) x (role, requirement) (columns) of booleans."""
        m = self.matrix if role_id is None else self.matrix[self.matrix["role_id"] == role_id]
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
        return bad.drop_duplicates(["candidate_id", "badge_key"])[cols].reset_index(drop=True)


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
        cand_index = pd.Index(pd.unique(evidence["candidate_id"].astype(object)))
    else:
        cand_index = pd.Index(list(dict.fromkeys(candidate_ids)), dtype=object)
    n_cands = len(cand_index)

    # 1. Pair each piece of evidence with the requirements on its skill.
    req_rows_of: dict[str, list[int]] = {}
    for j, sid in enumerate(reqs["skill_id"].tolist()):
        req_rows_of.setdefault(sid, []).append(j)
    skill_ids = evidence["skill_id"].to_numpy(dtype=object)
    ev_rows_list: list[int] = []
    req_rows_list: list[int] = []
    if req_rows_of:
        mask = evidence["skill_id"].isin(list(req_rows_of)).to_numpy(dtype=bool)
        for i in np.flatnonzero(mask).tolist():
            for j in req_rows_of[skill_ids[i]]:
                ev_rows_list.append(i)
                req_rows_list.append(j)
    ev_rows = np.asarray(ev_rows_list, dtype=np.int64)
    req_rows = np.asarray(req_rows_list, dtype=np.int64)
    cand_codes_all = cand_index.get_indexer(pd.Index(evidence["candidate_id"].astype(object)))
    cand_codes = cand_codes_all[ev_rows] if len(ev_rows) else np.zeros(0, dtype=np.int64)
    keep = cand_codes >= 0  # evidence of candidates outside ``candidate_ids`` is left out
    ev_rows, req_rows, cand_codes = ev_rows[keep], req_rows[keep], cand_codes[keep]

    # 2. Judge each pair.
    why, strength = _judge(evidence, reqs, ev_rows, req_rows, now_ts, policy)
    counts = why == ""

    # 3. Aggregate per (candidate, requirement): best strength, distinct badges, best badge.
    cell = cand_codes * n_reqs + req_rows
    best = np.zeros(n_cands * n_reqs, dtype=float)
    n_badges = np.zeros(n_cands * n_reqs, dtype=np.int64)
    best_badge = np.full(n_cands * n_reqs, None, dtype=object)
    if counts.any():
        c_cell = cell[counts]
        c_strength = strength[counts]
        badge_codes, badge_uniques = pd.factorize(evidence["badge_key"].to_numpy(dtype=object)[ev_rows[counts]])
        np.maximum.at(best, c_cell, c_strength)
        pairs = np.unique(c_cell * (len(badge_uniques) + 1) + badge_codes)
        np.add.at(n_badges, pairs // (len(badge_uniques) + 1), 1)
        order = np.lexsort((-c_strength, c_cell))
        first = order[np.r_[True, c_cell[order][1:] != c_cell[order][:-1]]]
        best_badge[c_cell[first]] = badge_uniques[badge_codes[first]]
    met = n_badges > 0

    # 4. The matrix (categorical string columns) and the scores.
    req_tile = np.tile(np.arange(n_reqs), n_cands)
    cand_rep = np.repeat(np.arange(n_cands), n_reqs)

    def cat(values: pd.Series, codes: npt.NDArray[np.int64]) -> pd.Categorical:
        uniques = pd.Index(pd.unique(values.astype(object)))
        return pd.Categorical.from_codes(
            uniques.get_indexer(pd.Index(values.astype(object)))[codes], categories=uniques
        )

    matrix = pd.DataFrame(
        {
            "candidate_id": pd.Categorical.from_codes(cand_rep, categories=cand_index)
            if n_cands
            else pd.Categorical([]),
            "role_id": cat(reqs["role_id"], req_tile),
            "role_name": cat(reqs["role_name"], req_tile),
            "req_index": reqs["req_index"].to_numpy(dtype=np.int64)[req_tile],
            "requirement": cat(reqs["requirement"], req_tile),
            "skill_id": cat(reqs["skill_id"], req_tile),
            "weight": reqs["weight"].to_numpy(dtype=float)[req_tile],
            "must_have": reqs["must_have"].to_numpy(dtype=bool)[req_tile],
            "min_level": reqs["min_level"].to_numpy(dtype=float)[req_tile],
            "max_age_days": reqs["max_age_days"].to_numpy(dtype=float)[req_tile],
            "badges": n_badges,
            "strength": best,
            "best_badge": pd.Series(best_badge, dtype=object),
            "met": met,
        }
    )
    scores = _scores(reqs, cand_index, best.reshape(n_cands, n_reqs), met.reshape(n_cands, n_reqs))

    # 5. The judged pairs, with the evidence columns that explanations and exports show.
    detail = evidence.iloc[ev_rows].reset_index(drop=True)
    req_part = reqs.iloc[req_rows].reset_index(drop=True).drop(columns=["skill_id"])
    detail = pd.concat([detail, req_part], axis=1)
    detail["counts"] = counts
    detail["strength"] = strength
    detail["why_not"] = why
    return CoverageReport(reqs, detail, matrix, scores, evidence, now_ts.to_pydatetime())


def _scores(
    reqs: pd.DataFrame, cand_index: pd.Index, best: npt.NDArray[np.float64], met: npt.NDArray[np.bool_]
) -> pd.DataFrame:
    frames = []
    weights = reqs["weight"].to_numpy(dtype=float)
    must = reqs["must_have"].to_numpy(dtype=bool)
    groups: dict[Any, Any] = reqs.groupby(["role_id", "role_name"], sort=False).indices
    for key, cols in groups.items():
        role_id, role_name = key
        w = weights[cols]
        total_w = float(w.sum())
        earned = best[:, cols] @ w
        mh = must[cols]
        frames.append(
            pd.DataFrame(
                {
                    "candidate_id": pd.Categorical.from_codes(np.arange(len(cand_index)), categories=cand_index),
                    "role_id": role_id,
                    "role_name": role_name,
                    "must_have_met": met[:, cols][:, mh].sum(axis=1).astype(np.int64),
                    "must_have_total": np.int64(mh.sum()),
                    "met": met[:, cols].sum(axis=1).astype(np.int64),
                    "total": np.int64(len(cols)),
                    "score": np.round(100.0 * earned / total_w, 1) if total_w > 0 else 0.0,
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            columns=[
                "candidate_id",
                "role_id",
                "role_name",
                "must_have_met",
                "must_have_total",
                "met",
                "total",
                "score",
                "all_must_haves",
            ]
        )
    scores = pd.concat(frames, ignore_index=True)
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
        return ev[name].to_numpy(dtype=object)[ev_rows]

    def rule(mask: npt.NDArray[np.bool_], text: str | Callable[[npt.NDArray[np.int64]], list[str]]) -> None:
        """Give the rows of ``mask`` not yet excluded this reason (texts are built only for them)."""
        idx = np.flatnonzero(mask & (why == ""))
        if len(idx):
            why[idx] = text if isinstance(text, str) else np.array(text(idx), dtype=object)

    status = col("status")
    bad = status != Status.VERIFIED.value
    if bad.any():
        reason = col("reason")
        rule(bad, lambda ix: [f"badge {status[i]}: {reason[i]}" if reason[i] else f"badge {status[i]}" for i in ix])
    expires = _naive_utc(ev["expires_dt"])[ev_rows]
    now64 = now.tz_convert(None).to_datetime64()
    expired = ~np.isnat(expires) & (expires <= now64)
    if expired.any():
        expires_text = col("expires")
        rule(expired, lambda ix: ["expired " + str(expires_text[i])[:10] for i in ix])
    low = ev["low_confidence"].to_numpy(dtype=bool)[ev_rows]
    if low.any():
        methods, scores = col("match_method"), ev["match_score"].to_numpy(dtype=float)[ev_rows]
        rule(low, lambda ix: [f"possible match only ({methods[i]} {scores[i]:.2f})" for i in ix])
    trust = col("trust")
    default_weight = policy.trust_weights.get("unknown", 1.0)
    lookup = {v: float(policy.trust_weights.get(v, default_weight)) for v in pd.unique(trust)}
    weights = np.array([lookup[v] for v in trust], dtype=float)
    rule(weights <= 0, lambda ix: [f"issuer trust: {trust[i]}" for i in ix])

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


def _naive_utc(values: pd.Series) -> npt.NDArray[np.datetime64]:
    """A tz-aware UTC column as naive datetime64[ns] (NaT for missing)."""
    return values.dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")
