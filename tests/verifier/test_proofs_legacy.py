"""Ed25519Signature2018 (detached JWS) on real credentials and on forgeries of them.

The real credentials are the Jobs for the Future plugfest badges in
tests/fixtures/legacy (see its provenance.json); their issuers are did:key,
so they verify offline.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.conftest import FIXTURES
from verifier import keys
from verifier.fetch import Fetcher
from verifier.proofs import Problem, sign, suites, verify_proofs
from verifier.session import Session

LEGACY = FIXTURES / "legacy"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
REAL_2018 = ["jff-plugfest-1-ex-1.json", "jff-plugfest-3-signed-badge.json"]


@pytest.fixture
async def session() -> AsyncIterator[Session]:
    async with Fetcher(transport=httpx.MockTransport(lambda r: httpx.Response(404))) as fetcher:
        yield Session(fetcher=fetcher, now=NOW)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((LEGACY / name).read_text("utf-8"))
    return data


def issuer_of(doc: dict[str, Any]) -> str:
    issuer = doc["issuer"]
    return issuer["id"] if isinstance(issuer, dict) else issuer


@pytest.mark.parametrize("name", REAL_2018)
async def test_real_ed25519signature2018_credential_verifies(name: str, session: Session) -> None:
    doc = load(name)
    [report] = await verify_proofs(doc, session, issuer_id=issuer_of(doc))
    assert report.type == "Ed25519Signature2018"
    assert (report.valid, report.signature_valid, report.key_binding) == (True, True, "controller"), report.message
    assert "Ed25519Signature2018" in report.message


@pytest.mark.parametrize("name", REAL_2018)
@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["credentialSubject"]["achievement"].update(name="Quantum Surgeon"),
        lambda d: d.update(issuanceDate="2021-01-01T00:00:00Z"),
        lambda d: d["proof"].update(created="2022-01-01T00:00:00Z"),
        lambda d: d["credentialSubject"].update(id="did:example:someone-else"),
    ],
    ids=["achievement-name", "issuance-date", "proof-created", "subject"],
)
async def test_tampered_real_credential_fails(name: str, tamper: Any, session: Session) -> None:
    doc = load(name)
    tamper(doc)
    [report] = await verify_proofs(doc, session, issuer_id=issuer_of(doc))
    assert (report.valid, report.problem) == (False, Problem.SIGNATURE), report.message


def _resigned(doc: dict[str, Any], key: ed25519.Ed25519PrivateKey, vm: str) -> dict[str, Any]:
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    return sign(
        unsigned,
        private_key=key,
        verification_method=vm,
        cryptosuite="Ed25519Signature2018",
        created=doc["proof"]["created"],
    )


@pytest.mark.parametrize("name", REAL_2018)
async def test_foreign_signed_with_the_issuers_key_id_fails(name: str, session: Session) -> None:
    doc = load(name)
    forged = _resigned(doc, ed25519.Ed25519PrivateKey.generate(), doc["proof"]["verificationMethod"])
    [report] = await verify_proofs(forged, session, issuer_id=issuer_of(doc))
    assert (report.valid, report.problem) == (False, Problem.SIGNATURE), report.message


@pytest.mark.parametrize("name", REAL_2018)
async def test_foreign_signed_with_the_forgers_own_key_fails_binding(name: str, session: Session) -> None:
    doc = load(name)
    key = ed25519.Ed25519PrivateKey.generate()
    did = keys.did_key_from_public_key(key.public_key())
    forged = _resigned(doc, key, f"{did}#{did.removeprefix('did:key:')}")
    [report] = await verify_proofs(forged, session, issuer_id=issuer_of(doc))
    assert report.signature_valid is True
    assert (report.valid, report.problem) == (False, Problem.BINDING), report.message


async def test_sign_and_verify_round_trip(session: Session) -> None:
    doc = load("jff-plugfest-3-signed-badge.json")
    key = ed25519.Ed25519PrivateKey.generate()
    did = keys.did_key_from_public_key(key.public_key())
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    unsigned["issuer"] = {**doc["issuer"], "id": did}
    signed = _resigned({**unsigned, "proof": doc["proof"]}, key, f"{did}#{did.removeprefix('did:key:')}")
    assert signed["proof"]["jws"].count(".") == 2
    assert ".." in signed["proof"]["jws"]
    assert "proofValue" not in signed["proof"]
    [report] = await verify_proofs(signed, session, issuer_id=did)
    assert report.valid is True, report.message


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _header(obj: Any) -> str:
    return _b64(json.dumps(obj).encode())


@pytest.mark.parametrize(
    "jws",
    [
        None,
        42,
        "",
        "abc",
        _header({"alg": "EdDSA", "b64": False, "crit": ["b64"]}) + ".payload." + _b64(b"x" * 64),
        _header({"alg": "none", "b64": False, "crit": ["b64"]}) + ".." + _b64(b"x" * 64),
        _header({"alg": "HS256", "b64": False, "crit": ["b64"]}) + ".." + _b64(b"x" * 64),
        _header({"alg": "EdDSA", "b64": True, "crit": ["b64"]}) + ".." + _b64(b"x" * 64),
        _header({"alg": "EdDSA", "b64": False}) + ".." + _b64(b"x" * 64),
        _header({"alg": "EdDSA", "b64": False, "crit": ["b64"], "kid": "x"}) + ".." + _b64(b"x" * 64),
        _header(["EdDSA"]) + ".." + _b64(b"x" * 64),
        "!!!.." + _b64(b"x" * 64),
        _header({"alg": "EdDSA", "b64": False, "crit": ["b64"]}) + "..!!!",
        "x" * 5000,
    ],
    ids=[
        "missing",
        "number",
        "empty",
        "no-dots",
        "attached-payload",
        "alg-none",
        "alg-hmac",
        "b64-true",
        "b64-not-critical",
        "extra-header",
        "header-not-object",
        "header-not-base64",
        "signature-not-base64",
        "huge",
    ],
)
async def test_malformed_jws_is_refused(jws: Any, session: Session) -> None:
    doc = load("jff-plugfest-3-signed-badge.json")
    doc["proof"]["jws"] = jws
    [report] = await verify_proofs(doc, session, issuer_id=issuer_of(doc))
    assert (report.valid, report.problem) == (False, Problem.MALFORMED), report.message


async def test_a_signature_moved_to_proofvalue_is_not_accepted(session: Session) -> None:
    doc = load("jff-plugfest-3-signed-badge.json")
    proof = doc["proof"]
    _, signature = suites.parse_detached_jws(proof.pop("jws"))
    proof["proofValue"] = keys.multibase_encode(signature)
    [report] = await verify_proofs(doc, session, issuer_id=issuer_of(doc))
    assert (report.valid, report.problem) == (False, Problem.MALFORMED), report.message


async def test_the_header_segment_is_signed(session: Session) -> None:
    # the same header with its keys in another order is another signing input
    doc = load("jff-plugfest-3-signed-badge.json")
    header, _, signature = doc["proof"]["jws"].split(".")
    reordered = _header({"alg": "EdDSA", "b64": False, "crit": ["b64"]})
    assert reordered != header
    forged = copy.deepcopy(doc)
    forged["proof"]["jws"] = f"{reordered}..{signature}"
    [report] = await verify_proofs(forged, session, issuer_id=issuer_of(doc))
    assert (report.valid, report.problem) == (False, Problem.SIGNATURE), report.message
