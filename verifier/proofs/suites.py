"""The cryptographic suites: how each turns a document and a proof configuration
into the bytes that are signed, and how it signs and verifies them.

Suites (selected by proof ``type`` and, for ``DataIntegrityProof``, ``cryptosuite``):

==========================  ==================  ================  ==================
suite                       canonicalization    hash              signature
==========================  ==================  ================  ==================
eddsa-rdfc-2022             RDFC-1.0            SHA-256           Ed25519
eddsa-jcs-2022              JCS (RFC 8785)      SHA-256           Ed25519
ecdsa-rdfc-2019             RDFC-1.0            SHA-256 / -384    ECDSA P-256 / P-384
ecdsa-jcs-2019              JCS (RFC 8785)      SHA-256 / -384    ECDSA P-256 / P-384
Ed25519Signature2020        URDNA2015           SHA-256           Ed25519
Ed25519Signature2018        URDNA2015           SHA-256           Ed25519 (detached JWS)
eddsa-2022 (draft name)     RDFC-1.0            SHA-256           Ed25519
==========================  ==================  ================  ==================

In every suite the data hashed is ``hash(canonical proof configuration) ||
hash(canonical document)`` (EdDSA Cryptosuites v1.0 §3.2.4 / §3.3.4 "Hashing";
ECDSA Cryptosuites v1.0 §3.2.4 / §3.3.4, where P-384 keys use SHA-384;
Ed25519Signature2020 §"Hashing"). ECDSA signatures are the raw ``r || s``
(IEEE P1363) form, converted to DER for ``cryptography``.

Ed25519Signature2018 (W3C CCG "Ed25519 Signature 2018", the suite of the 2022
Jobs for the Future plugfest badges and of vc-js before 2021) carries its
signature as a detached JWS in ``jws`` rather than a multibase ``proofValue``:
the protected header is ``{"alg":"EdDSA","b64":false,"crit":["b64"]}``
(RFC 7797 "JWS Unencoded Payload Option" §3, §5.2), the payload segment is
empty, and the Ed25519 signature is over ``ASCII(BASE64URL(header)) || "." ||
hash data`` (RFC 7515 §5.1 step 8 with the unencoded payload of RFC 7797 §3).
The proof configuration leaves out ``jws`` (and ``proofValue`` /
``signatureValue``, which the Linked Data Proofs draft also names as
signature values) and takes the document's ``@context``, as for the 2020
suite; jsonld-signatures before 2021 gave it ``https://w3id.org/security/v2``
instead, which defines ``created``, ``proofPurpose``, ``verificationMethod``
and the suite's type with the same IRIs, so the canonical statements are the
same.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from verifier import jsonld
from verifier.codec import b64url_decode, b64url_encode
from verifier.contexts import Variant
from verifier.errors import DocumentError, ProofError
from verifier.keys import PrivateKey, PublicKey

Canon = Literal["rdfc", "jcs"]
Family = Literal["eddsa", "ecdsa"]
Carrier = Literal["proofValue", "jws"]

# Proof properties that hold the signature and are left out of the proof configuration.
SIGNATURE_PROPERTIES = frozenset({"proofValue", "jws", "signatureValue"})


@dataclass(frozen=True, slots=True)
class Suite:
    """One cryptographic suite: its name, proof type, canonicalization and key family."""

    name: str
    proof_type: str
    canon: Canon
    family: Family
    carrier: Carrier = "proofValue"

    @property
    def algorithm(self) -> str:
        """The RDF canonicalization algorithm name (RDFC-1.0, or URDNA2015 for the 2018 and 2020 suites)."""
        return "RDFC-1.0" if self.proof_type == "DataIntegrityProof" else "URDNA2015"


SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        Suite("eddsa-rdfc-2022", "DataIntegrityProof", "rdfc", "eddsa"),
        Suite("eddsa-jcs-2022", "DataIntegrityProof", "jcs", "eddsa"),
        Suite("ecdsa-rdfc-2019", "DataIntegrityProof", "rdfc", "ecdsa"),
        Suite("ecdsa-jcs-2019", "DataIntegrityProof", "jcs", "ecdsa"),
        Suite("Ed25519Signature2020", "Ed25519Signature2020", "rdfc", "eddsa"),
        Suite("Ed25519Signature2018", "Ed25519Signature2018", "rdfc", "eddsa", "jws"),
        # The name eddsa-rdfc-2022 had in drafts before 2023 (same algorithm);
        # 1EdTech's validator and early OB 3.0 issuers still emit it.
        Suite("eddsa-2022", "DataIntegrityProof", "rdfc", "eddsa"),
    )
}


def select_suite(proof: dict[str, Any]) -> Suite:
    """The suite a proof uses (the "Instantiate Cryptosuite" algorithm of each suite spec, §3.1).

    :class:`ProofError` for an unknown proof type or cryptosuite.
    """
    ptype = proof.get("type")
    if ptype == "DataIntegrityProof":
        name = proof.get("cryptosuite")
        suite = SUITES.get(name) if isinstance(name, str) else None
        if suite is None or suite.proof_type != "DataIntegrityProof":
            raise ProofError(f"unsupported cryptosuite {name!r}")
        return suite
    if ptype in ("Ed25519Signature2020", "Ed25519Signature2018"):
        return SUITES[ptype]
    raise ProofError(f"unsupported proof type {ptype!r}")


def hash_for_key(suite: Suite, key: PublicKey | PrivateKey) -> str:
    """The hash function name for ``suite`` with ``key`` (``sha256`` / ``sha384``)."""
    if suite.family == "ecdsa":
        if not isinstance(key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
            raise ProofError(f"{suite.name} needs a P-256 or P-384 key")
        if key.curve.name == "secp384r1":
            return "sha384"
        if key.curve.name == "secp256r1":
            return "sha256"
        raise ProofError(f"{suite.name} does not support curve {key.curve.name}")
    if not isinstance(key, (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey)):
        raise ProofError(f"{suite.name} needs an Ed25519 key")
    return "sha256"


def proof_configuration(suite: Suite, proof: dict[str, Any], unsecured: dict[str, Any]) -> dict[str, Any]:
    """The proof configuration: the proof without ``proofValue``, with the document's ``@context``
    (EdDSA §3.2.5 / §3.3.5, ECDSA §3.2.5 / §3.3.5 "Proof Configuration"; for JCS
    only when the document has one)."""
    config = {k: v for k, v in proof.items() if k not in SIGNATURE_PROPERTIES}
    if suite.canon == "rdfc" or "@context" in unsecured:
        if "@context" in unsecured:
            config["@context"] = unsecured["@context"]
        else:
            config.pop("@context", None)
    return config


def canonical(
    suite: Suite,
    data: dict[str, Any],
    *,
    ob303: Variant = "latest",
    expanded: jsonld.Expansion | None = None,
    strict: bool = True,
) -> bytes:
    """``data`` (a document or a proof configuration) in the suite's canonical form, as bytes.

    Transformation: EdDSA / ECDSA §3.x.3 (RDFC-1.0 N-Quads or RFC 8785 JCS);
    errors are :class:`DocumentError` subclasses. ``expanded`` may spare the
    RDF suites expanding ``data`` again (see :func:`verifier.jsonld.canonize`).
    ``strict=False`` drops undefined terms instead of raising (the caller must
    then say what the proof does not secure).
    """
    if suite.canon == "jcs":
        try:
            return rfc8785.dumps(data)
        except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
            raise DocumentError(f"cannot canonicalize with JCS: {exc}") from exc
    return jsonld.canonize(data, algorithm=suite.algorithm, ob303=ob303, expanded=expanded, strict=strict).encode(
        "utf-8"
    )


def canonical_forms(
    suite: Suite, config: dict[str, Any], unsecured: dict[str, Any], *, ob303: Variant = "latest"
) -> tuple[bytes, bytes]:
    """The canonical proof configuration and the canonical (transformed) document."""
    return canonical(suite, config, ob303=ob303), canonical(suite, unsecured, ob303=ob303)


# RFC 7797 §3: with "b64": false the payload is not encoded; §6: "b64" must then be listed in "crit".
DETACHED_HEADER = {"alg": "EdDSA", "b64": False, "crit": ["b64"]}
MAX_JWS_CHARS = 4096


def _b64url_decode(segment: str, what: str) -> bytes:
    try:
        return b64url_decode(segment, what=what)
    except DocumentError as exc:
        raise ProofError(str(exc)) from None


def parse_detached_jws(value: Any) -> tuple[bytes, bytes]:
    """``(signing prefix, signature)`` of an Ed25519Signature2018 ``jws``:
    ``header..signature`` with the header of :data:`DETACHED_HEADER`.

    The prefix is ``ASCII(BASE64URL(header)) || "."``, to which the hash data
    is appended to form the signing input (RFC 7797 §3). :class:`ProofError`
    for anything else (an attached payload, another algorithm, b64 not false
    or not critical, a malformed segment).
    """
    if not isinstance(value, str) or len(value) > MAX_JWS_CHARS:
        raise ProofError("the jws is not a detached JWS string")
    parts = value.split(".")
    if len(parts) != 3 or parts[1] != "":
        raise ProofError("the jws is not a detached JWS (header..signature)")
    try:
        header = json.loads(_b64url_decode(parts[0], "the jws header"))
    except (ProofError, ValueError) as exc:
        raise ProofError("the jws header is not base64url JSON") from exc
    if not isinstance(header, dict):
        raise ProofError("the jws header is not a JSON object")
    if header.get("alg") != "EdDSA":
        raise ProofError(f"the jws algorithm is {header.get('alg')!r}, not EdDSA")
    if header.get("b64") is not False or header.get("crit") != ["b64"] or set(header) - {"alg", "b64", "crit"}:
        raise ProofError("the jws header is not the unencoded-payload header of Ed25519Signature2018")
    signature = _b64url_decode(parts[2], "the jws signature")
    if not parts[0] or not signature:
        raise ProofError("the jws header or signature is empty")
    return parts[0].encode("ascii") + b".", signature


def detached_jws(header_prefix: bytes, signature: bytes) -> str:
    """The ``jws`` value for a signature made over ``header_prefix || hash data``."""
    return header_prefix.decode("ascii") + "." + b64url_encode(signature)


def detached_header_prefix() -> bytes:
    """``ASCII(BASE64URL(header)) || "."`` for :data:`DETACHED_HEADER`."""
    raw = json.dumps(DETACHED_HEADER, separators=(",", ":")).encode("utf-8")
    return b64url_encode(raw).encode("ascii") + b"."


def hash_data(canonical_config: bytes, canonical_doc: bytes, hash_name: str) -> bytes:
    """``H(canonical proof configuration) || H(canonical document)`` (§3.x.4 "Hashing")."""
    return hashlib.new(hash_name, canonical_config).digest() + hashlib.new(hash_name, canonical_doc).digest()


def verify_signature(suite: Suite, key: PublicKey, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` over ``data`` verifies with ``key`` (§3.x.7 "Proof Verification")."""
    if suite.family == "eddsa":
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise ProofError(f"{suite.name} needs an Ed25519 key")
        if len(signature) != 64:
            return False
        try:
            key.verify(signature, data)
        except InvalidSignature:
            return False
        return True
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ProofError(f"{suite.name} needs a P-256 or P-384 key")
    size = (key.curve.key_size + 7) // 8
    if len(signature) != 2 * size:
        return False
    r = int.from_bytes(signature[:size], "big")
    s = int.from_bytes(signature[size:], "big")
    algo = hashes.SHA384() if hash_for_key(suite, key) == "sha384" else hashes.SHA256()
    try:
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(algo))
    except InvalidSignature:
        return False
    return True


def create_signature(suite: Suite, key: PrivateKey, data: bytes) -> bytes:
    """Sign ``data`` (§3.x.6 "Proof Serialization"); ECDSA as raw ``r || s``."""
    if suite.family == "eddsa":
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise ProofError(f"{suite.name} needs an Ed25519 private key")
        return key.sign(data)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ProofError(f"{suite.name} needs a P-256 or P-384 private key")
    size = (key.curve.key_size + 7) // 8
    algo = hashes.SHA384() if hash_for_key(suite, key) == "sha384" else hashes.SHA256()
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(algo)))
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")
