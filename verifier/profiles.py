"""Badge profiles: a link that stands for every badge a person holds on a platform.

Candidates often share one profile link (``https://www.credly.com/users/<name>``)
instead of each badge. :func:`match_profile` recognises such links through one
table (:data:`PROFILE_PLATFORMS`, kept apart from the badge table of
:mod:`verifier.platforms`), and :func:`expand_profile` asks the platform's
public listing endpoint, through the guarded :class:`verifier.fetch.Fetcher`,
for the badges it lists: at most ``max_badges`` of them, each a URL the
verifier then checks on its own. A listing cannot make a badge pass: it only
says where to look.

Where each endpoint comes from (public code that calls it or captured answers;
each row's ``note`` repeats it):

- Credly: ``GET https://www.credly.com/users/<name>/badges.json[?page=N]``
  answers ``{"data": [{"id": <badge uuid>, ...}], "metadata": {"current_page",
  "total_pages", "total_count", "next_page_url", ...}}`` (the response type in
  shanilhirani/go-credly ``pkgs/types/credly.go`` @ ef894d54; the endpoint is
  called in Joeri-Abbo/next-joeri-abbo ``3parties/credly/main.py``). Each id is
  the badge page ``https://www.credly.com/badges/<id>``.
- Badgr / Canvas Credentials: a published collection is served at
  ``/public/collections/<share_hash>`` with the ``.json`` suffix, answering an
  OB 2.0-style object whose ``badges`` list holds the assertions (each with
  its ``id``) (concentricsky/badgr-server ``apps/issuer/public_api_urls.py``,
  ``apps/issuer/public_api.py`` ``BackpackCollectionJson`` and
  ``apps/backpack/models.py`` ``BackpackCollection.get_json`` @ 2344c612); the
  legacy share links ``/share/collection/<hash>`` redirect there
  (``apps/backpack/share_urls.py``).
- Open Badge Passport (the Salava server): the public "displayer" listing
  ``GET /displayer/<user id>/group/0`` answers ``{"userId", "groupId",
  "badges": [{"hostedUrl": <assertion URL>, ...}]}``, group 0 being all public
  badges (openbadgefactory/salava ``src/clj/salava/displayer/routes.clj`` and
  ``db.clj`` @ 97f05992). openbadgepassport.com serves the application under
  ``/app`` (its profile pages are ``/app/profile/<id>``), so the listing is
  taken to be ``/app/displayer/<id>/group/0``: assumed from that base path,
  not documented.
- Accredible: ``GET https://api.accredible.com/v1/credential-net/users/<name>/user_wallet``
  answers ``{"data": {"credentials": [{"badge_assertion_url", "url",
  "private", ...}]}}`` (a captured answer in meltingscales/henrypost.net
  ``src/data/scraped/credential.net_data_henrypost.ts`` @ 05dda9d3, which also
  names the endpoint). Wallet pages are
  ``https://www.credential.net/profile/<name>/wallet``.

A profile whose badges cannot be listed (not found, private, an answer that is
not the listing) gives a :class:`ProfileBadges` with ``error`` naming the
platform; nothing here raises for a bad profile.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from verifier.errors import DocumentError, FetchError, HTTPStatusError
from verifier.fetch import Fetcher

CREDLY = "credly"
BADGR = "badgr"
OBP = "openbadgepassport"
ACCREDIBLE = "accredible"

#: Human names of the platforms, for messages.
PLATFORM_NAMES = {
    CREDLY: "Credly",
    BADGR: "Badgr / Canvas Credentials",
    OBP: "Open Badge Passport",
    ACCREDIBLE: "Accredible",
}

#: Default bound on the badges taken from one profile.
DEFAULT_MAX_BADGES = 100
#: Pages of one listing read at most (Credly pages hold a few dozen badges).
MAX_PAGES = 20
_JSON = "application/json, application/ld+json;q=0.9"


@dataclass(frozen=True, slots=True)
class ProfileRef:
    """A recognised profile link: its platform, the link as given and the listing endpoint."""

    platform: str
    url: str
    endpoint: str

    @property
    def platform_name(self) -> str:
        """The platform's name for people."""
        return PLATFORM_NAMES.get(self.platform, self.platform)


@dataclass(frozen=True, slots=True)
class ProfileBadges:
    """What a profile lists: badge URLs (at most the bound), how many it said it
    holds (when it says), whether the list was cut, and ``error`` when the
    badges could not be listed (then ``badges`` is empty)."""

    profile: str
    platform: str
    badges: tuple[str, ...] = ()
    total: int | None = None
    truncated: bool = False
    error: str | None = None
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing: badge URLs found, and the next page's URL if any."""

    badges: tuple[str, ...]
    next_url: str | None = None
    total: int | None = None
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProfileRule:
    """One profile link pattern: hosts (lower-case, exact), a path regex, how to
    build the listing URL, and how to read one page of the listing."""

    platform: str
    hosts: frozenset[str]
    path: re.Pattern[str]
    endpoint: Callable[[re.Match[str], str], str]
    read: Callable[[Any, str], Page]
    note: str = ""


