"""Public keys in the encodings credentials use, to and from ``cryptography`` objects.

Supported:

- **Multikey** (Controlled Identifiers 1.0 §2.2.2 "Multikey"): ``publicKeyMultibase``
  as multibase base58-btc (``z...``) of a multicodec-prefixed key —
  ``ed25519-pub`` (0xed), ``p256-pub`` (0x1200, compressed point),
  ``p384-pub`` (0x1201, compressed point). The matching secret-key codecs
  (``ed25519-priv`` 0x1300, ``p256-priv`` 0x1306, ``p384-priv`` 0x1307) are
  read too, so that test fixtures can be signed with published key pairs.
- **JWK** (RFC 7517 / RFC 8037 / RFC 7518 §6): OKP Ed25519, EC P-256 / P-384,
  RSA public keys.
- ``publicKeyBase58`` (Ed25519VerificationKey2018): raw key bytes in base58.

Every decoder raises :class:`~verifier.errors.KeyResolutionError` for
input it cannot turn into a key; none of them returns a partial result.
"""

from __future__ import annotations

from typing import Any

import base58
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from verifier.codec import b64url_decode, b64url_encode
from verifier.errors import DocumentError, KeyResolutionError

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey

# Multicodec table (https://github.com/multiformats/multicodec/blob/master/table.csv)
ED25519_PUB = 0xED
P256_PUB = 0x1200
P384_PUB = 0x1201
ED25519_PRIV = 0x1300
P256_PRIV = 0x1306
P384_PRIV = 0x1307

_EC_CODECS: dict[int, ec.EllipticCurve] = {P256_PUB: ec.SECP256R1(), P384_PUB: ec.SECP384R1()}
_EC_PRIV_CODECS: dict[int, ec.EllipticCurve] = {P256_PRIV: ec.SECP256R1(), P384_PRIV: ec.SECP384R1()}
_JWK_CURVES: dict[str, ec.EllipticCurve] = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}
_CURVE_JWK_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384"}
_CURVE_BYTES = {"secp256r1": 32, "secp384r1": 48}


# -- varint / multibase ---------------------------------------------------


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _decode_varint(data: bytes) -> tuple[int, int]:
    value = shift = 0
    for i, byte in enumerate(data[:4]):
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i + 1
        shift += 7
    raise KeyResolutionError("malformed multicodec prefix")


def multibase_decode(value: str) -> bytes:
    """The bytes of a multibase base58-btc string (``z`` prefix).

    Only base58-btc is accepted: it is what every Data Integrity suite here
    uses for keys and ``proofValue`` (EdDSA / ECDSA Cryptosuites §2.2).
    """
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise KeyResolutionError("not a multibase base58-btc value (expected a 'z' prefix)")
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise KeyResolutionError(f"invalid base58-btc: {exc}") from exc


def multibase_encode(data: bytes) -> str:
    """``data`` as multibase base58-btc (``z...``)."""
    return "z" + base58.b58encode(data).decode("ascii")


def _b64url_decode(value: Any) -> bytes:
    if not isinstance(value, str):
        raise KeyResolutionError("JWK member is not a string")
    try:
        # RFC 7518 §6: JWK key members are base64url as RFC 7515 §2 defines it (unpadded).
        return b64url_decode(value, what="JWK member")
    except DocumentError as exc:
        raise KeyResolutionError(str(exc)) from None


# -- multikey --------------------------------------------------------------


def public_key_from_multikey(value: str) -> PublicKey:
    """The public key in a Multikey ``publicKeyMultibase`` value.

    :class:`KeyResolutionError` for another codec, a wrong length or a point
    not on the curve.
    """
    raw = multibase_decode(value)
    codec, used = _decode_varint(raw)
    key = raw[used:]
    try:
        if codec == ED25519_PUB:
            if len(key) != 32:
                raise KeyResolutionError(f"Ed25519 public key must be 32 bytes, got {len(key)}")
            return ed25519.Ed25519PublicKey.from_public_bytes(key)
        curve = _EC_CODECS.get(codec)
        if curve is not None:
            return ec.EllipticCurvePublicKey.from_encoded_point(curve, key)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyResolutionError(f"invalid public key: {exc}") from exc
    raise KeyResolutionError(f"unsupported multikey codec 0x{codec:x}")


def multikey_from_public_key(key: PublicKey) -> str:
    """The Multikey ``publicKeyMultibase`` of an Ed25519 or P-256 / P-384 key."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return multibase_encode(_encode_varint(ED25519_PUB) + key.public_bytes(Encoding.Raw, PublicFormat.Raw))
    if isinstance(key, ec.EllipticCurvePublicKey):
        codec = {v.name: k for k, v in _EC_CODECS.items()}.get(key.curve.name)
        if codec is None:
            raise KeyResolutionError(f"no multikey codec for curve {key.curve.name}")
        point = key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
        return multibase_encode(_encode_varint(codec) + point)
    raise KeyResolutionError(f"no multikey encoding for {type(key).__name__}")


def private_key_from_multikey(value: str) -> PrivateKey:
    """The secret key in a Multikey ``secretKeyMultibase`` (fixtures and tooling only)."""
    raw = multibase_decode(value)
    codec, used = _decode_varint(raw)
    key = raw[used:]
    try:
        if codec == ED25519_PRIV and len(key) == 32:
            return ed25519.Ed25519PrivateKey.from_private_bytes(key)
        curve = _EC_PRIV_CODECS.get(codec)
        if curve is not None:
            return ec.derive_private_key(int.from_bytes(key, "big"), curve)
    except ValueError as exc:
        raise KeyResolutionError(f"invalid secret key: {exc}") from exc
    raise KeyResolutionError(f"unsupported secret key codec 0x{codec:x}")


def multikey_from_private_key(key: PrivateKey) -> str:
    """The ``secretKeyMultibase`` of an Ed25519 or P-256 / P-384 private key."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return multibase_encode(_encode_varint(ED25519_PRIV) + raw)
    codec = {v.name: k for k, v in _EC_PRIV_CODECS.items()}.get(key.curve.name)
    if codec is None:
        raise KeyResolutionError(f"no multikey codec for curve {key.curve.name}")
    size = _CURVE_BYTES[key.curve.name]
    return multibase_encode(_encode_varint(codec) + key.private_numbers().private_value.to_bytes(size, "big"))


