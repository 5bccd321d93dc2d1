"""Open Badges 2.0 rules that need no network: structure, dates, hosted
verification policy, recipient, revocation-list lookup, skills.

Each function takes compacted documents (see :func:`verifier.ob2.compact`)
and returns a :class:`~verifier.models.Check` or plain data; nothing here
fetches. Section names refer to the Open Badges 2.0 specification
(https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from verifier.models import Check, CheckId, Outcome, Skill, errored, failed, passed, skipped, warned
from verifier.nodes import as_list, node_id, types_of
from verifier.recipient import IdentityFormatError, identity_matches

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
HOSTED_TYPES = frozenset({"hosted", "HostedBadge"})
SIGNED_TYPES = frozenset({"signed", "SignedBadge"})
ISSUER_TYPES = frozenset({"Issuer", "Profile"})
EMAIL_TYPES = frozenset({"email"})
# An issuer's clock may run a little ahead of ours: a badge issued "just now"
# must not read as issued in the future. Expiry gets no such grace.
CLOCK_SKEW = timedelta(minutes=5)


class RuleError(Exception):
    """A document breaks a rule; ``check`` is the failing check to report."""

    def __init__(self, check: Check) -> None:
        super().__init__(check.message)
        self.check = check


def is_http_url(value: Any) -> bool:
    """Whether ``value`` is an absolute http(s) URL with a host."""
    if not isinstance(value, str):
        return False
    return _is_http_url(value)


def host_of(url: str) -> str | None:
    """The lower-cased host of a URL, or ``None``."""
    return _host_of(url) if isinstance(url, str) else _host_of_uncached(url)


# Pure functions of the URL, asked several times per badge about the same few
# URLs (the badge's, its BadgeClass's and its issuer's): memoised.
@lru_cache(maxsize=4096)
def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@lru_cache(maxsize=4096)
def _host_of(url: str) -> str | None:
    return _host_of_uncached(url)


def _host_of_uncached(url: Any) -> str | None:
    try:
        return (urlsplit(url).hostname or "").lower() or None
    except ValueError:
        return None


def parse_datetime(value: Any) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime, else ``None``.

    §Data validation: ``DateTime`` is ISO 8601; a value without an offset is
    read as UTC.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def check_context(raw: dict[str, Any], what: str) -> None:
    """§Assertion: ``@context`` must name the Open Badges v2 context."""
    contexts = as_list(raw.get("@context"))
    if OB2_CONTEXT not in contexts:
        shown = ", ".join(str(c) for c in contexts if isinstance(c, str)) or "none"
        raise RuleError(errored(CheckId.STRUCTURE, f"the {what}'s @context must be {OB2_CONTEXT} (found: {shown})"))


def check_assertion(a: dict[str, Any], *, hosted: bool) -> list[str]:
    """§Assertion required properties and types (compacted document). Without
    them the assertion cannot be interpreted: an indeterminate structure check,
    never an accusation. Returns warnings for data-model departures that leave
    it interpretable."""
    warnings: list[str] = []
    types = types_of(a)
    if "Assertion" not in types:
        raise RuleError(errored(CheckId.STRUCTURE, f"the assertion's type is {types or 'missing'}, not Assertion"))
    aid = a.get("id")
    if not isinstance(aid, str) or not aid:
        raise RuleError(errored(CheckId.STRUCTURE, "the assertion has no id"))
    if hosted and not is_http_url(aid):
        raise RuleError(errored(CheckId.STRUCTURE, f"a hosted assertion's id must be its HTTP(S) URL, got {aid!r}"))
    recipient = a.get("recipient")
    if not isinstance(recipient, dict):
        raise RuleError(errored(CheckId.STRUCTURE, "the assertion has no recipient IdentityObject"))
    if not isinstance(recipient.get("identity"), str) or not recipient["identity"].strip():
        raise RuleError(errored(CheckId.STRUCTURE, "the recipient IdentityObject has no identity"))
    if not isinstance(recipient.get("type"), str):
        raise RuleError(
            errored(CheckId.STRUCTURE, "the recipient IdentityObject has no type (email, url, telephone, id)")
        )
    if parse_bool(recipient.get("hashed")) is None:
        raise RuleError(errored(CheckId.STRUCTURE, "the recipient IdentityObject's hashed must be true or false"))
    if node_id(a.get("badge")) is None:
        raise RuleError(errored(CheckId.STRUCTURE, "the assertion names no BadgeClass (badge)"))
    verification = a.get("verification")
    if not isinstance(verification, dict) or not set(types_of(verification)) & (HOSTED_TYPES | SIGNED_TYPES):
        raise RuleError(errored(CheckId.STRUCTURE, "the assertion has no verification object of type hosted or signed"))
    if parse_datetime(a.get("issuedOn")) is None:
        raise RuleError(
            errored(CheckId.STRUCTURE, f"issuedOn is missing or not an ISO 8601 date: {a.get('issuedOn')!r}")
        )
    if "expires" in a and parse_datetime(a.get("expires")) is None:
        raise RuleError(errored(CheckId.STRUCTURE, f"expires is not an ISO 8601 date: {a.get('expires')!r}"))
    # §Assertion image: "a URI ... to an image"; unlike BadgeClass.image (which "may be a data URI"),
    # an Assertion's image must not be a data: URI (1EdTech validator rule, followed by the vectors).
    image = node_id(a.get("image"))
    if image is not None and image.lower().startswith("data:"):
        # A data-model departure that touches neither authenticity, validity nor the recipient.
        warnings.append("the assertion's image is a data: URI, which only a BadgeClass may use")
    return warnings


def parse_bool(value: Any) -> bool | None:
    """A JSON boolean, tolerating the strings "true"/"false" some issuers emit."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if value is None:
        return False  # §IdentityObject: hashed defaults to false when absent
    return None


