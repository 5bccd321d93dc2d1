"""Credential status: is this credential revoked or suspended?

Three status methods are read from ``credentialStatus`` (one entry or a list):

- ``BitstringStatusListEntry`` (W3C Bitstring Status List v1.0, §2.1
  "BitstringStatusListEntry", §2.2 "BitstringStatusListCredential", §3.2
  "Validate Algorithm");
- ``StatusList2021Entry`` (W3C CCG Status List 2021, its predecessor);
- ``1EdTechRevocationList`` (1EdTech Revocation List v1.0: a document of
  revoked credential ids fetched from the entry's ``id``).

What this module guarantees:

- "Not revoked" is only ever said after the list was fetched AND verified:
  a status list credential must be a ``VerifiableCredential`` of the right
  type, carry a proof that verifies with a key of the issuer it names, be
  within its own validity period, and declare the entry's
  ``statusPurpose``. Anything less is indeterminate (``error``), never
  "not revoked".
- The list's issuer should be the credential's. A list issued and signed
  by someone else (a platform that hosts lists for many issuers), fetched
  from the URL that the issuer's signed credential names, with a proof that
  verifies with its signer's key, is accepted with a ``warn`` naming the
  signer: the issuer chose that URL, and the Digital Credentials
  Consortium's verifier accepts such lists. ``Session.strict_status_signer``
  (``--strict-status-signer``) makes it ``error`` instead.
- A set ``revocation`` or ``suspension`` bit makes the credential ``failed``;
  the message says which (§2.1 statusPurpose). Other purposes (``message``,
  ``refresh``) are reported but never decide the verdict.
- Decoding is bounded: ``encodedList`` is base64url (with the multibase
  ``u`` prefix for Bitstring Status List §2.2, without it for StatusList2021)
  of a GZIP stream, inflated with a hard cap (:data:`MAX_LIST_BYTES`) so a
  decompression bomb costs nothing.
- A list shorter than 131,072 entries (16 KiB at one bit each; Bitstring
  Status List §2.2 "BitstringStatusListCredential" sets this minimum for
  herd privacy, §3.2 raises STATUS_LIST_LENGTH_ERROR) is still read: the
  bit it holds is the issuer's word on the credential, and lists as
  deployed are smaller (the Digital Credentials Consortium's hold 100,000).
  The check is ``warn``: a small list tells its host more about whose
  status is being checked. A set bit in it fails the credential as any other.
- Bits are read MSB first: index 0 is the left-most bit of the first byte
  (Bitstring Status List §3.2 step 8 / §3.4 "Bitstring Expansion").
  A StatusList2021 revocation / suspension bit that is clear in that order
  but set read right to left within its byte (as early tools wrote lists)
  is indeterminate, never "not revoked" (see ``_legacy_order_says_set``).
- Verified lists are cached per batch in ``session.cache`` under
  ``("status-list", url)``, so a list shared by a thousand badges is fetched
  and verified once.

Decisions where the specs leave room:

- ``statusListIndex`` is a string of digits (Bitstring Status List §2.1).
  1EdTech's own vector uses a JSON number; a non-negative integer number is
  accepted too (it cannot be misread), anything else is malformed.
- The status list credential's ``id`` need not equal the URL it was fetched
  from (the 1EdTech vector differs; VC 2.0 makes ``id`` optional). What binds
  the list to the credential is the issuer: the list must be issued, and
  signed, by the credential's issuer. A differing ``id`` is noted in the
  message.
- The 1EdTech Revocation List is plain JSON without a proof; it is trusted
  as served from the URL the signed credential names, and must name the same
  issuer when it names one.
"""

from __future__ import annotations

import asyncio
import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from verifier import dates, nodes
from verifier.codec import b64url_decode
from verifier.errors import DocumentError, FetchError, VerifierError
from verifier.models import Check, CheckId, errored, failed, passed, skipped, warned
from verifier.recording import captured, note_reused
from verifier.session import Session

# Bitstring Status List §2.2 sets a 16 KiB (131,072 entries) minimum for
# herd privacy; 16 MiB covers 134 million entries and bounds inflation.
MAX_LIST_BYTES = 16 * 1024 * 1024
MIN_LIST_ENTRIES = 131_072
DECIDING_PURPOSES = ("revocation", "suspension")
_PAST = {"revocation": "revoked", "suspension": "suspended"}

_JWS_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")

