"""Badge links as people share them -> the machine-readable document.

Recruiters paste the link a candidate shares, which is usually a platform's
human page. Two steps turn it into a document:

1. :func:`resolve` maps a known platform's link, through one table
   (:data:`PLATFORMS`), to the Open Badges document the platform serves for
   it. Each row's ``note`` cites the public evidence for its shape.
2. :func:`locate` fetches the result through the guarded fetcher (which asks
   for ``application/ld+json, application/json`` first: content
   negotiation). When the answer is still a web page, :func:`discover` looks
   in it, in this order, for: a ``<link rel="alternate">`` to a JSON / JSON-LD
   / JWT form; a badge embedded as ``<script type="application/ld+json">``; a
   link to a known platform's assertion endpoint (the page's own id preferred);
   an Accredible page on an issuer's own domain (``https://<domain>/<uuid>``).
   At most one such hop is taken; a page that leads nowhere is a clear
   :class:`NotABadgeDocument`.

Whatever the mapping or discovery, the verifier still checks what it fetches
(a hosted assertion is verified from its own ``id``, a credential by its
proof), so a wrong guess can only make a badge fail to verify, never make a
forgery pass. Unknown URLs pass through :func:`resolve` unchanged with
``platform=None``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from verifier.errors import DocumentError
from verifier.fetch import Fetcher, Response

CREDLY = "credly"
BADGR = "badgr"
ACCREDIBLE = "accredible"
OPENBADGEFACTORY = "openbadgefactory"


@dataclass(frozen=True, slots=True)
class PlatformTarget:
    """Where to fetch a badge from, and which platform the URL belongs to (if known)."""

    url: str
    platform: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One URL pattern of a platform: hosts (lower-case, exact), a path regex
    matched against the URL path, how to build the document URL from the
    match and the host, and the public evidence for the shape (``note``)."""

    platform: str
    hosts: frozenset[str]
    path: re.Pattern[str]
    target: Callable[[re.Match[str], str], str]
    note: str = ""


_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_BADGR_ID = r"[A-Za-z0-9_-]{10,64}"
_OBF_ID = r"[0-9a-fA-F]{20,64}"

# Badgr's API host per region; the public pages on badgr.com / the regional
# apps redirect to these (https://api.badgr.io/docs/v2 "Servers").
_BADGR_API_HOSTS = frozenset(
    {"api.badgr.io", "api.eu.badgr.io", "api.ca.badgr.io", "api.au.badgr.io", "api.test.badgr.com"}
)
_BADGR_PAGE_HOSTS = {
    "badgr.com": "api.badgr.io",
    "www.badgr.com": "api.badgr.io",
    "badgr.io": "api.badgr.io",
    "eu.badgr.com": "api.eu.badgr.io",
    "ca.badgr.com": "api.ca.badgr.io",
    "au.badgr.com": "api.au.badgr.io",
}
_CREDLY_HOSTS = frozenset({"www.credly.com", "credly.com"})
_ACCREDIBLE_PAGE_HOSTS = frozenset({"www.credential.net", "credential.net", "credentials.accredible.com"})
_OBF_HOSTS = frozenset({"openbadgefactory.com", "www.openbadgefactory.com", "eu.openbadgefactory.com"})


def _credly(m: re.Match[str], host: str) -> str:
    return f"https://www.credly.com/api/v1/obi/v2/badge_assertions/{m.group('id').lower()}"


def _badgr(m: re.Match[str], host: str) -> str:
    api = host if host in _BADGR_API_HOSTS else _BADGR_PAGE_HOSTS.get(host, "api.badgr.io")
    return f"https://{api}/public/assertions/{m.group('id')}.json?v=2_0"


def _parchment(m: re.Match[str], host: str) -> str:
    return f"https://api.badgr.io/public/assertions/{m.group('id')}.json?v=2_0"


def _accredible(m: re.Match[str], host: str) -> str:
    return f"https://api.accredible.com/v1/obi/badge_assertions/{m.group('id').lower()}"


def _same_page(m: re.Match[str], host: str) -> str:
    return f"https://{host}{m.group(0)}"


def _obf(m: re.Match[str], host: str) -> str:
    return f"https://{host}/v1/assertion/{m.group('id')}.json?v=2.0"


def _obf3(m: re.Match[str], host: str) -> str:
    return f"https://{host}/obv3/credentials/{m.group('id')}"


