"""Data-model findings are warnings of the ``conformance`` check, never the reason for
``failed`` (verifier.ob3 / verifier.vc); VCs are routed by context and proof
(verifier.pipeline). Every relaxed rule is shown not to let a tampered or
foreign-signed credential through."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fixtures.vc import make_fixtures as mk
from tests.fixtures.vc.serve import fetcher, session
from verifier.fetch import Fetcher
from verifier.models import Status, VerificationResult
from verifier.pipeline import classify_json, verify_input
from verifier.proofs import suites
from verifier.vc import verify_vc_json

DCC_V1 = "https://w3id.org/dcc/v1"
OTHER_DID, OTHER_VM = mk.did_key(mk.OTHER_ED)


@pytest.fixture
async def served() -> AsyncIterator[Fetcher]:
    f, _ = fetcher()
    async with f:
        yield f


async def verify(doc: dict[str, Any], f: Fetcher, *, emails: tuple[str, ...] = ()) -> VerificationResult:
    return await verify_vc_json(doc, session(f, emails=emails), input="conformance")


def outcome(result: VerificationResult, check: str) -> str:
    c = result.check(check)
    assert c is not None, f"no {check} check in {[x.id for x in result.checks]}"
    return "error" if c.indeterminate else c.outcome.value


def anonymous() -> dict[str, Any]:
    """An OB 3.0 credential whose subject has neither id nor identifier (as DCC's tools issue them)."""
    doc = mk.credential("anonymous")
    del doc["credentialSubject"]["identifier"]
    return doc


def plain_vc_with_ob_context() -> dict[str, Any]:
    """A plain VC that loads the OB 3.0 context without an OB type."""
    doc = mk.credential("plain")
    doc["type"] = ["VerifiableCredential"]
    return doc


RELAXED = {"anonymous subject": anonymous, "plain VC with the OB context": plain_vc_with_ob_context}


@pytest.mark.parametrize("build", RELAXED.values(), ids=RELAXED.keys())
async def test_data_model_finding_is_a_conformance_warning(build: Any, served: Fetcher) -> None:
    result = await verify(mk.signed(build()), served)
    assert result.status is Status.VERIFIED, result.reason
    assert outcome(result, "structure") == "pass"
    assert outcome(result, "conformance") == "warn"
    assert outcome(result, "signature") == "pass"


async def test_anonymous_subject_leaves_the_recipient_unchecked_not_failed(served: Fetcher) -> None:
    result = await verify(mk.signed(anonymous()), served, emails=(mk.RECIPIENT_EMAIL,))
    assert result.status is Status.VERIFIED
    assert outcome(result, "recipient") == "skip"
    assert result.recipient_match is None
    assert "neither an id nor an identifier" in result.check("conformance").message  # type: ignore[union-attr]


@pytest.mark.parametrize("build", RELAXED.values(), ids=RELAXED.keys())
async def test_tampered_variant_still_fails(build: Any, served: Fetcher) -> None:
    doc = mk.signed(build())
    doc["credentialSubject"]["achievement"]["name"] = "Advanced Data Science"
    result = await verify(doc, served)
    assert result.status is Status.FAILED
    assert outcome(result, "signature") == "fail"


@pytest.mark.parametrize("build", RELAXED.values(), ids=RELAXED.keys())
async def test_foreign_signed_variant_still_fails(build: Any, served: Fetcher) -> None:
    # Signed by a did:key that is not the issuer's: a valid signature by the wrong key.
    doc = mk.signed(build(), key=mk.OTHER_ED, vm=OTHER_VM)
    result = await verify(doc, served)
    assert result.status is Status.FAILED
    assert outcome(result, "signature") == "fail"


async def test_well_formed_credential_passes_conformance(served: Fetcher) -> None:
    result = await verify(mk.signed(mk.credential("plain-ok")), served)
    assert result.status is Status.VERIFIED
    assert outcome(result, "conformance") == "pass"


# -- undefined terms and what a proof secures --------------------------------------------


@pytest.fixture
def signed_with_undefined(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Sign as a processor that drops undefined terms silently (not in safe mode) does."""

    def make(doc: dict[str, Any]) -> dict[str, Any]:
        real = suites.canonical
        with monkeypatch.context() as m:
            m.setattr(suites, "canonical", lambda suite, data, **kw: real(suite, data, **{**kw, "strict": False}))
            return mk.signed(doc)

    return make


async def test_undefined_term_the_result_does_not_use_warns_that_the_proof_does_not_secure_it(
    signed_with_undefined: Any, served: Fetcher
) -> None:
    doc = mk.credential("undefined-extra")
    doc["credentialSubject"]["favouriteColour"] = "green"
    result = await verify(signed_with_undefined(doc), served)
    assert result.status is Status.VERIFIED, result.reason
    assert outcome(result, "signature") == "warn"
    assert "favouriteColour, which it does not secure" in result.check("signature").message  # type: ignore[union-attr]
    assert outcome(result, "conformance") == "warn"


async def test_undefined_term_added_after_signing_is_named_not_secured(served: Fetcher) -> None:
    doc = mk.signed(mk.credential("added-later"))
    doc["credentialSubject"]["favouriteColour"] = "green"  # no context defines it: not covered
    result = await verify(doc, served)
    assert result.status is Status.VERIFIED, result.reason
    assert outcome(result, "signature") == "warn"


async def test_undefined_term_with_the_rest_tampered_is_never_verified(served: Fetcher) -> None:
    # Data Integrity 1.0 §2.4.3: the proof does not hold over the lossy reading, and how
    # the signer read the undefined term is unknown: error (DATA_LOSS_DETECTION_ERROR).
    doc = mk.signed(mk.credential("added-and-tampered"))
    doc["credentialSubject"]["favouriteColour"] = "green"
    doc["credentialSubject"]["achievement"]["name"] = "Advanced Data Science"
    result = await verify(doc, served)
    assert result.status is Status.ERROR
    assert outcome(result, "signature") == "error"
    del doc["credentialSubject"]["favouriteColour"]
    assert (await verify(doc, served)).status is Status.FAILED  # the same tampering, every term defined


async def test_undefined_term_the_result_shows_makes_the_signature_indeterminate(
    signed_with_undefined: Any, served: Fetcher
) -> None:
    # A plain VC 1.1 credential without the OB context: "achievement" and everything in
    # it are undefined, dropped from the signed dataset, and could be rewritten at will.
    doc = mk.vc1_credential("vc11-no-ob-context")
    doc["@context"] = [c for c in doc["@context"] if "imsglobal" not in c]
    doc["type"] = ["VerifiableCredential"]
    signed = signed_with_undefined(doc)
    result = await verify(signed, served)
    assert result.status is Status.ERROR
    assert outcome(result, "signature") == "error"
    assert "achievement" in result.check("signature").message  # type: ignore[union-attr]
    forged = copy.deepcopy(signed)
    forged["credentialSubject"]["achievement"]["name"] = "Chief Surgeon"
    assert (await verify(forged, served)).status is not Status.VERIFIED


async def test_status_entry_outside_the_contexts_cannot_establish_revocation(
    signed_with_undefined: Any, served: Fetcher
) -> None:
    # StatusList2021Entry in a VC 2.0 credential without the status list context: the
    # entry's index is not secured, so it could point anywhere.
    doc = mk.credential("sl2021-in-v2")
    doc["credentialStatus"] = mk.sl2021_entry("sl2021-revocation", "revocation", mk.GOOD_INDEX)
    signed = signed_with_undefined(doc)
    result = await verify(signed, served)
    assert result.status is Status.ERROR
    assert outcome(result, "signature") == "warn"
    assert outcome(result, "revocation") == "error"
    assert "statusListIndex" in result.check("revocation").message  # type: ignore[union-attr]


# -- routing -----------------------------------------------------------------------------


def dcc_assertion() -> dict[str, Any]:
    """A VC typed in the Digital Credentials Consortium's vocabulary, ["VerifiableCredential",
    "Assertion"], shaped as the Learner Credential Wallet's own example (app/mock/credential.ts)."""
    return {
        "@context": [mk.VC1, DCC_V1, mk.DI2],
        "type": ["VerifiableCredential", "Assertion"],
        "issuer": {"id": mk.ISSUER, "name": "Example Institute"},
        "issuanceDate": mk.VALID_FROM,
        "credentialSubject": {
            "id": "did:example:learner",
            "name": "Ada Lovelace",
            "hasCredential": {"type": ["EducationalOccupationalCredential"], "name": "GT Guide"},
        },
    }


def test_a_vc_typed_assertion_is_routed_as_a_vc_and_an_ob2_assertion_as_ob2() -> None:
    assert classify_json(mk.signed(dcc_assertion())) == "vc"
    assert classify_json({"type": ["VerifiableCredential", "Assertion"], "proof": {}}) == "vc"
    ob2 = {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": "https://x.example/a"}
    assert classify_json(ob2) == "ob2"
    assert classify_json({"type": "Assertion", "badge": "https://x.example/b", "recipient": {}}) == "ob2"


async def test_dcc_typed_vc_verifies_through_the_pipeline() -> None:
    f, _ = fetcher()
    async with f:
        data = json.dumps(mk.signed(dcc_assertion())).encode()
        result = await verify_input(_item(data), session(f))
    assert result.status is Status.VERIFIED, result.reason
    assert result.format in ("vc", "ob3")
    assert result.check("hosted") is None  # not the OB 2.0 hosted path


async def test_tampered_dcc_typed_vc_fails_through_the_pipeline() -> None:
    doc = mk.signed(dcc_assertion())
    doc["credentialSubject"]["hasCredential"]["name"] = "Chief Surgeon"
    f, _ = fetcher()
    async with f:
        result = await verify_input(_item(json.dumps(doc).encode()), session(f))
    assert result.status is Status.FAILED
    assert outcome(result, "signature") == "fail"


def _item(data: bytes) -> Any:
    from verifier.pipeline import BadgeInput

    return BadgeInput("dcc.json", data=data, filename="dcc.json")


# -- what cannot be interpreted is error ---------------------------------------------------


async def test_unclassifiable_json_is_an_error_not_a_failure() -> None:
    f, _ = fetcher()
    async with f:
        result = await verify_input(_item(b'{"hello": "world"}'), session(f))
    assert result.status is Status.ERROR
