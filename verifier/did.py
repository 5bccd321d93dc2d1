"""Verification methods: find the public key a proof names, and who controls it.

:func:`resolve_verification_method` dereferences a verification method id
(Controlled Identifiers 1.0 §3.3 "Retrieve Verification Method"; DID Core 1.0
§7.2 "DID URL Dereferencing") and returns a :class:`VerificationMethod`
carrying the key and the relationship lists (``assertionMethod``, ...) of its
controller's document. :func:`check_key_binding` then decides whether the
method is the issuer's for a purpose.

Supported identifiers:

- ``did:key`` (did:key v0.7 §3.1.1 "Document Creation Algorithm"): Ed25519,
  P-256 and P-384 multikeys; the DID document is derived from the key, its one
  method (``did:key:<mb>#<mb>``) is listed under every signing relationship.
- ``did:jwk`` (did:jwk §2.3 "Read"): the method ``did:jwk:<b64>#0``, listed
  under every signing relationship unless the JWK says ``"use": "enc"``.
- ``did:web`` (did:web §3.2 "Read"): ``did:web:host`` is read from
  ``https://host/.well-known/did.json``, ``did:web:host:a:b`` from
  ``https://host/a/b/did.json`` (a port is written ``%3A``); the document's
  ``id`` must equal the DID.
- ``https`` URLs: the URL without its fragment is fetched, its ``id`` must
  equal that URL, and the method is found by ``id`` in ``verificationMethod``,
  ``assertionMethod`` (and the other relationship lists), legacy ``publicKey``,
  or is the document itself. A key spelled in a URL fragment
  (``https://issuer.example#z6Mk...``) is never read from the fragment.

Method types: ``Multikey``, ``Ed25519VerificationKey2020``
(``publicKeyMultibase``), ``Ed25519VerificationKey2018`` (``publicKeyBase58``),
``JsonWebKey2020`` / ``JsonWebKey`` (``publicKeyJwk``).

Every fetch goes through ``session.fetcher``; resolved documents are cached in
``session.cache`` under ``("controller-document", url)`` for the batch, and
did:key / did:jwk methods under ``("self-certifying-method", id)``.

Errors: :class:`~verifier.errors.KeyResolutionError` when a method cannot be
resolved (indeterminate: the network failed, the document is missing or
malformed); :class:`~verifier.errors.KeyBindingError` when it resolves but is
not the issuer's, or when the document its id points to was obtained and does
not contain it (determinate).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from verifier import keys
from verifier.codec import b64url_decode
from verifier.errors import DocumentError, FetchError, KeyBindingError, KeyResolutionError
from verifier.keys import PublicKey
from verifier.recording import captured, note_reused
from verifier.session import Session

# DID Core 1.0 §5.3 "Verification Relationships"
RELATIONSHIPS = ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation", "keyAgreement")
_SIGNING = ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation")
_METHOD_LISTS = ("verificationMethod", *RELATIONSHIPS, "publicKey")

Binding = Literal["controller", "self-certifying"]

_DID_WEB_SEGMENT = re.compile(r"^[A-Za-z0-9._~%-]+$")
_DID_WEB_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$")  # after %3A decoding
_DID_WEB_PATH = re.compile(r"^[A-Za-z0-9._~-]+$")


@dataclass(frozen=True, slots=True)
class VerificationMethod:
    """A resolved verification method.

    ``relationships`` maps each relationship of the controller's document
    (``assertionMethod``, ...) to the absolute ids of the methods it lists;
    ``source`` says how it was resolved (``did:key``, ``did:jwk``, ``did:web``,
    ``https``). ``public_jwk`` is the public key as a JWK.
    """

    id: str
    type: str
    controller: str
    public_key: PublicKey
    public_jwk: dict[str, str]
    relationships: MappingProxyType[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    source: str = "https"


# -- helpers ---------------------------------------------------------------------


def _absolute(ref: str, base: str) -> str:
    """A method id in a document made absolute against the document's id."""
    if ref.startswith("#"):
        return base.split("#", 1)[0] + ref
    if base.startswith("did:") or ":" in ref.split("/", 1)[0]:
        return ref
    return urljoin(base, ref)