PLATFORMS: tuple[Rule, ...] = (
    # -- Credly (formerly Acclaim) ----------------------------------------------------------------
    Rule(
        CREDLY,
        _CREDLY_HOSTS,
        re.compile(rf"^/badges/(?P<id>{_UUID})(?:/[^/]*)?/?$"),
        _credly,
        "the public badge page; its OB 2.0 assertion is served at www.credly.com/api/v1/obi/v2/"
        "badge_assertions/<uuid>, which is also the assertion's own `id` (live assertions captured in "
        "public projects' tests, e.g. one of Cisco's of 2024-08-30 whose badge is www.credly.com/api/v1/"
        "obi/v2/issuers/<uuid>/badge_classes/<uuid>); Credly's OBI docs (api.credly.com/docs/"
        "obi_specified_endpoints) name the endpoint GET /obi/v2/badge_assertions/<badge_id>",
    ),
    Rule(
        CREDLY,
        _CREDLY_HOSTS,
        re.compile(rf"^/earner/earned/badge/(?P<id>{_UUID})/?$"),
        _credly,
        "the link earners copy from their Credly dashboard, as it appears in many public portfolios; the "
        "uuid is the same badge id as in /badges/<uuid>",
    ),
    Rule(
        CREDLY,
        _CREDLY_HOSTS | {"api.credly.com", "www.youracclaim.com", "youracclaim.com", "api.youracclaim.com"},
        re.compile(rf"^(?:/api)?/v1/obi/v2/badge_assertions/(?P<id>{_UUID})/?$"),
        _credly,
        "the assertion endpoint itself: www.credly.com/api/v1/... is the `id` live assertions carry; "
        "api.credly.com/v1/... is the form Credly's OBI docs show; www.youracclaim.com/api/v1/... is the "
        "form Canvas Credentials' help tells users to import (community.canvaslms.com, 'Uploading non-"
        "Canvas Badges')",
    ),
    Rule(
        CREDLY,
        frozenset({"www.youracclaim.com", "youracclaim.com"}),
        re.compile(rf"^/badges/(?P<id>{_UUID})(?:/[^/]*)?/?$"),
        _credly,
        "legacy Acclaim links; Credly kept the badge ids when it renamed the service. Credly's OB 3.0 "
        "credentials are signed by its did:web issuer and verify through DID resolution like any OB 3.0 "
        "credential, so they need no row here",
    ),
    # -- Badgr / Canvas Credentials / Parchment Digital Badges -----------------------------------
    Rule(
        BADGR,
        frozenset(_BADGR_PAGE_HOSTS) | _BADGR_API_HOSTS,
        re.compile(rf"^/public/assertions/(?P<id>{_BADGR_ID})(?:\.json)?/?$"),
        _badgr,
        "public assertion pages; the API answers the same path with `.json?v=2_0` for the OB 2.0 form "
        "(api.badgr.io/docs/v2; `.json?v=1_1` links to the same path appear in public badge pages)",
    ),
    Rule(
        BADGR,
        frozenset({"badges.parchment.com", "api.badges.parchment.com"}),
        re.compile(rf"^/public/assertions/(?P<id>{_BADGR_ID})(?:\.json)?/?$"),
        _parchment,
        "Parchment Digital Badges (formerly Canvas Credentials) runs on the Badgr server: its API "
        "(developerdocs.instructure.com/services/parchment-digital-badges/openapi/assertions) gives each "
        "assertion an openBadgeId of https://api.badgr.io/public/assertions/<entityId>, so the document "
        "is served by api.badgr.io, not by the parchment.com host",
    ),
    # -- Accredible ------------------------------------------------------------------------------
    Rule(
        ACCREDIBLE,
        _ACCREDIBLE_PAGE_HOSTS,
        re.compile(rf"^/(?:[a-z]{{2}}/)?(?P<id>{_UUID})/?$"),
        _accredible,
        "credential pages; the OB 2.0 assertion is api.accredible.com/v1/obi/badge_assertions/<uuid>. "
        "Issuers' own domains (https://<domain>/<uuid>) are found from the page (see discover)",
    ),
    Rule(
        ACCREDIBLE,
        _ACCREDIBLE_PAGE_HOSTS,
        re.compile(r"^/(?:[a-z]{2}/)?[0-9]{4,12}/?$"),
        _same_page,
        "numeric credential ids (older credential.net links) are not assertion ids (Accredible's API "
        "numbers credentials, e.g. a public profile's credentials list carries both an `id` 48686379 and "
        "a `uuid`); the page itself is fetched and its assertion discovered from it",
    ),
    Rule(
        ACCREDIBLE,
        frozenset({"api.accredible.com"}),
        re.compile(rf"^/v1/obi/badge_assertions/(?P<id>{_UUID})/?$"),
        _accredible,
        "the assertion endpoint itself",
    ),
    # -- Open Badge Factory ----------------------------------------------------------------------
    Rule(
        OPENBADGEFACTORY,
        _OBF_HOSTS,
        re.compile(rf"^/v1/assertion/(?P<id>{_OBF_ID})(?:\.html|\.json)?/?$"),
        _obf,
        "/v1/assertion/<hex>.html is the human page; OBF serves its OB 2.0 JSON with `.json?v=2.0` (the "
        "form OBF's own backpack, openbadgefactory/salava, requests for badge classes: /v1/badge/_/<id>"
        ".json?v=2.0; OBF criteria links carry ?v=2.0 too)",
    ),
    Rule(
        OPENBADGEFACTORY,
        _OBF_HOSTS,
        re.compile(rf"^/obv3/credentials/(?P<id>{_OBF_ID})(?:\.html|\.json)?/?$"),
        _obf3,
        "OB 3.0 credentials: /obv3/credentials/<hex> is the credential's own `id` (a real OBF credential "
        "of 2025-11-08, kept in CloudNativeBergen/website's tests); shared links add `.html`",
    ),
)


