"""Coverage against a plain pandas version of the same rules.

:func:`compute_coverage` works on integer codes and NumPy arrays for speed. The
reference below says the rules of ``talent/coverage.py``'s docstring the slow,
obvious way: merge the evidence with the requirements on the skill, judge each
pair row by row, then ``groupby`` per cell and per role. On any input Hypothesis
draws, both must give the same verdict (the same rule) and strength for every
pair, the same matrix cells and the same scores.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talent.catalogue import Catalogue
from talent.coverage import UNASSESSED, CoveragePolicy, compute_coverage, evidence_frame, requirements_frame
from talent.matching import SkillMatcher
from talent.roles import Requirement, Role
from verifier.models import (
    AchievementInfo,
    IdentityLevel,
    IssuerIdentity,
    IssuerInfo,
    Skill,
    VerificationResult,
    errored,
    failed,
    make_result,
    passed,
)
from verifier.trust import TrustList

# Few skills, so that cells get several badges: "Containers" and "K8s" are synonyms and
# "Kubernets" a near miss of catalogue skills (one badge can state one skill twice);
# "Basket weaving" is in no role, "Underwater welding" in no catalogue.
SKILLS = ("Docker", "Containers", "Kubernetes", "K8s", "Kubernets", "Python", "Basket weaving")
REQUIRED = ("Docker", "Kubernetes", "Python", "Underwater welding")
ISSUERS = ("https://a.example/issuer", "https://b.example/issuer", "did:key:z6MkexampleKey", "did:web:c.example")
# Issue and expiry dates, with the instants the rules compare against: NOWS[0] itself, and
# NOWS[0] less 365 days (a requirement's maximum age).
DATES = ("", "2015-03-01T00:00:00Z", "2025-11-28T00:00:00Z", "2026-11-28T00:00:00Z", "2027-05-01T00:00:00Z", "soon")
NOWS = (datetime(2026, 11, 28, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
NOW_TEXT = "2026-11-28T00:00:00Z"  # NOWS[0]
# Weights are exact binary fractions, so both versions' sums are exact and the scores equal.
WEIGHTS = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0)
FACTORS = (0.0, 0.25, 0.5, 1.0)  # policy weights (mostly 1: see often())
LEVELS = tuple(level.value for level in IdentityLevel)


# -- the reference ---------------------------------------------------------------------------


def _rule_of(why_not: str) -> str:
    """Which rule a ``why_not`` text names (the module docstring's order)."""
    for prefix, rule in (
        ("badge ", "status"),
        ("expired ", "expired"),
        ("possible match only", "match"),
        ("issuer identity", "identity"),
        ("issuer not accepted", "accepted"),
        ("issuer ", "trust"),
        ("issue date unknown", "age"),
        ("evidence too old", "age"),
        ("level ", "level"),
    ):
        if why_not.startswith(prefix):
            return rule
    return "" if why_not == "" else f"unknown: {why_not}"


def _judge_one(p: Any, now: pd.Timestamp, policy: CoveragePolicy) -> tuple[str, float]:
    """One (evidence, requirement) pair: the first rule that excludes it, and its strength."""
    if p.status != "verified":
        return "status", 0.0
    if pd.notna(p.expires_dt) and p.expires_dt <= now:
        return "expired", 0.0
    if p.low_confidence:
        return "match", 0.0
    trust_weight = float(policy.trust_weights.get(p.trust, policy.trust_weights.get("unknown", 1.0)))
    if trust_weight <= 0:
        return "trust", 0.0
    level = p.identity_level if isinstance(p.identity_level, str) else UNASSESSED
    identity_weight = policy.identity_weight(level)
    if p.identity_levels and level != UNASSESSED:
        identity_weight = 1.0 if level in p.identity_levels else 0.0
    if identity_weight <= 0:
        return "identity", 0.0
    if p.accepted_issuers and TrustList(allow=p.accepted_issuers).verdict(p.issuer_id) != "allow":
        return "accepted", 0.0
    too_old = pd.notna(p.max_age_days) and (
        pd.isna(p.issued_dt) or p.issued_dt < now - pd.Timedelta(days=p.max_age_days)
    )
    if too_old:
        return "age", 0.0
    if pd.notna(p.min_level):
        if pd.notna(p.level) and p.level < p.min_level:
            return "level", 0.0
        if pd.isna(p.level) and not policy.unknown_level_counts:
            return "level", 0.0
    return "", trust_weight * identity_weight


def reference(
    evidence: pd.DataFrame,
    roles: list[Role],
    catalogue: Catalogue,
    now: datetime,
    policy: CoveragePolicy,
    candidate_ids: list[str] | None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(pairs, matrix, scores) by merge, row-by-row rules and groupby."""
    stamp = pd.Timestamp(now)
    reqs = requirements_frame(roles, catalogue).reset_index(names="req_row")
    ev = evidence.reset_index(drop=True).reset_index(names="ev_row")
    for name in ev.columns:
        if isinstance(ev[name].dtype, pd.CategoricalDtype):
            ev[name] = ev[name].astype(object)
    ev["level"] = ev["level"].astype(float)
    cands = list(dict.fromkeys(candidate_ids if candidate_ids is not None else ev["candidate_id"].tolist()))
    ev = ev[ev["candidate_id"].isin(cands)]

    pairs = ev.merge(reqs, on="skill_id")
    judged = [_judge_one(p, stamp, policy) for p in pairs.itertuples(index=False)]
    pairs["rule"] = [rule for rule, _ in judged]
    pairs["strength"] = [strength for _, strength in judged]

    counting = pairs[pairs["rule"] == ""]
    cells = counting.groupby(["candidate_id", "req_row"]).agg(
        strength=("strength", "max"), badges=("badge_key", "nunique")
    )
    best = (
        counting.sort_values(["strength", "ev_row"], ascending=[False, True])
        .groupby(["candidate_id", "req_row"])["badge_key"]
        .first()
        .rename("best_badge")
    )
    grid = pd.MultiIndex.from_product([cands, reqs["req_row"]], names=["candidate_id", "req_row"])
    matrix = pd.DataFrame(index=grid).join(cells).join(best).reset_index()
    matrix["strength"] = matrix["strength"].fillna(0.0)
    matrix["badges"] = matrix["badges"].fillna(0).astype(int)
    matrix["met"] = matrix["badges"] > 0
    matrix = matrix.merge(reqs[["req_row", "role_id", "weight", "must_have"]], on="req_row")

    matrix["earned"] = matrix["weight"] * matrix["strength"]
    matrix["must_met"] = matrix["met"] & matrix["must_have"]
    scores = matrix.groupby(["role_id", "candidate_id"]).agg(
        earned=("earned", "sum"),
        total_weight=("weight", "sum"),
        met=("met", "sum"),
        total=("met", "size"),
        must_have_met=("must_met", "sum"),
        must_have_total=("must_have", "sum"),
    )
    scores["score"] = [
        round(100.0 * e / w, 1) if w > 0 else 0.0 for e, w in zip(scores["earned"], scores["total_weight"], strict=True)
    ]
    scores["all_must_haves"] = scores["must_have_met"] == scores["must_have_total"]
    return pairs, matrix, scores.reset_index()


# -- the inputs ------------------------------------------------------------------------------
# Each rule excludes only now and then (see often()), so that many pairs count and cells
# get several badges of different strengths: that is where ties, counting and order matter.


def often(usual: Any, *others: Any) -> st.SearchStrategy[Any]:
    """``usual`` three times in four, else one of ``others``."""
    return st.sampled_from([usual] * 3 * len(others) + list(others))


@st.composite
def badges(draw: st.DrawFn) -> tuple[str, VerificationResult]:
    checks = draw(often((passed("signature"),), (failed("revocation", "revoked"),), (errored("signature", "no key"),)))
    level = draw(st.none() | st.sampled_from(list(IdentityLevel)))
    identity = None
    if level is not None:
        proven = None if level is IdentityLevel.SELF_ASSERTED else "example.org"
        identity = IssuerIdentity(level=level, proven=proven, claims_name="Example")
    issuer = IssuerInfo(
        id=draw(st.sampled_from(ISSUERS)),
        name="Example issuer",
        trust=draw(st.sampled_from([None, "allow", "unknown", None, "allow", "unknown", "deny"])),
        identity=identity,
    )
    candidate = draw(st.sampled_from(["c0", "c1", "c2"]))
    result = make_result(
        f"https://badges.example/{candidate}/{draw(st.integers(0, 3))}",
        checks,
        issuer=issuer,
        achievement=AchievementInfo(name="A badge"),
        skills=tuple(Skill(s) for s in draw(st.lists(st.sampled_from(SKILLS), min_size=1, max_size=3))),
        issued_on=draw(st.sampled_from(DATES)),
        expires=draw(often("", "2015-03-01T00:00:00Z", NOW_TEXT, "2027-05-01T00:00:00Z", "soon")),
        checked_at=draw(st.sampled_from(["2026-11-20T10:00:00Z", "2026-11-21T10:00:00Z"])),
    )
    return candidate, result


requirements = st.builds(
    Requirement,
    skill=st.sampled_from(REQUIRED),
    weight=st.sampled_from(WEIGHTS),
    must_have=st.booleans(),
    min_level=often(None, 1, 2, 3, 4),
    max_age_days=often(None, 30, 365, 3650),
    accepted_issuers=often((), (ISSUERS[0],), ("https://b.example/*",), (ISSUERS[2], ISSUERS[3])),
    identity_levels=often((), ("registry",), ("domain", "platform"), tuple(LEVELS)),
)
roles_strategy = st.lists(st.lists(requirements, min_size=1, max_size=4), min_size=1, max_size=3).map(
    lambda rs: [Role(f"role-{k}", f"Role {k % 2}", tuple(r)) for k, r in enumerate(rs)]
)
policies = st.builds(
    CoveragePolicy,
    trust_weights=st.fixed_dictionaries(
        {"allow": often(1.0, *FACTORS[:-1]), "unknown": often(1.0, *FACTORS[:-1]), "deny": often(1.0, *FACTORS[:-1])}
    ),
    unknown_level_counts=st.booleans(),
    identity_weights=st.fixed_dictionaries({level: often(1.0, *FACTORS[:-1]) for level in LEVELS}),
    unassessed_identity_weight=often(1.0, *FACTORS[:-1]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pool=st.lists(badges(), min_size=1, max_size=16),
    roles=roles_strategy,
    policy=policies,
    now=often(*NOWS),
    candidate_ids=often(None, ["c0", "c2"], ["c2", "nobody", "c0", "c2"], []),
    data=st.data(),
)
def test_coverage_equals_the_plain_pandas_version(
    matcher: SkillMatcher,
    catalogue: Catalogue,
    pool: list[tuple[str, VerificationResult]],
    roles: list[Role],
    policy: CoveragePolicy,
    now: datetime,
    candidate_ids: list[str] | None,
    data: st.DataObject,
) -> None:
    evidence = evidence_frame(pool, matcher)
    # Levels and match confidence come from what badges state; draw them per row to reach every rule.
    n = len(evidence)
    evidence["level"] = pd.array(
        data.draw(st.lists(st.none() | st.integers(1, 4), min_size=n, max_size=n)), dtype="Float64"
    )
    evidence["low_confidence"] = data.draw(st.lists(often(False, True), min_size=n, max_size=n)) if n else []

    report = compute_coverage(evidence, roles, catalogue, now=now, policy=policy, candidate_ids=candidate_ids)
    ref_pairs, ref_matrix, ref_scores = reference(evidence, roles, catalogue, now, policy, candidate_ids)

    # Every pair: the same rule and strength.
    got_pairs = {
        (int(e), int(r)): (_rule_of(w), float(s))
        for e, r, w, s in report.pairs[["ev_row", "req_row", "why_not", "strength"]].itertuples(index=False)
    }
    want_pairs = {
        (int(e), int(r)): (rule, float(s))
        for e, r, rule, s in ref_pairs[["ev_row", "req_row", "rule", "strength"]].itertuples(index=False)
    }
    assert got_pairs == want_pairs

    # Every cell of the matrix.
    reqs = requirements_frame(roles, catalogue).reset_index(names="req_row")
    got = report.matrix.astype({"candidate_id": object, "role_id": object, "best_badge": object})
    got = got.merge(reqs[["req_row", "role_id", "req_index"]], on=["role_id", "req_index"])
    cols = ["candidate_id", "req_row", "met", "strength", "badges", "best_badge"]
    key = ["candidate_id", "req_row"]
    left = got[cols].sort_values(key).reset_index(drop=True)
    right = ref_matrix[cols].sort_values(key).reset_index(drop=True)
    assert len(report.matrix) == len(ref_matrix)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)

    # Every score.
    score_cols = ["role_id", "candidate_id", "score", "met", "total", "must_have_met", "must_have_total"]
    got_scores = report.scores.astype({"candidate_id": object, "role_id": object})[[*score_cols, "all_must_haves"]]
    pd.testing.assert_frame_equal(
        got_scores.sort_values(score_cols[:2]).reset_index(drop=True),
        ref_scores[[*score_cols, "all_must_haves"]].sort_values(score_cols[:2]).reset_index(drop=True),
        check_dtype=False,
    )


def test_a_badge_naming_one_skill_twice_counts_once_even_when_only_the_second_meets_the_level(
    matcher: SkillMatcher, catalogue: Catalogue
) -> None:
    # Counted by its first statement alone before, this cell read "not met" with a full
    # strength and score. A badge stating "Docker" twice (in two alignments,
    # say) at levels 1 and 3 meets a minimum level of 2 through its second statement.
    badge = make_result(
        "https://badges.example/c0/0",
        (passed("signature"),),
        issuer=IssuerInfo(id=ISSUERS[0], name="Example issuer"),
        skills=(Skill("Docker"), Skill("Docker", framework="Example skills", code="DOCKER-101")),
        checked_at="2026-11-20T10:00:00Z",
    )
    evidence = evidence_frame([("c0", badge)], matcher)
    evidence["level"] = pd.array([1, 3], dtype="Float64")
    role = Role("r", "R", (Requirement("Docker", min_level=2),))
    report = compute_coverage(evidence, [role], catalogue, now=NOWS[0])
    cell = report.matrix.iloc[0]
    assert (bool(cell["met"]), int(cell["badges"]), float(cell["strength"])) == (True, 1, 1.0)
    assert report.scores["met"].tolist() == [1]
