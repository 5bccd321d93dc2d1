"""Compact JWS credentials: VC-JWT (VC Data Model 1.1 §6.3.1), OB 3.0's JSON
Web Token proof format (OB 3.0 §8.2 "JSON Web Token Proof Format") and
VC-JOSE-COSE (securing VC 2.0 with JOSE, §3.1.1 "vc+jwt").

Verification steps (numbers used in the code):

1. Parse the compact JWS: three base64url segments, a JSON object header and
   payload (RFC 7515 §5.2 steps 1-7).
2. Pin the algorithm: only ``EdDSA``, ``ES256``, ``ES384``, ``RS256`` and
   ``PS256`` (RFC 7518 §3.1; OB 3.0 §8.2.3 requires RS256 support). ``none``
   and HMAC are refused outright; ``crit`` headers are not understood and
   refused (RFC 7515 §4.1.11).
3. Find the key and bind it to the issuer (:func:`resolve_key`):

   - ``kid`` (OB 3.0 §8.2.3: "A URI that can be dereferenced to an object of
     type JWK"): a DID URL or https URL is resolved with
     :func:`verifier.did.resolve_verification_method`; a relative ``kid``
     (``#key-1``) is read against the issuer's DID. The method's controller
     must be the issuer and list it under ``assertionMethod``
     (:func:`verifier.did.check_key_binding`). An https ``kid`` that serves a
     bare JWK or a JWK Set instead of a controller document (OB 3.0 §8.4
     "Dereferencing the Public Key") names no controller: it is bound only
     when served from the issuer's own origin.
   - ``jwk`` (OB 3.0 §8.2.3, allowed when there is no ``kid``): the key
     travels with the token, so by itself it proves nothing about who
     signed. It is accepted only when bound to the issuer: the issuer is the
     ``did:jwk`` or ``did:key`` of that very key, or the issuer's controller
     document (its DID document or https profile) lists that key under
     ``assertionMethod``. A profile that cannot be fetched leaves the
     binding, and the signature check, indeterminate.
   - With both, the ``kid`` decides and the ``jwk`` must be the same key.

4. Verify the signature over ``header.payload`` with the key, the algorithm
   matching the key type (an RSA key is at least 2048 bits).
5. Map the claims (:func:`credential_from_claims`): a payload with a ``vc``
   (or ``vp``) claim is VC-JWT 1.1: ``iss`` is the issuer, ``jti`` the id,
   ``sub`` the subject id, ``nbf``/``exp`` the issuance/expiration date; where
   the credential states them too they must agree (OB 3.0 §8.2.5 "Verify a
   Credential VC-JWT Signature"). Otherwise the payload is the credential
   itself (VC-JOSE-COSE, ``typ`` ``vc+jwt`` / ``vc+ld+json+jwt``); registered
   claims present beside it must agree with it likewise. ``nbf`` and ``exp``
   are judged against ``session.now`` as part of the validity period.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from verifier import dates, keys, nodes
from verifier.codec import b64url_decode
from verifier.errors import DocumentError, FetchError, KeyBindingError, KeyResolutionError, VerifierError
from verifier.keys import PublicKey
from verifier.session import Session

ALGORITHMS = ("EdDSA", "ES256", "ES384", "RS256", "PS256")
MIN_RSA_BITS = 2048
VC_TYPES = ("vc+jwt", "vc+ld+json+jwt", "application/vc+jwt", "application/vc+ld+json+jwt")
VP_TYPES = ("vp+jwt", "vp+ld+json+jwt", "application/vp+jwt", "application/vp+ld+json+jwt")
_UNDERSTOOD_HEADERS = frozenset({"alg", "kid", "jwk", "typ", "cty", "iss"})


class SignatureInvalid(VerifierError):
    """The JWS signature does not verify with the key (determinate)."""


class ClaimMismatch(DocumentError):
    """A registered JWT claim disagrees with the credential it carries (determinate)."""


class AlgorithmRefused(DocumentError):
    """The JWS names an algorithm that is never accepted (``none``, HMAC, unknown)."""


@dataclass(frozen=True, slots=True)
class CompactJws:
    """A parsed compact JWS (not yet verified)."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def alg(self) -> str:
        """The ``alg`` header."""
        return str(self.header.get("alg"))

    @property
    def typ(self) -> str:
        """The ``typ`` header, lower-cased ('' when absent)."""
        typ = self.header.get("typ")
        return typ.lower() if isinstance(typ, str) else ""