class ListingError(ValueError):
    """A platform's answer is not the listing it should be."""


_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"
_BADGR_ID = r"[A-Za-z0-9_-]{6,64}"
_BADGR_API = {
    "badgr.com": "api.badgr.io",
    "www.badgr.com": "api.badgr.io",
    "badgr.io": "api.badgr.io",
    "eu.badgr.com": "api.eu.badgr.io",
    "ca.badgr.com": "api.ca.badgr.io",
    "au.badgr.com": "api.au.badgr.io",
}
_BADGR_API_HOSTS = frozenset({"api.badgr.io", "api.eu.badgr.io", "api.ca.badgr.io", "api.au.badgr.io"})


def _http_url(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.hostname:
        return value
    return None


def _as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


# -- Credly -------------------------------------------------------------------

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _credly_endpoint(m: re.Match[str], host: str) -> str:
    return f"https://www.credly.com/users/{m.group('user')}/badges.json"


def _credly_read(doc: Any, url: str) -> Page:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("data"), list):
        raise ListingError("the answer has no `data` list of badges")
    found: list[str] = []
    skipped: list[str] = []
    for item in doc["data"]:
        bid = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(bid, str) and _UUID.match(bid):
            found.append(f"https://www.credly.com/badges/{bid.lower()}")
        else:
            skipped.append(f"an entry without a badge id ({str(bid)[:40]!r})")
    raw_meta = doc.get("metadata")
    meta: Mapping[str, Any] = raw_meta if isinstance(raw_meta, Mapping) else {}
    current, pages = _as_int(meta.get("current_page")), _as_int(meta.get("total_pages"))
    next_url = None
    if current is not None and pages is not None and current < pages:
        # Build the next page ourselves rather than follow `next_page_url`: the
        # listing stays on the endpoint we chose, whatever the answer says.
        base = url.split("?", 1)[0]
        next_url = f"{base}?page={current + 1}"
    return Page(tuple(found), next_url, _as_int(meta.get("total_count")), tuple(skipped))


# -- Badgr / Canvas Credentials -----------------------------------------------


def _badgr_endpoint(m: re.Match[str], host: str) -> str:
    api = host if host in _BADGR_API_HOSTS or host == "badges.parchment.com" else _BADGR_API.get(host, "api.badgr.io")
    return f"https://{api}/public/collections/{m.group('id')}.json?v=2_0"


def _badgr_read(doc: Any, url: str) -> Page:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("badges"), list):
        raise ListingError("the answer has no `badges` list (not a published collection)")
    found: list[str] = []
    skipped: list[str] = []
    for item in doc["badges"]:
        ref = item.get("id") if isinstance(item, Mapping) else item
        got = _http_url(ref)
        if got:
            found.append(got)
        else:
            skipped.append(f"an entry without an http(s) assertion id ({str(ref)[:60]!r})")
    return Page(tuple(found), None, len(doc["badges"]), tuple(skipped))


# -- Open Badge Passport ------------------------------------------------------


def _obp_endpoint(m: re.Match[str], host: str) -> str:
    return f"https://{host}/app/displayer/{m.group('id')}/group/0"


def _obp_read(doc: Any, url: str) -> Page:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("badges"), list):
        raise ListingError("the answer has no `badges` list")
    found: list[str] = []
    skipped: list[str] = []
    for item in doc["badges"]:
        got = _http_url(item.get("hostedUrl")) if isinstance(item, Mapping) else None
        if got:
            found.append(got)
        else:
            skipped.append("a badge without a hosted assertion URL (only hosted badges can be listed)")
    return Page(tuple(found), None, len(doc["badges"]), tuple(skipped))


# -- Accredible ---------------------------------------------------------------


def _accredible_endpoint(m: re.Match[str], host: str) -> str:
    return f"https://api.accredible.com/v1/credential-net/users/{m.group('user')}/user_wallet"


def _accredible_read(doc: Any, url: str) -> Page:
    data = doc.get("data") if isinstance(doc, Mapping) else None
    creds = data.get("credentials") if isinstance(data, Mapping) else None
    if not isinstance(creds, list):
        raise ListingError("the answer has no `data.credentials` list")
    found: list[str] = []
    skipped: list[str] = []
    for item in creds:
        if not isinstance(item, Mapping):
            skipped.append("an entry that is not a credential")
            continue
        if item.get("private") is True:
            skipped.append(f"a private credential ({str(item.get('name') or '')[:60]!r})")
            continue
        got = _http_url(item.get("badge_assertion_url")) or _http_url(item.get("url"))
        if got:
            found.append(got)
        else:
            skipped.append(f"a credential without a link ({str(item.get('name') or '')[:60]!r})")
    return Page(tuple(found), None, len(creds), tuple(skipped))


