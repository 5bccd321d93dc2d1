"""Verify and add Data Integrity proofs (VC Data Integrity 1.0 §4).

:func:`verify_proofs` checks every proof of a document and returns one
:class:`ProofReport` each; it never raises for bad input. :func:`sign` adds a
proof (for fixtures and sample data).

Verification of one proof (VC Data Integrity 1.0 §4.4 "Verify Proof", with
the suite's own "Verify Proof" algorithm, EdDSA / ECDSA Cryptosuites §3.x.2):

1. The proof is a map with ``type`` (and ``cryptosuite``) naming a supported
   suite, a ``verificationMethod`` string and a multibase ``proofValue`` (for
   Ed25519Signature2018, a detached JWS in ``jws``: see
   :mod:`verifier.proofs.suites`).
2. ``proofPurpose`` equals the expected purpose (§2.2 "Proof Purposes").
3. ``created`` is a dateTime not in the future; ``expires``, if present, is
   not past (§2.1 "Proofs").
4. For a chained proof (``previousProof``), the document verified carries the
   proofs it names (§4.5 "Verify Proof Sets and Chains"); else no proof.
5. Transform and configure (the suite's §3.x.3 and §3.x.5): a proof
   ``@context`` must be a prefix of the document's; the document must expand
   without undefined terms (for the JCS suites too) and canonicalize within
   its limits. This needs no key, so it fails even when the key is unreachable.
6. Dereference the verification method (:mod:`verifier.did`); a failure to
   obtain it is indeterminate (``valid=None``); a document that was obtained
   and does not hold it is a binding failure.
7. Hash (§3.x.4; SHA-384 for P-384 keys) and check the signature with the
   method's key (§3.x.7).
8. Check the key is the issuer's for the purpose
   (:func:`verifier.did.check_key_binding`); a valid signature by a key the
   issuer does not control is a determinate failure.

In the code each step is a function (``_read_proof``, ``_check_purpose``,
``_check_dates``, ``_secured_document``, ``_transform``, ``_dereference_key``,
``_hash_for_key`` and ``_verify_signature``, ``_bind_key``), called in this
order by ``_verify_one`` with the step's number beside it.

Outcomes: ``valid=True`` only when all steps pass; ``False`` for a determinate
failure; ``None`` when it could not be determined (key unreachable,
unsupported suite).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from verifier import contexts, did, jsonld
from verifier.contexts import Variant
from verifier.errors import (
    CanonicalizationLimit,
    ContextError,
    DocumentError,
    KeyBindingError,
    KeyResolutionError,
    ProofError,
    UndefinedTermError,
    VerifierError,
)
from verifier.keys import PrivateKey, multibase_decode, multibase_encode
from verifier.proofs import suites
from verifier.session import Session

CLOCK_SKEW = timedelta(minutes=5)  # tolerated drift between the signer's clock and ours
MAX_PROOFS = 16


class Problem:
    """Codes for :attr:`ProofReport.problem`: what made a proof not valid."""

    MALFORMED = "malformed"  # the proof object itself is malformed
    UNSUPPORTED = "unsupported"  # unknown proof type or cryptosuite (indeterminate)
    PURPOSE = "purpose"
    CREATED = "created"  # created missing-format or in the future
    EXPIRED = "expired"
    STRUCTURE = "structure"  # the document cannot be canonicalized (undefined terms, bad context, limits)
    KEY = "key"  # the key could not be resolved (indeterminate)
    KEY_TYPE = "key-type"  # the key does not suit the cryptosuite
    SIGNATURE = "signature"  # the signature does not verify
    BINDING = "binding"  # the key is not the issuer's
    CHAIN = "chain"  # a previousProof is missing


@dataclass(frozen=True, slots=True)
class ProofReport:
    """What one proof showed.

    ``valid`` is True (the proof verifies with a key the issuer controls for
    ``purpose``), False (a determinate failure; ``problem`` names which) or
    None (could not be determined: key unreachable, suite unsupported).
    ``signature_valid`` is the cryptographic result alone (None when not
    reached). ``key_binding`` is how the key was bound to the issuer
    (``"controller"``, ``"self-certifying"`` for a did:key / did:jwk signer
    of a URN-named issuer, or None). ``context_revision`` names the earlier
    revision of a JSON-LD context the proof verified under (None when the
    default revisions served; see :mod:`verifier.contexts`). ``message`` is
    for people.
    """

    type: str | None
    cryptosuite: str | None
    verification_method: str | None
    created: str | None
    valid: bool | None
    message: str
    purpose: str | None = None
    expires: str | None = None
    proof_id: str | None = None
    problem: str | None = None
    signature_valid: bool | None = None
    controller: str | None = None
    key_binding: str | None = None
    context_revision: str | None = None
    unsigned_terms: tuple[str, ...] = ()  # verified over the document read without these undefined terms


def _parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # XML Schema: a dateTime without offset is taken as UTC
    return parsed


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _proofs_of(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return proof if isinstance(proof, list) else [proof]


def _previous_ids(proof: dict[str, Any]) -> list[str] | None:
    prev = proof.get("previousProof")
    if prev is None:
        return None
    if isinstance(prev, str):
        return [prev]
    if isinstance(prev, list) and all(isinstance(p, str) for p in prev):
        return list(prev)
    return []


def _unsecured(document: dict[str, Any], proof: dict[str, Any], all_proofs: Sequence[Any]) -> dict[str, Any]:
    """The document as it was when ``proof`` was made (§4.5 step on previousProof)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    previous = _previous_ids(proof)
    if previous is None:
        return unsecured
    if not previous:
        raise ProofError("previousProof must be a string or a list of strings")
    by_id = {p.get("id"): p for p in all_proofs if isinstance(p, dict) and isinstance(p.get("id"), str)}
    missing = [p for p in previous if p not in by_id]
    if missing:
        raise ProofError(f"previous proof {', '.join(missing)} is not in the document")
    chained = [by_id[p] for p in previous]
    unsecured["proof"] = chained[0] if len(chained) == 1 else chained
    return unsecured