def _relationship_ids(doc: dict[str, Any], base: str) -> MappingProxyType[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for rel in RELATIONSHIPS:
        value = doc.get(rel)
        entries = value if isinstance(value, list) else [value] if value is not None else []
        ids: list[str] = []
        for entry in entries:
            if isinstance(entry, str):
                ids.append(_absolute(entry, base))
            elif isinstance(entry, dict) and isinstance(entry.get("id"), str):
                ids.append(_absolute(entry["id"], base))
        out[rel] = tuple(ids)
    return MappingProxyType(out)


def _find_method(doc: dict[str, Any], vm_id: str, base: str) -> dict[str, Any] | None:
    if doc.get("id") == vm_id and any(k in doc for k in ("publicKeyMultibase", "publicKeyJwk", "publicKeyBase58")):
        return doc
    for name in _METHOD_LISTS:
        value = doc.get(name)
        for entry in value if isinstance(value, list) else [value] if isinstance(value, dict) else []:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str) and _absolute(entry["id"], base) == vm_id:
                return entry
    return None


def _key_of(method: dict[str, Any], vm_id: str) -> PublicKey:
    """The public key of a method object, checked against its declared type."""
    vm_type = method.get("type")
    types = set(vm_type) if isinstance(vm_type, list) else {vm_type}
    if "publicKeyMultibase" in method:
        key = keys.public_key_from_multikey(method["publicKeyMultibase"])
    elif "publicKeyJwk" in method:
        key = keys.public_key_from_jwk(method["publicKeyJwk"])
    elif "publicKeyBase58" in method:
        key = keys.public_key_from_base58(method["publicKeyBase58"])
    else:
        raise KeyResolutionError(f"verification method {vm_id} has no public key")
    if types & {"Ed25519VerificationKey2020", "Ed25519VerificationKey2018"} and not isinstance(
        key, keys.ed25519.Ed25519PublicKey
    ):
        raise KeyResolutionError(f"verification method {vm_id} is {vm_type} but its key is not Ed25519")
    return key


def _method_type(method: dict[str, Any]) -> str:
    t = method.get("type")
    if isinstance(t, list):
        t = next((x for x in t if isinstance(x, str)), None)
    return t if isinstance(t, str) else ""


# -- did:key / did:jwk ---------------------------------------------------------------


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of a ``did:key`` (did:key v0.7 §3.1.1), as a dict.

    :class:`KeyResolutionError` if the identifier does not hold a supported key.
    """
    mb = did.removeprefix("did:key:")
    keys.public_key_from_multikey(mb)  # validates the codec and the point
    vm_id = f"{did}#{mb}"
    method = {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": mb}
    doc: dict[str, Any] = {"id": did, "verificationMethod": [method]}
    for rel in _SIGNING:
        doc[rel] = [vm_id]
    return doc


def _did_key(vm_id: str) -> VerificationMethod:
    did, _, fragment = vm_id.partition("#")
    mb = did.removeprefix("did:key:")
    if not mb.startswith("z"):
        raise KeyResolutionError(f"malformed did:key {did}")
    if fragment and fragment != mb:
        raise KeyResolutionError(f"did:key fragment #{fragment} does not name the key of {did}")
    doc = did_key_document(did)
    method = doc["verificationMethod"][0]
    key = keys.public_key_from_multikey(mb)
    return VerificationMethod(
        id=method["id"],
        type="Multikey",
        controller=did,
        public_key=key,
        public_jwk=keys.jwk_from_public_key(key),
        relationships=_relationship_ids(doc, did),
        source="did:key",
    )


def _did_jwk(vm_id: str) -> VerificationMethod:
    did, _, fragment = vm_id.partition("#")
    encoded = did.removeprefix("did:jwk:")
    if fragment not in ("", "0"):
        raise KeyResolutionError(f"did:jwk has one method, #0; not #{fragment}")
    try:
        # did:jwk §2: the identifier is the base64url (RFC 7515 §2, unpadded) of the JWK's UTF-8 JSON.
        jwk = json.loads(b64url_decode(encoded, what="the did:jwk identifier"))
    except (ValueError, UnicodeDecodeError, RecursionError, DocumentError) as exc:
        raise KeyResolutionError(f"malformed did:jwk {did}: {exc}") from exc
    if not isinstance(jwk, dict):
        raise KeyResolutionError(f"malformed did:jwk {did}: the identifier does not encode a JWK object")
    key = keys.public_key_from_jwk(jwk)
    rels = ("keyAgreement",) if jwk.get("use") == "enc" else _SIGNING
    method_id = f"{did}#0"
    return VerificationMethod(
        id=method_id,
        type="JsonWebKey2020",
        controller=did,
        public_key=key,
        public_jwk=keys.jwk_from_public_key(key),
        relationships=MappingProxyType({rel: ((method_id,) if rel in rels else ()) for rel in RELATIONSHIPS}),
        source="did:jwk",
    )


# -- fetched controller documents ----------------------------------------------------


def did_web_url(did: str) -> str:
    """The HTTPS URL of a ``did:web`` DID's document (did:web §3.2 "Read")."""
    parts = did.removeprefix("did:web:").split(":")
    if not parts or not all(_DID_WEB_SEGMENT.match(p) for p in parts):
        raise KeyResolutionError(f"malformed did:web {did}")
    host = unquote(parts[0])
    if not _DID_WEB_HOST.match(host):
        raise KeyResolutionError(f"malformed did:web host in {did}")
    segments = [unquote(p) for p in parts[1:]]
    if any(seg in (".", "..") or not _DID_WEB_PATH.match(seg) for seg in segments):
        raise KeyResolutionError(f"malformed did:web path in {did}")
    path = "/".join(segments)
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


