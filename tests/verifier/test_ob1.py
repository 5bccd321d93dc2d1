"""Open Badges 1.0 / 1.1 hosted assertions: upgraded to 2.0 and verified as
hosted badges, with the format named ``ob1-hosted``.

The documents are the 1.x test data of 1EdTech's reference validator and of
Badgr (tests/fixtures/legacy/ob1, see its provenance.json), served by an
``httpx.MockTransport`` at the URLs they name.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.conftest import FIXTURES
from tests.support.mock import streamed
from verifier import ob1, pipeline
from verifier.fetch import Fetcher, FetchLimits
from verifier.models import CheckId, Outcome, Status, VerificationResult
from verifier.session import Session

OB1 = FIXTURES / "legacy" / "ob1"
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((OB1 / name).read_text("utf-8"))
    return data


def site_10() -> dict[str, Any]:
    """The Badgr 1.0 badge: assertions at http://a.com/instance*, BadgeClass and issuer without ids."""
    return {
        "http://a.com/instance": load("badgr-server_1_0_basic_instance.json"),
        "http://a.com/instance3": load("badgr-server_1_0_basic_instance3.json"),
        "http://a.com/instancebaddate": load("badgr-server_1_0_basic_instance_with_bad_date.json"),
        "http://a.com/badgeclass": load("badgr-server_1_0_basic_badgeclass.json"),
        "http://a.com/issuer": load("badgr-server_1_0_basic_issuer.json"),
    }


def site_11() -> dict[str, Any]:
    """The validator's 1.1 badge on https://example.org."""
    return {
        "https://example.org/beths-robotics-badge.json": load("validator-core_1_1_basic_assertion.json"),
        "https://example.org/robotics-badge.json": load("validator-core_1_1_basic_badgeclass.json"),
        "https://example.org/organization.json": load("validator-core_1_1_basic_issuer.json"),
    }


async def verify(
    doc_or_url: dict[str, Any] | str, docs: dict[str, Any], *, emails: tuple[str, ...] = ()
) -> VerificationResult:
    def handler(request: httpx.Request) -> httpx.Response:
        doc = docs.get(str(request.url))
        if doc is None:
            return streamed(404, "not found")
        if isinstance(doc, int):
            return streamed(doc, json.dumps({"revoked": True}))
        return streamed(200, json.dumps(doc), {"content-type": "application/json"})

    async with Fetcher(transport=httpx.MockTransport(handler), limits=FetchLimits(retries=0)) as fetcher:
        session = Session(fetcher=fetcher, now=NOW, emails=emails)
        if isinstance(doc_or_url, str):
            return await pipeline.verify_url(doc_or_url, session, input=doc_or_url)
        return await pipeline.route_json(doc_or_url, session, input="test")


def check(result: VerificationResult, check_id: CheckId) -> Any:
    return next(c for c in result.checks if c.id == check_id.value)


# -- verified -----------------------------------------------------------------


async def test_an_ob10_hosted_assertion_verifies_as_ob1_hosted() -> None:
    result = await verify(load("badgr-server_1_0_basic_instance.json"), site_10(), emails=("test@example.com",))
    assert result.status is Status.VERIFIED, [(c.id, c.outcome, c.message) for c in result.checks]
    assert result.format == "ob1-hosted"
    assert "Open Badges 1.0" in check(result, CheckId.STRUCTURE).message
    assert check(result, CheckId.RECIPIENT).outcome is Outcome.PASS
    assert result.credential_id == "http://a.com/instance"
    assert result.issued_on is not None
    assert result.issued_on.startswith("2015-04-30T00:00:00")
    assert result.issuer is not None
    assert result.issuer.id == "http://a.com/issuer"
    assert result.achievement is not None
    assert result.achievement.name == "Basic Badge"


async def test_an_ob11_hosted_assertion_verifies_by_url_and_by_content() -> None:
    for given in ("https://example.org/beths-robotics-badge.json", load("validator-core_1_1_basic_assertion.json")):
        result = await verify(given, site_11(), emails=("nobody@example.org",))
        assert result.status is Status.VERIFIED, [(c.id, c.outcome, c.message) for c in result.checks]
        assert result.format == "ob1-hosted"
        assert "Open Badges 1.1" in check(result, CheckId.STRUCTURE).message
        assert check(result, CheckId.RECIPIENT).outcome is Outcome.PASS  # salted sha256 of nobody@example.org


