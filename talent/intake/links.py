"""Which links a source holds, and what each is: a badge, a profile, or other.

- ``profile``: a badge platform's profile / collection / wallet link
  (:func:`verifier.profiles.match_profile`), which stands for many badges;
- ``badge``: a badge platform's badge page (:func:`verifier.platforms.resolve`)
  or a link that looks like a badge (:func:`talent.candidates.is_badge_url`);
- ``other``: every other http(s) link (portfolio, LinkedIn, code hosting).

Links with an active or local scheme (``javascript:``, ``vbscript:``,
``file:``, ``data:``, ``blob:``) are never followed and never kept: each
becomes a problem line. ``mailto:`` gives an email address, ``tel:`` and
in-document anchors are ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from talent.candidates import is_badge_url
from talent.intake.model import Link
from verifier.platforms import resolve
from verifier.profiles import match_profile

MAX_URL_CHARS = 2_048
UNSAFE_SCHEMES = frozenset({"javascript", "vbscript", "file", "data", "blob", "filesystem", "jar", "livescript"})
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]{0,20})\s*:")
_TRAILING = ".,;:!?)]}>'\"»”’"
#: http(s) URLs and bare ``www.`` / known-platform hosts in running text.
URL_IN_TEXT = re.compile(
    r"""(?:https?://|www\.|(?:[a-z0-9-]+\.)?(?:credly\.com|youracclaim\.com|badgr\.com|credential\.net|openbadgepassport\.com)/)[^\s<>"'`{}|\\^]+""",
    re.I,
)
# A host typed without a scheme; a relative file name ("cv.pdf", "badge.json") is not one.
_BARE_HOST = re.compile(
    r"^(?:www\.)?[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*"
    r"\.(?!(?:pdf|png|jpe?g|gif|svg|html?|docx?|txt|json|jsonld|jwt|md|zip|csv)(?:[/?#]|$))[A-Za-z]{2,24}(?:[/?#]|$)",
    re.I,
)
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+"
)


def scheme_of(target: str) -> str:
    """The lower-cased scheme of a link target ('' when it has none). Control
    characters and whitespace that browsers ignore are dropped first, so
    ``java\\tscript:`` is seen as ``javascript``."""
    cleaned = "".join(ch for ch in target if unicodedata.category(ch) not in ("Cc", "Cf") and not ch.isspace())
    m = _SCHEME.match(cleaned)
    return m.group(1).lower() if m else ""


def classify(url: str, *, text: str = "", from_profile: str | None = None) -> Link:
    """A :class:`Link` for an http(s) URL, with its kind and platform."""
    profile = match_profile(url)
    if profile is not None:
        return Link(url, "profile", profile.platform, text, from_profile)
    platform = resolve(url).platform
    if platform is not None or is_badge_url(url):
        return Link(url, "badge", platform or _host_platform(url), text, from_profile)
    return Link(url, "other", None, text, from_profile)


def _host_platform(url: str) -> str | None:
    host = (urlsplit(url).hostname or "").lower()
    for name in (
        "credly",
        "badgr",
        "accredible",
        "credential.net",
        "openbadgepassport",
        "openbadgefactory",
        "parchment",
    ):
        if name in host:
            return name.replace(".net", "")
    return None


class LinkCollector:
    """Gathers link targets found in one source: keeps each http(s) URL once (with the
    first visible text given for it), turns unsafe ones into problems, and
    remembers ``mailto:`` addresses."""

    def __init__(self) -> None:
        self._links: dict[str, Link] = {}
        self.problems: list[str] = []
        self.emails: list[str] = []
        self._unsafe: set[str] = set()

    def add(self, target: str, text: str = "") -> Link | None:
        """Take one link target (as written in the document) and its visible
        text; the kept :class:`Link` when it is an http(s) link, else None."""
        target = (target or "").strip()
        text = " ".join((text or "").split())[:300]
        if not target or target.startswith("#"):
            return None
        scheme = scheme_of(target)
        if scheme in UNSAFE_SCHEMES:
            shown = " ".join(target[:60].split()) + ("…" if len(target) > 60 else "")
            key = f"{scheme}:{shown}"
            if key not in self._unsafe:
                self._unsafe.add(key)
                label = f' ("{text[:60]}")' if text else ""
                self.problems.append(f"a {scheme}: link{label} was not followed: {shown}")
            return None
        if scheme == "mailto":
            m = _EMAIL.search(unquote(target))
            if m:
                self.emails.append(m.group(0).lower())
            return None
        if scheme == "" and _BARE_HOST.match(target):
            target = "https://" + target  # "www.credly.com/…", "credly.com/badges/…" as people type them
        elif scheme not in ("http", "https"):
            return None  # tel:, ftp:, internal references: nothing to verify
        target = target.rstrip(_TRAILING)
        if len(target) > MAX_URL_CHARS:
            self.problems.append(f"a link longer than {MAX_URL_CHARS} characters was left out")
            return None
        try:
            host = urlsplit(target).hostname
        except ValueError:  # a malformed authority (unbalanced IPv6 brackets, bad port)
            host = None
        if not host:
            self.problems.append(f"a link that is not a valid URL was left out: {target[:60]}")
            return None
        key = target.split("#", 1)[0]
        old = self._links.get(key)
        if old is None or (text and not old.text):
            self._links[key] = classify(key, text=text)
        return self._links[key]

    def add_text(self, text: str) -> None:
        """Take every URL written out in running text."""
        for m in URL_IN_TEXT.finditer(text):
            url = m.group(0)
            if not url.lower().startswith(("http://", "https://")):
                url = "https://" + url
            self.add(url)

    def links(self) -> tuple[Link, ...]:
        """The links, in the order first seen."""
        return tuple(self._links.values())


def find_emails(texts: Iterable[str]) -> list[str]:
    """Email addresses in text, lower-cased, in order, without repeats."""
    seen: dict[str, None] = {}
    for t in texts:
        for m in _EMAIL.finditer(t):
            seen.setdefault(m.group(0).lower().rstrip("."), None)
    return list(seen)