BITSTRING_ENTRY = "BitstringStatusListEntry"
STATUSLIST2021_ENTRY = "StatusList2021Entry"
REVOCATION_LIST = "1EdTechRevocationList"
_LIST_TYPES = {
    BITSTRING_ENTRY: ("BitstringStatusListCredential", "BitstringStatusList"),
    STATUSLIST2021_ENTRY: ("StatusList2021Credential", "StatusList2021"),
}


class StatusError(DocumentError):
    """A status entry or status list is malformed (determinately so)."""


class StatusUnavailable(VerifierError):
    """The status could not be established (list unreachable or unverifiable)."""


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One ``BitstringStatusListEntry`` / ``StatusList2021Entry``."""

    type: str
    purpose: str
    index: int
    list_url: str
    size: int = 1
    messages: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RevocationListEntry:
    """One ``1EdTechRevocationList`` entry: the list is fetched from ``list_url``."""

    list_url: str


@dataclass(frozen=True, slots=True)
class StatusList:
    """A fetched, verified and decoded status list."""

    url: str
    list_id: str | None
    purposes: tuple[str, ...]
    bits: bytes
    signer: str | None = None  # the list's issuer, when it is not the credential's

    @property
    def length(self) -> int:
        """How many bits the list holds."""
        return len(self.bits) * 8

    def value(self, index: int, size: int = 1) -> int:
        """The status value at ``index`` (``size`` bits, MSB first); :class:`StatusError` if out of range."""
        start = index * size
        if index < 0 or start + size > self.length:
            raise StatusError(f"statusListIndex {index} is outside the list ({self.length // size} entries)")
        value = 0
        for position in range(start, start + size):
            value = (value << 1) | ((self.bits[position // 8] >> (7 - position % 8)) & 1)
        return value

    def set_right_to_left(self, index: int) -> bool:
        """Whether bit ``index`` is set when read right to left within its byte
        (the order some early StatusList2021 tools wrote; see :func:`_check_entry`)."""
        if index < 0 or index >= self.length:
            return False
        return bool((self.bits[index // 8] >> (index % 8)) & 1)


# -- parsing -------------------------------------------------------------------


def parse_entries(credential: dict[str, Any]) -> list[ListEntry | RevocationListEntry | dict[str, Any]]:
    """The credential's status entries, parsed; unknown types are returned as-is.

    :class:`StatusError` for a known entry type with missing or malformed fields.
    """
    raw = credential.get("credentialStatus")
    items = raw if isinstance(raw, list) else [raw] if raw is not None else []
    out: list[ListEntry | RevocationListEntry | dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            raise StatusError("credentialStatus must be an object")
        types = nodes.types_of(item)
        if BITSTRING_ENTRY in types or STATUSLIST2021_ENTRY in types:
            out.append(_parse_list_entry(item, BITSTRING_ENTRY if BITSTRING_ENTRY in types else STATUSLIST2021_ENTRY))
        elif REVOCATION_LIST in types:
            url = item.get("id")
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                raise StatusError("1EdTechRevocationList credentialStatus needs an http(s) id")
            out.append(RevocationListEntry(url))
        else:
            out.append(item)
    return out


def _parse_list_entry(item: dict[str, Any], kind: str) -> ListEntry:
    purpose = item.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise StatusError(f"{kind} has no statusPurpose")
    url = item.get("statusListCredential")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise StatusError(f"{kind} needs an http(s) statusListCredential, got {url!r}")
    index = parse_index(item.get("statusListIndex"))
    size = item.get("statusSize", 1)
    if isinstance(size, str) and size.isdigit():
        size = int(size)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 8:
        raise StatusError(f"statusSize must be an integer from 1 to 8, got {size!r}")
    messages: list[tuple[str, str]] = []
    for m in item.get("statusMessage") or ():
        if isinstance(m, dict) and isinstance(m.get("status"), str):
            messages.append((m["status"], str(m.get("message", ""))))
    return ListEntry(kind, purpose, index, url, size, tuple(messages))


def parse_index(value: Any) -> int:
    """``statusListIndex`` as an int: a string of digits (spec) or a non-negative integer (tolerated)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise StatusError(f"statusListIndex must be a non-negative integer string, got {value!r}")