def resolve(url: str) -> PlatformTarget:
    """Map a platform's public badge page to its Open Badges document URL.

    Returns the input unchanged with ``platform=None`` when no rule matches.
    The document URL is always ``https``.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return PlatformTarget(url)
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or not host:
        return PlatformTarget(url)
    for rule in PLATFORMS:
        if host not in rule.hosts:
            continue
        match = rule.path.match(parts.path)
        if match is not None:
            return PlatformTarget(rule.target(match, host), rule.platform)
    return PlatformTarget(url)


# -- discovery in a web page ------------------------------------------------------------------------

_ALTERNATE_TYPES = (
    "application/ld+json",
    "application/json",
    "application/vc+ld+json",
    "application/vc",
    "application/vc+jwt",
    "application/jwt",
)
_BADGE_TYPES = frozenset(
    {"Assertion", "VerifiableCredential", "OpenBadgeCredential", "AchievementCredential", "VerifiablePresentation"}
)
_ABSOLUTE_URL = re.compile(r"https://[A-Za-z0-9.-]+(?::[0-9]+)?/[^\s\"'<>\\)]*")
_ACCREDIBLE_ON_OWN_DOMAIN = re.compile(rf"^/(?:[a-z]{{2}}/)?(?P<id>{_UUID})/?$")
_MAX_SCRIPTS = 20
_MAX_URLS = 2000


class NotABadgeDocument(DocumentError):
    """A web page in which no badge document, link or embedded badge was found."""


@dataclass(frozen=True, slots=True)
class Discovery:
    """What a web page led to: a document URL to fetch, or a badge embedded in it."""

    how: str
    url: str | None = None
    document: bytes | None = None
    platform: str | None = None


@dataclass(frozen=True, slots=True)
class Located:
    """The document a link leads to: its bytes, the URL it came from, the platform
    (if known) and how it was found (``None`` when the link was the document)."""

    content: bytes
    url: str
    platform: str | None = None
    found_by: str | None = None


class _PageScan(HTMLParser):
    """Collects alternate links and JSON-LD scripts from a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.alternates: list[tuple[str, str]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "link":
            rels = values.get("rel", "").lower().split()
            media = values.get("type", "").split(";")[0].strip().lower()
            if "alternate" in rels and media in _ALTERNATE_TYPES and values.get("href"):
                self.alternates.append((media, values["href"]))
        elif tag == "script" and values.get("type", "").split(";")[0].strip().lower() == "application/ld+json":
            self._in_script = len(self.scripts) < _MAX_SCRIPTS
            self._buffer = []

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self._buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script:
            self.scripts.append("".join(self._buffer))
            self._in_script = False


def _is_badge(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    types = doc.get("type", doc.get("@type"))
    names = {t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}
    return bool(names & _BADGE_TYPES) or ("badge" in doc and "recipient" in doc)


def discover(page_url: str, html: str) -> Discovery | None:
    """Find the badge behind a web page (see the module docstring for the order)."""
    scan = _PageScan()
    try:
        scan.feed(html)
        scan.close()
    except (ValueError, AssertionError):  # html.parser gives up on badly broken markup
        pass
    # 1. <link rel="alternate" type="application/ld+json" href="..."> (JSON forms before JWTs)
    for media, href in sorted(scan.alternates, key=lambda a: _ALTERNATE_TYPES.index(a[0])):
        url = urljoin(page_url, href)
        if urlsplit(url).scheme in ("http", "https") and url != page_url:
            return Discovery(f'<link rel="alternate" type="{media}">', url=url, platform=resolve(url).platform)
    # 2. a badge embedded as JSON-LD (schema.org blocks about the page itself are skipped)
    for text in scan.scripts:
        try:
            doc = json.loads(text)
        except ValueError:
            continue
        for candidate in doc if isinstance(doc, list) else [doc]:
            if _is_badge(candidate):
                return Discovery("embedded JSON-LD badge", document=json.dumps(candidate).encode("utf-8"))
    # 3. a link to a known platform's assertion: the one naming the page's own id, else the only one
    #    (a page linking to several badges, such as a portfolio, is ambiguous and leads nowhere)
    page = urlsplit(page_url)
    own_id = page.path.rstrip("/").rsplit("/", 1)[-1].split(".")[0].lower()
    found: list[PlatformTarget] = []
    for match in _ABSOLUTE_URL.finditer(html[:4_000_000]):
        if len(found) >= _MAX_URLS:
            break
        target = resolve(match.group(0).replace("&amp;", "&"))
        if target.platform is not None and target.url.rstrip("/") != page_url.rstrip("/"):
            found.append(target)
    own = next((t for t in found if len(own_id) >= 8 and own_id in t.url.lower()), None)
    distinct = {t.url for t in found}
    if own is not None or len(distinct) == 1:
        best = own or found[0]
        return Discovery("a link to the platform's assertion in the page", url=best.url, platform=best.platform)
    # 4. Accredible credential pages on an issuer's own domain: https://<domain>/<uuid>
    accredible = _ACCREDIBLE_ON_OWN_DOMAIN.match(page.path)
    if accredible is not None and "accredible" in html.lower():
        return Discovery(
            "an Accredible page on the issuer's domain",
            url=f"https://api.accredible.com/v1/obi/badge_assertions/{accredible.group('id').lower()}",
            platform=ACCREDIBLE,
        )
    return None


def is_web_page(response: Response) -> bool:
    """Whether a response is an HTML page rather than a badge document."""
    head = response.content[:64].lstrip().lower()
    return response.content_type in ("text/html", "application/xhtml+xml") or head.startswith(
        (b"<!doctype html", b"<html")
    )


async def locate(url: str, fetcher: Fetcher) -> Located:
    """Fetch the badge document a shared link leads to.

    Known platform links are mapped first (:func:`resolve`); the fetch asks for
    JSON-LD / JSON. A web page in answer is searched once (:func:`discover`).
    Raises the fetcher's :class:`~verifier.errors.FetchError` subclasses, and
    :class:`NotABadgeDocument` for a page that leads to no badge.
    """
    target = resolve(url)
    response = await fetcher.fetch(target.url)
    if not is_web_page(response):
        return Located(response.content, response.url, target.platform)
    found = discover(response.url, response.text)
    if found is None:
        raise NotABadgeDocument(
            f"{target.url} is a web page, not a badge document, and links to none: no "
            '<link rel="alternate"> to JSON-LD, no embedded badge, no link to a known platform\'s assertion '
            "(expected JSON, a JWT or a baked image)"
        )
    platform = found.platform or target.platform
    if found.document is not None:
        return Located(found.document, response.url, platform, found.how)
    assert found.url is not None
    document = await fetcher.fetch(found.url)
    if is_web_page(document):
        raise NotABadgeDocument(
            f"{target.url} is a web page; the document it points to ({found.url}, found by {found.how}) "
            "is a web page too, not a badge document"
        )
    return Located(document.content, document.url, platform, found.how)


# Display names and the organisation domain of each platform, for issuer.identity.
PLATFORM_NAMES = {
    CREDLY: "Credly",
    BADGR: "Badgr / Canvas Credentials",
    ACCREDIBLE: "Accredible",
    OPENBADGEFACTORY: "Open Badge Factory",
}


@cache
def _platform_hosts() -> dict[str, tuple[str, str, str]]:
    out: dict[str, tuple[str, str, str]] = {}
    for rule in PLATFORMS:
        for host in rule.hosts:
            name = "Parchment (Canvas Credentials)" if host.endswith("parchment.com") else PLATFORM_NAMES[rule.platform]
            out.setdefault(host, (rule.platform, name, ".".join(host.split(".")[-2:])))
    return out


def platform_of_host(host: str | None) -> tuple[str, str, str] | None:
    """``(platform, display name, domain)`` when ``host`` is one a known platform
    serves badges from (any host of :data:`PLATFORMS`), else None. The domain is
    the host's last two labels (``api.credly.com`` -> ``credly.com``)."""
    return _platform_hosts().get((host or "").lower().rstrip("."))