async def test_the_original_document_is_kept_on_the_result() -> None:
    result = await verify(load("badgr-server_1_0_basic_instance.json"), site_10())
    assert result.document == load("badgr-server_1_0_basic_instance.json")


# -- forgeries and bad badges still fail ----------------------------------------


async def test_an_ob1_assertion_hosted_off_the_issuers_origin_fails() -> None:
    docs = site_11()
    forged = load("validator-core_1_1_basic_assertion.json") | {"id": "https://evil.example/beths-robotics-badge.json"}
    docs["https://evil.example/beths-robotics-badge.json"] = forged
    result = await verify(forged, docs)
    assert result.status is Status.FAILED
    assert check(result, CheckId.HOSTED).outcome is Outcome.FAIL


async def test_an_ob10_assertion_whose_verify_url_serves_another_assertion_fails() -> None:
    docs = site_10()
    docs["http://a.com/instance"] = load("badgr-server_1_0_basic_instance3.json")  # its verify.url is /instance3
    result = await verify(load("badgr-server_1_0_basic_instance.json"), docs)
    assert result.status is Status.FAILED
    assert check(result, CheckId.HOSTED).outcome is Outcome.FAIL


async def test_a_tampered_copy_is_not_what_gets_verified() -> None:
    given = load("validator-core_1_1_basic_assertion.json")
    given["recipient"] = {"type": "email", "hashed": False, "identity": "mallory@example.com"}
    result = await verify(given, site_11(), emails=("mallory@example.com",))
    assert result.status is Status.FAILED  # the issuer's copy names someone else
    assert check(result, CheckId.RECIPIENT).outcome is Outcome.FAIL
    assert "differs from the one the issuer serves" in check(result, CheckId.HOSTED).message


async def test_an_ob1_assertion_the_issuer_answers_410_for_is_revoked() -> None:
    docs = site_11()
    docs["https://example.org/beths-robotics-badge.json"] = 410
    result = await verify(load("validator-core_1_1_basic_assertion.json"), docs)
    assert result.status is Status.FAILED
    assert check(result, CheckId.REVOCATION).outcome is Outcome.FAIL


async def test_an_ob1_assertion_marked_revoked_is_revoked() -> None:
    docs = site_11()
    docs["https://example.org/beths-robotics-badge.json"] = load("validator-core_1_1_basic_assertion.json") | {
        "revoked": True
    }
    result = await verify(load("validator-core_1_1_basic_assertion.json"), docs)
    assert result.status is Status.FAILED
    assert check(result, CheckId.REVOCATION).outcome is Outcome.FAIL


async def test_an_expired_ob10_assertion_with_a_unix_timestamp_is_expired() -> None:
    docs = site_10()
    expired = load("badgr-server_1_0_basic_instance.json") | {"expires": 1420070400}  # 2015-01-01
    docs["http://a.com/instance"] = expired
    result = await verify(expired, docs)
    assert result.status is Status.FAILED
    assert check(result, CheckId.EXPIRY).outcome is Outcome.FAIL


async def test_an_impossible_date_is_not_silently_accepted() -> None:
    # 2015-04-31 does not exist (Badgr's own bad-date test file)
    result = await verify(load("badgr-server_1_0_basic_instance_with_bad_date.json"), site_10())
    assert result.status is not Status.VERIFIED
    assert check(result, CheckId.STRUCTURE).outcome is Outcome.FAIL


async def test_an_unreachable_ob1_issuer_is_an_error_not_a_failure() -> None:
    docs = site_10()
    del docs["http://a.com/badgeclass"]
    result = await verify(load("badgr-server_1_0_basic_instance.json"), docs)
    assert result.status is Status.ERROR


async def test_an_ob05_assertion_is_an_error_naming_the_format() -> None:
    result = await verify(load("validator-core_0_5_assertion.json"), {})
    assert result.status is Status.ERROR
    assert "0.5" in check(result, CheckId.STRUCTURE).message


# -- the upgrade ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("badgr-server_1_0_basic_instance.json", "1.0"),
        ("validator-core_1_0_basic_assertion.json", "1.0"),
        ("validator-core_1_1_basic_assertion.json", "1.1"),
        ("validator-core_0_5_assertion.json", None),
        ("validator-core_1_1_basic_badgeclass.json", "1.1"),
    ],
)
def test_version(name: str, expected: str | None) -> None:
    assert ob1.version(load(name)) == expected