def decode_list(encoded: Any, *, multibase: bool, max_bytes: int = MAX_LIST_BYTES) -> bytes:
    """The bitstring of an ``encodedList``: base64url (``u``-prefixed when
    ``multibase``) of GZIP, inflated to at most ``max_bytes``.

    A ``u`` prefix is also accepted on StatusList2021 lists and its absence
    on Bitstring lists, since both are seen in the wild; the GZIP header is
    what decides. :class:`StatusError` for anything undecodable or too large.
    """
    if not isinstance(encoded, str) or not encoded:
        raise StatusError("encodedList is missing")
    text = encoded.strip()
    if text.startswith("u") and (multibase or not text.startswith("H4sI")):
        text = text[1:]
    try:
        # Bitstring Status List §3.2 says unpadded; StatusList2021 lists were often padded (RFC 4648 §3.2).
        compressed = b64url_decode(text, what="encodedList", padding="optional")
    except DocumentError as exc:
        raise StatusError(str(exc)) from None
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP only
    try:
        bits = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise StatusError(f"encodedList is not GZIP data: {exc}") from exc
    if len(bits) > max_bytes or inflater.unconsumed_tail:
        raise StatusError(f"status list inflates to more than {max_bytes} bytes")
    if not inflater.eof:
        raise StatusError("encodedList GZIP stream is truncated")
    if not bits:
        raise StatusError("status list is empty")
    return bits


# -- fetching and verifying a list ----------------------------------------------


async def load_list(entry: ListEntry, session: Session, *, issuer_id: str) -> StatusList:
    """The entry's status list, fetched, verified and decoded (cached per batch).

    :class:`StatusUnavailable` when it cannot be fetched or verified;
    :class:`StatusError` when what was fetched is not a usable list.
    """
    key = ("status-list", f"{entry.type} {issuer_id} {entry.list_url}")
    cached = session.cache.get(key)
    if cached is None:
        cached = asyncio.ensure_future(captured(_load_list(entry, session, issuer_id=issuer_id)))
        session.cache[key] = cached
    result, documents = await asyncio.shield(cached)
    note_reused(documents)  # the list's documents are every badge's that relies on it (evidence)
    return cast(StatusList, result)


async def _load_list(entry: ListEntry, session: Session, *, issuer_id: str) -> StatusList:
    credential_type, subject_type = _LIST_TYPES[entry.type]
    try:
        response = await session.fetcher.fetch(entry.list_url)
    except FetchError as exc:
        raise StatusUnavailable(f"status list could not be fetched: {exc}") from exc
    body = response.text.strip()
    # Bitstring Status List §3.2 step 4: the status list credential must be verified,
    # whether secured by an embedded proof or as a JWT (VC-JOSE-COSE §3.1.1).
    if _JWS_RE.match(body):
        doc = await _verified_jwt_list(body, session, issuer_id=issuer_id)
    else:
        doc = await _verified_json_list(response.content, entry, session, issuer_id=issuer_id)
    list_issuer = nodes.issuer_id(doc)
    types = nodes.types_of(doc)
    if "VerifiableCredential" not in types or credential_type not in types:
        raise StatusUnavailable(f"{entry.list_url} is not a {credential_type}")
    window = dates.validity_problem(doc, session.now)
    if window is not None:
        raise StatusUnavailable(f"status list credential is not valid now: {window}")
    subject = doc.get("credentialSubject")
    if not isinstance(subject, dict) or subject_type not in nodes.types_of(subject):
        raise StatusError(f"status list credentialSubject is not a {subject_type}")
    raw_purposes = subject.get("statusPurpose")
    purposes = tuple(
        p for p in (raw_purposes if isinstance(raw_purposes, list) else [raw_purposes]) if isinstance(p, str)
    )
    bits = decode_list(subject.get("encodedList"), multibase=entry.type == BITSTRING_ENTRY)
    list_id = doc.get("id") if isinstance(doc.get("id"), str) else None
    return StatusList(entry.list_url, list_id, purposes, bits, None if list_issuer == issuer_id else list_issuer)


async def _verified_json_list(content: bytes, entry: ListEntry, session: Session, *, issuer_id: str) -> dict[str, Any]:
    from verifier import proofset

    try:
        doc = json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise StatusUnavailable(f"status list at {entry.list_url} is neither JSON nor a JWT: {exc}") from exc
    if not isinstance(doc, dict):
        raise StatusUnavailable(f"status list at {entry.list_url} is not a JSON object")
    signer = _list_signer(doc, issuer_id)
    signature = await proofset.check_proofs(doc, session, issuer_id=signer, what="status list")
    if signature.outcome.value != "pass":
        raise StatusUnavailable(f"status list credential does not verify: {signature.message}")
    return doc


