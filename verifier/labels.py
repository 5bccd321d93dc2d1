"""Words for the codes a result carries, for people to read.

Results keep their machine codes (``ob2-hosted``, ``revocation``, ``error``:
docs/verifier-contract.md), and exports keep those codes in their own
columns; wherever a person reads a result, these words stand in for them.
Unknown codes (a newer verifier, a more specific check id) are shown as
given rather than guessed at.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = [
    "CHECK_LABELS",
    "FORMAT_LABELS",
    "MATCH_METHOD_LABELS",
    "OUTCOME_LABELS",
    "STATUS_LABELS",
    "TRUST_LABELS",
    "check_label",
    "format_label",
    "match_method_label",
    "status_word",
    "trust_label",
]

FORMAT_LABELS = MappingProxyType(
    {
        "ob1-hosted": "Open Badges 1.x (hosted)",
        "ob2-hosted": "Open Badges 2.0 (hosted)",
        "ob2-signed": "Open Badges 2.0 (signed)",
        "ob3": "Open Badges 3.0",
        "vc": "W3C Verifiable Credential",
        "clr": "Comprehensive Learner Record 2.0",
        "presentation": "W3C Verifiable Presentation",
        "unknown": "Unrecognised format",
    }
)
""":class:`~verifier.models.Format` values in words."""

CHECK_LABELS = MappingProxyType(
    {
        "fetch": "Retrieved",
        "structure": "Well-formed",
        "signature": "Signed by the issuer",
        "hosted": "Hosted by the issuer",
        "issuer": "Issuer confirmed",
        "revocation": "Not revoked",
        "expiry": "Within its validity dates",
        "recipient": "Issued to this candidate",
        "conformance": "Follows its standard",
        "credentials": "Credentials inside",
    }
)
""":class:`~verifier.models.CheckId` values (and ``credentials``) as what each check establishes."""

STATUS_LABELS = MappingProxyType({"verified": "Verified", "failed": "Failed", "error": "Couldn't verify"})
"""Result statuses in words."""

OUTCOME_LABELS = MappingProxyType(
    {"pass": "passed", "fail": "failed", "warn": "passed with a warning", "skip": "skipped"}
)
"""Check outcomes in words."""

TRUST_LABELS = MappingProxyType(
    {"allow": "on the allow list", "deny": "on the deny list", "unknown": "not on a trust list"}
)
"""Issuer trust-list verdicts in words."""

MATCH_METHOD_LABELS = MappingProxyType(
    {
        "identifier": "same skill identifier",
        "exact": "same name",
        "synonym": "a synonym",
        "fuzzy": "similar spelling",
        "semantic": "similar meaning",
        "none": "no match",
        "": "",
    }
)
"""How a badge's skill was matched to the catalogue, in words."""


def _word(table: MappingProxyType[str, str], code: object) -> str:
    if code is None:
        return ""
    text = str(code)
    return table.get(text, text)


def format_label(code: object) -> str:
    """``"ob2-hosted"`` -> ``"Open Badges 2.0 (hosted)"``; unknown codes as given, None as ""."""
    return _word(FORMAT_LABELS, code)


def check_label(code: object) -> str:
    """``"revocation"`` -> ``"Not revoked"``; unknown ids as given."""
    return _word(CHECK_LABELS, code)


def status_word(code: object) -> str:
    """``"error"`` -> ``"Couldn't verify"``; unknown statuses as given."""
    return _word(STATUS_LABELS, code)


def trust_label(code: object) -> str:
    """``"deny"`` -> ``"on the deny list"``; unknown verdicts as given."""
    return _word(TRUST_LABELS, code)


def match_method_label(code: object) -> str:
    """``"fuzzy"`` -> ``"similar spelling"``; unknown methods as given."""
    return _word(MATCH_METHOD_LABELS, code)
