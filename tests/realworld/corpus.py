"""The real-world corpus: load ``manifest.json``, verify every credential
through the CLI's pipeline with its documents served offline, and compare.

Each manifest entry names a credential file, where it came from
(repository, path, commit), the outcome its source expects (``verified`` /
``failed`` / ``error``, in the terms of docs/verifier-contract.md), the checks
allowed to decide a non-verified outcome (``failing``), and optionally the
instant (``now``) at which validity is judged; the manifest's top-level
``now`` applies otherwise, so results do not drift as credentials age.
An ``input`` (a URL) makes the entry the link people share for that
credential: the credential is then served at its own URL among the documents.
A ``known`` note marks a disagreement that has a named cause.

The documents a credential depends on (did:web DID documents, status list
credentials) are served from ``documents/<host>/<path>`` by
:class:`verifier.offline.OfflineTransport`; nothing reaches the network.

    python -m tests.realworld.corpus     # print the agreement table
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from verifier.fetch import Fetcher, FetchLimits
from verifier.models import VerificationResult, decisive_check
from verifier.offline import OfflineTransport, routes_from_folders
from verifier.pipeline import BadgeInput, verify_input
from verifier.session import Session

HERE = Path(__file__).resolve().parent
MANIFEST: dict[str, Any] = json.loads((HERE / "manifest.json").read_text("utf-8"))


@dataclass(frozen=True)
class Outcome:
    """One credential's expected and actual outcome."""

    entry: dict[str, Any]
    status: str
    deciding: str | None
    reason: str

    @property
    def file(self) -> str:
        """The entry's name: its file, or the link it is given as."""
        return str(self.entry.get("input") or self.entry["file"])

    @property
    def expected(self) -> str:
        return str(self.entry["expected"])

    @property
    def agrees(self) -> bool:
        """Same status, and for a non-verified one a deciding check the source allows."""
        if self.status != self.expected:
            return False
        allowed = self.entry.get("failing")
        return self.status == "verified" or not allowed or self.deciding in allowed


def judged_at(entry: dict[str, Any]) -> datetime:
    """The instant at which this entry's validity is judged."""
    return datetime.fromisoformat(str(entry.get("now") or MANIFEST["now"]).replace("Z", "+00:00"))


def transport() -> OfflineTransport:
    """Every captured document, served at its original URL."""
    return OfflineTransport(routes_from_folders(HERE / "documents"))


async def verify_entry(entry: dict[str, Any], fetcher: Fetcher) -> VerificationResult:
    """Verify one manifest entry as the CLI would verify the file."""
    session = Session(fetcher=fetcher, now=judged_at(entry))
    return await verify_input(BadgeInput(entry.get("input") or str(HERE / entry["file"])), session)


async def run_all() -> list[Outcome]:
    """Verify the whole corpus (one fetcher, documents offline)."""
    async with Fetcher(transport=transport(), limits=FetchLimits(retries=0)) as fetcher:
        results = await asyncio.gather(*(verify_entry(e, fetcher) for e in MANIFEST["credentials"]))
    out = []
    for entry, result in zip(MANIFEST["credentials"], results, strict=True):
        deciding = decisive_check(result.checks)
        out.append(Outcome(entry, result.status.value, deciding.id if deciding else None, result.reason))
    return out


def table(outcomes: list[Outcome]) -> str:
    """The agreement table: one line per credential, then the count."""
    lines = [f"{'file':<92} {'expected':<9} {'got':<9} deciding check / known cause"]
    for o in outcomes:
        mark = "ok " if o.agrees else "XX "
        note = "" if o.agrees else f"{o.deciding or '-'}: {o.reason[:110]}"
        if not o.agrees and o.entry.get("known"):
            note += f"  [known: {o.entry['known']}]"
        lines.append(f"{mark}{o.file.removeprefix('credentials/'):<89} {o.expected:<9} {o.status:<9} {note}")
    agree = sum(o.agrees for o in outcomes)
    lines.append(f"agreement: {agree} of {len(outcomes)}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(asyncio.run(run_all())))
