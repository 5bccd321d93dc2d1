"""The one base64url decoder (verifier.codec) and the one compact-JWS parser
(verifier.jose.decode_compact) every format reads through: strict alphabet,
padding as RFC 7515 §2 / RFC 4648 §5 say, one encoding per byte string."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifier import jose, keys, status
from verifier.codec import Base64urlError, b64url_decode, b64url_encode
from verifier.errors import DocumentError, KeyResolutionError, ProofError
from verifier.proofs import suites


def _segment(value: object) -> str:
    return b64url_encode(json.dumps(value).encode())


@given(st.binary(max_size=200))
def test_what_is_encoded_decodes_back(data: bytes) -> None:
    assert b64url_decode(b64url_encode(data)) == data


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ .!~\n", max_size=40))
def test_a_string_decodes_only_if_it_is_the_one_encoding_of_its_bytes(text: str) -> None:
    try:
        data = b64url_decode(text)
    except Base64urlError:
        return
    assert b64url_encode(data) == text


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a!b", "outside the base64url alphabet"),  # urlsafe_b64decode drops the "!" and decodes "ab"
        ("YW*Jj", "outside"),
        ("YW+j", "outside"),  # the standard alphabet's 62nd character
        ("YW/j", "outside"),
        ("YW Jj", "outside"),
        ("YWJj\n", "outside"),
        ("YW%4A", "outside"),
        ("YWJ", "bits set"),  # "abc" is YWJj; J leaves spare bits set
        ("Y", "whole bytes"),
        ("YWI=", "padding"),
    ],
)
def test_text_outside_the_jose_form_is_refused(text: str, why: str) -> None:
    with pytest.raises(Base64urlError, match=why):
        b64url_decode(text, what="the value")
    assert issubclass(Base64urlError, DocumentError)


def test_the_python_decoder_would_have_accepted_the_same_text() -> None:
    # What this module is for: the lenient decoder reads junk as something.
    assert base64.urlsafe_b64decode("YW!Jj") == base64.urlsafe_b64decode("YWJj") == b"abc"


@pytest.mark.parametrize(("text", "data"), [("YWI=", b"ab"), ("YWI", b"ab"), ("YQ==", b"a"), ("YWJj", b"abc")])
def test_optional_padding_accepts_exactly_right_padding(text: str, data: bytes) -> None:
    assert b64url_decode(text, padding="optional") == data


@pytest.mark.parametrize("text", ["YWI==", "YQ=", "YQ===", "YWJj====", "YW=I", "=", "YWJj="])
def test_optional_padding_refuses_wrong_padding(text: str) -> None:
    with pytest.raises(Base64urlError):
        b64url_decode(text, padding="optional")


# -- every reader uses it ---------------------------------------------------------


def test_a_jws_segment_with_a_character_outside_the_alphabet_is_malformed() -> None:
    header, payload = _segment({"alg": "EdDSA"}), _segment({"@context": [], "type": []})
    # Python's decoder would drop the "!" and read the same header.
    with pytest.raises(jose.MalformedJws, match="outside the base64url alphabet"):
        jose.decode_compact(f"{header[:4]}!{header[4:]}.{payload}.c2ln")
    with pytest.raises(jose.MalformedJws, match="padding"):
        jose.decode_compact(f"{header}.{payload}.c2ln=")


def test_a_jws_header_or_payload_that_is_no_object_is_malformed() -> None:
    with pytest.raises(jose.MalformedJws, match="JSON objects"):
        jose.decode_compact(f"{_segment({'alg': 'EdDSA'})}.{_segment([1, 2])}.c2ln")
    with pytest.raises(jose.MalformedJws, match="empty"):
        jose.decode_compact(f".{_segment({})}.c2ln")


def test_parse_compact_refuses_an_empty_signature_and_pins_algorithms() -> None:
    token = f"{_segment({'alg': 'RS256'})}.{_segment({'a': 1})}."
    assert jose.decode_compact(token).signature == b""
    with pytest.raises(jose.MalformedJws, match="signature is empty"):
        jose.parse_compact(token)
    with pytest.raises(jose.AlgorithmRefused, match="RS256"):
        jose.parse_compact(token + "c2ln", algorithms=("EdDSA",))


def test_a_jwk_member_must_be_unpadded_base64url() -> None:
    raw = bytes(range(32))
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    assert keys.jwk_from_public_key(keys.public_key_from_jwk(jwk))["x"] == jwk["x"]
    for bad in (jwk["x"] + "=", jwk["x"][:-2] + "+" + jwk["x"][-1:], " " + jwk["x"]):
        with pytest.raises(KeyResolutionError, match="JWK member is not base64url"):
            keys.public_key_from_jwk({**jwk, "x": bad})


def test_an_encoded_status_list_may_be_padded_but_not_junk() -> None:
    import gzip

    bits = gzip.compress(b"\x00" * 16)
    unpadded = b64url_encode(bits)
    padded = unpadded + "=" * (-len(unpadded) % 4)
    for text in (unpadded, "u" + unpadded, padded):
        assert status.decode_list(text, multibase=True) == b"\x00" * 16
    with pytest.raises(status.StatusError, match="outside the base64url alphabet"):
        status.decode_list("u" + unpadded[:5] + "*" + unpadded[5:], multibase=True)


def test_a_detached_jws_proof_reads_through_the_same_decoder() -> None:
    prefix = suites.detached_header_prefix()
    value = suites.detached_jws(prefix, b"\x01" * 64)
    assert suites.parse_detached_jws(value) == (prefix, b"\x01" * 64)
    with pytest.raises(ProofError, match="outside the base64url alphabet"):
        suites.parse_detached_jws(value[:-3] + "!" + value[-2:])
