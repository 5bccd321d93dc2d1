"""The result types: status follows from checks; JSON form matches the contract."""

from __future__ import annotations

import json

from verifier.models import (
    AchievementInfo,
    CheckId,
    IssuerInfo,
    Outcome,
    Skill,
    Status,
    errored,
    failed,
    make_result,
    passed,
    result_from_dict,
    skipped,
    warned,
)


def test_all_passing_checks_make_a_verified_result() -> None:
    r = make_result(
        "x", [passed(CheckId.SIGNATURE), warned(CheckId.ISSUER, "no name"), skipped("recipient", "no email")]
    )
    assert r.status is Status.VERIFIED
    assert r.reason == ""


def test_a_determinate_failure_wins_over_an_indeterminate_one() -> None:
    r = make_result("x", [errored(CheckId.REVOCATION, "list unreachable"), failed(CheckId.EXPIRY, "expired")])
    assert r.status is Status.FAILED
    assert r.reason == "expired"


def test_an_indeterminate_check_makes_an_error_never_verified() -> None:
    r = make_result("x", [passed(CheckId.SIGNATURE), errored(CheckId.REVOCATION, "list unreachable")])
    assert r.status is Status.ERROR
    assert r.reason == "list unreachable"


def test_nothing_is_verified_by_omission() -> None:
    assert make_result("x", []).status is Status.ERROR
    assert make_result("x", [skipped("signature", "n/a")]).status is Status.ERROR


def test_results_have_no_truth_value_shortcut() -> None:
    r = make_result("x", [failed("signature", "bad")])
    assert not hasattr(type(r), "__bool__")


def test_json_form_has_every_contract_field_and_round_trips() -> None:
    r = make_result(
        "https://b.example/a/1",
        [passed("signature", "ok"), errored("revocation", "down")],
        format="ob3",
        issuer=IssuerInfo(id="did:key:z6Mk", name="Acme", url="https://acme.example"),
        achievement=AchievementInfo(id="urn:a", name="Python", description="d"),
        recipient_match=True,
        issued_on="2026-01-01T00:00:00Z",
        skills=(Skill(name="Python", framework="ESCO", code="S1", url="http://esco/1"),),
    )
    data = json.loads(json.dumps(r.to_dict()))
    for key in (
        "input",
        "status",
        "format",
        "checks",
        "issuer",
        "achievement",
        "recipient_match",
        "issued_on",
        "expires",
        "skills",
    ):
        assert key in data
    assert data["status"] == "error"
    assert {c["outcome"] for c in data["checks"]} <= {o.value for o in Outcome}
    assert data["checks"][1]["indeterminate"] is True
    assert set(data["skills"][0]) >= {"name", "framework", "code", "url"}
    back = result_from_dict(data)
    assert back.to_dict() == data


def test_issuer_identity_has_the_contract_shape_and_round_trips() -> None:
    from verifier.models import IdentityLevel, Impersonation, IssuerIdentity, RegistryListing, UncheckedRegistry

    identity = IssuerIdentity(
        level=IdentityLevel.REGISTRY,
        proven="did:web:issuer.example",
        how="listed in DCC Sandbox Registry",
        registries=(RegistryListing("DCC Sandbox Registry", "Issuer U", "https://issuer.example", "Cambridge, MA"),),
        unchecked_registries=(UncheckedRegistry("DCC Pilot", "HTTP 503"),),
        claims_name="Issuer U",
        claims_url="https://issuer.example",
        impersonation=Impersonation("Amazon Web Services", "near match", "warn"),
    )
    r = make_result("x", [passed("signature", "ok")], issuer=IssuerInfo(id="did:web:issuer.example", identity=identity))
    data = json.loads(json.dumps(r.to_dict()))
    ident = data["issuer"]["identity"]
    assert set(ident) == {"level", "proven", "how", "registries", "unchecked_registries", "claims", "impersonation"}
    assert ident["registries"][0] == {
        "name": "DCC Sandbox Registry",
        "entry": {"name": "Issuer U", "url": "https://issuer.example", "location": "Cambridge, MA"},
    }
    assert ident["claims"] == {"name": "Issuer U", "url": "https://issuer.example"}
    assert ident["impersonation"]["severity"] == "warn"
    assert result_from_dict(data).issuer.identity == identity
    assert result_from_dict(data).to_dict() == data


def test_a_stored_result_without_identity_reads_back_without_one() -> None:
    r = make_result("x", [passed("signature", "ok")], issuer=IssuerInfo(id="did:key:z6Mk"))
    data = r.to_dict()
    assert "identity" not in data["issuer"]
    assert result_from_dict(data).issuer.identity is None
    data["issuer"]["identity"] = {"level": "nonsense"}
    assert result_from_dict(data).issuer.identity is None