def _check_proof_context(proof: dict[str, Any], unsecured: dict[str, Any]) -> None:
    # EdDSA / ECDSA §3.x.2 "Verify Proof": a proof @context must match the
    # start of the document's @context. (The document is then canonicalized
    # with its own, full @context: a context appended after signing is not
    # silently left out of what the signature is checked against.)
    if any(isinstance(k, str) and k.startswith("@") and k != "@context" for k in proof):
        raise ProofError("the proof has JSON-LD keywords other than @context")
    if "@context" not in proof:
        return
    pctx = proof["@context"]
    dctx = unsecured.get("@context")
    plist = pctx if isinstance(pctx, list) else [pctx]
    if not plist:
        raise ProofError("the proof's @context is empty")
    dlist = dctx if isinstance(dctx, list) else [dctx] if dctx is not None else []
    if dlist[: len(plist)] != plist:
        raise ProofError("the proof's @context does not match the document's @context")


class _Outcome(Exception):
    """Internal: stops one proof's checks with a report."""

    def __init__(self, valid: bool | None, problem: str | None, message: str) -> None:
        super().__init__(message)
        self.valid = valid
        self.problem = problem
        self.message = message


def _canonical_document(
    suite: suites.Suite,
    proof: dict[str, Any],
    unsecured: dict[str, Any],
    memo: dict[Any, bytes | DocumentError],
    expanded: jsonld.Expansion | None,
    variant: Variant = contexts.LATEST,
) -> bytes:
    """The canonical document under the context ``variant``, computed once per
    suite, chain position and variant for all the proofs of one document (a proof set of N proofs would otherwise
    canonicalize it N times, and a crafted graph would spend N budgets).
    ``expanded`` is used only if it is the expansion of ``unsecured``."""
    key = (suite.canon, suite.algorithm, tuple(_previous_ids(proof) or ()), variant)
    found = memo.get(key)
    if found is None:
        try:
            found = suites.canonical(suite, unsecured, ob303=variant, expanded=expanded)
        except DocumentError as exc:
            found = exc
        memo[key] = found
    if isinstance(found, DocumentError):
        raise found
    return found


# Trying earlier context revisions (see verifier.contexts): at most this many
# per proof, each one canonicalization of the document and of the proof
# configuration under the existing CanonLimits, and no new one started after
# REVISION_BUDGET seconds.
MAX_REVISIONS = 32
REVISION_BUDGET = 4.0


def _revision_candidates(suite: suites.Suite, unsecured: dict[str, Any]) -> list[contexts.Revision]:
    """The earlier revisions of the document's contexts to try when the
    defaults do not verify (RDF suites only: JCS signs the JSON itself)."""
    if suite.canon != "rdfc":
        return []
    ctx = unsecured.get("@context")
    urls = [c for c in (ctx if isinstance(ctx, list) else [ctx]) if isinstance(c, str)]
    return contexts.alternatives(urls)[:MAX_REVISIONS]