def check_badge_class(b: dict[str, Any]) -> list[str]:
    """§BadgeClass: type and required properties. Returns warnings for the
    required properties that only describe the badge (description, image,
    criteria), which real issuers sometimes leave out."""
    types = types_of(b)
    if "BadgeClass" not in types:
        raise RuleError(errored(CheckId.STRUCTURE, f"the badge's type is {types or 'missing'}, not BadgeClass"))
    for prop in ("id", "name", "issuer"):
        if not b.get(prop):
            raise RuleError(errored(CheckId.STRUCTURE, f"the BadgeClass has no {prop}"))
    if node_id(b.get("issuer")) is None:
        raise RuleError(errored(CheckId.STRUCTURE, "the BadgeClass's issuer is not a reference to a Profile"))
    return [f"the BadgeClass has no {p}" for p in ("description", "image", "criteria") if not b.get(p)]


def check_issuer(p: dict[str, Any]) -> list[str]:
    """§Profile: an Issuer (or Profile) with an id. Returns warnings."""
    types = types_of(p)
    if not set(types) & ISSUER_TYPES:
        raise RuleError(errored(CheckId.STRUCTURE, f"the issuer's type is {types or 'missing'}, not Issuer or Profile"))
    if not isinstance(p.get("id"), str) or not p["id"]:
        raise RuleError(errored(CheckId.STRUCTURE, "the issuer profile has no id"))
    return [] if p.get("name") else ["the issuer profile has no name"]


def hosted_policy(
    assertion_urls: Sequence[str], badge: dict[str, Any], issuer: dict[str, Any], issuer_url: str | None = None
) -> Check:
    """§VerificationObject / §HostedBadge: the assertion must be hosted where
    the issuer's verification policy allows.

    ``startsWith``: every URL must start with one of the listed prefixes.
    ``allowedOrigins``: every URL's host (or host:port) must be listed; when
    absent it defaults to the authority (host[:port]) of the issuer's ``id``,
    whether or not ``startsWith`` is given. An issuer whose ``id`` is not an
    HTTP(S) URL has no default origin to enforce: that passes with a warning,
    as in the 1EdTech validator.

    The issuer's policy decides. A BadgeClass's own ``verification`` can only
    narrow it (both must allow the URL): a BadgeClass need not be hosted by
    its issuer, so it must not be able to widen where the issuer's
    assertions may live. ``issuer_url`` (where the profile was fetched) only
    names the issuer in a message when its id is not an HTTP(S) URL.
    """
    issuer_policy = issuer.get("verification") if isinstance(issuer.get("verification"), dict) else {}
    check = _apply_policy(assertion_urls, issuer_policy or {}, issuer, issuer_url, "the issuer's")
    badge_policy = badge.get("verification")
    if check.outcome is Outcome.FAIL or not isinstance(badge_policy, dict):
        return check
    if not (badge_policy.get("startsWith") or badge_policy.get("allowedOrigins")):
        return check
    narrowed = _apply_policy(assertion_urls, badge_policy, issuer, issuer_url, "the BadgeClass's")
    return narrowed if narrowed.outcome is Outcome.FAIL else check


