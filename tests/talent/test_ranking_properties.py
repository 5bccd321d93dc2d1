"""Property tests of the ranking rule: must-haves met (weighted), then score,
then evidence; adding a verified must-have never lowers a candidate's rank."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talent.catalogue import Catalogue
from talent.coverage import compute_coverage, evidence_frame
from talent.matching import SkillMatcher
from talent.ranking import rank_candidates
from talent.roles import Requirement, Role
from tests.talent.conftest import NOW
from verifier.models import Skill, VerificationResult, failed, make_result, passed

SKILLS = ("Amazon Web Services", "Kubernetes", "Terraform", "Docker", "Linux", "Python")
_CATALOGUE = Catalogue.default()
_MATCHER = SkillMatcher(_CATALOGUE)
_SETTINGS = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def badge(key: str, skill: str, *, verified: bool = True) -> VerificationResult:
    checks = [passed("signature")] if verified else [failed("revocation", "revoked 2026-01-01")]
    return make_result(key, checks, credential_id=key, skills=(Skill(skill),))


@st.composite
def pools(draw: st.DrawFn) -> tuple[Role, list[str], list[tuple[str, VerificationResult]]]:
    n_req = draw(st.integers(2, len(SKILLS)))
    weights = draw(st.lists(st.sampled_from([0.5, 1, 2, 3, 5]), min_size=n_req, max_size=n_req))
    must = draw(st.lists(st.booleans(), min_size=n_req, max_size=n_req).filter(any))
    role = Role("r", "R", tuple(Requirement(SKILLS[i], weights[i], must[i]) for i in range(n_req)))
    n_cand = draw(st.integers(2, 6))
    ids = [f"c{i}" for i in range(n_cand)]
    pairs: list[tuple[str, VerificationResult]] = []
    for cid in ids:
        held = draw(st.lists(st.integers(0, n_req - 1), max_size=2 * n_req))
        for j, k in enumerate(held):
            verified = draw(st.booleans()) or j % 3 == 0
            pairs.append((cid, badge(f"{cid}-{j}", SKILLS[k], verified=verified)))
    return role, ids, pairs


def ranking(role: Role, ids: list[str], pairs: list[tuple[str, VerificationResult]]) -> pd.DataFrame:
    report = compute_coverage(evidence_frame(pairs, _MATCHER), [role], _CATALOGUE, now=NOW, candidate_ids=ids)
    return rank_candidates(report, role.role_id)


@_SETTINGS
@given(pool=pools(), data=st.data())
def test_adding_a_verified_must_have_never_lowers_a_rank(
    pool: tuple[Role, list[str], list[tuple[str, VerificationResult]]], data: st.DataObject
) -> None:
    role, ids, pairs = pool
    before = ranking(role, ids, pairs).set_index("candidate_id")
    who = data.draw(st.sampled_from(ids), label="candidate")
    skill = data.draw(st.sampled_from([r.skill for r in role.must_haves]), label="must-have")
    after = ranking(role, ids, [*pairs, (who, badge("added", skill))]).set_index("candidate_id")
    assert after.at[who, "rank"] <= before.at[who, "rank"]
    assert after.at[who, "must_have_weight_met"] >= before.at[who, "must_have_weight_met"]


@_SETTINGS
@given(pool=pools())
def test_the_order_follows_the_stated_rule(pool: tuple[Role, list[str], list[tuple[str, VerificationResult]]]) -> None:
    role, ids, pairs = pool
    ranked = ranking(role, ids, pairs)
    columns = (-ranked["must_have_weight_met"], -ranked["score"], -ranked["evidence"], ranked["candidate_id"])
    keys = list(zip(*columns, strict=True))
    assert keys == sorted(keys)
    # Every candidate but the last says why it sits above the next one.
    for above, below in zip(ranked.index[:-1], ranked.index[1:], strict=True):
        text = ranked.at[above, "above_next"]
        assert text.startswith(f"Ranks above {ranked.at[below, 'name']} (#{ranked.at[below, 'rank']})")
    assert ranked["above_next"].iat[-1] == ""