def _forms(
    suite: suites.Suite,
    proof: dict[str, Any],
    unsecured: dict[str, Any],
    config: dict[str, Any],
    memo: dict[Any, bytes | DocumentError],
    expanded: jsonld.Expansion | None,
    variant: Variant,
) -> tuple[bytes, bytes]:
    """The canonical proof configuration and document under ``variant``."""
    canon_doc = _canonical_document(suite, proof, unsecured, memo, expanded, variant)
    return suites.canonical(suite, config, ob303=variant), canon_doc


def _revision_note(revision: contexts.Revision) -> str:
    return f"; signed under an earlier revision of a JSON-LD context it loads: {revision.describe()}"


def _try_revisions(
    candidates: list[contexts.Revision],
    early: list[tuple[contexts.Revision, tuple[bytes, bytes]]],
    verifies: Callable[[tuple[bytes, bytes]], bool],
    default_forms: tuple[bytes, bytes] | None,
    forms_of: Callable[[Variant], tuple[bytes, bytes]],
) -> tuple[bool, contexts.Revision | None, int]:
    """Check the signature under each earlier revision in turn: ``(verified,
    the revision that verified, how many revisions were canonicalized)``.

    A revision under which the document reads as it does under another one
    already tried (same canonical forms) is not checked again; one under which
    it cannot be canonicalized is passed over. Bounded by
    :data:`MAX_REVISIONS` and :data:`REVISION_BUDGET`.
    """
    done = dict(early)
    seen: set[tuple[bytes, bytes]] = {default_forms} if default_forms is not None else set()
    deadline = time.monotonic() + REVISION_BUDGET
    tried = 0
    for rev in candidates[:MAX_REVISIONS]:
        forms = done.get(rev)
        if forms is None:
            if time.monotonic() > deadline:
                break
            try:
                forms = forms_of(rev.key)
            except DocumentError:
                continue
        tried += 1
        if forms in seen:
            continue
        seen.add(forms)
        if verifies(forms):
            return True, rev, tried
    return False, None, tried


def _verifies_lossy(
    suite: suites.Suite,
    unsecured: dict[str, Any],
    config: dict[str, Any],
    undefined: UndefinedTermError,
    verifies: Callable[[tuple[bytes, bytes]], bool],
) -> bool:
    """Whether the proof holds over the document read without its undefined terms.

    VC Data Integrity 1.0 §2.4.3 "Securing Data Losslessly": RDF
    canonicalization drops undefined terms silently, so what they say is not
    secured, and a processor must raise an error (DATA_LOSS_DETECTION_ERROR)
    rather than pretend otherwise. Here the proof is checked over the lossy
    reading: if it holds, it secures the rest of the document and the caller
    is told which terms it does not cover (never reported as signed); if it
    does not, how the signer's processor read those terms (dropped, resolved
    against a base, under a @vocab) is unknown, so the mismatch is no evidence
    of tampering and the outcome is indeterminate, as the spec requires.
    """
    terms = ", ".join(undefined.terms)
    try:
        forms = (suites.canonical(suite, config), suites.canonical(suite, unsecured, strict=False))
    except DocumentError as exc:
        raise _Outcome(None, Problem.STRUCTURE, f"the credential cannot be canonicalized: {exc}") from exc
    if verifies(forms):
        return True
    raise _Outcome(
        None,
        Problem.STRUCTURE,
        f"the signature does not match the document read without its undefined terms {terms}; how the signer "
        "read them is unknown, so whether the proof holds cannot be determined (Data Integrity 1.0 §2.4.3)",
    )


@dataclass(frozen=True, slots=True)
class _ReadProof:
    """What step 1 read from a proof: its suite, the key it names, and the
    signature (with the detached-JWS signing prefix, empty for other carriers)."""

    suite: suites.Suite
    vm_id: str
    signature: bytes
    signing_prefix: bytes


