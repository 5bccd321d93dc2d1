"""From any input to a :class:`~verifier.models.VerificationResult`.

    input (URL, path, pasted text, bytes)
      -> detect            (verifier.detect)
      -> URL: platform map (verifier.platforms), fetch, detect the body
      -> baked image: extract the embedded badge (verifier.baked), detect again
      -> JSON: OB 2.0 assertion -> verifier.ob2.verify_hosted
               VC / OB 3.0 / presentation / CLR -> verifier.vc.verify_vc_json
      -> JWS:  OB 2.0 signed assertion -> verifier.ob2.verify_signed
               VC-JWT / VC-JOSE -> verifier.vc.verify_vc_jwt
      -> issuer identity on the result and its members (verifier.identity)

Every input gets exactly one result; exceptions that escape a verification
path become an ``error`` result naming the problem, so a batch never stops.
:func:`verify_batch` runs many inputs concurrently and yields results in input
order as soon as each is ready.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from verifier import baked, identity, jose, nodes, ob2, platforms, vc
from verifier.details import BadgeDetails, details_of
from verifier.detect import Detected, detect
from verifier.errors import DocumentError, FetchError, HTTPStatusError, InputError, VerifierError
from verifier.models import CheckId, Format, VerificationResult, error_result, errored, failed, make_result
from verifier.session import Session

log = logging.getLogger(__name__)
T = TypeVar("T")

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
VC_BASE_CONTEXTS = ("https://www.w3.org/2018/credentials/v1", "https://www.w3.org/ns/credentials/v2")
MAX_NESTING = 3  # URL -> baked image -> embedded URL -> document


@dataclass(frozen=True, slots=True)
class BadgeInput:
    """One thing to verify.

    ``source`` is what the user gave (a URL, a file path, or a label for
    pasted or uploaded content); ``data`` is the content when it is already in
    hand (an upload), else ``source`` is read as a URL or a path.
    ``emails`` feed the recipient check; ``candidate`` is carried onto the result.
    """

    source: str
    data: bytes | None = None
    filename: str | None = None
    candidate: str | None = None
    emails: tuple[str, ...] = ()


async def verify_input(item: BadgeInput | str, session: Session) -> VerificationResult:
    """Verify one input. Never raises for a bad input: it returns an ``error`` result."""
    if isinstance(item, str):
        item = BadgeInput(item)
    checked_at = session.now.isoformat().replace("+00:00", "Z")
    emails = item.emails or session.emails
    sess = session if emails == session.emails else session.for_candidate(emails)
    try:
        result = await identity.assess(await _verify_item(item, sess), sess)
    except VerifierError as exc:
        result = error_result(item.source, CheckId.STRUCTURE, str(exc))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a bug must not stop the batch; it is reported, never verified
        log.exception("verification crashed for one input")
        result = error_result(item.source, CheckId.STRUCTURE, f"internal error: {exc.__class__.__name__}: {exc}")
    return replace(
        result,
        input=item.source,
        checked_at=checked_at,
        candidate=item.candidate if item.candidate is not None else result.candidate,
        email=emails[0] if emails else None,
        details=result.details if result.details is not None else _details(result.document),
    )


def _details(document: Any) -> BadgeDetails | None:
    """What the credential states beyond its name (:mod:`verifier.details`), None when it states nothing."""
    found = details_of(document) if document is not None else None
    return None if found is None or found.is_empty else found


async def _verify_item(item: BadgeInput, session: Session) -> VerificationResult:
    if item.data is not None:
        return await verify_bytes(item.data, session, input=item.source, filename=item.filename)
    source = item.source.strip()
    if source.lower().startswith(("http://", "https://")):
        return await verify_url(source, session, input=item.source)
    path = Path(source)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if source.startswith(("{", "ey")) and "/" not in source[:40]:
            # pasted content (a JSON credential or a compact JWS), not a path
            return await verify_bytes(source, session, input=item.source)
        return error_result(item.source, CheckId.FETCH, f"no such file: {source}")
    except OSError as exc:
        if exc.errno == 36 and source.startswith(("{", "ey")):  # name too long: pasted content
            return await verify_bytes(source, session, input=item.source)
        return error_result(item.source, CheckId.FETCH, f"cannot read {source}: {exc.strerror or exc}")
    return await verify_bytes(data, session, input=item.source, filename=path.name)


async def verify_bytes(
    data: bytes | str, session: Session, *, input: str, filename: str | None = None, depth: int = 0
) -> VerificationResult:
    """Verify content in hand (a file's bytes, a pasted string, a fetched body)."""
    try:
        detected = detect(data, filename=filename)
    except InputError as exc:
        return error_result(input, CheckId.STRUCTURE, str(exc))
    return await verify_detected(detected, session, input=input, depth=depth)


async def verify_detected(detected: Detected, session: Session, *, input: str, depth: int = 0) -> VerificationResult:
    """Route a detected input to its verification path."""
    if depth > MAX_NESTING:
        return error_result(input, CheckId.STRUCTURE, "badge nested too deeply (image in URL in image ...)")
    if detected.kind == "url":
        return await verify_url(detected.value, session, input=input, depth=depth + 1)
    if detected.kind in ("png", "svg"):
        try:
            payload = baked.extract_png(detected.value) if detected.kind == "png" else baked.extract_svg(detected.value)
        except InputError as exc:
            return error_result(input, CheckId.STRUCTURE, str(exc))
        return await verify_bytes(payload, session, input=input, depth=depth + 1)
    if detected.kind == "json":
        return await route_json(detected.value, session, input=input)
    return await route_jws(detected.value, session, input=input)


async def verify_url(url: str, session: Session, *, input: str, depth: int = 0) -> VerificationResult:
    """Fetch a badge URL (mapping platform pages to their documents, and finding the
    document behind a web page: :func:`verifier.platforms.locate`) and verify it."""
    target = platforms.resolve(url)
    try:
        located = await platforms.locate(url, session.fetcher)
    except HTTPStatusError as exc:
        if exc.status_code == 410:
            # OB 2.0 §Hosted verification: 410 Gone means the assertion was revoked.
            return make_result(
                input,
                [failed(CheckId.REVOCATION, f"the issuer answered 410 Gone for {exc.url}: revoked")],
                format=Format.OB2_HOSTED.value,
                platform=target.platform,
                source_url=exc.url,
            )
        return error_result(input, CheckId.FETCH, str(exc), platform=target.platform, source_url=exc.url)
    except FetchError as exc:
        return error_result(input, CheckId.FETCH, str(exc), platform=target.platform, source_url=exc.url)
    except platforms.NotABadgeDocument as exc:
        return error_result(input, CheckId.STRUCTURE, str(exc), platform=target.platform, source_url=target.url)
    result = await verify_bytes(located.content, session, input=input, depth=depth + 1)
    return replace(
        result,
        platform=located.platform or result.platform,
        source_url=result.source_url or located.url,
    )


def classify_json(doc: dict[str, Any]) -> str:
    """``ob2``, ``vc`` or ``unknown`` for a JSON document.

    Routed by what secures the document and by its contexts, never by a type
    name alone: ``Assertion`` is OB 2.0's assertion type and also a term of
    other vocabularies (the Digital Credentials Consortium's VCs are typed
    ``["VerifiableCredential", "Assertion"]``). A document that loads a W3C VC
    base context, or carries an embedded ``proof`` beside a VC type, is a
    verifiable credential (VC Data Model 2.0 §4.3); a document that loads the
    OB 2.0 context without a VC base context is an OB 2.0 assertion.
    """
    contexts = nodes.as_list(doc.get("@context"))
    types = {t for t in nodes.as_list(doc.get("type")) if isinstance(t, str)}
    vc_types = types & {"VerifiableCredential", "VerifiablePresentation"}
    vc_context = any(isinstance(c, str) and c in VC_BASE_CONTEXTS for c in contexts)
    if vc_context or (vc_types and "proof" in doc):
        return "vc"
    if OB2_CONTEXT in contexts:
        return "ob2"
    if vc_types or any(isinstance(c, str) and ("/credentials/" in c or "/ns/credentials" in c) for c in contexts):
        return "vc"
    if "Assertion" in types or ("badge" in doc and "recipient" in doc):
        return "ob2"  # OB 1.x / 2.0 without a context
    return "unknown"


async def route_json(doc: dict[str, Any], session: Session, *, input: str) -> VerificationResult:
    """Verify a JSON document by what it is."""
    kind = classify_json(doc)
    if kind == "ob2":
        return await ob2.verify_hosted(doc, session, input=input)
    if kind == "vc":
        return await vc.verify_vc_json(doc, session, input=input)
    return make_result(
        input,
        [errored(CheckId.STRUCTURE, "JSON is neither an Open Badges 2.0 assertion nor a verifiable credential")],
        document=doc,
    )


async def route_jws(token: str, session: Session, *, input: str) -> VerificationResult:
    """Verify a compact JWS by what its payload is."""
    try:
        payload = jose.peek_payload(token)
    except DocumentError as exc:
        return error_result(input, CheckId.STRUCTURE, str(exc))
    if "vc" in payload or "vp" in payload or classify_json(payload) == "vc":
        return await vc.verify_vc_jwt(token, session, input=input)
    if classify_json(payload) == "ob2":
        return await ob2.verify_signed(token, session, input=input)
    return make_result(
        input,
        [errored(CheckId.STRUCTURE, "JWS payload is neither an Open Badges 2.0 assertion nor a verifiable credential")],
    )


async def verify_batch(
    items: Iterable[BadgeInput | str], session: Session, *, window: int = 256
) -> AsyncIterator[VerificationResult]:
    """Verify many inputs concurrently; yield results in input order.

    At most ``window`` verifications are in flight, so memory stays flat for
    a batch of any length; the fetcher's caps bound the network side.
    """
    async for result in map_batch(items, session, verify_input, window=window):
        yield result


async def map_batch(
    items: Iterable[BadgeInput | str],
    session: Session,
    verify: Callable[[BadgeInput | str, Session], Coroutine[Any, Any, T]],
    *,
    window: int = 256,
) -> AsyncIterator[T]:
    """:func:`verify_batch` with another per-input coroutine (e.g. one that
    also records what it fetched): concurrent, bounded, in input order."""
    pending: asyncio.Queue[asyncio.Task[T] | None] = asyncio.Queue(maxsize=window)

    async def produce() -> None:
        try:
            for item in items:
                await pending.put(asyncio.create_task(verify(item, session)))
        finally:
            await pending.put(None)

    producer = asyncio.create_task(produce())
    try:
        while True:
            task = await pending.get()
            if task is None:
                break
            yield await task
        await producer
    finally:
        if not producer.done():
            producer.cancel()
        while not pending.empty():
            t = pending.get_nowait()
            if t is not None:
                t.cancel()
