"""Status lists as issuers deploy them (verifier.status): lists smaller than the
Bitstring Status List minimum, and lists issued by someone other than the
credential's issuer. Each relaxed rule is shown not to let a revoked, tampered
or forged badge through."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.vc import make_fixtures as mk
from tests.fixtures.vc.serve import fetcher, session
from verifier.models import Status, VerificationResult
from verifier.proofs import sign
from verifier.vc import verify_vc_json

DCC_SIZE = 100_000 // 8  # the Digital Credentials Consortium's lists hold 100,000 entries
LIST_URL = f"{mk.ORIGIN}/status/deployed"
OTHER_DID, OTHER_VM = mk.did_key(mk.OTHER_ED)


def own_list(bits: tuple[int, ...], *, size: int = DCC_SIZE) -> dict[str, Any]:
    return mk.bitstring_list("deployed", "revocation", bits, size=size)


def foreign_list(bits: tuple[int, ...], *, size: int = 16 * 1024) -> dict[str, Any]:
    """A list issued and signed by a hosting party's did:key, not by the credential's issuer."""
    doc = mk.bitstring_list("deployed", "revocation", bits, sign_it=False, size=size)
    doc["issuer"] = OTHER_DID
    return sign(
        doc, private_key=mk.OTHER_ED, verification_method=OTHER_VM, cryptosuite="eddsa-rdfc-2022", created=mk.CREATED
    )


def credential(index: int) -> dict[str, Any]:
    doc = mk.credential("deployed")
    doc["credentialStatus"] = mk.bitstring_entry("deployed", "revocation", index)
    return mk.signed(doc)


async def verify(doc: dict[str, Any], status_list: dict[str, Any], *, strict: bool = False) -> VerificationResult:
    f, _ = fetcher(documents={LIST_URL: status_list})
    async with f:
        s = session(f)
        s.strict_status_signer = strict
        return await verify_vc_json(doc, s, input="deployed")


def revocation(result: VerificationResult) -> tuple[str, str]:
    check = result.check("revocation")
    assert check is not None
    return ("error" if check.indeterminate else check.outcome.value), check.message


# -- lists smaller than 131,072 entries ------------------------------------------------


async def test_list_smaller_than_the_spec_minimum_is_read_with_a_warning() -> None:
    result = await verify(credential(mk.GOOD_INDEX), own_list(()))
    assert result.status is Status.VERIFIED, result.reason
    outcome, message = revocation(result)
    assert outcome == "warn"
    assert "not revoked" in message
    assert "100000 entries" in message
    assert "herd privacy" in message


async def test_revoked_in_a_small_list_still_fails() -> None:
    result = await verify(credential(mk.REVOKED_INDEX), own_list((mk.REVOKED_INDEX,)))
    assert result.status is Status.FAILED
    assert revocation(result)[0] == "fail"


async def test_index_moved_to_a_clear_bit_in_a_small_list_fails_the_signature() -> None:
    doc = credential(mk.REVOKED_INDEX)
    doc["credentialStatus"]["statusListIndex"] = str(mk.GOOD_INDEX)  # point at a bit that is not set
    result = await verify(doc, own_list((mk.REVOKED_INDEX,)))
    assert result.status is Status.FAILED
    assert result.check("signature").outcome.value == "fail"  # type: ignore[union-attr]


async def test_small_list_that_does_not_verify_is_still_an_error() -> None:
    forged = own_list((), size=DCC_SIZE)
    forged["credentialSubject"]["statusPurpose"] = "suspension"  # changed after signing
    result = await verify(credential(mk.GOOD_INDEX), forged)
    assert result.status is Status.ERROR
    assert revocation(result)[0] == "error"


async def test_list_of_the_spec_size_has_no_warning() -> None:
    result = await verify(credential(mk.GOOD_INDEX), own_list((), size=16 * 1024))
    assert result.status is Status.VERIFIED
    assert revocation(result)[0] == "pass"


# -- lists signed by someone other than the issuer ---------------------------------------


async def test_list_signed_by_its_host_is_accepted_with_a_warning_naming_the_signer() -> None:
    result = await verify(credential(mk.GOOD_INDEX), foreign_list(()))
    assert result.status is Status.VERIFIED, result.reason
    outcome, message = revocation(result)
    assert outcome == "warn"
    assert OTHER_DID in message
    assert "not by the credential's issuer" in message


async def test_strict_status_signer_refuses_a_list_signed_by_someone_else() -> None:
    result = await verify(credential(mk.GOOD_INDEX), foreign_list(()), strict=True)
    assert result.status is Status.ERROR
    outcome, message = revocation(result)
    assert outcome == "error"
    assert OTHER_DID in message


async def test_revoked_in_a_list_signed_by_its_host_fails() -> None:
    result = await verify(credential(mk.REVOKED_INDEX), foreign_list((mk.REVOKED_INDEX,)))
    assert result.status is Status.FAILED
    outcome, message = revocation(result)
    assert outcome == "fail"
    assert OTHER_DID in message


@pytest.mark.parametrize("how", ["bits changed after signing", "signed by a third key"])
async def test_host_signed_list_whose_proof_does_not_hold_is_an_error(how: str) -> None:
    status_list = foreign_list((mk.REVOKED_INDEX,))
    if how == "bits changed after signing":
        status_list["credentialSubject"]["encodedList"] = own_list(())["credentialSubject"]["encodedList"]
    else:
        status_list["proof"]["verificationMethod"] = mk.did_key(mk.HOLDER_ED)[1]
    result = await verify(credential(mk.REVOKED_INDEX), status_list)
    assert result.status is Status.ERROR  # never "not revoked"
    assert revocation(result)[0] == "error"


async def test_list_naming_no_issuer_is_an_error() -> None:
    status_list = foreign_list(())
    del status_list["issuer"]
    result = await verify(credential(mk.GOOD_INDEX), status_list)
    assert result.status is Status.ERROR
    assert "names no issuer" in revocation(result)[1]


async def test_credential_tampered_to_point_at_a_host_signed_list_fails() -> None:
    doc = credential(mk.GOOD_INDEX)
    doc["credentialStatus"]["statusListCredential"] = "https://lists.example/other"
    result = await verify(doc, foreign_list(()))
    assert result.status is Status.FAILED
    assert result.check("signature").outcome.value == "fail"  # type: ignore[union-attr]


# -- StatusList2021 lists written right to left within bytes ----------------------------

SL2021_URL = f"{mk.ORIGIN}/status/legacy"
MIRROR = 8 * (mk.GOOD_INDEX // 8) + 7 - mk.GOOD_INDEX % 8  # the same bit read right to left within its byte


def sl2021_list(bits: tuple[int, ...]) -> dict[str, Any]:
    return mk.statuslist2021("legacy", "revocation", bits)


def sl2021_credential(index: int) -> dict[str, Any]:
    return mk.signed(mk.vc1_credential("legacy", credentialStatus=mk.sl2021_entry("legacy", "revocation", index)))


async def verify_sl2021(index: int, bits: tuple[int, ...]) -> VerificationResult:
    f, _ = fetcher(documents={SL2021_URL: sl2021_list(bits)})
    async with f:
        return await verify_vc_json(sl2021_credential(index), session(f), input="legacy")


async def test_statuslist2021_bit_set_only_right_to_left_is_never_read_as_not_revoked() -> None:
    result = await verify_sl2021(mk.GOOD_INDEX, (MIRROR,))
    assert result.status is Status.ERROR
    outcome, message = revocation(result)
    assert outcome == "error"
    assert "right to left" in message


async def test_statuslist2021_bit_set_in_the_specified_order_fails() -> None:
    result = await verify_sl2021(mk.GOOD_INDEX, (mk.GOOD_INDEX,))
    assert result.status is Status.FAILED
    assert revocation(result)[0] == "fail"


async def test_statuslist2021_bit_clear_both_ways_is_not_revoked() -> None:
    result = await verify_sl2021(mk.GOOD_INDEX, (mk.GOOD_INDEX + 8,))  # a set bit in another byte
    assert result.status is Status.VERIFIED, result.reason
    assert revocation(result)[0] == "pass"
