"""Open Badges 1.0 / 1.1 hosted assertions, read as Open Badges 2.0.

Badges issued before 2018 (Mozilla Backpack, Acclaim-era Credly, early
Badgr) are Open Badges 1.0 or 1.1 documents, and wallets and résumés still
link to them. 1EdTech's reference validator verifies them by upgrading each
document to 2.0 and verifying that. :mod:`verifier.ob2` does the same: this
module only says whether a document is 1.x and rewrites it, as plain JSON, into
the OB 2.0 compact form; the hosted verification (re-fetch from the issuer,
hosted origin policy, revocation, dates, recipient) is then the 2.0 one, and
the result's format is ``ob1-hosted``.

Versions (Open Badges 1.1 specification, "Badge Objects"; 1.0 "Assertion"):

- **1.1**: ``@context`` is ``https://w3id.org/openbadges/v1`` (or the
  ``openbadgespec.org/v1/context.json`` it redirects to), or a list holding
  it and not the v2 context.
- **1.0**: no ``@context``; an assertion has an IdentityObject ``recipient``
  (a JSON object), a ``badge`` and a ``verify`` VerificationObject. (0.5
  assertions, whose ``recipient`` is a bare string and whose badge is
  embedded, are not upgraded: they are refused as 2.0 would refuse them.)

The upgrade (1.1 spec tables for Assertion, IdentityObject,
VerificationObject, BadgeClass, AlignmentObject, Issuer; OB 2.0 §Assertion,
§VerificationObject, §BadgeClass, §AlignmentObject, §Profile):

- ``@context`` becomes the OB v2 context; ``type`` is set to ``Assertion`` /
  ``BadgeClass`` / ``Issuer`` when missing (1.0 had none);
- an assertion's ``id`` is its ``id`` (1.1) or, in 1.0, the hosted
  ``verify.url`` -- 1.1: "If using hosted verification, this should be the
  URL where the assertion is accessible"; a BadgeClass or issuer without an
  ``id`` (1.0) takes the URL it was fetched from;
- ``verify`` becomes ``verification``: type ``hosted`` is ``HostedBadge``;
  ``signed`` is ``SignedBadge`` with the key URL as ``creator`` (a signed 1.x
  badge given as plain JSON is then refused for want of its signature, as a
  2.0 one is);
- ``issuedOn`` / ``expires``: 1.0 allowed a Unix timestamp or a date
  (``YYYY-MM-DD``); they become ISO 8601 date-times in UTC, as 1EdTech's
  validator does. A value that is none of these is left as it is (and the
  2.0 rules refuse it);
- AlignmentObject ``name`` / ``url`` / ``description`` become ``targetName``
  / ``targetUrl`` / ``targetDescription``.

Nothing else is changed or dropped: the 2.0 rules then judge the document, and
the hosted check compares the ``id`` with where it was served, so an upgrade
cannot make a document claim more than it did.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
OB1_CONTEXTS = frozenset({"https://w3id.org/openbadges/v1", "https://openbadgespec.org/v1/context.json"})
Version = Literal["1.0", "1.1"]
Kind = Literal["assertion", "BadgeClass", "issuer profile"]

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(r"^\d{1,11}(\.\d+)?$")
_MAX_TIMESTAMP = 32503680000  # 3000-01-01: larger numbers are not Unix seconds


def version(doc: Any) -> Version | None:
    """``"1.1"`` / ``"1.0"`` for an Open Badges 1.x assertion, else None."""
    if not isinstance(doc, dict):
        return None
    ctx = doc.get("@context")
    if ctx is None:
        recipient = doc.get("recipient")
        if isinstance(recipient, dict) and "badge" in doc and isinstance(doc.get("verify"), dict):
            return "1.0"
        return None
    contexts = ctx if isinstance(ctx, list) else [ctx]
    if OB2_CONTEXT in contexts:
        return None
    if any(isinstance(c, str) and c in OB1_CONTEXTS for c in contexts):
        return "1.1"
    return None


def is_ob05(doc: Any) -> bool:
    """Whether ``doc`` is an Open Badges 0.5 assertion (no context, a bare-string
    ``recipient``, the badge embedded): a format this verifier does not read."""
    return (
        isinstance(doc, dict)
        and "@context" not in doc
        and isinstance(doc.get("recipient"), str)
        and isinstance(doc.get("badge"), dict)
    )


def is_ob1_document(doc: Any) -> bool:
    """Whether a fetched BadgeClass or issuer document is 1.x (v1 context, or none at all)."""
    if not isinstance(doc, dict):
        return False
    ctx = doc.get("@context")
    if ctx is None:
        return True
    contexts = ctx if isinstance(ctx, list) else [ctx]
    return OB2_CONTEXT not in contexts and any(isinstance(c, str) and c in OB1_CONTEXTS for c in contexts)


def assertion_id(doc: dict[str, Any]) -> Any:
    """The id a 1.x assertion is verified under: its ``id``, else (1.0) its hosted ``verify.url``."""
    if doc.get("id") is not None:
        return doc.get("id")
    verify = doc.get("verify")
    if isinstance(verify, dict) and verify.get("type") == "hosted":
        return verify.get("url")
    return None


def upgrade(doc: dict[str, Any], kind: Kind, *, url: str | None = None) -> dict[str, Any]:
    """``doc`` (a 1.x assertion, BadgeClass or issuer profile) rewritten in the
    OB 2.0 compact form (see the module docstring). ``url`` is where it was
    fetched from (the id of a 1.0 BadgeClass or issuer, which has none)."""
    out: dict[str, Any] = {k: v for k, v in doc.items() if k != "@context"}
    out = {"@context": OB2_CONTEXT, **out}
    if kind == "assertion":
        _upgrade_assertion(out)
    elif kind == "BadgeClass":
        _set_type(out, "BadgeClass")
        if out.get("id") is None and url:
            out["id"] = url
        if "alignment" in out:
            out["alignment"] = _upgrade_alignment(out["alignment"])
    else:
        _set_type(out, "Issuer")
        if out.get("id") is None and url:
            out["id"] = url
    return out


def _set_type(out: dict[str, Any], name: str) -> None:
    if out.get("type") is None:
        out["type"] = name


def _upgrade_assertion(out: dict[str, Any]) -> None:
    _set_type(out, "Assertion")
    ident = assertion_id(out)
    if ident is not None:
        out["id"] = ident
    verify = out.pop("verify", None)
    if isinstance(verify, dict) and "verification" not in out:
        out["verification"] = verify
    verification = out.get("verification")
    if isinstance(verification, dict):
        verification = dict(verification)
        kind = verification.get("type")
        if kind == "hosted":
            verification["type"] = "HostedBadge"
            verification.pop("url", None)  # the assertion's own URL: its id
        elif kind == "signed":
            verification["type"] = "SignedBadge"
            if "url" in verification and "creator" not in verification:
                verification["creator"] = verification.pop("url")
        out["verification"] = verification
    for name in ("issuedOn", "expires"):
        if name in out:
            out[name] = _upgrade_datetime(out[name])


def _upgrade_datetime(value: Any) -> Any:
    """A 1.x DateTime (ISO 8601, a date, or Unix seconds) as an ISO 8601 date-time; else unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) or (isinstance(value, str) and _TIMESTAMP.match(value.strip())):
        seconds = float(value)
        if 0 <= seconds < _MAX_TIMESTAMP:
            return datetime.fromtimestamp(seconds, UTC).isoformat()
        return value
    if isinstance(value, str) and _DATE_ONLY.match(value.strip()):
        try:
            day = datetime.strptime(value.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            return value
        return day.isoformat()
    return value


def _upgrade_alignment(value: Any) -> Any:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            item = dict(item)
            for old, new in (("url", "targetUrl"), ("name", "targetName"), ("description", "targetDescription")):
                if old in item and new not in item:
                    item[new] = item.pop(old)
        out.append(item)
    return out if isinstance(value, list) else out[0]
