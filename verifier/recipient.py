"""Recipient checks: was this badge issued to this candidate?

Open Badges 2.0 §IdentityObject (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#IdentityObject):
``identity`` is either the plain value or ``<algorithm>$<hex digest>`` of
the value concatenated with ``salt`` when one is given; ``hashed`` says which.
Open Badges 3.0 §IdentityObject (``identityHash``, ``hashed``, ``salt``,
``identityType``) follows the same rule.

Email addresses are compared case-insensitively in the domain and, since
issuers differ in what they hash, as given and lower-cased; other identity
types are compared exactly after trimming.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

SUPPORTED_HASHES = {"sha256": hashlib.sha256, "md5": hashlib.md5}


class IdentityFormatError(ValueError):
    """A hashed identity that is not ``<algorithm>$<hex>`` with a supported algorithm."""


def identity_matches(
    identity: str,
    candidates: Iterable[str],
    *,
    hashed: bool,
    salt: str | None = None,
    identity_type: str = "email",
) -> bool:
    """Whether any candidate value is the identity the badge names.

    ``IdentityFormatError`` when ``hashed`` is true and the identity is not a
    supported ``alg$hex`` digest.
    """
    values = [v for c in candidates for v in _variants(c, identity_type)]
    if not hashed:
        target = identity.strip()
        if _is_email(identity_type):
            target_l = target.lower()
            return any(v.lower() == target_l for v in values)
        return any(v == target for v in values)
    algorithm, sep, digest = identity.strip().partition("$")
    hasher = SUPPORTED_HASHES.get(algorithm.lower())
    if not sep or hasher is None or not digest:
        raise IdentityFormatError(f"hashed identity must be sha256$<hex> or md5$<hex>, got {identity[:20]!r}")
    digest = digest.lower()
    salt = salt or ""
    for value in values:
        computed = hasher((value + salt).encode("utf-8")).hexdigest()
        if hmac.compare_digest(computed, digest):
            return True
    return False


def _is_email(identity_type: str) -> bool:
    return identity_type.lower() in ("email", "emailaddress")


def _variants(value: str, identity_type: str) -> list[str]:
    value = value.strip()
    if not value:
        return []
    if _is_email(identity_type):
        out = [value, value.lower()]
        local, at, domain = value.partition("@")
        if at:
            out.append(f"{local}@{domain.lower()}")
        return list(dict.fromkeys(out))
    if identity_type.lower() in ("telephone", "phonenumber"):
        digits = "".join(ch for ch in value if ch.isdigit() or ch == "+")
        return list(dict.fromkeys([value, digits]))
    return [value]