async def fetch_controller_document(url: str, session: Session) -> dict[str, Any]:
    """The JSON object at ``url`` (a DID document or an issuer profile),
    fetched through the session's fetcher once per batch.
    :class:`KeyResolutionError` when it cannot be had or is not a JSON object."""
    cache_key = ("controller-document", url)
    cached = session.cache.get(cache_key)
    if isinstance(cached, dict):
        note_reused(
            session.cache.get(("documents:" + cache_key[0], cache_key[1]), ())
        )  # evidence: this badge relied on it too
        return cached
    try:
        doc, documents = await captured(session.fetcher.fetch_json(url))
        note_reused(documents)
    except FetchError as exc:
        raise KeyResolutionError(f"could not fetch {url}: {exc.reason}") from exc
    except DocumentError as exc:
        raise KeyResolutionError(f"{url} is not a JSON document") from exc
    if not isinstance(doc, dict):
        raise KeyResolutionError(f"{url} is not a JSON object")
    session.cache[cache_key] = doc
    session.cache[("documents:" + cache_key[0], cache_key[1])] = documents
    return doc


async def _controller_document(identifier: str, session: Session) -> tuple[dict[str, Any], str]:
    """The controller document of a DID or https id, checked to be about it."""
    if identifier.startswith("did:web:"):
        doc = await fetch_controller_document(did_web_url(identifier), session)
    elif identifier.startswith("did:key:"):
        return did_key_document(identifier), "did:key"
    elif identifier.startswith("https://"):
        doc = await fetch_controller_document(identifier, session)
    else:
        raise KeyResolutionError(f"cannot dereference the controller {identifier}")
    # CID 1.0 §3.3 step: the document's id must be the identifier it was read for
    if doc.get("id") != identifier:
        raise KeyResolutionError(f"the document at {identifier} has id {doc.get('id')!r}, not {identifier}")
    return doc, "did:web" if identifier.startswith("did:") else "https"


async def _fetched_method(vm_id: str, session: Session) -> VerificationMethod:
    doc_id, _ = urldefrag(vm_id)
    doc, source = await _controller_document(doc_id, session)
    method = _find_method(doc, vm_id, doc_id)
    if method is None:
        # The document was obtained and is about doc_id, yet does not hold the
        # method: determinate, the key is not one its controller publishes.
        raise KeyBindingError(f"the document {doc_id} does not list the key {vm_id}", vm_id=vm_id, issuer_id=None)
    controller = method.get("controller")
    if not isinstance(controller, str) or not controller:
        raise KeyResolutionError(f"verification method {vm_id} names no controller")
    controller = _absolute(controller, doc_id)
    key = _key_of(method, vm_id)
    if controller == doc_id:
        relationships = _relationship_ids(doc, doc_id)
    else:
        # The method lives in one document and names another controller:
        # the controller's own document says what the method may be used for.
        controller_doc, _ = await _controller_document(controller, session)
        relationships = _relationship_ids(controller_doc, controller)
    return VerificationMethod(
        id=vm_id,
        type=_method_type(method),
        controller=controller,
        public_key=key,
        public_jwk=keys.jwk_from_public_key(key),
        relationships=relationships,
        source=source,
    )


