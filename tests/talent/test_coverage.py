"""Coverage: only verified, in-date, trusted, confidently matched evidence counts, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from talent.catalogue import Catalogue
from talent.coverage import CoveragePolicy, CoverageReport, compute_coverage, evidence_frame
from talent.matching import SkillMatcher
from talent.roles import Requirement, Role
from tests.talent.conftest import NOW, met, why_not
from verifier.models import Status
from verifier.trust import TrustList


def test_verified_badge_meets_requirement(report: CoverageReport) -> None:
    assert met(report, "ats:A1", "cloud-engineer", "Amazon Web Services")
    assert met(report, "ats:A1", "cloud-engineer", "Terraform")


def test_revoked_badge_never_adds_coverage(report: CoverageReport) -> None:
    assert not met(report, "ats:A1", "cloud-engineer", "Kubernetes")
    assert any(
        "badge failed" in w and "revoked 2026-03-02" in w
        for w in why_not(report, "ats:A1", "cloud-engineer", "Kubernetes")
    )


def test_could_not_verify_badge_never_adds_coverage(report: CoverageReport) -> None:
    assert not met(report, "ats:B2", "cloud-engineer", "Amazon Web Services")
    reasons = why_not(report, "ats:B2", "cloud-engineer", "Amazon Web Services")
    assert any(w.startswith("badge could not be verified") for w in reasons)


def test_wrong_recipient_badge_never_adds_coverage(report: CoverageReport) -> None:
    assert not met(report, "ats:B2", "cloud-engineer", "Linux")
    assert any("another person" in w for w in why_not(report, "ats:B2", "cloud-engineer", "Linux"))


def test_expired_evidence_does_not_count_but_a_current_badge_does(report: CoverageReport) -> None:
    d = report.detail
    docker = d[(d["candidate_id"] == "ats:A1") & (d["role_id"] == "cloud-engineer") & (d["requirement"] == "Docker")]
    expired = docker[docker["badge_key"] == "urn:uuid:docker-1"]
    assert not expired["counts"].any()
    assert expired["why_not"].str.startswith("expired 2026-06-01").all()
    assert met(report, "ats:A1", "cloud-engineer", "Docker")


def test_evidence_older_than_the_age_limit_does_not_count(report: CoverageReport) -> None:
    assert not met(report, "ats:B2", "cloud-engineer", "Kubernetes")
    assert any("too old" in w for w in why_not(report, "ats:B2", "cloud-engineer", "Kubernetes"))


def test_denied_issuer_is_excluded(report: CoverageReport) -> None:
    assert not met(report, "ats:B2", "cloud-engineer", "Terraform")
    assert why_not(report, "ats:B2", "cloud-engineer", "Terraform") == ["issuer on the deny list"]


def test_low_confidence_match_is_flagged_not_counted(report: CoverageReport) -> None:
    assert not met(report, "ats:B2", "cloud-engineer", "Python")
    reasons = why_not(report, "ats:B2", "cloud-engineer", "Python")
    assert reasons
    assert reasons[0].startswith("possible match only (similar spelling, 0.")


def test_same_skill_from_many_badges_counts_once(report: CoverageReport) -> None:
    m = report.matrix
    cell = m[(m["candidate_id"] == "ats:A1") & (m["role_id"] == "cloud-engineer") & (m["requirement"] == "Docker")]
    assert int(cell["badges"].iat[0]) == 1  # the expired one does not count, the current one once
    assert float(cell["strength"].iat[0]) == 1.0


def test_duplicate_badges_add_no_score(
    result_pairs: list, matcher: SkillMatcher, roles: list[Role], catalogue: Catalogue
) -> None:
    once = compute_coverage(evidence_frame(result_pairs, matcher), roles, catalogue, now=NOW)
    ten = compute_coverage(evidence_frame(result_pairs * 10, matcher), roles, catalogue, now=NOW)
    pd.testing.assert_frame_equal(once.scores, ten.scores)


def test_unknown_issuer_weight_scales_the_score(
    result_pairs: list, matcher: SkillMatcher, catalogue: Catalogue
) -> None:
    role = Role("r", "R", (Requirement("Terraform", weight=1),))
    ada = [p for p in result_pairs if p[0] == "ats:A1"]
    ev = evidence_frame(ada, matcher, trust=TrustList())
    full = compute_coverage(ev, [role], catalogue, now=NOW)
    half = compute_coverage(
        ev, [role], catalogue, now=NOW, policy=CoveragePolicy(trust_weights={"allow": 1.0, "unknown": 0.5, "deny": 0.0})
    )
    assert float(full.scores["score"].iat[0]) == 100.0
    assert float(half.scores["score"].iat[0]) == 50.0


def test_accepted_issuers_exclude_other_issuers(
    result_pairs: list, matcher: SkillMatcher, catalogue: Catalogue
) -> None:
    ada = [p for p in result_pairs if p[0] == "ats:A1"]
    ev = evidence_frame(ada, matcher)
    strict = Role("r", "R", (Requirement("Terraform", accepted_issuers=("hashicorp.example",)),))
    ok = Role("r2", "R2", (Requirement("Terraform", accepted_issuers=("cloudacademy.example",)),))
    rep = compute_coverage(ev, [strict, ok], catalogue, now=NOW)
    assert not met(rep, "ats:A1", "r", "Terraform")
    assert met(rep, "ats:A1", "r2", "Terraform")
    assert why_not(rep, "ats:A1", "r", "Terraform") == ["issuer not accepted for this requirement"]


def test_minimum_level_is_enforced_where_the_badge_states_one(
    result_pairs: list, matcher: SkillMatcher, catalogue: Catalogue
) -> None:
    cy = [p for p in result_pairs if p[0] == "email:cy@example.org"]
    ev = evidence_frame(cy, matcher)
    senior = Role("senior", "Senior", (Requirement("Nursing", min_level=4),))
    staff = Role("staff", "Staff", (Requirement("Nursing", min_level=3),))
    rep = compute_coverage(ev, [senior, staff], catalogue, now=NOW)
    assert not met(rep, "email:cy@example.org", "senior", "Nursing")
    assert why_not(rep, "email:cy@example.org", "senior", "Nursing")[0] == "level 3 below required 4"
    assert met(rep, "email:cy@example.org", "staff", "Nursing")


def test_a_result_level_the_badge_states_can_meet_the_minimum_level(
    result_pairs: list, matcher: SkillMatcher, catalogue: Catalogue
) -> None:
    from dataclasses import replace

    from verifier.details import BadgeDetails, ResultItem, details_from_dict

    cy = [p for p in result_pairs if p[0] == "email:cy@example.org"]
    rubric = BadgeDetails(results=(ResultItem(name="Clinical practice", achieved_level="Mastered", level=4),))
    # stored and read back: the level survives the workspace's JSON
    graded = [(c, replace(r, details=details_from_dict(rubric.to_dict()))) for c, r in cy]
    senior = Role("senior", "Senior", (Requirement("Nursing", min_level=4),))
    rep = compute_coverage(evidence_frame(graded, matcher), [senior], catalogue, now=NOW)
    assert met(rep, "email:cy@example.org", "senior", "Nursing")  # the badge's own wording says level 3
    # a lower result level never lowers what the badge's wording states
    low = BadgeDetails(results=(ResultItem(name="Clinical practice", achieved_level="Developing", level=2),))
    staff = Role("staff", "Staff", (Requirement("Nursing", min_level=3),))
    lowered = [(c, replace(r, details=low)) for c, r in cy]
    assert met(compute_coverage(evidence_frame(lowered, matcher), [staff], catalogue, now=NOW),
               "email:cy@example.org", "staff", "Nursing")  # fmt: skip


def test_unverified_badges_are_listed_apart_with_their_reason(report: CoverageReport) -> None:
    bad = report.unverified_badges("ats:B2")
    assert set(bad["status"]) == {Status.FAILED.value, Status.ERROR.value}
    assert all(bad["reason"].str.len() > 0)


def test_matrix_covers_every_candidate_and_requirement(report: CoverageReport, roles: list[Role]) -> None:
    n_reqs = sum(len(r.requirements) for r in roles)
    assert len(report.matrix) == 3 * n_reqs
    wide = report.wide("cloud-engineer")
    assert wide.shape == (3, len(next(r for r in roles if r.role_id == "cloud-engineer").requirements))


def test_candidate_without_evidence_scores_zero(
    result_pairs: list, matcher: SkillMatcher, roles: list[Role], catalogue: Catalogue
) -> None:
    rep = compute_coverage(
        evidence_frame(result_pairs, matcher), roles, catalogue, now=NOW, candidate_ids=["ats:A1", "nobody"]
    )
    nobody = rep.scores[rep.scores["candidate_id"] == "nobody"]
    assert len(nobody) == len(roles)
    assert (nobody["score"] == 0).all()


def test_identifier_alignments_meet_requirements(report: CoverageReport) -> None:
    # ESCO URI on a skill named only "hygiene"; O*NET element id on "Time management".
    d = report.evidence
    cy = d[d["candidate_id"] == "email:cy@example.org"]
    methods = dict(zip(cy["skill_name"], cy["match_method"], strict=False))
    assert methods["hygiene"] == "identifier"
    assert methods["Time management"] in ("identifier", "exact")
    assert met(report, "email:cy@example.org", "registered-nurse", "Infection control")


def test_coverage_judged_later_drops_evidence_that_expired_since(
    result_pairs: list, matcher: SkillMatcher, roles: list[Role], catalogue: Catalogue
) -> None:
    ev = evidence_frame(result_pairs, matcher)
    later = compute_coverage(ev, roles, catalogue, now=datetime(2028, 3, 1, tzinfo=UTC))
    assert not met(later, "email:cy@example.org", "registered-nurse", "Basic Life Support")


def test_credentials_in_a_failed_presentation_never_count(matcher: SkillMatcher, catalogue: Catalogue) -> None:
    from verifier.models import Skill, failed, make_result, passed

    inner = make_result("urn:uuid:inner", [passed("signature")], credential_id="urn:uuid:inner", skills=(Skill("SQL"),))
    ok_container = make_result("vp.json", [passed("signature")], credentials=(inner,))
    bad_container = make_result("vp2.json", [failed("signature", "holder proof invalid")], credentials=(inner,))
    role = Role("r", "R", (Requirement("SQL"),))
    good = compute_coverage(evidence_frame([("a", ok_container)], matcher), [role], catalogue, now=NOW)
    bad = compute_coverage(evidence_frame([("a", bad_container)], matcher), [role], catalogue, now=NOW)
    assert met(good, "a", "r", "SQL")
    assert not met(bad, "a", "r", "SQL")
    assert why_not(bad, "a", "r", "SQL") == ["badge failed: container failed: holder proof invalid"]


def test_a_revoked_credential_in_a_presentation_does_not_discount_its_valid_sibling(
    matcher: SkillMatcher, catalogue: Catalogue
) -> None:
    from verifier.models import Skill, failed, make_result, passed

    good = make_result("urn:uuid:good", [passed("signature")], credential_id="urn:uuid:good", skills=(Skill("SQL"),))
    revoked = make_result(
        "urn:uuid:rev",
        [passed("signature"), failed("revocation", "revoked")],
        credential_id="urn:uuid:rev",
        skills=(Skill("Python"),),
    )
    container = make_result(
        "vp.json",
        [passed("signature"), failed("credentials", "1 of 2 credentials failed")],
        credentials=(good, revoked),
    )
    role = Role("r", "R", (Requirement("SQL"), Requirement("Python")))
    rep = compute_coverage(evidence_frame([("a", container)], matcher), [role], catalogue, now=NOW)
    assert met(rep, "a", "r", "SQL")
    assert not met(rep, "a", "r", "Python")


def test_no_evidence_at_all_gives_an_empty_report(roles: list[Role], catalogue: Catalogue) -> None:
    from talent.coverage import empty_evidence

    rep = compute_coverage(empty_evidence(), roles, catalogue, now=NOW, candidate_ids=["x"])
    assert (rep.scores["score"] == 0).all()
    assert len(rep.pairs) == 0
    assert rep.detail.empty


def test_results_carrying_their_candidate_become_pairs(result_pairs: list) -> None:
    from talent.coverage import pairs_from_results
    from verifier.models import with_context

    tagged = [with_context(r, candidate=c) for c, r in result_pairs]
    assert [c for c, _ in pairs_from_results(tagged)] == [c for c, _ in result_pairs]