# -- JWK -------------------------------------------------------------------


def public_key_from_jwk(jwk: Any) -> PublicKey:
    """The public key of a JWK (OKP Ed25519, EC P-256 / P-384, RSA).

    A JWK carrying private members (``d``, ``p``, ...) is refused: a verification
    key is never a secret, and accepting one hides a publishing mistake.
    """
    if not isinstance(jwk, dict):
        raise KeyResolutionError("JWK is not an object")
    if "d" in jwk:
        raise KeyResolutionError("JWK contains private key material")
    kty = jwk.get("kty")
    try:
        if kty == "OKP":
            if jwk.get("crv") != "Ed25519":
                raise KeyResolutionError(f"unsupported OKP curve {jwk.get('crv')!r}")
            x = _b64url_decode(jwk.get("x"))
            if len(x) != 32:
                raise KeyResolutionError("Ed25519 JWK 'x' must be 32 bytes")
            return ed25519.Ed25519PublicKey.from_public_bytes(x)
        if kty == "EC":
            curve = _JWK_CURVES.get(str(jwk.get("crv")))
            if curve is None:
                raise KeyResolutionError(f"unsupported EC curve {jwk.get('crv')!r}")
            size = _CURVE_BYTES[curve.name]
            x, y = _b64url_decode(jwk.get("x")), _b64url_decode(jwk.get("y"))
            if len(x) != size or len(y) != size:
                raise KeyResolutionError(f"{jwk.get('crv')} JWK coordinates must be {size} bytes")
            return ec.EllipticCurvePublicKey.from_encoded_point(curve, b"\x04" + x + y)
        if kty == "RSA":
            n = int.from_bytes(_b64url_decode(jwk.get("n")), "big")
            e = int.from_bytes(_b64url_decode(jwk.get("e")), "big")
            return rsa.RSAPublicNumbers(e, n).public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyResolutionError(f"invalid JWK: {exc}") from exc
    raise KeyResolutionError(f"unsupported JWK key type {kty!r}")


def jwk_from_public_key(key: PublicKey) -> dict[str, str]:
    """The public JWK of a key (members in RFC 7638 order, no ``kid``)."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw))}
    if isinstance(key, ec.EllipticCurvePublicKey):
        crv = _CURVE_JWK_NAMES.get(key.curve.name)
        if crv is None:
            raise KeyResolutionError(f"no JWK curve name for {key.curve.name}")
        size = _CURVE_BYTES[key.curve.name]
        nums = key.public_numbers()
        return {
            "crv": crv,
            "kty": "EC",
            "x": b64url_encode(nums.x.to_bytes(size, "big")),
            "y": b64url_encode(nums.y.to_bytes(size, "big")),
        }
    if isinstance(key, rsa.RSAPublicKey):
        pn = key.public_numbers()
        return {
            "e": b64url_encode(pn.e.to_bytes((pn.e.bit_length() + 7) // 8, "big")),
            "kty": "RSA",
            "n": b64url_encode(pn.n.to_bytes((pn.n.bit_length() + 7) // 8, "big")),
        }
    raise KeyResolutionError(f"no JWK encoding for {type(key).__name__}")


def public_key_from_base58(value: Any) -> PublicKey:
    """An Ed25519 key from ``publicKeyBase58`` (Ed25519VerificationKey2018)."""
    if not isinstance(value, str):
        raise KeyResolutionError("publicKeyBase58 is not a string")
    try:
        raw = base58.b58decode(value)
        if len(raw) != 32:
            raise KeyResolutionError("Ed25519 public key must be 32 bytes")
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise KeyResolutionError(f"invalid publicKeyBase58: {exc}") from exc


# -- DIDs derived from keys ------------------------------------------------


def did_key_from_public_key(key: PublicKey) -> str:
    """The ``did:key`` DID of an Ed25519 or P-256 / P-384 key (did:key v0.7 §3.1)."""
    return "did:key:" + multikey_from_public_key(key)


def did_jwk_from_public_key(key: PublicKey) -> str:
    """The ``did:jwk`` DID of a key: base64url of the JWK's UTF-8 JSON (did:jwk §2.1)."""
    import json

    return "did:jwk:" + b64url_encode(json.dumps(jwk_from_public_key(key), separators=(",", ":")).encode())


def public_key_bytes(key: PublicKey) -> bytes:
    """A stable byte form of a public key, for comparing keys (SubjectPublicKeyInfo DER)."""
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