def _apply_policy(
    assertion_urls: Sequence[str], policy: dict[str, Any], issuer: dict[str, Any], issuer_url: str | None, whose: str
) -> Check:
    starts = [s for s in as_list(policy.get("startsWith")) if isinstance(s, str) and s]
    origins = [o.strip().lower() for o in as_list(policy.get("allowedOrigins")) if isinstance(o, str) and o.strip()]
    issuer_id = issuer.get("id")
    default_origin = urlsplit(str(issuer_id)).netloc.lower() if is_http_url(issuer_id) else None
    for url in dict.fromkeys(assertion_urls):
        parts = urlsplit(url)
        if starts and not any(url.startswith(s) for s in starts):
            return failed(
                CheckId.HOSTED,
                f"the assertion is hosted at {url}, which does not start with any prefix {whose} policy allows ({', '.join(starts)})",
            )
        if origins:
            if (parts.hostname or "").lower() not in origins and parts.netloc.lower() not in origins:
                return failed(
                    CheckId.HOSTED,
                    f"the assertion is hosted on {parts.netloc}, which is not among {whose} allowed origins ({', '.join(origins)})",
                )
        elif default_origin is not None and parts.netloc.lower() != default_origin:
            return failed(
                CheckId.HOSTED,
                f"the assertion is hosted on {parts.netloc}, not on the issuer's own origin {default_origin} "
                "(the issuer's verification policy allows no other)",
            )
    where = f"served from its own id {assertion_urls[0]}"
    if not origins and default_origin is None:
        shown = issuer_id if isinstance(issuer_id, str) else issuer_url
        return warned(
            CheckId.HOSTED,
            f"{where}; the issuer's id {shown} is not an HTTP(S) URL, so no origin policy can be enforced",
        )
    rules = (["its startsWith prefixes"] if starts else []) + (
        ["its allowed origins"] if origins else ["its own origin (the default policy)"]
    )
    return passed(CheckId.HOSTED, f"{where}, as the issuer's verification policy allows ({' and '.join(rules)})")


def check_dates(a: dict[str, Any], now: datetime) -> Check:
    """§Assertion issuedOn / expires judged at ``now``."""
    issued = parse_datetime(a.get("issuedOn"))
    expires = parse_datetime(a.get("expires"))
    if issued is not None and issued > now + CLOCK_SKEW:
        return failed(CheckId.EXPIRY, f"issued on {a.get('issuedOn')}, which is in the future (now {_iso(now)})")
    if expires is not None and issued is not None and expires < issued:
        return failed(CheckId.EXPIRY, f"expires ({a.get('expires')}) before it was issued ({a.get('issuedOn')})")
    if expires is not None and expires <= now:
        return failed(CheckId.EXPIRY, f"expired on {a.get('expires')}")
    if expires is None:
        return passed(CheckId.EXPIRY, f"issued on {a.get('issuedOn')}; does not expire")
    return passed(CheckId.EXPIRY, f"issued on {a.get('issuedOn')}; valid until {a.get('expires')}")


def check_recipient(a: dict[str, Any], emails: Iterable[str]) -> tuple[Check, bool | None]:
    """§IdentityObject against the candidate's emails: the check and ``recipient_match``."""
    emails = tuple(e for e in emails if e and e.strip())
    if not emails:
        return skipped(CheckId.RECIPIENT, "no candidate email given"), None
    recipient = a.get("recipient") or {}
    identity_type = str(recipient.get("type") or "email")
    if identity_type.lower() not in EMAIL_TYPES:
        return skipped(CheckId.RECIPIENT, f"the badge names its recipient by {identity_type}, not by email"), None
    hashed = bool(parse_bool(recipient.get("hashed")))
    salt = recipient.get("salt") if isinstance(recipient.get("salt"), str) else None
    try:
        match = identity_matches(
            str(recipient.get("identity")), emails, hashed=hashed, salt=salt, identity_type="email"
        )
    except IdentityFormatError as exc:
        return errored(CheckId.RECIPIENT, f"the recipient identity cannot be compared: {exc}"), None
    shown = ", ".join(emails)
    if match:
        return passed(CheckId.RECIPIENT, f"issued to {shown}"), True
    return failed(CheckId.RECIPIENT, f"not issued to {shown}"), False


def revoked_entry(revocation_list: dict[str, Any], assertion: dict[str, Any]) -> dict[str, Any] | None:
    """§RevocationList: the entry that revokes ``assertion``, or ``None``.

    Entries are the assertion's id as a string, an object with that ``id``,
    or (OB 1.x issuers) an object with the assertion's ``uid``.
    """
    aid = assertion.get("id")
    uid = assertion.get("uid")
    entries = as_list(revocation_list.get("revokedAssertions"))
    for entry in entries:
        if isinstance(entry, str) and entry == aid:
            return {"id": entry}
        if isinstance(entry, dict) and (
            (aid and entry.get("id") == aid)
            or (uid and entry.get("uid") is not None and str(entry.get("uid")) == str(uid))
        ):
            return entry
    return None


def skills_of(badge: dict[str, Any]) -> tuple[Skill, ...]:
    """§AlignmentObject (``alignment``) and ``tags`` of a BadgeClass as skills."""
    out: list[Skill] = []
    for item in as_list(badge.get("alignment")):
        if not isinstance(item, dict):
            continue
        name = item.get("targetName")
        if not isinstance(name, str) or not name.strip():
            continue
        out.append(
            Skill(
                name=name.strip(),
                framework=_str(item.get("targetFramework")),
                code=_str(item.get("targetCode")),
                url=node_id(item.get("targetUrl")),
                source="alignment",
            )
        )
    for tag in as_list(badge.get("tags")):
        if isinstance(tag, str) and tag.strip():
            out.append(Skill(name=tag.strip(), source="tag"))
    return tuple(out)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")