@dataclass(frozen=True, slots=True)
class BoundKey:
    """A verification key and how it is known to be the issuer's."""

    key: PublicKey
    description: str


class MalformedJws(DocumentError):
    """Not a compact JWS: the wrong number of parts, a part that is not strict
    base64url, or a header or payload that is not a JSON object (step 1)."""


class CriticalHeader(DocumentError):
    """The JWS lists ``crit`` header parameters, none of which are understood
    here (RFC 7515 §4.1.11: the JWS must then be rejected)."""


def decode_compact(token: str) -> CompactJws:
    """Step 1, RFC 7515 §5.2 steps 1-7: the header, payload and signature of a
    compact JWS, not yet checked or verified. :class:`MalformedJws` unless it
    is three strict base64url parts (RFC 7515 §2: no padding, nothing outside
    the alphabet; see :func:`verifier.codec.b64url_decode`) whose header and
    payload are JSON objects. The signature may be empty here (an unsecured
    JWS); :func:`parse_compact` refuses that.
    """
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise MalformedJws("a compact JWS has three dot-separated parts")
    try:
        raw_header = b64url_decode(parts[0], what="the JWS header")
        raw_payload = b64url_decode(parts[1], what="the JWS payload")
        signature = b64url_decode(parts[2], what="the JWS signature")
    except DocumentError as exc:
        raise MalformedJws(str(exc)) from None
    if not raw_header or not raw_payload:
        raise MalformedJws("the JWS header and payload must not be empty")
    try:
        header = json.loads(raw_header)
        payload = json.loads(raw_payload)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedJws(f"JWS header or payload is not JSON: {exc}") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise MalformedJws("JWS header and payload must be JSON objects")
    return CompactJws(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def check_header(jws: CompactJws, *, algorithms: Collection[str] = ALGORITHMS) -> None:
    """Step 2: the algorithm is one of ``algorithms`` (:class:`AlgorithmRefused`
    otherwise: ``none``, HMAC, anything unlisted), and no header parameter is
    marked critical (:class:`CriticalHeader`)."""
    alg = jws.header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms:
        raise AlgorithmRefused(f"JWS algorithm {alg!r} is not accepted (allowed: {', '.join(sorted(algorithms))})")
    crit = jws.header.get("crit")
    if crit is not None:
        raise CriticalHeader(f"JWS critical header parameters are not understood: {crit!r}")


def parse_compact(token: str, *, algorithms: Collection[str] = ALGORITHMS) -> CompactJws:
    """Steps 1-2: decode, pin the algorithm, refuse ``crit`` and an empty
    signature. A :class:`DocumentError` subclass when malformed or refused."""
    jws = decode_compact(token)
    check_header(jws, algorithms=algorithms)
    if not jws.signature:
        raise MalformedJws("the JWS signature is empty")
    return jws


def peek_payload(token: str) -> dict[str, Any]:
    """The payload of a compact JWS, decoded strictly but NOT verified: for
    routing a token to the verifier of its kind only."""
    return decode_compact(token).payload


def verify_signature(jws: CompactJws, key: PublicKey) -> None:
    """Step 4: :class:`SignatureInvalid` unless the signature verifies with ``key`` under ``jws.alg``."""
    alg, data, sig = jws.alg, jws.signing_input, jws.signature
    try:
        if alg == "EdDSA":
            if not isinstance(key, ed25519.Ed25519PublicKey):
                raise SignatureInvalid(f"EdDSA needs an Ed25519 key, the key is {_kind(key)}")
            key.verify(sig, data)
        elif alg in ("ES256", "ES384"):
            curve, size, digest = (
                ("secp256r1", 32, hashes.SHA256()) if alg == "ES256" else ("secp384r1", 48, hashes.SHA384())
            )
            if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != curve:
                raise SignatureInvalid(f"{alg} needs a {curve} key, the key is {_kind(key)}")
            if len(sig) != 2 * size:
                raise SignatureInvalid(f"{alg} signature must be {2 * size} bytes (r || s)")
            der = encode_dss_signature(int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big"))
            key.verify(der, data, ec.ECDSA(digest))
        elif alg in ("RS256", "PS256"):
            if not isinstance(key, rsa.RSAPublicKey):
                raise SignatureInvalid(f"{alg} needs an RSA key, the key is {_kind(key)}")
            if key.key_size < MIN_RSA_BITS:
                raise SignatureInvalid(f"RSA key of {key.key_size} bits is too short (minimum {MIN_RSA_BITS})")
            pad: padding.AsymmetricPadding = (
                padding.PKCS1v15()
                if alg == "RS256"
                else padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)  # RFC 7518 §3.5
            )
            key.verify(sig, data, pad, hashes.SHA256())
        else:  # parse_compact already refused it
            raise SignatureInvalid(f"algorithm {alg} is not accepted")
    except InvalidSignature as exc:
        raise SignatureInvalid(f"the {alg} signature does not verify") from exc


def _kind(key: PublicKey) -> str:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.curve.name
    return f"RSA-{key.key_size}"


# -- step 3: the key and its binding to the issuer ----------------------------------


async def resolve_key(
    jws: CompactJws, session: Session, *, issuer_id: str | None, purpose: str = "assertionMethod"
) -> BoundKey:
    """The issuer's key for this JWS (module docstring, step 3).

    :class:`KeyResolutionError` when it cannot be determined (indeterminate),
    :class:`KeyBindingError` when the key is determinately not the issuer's.
    """
    from verifier import did

    if not issuer_id:
        raise KeyBindingError("the credential names no issuer to bind the key to", vm_id="", issuer_id=None)
    kid = jws.header.get("kid")
    header_jwk = jws.header.get("jwk")
    header_key = keys.public_key_from_jwk(header_jwk) if header_jwk is not None else None
    if isinstance(kid, str) and kid.strip() and (header_key is None or _dereferenceable(kid, issuer_id)):
        vm_id = _absolute_kid(kid.strip(), issuer_id)
        try:
            vm = await did.resolve_verification_method(vm_id, session)
        except KeyResolutionError:
            if not vm_id.startswith("https://"):
                raise
            return await _bare_jwk(vm_id, header_key, session, issuer_id=issuer_id)
        binding = did.check_key_binding(vm, issuer_id, purpose)
        if header_key is not None and keys.public_key_bytes(header_key) != keys.public_key_bytes(vm.public_key):
            raise KeyBindingError(f"the jwk header is not the key {vm.id} names", vm_id=vm.id, issuer_id=issuer_id)
        how = "self-certifying key of an opaque issuer id" if binding == "self-certifying" else "issuer's key"
        return BoundKey(vm.public_key, f"kid {vm.id} ({how})")
    if header_key is None:
        raise KeyResolutionError("the JWS header has neither a dereferenceable kid nor a jwk")
    return await _bind_header_key(header_key, session, issuer_id=issuer_id, purpose=purpose)


async def _bare_jwk(kid: str, header_key: PublicKey | None, session: Session, *, issuer_id: str) -> BoundKey:
    """OB 3.0 §8.2.3 / §8.4 "Dereferencing the Public Key": a ``kid`` URL may serve a
    JWK (or a JWK Set, the key picked by its ``kid`` or the URL's fragment) rather
    than a controller document. Such a document names no controller, so the key is
    bound only when it is served from the issuer's own origin (the issuer id is an
    https URL with the same scheme, host and port)."""
    url, _, fragment = kid.partition("#")
    try:
        doc = await session.fetcher.fetch_json(url)
    except FetchError as exc:
        raise KeyResolutionError(f"could not fetch the key {kid}: {exc.reason}") from exc
    except DocumentError as exc:
        raise KeyResolutionError(f"the key {kid} is not a JSON document") from exc
    jwk: Any = None
    if isinstance(doc, dict) and "kty" in doc:
        jwk = doc
    elif isinstance(doc, dict) and isinstance(doc.get("keys"), list):
        candidates = [k for k in doc["keys"] if isinstance(k, dict)]
        named = [k for k in candidates if k.get("kid") in (kid, fragment) and k.get("kid")]
        jwk = named[0] if named else candidates[0] if len(candidates) == 1 and not fragment else None
    if jwk is None:
        raise KeyResolutionError(
            f"{kid} is neither a controller document listing the key, a JWK nor a JWK Set holding it"
        )
    key = keys.public_key_from_jwk({k: v for k, v in jwk.items() if k not in ("kid", "use", "alg", "key_ops")})
    if _origin(url) != _origin(issuer_id):
        raise KeyBindingError(
            f"the key {kid} is a bare JWK served outside the issuer's origin ({issuer_id}): nothing binds it to the issuer",
            vm_id=kid,
            issuer_id=issuer_id,
        )
    if header_key is not None and keys.public_key_bytes(header_key) != keys.public_key_bytes(key):
        raise KeyBindingError(f"the jwk header is not the key {kid} names", vm_id=kid, issuer_id=issuer_id)
    return BoundKey(key, f"kid {kid} (a JWK served from the issuer's own origin)")


def _origin(url: str) -> tuple[str, str, int | None] | None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return None
    return (parts.scheme, parts.hostname.lower(), parts.port or 443)


def _dereferenceable(kid: str, issuer_id: str) -> bool:
    return kid.startswith(("did:", "https://")) or (kid.startswith("#") and issuer_id.startswith("did:"))


def _absolute_kid(kid: str, issuer_id: str) -> str:
    if kid.startswith("#") and issuer_id.startswith("did:"):
        return issuer_id.split("#", 1)[0] + kid
    if kid.startswith(("did:", "https://", "http://")):
        return kid
    raise KeyResolutionError(f"kid {kid!r} is not a DID URL or https URL that can be dereferenced")


async def _bind_header_key(key: PublicKey, session: Session, *, issuer_id: str, purpose: str) -> BoundKey:
    from verifier import did

    raw = keys.public_key_bytes(key)
    if issuer_id.startswith(("did:jwk:", "did:key:")):
        vm = await did.resolve_verification_method(issuer_id, session)
        if keys.public_key_bytes(vm.public_key) != raw:
            raise KeyBindingError(
                f"the jwk header is not the key of the issuer {issuer_id}", vm_id=vm.id, issuer_id=issuer_id
            )
        return BoundKey(key, f"jwk header, the key of {issuer_id}")
    doc = await _issuer_document(issuer_id, session)
    for vm_id in _method_ids(doc, issuer_id):
        try:
            vm = await did.resolve_verification_method(vm_id, session)
        except KeyResolutionError:
            continue
        if keys.public_key_bytes(vm.public_key) == raw:
            did.check_key_binding(vm, issuer_id, purpose)
            return BoundKey(key, f"jwk header, listed by the issuer as {vm.id}")
    raise KeyBindingError(
        f"the jwk header key is not among the keys the issuer {issuer_id} lists under assertionMethod",
        vm_id="",
        issuer_id=issuer_id,
    )


async def _issuer_document(issuer_id: str, session: Session) -> dict[str, Any]:
    from verifier import did

    if issuer_id.startswith("did:web:"):
        url = did.did_web_url(issuer_id)
    elif issuer_id.startswith("https://"):
        url = issuer_id
    else:
        raise KeyResolutionError(f"the issuer {issuer_id} has no document that could list the jwk header key")
    doc = await did.fetch_controller_document(url, session)
    if doc.get("id") != issuer_id:
        raise KeyResolutionError(f"the document at {url} is not the profile of {issuer_id}")
    return doc


def _method_ids(doc: dict[str, Any], issuer_id: str) -> list[str]:
    out: list[str] = []
    for name in ("assertionMethod", "authentication", "verificationMethod"):
        value = doc.get(name)
        for entry in value if isinstance(value, list) else [value] if value is not None else []:
            ref = entry if isinstance(entry, str) else entry.get("id") if isinstance(entry, dict) else None
            if isinstance(ref, str):
                absolute = issuer_id.split("#", 1)[0] + ref if ref.startswith("#") else ref
                if absolute not in out:
                    out.append(absolute)
    return out


# -- step 5: claims --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mapped:
    """What a JWT payload carries: the credential or presentation, and its form."""

    document: dict[str, Any]
    kind: str  # "vc-jwt" (VC 1.1 vc claim), "vp-jwt" (vp claim), "vc-jose" (payload is the document)
    not_before: datetime | None = None
    expires: datetime | None = None


def credential_from_claims(payload: dict[str, Any]) -> Mapped:
    """Step 5: the credential (or presentation) a JWT payload carries, with the
    registered claims mapped onto it and checked against it.

    :class:`ClaimMismatch` when a claim and the credential disagree,
    :class:`DocumentError` when the payload holds no credential.
    """
    nbf = dates.from_numeric(payload["nbf"], field="nbf") if "nbf" in payload else None
    exp = dates.from_numeric(payload["exp"], field="exp") if "exp" in payload else None
    if isinstance(payload.get("vc"), dict):
        doc = dict(payload["vc"])
        _map_vc11(doc, payload, nbf, exp)
        return Mapped(doc, "vc-jwt", nbf, exp)
    if isinstance(payload.get("vp"), dict):
        doc = dict(payload["vp"])
        _agree(doc.get("id"), payload.get("jti"), "jti", "id")
        _agree(doc.get("holder"), payload.get("iss"), "iss", "holder")
        if "id" not in doc and isinstance(payload.get("jti"), str):
            doc["id"] = payload["jti"]
        if "holder" not in doc and isinstance(payload.get("iss"), str):
            doc["holder"] = payload["iss"]
        return Mapped(doc, "vp-jwt", nbf, exp)
    if "@context" in payload and "type" in payload:
        doc = {k: v for k, v in payload.items() if k not in ("iss", "sub", "jti", "nbf", "exp", "iat", "aud", "cnf")}
        _agree(nodes.issuer_id(doc), payload.get("iss"), "iss", "issuer.id")
        _agree(doc.get("id"), payload.get("jti"), "jti", "id")
        _agree(nodes.subject_id(doc), payload.get("sub"), "sub", "credentialSubject.id")
        # OB 3.0 §8.2.5: nbf MUST equal validFrom, exp sets validUntil; where both are stated they agree.
        _same_instant(doc, nbf, "nbf", ("validFrom", "issuanceDate"))
        _same_instant(doc, exp, "exp", ("validUntil", "expirationDate"))
        return Mapped(doc, "vc-jose", nbf, exp)
    raise DocumentError("the JWT payload holds no credential (no vc or vp claim, no @context and type)")


def _map_vc11(doc: dict[str, Any], payload: dict[str, Any], nbf: datetime | None, exp: datetime | None) -> None:
    # VC Data Model 1.1 §6.3.1 "JWT Decoding": claims fill in, or must agree with, the credential.
    iss, jti, sub = payload.get("iss"), payload.get("jti"), payload.get("sub")
    if nodes.issuer_id(doc) is None and isinstance(iss, str):
        issuer = doc.get("issuer")
        doc["issuer"] = {**issuer, "id": iss} if isinstance(issuer, dict) else iss
    _agree(nodes.issuer_id(doc), iss, "iss", "issuer.id")
    if "id" not in doc and isinstance(jti, str):
        doc["id"] = jti
    _agree(doc.get("id"), jti, "jti", "id")
    subject = doc.get("credentialSubject")
    if isinstance(subject, dict) and "id" not in subject and isinstance(sub, str):
        doc["credentialSubject"] = {**subject, "id": sub}
    _agree(nodes.subject_id(doc), sub, "sub", "credentialSubject.id")
    for claim, name, fields in (
        (nbf, "nbf", ("issuanceDate", "validFrom")),
        (exp, "exp", ("expirationDate", "validUntil")),
    ):
        if claim is not None and all(doc.get(k) is None for k in fields):
            doc[fields[0]] = dates.iso(claim)
        _same_instant(doc, claim, name, fields)


def _same_instant(doc: dict[str, Any], claim: datetime | None, name: str, fields: tuple[str, ...]) -> None:
    if claim is None:
        return
    stated = next((k for k in fields if doc.get(k) is not None), None)
    if stated is None:
        return
    when = dates.parse_datetime(doc[stated], field=stated)
    if int(when.timestamp()) != int(claim.timestamp()):
        raise ClaimMismatch(f"JWT claim {name} ({dates.iso(claim)}) does not equal {stated} ({doc[stated]})")


def _agree(stated: Any, claim: Any, claim_name: str, field_name: str) -> None:
    if claim is None or stated is None:
        return
    if claim != stated:
        raise ClaimMismatch(
            f"JWT claim {claim_name} ({claim!r}) does not match the credential's {field_name} ({stated!r})"
        )
