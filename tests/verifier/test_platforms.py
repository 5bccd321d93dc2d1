"""Platform page URLs map to their Open Badges documents (one test per pattern)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.fixtures.ob2 import make_fixtures as fx
from tests.support.mock import folder_transport
from verifier.fetch import Fetcher
from verifier.models import Status
from verifier.pipeline import verify_input
from verifier.platforms import PLATFORMS, resolve
from verifier.session import Session

UUID = "1f0e2d3c-4b5a-4968-8776-655443322110"
BADGR_ID = "aJJ2ROJtRMGXMXdD1kVf4g"
OBF_ID = "db2ebffb91aa1e64c27090cf3feaf3e99dad3700"

CREDLY_DOC = f"https://www.credly.com/api/v1/obi/v2/badge_assertions/{UUID}"
ACCREDIBLE_DOC = f"https://api.accredible.com/v1/obi/badge_assertions/{UUID}"

CASES = [
    (f"https://www.credly.com/badges/{UUID}", CREDLY_DOC, "credly"),
    (f"https://www.credly.com/badges/{UUID}/public_url", CREDLY_DOC, "credly"),
    (f"https://credly.com/badges/{UUID.upper()}/linked_in_profile", CREDLY_DOC, "credly"),
    (f"https://www.credly.com/earner/earned/badge/{UUID}", CREDLY_DOC, "credly"),
    (CREDLY_DOC, CREDLY_DOC, "credly"),
    (f"https://api.credly.com/v1/obi/v2/badge_assertions/{UUID}", CREDLY_DOC, "credly"),
    (f"https://www.youracclaim.com/api/v1/obi/v2/badge_assertions/{UUID}", CREDLY_DOC, "credly"),
    (f"https://www.youracclaim.com/badges/{UUID}", CREDLY_DOC, "credly"),
    (
        f"https://badgr.com/public/assertions/{BADGR_ID}",
        f"https://api.badgr.io/public/assertions/{BADGR_ID}.json?v=2_0",
        "badgr",
    ),
    (
        f"https://api.badgr.io/public/assertions/{BADGR_ID}?identity__email=a%40b.example",
        f"https://api.badgr.io/public/assertions/{BADGR_ID}.json?v=2_0",
        "badgr",
    ),
    (
        f"https://api.eu.badgr.io/public/assertions/{BADGR_ID}",
        f"https://api.eu.badgr.io/public/assertions/{BADGR_ID}.json?v=2_0",
        "badgr",
    ),
    (
        f"https://api.ca.badgr.io/public/assertions/{BADGR_ID}",
        f"https://api.ca.badgr.io/public/assertions/{BADGR_ID}.json?v=2_0",
        "badgr",
    ),
    (
        f"https://api.au.badgr.io/public/assertions/{BADGR_ID}",
        f"https://api.au.badgr.io/public/assertions/{BADGR_ID}.json?v=2_0",
        "badgr",
    ),
    (
        f"https://badges.parchment.com/public/assertions/{BADGR_ID}",
        f"https://api.badgr.io/public/assertions/{BADGR_ID}.json?v=2_0",
        "badgr",
    ),
    (f"https://www.credential.net/{UUID}", ACCREDIBLE_DOC, "accredible"),
    (f"https://credentials.accredible.com/{UUID}", ACCREDIBLE_DOC, "accredible"),
    (ACCREDIBLE_DOC, ACCREDIBLE_DOC, "accredible"),
    # a numeric id is not an assertion id: the page itself is fetched and searched
    ("https://www.credential.net/10000005", "https://www.credential.net/10000005", "accredible"),
    (
        f"https://openbadgefactory.com/v1/assertion/{OBF_ID}.html",
        f"https://openbadgefactory.com/v1/assertion/{OBF_ID}.json?v=2.0",
        "openbadgefactory",
    ),
    (
        f"https://openbadgefactory.com/v1/assertion/{OBF_ID}.json?v=2.0",
        f"https://openbadgefactory.com/v1/assertion/{OBF_ID}.json?v=2.0",
        "openbadgefactory",
    ),
    (
        f"https://openbadgefactory.com/obv3/credentials/{OBF_ID}.html",
        f"https://openbadgefactory.com/obv3/credentials/{OBF_ID}",
        "openbadgefactory",
    ),
]


@pytest.mark.parametrize(("page", "document", "platform"), CASES, ids=[c[0].split("//")[1][:45] for c in CASES])
def test_platform_page_maps_to_its_document(page: str, document: str, platform: str) -> None:
    target = resolve(page)
    assert (target.url, target.platform) == (document, platform)


def test_every_rule_has_a_case() -> None:
    covered = set()
    for page, _, _ in CASES:
        parts = urlsplit(page)
        covered |= {i for i, r in enumerate(PLATFORMS) if parts.hostname in r.hosts and r.path.match(parts.path)}
    assert covered == set(range(len(PLATFORMS)))


@pytest.mark.parametrize(
    "url",
    [
        "https://issuer.example/assertions/1.json",
        "https://www.credly.com/users/someone/badges",
        "https://www.credly.com/badges/not-a-uuid",
        "https://api.badgr.io/v2/badgeclasses",
        "https://api.accredible.com/v1/obi/badge_assertions/10000005",
        "https://www.credly.com/earner/earned/badge/not-a-uuid",
        "ftp://www.credly.com/badges/" + UUID,
        "https://evil.example/www.credly.com/badges/" + UUID,
        "https://www.credly.com.evil.example/badges/" + UUID,
    ],
)
def test_unknown_urls_pass_through_unchanged(url: str) -> None:
    target = resolve(url)
    assert (target.url, target.platform) == (url, None)


async def test_platform_page_is_verified_through_its_document() -> None:
    api = "https://www.credly.com"
    assertion_url = CREDLY_DOC
    docs = {f"{api}/{n}.json": fx.render(n, A=api, B=api) for n in ("issuer", "key", "revocations", "badge")}
    docs[assertion_url] = fx.variant("hosted", "valid", A=api, B=api) | {"id": assertion_url}
    transport = folder_transport({}, {url: json.dumps(doc) for url, doc in docs.items()})
    async with Fetcher(transport=transport) as fetcher:
        result = await verify_input(f"https://www.credly.com/badges/{UUID}/public_url", Session(fetcher=fetcher))
    assert result.status is Status.VERIFIED, result.checks
    assert result.platform == "credly"
    assert result.source_url == assertion_url
