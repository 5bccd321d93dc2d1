"""Known badge platforms: public page URL -> machine-readable document URL.

Recruiters paste the link a candidate shares, which is usually the
platform's human page. :func:`resolve` maps it, through one table
(:data:`PLATFORMS`), to the Open Badges document the platform serves for it.
The endpoint shapes below are those the platforms publish or are widely used
against; each row says where it is less than certain. Whatever the mapping,
the verifier still checks what it fetches (the hosted assertion is verified
from its own ``id``), so a wrong guess can only make a badge fail to
verify, never make a forgery pass.

Unknown URLs pass through unchanged with ``platform=None``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

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
    matched against the URL path, and how to build the document URL from the
    match and the host."""

    platform: str
    hosts: frozenset[str]
    path: re.Pattern[str]
    target: Callable[[re.Match[str], str], str]
    note: str = ""


_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_BADGR_ID = r"[A-Za-z0-9_-]{10,64}"

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


def _credly(m: re.Match[str], host: str) -> str:
    return f"https://api.credly.com/v1/obi/v2/badge_assertions/{m.group('id')}"


def _badgr(m: re.Match[str], host: str) -> str:
    api = host if host in _BADGR_API_HOSTS else _BADGR_PAGE_HOSTS.get(host, "api.badgr.io")
    return f"https://{api}/public/assertions/{m.group('id')}.json?v=2_0"


def _parchment(m: re.Match[str], host: str) -> str:
    return f"https://{host}/public/assertions/{m.group('id')}.json?v=2_0"


def _accredible(m: re.Match[str], host: str) -> str:
    return f"https://api.accredible.com/v1/obi/badge_assertions/{m.group('id')}"


def _obf(m: re.Match[str], host: str) -> str:
    return f"https://{host}/v1/assertion/{m.group('id')}"


PLATFORMS: tuple[Rule, ...] = (
    # Credly (formerly Acclaim): the public page www.credly.com/badges/<uuid>[/public_url|/linked_in...]
    # is served as Open Badges 2.0 at the OBI v2 assertion endpoint, whose `id` is that same URL.
    Rule(
        CREDLY,
        frozenset({"www.credly.com", "credly.com"}),
        re.compile(rf"^/badges/(?P<id>{_UUID})(?:/[^/]*)?/?$"),
        _credly,
    ),
    Rule(
        CREDLY,
        frozenset({"api.credly.com"}),
        re.compile(rf"^/v1/obi/v2/badge_assertions/(?P<id>{_UUID})/?$"),
        _credly,
    ),
    Rule(
        CREDLY,
        frozenset({"www.youracclaim.com", "youracclaim.com"}),
        re.compile(rf"^/badges/(?P<id>{_UUID})(?:/[^/]*)?/?$"),
        _credly,
        "legacy Acclaim links; Credly kept the badge ids when it renamed the service",
    ),
    # Badgr / Canvas Credentials: public assertion pages; the API answers the same path with
    # `.json?v=2_0` for the OB 2.0 form (the path without it content-negotiates).
    Rule(
        BADGR,
        frozenset(_BADGR_PAGE_HOSTS) | _BADGR_API_HOSTS,
        re.compile(rf"^/public/assertions/(?P<id>{_BADGR_ID})(?:\.json)?/?$"),
        _badgr,
    ),
    Rule(
        BADGR,
        frozenset({"badges.parchment.com"}),
        re.compile(rf"^/public/assertions/(?P<id>{_BADGR_ID})(?:\.json)?/?$"),
        _parchment,
        "Parchment (Canvas Credentials) runs the Badgr server; that it serves the same .json?v=2_0 "
        "form on badges.parchment.com is assumed from the shared code base, not documented",
    ),
    # Accredible: credential pages on credential.net / credentials.accredible.com map to the
    # OBI assertion endpoint api.accredible.com/v1/obi/badge_assertions/<id>. That endpoint is
    # seen with UUIDs; whether it also accepts the numeric ids of older credential.net links
    # is not documented.
    Rule(
        ACCREDIBLE,
        frozenset({"www.credential.net", "credential.net", "credentials.accredible.com"}),
        re.compile(rf"^/(?:[a-z]{{2}}/)?(?P<id>{_UUID}|[0-9]{{4,12}})/?$"),
        _accredible,
    ),
    Rule(
        ACCREDIBLE,
        frozenset({"api.accredible.com"}),
        re.compile(rf"^/v1/obi/badge_assertions/(?P<id>{_UUID}|[0-9]{{4,12}})/?$"),
        _accredible,
    ),
    # Open Badge Factory: /v1/assertion/<hex>.html is the human page, the same path without
    # `.html` the assertion JSON (the `id` of OBF assertions).
    Rule(
        OPENBADGEFACTORY,
        frozenset({"openbadgefactory.com", "www.openbadgefactory.com", "eu.openbadgefactory.com"}),
        re.compile(r"^/v1/assertion/(?P<id>[0-9a-fA-F]{20,64})(?:\.html|\.json)?/?$"),
        _obf,
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
