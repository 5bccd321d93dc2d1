"""Open Badges 3.0 / W3C Verifiable Credentials verification.

Entry points (called by :mod:`verifier.pipeline`): :func:`verify_vc_json`
for a JSON-LD credential, presentation or CLR, and :func:`verify_vc_jwt` for
a compact JWS (VC-JWT 1.1, OB 3.0 JWT proof, VC-JOSE-COSE).

The steps follow OB 3.0 §9.1 "OpenBadgeCredential Verification" (numbers used below):

1. ``structure``: the document is a well-formed VC / OB 3.0 / CLR 2.0
   credential whose every term its contexts define (:mod:`verifier.ob3`).
   When it is not, the later checks are *skipped* (the document cannot be
   interpreted), not failed.
2. ``signature``: every embedded proof is checked
   (:mod:`verifier.proofset`), or the JWS (:mod:`verifier.jose`), with a key
   bound to the issuer. A JWT secures its whole payload, so an embedded
   proof inside a JWT payload is not checked again.
3. ``issuer``: the issuer named, and the trust list's verdict when one is
   given (``deny`` fails). An opaque issuer id (``urn:uuid:...``) signed for
   by a self-certifying key (``did:key``, ``did:jwk``) passes with a warning:
   no key can be bound to such an id, so its name is asserted, not proven.
4. ``expiry``: ``validFrom`` / ``validUntil`` (VC 2.0 §4.9),
   ``issuanceDate`` / ``expirationDate`` (VC 1.1 §4.6-4.7), JWT ``nbf`` /
   ``exp``, judged at ``session.now`` (:mod:`verifier.dates`).
5. ``revocation``: ``credentialStatus`` (:mod:`verifier.status`).
6. ``recipient``: OB 3.0 IdentityObjects against the candidate's emails.
7. Endorsements embedded in the credential, its issuer profile or its
   achievement (``endorsement`` objects, ``endorsementJwt`` strings) are
   verified as credentials of their own, at most :data:`MAX_DEPTH` levels
   deep, and reported under ``issuer.endorsements`` (OB 3.0 §9.2). Each must
   be an ``EndorsementCredential`` about what it is attached to. They inform;
   they never change the endorsed credential's status.

Not done: the optional refresh (``1EdTechCredentialRefresh``, §9.1 step 3)
and JSON Schema validation (``1EdTechJsonSchemaValidator2019``), both of
which need documents from the network that a verifier should not trust
blindly; structure is checked through the JSON-LD contexts instead.

Containers (a ``VerifiablePresentation``, JSON-LD or a JWT ``vp``; a CLR 2.0
``ClrCredential``) yield one result per credential inside
(``VerificationResult.credentials``). The container's own checks are its
structure and its own proof (and, for a CLR, its validity, status and
recipient), plus a ``credentials`` check summing up its members: it fails
when any member failed, is indeterminate when any member errored, and passes
only when every member verified. So a container is ``verified`` only when it
and everything in it verified; ``failed`` when it or any member failed.
A presentation without a proof is not holder-bound: its ``signature`` check
is skipped with that reason, and its status rests on its members.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any
from urllib.parse import unquote

from verifier import dates, jose, keys, ob3, proofset, status
from verifier.errors import DocumentError, KeyBindingError, KeyResolutionError
from verifier.models import (
    Check,
    CheckId,
    Format,
    Outcome,
    Status,
    VerificationResult,
    errored,
    failed,
    make_result,
    passed,
    skipped,
    warned,
)
from verifier.session import Session

MAX_DEPTH = 3  # container -> credential -> endorsement -> endorsement of the endorser
MAX_MEMBERS = 500
CREDENTIALS_CHECK = "credentials"
ENVELOPED_JWT_TYPES = ("application/vc+jwt", "application/vc+ld+json+jwt", "application/jwt")


async def verify_vc_json(doc: dict[str, Any], session: Session, *, input: str) -> VerificationResult:
    """Verify a JSON-LD verifiable credential, presentation or CLR. Never raises for a bad document."""
    return await _verify_json(doc, session, input=input, depth=0)


async def verify_vc_jwt(token: str, session: Session, *, input: str) -> VerificationResult:
    """Verify a VC-JWT / VC-JOSE credential or presentation. Never raises for a bad token."""
    return await _verify_jwt(token, session, input=input, depth=0)


# -- JSON-LD -----------------------------------------------------------------------


async def _verify_json(doc: dict[str, Any], session: Session, *, input: str, depth: int) -> VerificationResult:
    if ob3.classify(doc) == Format.PRESENTATION.value:
        return await _verify_presentation(doc, session, input=input, depth=depth, jws_check=None)
    found = ob3.read_structure(doc)
    if not found.readable:
        return _unreadable(doc, found.check, input=input)
    issuer_id = ob3.node_id(doc.get("issuer"))
    # Step 2: embedded proofs, by the issuer, for assertionMethod. The structure
    # check's expansion of the document (without its proof) is the first step of
    # canonicalizing it for the proofs, and is not done again.
    signature = await proofset.check_proofs(doc, session, issuer_id=issuer_id, expanded=found.expanded)
    signature = _unsecured_terms(signature, found.undefined)
    return await _finish(doc, session, input=input, depth=depth, checks=[found.check, signature], found=found)


# The terms whose values this verifier reads to decide a result or to show it.
# A proof that holds only without some undefined terms (Data Integrity 1.0
# §2.4.3) leaves what they say unsecured: anyone could have written it.
STATUS_TERMS = frozenset(
    {
        "credentialStatus",
        "statusPurpose",
        "statusListIndex",
        "statusListCredential",
        "statusSize",
        "statusMessage",
        status.BITSTRING_ENTRY,
        status.STATUSLIST2021_ENTRY,
        status.REVOCATION_LIST,
    }
)
REPORTED_TERMS = frozenset(
    {
        "id",
        "type",
        "issuer",
        "credentialSubject",
        "name",
        "description",
        "url",
        "email",
        "image",
        "achievement",
        "achievementType",
        "criteria",
        "narrative",
        "creditsAvailable",
        "alignment",
        "targetName",
        "targetFramework",
        "targetCode",
        "targetUrl",
        "targetType",
        "tag",
        "result",
        "resultDescription",
        "identifier",
        "identityHash",
        "identityType",
        "hashed",
        "salt",
        "validFrom",
        "validUntil",
        "issuanceDate",
        "expirationDate",
        "awardedDate",
        "endorsement",
        "endorsementJwt",
        "verifiableCredential",
        "holder",
    }
)


def _unsecured_terms(signature: Check, undefined: tuple[str, ...]) -> Check:
    """The signature check when its proof held only over the document without
    its ``undefined`` terms (``warn`` from :func:`verifier.proofset.judge`).

    Data Integrity 1.0 §2.4.3 "Securing Data Losslessly" requires an error
    where data is dropped, because dropped data is not secured. Read to the
    letter that would make every such credential unverifiable, though the
    proof does secure everything else. The rule here: the proof stands for
    what it secures, the terms it does not are named (``warn``), and when
    among them is one this verifier reports (issuer, achievement, recipient,
    dates, ...) the check is indeterminate, since the value shown could have
    been written by anyone. Status terms are left to the revocation check
    (:func:`_status`). Never ``failed``: nothing shows the proof is bad.
    """
    if signature.outcome is not Outcome.WARN or not undefined:
        return signature
    shown = sorted(set(undefined) & REPORTED_TERMS)
    if not shown:
        return signature
    return errored(
        CheckId.SIGNATURE,
        f"{signature.message}; among the terms it does not secure are {', '.join(shown)}, which this result "
        "would report: what the credential says there cannot be shown to be the issuer's",
    )


def _unreadable(doc: dict[str, Any], structure: Check, *, input: str) -> VerificationResult:
    why = "skipped: the document's structure is not valid"
    later = [skipped(c, why) for c in (CheckId.SIGNATURE, CheckId.EXPIRY, CheckId.REVOCATION, CheckId.RECIPIENT)]
    return make_result(
        input,
        [structure, *later],
        format=ob3.classify(doc),
        issuer=ob3.issuer_info(doc),
        achievement=ob3.achievement_info(doc),
        credential_id=ob3.node_id(doc.get("id")),
        document=doc,
    )


async def _finish(
    doc: dict[str, Any],
    session: Session,
    *,
    input: str,
    depth: int,
    checks: list[Check],
    found: ob3.Structure,
    jwt_window: jose.Mapped | None = None,
) -> VerificationResult:
    """Steps 3-7 for a credential whose structure and signature were checked;
    then the ``conformance`` check of what reading it found."""
    issuer_id = ob3.node_id(doc.get("issuer"))
    trust = session.trust.verdict(issuer_id) if session.trust is not None else None
    checks.append(
        _issuer_check(doc, trust, signed=any(c.id == "signature" and c.outcome is Outcome.PASS for c in checks))
    )
    checks.append(_expiry(doc, session, jwt_window))
    checks.append(await _status(doc, session, issuer_id=issuer_id, signature=checks[1], found=found))
    recipient, match = ob3.recipient_check(doc, session.emails)
    checks.append(recipient)
    members: tuple[VerificationResult, ...] = ()
    if ob3.CLR_TYPE in ob3.types_of(doc):
        members = await _clr_members(doc, session, input=input, depth=depth)
        checks.append(_members_check(members, "CLR"))
    endorsements = await _endorsements(doc, session, input=input, depth=depth)
    checks.append(found.conformance())
    issued, expires = ob3.dates_of(doc)
    return make_result(
        input,
        checks,
        format=ob3.classify(doc),
        issuer=ob3.issuer_info(doc, endorsements=endorsements, trust=trust),
        achievement=ob3.achievement_info(doc),
        recipient_match=match,
        issued_on=issued,
        expires=expires,
        skills=ob3.skills(doc),
        credential_id=ob3.node_id(doc.get("id")),
        credentials=members,
        document=doc,
    )


async def _status(
    doc: dict[str, Any], session: Session, *, issuer_id: str | None, signature: Check, found: ob3.Structure
) -> Check:
    """Step 5, unless the status entry is among what the proof does not secure
    (see :func:`_unsecured_terms`): an entry anyone could have rewritten (to
    point at an index that is not set) says nothing about revocation."""
    unsecured = sorted(set(found.undefined) & STATUS_TERMS)
    if unsecured and signature.outcome is not Outcome.PASS and "credentialStatus" in doc:
        return errored(
            CheckId.REVOCATION,
            f"the credential's status entry ({', '.join(unsecured)}) is not defined by its JSON-LD contexts, so "
            "its proof does not secure it (Data Integrity 1.0 §2.4.3): whether it is revoked cannot be established",
        )
    return await status.check_status(doc, session, issuer_id=issuer_id)


def _issuer_check(doc: dict[str, Any], trust: str | None, *, signed: bool) -> Check:
    info = ob3.issuer_info(doc)
    who = f"{info.id}" + (f" ({info.name})" if info.name else "")
    if trust == "deny":
        return failed(CheckId.ISSUER, f"the issuer {who} is on the trust list's deny list")
    suffix = f"; trust list: {trust}" if trust else ""
    if signed and (info.id or "").lower().startswith("urn:"):
        # An opaque issuer id has no document that could list keys: the only key that can
        # sign for it is a self-certifying one (did:key, did:jwk; see verifier.did.check_key_binding).
        return warned(
            CheckId.ISSUER,
            f"issued by {who}: an opaque identifier no key can be bound to, so the credential is signed by a "
            f"self-certifying key and the issuer's identity is asserted, not proven{suffix}",
        )
    return passed(CheckId.ISSUER, f"issued by {who}, as named in the signed credential{suffix}")


def _expiry(doc: dict[str, Any], session: Session, jwt_window: jose.Mapped | None) -> Check:
    check = dates.expiry_check(doc, session.now)
    if check.outcome is Outcome.FAIL or jwt_window is None:
        return check
    # The JWT's own nbf / exp bound the token's validity too (RFC 7519 §4.1.4-4.1.5).
    if jwt_window.not_before is not None and session.now < jwt_window.not_before:
        return failed(CheckId.EXPIRY, f"not valid until JWT nbf {dates.iso(jwt_window.not_before)}")
    if jwt_window.expires is not None and session.now >= jwt_window.expires:
        return failed(CheckId.EXPIRY, f"expired: JWT exp {dates.iso(jwt_window.expires)}")
    return check


# -- JWT -------------------------------------------------------------------------


async def _verify_jwt(token: str, session: Session, *, input: str, depth: int) -> VerificationResult:
    try:
        jws = jose.parse_compact(token)
    except jose.AlgorithmRefused as exc:
        return make_result(input, [failed(CheckId.SIGNATURE, str(exc))], format=Format.VC.value)
    except DocumentError as exc:
        return make_result(input, [errored(CheckId.STRUCTURE, f"malformed JWS: {exc}")], format=Format.VC.value)
    try:
        mapped = jose.credential_from_claims(jws.payload)
    except jose.ClaimMismatch as exc:
        # The token contradicts itself about who issued it or when (VC-JWT 1.1 §6.3.1;
        # OB 3.0 §8.2.4-8.2.5): a signed claim set naming two issuers is evidence, not a gap.
        return make_result(input, [failed(CheckId.STRUCTURE, str(exc))], format=Format.VC.value, document=jws.payload)
    except DocumentError as exc:
        return make_result(input, [errored(CheckId.STRUCTURE, str(exc))], format=Format.VC.value, document=jws.payload)
    doc = mapped.document
    if mapped.kind == "vp-jwt" or ob3.classify(doc) == Format.PRESENTATION.value:
        holder = ob3.node_id(doc.get("holder"))
        jws_check = await _jws_check(jws, session, signer=holder, purpose="authentication", what="presentation")
        return await _verify_presentation(doc, session, input=input, depth=depth, jws_check=jws_check)
    # A JWS secures the payload's bytes: undefined terms are signed like the rest
    # and are only a data-model finding here.
    found = ob3.read_structure(doc)
    if not found.readable:
        return _unreadable(doc, found.check, input=input)
    issuer_id = ob3.node_id(doc.get("issuer"))
    signature = await _jws_check(jws, session, signer=issuer_id, purpose="assertionMethod", what="credential")
    return await _finish(
        doc, session, input=input, depth=depth, checks=[found.check, signature], found=found, jwt_window=mapped
    )


async def _jws_check(jws: jose.CompactJws, session: Session, *, signer: str | None, purpose: str, what: str) -> Check:
    """Step 2 for a JWS: key bound to ``signer`` for ``purpose``, then the signature.

    A ``jwk`` header is tried first: a signature that does not verify with the
    key the token itself names is invalid whoever owns that key.
    """
    if "jwk" in jws.header:
        try:
            jose.verify_signature(jws, keys.public_key_from_jwk(jws.header["jwk"]))
        except KeyResolutionError as exc:
            return failed(CheckId.SIGNATURE, f"the {what}'s jwk header is not a usable public key: {exc}")
        except jose.SignatureInvalid as exc:
            return failed(CheckId.SIGNATURE, f"{exc} (with the key in the jwk header)")
    try:
        bound = await jose.resolve_key(jws, session, issuer_id=signer, purpose=purpose)
    except KeyBindingError as exc:
        return failed(CheckId.SIGNATURE, f"the {what}'s {jws.alg} signing key is not its signer's: {exc}")
    except KeyResolutionError as exc:
        return errored(CheckId.SIGNATURE, f"the {what}'s {jws.alg} signing key could not be resolved: {exc}")
    try:
        jose.verify_signature(jws, bound.key)
    except jose.SignatureInvalid as exc:
        return failed(CheckId.SIGNATURE, f"{exc} ({bound.description})")
    return passed(CheckId.SIGNATURE, f"{jws.alg} JWS signature valid; key: {bound.description}")


# -- containers ------------------------------------------------------------------


async def _verify_member(item: Any, session: Session, *, input: str, depth: int) -> VerificationResult:
    """One credential inside a container: an object, a compact JWS string, or an
    ``EnvelopedVerifiableCredential`` (VC 2.0 §4.13 "Securing Mechanism
    Specifications": ``id`` is a ``data:`` URL holding the JWS)."""
    if depth > MAX_DEPTH:
        return make_result(input, [errored(CheckId.STRUCTURE, "credentials nested too deeply")])
    if isinstance(item, str):
        return await _verify_jwt(item.strip(), session, input=input, depth=depth)
    if isinstance(item, dict) and "EnvelopedVerifiableCredential" in ob3.types_of(item):
        data = item.get("id")
        if not (isinstance(data, str) and data.startswith("data:") and "," in data):
            return make_result(
                input, [errored(CheckId.STRUCTURE, "EnvelopedVerifiableCredential id is not a data: URL")]
            )
        header, _, body = data[5:].partition(",")
        media, *params = header.split(";")
        if media.lower() not in ENVELOPED_JWT_TYPES:
            return make_result(
                input,
                [errored(CheckId.STRUCTURE, f"enveloped credentials of type {media or 'unknown'} are not supported")],
            )
        token = unquote(body).strip()
        if "base64" in params:
            try:
                token = base64.b64decode(token, validate=True).decode("ascii").strip()
            except (ValueError, UnicodeDecodeError):
                return make_result(
                    input, [errored(CheckId.STRUCTURE, "EnvelopedVerifiableCredential data is not base64")]
                )
        return await _verify_jwt(token, session, input=input, depth=depth)
    if isinstance(item, dict):
        return await _verify_json(item, session, input=input, depth=depth)
    return make_result(input, [errored(CheckId.STRUCTURE, "a contained credential is neither an object nor a JWT")])


async def _verify_members(
    items: list[Any], session: Session, *, input: str, depth: int
) -> tuple[VerificationResult, ...]:
    jobs = [
        _verify_member(item, session, input=f"{input}#credential-{n}", depth=depth + 1)
        for n, item in enumerate(items[:MAX_MEMBERS], start=1)
    ]
    results = tuple(await asyncio.gather(*jobs))
    if len(items) > MAX_MEMBERS:
        # Nothing is verified by omission: members left out make the container indeterminate.
        left_out = make_result(
            f"{input}#credential-{MAX_MEMBERS + 1}",
            [errored(CheckId.STRUCTURE, f"{len(items) - MAX_MEMBERS} more credentials were not verified")],
        )
        results = (*results, left_out)
    return results


def _members_check(members: tuple[VerificationResult, ...], what: str) -> Check:
    if not members:
        return errored(CREDENTIALS_CHECK, f"the {what} holds no credentials: there is nothing to verify")
    counts = {s: sum(1 for m in members if m.status is s) for s in Status}
    summary = f"{counts[Status.VERIFIED]} of {len(members)} credentials verified"
    if counts[Status.FAILED]:
        bad = ", ".join(f"#{i} ({m.reason})" for i, m in enumerate(members, start=1) if m.status is Status.FAILED)
        return failed(CREDENTIALS_CHECK, f"{summary}; failed: {bad}")
    if counts[Status.ERROR]:
        return errored(CREDENTIALS_CHECK, f"{summary}; could not verify {counts[Status.ERROR]}")
    return passed(CREDENTIALS_CHECK, summary)


async def _verify_presentation(
    doc: dict[str, Any], session: Session, *, input: str, depth: int, jws_check: Check | None
) -> VerificationResult:
    found = ob3.read_structure(doc, what="presentation")
    if not found.readable:
        return _unreadable(doc, found.check, input=input)
    holder = ob3.node_id(doc.get("holder"))
    checks = [found.check]
    if jws_check is not None:
        checks.append(jws_check)
    elif proofset.has_proof(doc):
        # VC 2.0 §4.12: a presentation's proof is the holder's, for authentication.
        checks.append(
            await proofset.check_proofs(doc, session, issuer_id=holder, purpose="authentication", what="presentation")
        )
    else:
        checks.append(skipped(CheckId.SIGNATURE, "the presentation has no proof: it is not bound to a holder"))
    items = ob3.as_list(doc.get("verifiableCredential"))
    members = await _verify_members(items, session, input=input, depth=depth)
    checks.append(_members_check(members, "presentation"))
    checks.append(found.conformance())
    return make_result(
        input,
        checks,
        format=Format.PRESENTATION.value,
        credential_id=ob3.node_id(doc.get("id")),
        credentials=members,
        document=doc,
    )


async def _clr_members(
    doc: dict[str, Any], session: Session, *, input: str, depth: int
) -> tuple[VerificationResult, ...]:
    # CLR 2.0 §B.1.3 "ClrSubject": verifiableCredential holds the AchievementCredentials.
    items = [i for s in ob3.subjects(doc) for i in ob3.as_list(s.get("verifiableCredential"))]
    return await _verify_members(items, session, input=input, depth=depth)


# -- endorsements ----------------------------------------------------------------


def _endorsement_items(doc: dict[str, Any]) -> list[tuple[Any, str | None]]:
    """Each embedded endorsement with the id of what it is attached to (the credential,
    its issuer profile, its achievement or the achievement's creator)."""
    holders = [doc]
    issuer = doc.get("issuer")
    if isinstance(issuer, dict):
        holders.append(issuer)
    achievement = ob3.achievement_of(doc)
    if achievement is not None:
        holders.append(achievement)
        creator = achievement.get("creator")
        if isinstance(creator, dict):
            holders.append(creator)
    items: list[tuple[Any, str | None]] = []
    for holder in holders:
        target = ob3.node_id(holder)
        items += [(e, target) for e in ob3.as_list(holder.get("endorsement")) if isinstance(e, dict)]
        items += [(e, target) for e in ob3.as_list(holder.get("endorsementJwt")) if isinstance(e, str)]
    return items


async def _endorsements(
    doc: dict[str, Any], session: Session, *, input: str, depth: int
) -> tuple[VerificationResult, ...]:
    """OB 3.0 §9.2 "EndorsementCredential Verification" for each embedded endorsement.

    Beyond its own checks, an endorsement must be an ``EndorsementCredential``
    whose subject is what it is attached to: an endorsement of someone else,
    copied in, does not endorse this issuer or achievement.
    """
    items = _endorsement_items(doc)
    if not items or depth + 1 > MAX_DEPTH:
        return ()
    labels = [f"{input}#endorsement-{n}" for n in range(1, len(items) + 1)]
    results = await asyncio.gather(
        *(
            _verify_member(item, session, input=label, depth=depth + 1)
            for (item, _), label in zip(items[:MAX_MEMBERS], labels, strict=False)
        )
    )
    return tuple(_endorses(result, target) for result, (_, target) in zip(results, items, strict=False))


def _endorses(result: VerificationResult, target: str | None) -> VerificationResult:
    """``result`` with a structure failure when it is not an endorsement of ``target``."""
    if result.status is not Status.VERIFIED:
        return result
    endorsed = result.document if isinstance(result.document, dict) else {}
    subject_ids = {ob3.node_id(s) for s in ob3.subjects(endorsed)}
    if ob3.ENDORSEMENT_TYPE not in ob3.types_of(endorsed):
        problem = "an endorsement must be an EndorsementCredential"
    elif target is not None and target not in subject_ids:
        named = ", ".join(sorted(i for i in subject_ids if i)) or "nothing"
        problem = f"the endorsement is about {named}, not {target} that it is attached to"
    else:
        return result
    return make_result(result.input, [*result.checks, failed(CheckId.STRUCTURE, problem)], **_fields(result))


def _fields(result: VerificationResult) -> dict[str, Any]:
    return {
        "format": result.format,
        "issuer": result.issuer,
        "achievement": result.achievement,
        "issued_on": result.issued_on,
        "expires": result.expires,
        "credential_id": result.credential_id,
        "document": result.document,
    }
