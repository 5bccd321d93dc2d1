"""Coverage weighs evidence by how far its issuer's identity is proven (issuer.identity.level)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from talent.catalogue import Catalogue
from talent.coverage import CoveragePolicy, compute_coverage, evidence_frame, identity_columns
from talent.matching import SkillMatcher
from talent.roles import Requirement, Role, RoleError, role_from_dict
from tests.talent.conftest import NOW, met, why_not
from verifier.models import IdentityLevel, IssuerIdentity, RegistryListing, VerificationResult, result_from_dict

ROLE = Role("r", "R", (Requirement("Terraform"),))


def _ada(result_pairs: list) -> list[tuple[str, VerificationResult]]:
    return [p for p in result_pairs if p[0] == "ats:A1"]


def _with_identity(pairs: list[tuple[str, VerificationResult]], identity: IssuerIdentity) -> list:
    return [(c, replace(r, issuer=replace(r.issuer, identity=identity))) for c, r in pairs]


SELF = IssuerIdentity(
    level=IdentityLevel.SELF_ASSERTED, how="did:key is a key anyone can make", claims_name="Amazon Web Services"
)
DOMAIN = IssuerIdentity(level=IdentityLevel.DOMAIN, proven="cloudacademy.example", how="did:web")
REGISTRY = IssuerIdentity(
    level=IdentityLevel.REGISTRY,
    proven="did:web:cloudacademy.example",
    registries=(RegistryListing("DCC Member Registry", "Cloud Academy"),),
)


@pytest.mark.parametrize(("identity", "counts"), [(SELF, False), (DOMAIN, True), (REGISTRY, True), (None, True)])
def test_default_policy_counts_proven_identities_only(
    result_pairs: list, matcher: SkillMatcher, catalogue: Catalogue, identity: IssuerIdentity | None, counts: bool
) -> None:
    pairs = _ada(result_pairs) if identity is None else _with_identity(_ada(result_pairs), identity)
    rep = compute_coverage(evidence_frame(pairs, matcher), [ROLE], catalogue, now=NOW)
    assert met(rep, "ats:A1", "r", "Terraform") is counts


def test_a_self_asserted_cell_says_why_with_the_did_method_and_the_claimed_name(
    result_pairs: list, matcher: SkillMatcher, catalogue: Catalogue
) -> None:
    pairs = [
        (c, replace(r, issuer=replace(r.issuer, id="did:key:z6MkExample", identity=SELF)))
        for c, r in _ada(result_pairs)
    ]
    rep = compute_coverage(evidence_frame(pairs, matcher), [ROLE], catalogue, now=NOW)
    assert why_not(rep, "ats:A1", "r", "Terraform") == [
        "issuer identity not proven: did:key, claims 'Amazon Web Services'"
    ]


def test_the_workspace_policy_can_count_self_asserted_evidence_or_exclude_platforms(
    result_pairs: list, matcher: SkillMatcher, catalogue: Catalogue
) -> None:
    ev = evidence_frame(_with_identity(_ada(result_pairs), SELF), matcher)
    lenient = CoveragePolicy.counting(["registry", "domain", "platform", "self-asserted"])
    assert met(compute_coverage(ev, [ROLE], catalogue, now=NOW, policy=lenient), "ats:A1", "r", "Terraform")
    half = CoveragePolicy.from_dict({"identity_weights": {"self-asserted": 0.5}})
    rep = compute_coverage(ev, [ROLE], catalogue, now=NOW, policy=half)
    assert float(rep.scores["score"].iat[0]) == 50.0
    strict = CoveragePolicy.counting(["registry"])
    ev_domain = evidence_frame(_with_identity(_ada(result_pairs), DOMAIN), matcher)
    rep = compute_coverage(ev_domain, [ROLE], catalogue, now=NOW, policy=strict)
    assert why_not(rep, "ats:A1", "r", "Terraform") == [
        "issuer identity level domain does not count here (domain: cloudacademy.example)"
    ]


def test_a_requirement_can_demand_a_registry_listed_issuer(
    result_pairs: list, matcher: SkillMatcher, catalogue: Catalogue
) -> None:
    role = Role("r", "R", (Requirement("Terraform", identity_levels=("registry",)),))
    lenient = Role("r2", "R2", (Requirement("Terraform", identity_levels=("self-asserted", "domain")),))
    for identity, strict_met in ((DOMAIN, False), (REGISTRY, True)):
        ev = evidence_frame(_with_identity(_ada(result_pairs), identity), matcher)
        rep = compute_coverage(ev, [role, lenient], catalogue, now=NOW)
        assert met(rep, "ats:A1", "r", "Terraform") is strict_met
    ev = evidence_frame(_with_identity(_ada(result_pairs), SELF), matcher)
    assert met(compute_coverage(ev, [lenient], catalogue, now=NOW), "ats:A1", "r2", "Terraform")


def test_role_files_validate_identity_levels() -> None:
    role = role_from_dict({"name": "X", "requirements": [{"skill": "SQL", "identity_levels": ["registry", "domain"]}]})
    assert role.requirements[0].identity_levels == ("registry", "domain")
    assert role_from_dict(role.to_dict()) == role
    with pytest.raises(RoleError, match="identity_levels"):
        role_from_dict({"name": "X", "requirements": [{"skill": "SQL", "identity_levels": ["trusted"]}]})


def test_policy_round_trips_and_refuses_bad_weights() -> None:
    policy = CoveragePolicy.from_dict({"identity_weights": {"platform": 0.5}, "unassessed_identity_weight": 0})
    assert CoveragePolicy.from_dict(policy.to_dict()) == policy
    with pytest.raises(ValueError, match="identity_weights"):
        CoveragePolicy.from_dict({"identity_weights": {"domain": 2}})


def test_identity_survives_the_result_json_used_for_storage(result_pairs: list) -> None:
    _, r = _with_identity(_ada(result_pairs), REGISTRY)[0]
    again = result_from_dict(r.to_dict())
    assert again.issuer.identity == REGISTRY
    assert identity_columns(again) == (
        "registry",
        "did:web:cloudacademy.example",
        "registry: did:web:cloudacademy.example (DCC Member Registry)",
    )


def test_identity_survives_a_workspace_round_trip(result_pairs: list, tmp_path: Path) -> None:
    from talent.storage import Workspace

    pairs = _with_identity(_ada(result_pairs), REGISTRY)
    with Workspace(f"sqlite:///{tmp_path / 'w.db'}") as ws:
        ws.save_results(pairs)
        stored = ws.latest_results()
    assert stored
    assert {r.issuer.identity for _, r in stored} == {REGISTRY}


def test_the_workspace_keeps_its_coverage_policy(tmp_path: Path) -> None:
    from talent.storage import Workspace

    url = f"sqlite:///{tmp_path / 'w.db'}"
    with Workspace(url) as ws:
        assert ws.coverage_policy() == CoveragePolicy()
        ws.save_coverage_policy(CoveragePolicy.counting(["registry"]))
    with Workspace(url) as ws:
        policy = ws.coverage_policy()
        assert policy.identity_weight("registry") == 1.0
        assert policy.identity_weight("domain") == 0.0
        assert ws.last_audit(["setting"]) == ("setting", "coverage_policy")
        ws.save_setting("coverage_policy", {"identity_weights": {"domain": "lots"}})
        assert ws.coverage_policy() == CoveragePolicy()  # unreadable: the default, never an exception
