"""Ranking with plain-language explanations, pool gaps and side-by-side comparison."""

from __future__ import annotations

import pandas as pd
import pytest

from talent.catalogue import Catalogue
from talent.coverage import CoverageReport, compute_coverage, evidence_frame
from talent.matching import SkillMatcher
from talent.ranking import compare_candidates, pool_coverage, rank_candidates, uncovered_requirements
from talent.roles import Requirement, Role
from tests.talent.conftest import NOW


def test_candidates_are_ranked_by_must_haves_then_score(report: CoverageReport) -> None:
    ranked = rank_candidates(report, "cloud-engineer", names={"ats:A1": "Ada", "ats:B2": "Bo"})
    assert list(ranked["candidate_id"][:2]) == ["ats:A1", "ats:B2"]
    assert list(ranked["rank"]) == [1, 2, 3]
    assert ranked["name"].iat[0] == "Ada"
    assert ranked["score"].is_monotonic_decreasing


def test_explanation_names_the_revoked_must_have(report: CoverageReport) -> None:
    ranked = rank_candidates(report, "cloud-engineer").set_index("candidate_id")
    text = ranked.at["ats:A1", "explanation"]
    assert text.startswith(
        "Ranks above ats:B2 (#2): holds Amazon Web Services and Terraform, must-haves ats:B2 lacks. "
    )
    assert "Meets 2 of 3 must-haves (weight 5 of 8), " in text
    assert "missing must-have Kubernetes unverified: badge failed: badge revoked 2026-03-02" in text


def test_explanation_says_why_weak_evidence_did_not_count(report: CoverageReport) -> None:
    text = rank_candidates(report, "cloud-engineer").set_index("candidate_id").at["ats:B2", "explanation"]
    assert "Meets 0 of 3 must-haves" in text
    assert "Kubernetes unverified: evidence too old: issued 2019-05-01" in text
    assert "Amazon Web Services unverified: badge could not be verified" in text


def test_limit_keeps_the_top_candidates(report: CoverageReport) -> None:
    assert len(rank_candidates(report, "registered-nurse", limit=1)) == 1


def test_unknown_role_is_an_error(report: CoverageReport) -> None:
    with pytest.raises(KeyError):
        rank_candidates(report, "astronaut")


def test_pool_view_lists_requirements_nobody_covers(report: CoverageReport) -> None:
    pool = pool_coverage(report, "cloud-engineer")
    assert pool.set_index("requirement").at["Amazon Web Services", "candidates_meeting"] == 1
    nobody = uncovered_requirements(report, "cloud-engineer")
    assert "Kubernetes" in nobody
    assert "Amazon Web Services" not in nobody


def test_comparison_holds_the_evidence_behind_each_cell(report: CoverageReport) -> None:
    cmp = compare_candidates(report, "cloud-engineer", ["ats:A1", "ats:B2"])
    row = next(r for r in cmp.rows if r.requirement == "Kubernetes")
    ada = row.cells["ats:A1"]
    assert not ada.met
    assert ada.evidence[0]["status"] == "failed"
    assert ada.evidence[0]["badge_key"] == "urn:uuid:k8s-1"
    aws = next(r for r in cmp.rows if r.requirement == "Amazon Web Services").cells["ats:A1"]
    assert aws.met
    assert aws.text().startswith("✔ AWS Solutions Architect Associate")
    frame = cmp.to_frame(names={"ats:A1": "Ada", "ats:B2": "Bo"})
    assert list(frame.columns) == ["must-have", "weight", "Ada", "Bo"]
    assert frame.index[0] == "score"


@pytest.mark.parametrize("ids", [["ats:A1"], ["a", "b", "c", "d", "e"]])
def test_comparison_takes_two_to_four_candidates(report: CoverageReport, ids: list[str]) -> None:
    with pytest.raises(ValueError, match="2 to 4"):
        compare_candidates(report, "cloud-engineer", ids)


def test_the_most_telling_reason_is_given(result_pairs: list, matcher: SkillMatcher, catalogue: Catalogue) -> None:
    from verifier.models import Skill, failed, make_result, passed

    weak = make_result("w", [passed("signature")], credential_id="w", skills=(Skill("Kubernetess cluster"),))
    revoked = make_result(
        "r", [failed("revocation", "revoked 2026-03-02")], credential_id="r", skills=(Skill("Kubernetes"),)
    )
    role = Role("k", "K", (Requirement("Kubernetes", must_have=True), Requirement("Quantum basket weaving")))
    rep = compute_coverage(evidence_frame([("a", weak), ("a", revoked)], matcher), [role], catalogue, now=NOW)
    text = rank_candidates(rep, "k")["explanation"].iat[0]
    assert "missing must-have Kubernetes unverified: badge failed: revoked 2026-03-02" in text
    assert "Quantum basket weaving: not in the skills catalogue" in text


