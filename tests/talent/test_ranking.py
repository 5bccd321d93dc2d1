"""Ranking with plain-language explanations, pool gaps and side-by-side comparison."""

from __future__ import annotations

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
    assert text.startswith("meets 2 of 3 must-haves, ")
    assert "missing must-have Kubernetes unverified: badge failed: badge revoked 2026-03-02" in text


def test_explanation_says_why_weak_evidence_did_not_count(report: CoverageReport) -> None:
    text = rank_candidates(report, "cloud-engineer").set_index("candidate_id").at["ats:B2", "explanation"]
    assert text.startswith("meets 0 of 3 must-haves")
    assert "Kubernetes unverified: evidence too old: issued 2019-05-01" in text
    assert "Amazon Web Services unverified: badge error" in text


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