@dataclass(frozen=True, slots=True)
class _Forms:
    """What step 5 produced: the proof configuration, the canonical forms under
    the default context revisions (``default``; ``None`` with ``default_error``
    when they leave a term undefined), the earlier revisions to try and those
    already canonicalized (``early``)."""

    config: dict[str, Any]
    default: tuple[bytes, bytes] | None
    default_error: UndefinedTermError | None
    candidates: list[contexts.Revision]
    early: list[tuple[contexts.Revision, tuple[bytes, bytes]]]
    forms_of: Callable[[Variant], tuple[bytes, bytes]]


def _read_proof(proof: dict[str, Any]) -> _ReadProof:
    """Step 1: a supported suite (an unknown one is indeterminate), a
    ``verificationMethod`` URL, a string ``id`` if any, and the signature:
    multibase base58-btc ``proofValue``, or the detached JWS of
    Ed25519Signature2018."""
    try:
        suite = suites.select_suite(proof)
    except ProofError as exc:
        raise _Outcome(None, Problem.UNSUPPORTED, f"cannot check this proof: {exc}") from exc
    vm_id = proof.get("verificationMethod")
    if not isinstance(vm_id, str) or not vm_id:
        raise _Outcome(False, Problem.MALFORMED, "the proof has no verificationMethod")
    if "id" in proof and not isinstance(proof["id"], str):
        raise _Outcome(False, Problem.MALFORMED, "the proof id is not a string (Data Integrity §2.1: a URL)")
    if ":" not in vm_id:
        raise _Outcome(False, Problem.MALFORMED, f"the verificationMethod {vm_id!r} is not a URL")
    signing_prefix = b""
    if suite.carrier == "jws":
        try:
            signing_prefix, signature = suites.parse_detached_jws(proof.get("jws"))
        except ProofError as exc:
            raise _Outcome(False, Problem.MALFORMED, str(exc)) from exc
    else:
        try:
            signature = multibase_decode(proof.get("proofValue"))  # type: ignore[arg-type]
        except KeyResolutionError as exc:
            raise _Outcome(False, Problem.MALFORMED, "the proofValue is not multibase base58-btc") from exc
    return _ReadProof(suite, vm_id, signature, signing_prefix)


def _check_purpose(proof: dict[str, Any], purpose: str, expect: dict[str, str]) -> None:
    """Step 2: ``proofPurpose`` is the expected one (§2.2 "Proof Purposes");
    ``domain`` / ``challenge`` hold what the caller expects (§4.4 "Verify Proof")."""
    if proof.get("proofPurpose") != purpose:
        raise _Outcome(
            False, Problem.PURPOSE, f"the proof purpose is {proof.get('proofPurpose')!r}, expected {purpose!r}"
        )
    for name, wanted in expect.items():
        value = proof.get(name)
        values = value if isinstance(value, list) else [value]
        if wanted not in values:
            raise _Outcome(False, Problem.PURPOSE, f"the proof's {name} is {value!r}, expected {wanted!r}")


def _check_dates(proof: dict[str, Any], suite: suites.Suite, now: datetime) -> None:
    """Step 3: ``created`` is a dateTime not in the future (required by
    Ed25519Signature2020), ``expires`` is not past (§2.1 "Proofs"), within
    :data:`CLOCK_SKEW`."""
    if "created" in proof:
        created = _parse_datetime(proof["created"])
        if created is None:
            raise _Outcome(False, Problem.CREATED, f"created {proof['created']!r} is not a dateTime")
        if created > now + CLOCK_SKEW:
            raise _Outcome(False, Problem.CREATED, f"the proof was created in the future ({proof['created']})")
    elif suite.proof_type == "Ed25519Signature2020":
        raise _Outcome(False, Problem.MALFORMED, "an Ed25519Signature2020 proof must have created")
    if "expires" in proof:
        expires = _parse_datetime(proof["expires"])
        if expires is None:
            raise _Outcome(False, Problem.EXPIRED, f"expires {proof['expires']!r} is not a dateTime")
        if expires < now - CLOCK_SKEW:
            raise _Outcome(False, Problem.EXPIRED, f"the proof expired at {proof['expires']}")


def _secured_document(document: dict[str, Any], proof: dict[str, Any], all_proofs: Sequence[Any]) -> dict[str, Any]:
    """Step 4: the document this proof secured (§4.5 "Verify Proof Sets and
    Chains": with the proofs a ``previousProof`` names, else none), whose
    ``@context`` the proof's own must begin."""
    try:
        unsecured = _unsecured(document, proof, all_proofs)
    except ProofError as exc:
        raise _Outcome(False, Problem.CHAIN, str(exc)) from exc
    try:
        _check_proof_context(proof, unsecured)
    except ProofError as exc:
        raise _Outcome(False, Problem.MALFORMED, str(exc)) from exc
    return unsecured