async def resolve_verification_method(vm_id: str, session: Session) -> VerificationMethod:
    """Dereference ``vm_id`` to a :class:`VerificationMethod`.

    Raises :class:`KeyResolutionError` when the identifier is unsupported or
    malformed or its document cannot be obtained; :class:`KeyBindingError`
    when the document was obtained but does not contain the method.
    """
    if not isinstance(vm_id, str) or not vm_id.strip():
        raise KeyResolutionError("verificationMethod is not a string")
    vm_id = vm_id.strip()
    if vm_id.startswith("did:key:") or vm_id.startswith("did:jwk:"):
        # Self-certifying: the method is a pure function of its id, so it is
        # decoded once per batch (a batch from one issuer names one key).
        cache_key = ("self-certifying-method", vm_id)
        cached = session.cache.get(cache_key)
        if isinstance(cached, VerificationMethod):
            return cached
        resolved = _did_key(vm_id) if vm_id.startswith("did:key:") else _did_jwk(vm_id)
        session.cache[cache_key] = resolved
        return resolved
    if vm_id.startswith("did:web:"):
        if "#" not in vm_id:
            raise KeyResolutionError(f"{vm_id} names a DID, not one of its verification methods")
        return await _fetched_method(vm_id, session)
    if vm_id.startswith("did:"):
        method = vm_id.split(":", 2)[1]
        raise KeyResolutionError(f"unsupported DID method did:{method} ({vm_id})")
    scheme = urlsplit(vm_id).scheme.lower()
    if scheme == "https":
        return await _fetched_method(vm_id, session)
    if scheme == "http":
        raise KeyResolutionError(f"verification method {vm_id} is not served over https")
    if not scheme:
        raise KeyResolutionError(f"verification method {vm_id!r} is not a URL")
    raise KeyResolutionError(f"unsupported verification method scheme {scheme}: ({vm_id})")


def _is_opaque_urn(identifier: str) -> bool:
    return identifier.lower().startswith("urn:")


def check_key_binding(vm: VerificationMethod, issuer_id: str | None, purpose: str) -> Binding | None:
    """Check that ``vm`` is the issuer's key for ``purpose``; say how it is bound.

    The rule (VC Data Integrity 1.0 §4.4 "Verify Proof" steps on
    verification method and proof purpose; CID 1.0 §3.3): the method's
    ``controller`` is the issuer, and the controller's document lists the
    method under ``purpose``. Returns ``"controller"``.

    One exception, returned as ``"self-certifying"``: an issuer named by an
    opaque URN (``urn:uuid:...``) has no controller document anywhere, so no
    key can be bound to it; a self-certifying key (``did:key``, ``did:jwk``)
    whose own document lists it under ``purpose`` is then accepted as the
    credential's signer. The caller should say the issuer identity is
    asserted, not proven.

    ``issuer_id=None`` checks nothing and returns None (the caller binds).
    Raises :class:`KeyBindingError` otherwise.
    """
    if issuer_id is None:
        return None
    listed = vm.id in vm.relationships.get(purpose, ())
    if vm.controller == issuer_id:
        if not listed:
            raise KeyBindingError(
                f"the key {vm.id} is not listed under {purpose} by its controller {vm.controller}",
                vm_id=vm.id,
                issuer_id=issuer_id,
            )
        return "controller"
    if _is_opaque_urn(issuer_id) and vm.source in ("did:key", "did:jwk") and listed:
        return "self-certifying"
    raise KeyBindingError(
        f"the key {vm.id} is not controlled by the issuer {issuer_id}", vm_id=vm.id, issuer_id=issuer_id
    )
