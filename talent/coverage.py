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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

import numpy as np
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
    evidence); a candidate with no evidence gets score 0.
    """
    policy = policy or CoveragePolicy()
    now = now or utc_now()
    now_ts = pd.Timestamp(now).tz_convert("UTC") if pd.Timestamp(now).tzinfo else pd.Timestamp(now, tz="UTC")
    reqs = requirements_frame(roles, catalogue)
    ev = evidence[evidence["skill_id"].notna()]
    d = ev.merge(reqs, on="skill_id", how="inner")
    d = _judge(d, now_ts, policy)

    counted = d[d["counts"]]
    keys = ["candidate_id", "role_id", "req_index"]
    if len(counted):
        best = counted.sort_values("strength", ascending=False, kind="stable").drop_duplicates(keys)
        agg = counted.groupby(keys, sort=False).agg(badges=("badge_key", "nunique")).reset_index()
        agg = agg.merge(best[[*keys, "strength", "badge_key"]].rename(columns={"badge_key": "best_badge"}), on=keys)
    else:
        agg = pd.DataFrame(columns=[*keys, "badges", "strength", "best_badge"])

    if candidate_ids is None:
        cands = pd.unique(evidence["candidate_id"])
    else:
        cands = np.asarray(list(dict.fromkeys(candidate_ids)), dtype=object)
    cand_frame = pd.DataFrame({"candidate_id": pd.Series(cands, dtype=object)})
    matrix = cand_frame.merge(reqs.drop(columns=["accepted_issuers"]), how="cross")
    matrix = matrix.merge(agg, on=keys, how="left")
    matrix["strength"] = pd.to_numeric(matrix["strength"], errors="coerce").fillna(0.0).astype(float)
    matrix["badges"] = pd.to_numeric(matrix["badges"], errors="coerce").fillna(0).astype(int)
    matrix["met"] = matrix["badges"] > 0
    matrix["best_badge"] = matrix["best_badge"].astype(object).where(matrix["met"], None)

    matrix["_earned"] = matrix["weight"] * matrix["strength"]
    matrix["_mh_met"] = matrix["must_have"] & matrix["met"]
    g = matrix.groupby(["candidate_id", "role_id"], sort=False)
    scores = g.agg(
        role_name=("role_name", "first"),
        earned=("_earned", "sum"),
        weight_total=("weight", "sum"),
        must_have_met=("_mh_met", "sum"),
        must_have_total=("must_have", "sum"),
        met=("met", "sum"),
        total=("met", "size"),
    ).reset_index()
    scores["score"] = (
        (100.0 * scores["earned"] / scores["weight_total"].where(scores["weight_total"] > 0)).fillna(0.0).round(1)
    )
    scores["all_must_haves"] = scores["must_have_met"] == scores["must_have_total"]
    scores = scores.drop(columns=["earned", "weight_total"])
    matrix = matrix.drop(columns=["_earned", "_mh_met"])
    return CoverageReport(reqs, d, matrix, scores, evidence, now_ts.to_pydatetime())


def _judge(d: pd.DataFrame, now: pd.Timestamp, policy: CoveragePolicy) -> pd.DataFrame:
    d = d.copy()
    n = len(d)
    why = np.full(n, "", dtype=object)

    def rule(mask: Any, text: Any) -> None:
        m = np.asarray(mask, dtype=bool) & (why == "")
        if m.any():
            why[m] = text[m] if isinstance(text, np.ndarray) else text

    if n == 0:
        d["counts"] = np.zeros(0, dtype=bool)
        d["strength"] = np.zeros(0, dtype=float)
        d["why_not"] = why
        return d

    status = d["status"].to_numpy(dtype=object)
    rule(
        status != Status.VERIFIED.value,
        np.array(
            [f"badge {s}: {r}" if r else f"badge {s}" for s, r in zip(status, d["reason"], strict=True)], dtype=object
        ),
    )
    expired = (d["expires_dt"].notna() & (d["expires_dt"] <= now)).to_numpy()
    if expired.any():
        rule(expired, np.array(["expired " + str(x)[:10] for x in d["expires"]], dtype=object))
    low = d["low_confidence"].to_numpy(dtype=bool)
    if low.any():
        rule(
            low,
            np.array(
                [
                    f"possible match only ({m} {s:.2f})"
                    for m, s in zip(d["match_method"], d["match_score"], strict=True)
                ],
                dtype=object,
            ),
        )
    default_weight = policy.trust_weights.get("unknown", 1.0)
    weights = np.array([float(policy.trust_weights.get(v, default_weight)) for v in d["trust"]], dtype=float)
    rule(weights <= 0, np.array([f"issuer trust: {t}" for t in d["trust"]], dtype=object))

    has_acc = d["accepted_issuers"].map(len).to_numpy() > 0
    if has_acc.any():
        cache: dict[tuple[str, tuple[str, ...]], bool] = {}
        ok = np.ones(n, dtype=bool)
        issuers: list[str] = d["issuer_id"].tolist()
        accepted: list[tuple[str, ...]] = d["accepted_issuers"].tolist()
        for i in np.flatnonzero(has_acc).tolist():
            key = (issuers[i], accepted[i])
            if key not in cache:
                cache[key] = TrustList(allow=key[1]).verdict(key[0]) == "allow"
            ok[i] = cache[key]
        rule(~ok, "issuer not accepted for this requirement")

    max_age = d["max_age_days"].to_numpy(dtype=float)
    limited = ~np.isnan(max_age)
    if limited.any():
        rule(limited & d["issued_dt"].isna().to_numpy(), "issue date unknown (evidence age is limited)")
        cutoff = now - pd.to_timedelta(np.nan_to_num(max_age), unit="D")
        too_old = limited & (d["issued_dt"] < pd.Series(cutoff, index=d.index)).fillna(False).to_numpy(dtype=bool)
        if too_old.any():
            texts = np.array(
                [
                    f"evidence too old: issued {str(s)[:10]}, limit {int(a)} days" if a == a else ""
                    for s, a in zip(d["issued_on"], max_age, strict=True)
                ],
                dtype=object,
            )
            rule(too_old, texts)

    min_level = d["min_level"].to_numpy(dtype=float)
    level = d["level"].astype(float).to_numpy()
    has_min = ~np.isnan(min_level)
    if has_min.any():
        below = has_min & ~np.isnan(level) & (level < min_level)
        rule(
            below,
            np.array(
                [f"level {lv:.0f} below required {mn:.0f}" for lv, mn in zip(level, min_level, strict=True)],
                dtype=object,
            ),
        )
        if not policy.unknown_level_counts:
            rule(has_min & np.isnan(level), "level not stated")

    counts = why == ""
    d["counts"] = counts
    d["strength"] = np.where(counts, weights, 0.0)
    d["why_not"] = why
    return d
