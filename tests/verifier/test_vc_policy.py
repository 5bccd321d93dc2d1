"""The decision rules of the VC pipeline on their own: proof sets (verifier.proofset) and
validity periods (verifier.dates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from verifier import dates, proofset
from verifier.errors import DocumentError
from verifier.models import Outcome


@dataclass(frozen=True)
class Report:
    type: str = "DataIntegrityProof"
    cryptosuite: str | None = "eddsa-rdfc-2022"
    verification_method: str | None = "did:key:z6Mk#z6Mk"
    valid: bool | None = True
    message: str = ""


def verdict(*valid: bool | None) -> str:
    check = proofset.judge([Report(valid=v, message="why") for v in valid])
    return "error" if check.indeterminate else check.outcome.value


@pytest.mark.parametrize(
    ("valid", "expected"),
    [
        ((True,), "pass"),
        ((False,), "fail"),
        ((None,), "error"),
        ((None, True), "pass"),  # an unsupported or unreachable proof beside a good one
        ((True, False), "fail"),  # a broken proof beside a good one
        ((None, False), "fail"),
        ((None, None), "error"),
        ((), "fail"),  # no proof at all
    ],
)
def test_proof_set_rule(valid: tuple[bool | None, ...], expected: str) -> None:
    assert verdict(*valid) == expected


def test_every_proof_is_named_in_the_message() -> None:
    check = proofset.judge(
        [Report(valid=None, type="SomeProofType", cryptosuite=None, message="unsupported"), Report()]
    )
    assert check.outcome is Outcome.PASS
    assert check.message == (
        "proof 1 (SomeProofType, did:key:z6Mk#z6Mk): could not be verified: unsupported; "
        "proof 2 (eddsa-rdfc-2022, did:key:z6Mk#z6Mk): valid"
    )


NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ({"validFrom": "2025-01-01T00:00:00Z"}, None),
        ({"validFrom": "2027-01-01T00:00:00Z"}, "not valid until validFrom"),
        ({"validUntil": "2026-01-01T00:00:00Z"}, "expired: validUntil"),  # the instant itself is past
        ({"issuanceDate": "2027-01-01T00:00:00Z"}, "not valid until issuanceDate"),
        ({"expirationDate": "2025-12-31T23:59:59Z"}, "expired: expirationDate"),
        ({"validFrom": "2025-01-01T00:00:00Z", "validUntil": "2024-01-01T00:00:00Z"}, "expired"),
        ({"validFrom": "2025-06-01"}, "must be a date-time, not a date"),
        ({"validFrom": "yesterday"}, "not a valid date-time"),
        ({"awardedDate": "2030-01-01T00:00:00Z"}, None),  # informational only
        ({}, None),
    ],
)
def test_validity_period(doc: dict[str, str], problem: str | None) -> None:
    found = dates.validity_problem(doc, NOW)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


def test_offsets_and_zone_less_times_compare_as_instants() -> None:
    assert dates.parse_datetime("2026-01-01T01:00:00+01:00") == NOW
    assert dates.parse_datetime("2026-01-01T00:00:00") == NOW  # VC 1.1 xsd:dateTime without a zone: UTC
    assert dates.parse_datetime("2026-01-01T00:00:00.000Z") == NOW
    assert dates.parse_datetime("2025-12-31T19:00:00-05:00").astimezone(timezone(timedelta(0))) == NOW


@pytest.mark.parametrize("value", [None, 3, "", "2026-13-01T00:00:00Z"])
def test_malformed_dates_raise_document_error(value: object) -> None:
    with pytest.raises(DocumentError):
        dates.parse_datetime(value)


def test_expiry_check_states_the_period() -> None:
    check = dates.expiry_check({"validFrom": "2025-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z"}, NOW)
    assert check.outcome is Outcome.PASS
    assert (
        check.message == "within its validity period (validFrom 2025-01-01T00:00:00Z, validUntil 2027-01-01T00:00:00Z)"
    )