def _pool(role: Role, held: dict[str, list[str]], matcher: SkillMatcher, catalogue: Catalogue) -> pd.DataFrame:
    from verifier.models import Skill, make_result, passed

    pairs = [
        (cid, make_result(f"{cid}-{s}", [passed("signature")], credential_id=f"{cid}-{s}", skills=(Skill(s),)))
        for cid, skills in held.items()
        for s in skills
    ]
    rep = compute_coverage(evidence_frame(pairs, matcher), [role], catalogue, now=NOW, candidate_ids=list(held))
    return rank_candidates(rep, role.role_id, names={c: c.title() for c in held})


CLOUD = Role(
    "cloud",
    "Cloud",
    (
        Requirement("Amazon Web Services", 3, must_have=True),
        Requirement("Kubernetes", 3, must_have=True),
        Requirement("Terraform", 2, must_have=True),
        Requirement("Docker", 8),
    ),
)


def test_a_must_have_more_ranks_above_a_higher_score(matcher: SkillMatcher, catalogue: Catalogue) -> None:
    # Ann meets 1 of 3 must-haves with the higher score; Ben meets 2 of 3 with a lower one.
    ranked = _pool(
        CLOUD,
        {"ann": ["Amazon Web Services", "Docker"], "ben": ["Amazon Web Services", "Terraform"]},
        matcher,
        catalogue,
    )
    assert list(ranked["candidate_id"]) == ["ben", "ann"]
    assert ranked["score"].iat[0] < ranked["score"].iat[1]
    assert ranked["above_next"].iat[0] == "Ranks above Ann (#2): holds Terraform, a must-have Ann lacks"
    assert ranked["explanation"].iat[0].startswith("Ranks above Ann (#2): holds Terraform, a must-have Ann lacks. ")
    assert ranked["above_next"].iat[1] == ""


def test_must_haves_are_weighted(matcher: SkillMatcher, catalogue: Catalogue) -> None:
    ranked = _pool(CLOUD, {"ann": ["Terraform", "Docker"], "ben": ["Kubernetes"]}, matcher, catalogue)
    assert list(ranked["candidate_id"]) == ["ben", "ann"]
    assert list(ranked["must_have_weight_met"]) == [3, 2]
    assert ranked["above_next"].iat[0] == (
        "Ranks above Ann (#2): holds Kubernetes, a must-have Ann lacks, which outweighs Terraform"
        " held only by Ann (must-have weight 3 against 2)"
    )


def test_equal_must_haves_fall_back_to_score_then_evidence(matcher: SkillMatcher, catalogue: Catalogue) -> None:
    ranked = _pool(
        CLOUD,
        {"ann": ["Kubernetes"], "ben": ["Kubernetes", "Docker"], "cal": ["Amazon Web Services", "Kubernetes"]},
        matcher,
        catalogue,
    )
    assert list(ranked["candidate_id"]) == ["cal", "ben", "ann"]
    assert ranked["above_next"].iat[0].startswith("Ranks above Ben (#2): holds Amazon Web Services, a must-have")
    assert ranked["above_next"].iat[1] == (
        "Ranks above Ann (#3): the same must-haves, higher score (68.8 against 18.8); holds Docker, which Ann lacks"
    )
    role = Role("k", "K", (Requirement("Kubernetes", must_have=True),))
    from verifier.models import Skill, make_result, passed

    pairs = [
        ("ann", make_result("a1", [passed("signature")], credential_id="a1", skills=(Skill("Kubernetes"),))),
        ("ben", make_result("b1", [passed("signature")], credential_id="b1", skills=(Skill("Kubernetes"),))),
        ("ben", make_result("b2", [passed("signature")], credential_id="b2", skills=(Skill("Kubernetes"),))),
    ]
    rep = compute_coverage(evidence_frame(pairs, matcher), [role], catalogue, now=NOW)
    ranked = rank_candidates(rep, "k")
    assert list(ranked["candidate_id"]) == ["ben", "ann"]
    assert ranked["above_next"].iat[0] == (
        "Ranks above ann (#2): the same must-haves and the same score (100), more verified evidence"
        " (2 badges against 1)"
    )


def test_limit_keeps_the_explanation_of_the_last_kept(report: CoverageReport) -> None:
    top = rank_candidates(report, "cloud-engineer", limit=1)
    assert top["above_next"].iat[0].startswith("Ranks above ats:B2 (#2)")


@pytest.mark.parametrize("doc", ["README.md", "talent/README.md"])
def test_the_readmes_state_the_ranking_rule(doc: str) -> None:
    from pathlib import Path

    from talent.ranking import RANKING_RULE

    text = " ".join((Path(__file__).parents[2] / doc).read_text("utf-8").split())
    assert RANKING_RULE in text