async def _verified_jwt_list(token: str, session: Session, *, issuer_id: str) -> dict[str, Any]:
    from verifier import jose

    try:
        jws = jose.parse_compact(token)
        mapped = jose.credential_from_claims(jws.payload)
        signer = _list_signer(mapped.document, issuer_id)
        bound = await jose.resolve_key(jws, session, issuer_id=signer)
        jose.verify_signature(jws, bound.key)
    except VerifierError as exc:
        raise StatusUnavailable(f"status list JWT does not verify: {exc}") from exc
    if mapped.expires is not None and session.now >= mapped.expires:
        raise StatusUnavailable(f"status list JWT expired at {dates.iso(mapped.expires)}")
    if mapped.not_before is not None and session.now < mapped.not_before:
        raise StatusUnavailable(f"status list JWT is not valid until {dates.iso(mapped.not_before)}")
    return mapped.document


def _list_signer(doc: dict[str, Any], issuer_id: str) -> str:
    """The issuer whose key must have signed the list: the one it names (the
    caller judges a list named for someone other than ``issuer_id``)."""
    list_issuer = nodes.issuer_id(doc)
    if list_issuer is None:
        raise StatusUnavailable(
            f"status list names no issuer, so no key can be bound to it (credential: {issuer_id!r})"
        )
    return list_issuer


async def _load_revocation_list(entry: RevocationListEntry, session: Session) -> dict[str, Any]:
    key = ("revocation-list", entry.list_url)
    cached = session.cache.get(key)
    if cached is None:

        async def fetch() -> dict[str, Any]:
            try:
                doc = await session.fetcher.fetch_json(entry.list_url)
            except FetchError as exc:
                raise StatusUnavailable(f"revocation list could not be fetched: {exc}") from exc
            except (DocumentError, RecursionError) as exc:
                raise StatusUnavailable(f"revocation list is not JSON: {exc}") from exc
            if not isinstance(doc, dict):
                raise StatusUnavailable("revocation list is not a JSON object")
            return doc

        cached = asyncio.ensure_future(captured(fetch()))
        session.cache[key] = cached
    result, documents = await asyncio.shield(cached)
    note_reused(documents)
    return cast(dict[str, Any], result)


# -- the check -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Finding:
    decisive: bool  # a revocation / suspension that makes the credential fail
    indeterminate: bool
    text: str
    caveats: tuple[str, ...] = ()  # what makes a clear status a warning


async def check_status(credential: dict[str, Any], session: Session, *, issuer_id: str | None) -> Check:
    """The ``revocation`` check of a credential (see module docstring)."""
    try:
        entries = parse_entries(credential)
    except StatusError as exc:
        # A status entry that cannot be read says nothing either way.
        return errored(CheckId.REVOCATION, f"malformed credentialStatus, so the status cannot be read: {exc}")
    if not entries:
        return skipped(
            CheckId.REVOCATION, "the credential has no credentialStatus: the issuer offers no revocation check"
        )
    if not issuer_id:
        return errored(CheckId.REVOCATION, "the credential has no issuer id to check its status list against")
    findings = [await _check_entry(e, credential, session, issuer_id=issuer_id) for e in entries]
    return _combine(findings)


async def _check_entry(
    entry: ListEntry | RevocationListEntry | dict[str, Any],
    credential: dict[str, Any],
    session: Session,
    *,
    issuer_id: str,
) -> _Finding:
    if isinstance(entry, dict):
        kind = ", ".join(nodes.types_of(entry)) or "untyped"
        return _Finding(False, True, f"credentialStatus type {kind} is not supported")
    if isinstance(entry, RevocationListEntry):
        return await _check_revocation_list(entry, credential, session, issuer_id=issuer_id)
    try:
        status_list = await load_list(entry, session, issuer_id=issuer_id)
        if entry.purpose not in status_list.purposes:
            # §3.2 step 5: the entry's purpose must be one the list declares.
            raise StatusUnavailable(
                f"the status list declares purpose {', '.join(status_list.purposes) or 'none'}, not {entry.purpose!r}"
            )
        if status_list.signer is not None and session.strict_status_signer:
            raise StatusUnavailable(
                f"status list is issued by {status_list.signer!r}, not by the credential's issuer {issuer_id!r}"
            )
        value = status_list.value(entry.index, entry.size)
    except VerifierError as exc:  # unavailable, unverifiable or malformed: the status is unknown
        return _Finding(False, True, f"{entry.purpose} status unknown: {exc}")
    where = f"{entry.type} {entry.list_url} index {entry.index}"
    if _legacy_order_says_set(entry, status_list, value):
        return _Finding(
            False,
            True,
            f"{entry.purpose} status unknown: the bit is clear in the specification's left-to-right order but set "
            "when read right to left within its byte, the order early StatusList2021 tools wrote; the list "
            f"cannot say which it uses, so it is not read as not {_PAST[entry.purpose]} ({where})",
        )
    if status_list.list_id and status_list.list_id != entry.list_url:
        where += f" (list id {status_list.list_id})"
    caveats = _caveats(entry, status_list)
    if entry.purpose in DECIDING_PURPOSES:
        if value:
            word = "revoked" if entry.purpose == "revocation" else "suspended"
            by = "by the issuer" if status_list.signer is None else f"by the list's signer {status_list.signer}"
            return _Finding(True, False, f"{word} {by}: {where}")
        word = "revoked" if entry.purpose == "revocation" else "suspended"
        return _Finding(False, False, f"not {word}: {where}", caveats)
    text = next((m for s, m in entry.messages if _status_value(s) == value), "")
    return _Finding(False, False, f"{entry.purpose} status {value:#x}{': ' + text if text else ''} ({where})", caveats)