def test_a_20_document_is_not_ob1() -> None:
    doc = load("validator-core_1_1_basic_assertion.json") | {"@context": "https://w3id.org/openbadges/v2"}
    assert ob1.version(doc) is None
    assert ob1.version({"@context": ["https://w3id.org/openbadges/v1", "https://w3id.org/openbadges/v2"]}) is None


def test_upgrade_of_a_10_assertion() -> None:
    out = ob1.upgrade(load("validator-core_1_0_basic_assertion.json"), "assertion")
    assert out == {
        "@context": "https://w3id.org/openbadges/v2",
        "uid": "123abc",
        "recipient": {"identity": "test@example.com", "hashed": False, "type": "email"},
        "badge": "http://a.com/badgeclass",
        "issuedOn": "2015-04-30T00:00:00+00:00",
        "type": "Assertion",
        "id": "http://a.com/instance",
        "verification": {"type": "HostedBadge"},
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1420070400, "2015-01-01T00:00:00+00:00"),
        ("1420070400", "2015-01-01T00:00:00+00:00"),
        (1420070400.5, "2015-01-01T00:00:00.500000+00:00"),
        ("2015-04-30", "2015-04-30T00:00:00+00:00"),
        ("2016-12-31T23:59:59Z", "2016-12-31T23:59:59Z"),
        ("2015-04-31", "2015-04-31"),
        ("yesterday", "yesterday"),
        (-5, -5),
        (10**15, 10**15),
        (True, True),
    ],
)
def test_dates_are_upgraded_or_left_for_the_rules_to_judge(value: Any, expected: Any) -> None:
    doc = load("validator-core_1_0_basic_assertion.json") | {"issuedOn": value}
    assert ob1.upgrade(doc, "assertion")["issuedOn"] == expected


def test_upgrade_of_a_badgeclass_renames_alignment_terms_and_names_it_by_its_url() -> None:
    badge = load("badgr-server_1_0_basic_badgeclass.json") | {
        "alignment": [{"name": "CCSS.ELA", "url": "http://corestandards.org/x", "description": "Reading"}]
    }
    out = ob1.upgrade(badge, "BadgeClass", url="http://a.com/badgeclass")
    assert out["id"] == "http://a.com/badgeclass"
    assert out["type"] == "BadgeClass"
    assert out["alignment"] == [
        {"targetName": "CCSS.ELA", "targetUrl": "http://corestandards.org/x", "targetDescription": "Reading"}
    ]


def test_upgrade_keeps_a_signed_verification_signed() -> None:
    doc = load("validator-core_1_0_basic_assertion.json") | {
        "verify": {"type": "signed", "url": "https://a.com/key.pem"}
    }
    out = ob1.upgrade(doc, "assertion")
    assert out["verification"] == {"type": "SignedBadge", "creator": "https://a.com/key.pem"}


async def test_a_signed_ob1_assertion_given_as_json_is_not_verified() -> None:
    doc = load("validator-core_1_1_basic_assertion.json") | {"verify": {"type": "signed", "url": "https://x/k"}}
    doc.pop("verification")
    result = await verify(doc, site_11())
    assert result.status is not Status.VERIFIED


def test_upgrade_does_not_touch_its_input() -> None:
    doc = load("validator-core_1_0_basic_assertion.json")
    before = json.dumps(doc, sort_keys=True)
    ob1.upgrade(doc, "assertion")
    assert json.dumps(doc, sort_keys=True) == before


async def test_a_signed_ob1_jws_is_an_error_not_a_failure() -> None:
    import base64

    def seg(obj: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    payload = load("validator-core_1_0_basic_assertion.json") | {"verify": {"type": "signed", "url": "https://a.com/k"}}
    token = f"{seg({'alg': 'RS256'})}.{seg(payload)}.{seg('sig')}"
    async with Fetcher(transport=httpx.MockTransport(lambda r: streamed(404, "x")), limits=FetchLimits(retries=0)) as f:
        result = await pipeline.route_jws(token, Session(fetcher=f, now=NOW), input="test")
    assert result.status is Status.ERROR, [(c.id, c.outcome, c.message) for c in result.checks]
    assert "1.0 signed assertion" in check(result, CheckId.SIGNATURE).message
