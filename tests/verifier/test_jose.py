"""VC-JWT / VC-JOSE verification (verifier.jose through verifier.vc.verify_vc_jwt)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import pytest

from tests.fixtures.vc import make_fixtures as mf
from tests.fixtures.vc.serve import RECIPIENT, fetcher, load, session
from verifier import jose, keys
from verifier.errors import DocumentError
from verifier.fetch import Fetcher
from verifier.models import Status, VerificationResult
from verifier.vc import verify_vc_jwt


@pytest.fixture
async def served() -> AsyncIterator[Fetcher]:
    f, _ = fetcher()
    async with f:
        yield f


async def verify(name: str, f: Fetcher, *, emails: tuple[str, ...] = ()) -> VerificationResult:
    return await verify_vc_jwt(load(name), session(f, emails=emails), input=name)


def check_outcome(result: VerificationResult, check: str) -> str:
    c = result.check(check)
    assert c is not None, f"no {check} check in {[x.id for x in result.checks]}"
    return "error" if c.indeterminate else c.outcome.value


def _segment(value: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("alg", ["eddsa", "es256", "es384", "rs256", "ps256"])
async def test_jwt_signed_with_issuers_key_verifies(alg: str, served: Fetcher) -> None:
    result = await verify(f"jwt-{alg}.jwt", served, emails=(RECIPIENT,))
    assert result.status is Status.VERIFIED, result.reason
    assert result.format == "ob3"
    assert check_outcome(result, "signature") == "pass"
    assert alg.upper() in result.check("signature").message.upper()  # type: ignore[union-attr]
    assert result.recipient_match is True
    assert result.achievement.name == "Data Analysis"


async def test_vc11_jwt_maps_claims_and_verifies(served: Fetcher) -> None:
    result = await verify("jwt-vc11.jwt", served)
    assert result.status is Status.VERIFIED, result.reason
    assert result.credential_id == "https://issuer.example/credentials/jwt-vc11"
    assert result.issued_on == "2024-01-01T00:00:00Z"


@pytest.mark.parametrize("name", ["jwt-alg-none.jwt", "jwt-hs256.jwt"])
async def test_unsigned_or_hmac_jwt_is_refused(name: str, served: Fetcher) -> None:
    result = await verify(name, served)
    assert result.status is Status.FAILED
    assert check_outcome(result, "signature") == "fail"
    assert "not accepted" in result.reason


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("jwt-tampered.jwt", "signature"),
        ("jwt-wrong-key.jwt", "signature"),
        ("jwt-jwk-unlisted.jwt", "signature"),
        ("jwt-vc11-iss-mismatch.jwt", "structure"),
        ("jwt-vc11-expired.jwt", "expiry"),
        ("jwt-not-yet-valid.jwt", "expiry"),
        ("jwt-nbf-mismatch.jwt", "structure"),
    ],
)
async def test_bad_jwt_fails_the_right_check(name: str, check: str, served: Fetcher) -> None:
    result = await verify(name, served)
    assert result.status is Status.FAILED
    assert check_outcome(result, check) == "fail"


@pytest.mark.parametrize("name", ["jwt-kid-bare-jwk.jwt", "jwt-kid-jwks.jwt"])
async def test_kid_serving_a_jwk_on_the_issuers_origin_verifies(name: str, served: Fetcher) -> None:
    result = await verify(name, served)
    assert result.status is Status.VERIFIED, result.reason
    assert "issuer's own origin" in result.check("signature").message  # type: ignore[union-attr]


async def test_kid_serving_a_jwk_elsewhere_is_not_the_issuers_key() -> None:
    foreign = {"https://keys.elsewhere.example/rsa": keys.jwk_from_public_key(mf.OTHER_RSA.public_key())}
    f, _ = fetcher(documents=foreign)
    async with f:
        result = await verify("jwt-kid-foreign-jwk.jwt", f)
    assert result.status is Status.FAILED
    assert "outside the issuer's origin" in result.reason


async def test_jwk_header_listed_in_issuer_profile_verifies(served: Fetcher) -> None:
    result = await verify("jwt-jwk-listed.jwt", served)
    assert result.status is Status.VERIFIED, result.reason
    assert "listed by the issuer" in result.check("signature").message  # type: ignore[union-attr]


async def test_jwk_header_of_a_did_jwk_issuer_verifies(served: Fetcher) -> None:
    result = await verify("jwt-jwk-did-jwk.jwt", served)
    assert result.status is Status.VERIFIED, result.reason
    assert result.issuer.id is not None
    assert result.issuer.id.startswith("did:jwk:")


async def test_jwk_header_with_unreachable_issuer_profile_is_an_error(served: Fetcher) -> None:
    doc = mf.credential("jwk-issuer-down")
    doc["issuer"]["id"] = "https://down.example/issuer"
    jwk = keys.jwk_from_public_key(mf.ISSUER_RSA.public_key())
    token = mf.vc2_jwt(doc, key=mf.ISSUER_RSA, alg="RS256", kid=None, jwk=jwk)
    result = await verify_vc_jwt(token, session(served), input="down")
    assert result.status is Status.ERROR
    assert check_outcome(result, "signature") == "error"
    assert "down.example" in result.reason


async def test_jwk_header_that_does_not_verify_fails_whoever_owns_it(served: Fetcher) -> None:
    doc = mf.credential("jwk-bad-signature")
    doc["issuer"]["id"] = "https://down.example/issuer"
    jwk = keys.jwk_from_public_key(mf.ISSUER_RSA.public_key())
    token = mf.vc2_jwt(doc, key=mf.OTHER_RSA, alg="RS256", kid=None, jwk=jwk)
    result = await verify_vc_jwt(token, session(served), input="bad")
    assert result.status is Status.FAILED
    assert check_outcome(result, "signature") == "fail"


async def test_jwt_presentation_verifies_holder_and_members(served: Fetcher) -> None:
    result = await verify("presentation.jwt", served)
    assert result.format == "presentation"
    assert result.status is Status.VERIFIED, result.reason
    assert [m.status for m in result.credentials] == [Status.VERIFIED]
    assert result.credentials[0].credential_id == "https://issuer.example/credentials/in-vp-jwt"


def test_parse_compact_refuses_malformed_tokens() -> None:
    good = load("jwt-eddsa.jwt")
    for bad in ("a.b", "not.a.jws", good + ".extra", good.replace(".", ". ", 1)):
        with pytest.raises(DocumentError):
            jose.parse_compact(bad)
    deep = base64.urlsafe_b64encode(b"[" * 200_000 + b"]" * 200_000).rstrip(b"=").decode()
    with pytest.raises(DocumentError):
        jose.parse_compact(f"{_segment({'alg': 'EdDSA'})}.{deep}.c2ln")
    crit = f"{_segment({'alg': 'EdDSA', 'crit': ['exp']})}.{good.split('.')[1]}.{good.split('.')[2]}"
    with pytest.raises(DocumentError, match="critical"):
        jose.parse_compact(crit)


def test_claims_must_agree_with_the_credential() -> None:
    vc = {"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"]}
    vc |= {"id": "urn:x:1", "issuer": "https://a.example", "issuanceDate": "2024-01-01T00:00:00Z"}
    vc |= {"credentialSubject": {"id": "did:example:alice"}}
    ok = jose.credential_from_claims({"vc": vc, "iss": "https://a.example", "jti": "urn:x:1", "nbf": 1704067200})
    assert ok.kind == "vc-jwt"
    for claims in ({"jti": "urn:x:2"}, {"sub": "did:example:bob"}, {"nbf": 1704067201}):
        with pytest.raises(jose.ClaimMismatch):
            jose.credential_from_claims({"vc": vc, "iss": "https://a.example", **claims})


def test_vc11_claims_fill_in_what_the_credential_leaves_out() -> None:
    vc = {"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"]}
    vc |= {"credentialSubject": {"name": "x"}}
    mapped = jose.credential_from_claims(
        {
            "vc": vc,
            "iss": "https://a.example",
            "jti": "urn:x:1",
            "sub": "did:ex:1",
            "nbf": 1704067200,
            "exp": 1735689600,
        }
    )
    doc = mapped.document
    assert doc["issuer"] == "https://a.example"
    assert doc["id"] == "urn:x:1"
    assert doc["credentialSubject"]["id"] == "did:ex:1"
    assert doc["issuanceDate"] == "2024-01-01T00:00:00Z"
    assert doc["expirationDate"] == "2025-01-01T00:00:00Z"


async def test_jwk_header_listed_in_a_did_web_document_verifies() -> None:
    did = "did:web:school.example"
    vm = f"{did}#key-1"
    did_doc = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": vm,
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": keys.jwk_from_public_key(mf.ISSUER_P384.public_key()),
            }
        ],
        "assertionMethod": [vm],
    }
    doc = mf.credential("did-web-jwk")
    doc["issuer"] = {"id": did, "type": ["Profile"], "name": "School"}
    jwk = keys.jwk_from_public_key(mf.ISSUER_P384.public_key())
    listed = mf.vc2_jwt(doc, key=mf.ISSUER_P384, alg="ES384", kid=None, jwk=jwk)
    stranger = keys.jwk_from_public_key(mf.OTHER_RSA.public_key())
    unlisted = mf.vc2_jwt(doc, key=mf.OTHER_RSA, alg="RS256", kid=None, jwk=stranger)
    f, _ = fetcher(documents={"https://school.example/.well-known/did.json": did_doc})
    async with f:
        ok = await verify_vc_jwt(listed, session(f), input="listed")
        bad = await verify_vc_jwt(unlisted, session(f), input="unlisted")
        relative = await verify_vc_jwt(
            mf.vc2_jwt(doc, key=mf.ISSUER_P384, alg="ES384", kid="#key-1"), session(f), input="relative kid"
        )
    assert ok.status is Status.VERIFIED, ok.reason
    assert bad.status is Status.FAILED
    assert relative.status is Status.VERIFIED, relative.reason
