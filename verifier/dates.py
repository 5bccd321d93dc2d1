"""Validity periods of verifiable credentials.

- VC Data Model 2.0 §4.9 "Validity Period": ``validFrom`` / ``validUntil``
  (both optional, ``dateTimeStamp``: a time zone is required).
- VC Data Model 1.1 §4.6 "Issuance Date" / §4.7 "Expiration": ``issuanceDate``
  (required there) / ``expirationDate``. In 1.1 the issuance date is also the
  start of validity: a credential "issued" in the future is not valid yet.
- OB 3.0 ``awardedDate`` is when the achievement was awarded: shown, never
  judged.

All instants are compared timezone-aware; a date-time without a zone is
read as UTC (VC 1.1 allowed ``xsd:dateTime`` without one) and a malformed
one is a determinate structure problem.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from verifier.errors import DocumentError
from verifier.models import Check, CheckId, errored, failed, passed

START_KEYS = ("validFrom", "issuanceDate")
END_KEYS = ("validUntil", "expirationDate")


def parse_datetime(value: Any, *, field: str = "date") -> datetime:
    """An ISO 8601 / XML Schema date-time as an aware datetime; :class:`DocumentError` otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise DocumentError(f"{field} is not a date-time string: {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise DocumentError(f"{field} is not a valid date-time: {value!r}") from exc
    if "T" not in text.upper():
        raise DocumentError(f"{field} must be a date-time, not a date: {value!r}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def window(doc: dict[str, Any]) -> tuple[tuple[str, datetime] | None, tuple[str, datetime] | None]:
    """The (field, instant) pairs that open and close the validity period, if stated.

    :class:`DocumentError` when a stated date is malformed.
    """
    start = next(((k, parse_datetime(doc[k], field=k)) for k in START_KEYS if doc.get(k) is not None), None)
    end = next(((k, parse_datetime(doc[k], field=k)) for k in END_KEYS if doc.get(k) is not None), None)
    return start, end


def validity_problem(doc: dict[str, Any], now: datetime) -> str | None:
    """Why ``doc`` is not valid at ``now``, or ``None`` when it is (or states no period)."""
    try:
        start, end = window(doc)
    except DocumentError as exc:
        return str(exc)
    if start is not None and now < start[1]:
        return f"not valid until {start[0]} {iso(start[1])}"
    if end is not None and now >= end[1]:
        return f"expired: {end[0]} {iso(end[1])}"
    if start is not None and end is not None and end[1] < start[1]:
        return f"{end[0]} {iso(end[1])} is before {start[0]} {iso(start[1])}"
    return None


def expiry_check(doc: dict[str, Any], now: datetime) -> Check:
    """The ``expiry`` check of a credential at ``now``."""
    try:
        start, end = window(doc)
    except DocumentError as exc:  # a date that cannot be read: the validity period is unknown
        return errored(CheckId.EXPIRY, f"the validity period cannot be read: {exc}")
    problem = validity_problem(doc, now)
    if problem is not None:
        return failed(CheckId.EXPIRY, problem)
    parts = []
    if start is not None:
        parts.append(f"{start[0]} {iso(start[1])}")
    if end is not None:
        parts.append(f"{end[0]} {iso(end[1])}")
    if not parts:
        return passed(CheckId.EXPIRY, "no validity period stated: valid indefinitely")
    return passed(CheckId.EXPIRY, "within its validity period (" + ", ".join(parts) + ")")


def iso(value: datetime) -> str:
    """An instant as ISO 8601 with a ``Z`` for UTC."""
    return value.isoformat().replace("+00:00", "Z")


def from_numeric(value: Any, *, field: str) -> datetime:
    """A JWT NumericDate (RFC 7519 §2) as an aware datetime; :class:`DocumentError` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DocumentError(f"JWT claim {field} is not a NumericDate: {value!r}")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise DocumentError(f"JWT claim {field} is out of range: {value!r}") from exc
