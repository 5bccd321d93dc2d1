"""Badge profiles expanded into the badges they list, through the guarded
fetcher and httpx.MockTransport (fixtures: tests/fixtures/profiles/README.md)."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.mock import streamed
from verifier.fetch import Fetcher, FetchLimits
from verifier.profiles import ACCREDIBLE, BADGR, CREDLY, OBP, PROFILE_PLATFORMS, expand_profile, match_profile

FIX = Path(__file__).parents[1] / "fixtures" / "profiles"
FAST = FetchLimits(timeout=2.0, retries=0)


def _load(name: str) -> Any:
    return json.loads((FIX / name).read_text())


def _run(handler: Callable[[httpx.Request], httpx.Response], url: str, **kw: Any) -> Any:
    async def go() -> Any:
        async with Fetcher(transport=httpx.MockTransport(handler), limits=FAST) as f:
            return await expand_profile(f, url, **kw)

    return asyncio.run(go())


def _credly_pages(n: int, per: int = 48) -> Callable[[httpx.Request], httpx.Response]:
    template = _load("credly_badges.json")
    pages = max(1, -(-n // per))

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/users/jane-example/badges.json"
        page = int(request.url.params.get("page", "1"))
        start = (page - 1) * per
        doc = copy.deepcopy(template)
        entry = doc["data"][0]
        doc["data"] = [dict(entry, id=f"5f1e2d3c-4b5a-4697-8877-{i:012d}") for i in range(start, min(n, start + per))]
        doc["metadata"].update(count=len(doc["data"]), current_page=page, total_count=n, total_pages=pages)
        return streamed(200, json.dumps(doc), {"content-type": "application/json"})

    return handler


@pytest.mark.parametrize(
    ("url", "platform", "endpoint"),
    [
        ("https://www.credly.com/users/jane-example", CREDLY, "https://www.credly.com/users/jane-example/badges.json"),
        ("https://credly.com/users/jane.1a2b/badges/", CREDLY, "https://www.credly.com/users/jane.1a2b/badges.json"),
        ("https://badgr.com/public/collections/7f3a9c2be5d14e0f", BADGR,
         "https://api.badgr.io/public/collections/7f3a9c2be5d14e0f.json?v=2_0"),
        ("https://eu.badgr.com/share/collection/7f3a9c2be5d14e0f", BADGR,
         "https://api.eu.badgr.io/public/collections/7f3a9c2be5d14e0f.json?v=2_0"),
        ("https://openbadgepassport.com/app/profile/12345", OBP,
         "https://openbadgepassport.com/app/displayer/12345/group/0"),
        ("https://www.credential.net/profile/janeexample/wallet", ACCREDIBLE,
         "https://api.accredible.com/v1/credential-net/users/janeexample/user_wallet"),
    ],
)  # fmt: skip
def test_profile_links_are_recognised_with_their_listing_endpoint(url: str, platform: str, endpoint: str) -> None:
    ref = match_profile(url)
    assert ref is not None
    assert (ref.platform, ref.endpoint) == (platform, endpoint)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.credly.com/badges/5f1e2d3c-4b5a-4697-8877-665544332211",  # one badge, not a profile
        "https://badgr.com/public/assertions/AbCdEf123456XyZ",
        "https://evil.example/users/jane",
        "javascript:alert(1)",
        "ftp://www.credly.com/users/jane",
    ],
)
def test_badges_and_other_links_are_not_profiles(url: str) -> None:
    assert match_profile(url) is None


def test_every_platform_row_cites_its_source() -> None:
    assert all(rule.note for rule in PROFILE_PLATFORMS)


@pytest.mark.parametrize("n", [0, 1, 500])
def test_credly_profile_with_0_1_and_500_badges(n: int) -> None:
    got = _run(_credly_pages(n), "https://www.credly.com/users/jane-example", max_badges=1000)
    assert got.error is None
    assert got.platform == CREDLY
    assert len(got.badges) == n
    assert not got.truncated
    assert got.total == n
    if n:
        assert got.badges[0] == "https://www.credly.com/badges/5f1e2d3c-4b5a-4697-8877-000000000000"


def test_listing_is_bounded_and_says_so() -> None:
    seen: list[str] = []
    inner = _credly_pages(500)

    def counting(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return inner(request)

    got = _run(counting, "https://www.credly.com/users/jane-example", max_badges=60)
    assert len(got.badges) == 60
    assert got.truncated
    assert got.total == 500
    assert len(seen) == 2  # stops reading pages once the bound is passed


def test_badgr_collection_obp_and_accredible_listings() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        name = {
            "api.badgr.io": "badgr_collection.json",
            "openbadgepassport.com": "obp_displayer.json",
            "api.accredible.com": "accredible_wallet.json",
        }[request.url.host]
        return streamed(200, (FIX / name).read_bytes(), {"content-type": "application/json"})

    badgr = _run(handler, "https://badgr.com/public/collections/7f3a9c2be5d14e0f")
    assert badgr.badges == (
        "https://api.badgr.io/public/assertions/AbCdEf123456XyZ",
        "https://api.badgr.io/public/assertions/ZyXwVu987654AbC",
    )
    obp = _run(handler, "https://openbadgepassport.com/app/profile/12345")
    assert obp.badges == ("https://openbadgefactory.com/v1/assertion/0123456789abcdef0123456789abcdef01234567",)
    assert len(obp.skipped) == 1  # the uploaded badge without a hosted assertion is said, not dropped silently
    acc = _run(handler, "https://www.credential.net/profile/janeexample/wallet")
    assert acc.badges == (
        "https://api.accredible.com/v1/obi/badge_assertions/e62a0eab-4375-4aca-b91d-da37eccb1407",
        "https://www.credential.net/f0000000-4375-4aca-b91d-da37eccb1407",
    )
    assert any("private" in s for s in acc.skipped)


@pytest.mark.parametrize(
    ("response", "words"),
    [
        (lambda: streamed(404, "not found"), "not found or not public"),
        (lambda: streamed(500, "boom"), "HTTP 500"),
        (lambda: streamed(200, "<html>sign in</html>", {"content-type": "text/html"}), "not JSON"),
        (lambda: streamed(200, '{"data": "nope"}', {"content-type": "application/json"}), "no `data` list"),
    ],
)
def test_profile_that_cannot_be_listed_gives_an_error_naming_the_platform(
    response: Callable[[], httpx.Response], words: str
) -> None:
    got = _run(lambda request: response(), "https://www.credly.com/users/jane-example")
    assert got.badges == ()
    assert got.error is not None
    assert got.error.startswith("Credly profile could not be listed")
    assert words in got.error


def test_listing_never_leaves_the_endpoint_it_chose() -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        doc = _load("credly_badges.json")
        doc["metadata"].update(total_pages=2, next_page_url="http://169.254.169.254/latest/meta-data")
        return streamed(200, json.dumps(doc), {"content-type": "application/json"})

    _run(handler, "https://www.credly.com/users/jane-example")
    assert all(u.startswith("https://www.credly.com/users/jane-example/badges.json") for u in asked)


def test_unknown_link_is_an_error_not_an_exception() -> None:
    got = _run(lambda request: streamed(200, "{}"), "https://example.org/me")
    assert got.error
    assert got.badges == ()
