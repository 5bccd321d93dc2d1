"""Open Badges 2.0 rules and verification paths, with issuers served by an
``httpx.MockTransport`` (fixtures: tests/fixtures/ob2, rendered for the
origins https://issuer.example and https://other.example)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fixtures.ob2 import make_fixtures as fx
from tests.support.mock import streamed
from verifier import ob2
from verifier.fetch import Fetcher, FetchLimits
from verifier.models import Outcome, Status, VerificationResult
from verifier.ob2_rules import check_dates, check_recipient, hosted_policy, revoked_entry, skills_of
from verifier.session import Session
from verifier.trust import TrustList

A, B = "https://issuer.example", "https://other.example"
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _site() -> dict[str, Any]:
    docs: dict[str, Any] = {f"{A}/{n}.json": fx.render(n, A=A, B=B) for n in ("issuer", "key", "revocations", "badge")}
    docs[f"{B}/key.json"] = fx.render("other-key", A=A, B=B)
    docs[f"{A}/assertions/valid.json"] = fx.variant("hosted", "valid", A=A, B=B)
    return docs


async def _run(
    check: Callable[[Session], Any],
    docs: dict[str, Any],
    *,
    emails: tuple[str, ...] = (),
    trust: TrustList | None = None,
) -> VerificationResult:
    def handler(request: httpx.Request) -> httpx.Response:
        doc = docs.get(str(request.url))
        if doc is None:
            return streamed(404, "not found")
        if isinstance(doc, int):
            return streamed(doc, "error")
        return streamed(200, json.dumps(doc), {"content-type": "application/ld+json"})

    async with Fetcher(transport=httpx.MockTransport(handler), limits=FetchLimits(retries=0)) as fetcher:
        result: VerificationResult = await check(Session(fetcher=fetcher, now=NOW, emails=emails, trust=trust))
    return result


def _hosted(doc: dict[str, Any]) -> Callable[[Session], Any]:
    return lambda s: ob2.verify_hosted(doc, s, input="test")


def _signed(token: str) -> Callable[[Session], Any]:
    return lambda s: ob2.verify_signed(token, s, input="test")


def _decisive(result: VerificationResult) -> tuple[str, bool]:
    check = next(c for c in result.checks if c.outcome is Outcome.FAIL)
    return check.id, check.indeterminate


# -- hosted policy ------------------------------------------------------------


ISSUER = {"id": f"{A}/issuer.json"}


@pytest.mark.parametrize(
    ("policy", "url", "ok"),
    [
        ({}, f"{A}/assertions/1.json", True),
        ({}, f"{B}/assertions/1.json", False),
        ({"startsWith": f"{A}/assertions/"}, f"{A}/assertions/1.json", True),
        ({"startsWith": f"{A}/assertions/"}, f"{A}/other/1.json", False),
        ({"startsWith": [f"{B}/x/", f"{A}/assertions/"]}, f"{A}/assertions/1.json", True),
        ({"allowedOrigins": ["other.example"]}, f"{B}/assertions/1.json", True),
        ({"allowedOrigins": "other.example"}, f"{A}/assertions/1.json", False),
        ({"allowedOrigins": ["127.0.0.5:8443"]}, "http://127.0.0.5:8443/a.json", True),
    ],
)
def test_hosted_policy_follows_the_issuers_verification_object(policy: dict[str, Any], url: str, ok: bool) -> None:
    check = hosted_policy([url], {}, {**ISSUER, "verification": policy}, None)
    assert (check.outcome is Outcome.PASS) is ok, check.message


def test_badge_class_policy_cannot_widen_the_issuers() -> None:
    badge = {"verification": {"allowedOrigins": ["other.example"]}}
    check = hosted_policy([f"{B}/a.json"], badge, ISSUER, None)
    assert check.outcome is Outcome.FAIL


def test_badge_class_policy_can_narrow_the_issuers() -> None:
    badge = {"verification": {"startsWith": f"{A}/assertions/"}}
    assert hosted_policy([f"{A}/assertions/1.json"], badge, ISSUER, None).outcome is Outcome.PASS
    assert hosted_policy([f"{A}/elsewhere/1.json"], badge, ISSUER, None).outcome is Outcome.FAIL


def test_issuer_without_http_id_has_no_origin_to_enforce_and_warns() -> None:
    check = hosted_policy([f"{A}/a.json"], {}, {"id": "urn:uuid:1234"}, None)
    assert check.outcome is Outcome.WARN


def test_starts_with_does_not_lift_the_default_origin() -> None:
    policy = {"startsWith": "https://"}
    check = hosted_policy([f"{B}/a.json"], {}, {**ISSUER, "verification": policy}, None)
    assert check.outcome is Outcome.FAIL


def test_default_origin_includes_the_port() -> None:
    issuer = {"id": "http://127.0.0.2:8001/issuer.json"}
    check = hosted_policy(["http://127.0.0.2:8002/a.json"], {}, issuer, None)
    assert check.outcome is Outcome.FAIL


# -- dates, recipient, revocation list, skills ------------------------------


@pytest.mark.parametrize(
    ("issued", "expires", "ok"),
    [
        ("2024-01-01T00:00:00Z", None, True),
        ("2024-01-01", "2026-01-01", True),
        ("2026-01-01T00:00:00Z", None, False),
        ("2025-01-01T00:04:00Z", None, True),  # within the clock-skew grace
        ("2025-01-01T00:06:00Z", None, False),
        ("2024-01-01T00:00:00Z", "2024-12-31T23:59:59Z", False),
        ("2024-06-01T00:00:00+02:00", "2024-05-01T00:00:00Z", False),
    ],
)
def test_dates_are_judged_at_now(issued: str, expires: str | None, ok: bool) -> None:
    doc = {"issuedOn": issued} | ({"expires": expires} if expires else {})
    assert (check_dates(doc, NOW).outcome is Outcome.PASS) is ok


def test_plain_email_recipient_matches_case_insensitively() -> None:
    check, match = check_recipient({"recipient": {"type": "email", "identity": "Ada@Example.org"}}, ["ada@example.org"])
    assert (check.outcome, match) == (Outcome.PASS, True)


def test_recipient_named_by_url_is_skipped_not_failed() -> None:
    check, match = check_recipient({"recipient": {"type": "url", "identity": "https://ada.example"}}, ["a@b.example"])
    assert (check.outcome, match) == (Outcome.SKIP, None)


def test_unsupported_identity_hash_leaves_the_recipient_undetermined() -> None:
    # A hash this verifier cannot compute says nothing about whom the badge was issued to.
    doc = {"recipient": {"type": "email", "hashed": True, "identity": "sha1$abc"}}
    check, match = check_recipient(doc, ["a@b.example"])
    assert (check.outcome, check.indeterminate, match) == (Outcome.FAIL, True, None)


@pytest.mark.parametrize(
    "assertion",
    [
        {"id": "urn:uuid:1b7e3c3e-9f0e-4e57-9a52-5d0c2f3d7a11"},
        {"id": "urn:uuid:0c1f7a2e-3d44-4b1e-8f6a-2a9b5c7d8e90"},
        {"id": "urn:uuid:other", "uid": "legacy-uid-42"},
    ],
)
def test_revocation_list_entries_match_by_id_string_object_or_uid(assertion: dict[str, Any]) -> None:
    revocation_list = fx.render("revocations", A=A, B=B)
    assert revoked_entry(revocation_list, assertion) is not None


def test_assertion_absent_from_revocation_list_is_not_revoked() -> None:
    assert revoked_entry(fx.render("revocations", A=A, B=B), {"id": "urn:uuid:not-listed"}) is None


def test_single_alignment_object_and_tags_become_skills() -> None:
    skills = skills_of({"alignment": {"targetName": "SQL", "targetCode": "S1"}, "tags": "databases"})
    assert [(s.name, s.code, s.source) for s in skills] == [("SQL", "S1", "alignment"), ("databases", None, "tag")]


# -- hosted verification -----------------------------------------------------


async def test_document_at_the_id_with_another_id_fails_hosted() -> None:
    docs = _site()
    docs[f"{A}/assertions/valid.json"] = fx.variant("hosted", "valid", A=A, B=B) | {"id": f"{A}/assertions/x.json"}
    result = await _run(_hosted(fx.variant("hosted", "valid", A=A, B=B)), docs)
    assert _decisive(result) == ("hosted", False)


async def test_context_outside_the_bundle_is_an_error() -> None:
    docs = _site()
    doc = fx.variant("hosted", "valid", A=A, B=B)
    doc["@context"] = ["https://w3id.org/openbadges/v2", "https://contexts.example/extension.json"]
    docs[doc["id"]] = doc
    result = await _run(_hosted(doc), docs)
    assert result.status is Status.ERROR
    assert "not bundled" in result.reason


async def test_json_assertion_declaring_signed_verification_is_an_error_with_its_reason() -> None:
    doc = fx.variant("signed", "valid", A=A, B=B)
    result = await _run(_hosted(doc), _site())
    assert result.status is Status.ERROR
    assert "without its signature" in result.reason


async def test_issuer_profile_claiming_an_id_on_another_host_fails_issuer() -> None:
    docs = _site()
    docs[f"{A}/issuer.json"] = fx.render("issuer", A=A, B=B) | {"id": "https://university.example/issuer"}
    docs[f"{A}/issuer.json"]["verification"] = {"allowedOrigins": ["issuer.example"]}
    result = await _run(_hosted(docs[f"{A}/assertions/valid.json"]), docs)
    assert _decisive(result) == ("issuer", False)
    assert result.issuer.id == f"{A}/issuer.json"


async def test_badge_class_declaring_another_id_is_known_by_the_url_the_assertion_names() -> None:
    docs = _site()
    docs[f"{A}/badge.json"] = fx.render("badge", A=A, B=B) | {"id": "https://university.example/badges/phd"}
    result = await _run(_hosted(docs[f"{A}/assertions/valid.json"]), docs)
    assert result.status is Status.VERIFIED
    assert result.achievement.id == f"{A}/badge.json"
    structure = result.check("structure")
    assert structure is not None
    assert structure.outcome is Outcome.WARN


async def test_issuer_on_the_deny_list_fails_issuer() -> None:
    trust = TrustList(deny=("issuer.example",))
    result = await _run(_hosted(_site()[f"{A}/assertions/valid.json"]), _site(), trust=trust)
    assert _decisive(result) == ("issuer", False)
    assert result.issuer.trust == "deny"


async def test_hosted_result_carries_badge_details() -> None:
    result = await _run(_hosted(_site()[f"{A}/assertions/valid.json"]), _site(), emails=(fx.RECIPIENT,))
    assert result.status is Status.VERIFIED
    assert result.credential_id == f"{A}/assertions/valid.json"
    assert result.issued_on == "2024-03-01T12:00:00Z"
    assert result.expires is None
    assert result.achievement.criteria == "Passed the practical assessment."
    assert result.issuer.url == f"{A}/"
    assert result.document["id"] == f"{A}/assertions/valid.json"


async def test_unreachable_badge_class_server_error_is_indeterminate() -> None:
    docs = _site()
    docs[f"{A}/badge.json"] = 500
    result = await _run(_hosted(docs[f"{A}/assertions/valid.json"]), docs)
    assert result.status is Status.ERROR
    assert _decisive(result) == ("fetch", True)


# -- signed verification -----------------------------------------------------


async def test_signed_assertion_without_revocation_list_is_verified_with_a_warning() -> None:
    docs = _site()
    issuer = fx.render("issuer", A=A, B=B)
    issuer.pop("revocationList")
    docs[f"{A}/issuer.json"] = issuer
    result = await _run(_signed(fx.sign_rs256(fx.variant("signed", "valid", A=A, B=B))), docs)
    assert result.status is Status.VERIFIED
    revocation = result.check("revocation")
    assert revocation is not None
    assert revocation.outcome is Outcome.WARN


async def test_unreachable_revocation_list_makes_a_signed_badge_an_error_not_verified() -> None:
    docs = _site()
    del docs[f"{A}/revocations.json"]
    result = await _run(_signed(fx.sign_rs256(fx.variant("signed", "valid", A=A, B=B))), docs)
    assert result.status is Status.ERROR
    assert _decisive(result) == ("revocation", True)


async def test_key_owned_by_someone_else_fails_signature() -> None:
    docs = _site()
    docs[f"{A}/key.json"] = fx.render("key", A=A, B=B) | {"owner": f"{B}/issuer.json"}
    result = await _run(_signed(fx.sign_rs256(fx.variant("signed", "valid", A=A, B=B))), docs)
    assert _decisive(result) == ("signature", False)
    assert "owned by" in result.reason


async def test_short_rsa_key_fails_signature() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = small.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    docs = _site()
    docs[f"{A}/key.json"] = fx.render("key", A=A, B=B) | {"publicKeyPem": pem.decode()}
    result = await _run(_signed(fx.sign_rs256(fx.variant("signed", "valid", A=A, B=B))), docs)
    assert _decisive(result) == ("signature", False)
    assert "1024 bits" in result.reason


@pytest.mark.parametrize("alg", ["PS256", "ES256", "HS512", "none", "NONE"])
async def test_algorithms_other_than_rs256_fail_naming_the_algorithm(alg: str) -> None:
    token = fx.sign_unsafe(fx.variant("signed", "valid", A=A, B=B), alg, secret=b"k")
    result = await _run(_signed(token), _site())
    assert _decisive(result) == ("signature", False)
    assert alg.lower() in result.reason.lower()


async def test_critical_header_parameters_are_refused() -> None:
    payload = fx.b64url(json.dumps(fx.variant("signed", "valid", A=A, B=B)).encode())
    header = fx.b64url(json.dumps({"alg": "RS256", "crit": ["b64"], "b64": False}).encode())
    result = await _run(_signed(f"{header}.{payload}.c2ln"), _site())
    assert _decisive(result) == ("signature", False)


async def test_malformed_jws_is_an_error() -> None:
    result = await _run(_signed("eyJhbGciOiJSUzI1NiJ9.!!!.c2ln"), _site())
    assert result.status is Status.ERROR


async def test_signed_payload_without_creator_cannot_be_checked() -> None:
    payload = fx.variant("signed", "valid", A=A, B=B)
    payload["verification"] = {"type": "SignedBadge"}
    result = await _run(_signed(fx.sign_rs256(payload)), _site())
    assert _decisive(result) == ("structure", True)  # no key named: error, not an accusation


async def test_key_document_claiming_the_issuers_key_id_from_elsewhere_fails() -> None:
    docs = _site()
    forged = fx.render("other-key", A=A, B=B) | {"id": f"{A}/key.json"}
    docs[f"{B}/key.json"] = forged
    token = fx.sign_rs256(fx.variant("signed", "other-key", A=A, B=B), key=fx.OTHER_KEY)
    result = await _run(_signed(token), docs)
    assert _decisive(result) == ("signature", False)
    assert "does not list" in result.reason
