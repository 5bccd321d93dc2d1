"""DIF Well-Known DID Configuration: does a web origin vouch for a DID?

DIF "Well Known DID Configuration" (v1.0, 2021;
https://identity.foundation/.well-known/resources/did-configuration/), as
:func:`check_linkage` carries it out for an issuer DID and the ``url`` its
credential claims:

1. §"DID Configuration Resource Location": the resource is at
   ``<origin>/.well-known/did-configuration.json`` of the claimed url's
   origin (scheme, host, port; path ignored), fetched through the guarded
   fetcher (https; http only on hosts the operator allowed).
2. §"DID Configuration Resource": a JSON object whose ``linked_dids`` is an
   array of Domain Linkage Credentials, each either a JSON-LD credential
   (§"Linked Data Proof Format") or a compact JWT (§"JSON Web Token Proof
   Format"). Entries about other DIDs are skipped.
3. §"Domain Linkage Credential" (both formats): ``type`` includes
   ``DomainLinkageCredential``; ``credentialSubject.id`` is the DID and
   equals the issuer (for a JWT also ``iss`` and ``sub``);
   ``credentialSubject.origin`` is the origin the resource was fetched from;
   ``issuanceDate`` and ``expirationDate`` are present and the credential is
   within them (JWT: ``nbf`` / ``exp``).
4. §"DID Configuration Resource Verification": the proof verifies with a key
   of the DID (JSON-LD: a data integrity proof for ``assertionMethod``; JWT:
   ``kid`` names a method of the DID), using the verifier's own credential
   verification (:mod:`verifier.vc`), so keys, algorithms and dates follow
   the same rules as any credential.

The linkage is proven when at least one credential about the DID passes all
of these. What the origin's answer proves about its host follows the same
transport rule as ``did:web`` (see :mod:`verifier.identity`).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from verifier.errors import DocumentError, FetchError
from verifier.models import CheckId, Outcome, Status, VerificationResult
from verifier.recording import captured, note_reused
from verifier.session import Session

RESOURCE_PATH = "/.well-known/did-configuration.json"
LINKAGE_TYPE = "DomainLinkageCredential"
MAX_LINKED = 50


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL, lower-cased; None otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    netloc = parts.hostname.lower() + (f":{port}" if port is not None and port != default else "")
    return f"{parts.scheme.lower()}://{netloc}"


async def check_linkage(did: str, claimed_url: str, session: Session) -> tuple[str | None, str]:
    """``(host, how)`` when ``claimed_url``'s origin publishes a valid Domain Linkage
    Credential for ``did``; ``(None, why not)`` otherwise. Cached per batch."""
    origin = origin_of(claimed_url)
    if origin is None:
        return None, f"the claimed url {claimed_url!r} is not an http(s) URL"
    key = ("did-configuration", f"{did}\n{origin}")
    cached = session.cache.get(key)
    if isinstance(cached, tuple):
        note_reused(session.cache.get(("documents:" + key[0], key[1]), ()))  # evidence: this badge relied on it too
        return cached
    outcome, documents = await captured(_check(did, origin, session))
    note_reused(documents)
    session.cache[key] = outcome
    session.cache[("documents:" + key[0], key[1])] = documents
    return outcome


async def _check(did: str, origin: str, session: Session) -> tuple[str | None, str]:
    # Imported here: verifier.identity imports this module, and verifier.vc
    # is the pipeline's (a cycle at import time otherwise).
    from verifier import identity, vc

    url = origin + RESOURCE_PATH
    host = urlsplit(origin).hostname or ""
    served = identity.served_clause(url, session)
    if served is None:
        return None, f"{url} cannot prove its host: it would not be fetched over verified TLS"
    try:
        response = await session.fetcher.fetch(url, accept="application/json")
    except FetchError as exc:
        return None, f"no DID configuration at {url}: {exc.reason}"
    try:
        resource = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None, f"the DID configuration at {url} is not JSON"
    linked = resource.get("linked_dids") if isinstance(resource, dict) else None
    if not isinstance(linked, list):
        return None, f"the DID configuration at {url} has no linked_dids array"
    problems: list[str] = []
    for n, item in enumerate(linked[:MAX_LINKED], start=1):
        if isinstance(item, str):
            subject = _jwt_subject(item)
            if subject != did:
                continue
            result = await vc.verify_vc_jwt(item, session, input=f"{url}#linked_dids-{n}")
        elif isinstance(item, dict):
            if _subject(item).get("id") != did:
                continue
            result = await vc.verify_vc_json(item, session, input=f"{url}#linked_dids-{n}")
        else:
            continue
        problem = _linkage_problem(result, did, origin)
        if problem is None:
            return host, (
                f"{host} publishes a DID configuration (/.well-known/did-configuration.json) served {served}, "
                f"whose domain linkage credential signed by {did} links the DID to {origin}"
            )
        problems.append(f"#{n}: {problem}")
    if not problems:
        return None, f"the DID configuration at {url} does not link {did}"
    return None, f"the DID configuration at {url} does not prove the link: " + "; ".join(problems)


def _jwt_subject(token: str) -> str | None:
    from verifier import jose

    try:
        payload = jose.parse_compact(token).payload
    except DocumentError:
        return None
    vc_claim: dict[str, Any] = payload["vc"] if isinstance(payload.get("vc"), dict) else {}
    subject = _subject(vc_claim).get("id") or payload.get("sub")
    return subject if isinstance(subject, str) else None


def _subject(doc: dict[str, Any]) -> dict[str, Any]:
    subject = doc.get("credentialSubject")
    if isinstance(subject, list) and subject and isinstance(subject[0], dict):
        subject = subject[0]
    return subject if isinstance(subject, dict) else {}


def _linkage_problem(result: VerificationResult, did: str, origin: str) -> str | None:
    """Why a verified-or-not Domain Linkage Credential does not prove the link, or None."""
    doc = result.document if isinstance(result.document, dict) else {}
    types = doc.get("type")
    types = types if isinstance(types, list) else [types]
    if LINKAGE_TYPE not in types:
        return f"it is not a {LINKAGE_TYPE}"
    issuer = doc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    subject = _subject(doc)
    if issuer_id != did or subject.get("id") != did:
        return f"its issuer ({issuer_id}) and subject ({subject.get('id')}) are not both {did}"
    stated = subject.get("origin")
    if not isinstance(stated, str) or origin_of(stated if "://" in stated else f"https://{stated}") != origin:
        return f"it links the origin {stated!r}, not {origin}"
    if not (doc.get("expirationDate") or doc.get("validUntil")):
        return "it has no expirationDate"
    signature = result.check(CheckId.SIGNATURE.value)
    if signature is None or signature.outcome is not Outcome.PASS:
        return f"its proof does not verify: {signature.message if signature else 'no proof'}"
    expiry = result.check(CheckId.EXPIRY.value)
    if expiry is not None and expiry.outcome is Outcome.FAIL:
        return expiry.message
    if result.status is Status.FAILED:
        return result.reason
    return None
