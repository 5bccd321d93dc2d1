"""What a stored badge says beyond its name: criteria, evidence, results, alignments.

Results are stored without the credential itself; the credential is read again
from what the workspace keeps: the input as handed in (a file, pasted text, a
baked image) and the documents its verification fetched
(:meth:`talent.storage.Workspace.result_documents`). The badge is verified
again on exactly those (:class:`verifier.bundle.BundleTransport`: no network),
which yields the credential as the verifier read it, then
:func:`verifier.details.details_of` reads its details. For an Open Badges 2.0
assertion the BadgeClass is the stored document at the URL its ``badge`` names.

Nothing here judges the badge: the stored result stays the verdict.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from talent.storage import Workspace
from verifier.bundle import BundleTransport
from verifier.details import BadgeDetails, details_of
from verifier.fetch import Fetcher
from verifier.models import VerificationResult
from verifier.pipeline import BadgeInput, verify_input
from verifier.recording import RecordedDocument
from verifier.session import Session

__all__ = ["StoredEvidence", "stored_evidence"]


@dataclass(frozen=True, slots=True)
class StoredEvidence:
    """A stored result's details, or why they cannot be shown (``missing``)."""

    details: BadgeDetails | None
    missing: str = ""


def stored_evidence(ws: Workspace, result_id: int) -> StoredEvidence:
    """The details of stored result ``result_id`` (see the module docstring)."""
    found = ws.stored_result(result_id)
    if found is None:
        return StoredEvidence(None, "this result is no longer in the workspace")
    result, given = found
    documents = ws.result_documents(result_id)
    item = given or BadgeInput(result.input, candidate=result.candidate)
    if item.data is None and item.source.lower().startswith(("http://", "https://")) and not documents:
        if result.details is not None:  # stated in the stored result itself
            return StoredEvidence(result.details)
        return StoredEvidence(
            None, "this badge was checked before fetched documents were kept: re-check it to see its details"
        )
    document = asyncio.run(_document(item, documents))
    if document is None:
        gone = next((d for d in documents if d.status >= 400 and d.url in (item.source, result.source_url)), None)
        if gone is not None:
            return StoredEvidence(
                None, f"its address answered HTTP {gone.status} when it was checked: no document left"
            )
        return StoredEvidence(None, "the badge's own document could not be read again")
    return StoredEvidence(details_of(document, badge_class=_badge_class(document, documents)))


async def _document(item: BadgeInput, documents: Sequence[RecordedDocument]) -> Any:
    transport = BundleTransport({(d.url, d.accept): d for d in documents})
    async with Fetcher(transport=transport, allow_hosts=transport.allow_hosts) as fetcher:
        session = Session(fetcher=fetcher)
        result: VerificationResult = await verify_input(item, session)
    if result.document is None and result.credentials:
        return result.credentials[0].document
    return result.document


def _badge_class(document: Any, documents: Sequence[RecordedDocument]) -> Mapping[str, Any] | None:
    """An OB 2.0 assertion's BadgeClass from the stored documents, when the assertion names it by URL."""
    if not isinstance(document, Mapping) or not isinstance(document.get("badge"), str):
        return None
    url = document["badge"]
    for doc in documents:
        if url in (doc.url, doc.final_url) and doc.content:
            try:
                found = json.loads(doc.content)
            except (ValueError, UnicodeDecodeError):
                return None
            return found if isinstance(found, Mapping) else None
    return None
