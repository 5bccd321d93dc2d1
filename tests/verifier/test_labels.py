"""Every code a result can carry has words for people; unknown codes pass through."""

from __future__ import annotations

from verifier.labels import CHECK_LABELS, FORMAT_LABELS, check_label, format_label, status_word
from verifier.models import CheckId, Format, Status
from verifier.vc import CREDENTIALS_CHECK


def test_every_format_and_check_has_words() -> None:
    assert {f.value for f in Format} <= set(FORMAT_LABELS)
    assert {c.value for c in CheckId} | {CREDENTIALS_CHECK} <= set(CHECK_LABELS)
    assert all(status_word(s.value) != s.value for s in Status)


def test_words_stand_in_for_codes() -> None:
    assert format_label("ob2-hosted") == "Open Badges 2.0 (hosted)"
    assert check_label("revocation") == "Not revoked"
    assert status_word("error") == "Couldn't verify"


def test_unknown_codes_are_shown_as_given() -> None:
    assert format_label("ob4-future") == "ob4-future"
    assert check_label("revocation.bitstring") == "revocation.bitstring"
    assert format_label(None) == ""
