"""Data Integrity proofs on the signed fixtures of tests/fixtures/di (see its make_fixtures.py).

Every case names its expected outcome in cases.json; controller documents are
served from tests/fixtures/di/served through httpx.MockTransport.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES
from verifier import keys
from verifier.errors import ProofError
from verifier.fetch import Fetcher
from verifier.proofs import Problem, sign, verify_proofs
from verifier.session import Session

DI = FIXTURES / "di"
CASES = json.loads((DI / "cases.json").read_text("utf-8"))
NOW = datetime.fromisoformat(CASES["now"])
KEYS = json.loads((DI / "keys.json").read_text("utf-8"))


def served_transport(directory: Path = DI) -> httpx.MockTransport:
    """A transport serving the controller documents listed in served.json; 404 otherwise."""
    served = json.loads((directory / "served.json").read_text("utf-8"))

    def handler(request: httpx.Request) -> httpx.Response:
        name = served.get(str(request.url))
        if name is None:
            return httpx.Response(404)
        return httpx.Response(
            200, content=(directory / name).read_bytes(), headers={"content-type": "application/json"}
        )

    return httpx.MockTransport(handler)


@pytest.fixture
async def session() -> AsyncIterator[Session]:
    async with Fetcher(transport=served_transport()) as fetcher:
        yield Session(fetcher=fetcher, now=NOW)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DI / name).read_text("utf-8"))
    return data


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
async def test_signed_fixture_gives_expected_outcome(case: dict[str, Any], session: Session) -> None:
    reports = await verify_proofs(load(case["file"]), session, issuer_id=case["issuer"])
    assert reports, "every fixture carries at least one proof"
    # for a chain or set the case's verdict is the last proof's; every other proof of a valid case is valid too
    last = reports[-1]
    assert (last.valid, last.problem) == (case["valid"], case["problem"]), last.message
    if case["valid"] is True:
        assert all(r.valid is True for r in reports)
        assert all(r.key_binding == "controller" for r in reports)


async def test_valid_proof_report_names_suite_key_and_controller(session: Session) -> None:
    doc = load("credentials/ecdsa-rdfc-2019-p384-valid.json")
    [report] = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"])
    assert report.valid is True
    assert report.cryptosuite == "ecdsa-rdfc-2019"
    assert report.verification_method == doc["proof"]["verificationMethod"]
    assert report.controller == doc["issuer"]["id"]
    assert report.created == doc["proof"]["created"]
    assert report.signature_valid is True


async def test_someone_elses_valid_key_is_a_determinate_binding_failure(session: Session) -> None:
    doc = load("credentials/eddsa-rdfc-2022-not-issuers-key.json")
    [report] = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"])
    assert report.signature_valid is True
    assert report.valid is False
    assert report.problem == Problem.BINDING
    assert f"not controlled by the issuer {doc['issuer']['id']}" in report.message


async def test_unreachable_key_is_indeterminate_not_invalid(session: Session) -> None:
    doc = load("credentials/https-unreachable.json")
    [report] = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"])
    assert report.valid is None
    assert "could not be resolved" in report.message


async def test_rdfc_proof_over_a_document_with_an_undefined_term_names_what_it_does_not_secure(
    session: Session,
) -> None:
    # Data Integrity 1.0 §2.4.3: RDF canonicalization drops an undefined term, so a
    # term added after signing leaves the proof intact and is not secured by it.
    doc = load("credentials/v1-context-valid.json")
    doc["credentialSubject"]["favouriteColour"] = "teal"
    [report] = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"])
    assert report.valid is True
    assert report.unsigned_terms == ("favouriteColour",)
    assert "without its undefined terms favouriteColour" in report.message


async def test_rdfc_proof_that_does_not_hold_without_the_undefined_terms_is_never_valid(session: Session) -> None:
    # The rest was changed: the proof does not hold over the lossy reading. How the
    # signer read the undefined term is unknown, so this is an error (Data Integrity
    # 1.0 §2.4.3, DATA_LOSS_DETECTION_ERROR), never valid.
    doc = load("credentials/v1-context-valid.json")
    doc["credentialSubject"]["favouriteColour"] = "teal"
    doc["credentialSubject"]["achievement"]["name"] = "Advanced Data Science"
    [report] = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"])
    assert report.valid is None
    assert report.problem == Problem.STRUCTURE
    assert "favouriteColour" in report.message
    del doc["credentialSubject"]["favouriteColour"]  # the same tampering with every term defined
    [report] = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"])
    assert report.valid is False
    assert report.problem == Problem.SIGNATURE


async def test_unknown_context_is_named_in_the_report(session: Session) -> None:
    doc = load("credentials/unknown-context.json")
    [report] = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"])
    assert report.valid is None  # cannot be canonicalized: not evidence against the proof
    assert "https://contexts.example/unknown.jsonld" in report.message


async def test_document_without_proof_gives_no_reports(session: Session) -> None:
    doc = load("credentials/eddsa-rdfc-2022-valid.json")
    del doc["proof"]
    assert await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"]) == []


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda p: p.pop("verificationMethod"), Problem.MALFORMED),
        (lambda p: p.update(proofValue="u" + p["proofValue"][1:]), Problem.MALFORMED),
        (lambda p: p.update(proofValue=42), Problem.MALFORMED),
        (lambda p: p.update(created="yesterday"), Problem.CREATED),
        (lambda p: p.update(verificationMethod="z6MkNotAUrl"), Problem.MALFORMED),
        (lambda p: p.update(type="SomeProofType"), Problem.UNSUPPORTED),
    ],
    ids=["no-method", "base64-proof-value", "numeric-proof-value", "bad-created", "method-not-url", "unknown-type"],
)
async def test_malformed_proofs_are_reported_never_raised(mutate: Any, problem: str, session: Session) -> None:
    doc = load("credentials/eddsa-rdfc-2022-valid.json")
    mutate(doc["proof"])
    [report] = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"])
    assert report.valid is not True
    assert report.problem == problem


@pytest.mark.parametrize("bad", [None, 7, "proof", [1, "x"], {"type": None}])
async def test_garbage_proof_values_never_raise(bad: Any, session: Session) -> None:
    doc = load("credentials/eddsa-rdfc-2022-valid.json")
    doc["proof"] = bad
    reports = await verify_proofs(doc, session, issuer_id="did:example:x")
    assert all(r.valid is not True for r in reports)


async def test_wrong_expected_purpose_fails(session: Session) -> None:
    doc = load("credentials/eddsa-rdfc-2022-valid.json")
    [report] = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"], purpose="authentication")
    assert report.problem == Problem.PURPOSE


async def test_no_issuer_checks_the_proof_but_not_the_binding(session: Session) -> None:
    doc = load("credentials/eddsa-rdfc-2022-not-issuers-key.json")
    [report] = await verify_proofs(doc, session, issuer_id=None)
    assert report.valid is True
    assert report.key_binding is None


async def test_resolved_documents_are_fetched_once_per_batch(session: Session) -> None:
    doc = load("credentials/https-multikey.json")
    for _ in range(3):
        [report] = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"])
        assert report.valid is True
    assert session.fetcher.stats.requests == 1


def test_sign_adds_a_proof_without_touching_the_input() -> None:
    doc = load("credentials/eddsa-rdfc-2022-valid.json")
    del doc["proof"]
    before = copy.deepcopy(doc)
    key = keys.private_key_from_multikey(KEYS["ed25519-a"]["secretKeyMultibase"])
    signed = sign(
        doc,
        private_key=key,
        verification_method="did:key:x#x",
        cryptosuite="eddsa-jcs-2022",
        created="2025-01-01T00:00:00Z",
    )
    assert doc == before
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert signed["proof"]["proofValue"].startswith("z")


def test_sign_refuses_an_unknown_cryptosuite() -> None:
    key = keys.private_key_from_multikey(KEYS["ed25519-a"]["secretKeyMultibase"])
    with pytest.raises(ProofError):
        sign(
            {}, private_key=key, verification_method="did:key:x", cryptosuite="rsa-2099", created="2025-01-01T00:00:00Z"
        )


def test_sign_refuses_a_key_of_the_wrong_family() -> None:
    key = keys.private_key_from_multikey(KEYS["p256-a"]["secretKeyMultibase"])
    with pytest.raises(ProofError):
        sign(
            {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]},
            private_key=key,
            verification_method="did:key:x",
            cryptosuite="eddsa-jcs-2022",
            created="2025-01-01T00:00:00Z",
        )


async def test_proof_context_that_is_not_a_prefix_of_the_documents_fails(session: Session) -> None:
    doc = load("credentials/eddsa-jcs-2022-valid.json")
    doc["proof"]["@context"] = ["https://www.w3.org/ns/credentials/examples/v2"]
    [report] = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"])
    assert report.valid is False
    assert report.problem == Problem.MALFORMED


async def test_expected_challenge_and_domain_must_match(session: Session) -> None:
    doc = load("credentials/eddsa-rdfc-2022-valid.json")
    del doc["proof"]
    key = keys.private_key_from_multikey(KEYS["ed25519-a"]["secretKeyMultibase"])
    signed = sign(
        doc,
        private_key=key,
        verification_method=f"{KEYS['ed25519-a']['didKey']}#{KEYS['ed25519-a']['publicKeyMultibase']}",
        cryptosuite="eddsa-rdfc-2022",
        created="2025-01-01T00:00:00Z",
        purpose="authentication",
        domain="https://employer.example",
        challenge="n-0S6_WzA2Mj",
    )
    issuer = KEYS["ed25519-a"]["didKey"]
    [ok] = await verify_proofs(
        signed,
        session,
        issuer_id=issuer,
        purpose="authentication",
        domain="https://employer.example",
        challenge="n-0S6_WzA2Mj",
    )
    assert ok.valid is True, ok.message
    [replayed] = await verify_proofs(signed, session, issuer_id=issuer, purpose="authentication", challenge="other")
    assert replayed.valid is False
    assert "challenge" in replayed.message


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(
        [
            "type",
            "cryptosuite",
            "created",
            "expires",
            "proofPurpose",
            "proofValue",
            "verificationMethod",
            "previousProof",
            "@context",
            "id",
        ]
    ),
    value=JSON_VALUES,
)
async def test_any_proof_field_value_is_reported_and_never_verifies_unless_unchanged(
    field: str, value: Any, session: Session
) -> None:
    doc = load("credentials/eddsa-rdfc-2022-valid.json")
    original = doc["proof"].get(field, object())
    doc["proof"][field] = value
    [report] = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"])
    if report.valid is True:
        # JSON-LD reads a null as absent: a null optional field changes nothing that is signed
        assert value == original or (value is None and field in ("id", "previousProof"))


async def test_document_that_cannot_be_canonicalized_is_judged_before_the_key_is_fetched(session: Session) -> None:
    doc = load("credentials/https-unreachable.json")
    doc["@context"].append("https://contexts.example/unknown.jsonld")
    [report] = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"])
    assert report.valid is None
    assert report.problem == Problem.STRUCTURE
    assert session.fetcher.stats.requests == 0


async def test_crafted_graph_with_many_proofs_spends_one_canonicalization_budget(session: Session) -> None:
    doc = load("credentials/eddsa-rdfc-2022-valid.json")
    size = 10  # blank nodes that all point at one another: canonicalization's worst case
    doc["credentialSubject"]["@graph"] = [
        {"@id": f"_:n{i}", "https://example.org/p": [{"@id": f"_:n{j}"} for j in range(size) if j != i]}
        for i in range(size)
    ]
    doc["proof"] = [doc["proof"]] * 8
    start = time.monotonic()
    reports = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"])
    assert time.monotonic() - start < 2.0
    assert [r.problem for r in reports] == [Problem.STRUCTURE] * 8
