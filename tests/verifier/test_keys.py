"""Multikey, JWK and base58 keys to and from cryptography objects."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, VECTORS
from verifier import keys
from verifier.errors import KeyResolutionError

FIXTURE_KEYS = json.loads((FIXTURES / "di" / "keys.json").read_text("utf-8"))
W3C_PAIRS = [
    VECTORS / "w3c-vc-di-eddsa" / "keyPair.json",
    VECTORS / "w3c-vc-di-ecdsa" / "p256KeyPair.json",
    VECTORS / "w3c-vc-di-ecdsa" / "p384KeyPair.json",
]


@pytest.mark.parametrize(
    ("multikey", "kind", "curve"),
    [
        ("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", ed25519.Ed25519PublicKey, None),
        ("zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP", ec.EllipticCurvePublicKey, "secp256r1"),
        (
            "z82LkuBieyGShVBhvtE2zoiD6Kma4tJGFtkAhxR5pfkp5QPw4LutoYWhvQCnGjdVn14kujQ",
            ec.EllipticCurvePublicKey,
            "secp384r1",
        ),
    ],
    ids=["ed25519", "p256", "p384"],
)
def test_w3c_multikeys_decode_and_encode_back(multikey: str, kind: type, curve: str | None) -> None:
    key = keys.public_key_from_multikey(multikey)
    assert isinstance(key, kind)
    if curve is not None:
        assert isinstance(key, ec.EllipticCurvePublicKey)
        assert key.curve.name == curve
    assert keys.multikey_from_public_key(key) == multikey


@pytest.mark.parametrize("name", sorted(FIXTURE_KEYS))
def test_fixture_keys_round_trip_through_every_encoding(name: str) -> None:
    entry = FIXTURE_KEYS[name]
    secret = keys.private_key_from_multikey(entry["secretKeyMultibase"])
    public = secret.public_key()
    assert keys.multikey_from_public_key(public) == entry["publicKeyMultibase"]
    assert keys.multikey_from_private_key(secret) == entry["secretKeyMultibase"]
    jwk = keys.jwk_from_public_key(public)
    assert keys.public_key_bytes(keys.public_key_from_jwk(jwk)) == keys.public_key_bytes(public)
    assert keys.did_key_from_public_key(public) == entry["didKey"]
    assert keys.did_jwk_from_public_key(public) == entry["didJwk"]


@pytest.mark.parametrize("path", W3C_PAIRS, ids=["ed25519", "p256", "p384"])
def test_w3c_secret_keys_give_their_public_keys(path: Any) -> None:
    pair = json.loads(path.read_text("utf-8"))
    secret = keys.private_key_from_multikey(pair.get("privateKeyMultibase") or pair["secretKeyMultibase"])
    assert keys.multikey_from_public_key(secret.public_key()) == pair["publicKeyMultibase"]


def test_ed25519_did_key_starts_with_the_ed25519_prefix() -> None:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key()
    assert keys.did_key_from_public_key(key).startswith("did:key:z6Mk")


def test_rsa_jwk_round_trips() -> None:
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    jwk = keys.jwk_from_public_key(public)
    assert jwk["kty"] == "RSA"
    assert keys.public_key_bytes(keys.public_key_from_jwk(jwk)) == keys.public_key_bytes(public)


def test_ed25519_jwk_matches_rfc8037_example() -> None:
    # RFC 8037 Appendix A.2: the public key of the example Ed25519 key pair
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    key = keys.public_key_from_jwk(jwk)
    assert isinstance(key, ed25519.Ed25519PublicKey)
    assert keys.jwk_from_public_key(key) == {"crv": "Ed25519", "kty": "OKP", "x": jwk["x"]}


@pytest.mark.parametrize(
    "value",
    [
        "6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",  # no multibase prefix
        "uAe0BAAAA",  # base64url multibase, not base58-btc
        "z0OIl",  # not base58
        "z",  # empty
        "z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc",  # x25519-pub: not a signing key
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4s",  # truncated Ed25519
        "zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVQ",  # P-256 point altered
    ],
)
def test_bad_multikeys_raise_key_resolution_error(value: str) -> None:
    with pytest.raises(KeyResolutionError):
        keys.public_key_from_multikey(value)


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "OKP", "crv": "X25519", "x": "AAAA"},
        {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"},
        {"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"},
        {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},
        {"kty": "oct", "k": "AAAA"},
        {"kty": "OKP", "crv": "Ed25519", "x": 5},
        "not a jwk",
    ],
)
def test_bad_jwks_raise_key_resolution_error(jwk: Any) -> None:
    with pytest.raises(KeyResolutionError):
        keys.public_key_from_jwk(jwk)


def test_jwk_with_private_material_is_refused() -> None:
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "d": "secret"}
    with pytest.raises(KeyResolutionError, match="private"):
        keys.public_key_from_jwk(jwk)


def test_base58_ed25519_key_decodes() -> None:
    key = keys.public_key_from_multikey("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
    assert isinstance(key, ed25519.Ed25519PublicKey)
    raw = base58.b58encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    assert keys.public_key_bytes(keys.public_key_from_base58(raw)) == keys.public_key_bytes(key)
    with pytest.raises(KeyResolutionError):
        keys.public_key_from_base58(raw[:-3])


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_any_string_is_a_key_or_a_key_resolution_error(value: str) -> None:
    with contextlib.suppress(KeyResolutionError):
        keys.public_key_from_multikey(value)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=60))
def test_any_multibase_bytes_are_a_key_or_a_key_resolution_error(raw: bytes) -> None:
    with contextlib.suppress(KeyResolutionError):
        keys.public_key_from_multikey(keys.multibase_encode(raw))
