"""A web page in answer to a badge link: the document behind it is found
(alternate link, embedded JSON-LD, a platform link, an Accredible page on an
issuer's own domain) and verified; a page that leads nowhere is a clear error."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.fixtures.ob2 import make_fixtures as fx
from verifier.fetch import Fetcher, FetchLimits
from verifier.models import Status, VerificationResult
from verifier.pipeline import verify_input
from verifier.platforms import discover
from verifier.session import Session

ISSUER = "https://badges.issuer.example"
UUID = "1f0e2d3c-4b5a-4968-8776-655443322110"
ACCREDIBLE = "https://api.accredible.com"
ACCREDIBLE_DOC = f"{ACCREDIBLE}/v1/obi/badge_assertions/{UUID}"
HTML = "text/html; charset=utf-8"


def _issuer_documents(origin: str = ISSUER) -> dict[str, tuple[str, str]]:
    docs = {f"{origin}/{n}.json": fx.render(n, A=origin, B=origin) for n in ("issuer", "key", "revocations", "badge")}
    return {url: ("application/ld+json", json.dumps(doc)) for url, doc in docs.items()}


def _assertion(at: str, origin: str = ISSUER) -> dict[str, Any]:
    doc: dict[str, Any] = fx.variant("hosted", "valid", A=origin, B=origin) | {"id": at}
    return doc


class Site:
    """URL -> (content type, body); records each request's Accept header."""

    def __init__(self, pages: dict[str, tuple[str, str]]) -> None:
        self.pages = pages
        self.accepts: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.accepts.append((url, request.headers.get("accept", "")))
        if url not in self.pages:
            return httpx.Response(404, text="not found")
        media, body = self.pages[url]
        return httpx.Response(200, headers={"content-type": media}, text=body)


async def _verify(link: str, pages: dict[str, tuple[str, str]]) -> tuple[VerificationResult, Site]:
    site = Site(pages)
    async with Fetcher(transport=httpx.MockTransport(site), limits=FetchLimits(retries=0)) as fetcher:
        return await verify_input(link, Session(fetcher=fetcher)), site


async def test_unknown_host_page_leads_to_its_alternate_json_ld() -> None:
    at = f"{ISSUER}/assertions/42.json"
    page = '<!doctype html><html><head><link rel="alternate" type="application/ld+json" href="/assertions/42.json"></head></html>'
    result, site = await _verify(
        f"{ISSUER}/badges/42", {f"{ISSUER}/badges/42": (HTML, page), at: ("application/ld+json", json.dumps(_assertion(at))), **_issuer_documents()}
    )  # fmt: skip
    assert result.status is Status.VERIFIED, result.checks
    assert result.source_url == at
    # content negotiation first: the page was asked for as JSON-LD / JSON
    assert "application/ld+json" in dict(site.accepts)[f"{ISSUER}/badges/42"]


async def test_badge_embedded_in_the_page_as_json_ld_is_verified() -> None:
    at = f"{ISSUER}/assertions/42.json"
    page = (
        '<html><head><script type="application/ld+json">{"@context": "https://schema.org", "@type": "WebPage"}</script>'
        f'<script type="application/ld+json">{json.dumps(_assertion(at))}</script></head></html>'
    )
    pages = {f"{ISSUER}/badges/42": (HTML, page), at: ("application/ld+json", json.dumps(_assertion(at)))}
    result, _ = await _verify(f"{ISSUER}/badges/42", pages | _issuer_documents())
    assert result.status is Status.VERIFIED, result.checks


async def test_accredible_page_on_an_issuers_own_domain() -> None:
    page = "<html><body><div id='app'></div><script src='https://static.accredible.com/app.js'></script></body></html>"
    pages = {f"https://certificates.university.example/{UUID}": (HTML, page)}
    pages[ACCREDIBLE_DOC] = ("application/json", json.dumps(_assertion(ACCREDIBLE_DOC, ACCREDIBLE)))
    result, _ = await _verify(f"https://certificates.university.example/{UUID}", pages | _issuer_documents(ACCREDIBLE))
    assert result.status is Status.VERIFIED, result.checks
    assert (result.platform, result.source_url) == ("accredible", ACCREDIBLE_DOC)


async def test_numeric_credential_net_link_finds_the_assertion_from_the_page() -> None:
    page = f'<html><a href="{ACCREDIBLE_DOC}">Open Badge</a><a href="https://www.credential.net/profile/x">x</a></html>'
    pages = {"https://www.credential.net/10000005": (HTML, page)}
    pages[ACCREDIBLE_DOC] = ("application/json", json.dumps(_assertion(ACCREDIBLE_DOC, ACCREDIBLE)))
    result, _ = await _verify("https://www.credential.net/10000005", pages | _issuer_documents(ACCREDIBLE))
    assert result.status is Status.VERIFIED, result.checks
    assert result.platform == "accredible"


async def test_a_page_linking_to_several_badges_is_ambiguous() -> None:
    other = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    page = f'<a href="https://www.credly.com/badges/{UUID}">1</a><a href="https://www.credly.com/badges/{other}">2</a>'
    result, site = await _verify("https://portfolio.example/me", {"https://portfolio.example/me": (HTML, page)})
    assert result.status is Status.ERROR
    assert "web page" in result.reason
    assert "links to none" in result.reason
    assert [url for url, _ in site.accepts] == ["https://portfolio.example/me"]


async def test_a_page_without_a_badge_is_a_clear_error() -> None:
    result, _ = await _verify(f"{ISSUER}/about", {f"{ISSUER}/about": (HTML, "<html><p>Hello</p></html>")})
    assert result.status is Status.ERROR
    assert result.check("structure") is not None
    assert "is a web page, not a badge document" in result.reason


async def test_a_discovered_link_still_goes_through_the_guard() -> None:
    page = '<link rel="alternate" type="application/ld+json" href="http://127.0.0.1:8080/assertion.json">'
    result, site = await _verify(f"{ISSUER}/badges/7", {f"{ISSUER}/badges/7": (HTML, page)})
    assert result.status is Status.ERROR
    assert result.check("fetch") is not None
    assert all("127.0.0.1" not in url for url, _ in site.accepts)


async def test_a_discovered_link_to_another_page_is_not_followed_further() -> None:
    first = f'<link rel="alternate" type="application/ld+json" href="{ISSUER}/second">'
    second = f'<link rel="alternate" type="application/ld+json" href="{ISSUER}/third">'
    pages = {f"{ISSUER}/first": (HTML, first), f"{ISSUER}/second": (HTML, second)}
    result, site = await _verify(f"{ISSUER}/first", pages)
    assert result.status is Status.ERROR
    assert "is a web page too" in result.reason
    assert len(site.accepts) == 2


def test_discovery_order_prefers_the_alternate_link_and_the_pages_own_id() -> None:
    own = f"https://www.credly.com/badges/{UUID}"
    page = (
        '<link rel="alternate" type="application/vc+jwt" href="/cred.jwt">'
        '<link rel="alternate" type="application/ld+json" href="/cred.json">'
    )
    found = discover(own, page)
    assert found is not None
    assert found.url == "https://www.credly.com/cred.json"
    other = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    links = f'"https://www.credly.com/badges/{other}" "https://www.credly.com/badges/{UUID}/public_url"'
    found = discover(f"https://x.example/{UUID}", links)
    assert found is not None
    assert found.url == f"https://www.credly.com/api/v1/obi/v2/badge_assertions/{UUID}"
    assert discover("https://x.example/", "<html><script type='application/ld+json'>{not json</script>") is None
