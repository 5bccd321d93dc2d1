"""Open Badges 2.0 end to end: a real HTTP issuer on loopback (two origins,
127.0.0.2 and 127.0.0.3), badges verified through ``verify_input`` and the
command line, one test per outcome.

Fixtures: tests/fixtures/ob2 (templates rendered with the server's origins,
signed with the committed test key; see make_fixtures.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fixtures.ob2 import make_fixtures as fx
from tests.support.issuer_server import IssuerServer, loopback_available
from verifier import baked
from verifier.fetch import Fetcher, FetchLimits
from verifier.models import Outcome, Status, VerificationResult
from verifier.pipeline import BadgeInput, verify_input
from verifier.session import Session

pytestmark = pytest.mark.skipif(not loopback_available("127.0.0.3"), reason="needs 127.0.0.2-3 on loopback (Linux)")

A_HOST, B_HOST = "127.0.0.2", "127.0.0.3"
NOW = datetime(2025, 1, 1, tzinfo=UTC)  # after every fixture's issuedOn, after "expired", before "future"
HUGE_LIMIT = 64 * 1024


@dataclass
class Site:
    server: IssuerServer
    a: str
    b: str

    def hosted(self, name: str) -> str:
        return self.server.url(A_HOST, f"/assertions/{name}.json")

    def signed(self, name: str) -> str:
        return fx.sign_rs256(fx.variant("signed", name, A=self.a, B=self.b))


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with IssuerServer([A_HOST, B_HOST]) as server:
        a, b = server.origin(A_HOST), server.origin(B_HOST)
        for name in ("issuer", "key", "revocations", "badge"):
            server.route(A_HOST, f"/{name}.json", json_body=fx.render(name, A=a, B=b))
        server.route(B_HOST, "/key.json", json_body=fx.render("other-key", A=a, B=b))
        variants = json.loads((fx.TEMPLATES / "variants.json").read_text("utf-8"))["hosted"]
        for name in variants:
            server.route(A_HOST, f"/assertions/{name}.json", json_body=fx.variant("hosted", name, A=a, B=b))
        # served elsewhere: same assertion, hosted on another origin than the issuer's
        elsewhere = fx.variant("hosted", "valid", A=a, B=b) | {"id": server.url(B_HOST, "/assertions/elsewhere.json")}
        server.route(B_HOST, "/assertions/elsewhere.json", json_body=elsewhere)
        server.route(A_HOST, "/assertions/gone.json", status=410, body="gone")
        server.route(
            A_HOST,
            "/assertions/malformed.json",
            body='{"@context": "https://w3id.org/openbadges/v2", "type": ',
            content_type="application/json",
        )
        server.route(A_HOST, "/assertions/huge.json", body=b" " * (HUGE_LIMIT * 4), content_type="application/json")
        yield Site(server, a, b)


@pytest.fixture
async def session(site: Site) -> AsyncIterator[Session]:
    limits = FetchLimits(max_bytes=HUGE_LIMIT, retries=0, timeout=5.0)
    async with Fetcher(allow_hosts=site.server.allow_hosts, limits=limits) as fetcher:
        yield Session(fetcher=fetcher, now=NOW, emails=(fx.RECIPIENT,))


async def _verify(source: str | bytes, session: Session, *, filename: str | None = None) -> VerificationResult:
    if isinstance(source, bytes):
        return await verify_input(BadgeInput("upload", data=source, filename=filename), session)
    return await verify_input(BadgeInput(source), session)


def _failing(result: VerificationResult) -> str:
    decisive = next(c for c in result.checks if c.outcome is Outcome.FAIL)
    return decisive.id


def _skips_after(result: VerificationResult, check_id: str) -> bool:
    ids = [c.id for c in result.checks]
    later = result.checks[ids.index(check_id) + 1 :]
    return all(c.outcome is Outcome.SKIP for c in later)


# -- hosted ---------------------------------------------------------------


async def test_valid_hosted_assertion_is_verified_with_its_skills(site: Site, session: Session) -> None:
    result = await _verify(site.hosted("valid"), session)
    assert result.status is Status.VERIFIED, result.checks
    assert result.format == "ob2-hosted"
    assert result.recipient_match is True
    assert result.issuer.name == "Loopback Institute of Testing"
    assert result.achievement.name == "Data Wrangling Practitioner"
    assert {(s.name, s.source) for s in result.skills} == {
        ("Data cleaning", "alignment"),
        ("python", "tag"),
        ("pandas", "tag"),
    }
    assert {c.id for c in result.checks} >= {
        "fetch",
        "structure",
        "hosted",
        "issuer",
        "revocation",
        "expiry",
        "recipient",
    }


async def test_revoked_flag_on_hosted_assertion_fails_revocation(site: Site, session: Session) -> None:
    result = await _verify(site.hosted("revoked-flag"), session)
    assert result.status is Status.FAILED
    assert _failing(result) == "revocation"
    assert "plagiarised evidence" in result.reason


async def test_hosted_assertion_answering_410_is_revoked(site: Site, session: Session) -> None:
    result = await _verify(site.server.url(A_HOST, "/assertions/gone.json"), session)
    assert result.status is Status.FAILED
    assert _failing(result) == "revocation"


async def test_expired_hosted_assertion_fails_expiry(site: Site, session: Session) -> None:
    result = await _verify(site.hosted("expired"), session)
    assert (result.status, _failing(result)) == (Status.FAILED, "expiry")


async def test_assertion_issued_in_the_future_fails_expiry(site: Site, session: Session) -> None:
    result = await _verify(site.hosted("future"), session)
    assert (result.status, _failing(result)) == (Status.FAILED, "expiry")
    assert "future" in result.reason


async def test_assertion_expiring_before_issue_fails_expiry(site: Site, session: Session) -> None:
    result = await _verify(site.hosted("expires-before-issued"), session)
    assert (result.status, _failing(result)) == (Status.FAILED, "expiry")


async def test_wrong_recipient_fails_recipient_check(site: Site, session: Session) -> None:
    other = session.for_candidate(("eve@example.org",))
    result = await _verify(site.hosted("valid"), other)
    assert (result.status, _failing(result)) == (Status.FAILED, "recipient")
    assert result.recipient_match is False


async def test_recipient_is_skipped_without_an_email(site: Site, session: Session) -> None:
    result = await _verify(site.hosted("valid"), session.for_candidate(()))
    assert result.status is Status.VERIFIED
    assert result.recipient_match is None
    recipient = result.check("recipient")
    assert recipient is not None
    assert recipient.outcome is Outcome.SKIP


async def test_assertion_hosted_on_another_origin_fails_hosted(site: Site, session: Session) -> None:
    result = await _verify(site.server.url(B_HOST, "/assertions/elsewhere.json"), session)
    assert (result.status, _failing(result)) == (Status.FAILED, "hosted")
    assert _skips_after(result, "hosted")


async def test_missing_badge_class_is_an_error_not_a_verdict(site: Site, session: Session) -> None:
    result = await _verify(site.hosted("missing-badge"), session)
    assert result.status is Status.ERROR
    fetch = result.check("fetch")
    assert fetch is not None
    assert fetch.indeterminate
    assert "BadgeClass" in fetch.message
    assert _skips_after(result, "fetch")


async def test_badge_reference_to_a_non_badge_class_cannot_be_interpreted(site: Site, session: Session) -> None:
    result = await _verify(site.hosted("badge-is-issuer"), session)
    assert (result.status, _failing(result)) == (Status.ERROR, "structure")
    assert "not BadgeClass" in result.reason


async def test_assertion_of_wrong_type_cannot_be_interpreted(site: Site, session: Session) -> None:
    result = await _verify(site.hosted("wrong-type"), session)
    assert (result.status, _failing(result)) == (Status.ERROR, "structure")


async def test_assertion_with_data_image_is_a_conformance_warning(site: Site, session: Session) -> None:
    result = await _verify(site.hosted("data-image"), session)
    assert result.status is Status.VERIFIED, result.reason
    check = result.check("conformance")
    assert check is not None
    assert check.outcome is Outcome.WARN
    assert "data: URI" in check.message


async def test_assertion_without_recipient_cannot_be_interpreted(site: Site, session: Session) -> None:
    result = await _verify(site.hosted("no-recipient"), session)
    assert (result.status, _failing(result)) == (Status.ERROR, "structure")


async def test_malformed_json_is_an_error(site: Site, session: Session) -> None:
    result = await _verify(site.server.url(A_HOST, "/assertions/malformed.json"), session)
    assert result.status is Status.ERROR
    assert "JSON" in result.reason


async def test_huge_response_is_refused_as_an_error(site: Site, session: Session) -> None:
    result = await _verify(site.server.url(A_HOST, "/assertions/huge.json"), session)
    assert result.status is Status.ERROR
    assert "larger than" in result.reason


async def test_pasted_copy_that_differs_is_verified_as_reissued(site: Site, session: Session) -> None:
    pasted = fx.variant("hosted", "revoked-flag", A=site.a, B=site.b)
    pasted.pop("revoked")
    pasted.pop("revocationReason")
    result = await _verify(json.dumps(pasted).encode(), session, filename="badge.json")
    assert (result.status, _failing(result)) == (Status.FAILED, "revocation")
    hosted = result.check("hosted")
    assert hosted is not None
    assert hosted.outcome is Outcome.WARN
    assert "differs" in hosted.message


# -- signed ---------------------------------------------------------------


async def test_valid_signed_assertion_is_verified(site: Site, session: Session) -> None:
    result = await _verify(site.signed("valid"), session)
    assert result.status is Status.VERIFIED, result.checks
    assert result.format == "ob2-signed"
    signature = result.check("signature")
    assert signature is not None
    assert signature.outcome is Outcome.PASS
    assert result.check("hosted") is None


async def test_tampered_signed_assertion_fails_signature(site: Site, session: Session) -> None:
    token = fx.tamper(site.signed("valid"), issuedOn="2020-01-01T00:00:00Z")
    result = await _verify(token, session)
    assert (result.status, _failing(result)) == (Status.FAILED, "signature")
    assert _skips_after(result, "signature")


@pytest.mark.parametrize("name", ["revoked", "revoked-by-string", "revoked-by-uid"])
async def test_signed_assertion_on_the_revocation_list_fails(site: Site, session: Session, name: str) -> None:
    result = await _verify(site.signed(name), session)
    assert (result.status, _failing(result)) == (Status.FAILED, "revocation")


async def test_signature_by_a_key_the_issuer_does_not_list_fails(site: Site, session: Session) -> None:
    payload = fx.variant("signed", "other-key", A=site.a, B=site.b)
    token = fx.sign_rs256(payload, key=fx.OTHER_KEY)
    result = await _verify(token, session)
    assert (result.status, _failing(result)) == (Status.FAILED, "signature")
    assert "does not list" in result.reason


async def test_alg_none_is_refused_before_anything_is_fetched(site: Site, session: Session) -> None:
    token = fx.sign_unsafe(fx.variant("signed", "valid", A=site.a, B=site.b), "none")
    before = len(site.server.requests)
    result = await _verify(token, session)
    assert len(site.server.requests) == before
    assert (result.status, _failing(result)) == (Status.FAILED, "signature")
    assert "none" in result.reason


async def test_hs256_with_the_public_key_as_secret_is_refused(site: Site, session: Session) -> None:
    payload = fx.variant("signed", "valid", A=site.a, B=site.b)
    token = fx.sign_unsafe(payload, "HS256", secret=fx.public_pem().encode())
    result = await _verify(token, session)
    assert (result.status, _failing(result)) == (Status.FAILED, "signature")
    assert "HS256" in result.reason


# -- baked ----------------------------------------------------------------


async def test_baked_png_with_hosted_url_is_verified(site: Site, session: Session) -> None:
    image = baked.bake_png((Path(fx.HERE) / "badge.png").read_bytes(), site.hosted("valid"))
    result = await _verify(image, session, filename="badge.png")
    assert result.status is Status.VERIFIED, result.checks


async def test_baked_png_with_signed_assertion_is_verified(site: Site, session: Session) -> None:
    image = baked.bake_png((Path(fx.HERE) / "badge.png").read_bytes(), site.signed("valid"))
    result = await _verify(image, session, filename="badge.png")
    assert (result.status, result.format) == (Status.VERIFIED, "ob2-signed")


async def test_baked_svg_with_assertion_json_is_verified(site: Site, session: Session) -> None:
    assertion = json.dumps(fx.variant("hosted", "valid", A=site.a, B=site.b))
    image = baked.bake_svg((Path(fx.HERE) / "badge.svg").read_bytes(), assertion)
    result = await _verify(image, session, filename="badge.svg")
    assert result.status is Status.VERIFIED, result.checks


async def test_baked_svg_with_revoked_signed_assertion_fails(site: Site, session: Session) -> None:
    image = baked.bake_svg((Path(fx.HERE) / "badge.svg").read_bytes(), site.signed("revoked"))
    result = await _verify(image, session, filename="badge.svg")
    assert (result.status, _failing(result)) == (Status.FAILED, "revocation")


async def test_png_without_a_badge_is_an_error(session: Session) -> None:
    result = await _verify((Path(fx.HERE) / "badge.png").read_bytes(), session, filename="badge.png")
    assert result.status is Status.ERROR
    assert "no iTXt 'openbadges' chunk" in result.reason


async def test_svg_xml_bomb_is_refused(session: Session) -> None:
    bomb = (Path(__file__).resolve().parents[1] / "fixtures" / "ob2" / "bomb.svg").read_bytes()
    result = await _verify(bomb, session, filename="bomb.svg")
    assert result.status is Status.ERROR
    assert "entities" in result.reason


# -- command line ---------------------------------------------------------


@pytest.mark.slow  # starts a Python process (about 1 s)
def test_cli_verifies_a_hosted_badge_as_json_lines(site: Site) -> None:
    args = [
        sys.executable,
        "-m",
        "verifier",
        "verify",
        site.hosted("valid"),
        site.hosted("revoked-flag"),
        "--json",
        "--email",
        fx.RECIPIENT,
        "--now",
        "2025-01-01T00:00:00Z",
    ]
    for allowed in site.server.allow_hosts:
        args += ["--allow-host", allowed]
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=root, check=False)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert done.returncode == 1, done.stderr
    assert [line["status"] for line in lines] == ["verified", "failed"]
    assert [line["input"] for line in lines] == [site.hosted("valid"), site.hosted("revoked-flag")]
    first = lines[0]
    assert first["format"] == "ob2-hosted"
    assert first["recipient_match"] is True
    assert {"checks", "issuer", "achievement", "issued_on", "expires", "skills"} <= set(first)
    assert {c["id"] for c in first["checks"]} >= {
        "fetch",
        "structure",
        "hosted",
        "issuer",
        "revocation",
        "expiry",
        "recipient",
    }