def _legacy_order_says_set(entry: ListEntry, status_list: StatusList, value: int) -> bool:
    """A clear StatusList2021 bit whose mirror in the same byte is set.

    StatusList2021 (W3C CCG, "Bitstring Expansion") puts index 0 at the
    left-most bit, and that order is what decides here: a set bit is set.
    But lists written in 2021-22 by the Digital Credentials Consortium's and
    Digital Bazaar's bitstring libraries (before left-to-right indexing became
    their default) read right to left within each byte, and nothing in the
    list says which order it was written in. A clear bit is only "not
    revoked" if it is clear both ways; otherwise a revoked badge from such a
    list would read verified. Bitstring Status List v1.0 lists are read in the
    specified order only.
    """
    return (
        entry.type == STATUSLIST2021_ENTRY
        and entry.size == 1
        and entry.purpose in DECIDING_PURPOSES
        and value == 0
        and status_list.set_right_to_left(entry.index)
    )


def _caveats(entry: ListEntry, status_list: StatusList) -> tuple[str, ...]:
    out = []
    if status_list.signer is not None:
        out.append(
            f"the status list is issued and signed by {status_list.signer}, not by the credential's issuer; "
            "it is trusted because the issuer's signed credential names its URL"
        )
    entries = status_list.length // entry.size
    if entries < MIN_LIST_ENTRIES:
        # Bitstring Status List §2.2 / §3.2 (STATUS_LIST_LENGTH_ERROR); §6.1 "Privacy Considerations".
        out.append(
            f"the status list has {entries} entries, fewer than the {MIN_LIST_ENTRIES} the specification "
            "requires for herd privacy: its host learns more about whose status is checked"
        )
    return tuple(out)


async def _check_revocation_list(
    entry: RevocationListEntry, credential: dict[str, Any], session: Session, *, issuer_id: str
) -> _Finding:
    credential_id = credential.get("id")
    if not isinstance(credential_id, str):
        return _Finding(False, True, "1EdTechRevocationList: the credential has no id to look up")
    try:
        doc = await _load_revocation_list(entry, session)
    except StatusUnavailable as exc:
        return _Finding(False, True, f"revocation status unknown: {exc}")
    named = nodes.issuer_id(doc)
    if named is not None and named != issuer_id:
        return _Finding(False, True, f"revocation list names issuer {named!r}, not {issuer_id!r}")
    revoked = doc.get("revokedCredentials")
    if not isinstance(revoked, list):
        return _Finding(False, True, f"revocation list at {entry.list_url} has no revokedCredentials list")
    for item in revoked:
        rid = item.get("id") if isinstance(item, dict) else item
        if rid == credential_id:
            reason = item.get("revocationReason") if isinstance(item, dict) else None
            return _Finding(True, False, f"revoked by the issuer ({entry.list_url}){': ' + reason if reason else ''}")
    return _Finding(False, False, f"not revoked: {entry.list_url}")


def _combine(findings: Sequence[_Finding]) -> Check:
    text = "; ".join(f.text for f in findings)
    if any(f.decisive for f in findings):
        return failed(CheckId.REVOCATION, text)
    if any(f.indeterminate for f in findings):
        return errored(CheckId.REVOCATION, text)
    caveats = list(dict.fromkeys(c for f in findings for c in f.caveats))
    if caveats:
        return warned(CheckId.REVOCATION, "; ".join([text, *caveats]))
    return passed(CheckId.REVOCATION, text)


def _status_value(text: str) -> int | None:
    try:
        return int(text, 16)
    except ValueError:
        return None