def _transform(
    suite: suites.Suite,
    proof: dict[str, Any],
    unsecured: dict[str, Any],
    memo: dict[Any, bytes | DocumentError],
    expanded: jsonld.Expansion | None,
) -> _Forms:
    """Step 5, transform and configure (the suite's §3.x.3 and §3.x.5).

    Canonical forms do not depend on the key, so a document that cannot be
    interpreted is judged even offline. The JCS suites sign the JSON itself,
    undefined terms included: a term no context defines is a data-model
    finding for the caller, not a gap in what the proof secures. For the RDF
    suites see :func:`_verifies_lossy` (step 7).

    A context URL whose document changed over time (:mod:`verifier.contexts`)
    is read first as its default revision; the earlier revisions are tried
    only if that does not verify (step 7). A document no revision can
    interpret fails here, before the key is sought.
    """
    config = suites.proof_configuration(suite, proof, unsecured)
    candidates = _revision_candidates(suite, unsecured)

    def forms_of(variant: Variant) -> tuple[bytes, bytes]:
        return _forms(suite, proof, unsecured, config, memo, None, variant)

    early: list[tuple[contexts.Revision, tuple[bytes, bytes]]] = []
    try:
        default = _forms(suite, proof, unsecured, config, memo, expanded, contexts.LATEST)
    except UndefinedTermError as exc:
        for rev in candidates:
            try:
                early.append((rev, forms_of(rev.key)))
            except DocumentError:
                continue
        return _Forms(config, None, exc, candidates, early, forms_of)
    return _Forms(config, default, None, candidates, early, forms_of)


async def _dereference_key(vm_id: str, session: Session) -> did.VerificationMethod:
    """Step 6: the verification method (:mod:`verifier.did`); one that cannot
    be obtained is indeterminate, a document that was obtained and does not
    hold it is a binding failure."""
    try:
        return await did.resolve_verification_method(vm_id, session)
    except KeyResolutionError as exc:
        raise _Outcome(None, Problem.KEY, f"the key could not be resolved: {exc}") from exc
    except KeyBindingError as exc:
        raise _Outcome(False, Problem.BINDING, str(exc)) from exc


