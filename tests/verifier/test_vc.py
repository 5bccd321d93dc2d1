"""OB 3.0 / VC verification of JSON-LD credentials, presentations and CLRs (verifier.vc),
on fixtures signed with fixed keys (tests/fixtures/vc/make_fixtures.py)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fixtures.vc.serve import RECIPIENT, fetcher, load, session
from verifier.fetch import Fetcher
from verifier.models import Outcome, Status, VerificationResult
from verifier.pipeline import verify_input
from verifier.session import Session
from verifier.vc import verify_vc_json


@pytest.fixture
async def served() -> AsyncIterator[Fetcher]:
    f, _ = fetcher()
    async with f:
        yield f


async def verify(name: str, f: Fetcher, *, emails: tuple[str, ...] = ()) -> VerificationResult:
    doc: dict[str, Any] = load(name)
    return await verify_vc_json(doc, session(f, emails=emails), input=name)


def outcome(result: VerificationResult, check: str) -> str:
    c = result.check(check)
    assert c is not None, f"no {check} check in {[x.id for x in result.checks]}"
    return "error" if c.indeterminate else c.outcome.value


@pytest.mark.parametrize(
    "name",
    [
        "valid-eddsa-rdfc-2022.json",
        "valid-eddsa-jcs-2022.json",
        "valid-ecdsa-rdfc-2019-p256.json",
        "valid-ecdsa-rdfc-2019-p384.json",
        "valid-ecdsa-jcs-2019-p256.json",
        "valid-ecdsa-jcs-2019-p384.json",
        "valid-ed25519signature2020.json",
        "valid-vc11-eddsa-rdfc-2022.json",
    ],
)
async def test_credential_signed_by_issuers_key_verifies(name: str, served: Fetcher) -> None:
    result = await verify(name, served)
    assert result.status is Status.VERIFIED, result.reason
    assert result.format == "ob3"
    assert outcome(result, "signature") == "pass"
    assert "valid" in result.check("signature").message  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("tampered.json", "does not match"),
        ("wrong-key.json", "does not match"),
        ("not-issuers-key.json", "https://issuer.example/issuer"),
        ("unsigned.json", "no proof"),
        ("two-proofs-one-bad.json", "proof 2"),
    ],
)
async def test_bad_signature_fails(name: str, says: str, served: Fetcher) -> None:
    result = await verify(name, served)
    assert result.status is Status.FAILED
    assert outcome(result, "signature") == "fail"
    assert says in result.check("signature").message  # type: ignore[union-attr]


async def test_each_proof_is_reported(served: Fetcher) -> None:
    result = await verify("two-proofs-one-bad.json", served)
    message = result.check("signature").message  # type: ignore[union-attr]
    assert "proof 1 (eddsa-rdfc-2022, https://issuer.example/issuer#key-ed25519): valid" in message
    assert "proof 2 (eddsa-rdfc-2022" in message
    assert "invalid" in message


async def test_unreachable_key_is_an_error_not_a_failure(served: Fetcher) -> None:
    result = await verify("key-unreachable.json", served)
    assert result.status is Status.ERROR
    assert outcome(result, "signature") == "error"
    assert "down.example" in result.reason


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("expired.json", "expired: validUntil 2025-01-01"),
        ("vc11-expired.json", "expired: expirationDate 2025-01-01"),
        ("not-yet-valid.json", "not valid until validFrom 2030-01-01"),
    ],
)
async def test_outside_validity_period_fails_expiry(name: str, says: str, served: Fetcher) -> None:
    result = await verify(name, served)
    assert result.status is Status.FAILED
    assert outcome(result, "expiry") == "fail"
    assert says in result.reason
    assert outcome(result, "signature") == "pass"


async def test_validity_is_judged_at_session_now(served: Fetcher) -> None:
    from datetime import UTC, datetime

    doc = load("expired.json")
    before = Session(fetcher=served, now=datetime(2024, 6, 1, tzinfo=UTC))
    result = await verify_vc_json(doc, before, input="expired.json")
    assert result.status is Status.VERIFIED
    assert result.expires == "2025-01-01T00:00:00Z"


async def test_credential_with_an_unknown_context_cannot_be_interpreted(served: Fetcher) -> None:
    result = await verify("unknown-context.json", served)
    assert result.status is Status.ERROR
    assert outcome(result, "structure") == "error"
    assert "https://contexts.example/badges/v1" in result.reason
    assert outcome(result, "signature") == "skip"


async def test_undefined_term_is_a_conformance_warning_not_the_reason_for_the_verdict(served: Fetcher) -> None:
    result = await verify("undefined-term.json", served)  # unsigned: it fails on that, not on the term
    assert outcome(result, "structure") in ("pass", "warn")  # warn: the VC 1.1 model
    assert outcome(result, "conformance") == "warn"
    assert "favouriteColour" in result.check("conformance").message  # type: ignore[union-attr]
    assert result.status is Status.FAILED
    assert result.reason == result.check("signature").message  # type: ignore[union-attr]


async def test_structure_requires_issuer_subject_and_base_context(served: Fetcher) -> None:
    # Without these the document cannot be read as a credential: error, never an accusation.
    base = load("unsigned.json")
    cases = {
        "no issuer": {k: v for k, v in base.items() if k != "issuer"},
        "no subject": {k: v for k, v in base.items() if k != "credentialSubject"},
        "no base context": {**base, "@context": base["@context"][1:]},
        "not a VC": {**base, "type": ["OpenBadgeCredential"]},
    }
    for label, doc in cases.items():
        result = await verify_vc_json(doc, session(served), input=label)
        assert result.status is Status.ERROR, label
        assert outcome(result, "structure") == "error", label


async def test_recipient_matches_salted_hash(served: Fetcher) -> None:
    result = await verify("valid-eddsa-rdfc-2022.json", served, emails=("someone@else.org", RECIPIENT.upper()))
    assert result.status is Status.VERIFIED
    assert result.recipient_match is True
    assert outcome(result, "recipient") == "pass"


async def test_wrong_recipient_fails(served: Fetcher) -> None:
    result = await verify("valid-eddsa-rdfc-2022.json", served, emails=("mallory@example.org",))
    assert result.status is Status.FAILED
    assert result.recipient_match is False
    assert outcome(result, "recipient") == "fail"


async def test_no_email_skips_recipient(served: Fetcher) -> None:
    result = await verify("valid-eddsa-rdfc-2022.json", served)
    assert result.recipient_match is None
    assert outcome(result, "recipient") == "skip"


async def test_credential_without_identifier_cannot_be_matched(served: Fetcher) -> None:
    doc = load("valid-eddsa-rdfc-2022.json")
    del doc["credentialSubject"]["identifier"]
    doc["credentialSubject"]["id"] = "did:example:ebfeb1f712ebc6f1c276e12ec21"
    doc["proof"] = []  # unsigned copy: the recipient step is independent of the proof
    result = await verify_vc_json(doc, session(served, emails=(RECIPIENT,)), input="no-identifier")
    assert result.recipient_match is None
    check = result.check("recipient")
    assert check is not None
    assert check.outcome is Outcome.SKIP
    assert "cannot be checked" in check.message


async def test_mailto_subject_id_is_a_plain_email_recipient(served: Fetcher) -> None:
    doc = load("unsigned.json")
    del doc["credentialSubject"]["identifier"]
    doc["credentialSubject"]["id"] = f"mailto:{RECIPIENT}"
    matched = await verify_vc_json(doc, session(served, emails=(RECIPIENT,)), input="mailto")
    other = await verify_vc_json(doc, session(served, emails=("eve@example.org",)), input="mailto")
    assert (matched.recipient_match, other.recipient_match) == (True, False)


async def test_issuer_achievement_dates_and_skills_are_reported(served: Fetcher) -> None:
    result = await verify("valid-eddsa-rdfc-2022.json", served)
    assert result.issuer.id == "https://issuer.example/issuer"
    assert result.issuer.name == "Example Institute"
    assert result.issuer.url == "https://issuer.example"
    assert result.issuer.email == "badges@issuer.example"
    a = result.achievement
    assert (a.id, a.name) == ("https://issuer.example/achievements/data-analysis", "Data Analysis")
    assert a.criteria == "Passed the practical assessment."
    assert a.image == "https://issuer.example/images/data-analysis.png"
    assert (a.achievement_type, a.credits_available) == ("Certificate", 3.0)
    assert result.issued_on == "2024-01-01T00:00:00Z"
    assert result.expires is None
    assert result.credential_id == "https://issuer.example/credentials/valid-eddsa-rdfc-2022"
    by_source = {(s.source, s.name): s for s in result.skills}
    alignment = by_source[("alignment", "Data analysis")]
    assert (alignment.framework, alignment.code, alignment.target_type) == (
        "Example Skills Framework",
        "DA-1",
        "ceasn:Competency",
    )
    assert alignment.url == "https://skills.example/framework/data-analysis"
    assert ("tag", "SQL") in by_source
    assert ("tag", "Statistics") in by_source
    assert by_source[("result", "Statistical inference")].code == "ST-2"
    assert result.document["id"] == result.credential_id


async def test_competency_achievement_is_itself_a_skill(served: Fetcher) -> None:
    doc = load("unsigned.json")
    doc["credentialSubject"]["achievement"]["achievementType"] = "Competency"
    result = await verify_vc_json(doc, session(served), input="competency")
    assert any(s.source == "achievementType" and s.name == "Data Analysis" for s in result.skills)


async def test_endorsements_in_the_issuer_profile_are_verified_and_reported(served: Fetcher) -> None:
    result = await verify("endorsed.json", served)
    assert result.status is Status.VERIFIED  # endorsements inform, they do not decide
    statuses = [e.status for e in result.issuer.endorsements]
    assert statuses == [Status.VERIFIED, Status.FAILED, Status.FAILED]
    good, bad, misplaced = result.issuer.endorsements
    assert good.issuer.name == "Quality Council"
    assert outcome(bad, "signature") == "fail"
    assert outcome(misplaced, "signature") == "pass"
    assert "about https://other.example/issuer" in misplaced.reason
    assert "endorsements" in result.to_dict()["issuer"]


async def test_endorsement_jwt_on_the_achievement_is_verified(served: Fetcher) -> None:
    result = await verify("endorsed-achievement.json", served)
    assert result.status is Status.VERIFIED, result.reason
    assert [e.status for e in result.issuer.endorsements] == [Status.VERIFIED]
    assert result.issuer.endorsements[0].credential_id == "urn:uuid:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


async def test_presentation_signed_by_someone_other_than_its_holder_fails(served: Fetcher) -> None:
    result = await verify("presentation-wrong-holder.json", served)
    assert result.status is Status.FAILED
    assert outcome(result, "signature") == "fail"


async def test_presentation_yields_one_result_per_credential(served: Fetcher) -> None:
    result = await verify("presentation.json", served)
    assert result.format == "presentation"
    assert result.status is Status.VERIFIED, result.reason
    assert [m.status for m in result.credentials] == [Status.VERIFIED, Status.VERIFIED]
    assert outcome(result, "signature") == "pass"
    assert outcome(result, "credentials") == "pass"
    assert result.credentials[1].credential_id == "https://issuer.example/credentials/in-presentation-jwt"


async def test_presentation_with_a_revoked_credential_fails_and_says_which(served: Fetcher) -> None:
    result = await verify("presentation-with-revoked.json", served)
    assert result.status is Status.FAILED
    assert [m.status for m in result.credentials] == [Status.VERIFIED, Status.FAILED]
    assert outcome(result, "credentials") == "fail"
    assert "#2" in result.reason
    assert "revoked" in result.reason


async def test_tampered_presentation_fails_on_its_own_proof(served: Fetcher) -> None:
    result = await verify("presentation-tampered.json", served)
    assert result.status is Status.FAILED
    assert outcome(result, "signature") == "fail"
    assert all(m.status is Status.VERIFIED for m in result.credentials)


async def test_unsigned_presentation_rests_on_its_members(served: Fetcher) -> None:
    doc = load("presentation.json")
    del doc["proof"]
    result = await verify_vc_json(doc, session(served), input="unsigned-vp")
    assert outcome(result, "signature") == "skip"
    assert result.status is Status.VERIFIED
    empty = await verify_vc_json({**doc, "verifiableCredential": []}, session(served), input="empty-vp")
    assert empty.status is Status.ERROR  # nothing to verify, which is not evidence against anyone


async def test_clr_yields_its_achievement_credentials(served: Fetcher) -> None:
    result = await verify("clr.json", served, emails=(RECIPIENT,))
    assert result.format == "clr"
    assert result.status is Status.VERIFIED, result.reason
    assert outcome(result, "signature") == "pass"
    assert [m.achievement.name for m in result.credentials] == ["Data Analysis", "Machine Learning"]
    assert all(m.recipient_match is True for m in result.credentials)


async def test_clr_with_a_tampered_member_fails(served: Fetcher) -> None:
    doc = load("clr.json")
    doc["credentialSubject"]["verifiableCredential"][1]["name"] = "Changed"
    doc["proof"] = []  # the CLR's own proof no longer covers it either
    result = await verify_vc_json(doc, session(served), input="clr-tampered")
    assert result.status is Status.FAILED
    assert result.credentials[1].status is Status.FAILED


async def test_pipeline_routes_a_credential_file_to_vc(served: Fetcher) -> None:
    from tests.fixtures.vc.serve import CREDENTIALS

    result = await verify_input(str(CREDENTIALS / "valid-eddsa-jcs-2022.json"), session(served))
    assert result.status is Status.VERIFIED
    assert result.to_dict()["format"] == "ob3"


async def test_trust_list_deny_fails_issuer(served: Fetcher) -> None:
    from verifier.trust import TrustList

    s = session(served)
    s.trust = TrustList(deny=("issuer.example",))
    result = await verify_vc_json(load("valid-eddsa-rdfc-2022.json"), s, input="denied")
    assert result.status is Status.FAILED
    assert outcome(result, "issuer") == "fail"
    assert result.issuer.trust == "deny"


async def test_container_never_verifies_members_it_left_out(served: Fetcher, monkeypatch: pytest.MonkeyPatch) -> None:
    from verifier import vc

    monkeypatch.setattr(vc, "MAX_MEMBERS", 1)
    doc = load("presentation.json")
    del doc["proof"]
    result = await verify_vc_json(doc, session(served), input="too-many")
    assert result.status is Status.ERROR
    assert len(result.credentials) == 2
    assert "1 more credentials were not verified" in result.credentials[1].reason


async def test_nesting_is_bounded(served: Fetcher) -> None:
    doc: dict[str, Any] = load("presentation.json")
    del doc["proof"]
    for _ in range(6):
        doc = {**doc, "verifiableCredential": [doc]}
    result = await verify_vc_json(doc, session(served), input="nested")
    assert result.status is Status.ERROR
    assert "nested too deeply" in json.dumps(result.to_dict())


async def test_results_serialise_to_the_contract_form(served: Fetcher) -> None:
    from verifier.models import result_from_dict

    result = await verify("presentation.json", served)
    data = json.loads(json.dumps(result.to_dict(include_document=True)))
    assert data["format"] == "presentation"
    assert [c["status"] for c in data["credentials"]] == ["verified", "verified"]
    assert result_from_dict(data).credentials[0].skills == result.credentials[0].skills


async def test_enveloped_credentials_of_unsupported_kinds_are_errors_not_failures(served: Fetcher) -> None:
    doc = load("presentation.json")
    del doc["proof"]
    token = doc["verifiableCredential"][1]["id"].split(",", 1)[1]
    doc["verifiableCredential"] = [
        {"@context": "https://www.w3.org/ns/credentials/v2", "type": "EnvelopedVerifiableCredential", "id": data}
        for data in (
            "data:application/vc+sd-jwt,eyJ.x.y",
            "data:application/vc+jwt;base64," + base64.b64encode(token.encode()).decode(),
        )
    ]
    result = await verify_vc_json(doc, session(served), input="enveloped")
    assert [m.status for m in result.credentials] == [Status.ERROR, Status.VERIFIED]
    assert "not supported" in result.credentials[0].reason


async def test_ob3_credential_in_the_vc11_model_verifies_with_a_structure_warning(served: Fetcher) -> None:
    result = await verify("valid-vc11-eddsa-rdfc-2022.json", served)
    assert result.status is Status.VERIFIED
    assert outcome(result, "structure") == "warn"
    assert "VC 1.1" in result.check("structure").message  # type: ignore[union-attr]
