"""Credential status: Bitstring Status List, StatusList2021 and 1EdTech Revocation List (verifier.status)."""

from __future__ import annotations

import base64
import gzip
from collections.abc import AsyncIterator

import pytest

from tests.fixtures.vc.serve import fetcher, load, session
from verifier import status
from verifier.fetch import Fetcher
from verifier.models import Status
from verifier.vc import verify_vc_json


@pytest.fixture
async def served() -> AsyncIterator[Fetcher]:
    f, _ = fetcher()
    async with f:
        yield f


def encode(raw: bytes, *, multibase: bool = True) -> str:
    text = base64.urlsafe_b64encode(gzip.compress(raw)).rstrip(b"=").decode()
    return "u" + text if multibase else text


def test_bits_are_read_most_significant_first() -> None:
    bits = status.decode_list(encode(bytes([0b0100_0000, 0b0000_0001])), multibase=True)
    sl = status.StatusList("https://x.example/list", None, ("revocation",), bits)
    assert [sl.value(i) for i in range(16)] == [0, 1] + [0] * 13 + [1]
    assert sl.value(0, 2) == 0b01  # two-bit statuses (statusSize 2)
    with pytest.raises(status.StatusError, match="outside"):
        sl.value(16)


def test_statuslist2021_lists_have_no_multibase_prefix() -> None:
    raw = bytes([0x80]) + bytes(15)
    assert status.decode_list(encode(raw, multibase=False), multibase=False) == raw
    assert status.decode_list(encode(raw), multibase=False) == raw  # a stray prefix is tolerated


def test_decompression_bomb_is_refused_without_inflating_it() -> None:
    bomb = encode(bytes(64 * 1024 * 1024))  # 64 MiB of zeros, about 64 KiB compressed
    with pytest.raises(status.StatusError, match="more than"):
        status.decode_list(bomb, multibase=True, max_bytes=1024 * 1024)


@pytest.mark.parametrize("encoded", ["", "u!!!", "u" + base64.urlsafe_b64encode(b"not gzip").decode(), None])
def test_undecodable_lists_are_refused(encoded: str | None) -> None:
    with pytest.raises(status.StatusError):
        status.decode_list(encoded, multibase=True)


def test_index_is_a_digit_string_or_a_non_negative_integer() -> None:
    assert status.parse_index("23") == 23
    assert status.parse_index(23) == 23  # 1EdTech's vector: a JSON number, tolerated
    for bad in ("-1", "1e3", " 7", -1, 2.5, True, None, "٣"):
        with pytest.raises(status.StatusError):
            status.parse_index(bad)


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("revoked-bitstring.json", "revoked"),
        ("suspended-bitstring.json", "suspended"),
        ("revoked-statuslist2021.json", "revoked"),
        ("suspended-statuslist2021.json", "suspended"),
        ("revoked-1edtech.json", "revoked"),
        ("revoked-bitstring-jwt-list.json", "revoked"),
    ],
)
async def test_revoked_or_suspended_credential_fails_and_says_which(name: str, word: str, served: Fetcher) -> None:
    result = await verify_vc_json(load(name), session(served), input=name)
    assert result.status is Status.FAILED
    check = result.check("revocation")
    assert check is not None
    assert check.outcome.value == "fail"
    assert not check.indeterminate
    assert check.message.startswith(f"{word} by the issuer")
    assert result.check("signature").outcome.value == "pass"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "name",
    [
        "not-revoked-bitstring.json",
        "not-revoked-statuslist2021.json",
        "not-revoked-1edtech.json",
        "not-revoked-bitstring-jwt-list.json",
    ],
)
async def test_credential_whose_status_is_clear_verifies(name: str, served: Fetcher) -> None:
    result = await verify_vc_json(load(name), session(served), input=name)
    assert result.status is Status.VERIFIED, result.reason
    assert result.check("revocation").outcome.value == "pass"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("status-unreachable.json", "could not be fetched"),
        ("status-list-forged.json", "does not verify"),
        ("status-purpose-mismatch.json", "declares purpose revocation"),
    ],
)
async def test_status_that_cannot_be_established_is_an_error_never_not_revoked(
    name: str, says: str, served: Fetcher
) -> None:
    result = await verify_vc_json(load(name), session(served), input=name)
    assert result.status is Status.ERROR
    check = result.check("revocation")
    assert check is not None
    assert check.indeterminate
    assert says in check.message


async def test_status_list_issued_by_someone_else_is_named_or_refused_when_strict() -> None:
    doc = load("not-revoked-bitstring.json")
    f, _ = fetcher()
    async with f:
        check = await status.check_status(doc, session(f), issuer_id="https://other.example/issuer")
        assert check.outcome.value == "warn"
        assert "signed by https://issuer.example/issuer, not by the credential's issuer" in check.message
        strict = session(f)
        strict.strict_status_signer = True
        check = await status.check_status(doc, strict, issuer_id="https://other.example/issuer")
    assert check.indeterminate
    assert "not by the credential's issuer" in check.message


async def test_status_list_too_short_is_read_with_a_warning(served: Fetcher) -> None:
    result = await verify_vc_json(load("status-list-too-short.json"), session(served), input="short")
    assert result.status is Status.VERIFIED, result.reason
    check = result.check("revocation")
    assert check is not None
    assert check.outcome.value == "warn"
    assert "fewer than the 131072" in check.message


async def test_status_list_is_fetched_once_per_batch() -> None:
    f, requested = fetcher()
    async with f:
        s = session(f)
        for name in ("revoked-bitstring.json", "not-revoked-bitstring.json", "not-revoked-bitstring.json"):
            await verify_vc_json(load(name), s, input=name)
    lists = [u for u in requested if u.endswith("/status/bitstring-revocation")]
    assert len(lists) == 1


async def test_unknown_status_type_is_an_error(served: Fetcher) -> None:
    doc = load("unsigned.json")
    doc["credentialStatus"] = {"id": "https://issuer.example/s/1", "type": "CredentialStatusList2017"}
    check = await status.check_status(doc, session(served), issuer_id="https://issuer.example/issuer")
    assert check.indeterminate
    assert "not supported" in check.message


async def test_no_credential_status_skips_the_check(served: Fetcher) -> None:
    check = await status.check_status(load("unsigned.json"), session(served), issuer_id="https://issuer.example/issuer")
    assert check.outcome.value == "skip"


async def test_malformed_entry_is_an_error(served: Fetcher) -> None:
    doc = load("unsigned.json")
    doc["credentialStatus"] = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "seven",
        "statusListCredential": "https://issuer.example/status/bitstring-revocation",
    }
    check = await status.check_status(doc, session(served), issuer_id="https://issuer.example/issuer")
    assert check.indeterminate  # an entry that cannot be read says nothing either way
    assert "statusListIndex" in check.message


async def test_message_status_is_reported_but_never_decides(served: Fetcher) -> None:
    result = await verify_vc_json(load("status-message.json"), session(served), input="message")
    assert result.status is Status.VERIFIED, result.reason
    check = result.check("revocation")
    assert check is not None
    assert "not revoked" in check.message
    assert "message status 0x2: confirmed by the examination board" in check.message