def _hash_for_key(suite: suites.Suite, vm: did.VerificationMethod) -> str:
    """Step 7, first: the hash the suite uses with this key (§3.x.4; ECDSA's
    follows the key's curve); a key that does not suit the suite fails."""
    try:
        return suites.hash_for_key(suite, vm.public_key)
    except ProofError as exc:
        raise _Outcome(False, Problem.KEY_TYPE, f"the key {vm.id} does not suit {suite.name}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class _Verified:
    """How step 7 found the signature: verified or not, under which earlier
    context revision (``None``: the defaults), how many revisions were tried,
    and the undefined terms it does not secure (a lossy reading)."""

    ok: bool
    revision: contexts.Revision | None
    tried: int
    unsigned_terms: tuple[str, ...]


def _verify_signature(
    read: _ReadProof, vm: did.VerificationMethod, hash_name: str, unsecured: dict[str, Any], forms: _Forms
) -> _Verified:
    """Step 7: hash and check the signature (§3.x.7) under the default context
    revisions, then the earlier ones, then (a document with undefined terms)
    over its lossy reading (§2.4.3, :func:`_verifies_lossy`)."""
    suite = read.suite

    def verifies(pair: tuple[bytes, bytes]) -> bool:
        data = read.signing_prefix + suites.hash_data(pair[0], pair[1], hash_name)
        return suites.verify_signature(suite, vm.public_key, data, read.signature)

    if forms.default is not None and verifies(forms.default):
        return _Verified(True, None, 0, ())
    ok, matched, tried = False, None, 0
    if forms.candidates:
        ok, matched, tried = _try_revisions(forms.candidates, forms.early, verifies, forms.default, forms.forms_of)
    if not ok and forms.default is None and forms.default_error is not None:
        ok = _verifies_lossy(suite, unsecured, forms.config, forms.default_error, verifies)
        return _Verified(ok, matched, tried, tuple(forms.default_error.terms))
    return _Verified(ok, matched, tried, ())


def _bind_key(vm: did.VerificationMethod, issuer_id: str | None, purpose: str) -> str | None:
    """Step 8: the key is the issuer's for the purpose
    (:func:`verifier.did.check_key_binding`); a valid signature by a key the
    issuer does not control is a determinate failure."""
    try:
        return did.check_key_binding(vm, issuer_id, purpose)
    except KeyBindingError as exc:
        raise _Outcome(False, Problem.BINDING, f"the signature is valid but {exc}") from exc


def _verified_message(
    suite: suites.Suite, vm: did.VerificationMethod, issuer_id: str | None, binding: str | None, verified: _Verified
) -> str:
    """What a valid proof showed, in words: whose key, and any reading it needed."""
    who = f"the issuer {issuer_id}" if binding == "controller" else f"{vm.controller} (issuer binding not checked)"
    if binding == "self-certifying":
        who = f"{vm.controller} (the issuer {issuer_id} is a URN; its identity is asserted, not proven)"
    note = _revision_note(verified.revision) if verified.revision is not None else ""
    if verified.unsigned_terms:
        note += (
            f"; verified over the document without its undefined terms {', '.join(verified.unsigned_terms)}, "
            "which it does not secure (Data Integrity 1.0 §2.4.3)"
        )
    return f"{suite.name} proof verified with a key of {who}{note}"


async def _verify_one(
    document: dict[str, Any],
    proof: Any,
    all_proofs: Sequence[Any],
    session: Session,
    issuer_id: str | None,
    purpose: str,
    expect: dict[str, str],
    memo: dict[Any, bytes | DocumentError],
    expanded: jsonld.Expansion | None = None,
) -> ProofReport:
    """One proof through the steps of the module docstring, each a named
    function that raises :class:`_Outcome` (or a :class:`DocumentError`) when
    it decides the proof is not valid."""
    if not isinstance(proof, dict):
        return ProofReport(None, None, None, None, False, "a proof is not a JSON object", problem=Problem.MALFORMED)
    base: dict[str, Any] = {
        "type": _str(proof.get("type")),
        "cryptosuite": _str(proof.get("cryptosuite")),
        "verification_method": _str(proof.get("verificationMethod")),
        "created": _str(proof.get("created")),
        "purpose": _str(proof.get("proofPurpose")),
        "expires": _str(proof.get("expires")),
        "proof_id": _str(proof.get("id")),
    }
    extra: dict[str, Any] = {}
    try:
        read = _read_proof(proof)  # 1
        _check_purpose(proof, purpose, expect)  # 2
        _check_dates(proof, read.suite, session.now)  # 3
        unsecured = _secured_document(document, proof, all_proofs)  # 4
        forms = _transform(read.suite, proof, unsecured, memo, expanded)  # 5
        vm = await _dereference_key(read.vm_id, session)  # 6
        extra["controller"] = vm.controller
        hash_name = _hash_for_key(read.suite, vm)  # 7
        verified = _verify_signature(read, vm, hash_name, unsecured, forms)  # 7
        if verified.unsigned_terms:
            extra["unsigned_terms"] = verified.unsigned_terms
        extra["signature_valid"] = verified.ok
        if verified.revision is not None:
            extra["context_revision"] = verified.revision.describe()
        if not verified.ok:
            tried = verified.tried
            also = f" (also tried {tried} earlier revision{'s' if tried != 1 else ''} of its contexts)" if tried else ""
            raise _Outcome(
                False,
                Problem.SIGNATURE,
                f"the signature does not match the credential (tampered, or a wrong key){also}",
            )
        binding = _bind_key(vm, issuer_id, purpose)  # 8
        extra["key_binding"] = binding
    except _Outcome as out:
        return ProofReport(**base, **extra, valid=out.valid, message=out.message, problem=out.problem)
    except (UndefinedTermError, ContextError, CanonicalizationLimit, DocumentError) as exc:
        # A document this verifier cannot canonicalize (a context it does not hold,
        # a graph over the limits, invalid JSON-LD) is not evidence against the
        # proof: whether it holds cannot be determined.
        return ProofReport(
            **base,
            **extra,
            valid=None,
            message=f"the credential cannot be canonicalized: {exc}",
            problem=Problem.STRUCTURE,
        )
    except VerifierError as exc:
        return ProofReport(**base, **extra, valid=False, message=str(exc), problem=Problem.MALFORMED)
    message = _verified_message(read.suite, vm, issuer_id, binding, verified)
    return ProofReport(**base, **extra, valid=True, message=message)


async def verify_proofs(
    document: dict[str, Any],
    session: Session,
    *,
    issuer_id: str | None,
    purpose: str = "assertionMethod",
    domain: str | None = None,
    challenge: str | None = None,
    expanded: jsonld.Expansion | None = None,
) -> list[ProofReport]:
    """One :class:`ProofReport` per proof in ``document["proof"]`` (an object or
    a proof set / chain), in document order; ``[]`` when there is none.

    ``issuer_id`` is the id every key must be bound to (None skips binding:
    the caller then binds the key itself). ``domain`` / ``challenge``, when
    given, must appear in each proof (presentations). ``expanded`` is the
    safe-mode expansion of the document without its proofs
    (:func:`verifier.jsonld.expansion`), already made by a structure check: it
    stands for that step of canonicalization and of the term check, and is
    ignored where it is not the expansion of the document a proof secured
    (a chained proof's). Never raises for bad input.
    """
    if not isinstance(document, dict):
        return [
            ProofReport(None, None, None, None, False, "the document is not a JSON object", problem=Problem.MALFORMED)
        ]
    proofs = _proofs_of(document)
    if len(proofs) > MAX_PROOFS:
        return [
            ProofReport(
                None, None, None, None, False, f"more than {MAX_PROOFS} proofs: not checked", problem=Problem.MALFORMED
            )
        ]
    expect = {k: v for k, v in (("domain", domain), ("challenge", challenge)) if v is not None}
    memo: dict[Any, bytes | DocumentError] = {}
    return [await _verify_one(document, p, proofs, session, issuer_id, purpose, expect, memo, expanded) for p in proofs]


def sign(
    document: dict[str, Any],
    *,
    private_key: PrivateKey,
    verification_method: str,
    cryptosuite: str,
    created: str,
    purpose: str = "assertionMethod",
    proof_type: str = "DataIntegrityProof",
    expires: str | None = None,
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
    domain: str | None = None,
    challenge: str | None = None,
    ob303: Variant = "latest",
) -> dict[str, Any]:
    """A copy of ``document`` with one more proof (VC Data Integrity 1.0 §4.2 "Add Proof",
    §4.3 "Add Proof Set/Chain"): the suite's "Create Proof" (§3.x.1).

    ``cryptosuite`` is a Data Integrity cryptosuite name, ``"Ed25519Signature2020"``
    or ``"Ed25519Signature2018"`` (which set the proof type; the 2018 suite
    signs with a detached JWS in ``jws``). An existing proof makes a proof set; with
    ``previous_proof`` the new proof chains to the proofs with those ids.
    Raises :class:`ProofError` / :class:`DocumentError` for unusable input.
    """
    suite = suites.SUITES.get(cryptosuite)
    if suite is None:
        raise ProofError(f"unsupported cryptosuite {cryptosuite!r}")
    if suite.proof_type != "DataIntegrityProof":
        proof_type = suite.proof_type
    proof: dict[str, Any] = {"type": proof_type}
    if proof_type == "DataIntegrityProof":
        proof["cryptosuite"] = cryptosuite
    if proof_id is not None:
        proof["id"] = proof_id
    proof.update({"created": created, "verificationMethod": verification_method, "proofPurpose": purpose})
    if expires is not None:
        proof["expires"] = expires
    if previous_proof is not None:
        proof["previousProof"] = previous_proof
    if domain is not None:
        proof["domain"] = domain
    if challenge is not None:
        proof["challenge"] = challenge
    existing = _proofs_of(document)
    unsecured = _unsecured(document, proof, existing)
    config = suites.proof_configuration(suite, proof, unsecured)
    hash_name = suites.hash_for_key(suite, private_key)
    canon_config, canon_doc = suites.canonical_forms(suite, config, unsecured, ob303=ob303)
    prefix = suites.detached_header_prefix() if suite.carrier == "jws" else b""
    signature = suites.create_signature(
        suite, private_key, prefix + suites.hash_data(canon_config, canon_doc, hash_name)
    )
    if suite.carrier == "jws":
        proof["jws"] = suites.detached_jws(prefix, signature)
    else:
        proof["proofValue"] = multibase_encode(signature)
    signed = copy.deepcopy(document)
    if existing:
        signed["proof"] = [*copy.deepcopy(existing), proof]
    else:
        signed["proof"] = proof
    return signed
