"""Which documents a verification fetched, exactly as they were received.

An evidence bundle (:mod:`verifier.bundle`) must hold every document a result
depended on — the assertion, its BadgeClass and issuer profile, DID documents,
status lists, registries — byte for byte, so that the result can be re-checked
later without trusting anyone's word for what those documents said.

The fetcher calls :func:`record_fetch` after every successful GET (a cache hit
included). Nothing is recorded unless a caller opened a
:func:`recording_batch`; a badge's own list of documents is kept while
:func:`recording_item` is open around its verification. Context variables
carry both, so concurrent verifications in one batch keep their lists apart
without passing a recorder through every verification step.

A value memoised for the batch (a DID document, a verified status list, a
domain's DID configuration) is fetched for one badge only, but every badge
that uses it depended on its documents: the memo keeps the keys
:func:`captured` collected while computing it, and each badge that uses the
value notes them as its own (:func:`note_reused`). So a badge's documents do
not depend on which other badges shared its batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

__all__ = [
    "DocumentKey",
    "DocumentRecorder",
    "RecordedDocument",
    "captured",
    "note_reused",
    "record_fetch",
    "recording_batch",
    "recording_item",
]

#: (requested URL, Accept header): content negotiation may give one URL
#: several documents.
DocumentKey = tuple[str, str]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RecordedDocument:
    """One fetched document: where it was asked for, where it came from, what it was."""

    url: str
    accept: str
    final_url: str
    redirects: tuple[str, ...]
    status: int
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        """SHA-256 of the body, hex."""
        return hashlib.sha256(self.content).hexdigest()


class DocumentRecorder:
    """The documents one batch fetched, each kept once."""

    def __init__(self) -> None:
        self.documents: dict[DocumentKey, RecordedDocument] = {}

    def add(self, document: RecordedDocument) -> DocumentKey:
        """Keep ``document`` (the first answer for a key wins: the batch saw that one)."""
        key = (document.url, document.accept)
        self.documents.setdefault(key, document)
        return key


_BATCH: ContextVar[DocumentRecorder | None] = ContextVar("skillproof_document_batch", default=None)
_ITEM: ContextVar[list[DocumentKey] | None] = ContextVar("skillproof_document_item", default=None)


def record_fetch(
    url: str,
    accept: str,
    *,
    final_url: str,
    redirects: tuple[str, ...],
    status: int,
    headers: Mapping[str, str],
    content: bytes,
) -> None:
    """Note a fetched document for the open batch and item, if any (cheap when none)."""
    batch = _BATCH.get()
    if batch is None:
        return
    content_type = headers.get("content-type", "") if hasattr(headers, "get") else ""
    key = batch.add(RecordedDocument(url, accept, final_url, redirects, status, content_type, content))
    item = _ITEM.get()
    if item is not None and key not in item:
        item.append(key)


@contextmanager
def recording_batch(recorder: DocumentRecorder) -> Iterator[DocumentRecorder]:
    """Record every document fetched inside this block (and the tasks it starts) into ``recorder``."""
    token = _BATCH.set(recorder)
    try:
        yield recorder
    finally:
        _BATCH.reset(token)


@contextmanager
def recording_item() -> Iterator[list[DocumentKey]]:
    """Collect the keys of the documents fetched inside this block, in order."""
    keys: list[DocumentKey] = []
    token = _ITEM.set(keys)
    try:
        yield keys
    finally:
        _ITEM.reset(token)


async def captured(awaitable: Awaitable[T]) -> tuple[T, tuple[DocumentKey, ...]]:
    """Await ``awaitable`` (the computation of a value memoised for the batch) and the keys of the
    documents fetched meanwhile; whoever uses the value notes them with :func:`note_reused`."""
    keys: list[DocumentKey] = []
    token = _ITEM.set(keys)
    try:
        value = await awaitable
    finally:
        _ITEM.reset(token)
    return value, tuple(keys)


def note_reused(keys: Iterable[DocumentKey]) -> None:
    """Note documents a memoised value was made from as the current badge's own (cheap when not recording)."""
    item = _ITEM.get()
    if item is None:
        return
    for key in keys:
        if key not in item:
            item.append(key)