PROFILE_PLATFORMS: tuple[ProfileRule, ...] = (
    ProfileRule(
        CREDLY,
        frozenset({"www.credly.com", "credly.com", "www.youracclaim.com", "youracclaim.com"}),
        re.compile(rf"^/users/(?P<user>{_NAME})(?:/badges)?/?$"),
        _credly_endpoint,
        _credly_read,
        "badges.json listing, paged by ?page=N (shanilhirani/go-credly pkgs/types/credly.go @ ef894d54)",
    ),
    ProfileRule(
        BADGR,
        frozenset(_BADGR_API) | _BADGR_API_HOSTS | {"badges.parchment.com"},
        re.compile(rf"^/(?:public/collections|share/?collection)/(?P<id>{_BADGR_ID})(?:\.json)?(?:/embed)?/?$"),
        _badgr_endpoint,
        _badgr_read,
        "published collection JSON (concentricsky/badgr-server apps/issuer/public_api_urls.py @ 2344c612); "
        "that badges.parchment.com serves the same path is assumed from the shared code base",
    ),
    ProfileRule(
        OBP,
        frozenset({"openbadgepassport.com", "www.openbadgepassport.com"}),
        re.compile(r"^/app/profile/(?P<id>[0-9]{1,12})(?:/embed)?/?$"),
        _obp_endpoint,
        _obp_read,
        "displayer listing, group 0 = public badges (openbadgefactory/salava src/clj/salava/displayer @ 97f05992); "
        "the /app prefix is assumed from the site's page URLs",
    ),
    ProfileRule(
        ACCREDIBLE,
        frozenset({"www.credential.net", "credential.net"}),
        re.compile(rf"^/profile/(?P<user>{_NAME})(?:/wallet)?/?$"),
        _accredible_endpoint,
        _accredible_read,
        "credential-net user_wallet (captured in meltingscales/henrypost.net @ 05dda9d3)",
    ),
)


def match_profile(url: str) -> ProfileRef | None:
    """The profile a link points to, or None when it is not a known profile link."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    for rule in PROFILE_PLATFORMS:
        if host in rule.hosts:
            m = rule.path.match(parts.path)
            if m is not None:
                return ProfileRef(rule.platform, url.strip(), rule.endpoint(m, host))
    return None


def _rule(platform: str) -> ProfileRule:
    return next(r for r in PROFILE_PLATFORMS if r.platform == platform)


def _dedupe(urls: Iterator[str]) -> Iterator[str]:
    seen: set[str] = set()
    for u in urls:
        if u not in seen:
            seen.add(u)
            yield u


async def expand_profile(
    fetcher: Fetcher, url: str, *, max_badges: int = DEFAULT_MAX_BADGES, max_pages: int = MAX_PAGES
) -> ProfileBadges:
    """The badges the profile at ``url`` lists, read through ``fetcher``.

    At most ``max_badges`` URLs (``truncated`` says when more were listed) and
    ``max_pages`` pages are read. Never raises for a bad profile: an unknown
    link, a listing that cannot be fetched or read gives ``error``, naming the
    platform.
    """
    if max_badges < 1:
        raise ValueError("max_badges must be at least 1")
    ref = match_profile(url)
    if ref is None:
        return ProfileBadges(url, "", error="not a profile link of a known badge platform")
    rule = _rule(ref.platform)
    name = ref.platform_name
    found: list[str] = []
    skipped: list[str] = []
    total: int | None = None
    truncated = False
    next_url: str | None = ref.endpoint
    pages = 0
    while next_url is not None:
        if pages >= max_pages:
            truncated = True
            break
        pages += 1
        try:
            response = await fetcher.fetch(next_url, accept=_JSON)
            page = rule.read(response.json(), next_url)
        except HTTPStatusError as exc:
            why = "not found or not public" if exc.status_code in (401, 403, 404, 410) else f"HTTP {exc.status_code}"
            return ProfileBadges(url, ref.platform, error=f"{name} profile could not be listed: {why} ({next_url})")
        except FetchError as exc:
            return ProfileBadges(
                url, ref.platform, error=f"{name} profile could not be listed: {exc.reason} ({exc.url})"
            )
        except (DocumentError, ListingError) as exc:
            return ProfileBadges(url, ref.platform, error=f"{name} profile could not be listed: {exc}")
        if total is None:
            total = page.total
        found.extend(page.badges)
        skipped.extend(page.skipped)
        if len(set(found)) > max_badges:
            truncated = True
            break
        next_url = page.next_url
    badges = tuple(_dedupe(iter(found)))
    if len(badges) > max_badges:
        badges, truncated = badges[:max_badges], True
    return ProfileBadges(url, ref.platform, badges, total, truncated, None, tuple(skipped[:50]))
