"""The recruiter's sentence (``summary``) says what the checks established, no more."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verifier import cli
from verifier.models import (
    AchievementInfo,
    CheckId,
    IssuerInfo,
    errored,
    failed,
    make_result,
    passed,
    skipped,
    warned,
)
from verifier.summary import NOTHING_BAD, human_date

ISSUER = IssuerInfo(id="https://example.org/issuer", name="Example University")
OK = [passed(CheckId.SIGNATURE, "ok"), passed(CheckId.ISSUER, "ok")]


def _result(*checks, **fields):
    return make_result("badge.json", [*OK, *checks], issuer=ISSUER, **fields)


def test_verified_badge_reads_genuine_and_names_the_issuer() -> None:
    result = _result(passed(CheckId.RECIPIENT, "ok"), recipient_match=True, expires="2027-01-31T00:00:00Z")
    assert result.summary == "Genuine: issued by Example University to this candidate, valid until 31 January 2027."


def test_verified_badge_without_an_email_says_it_was_not_matched() -> None:
    result = _result(skipped(CheckId.RECIPIENT, "no candidate email given"))
    assert result.summary.startswith("Genuine: issued by Example University.")
    assert "not matched to the candidate's email" in result.summary


def test_verified_badge_without_a_revocation_method_says_so() -> None:
    result = _result(warned(CheckId.REVOCATION, "no list"))
    assert "no way to check whether it was withdrawn" in result.summary


def test_revoked_badge_reads_withdrawn_with_its_date() -> None:
    result = _result(failed(CheckId.REVOCATION, "revoked by the issuer on 2025-03-03T10:00:00Z"))
    assert result.summary == "Withdrawn by its issuer on 3 March 2025."


def test_expired_badge_reads_genuine_but_expired() -> None:
    result = _result(failed(CheckId.EXPIRY, "expired: validUntil 2025-03-03T00:00:00Z"), expires="2025-03-03T00:00:00Z")
    assert result.summary == "Genuine, but expired on 3 March 2025."


def test_badge_from_the_future_reads_not_valid_yet() -> None:
    result = _result(failed(CheckId.EXPIRY, "not valid until validFrom 2030-01-01T00:00:00Z"))
    assert result.summary == "Not valid yet: it only becomes valid on 1 January 2030."


def test_wrong_recipient_reads_issued_to_someone_else() -> None:
    result = _result(failed(CheckId.RECIPIENT, "not issued to a***@example.org"), recipient_match=False)
    assert result.summary.startswith("Issued to someone else")


def test_bad_signature_reads_not_genuine() -> None:
    result = make_result(
        "x", [failed(CheckId.SIGNATURE, "the proof does not verify")], issuer=ISSUER, achievement=AchievementInfo()
    )
    assert result.summary.startswith("Not genuine:")
    assert "the proof does not verify" in result.summary


@pytest.mark.parametrize(
    ("check_id", "lead"),
    [
        (CheckId.REVOCATION, "Couldn't check whether it was withdrawn: the issuer's list did not answer"),
        (CheckId.FETCH, "Couldn't be checked: the badge or a document it depends on could not be obtained"),
        (CheckId.STRUCTURE, "Couldn't be checked: the file is not a credential this tool can read"),
    ],
)
def test_errors_never_accuse_the_candidate(check_id: CheckId, lead: str) -> None:
    result = _result(errored(check_id, "timed out"))
    assert result.status.value == "error"
    assert result.summary.startswith(lead)
    assert result.summary.endswith(f"{NOTHING_BAD}.")


def test_a_determinate_failure_outweighs_an_error_in_the_sentence() -> None:
    result = _result(errored(CheckId.REVOCATION, "timed out"), failed(CheckId.EXPIRY, "expired: validUntil 2020-01-01"))
    assert result.status.value == "failed"
    assert result.summary.startswith("Genuine, but expired")


def test_human_date_keeps_unparsable_text() -> None:
    assert human_date("sometime in spring") == "sometime in spring"
    assert human_date(None) is None
    assert human_date("2024-02-29") == "29 February 2024"


def test_summary_is_in_the_json_and_csv_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "not-a-badge.json"
    bad.write_text("[1, 2, 3]", encoding="utf-8")
    assert cli.main(["verify", str(bad), "--json"]) == 1
    line = json.loads(capsys.readouterr().out.splitlines()[0])
    assert line["status"] == "error"
    assert line["summary"].endswith(f"{NOTHING_BAD}.")
    assert cli.main(["verify", str(bad), "--csv"]) == 1
    header, row = capsys.readouterr().out.splitlines()[:2]
    assert "summary" in header.split(",")
    assert NOTHING_BAD in row


def test_self_asserted_issuer_is_named_as_a_claim_only() -> None:
    from verifier.models import IdentityLevel, Impersonation, IssuerIdentity

    identity = IssuerIdentity(
        level=IdentityLevel.SELF_ASSERTED,
        claims_name="Amazon Web Services",
        impersonation=Impersonation("Amazon Web Services (did:web:aws.example)", "similar name", "warn"),
    )
    issuer = IssuerInfo(id="did:key:z6Mk", name="Amazon Web Servlces", identity=identity)
    result = make_result("x", OK, issuer=issuer)
    assert result.summary.startswith(
        "Genuine: signed by an issuer whose identity is not proven (it only claims to be Amazon Web Servlces)"
    )
    assert "resembles Amazon Web Services" in result.summary


def test_proven_domain_and_registry_are_named() -> None:
    from verifier.models import IdentityLevel, IssuerIdentity, RegistryListing

    by_domain = IssuerInfo(
        name="Example University", identity=IssuerIdentity(level=IdentityLevel.DOMAIN, proven="example.edu")
    )
    assert "whose ownership of example.edu is proven" in make_result("x", OK, issuer=by_domain).summary
    listed = IssuerInfo(
        name="Example University",
        identity=IssuerIdentity(level=IdentityLevel.REGISTRY, registries=(RegistryListing("DCC Sandbox Registry"),)),
    )
    assert "(listed in DCC Sandbox Registry)" in make_result("x", OK, issuer=listed).summary
