"""Running the verifier for the dashboard: sessions, the sample's offline issuers, chunks.

The dashboard verifies through :mod:`verifier.pipeline` like the command
line does. What this module adds is the transport: the sample workspace's
fictional issuers (hosts under ``.example``, laid out in
``sample_data/issuers/<host>/``) are answered from disk by
:class:`verifier.offline.OfflineTransport`; every other URL goes to the
network through the SSRF guard, unless offline mode is on
(``SKILLPROOF_OFFLINE=1``, used by tests), in which case it answers 404.

Issuer identity (:mod:`verifier.identity`): answers from the network come
through the guarded transport, which checks TLS; answers the sample serves
from disk prove their hosts only because the application vouches for the
documents it ships (the fetcher's ``vouched_hosts``; ``how`` says "without
TLS"). Issuers are looked up in the registries the workspace names (the
Issuers page; by default the bundled snapshot of the DCC registries), and the
workspace's trust list applies (:func:`workspace_terms`).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from talent.issuers import RegistrySettings
from talent.storage import Workspace, database_url
from verifier.bundle import verify_recorded
from verifier.distributed import BatchConfig
from verifier.fetch import Fetcher, FetchLimits
from verifier.models import VerificationResult
from verifier.net import guarded_transport
from verifier.offline import OfflineTransport, routes_from_folders
from verifier.pipeline import BadgeInput, map_batch, verify_batch
from verifier.recording import DocumentRecorder, RecordedDocument, recording_batch
from verifier.registries import Registries, RegistryConfigError, SnapshotInfo, snapshot_info, snapshot_registries
from verifier.session import Session
from verifier.trust import TrustList

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_data"
SAMPLE_ISSUERS = SAMPLE_DIR / "issuers"
SAMPLE_REGISTRY_SNAPSHOT = SAMPLE_DIR / "registry-snapshot.json"
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost")


def offline_only() -> bool:
    """True when no real network may be used (``SKILLPROOF_OFFLINE=1``)."""
    return os.environ.get("SKILLPROOF_OFFLINE", "").strip() in ("1", "true", "yes")


def make_transport(*, offline: bool | None = None) -> OfflineTransport:
    """The transport the dashboard's fetcher uses: sample issuers from disk,
    everything else from the network through the SSRF guard
    (:func:`verifier.net.guarded_transport`), or 404 when ``offline``."""
    offline = offline_only() if offline is None else offline
    routes = routes_from_folders(SAMPLE_ISSUERS) if SAMPLE_ISSUERS.is_dir() else {}
    # the real network only through the SSRF guard: every connection is vetted and pinned to its address
    fallback = None if offline else guarded_transport()
    # Hosts under reserved names (RFC 2606: .example, .test, .invalid) are fictional: answered from disk
    # only. Real platform hosts in the sample (www.credly.com, api.badgr.io ...) are answered from disk for the
    # sample's own files and from the network for everything else.
    shared = [u.split("/")[2] for u in routes if not u.split("/")[2].endswith(RESERVED_SUFFIXES)]
    return OfflineTransport(routes, fallback=fallback, shared_hosts=shared)


def registry_snapshot() -> SnapshotInfo:
    """The bundled registry snapshot the dashboard consults: when it was retrieved, how old it is."""
    return snapshot_info()


@dataclass(frozen=True, slots=True)
class Terms:
    """What a batch is verified against: the registries consulted and the trust list (None: none)."""

    registries: Registries
    trust: TrustList | None = None
    problem: str | None = None  # why the workspace's registry list could not be used (the snapshot is used)


@lru_cache(maxsize=8)
def _settings_workspace(db: str) -> Workspace:
    return Workspace(db)


def workspace_terms(db: str | None = None) -> Terms:
    """The registries and trust list of the workspace at ``db`` (the environment's by default).
    A workspace that does not exist yet (no SQLite file) has the defaults: the bundled snapshot, no
    trust list; it is never created here."""
    db = db or database_url()
    if db.startswith("sqlite:///") and not Path(db.removeprefix("sqlite:///")).exists():
        return Terms(snapshot_registries())
    ws = _settings_workspace(db)
    trust = ws.trust_list()
    trust_or_none = trust if (trust.allow or trust.deny) else None
    try:
        return Terms(ws.registry_settings().registries(), trust_or_none)
    except RegistryConfigError as exc:
        return Terms(snapshot_registries(), trust_or_none, problem=str(exc))


def sample_registry_settings() -> RegistrySettings:
    """The registries the sample workspace is verified with: the bundled DCC snapshot and the sample's
    own (fictional) registry, shipped as a dated snapshot (``sample_data/registry-snapshot.json``)."""
    if not SAMPLE_REGISTRY_SNAPSHOT.is_file():
        return RegistrySettings()
    return RegistrySettings(snapshots=(json.loads(SAMPLE_REGISTRY_SNAPSHOT.read_text("utf-8")),))


def registry_status(terms: Terms | None = None, *, offline: bool | None = None) -> list[dict[str, Any]]:
    """Load every registry of ``terms`` (the current workspace's by default) as a batch would, through
    the same fetcher, and say per registry whether it loaded (and why not), its issuer count and
    ``meta.updated`` (:meth:`verifier.registries.Registries.status`)."""
    terms = terms if terms is not None else workspace_terms()

    async def run() -> list[dict[str, Any]]:
        off = offline_only() if offline is None else offline
        async with Fetcher(transport=make_transport(offline=off)) as fetcher:
            fetcher.verifies_tls = not off
            fetcher.vouched_hosts = sample_hosts()
            return await terms.registries.status(Session(fetcher=fetcher, registries=terms.registries))

    return asyncio.run(run())


def sample_hosts() -> tuple[str, ...]:
    """The hosts the sample workspace answers from disk (``host[:port]``)."""
    routes = routes_from_folders(SAMPLE_ISSUERS) if SAMPLE_ISSUERS.is_dir() else {}
    return tuple(dict.fromkeys(u.split("/")[2] for u in routes))


def cluster_config(*, offline: bool | None = None, terms: Terms | None = None) -> BatchConfig:
    """What a Dask cluster's workers verify with (the worker sends big chunks there): the same
    transport, issuer-identity settings, registries and trust list as :func:`verify_all` in process,
    so that a badge gets the same result wherever it is verified."""
    offline = offline_only() if offline is None else offline
    terms = terms if terms is not None else workspace_terms()
    return BatchConfig(
        transport_factory=partial(make_transport, offline=offline),
        verifies_tls=not offline,
        vouched_hosts=sample_hosts(),
        trust=terms.trust,
        registries=terms.registries,
    )


def verify_all(
    items: Sequence[BadgeInput],
    *,
    now: datetime | None = None,
    offline: bool | None = None,
    on_result: Callable[[int, VerificationResult], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    limits: FetchLimits | None = None,
    on_documents: Callable[[int, list[RecordedDocument]], None] | None = None,
    terms: Terms | None = None,
) -> list[VerificationResult]:
    """Verify ``items`` (in order) and return one result per input verified.

    ``on_result(i, result)`` is called as each result arrives;
    ``on_documents(i, documents)``, when given, just before it with the
    documents that result depended on, exactly as fetched (for storage and
    evidence bundles: :meth:`talent.storage.Workspace.store_documents`);
    ``should_stop()`` is polled between results, and a True ends the batch
    early (the results so far are returned). ``terms``: the registries and
    trust list (default: the current workspace's, :func:`workspace_terms`).
    Never raises for a bad input.
    """
    terms = terms if terms is not None else workspace_terms()
    return asyncio.run(
        _verify(
            items,
            now=now,
            offline=offline,
            on_result=on_result,
            should_stop=should_stop,
            limits=limits,
            on_documents=on_documents,
            terms=terms,
        )
    )


async def _verify(
    items: Iterable[BadgeInput],
    *,
    now: datetime | None,
    offline: bool | None,
    on_result: Callable[[int, VerificationResult], None] | None,
    should_stop: Callable[[], bool] | None,
    limits: FetchLimits | None,
    on_documents: Callable[[int, list[RecordedDocument]], None] | None = None,
    terms: Terms,
) -> list[VerificationResult]:
    out: list[VerificationResult] = []
    offline = offline_only() if offline is None else offline
    async with Fetcher(transport=make_transport(offline=offline), limits=limits) as fetcher:
        fetcher.verifies_tls = not offline  # the fallback is the guarded, certificate-checking transport
        fetcher.vouched_hosts = sample_hosts()
        session = Session(fetcher=fetcher, registries=terms.registries, trust=terms.trust)
        if now is not None:
            session.now = now
        recorder = DocumentRecorder()
        batch = _results(items, session, recorder, on_documents)
        try:
            async for result in batch:
                if on_result is not None:
                    on_result(len(out), result)
                out.append(result)
                if should_stop is not None and should_stop():
                    break
        finally:
            close = getattr(batch, "aclose", None)  # an async generator: stop its in-flight tasks now
            if close is not None:
                await close()
    return out


async def _results(
    items: Iterable[BadgeInput],
    session: Session,
    recorder: DocumentRecorder,
    on_documents: Callable[[int, list[RecordedDocument]], None] | None,
) -> AsyncIterator[VerificationResult]:
    """The batch's results in input order; with ``on_documents``, each badge's fetched documents first."""
    if on_documents is None:
        plain = verify_batch(items, session, window=32)
        try:
            async for result in plain:
                yield result
        finally:
            await _aclose(plain)
        return
    with recording_batch(recorder):
        recorded = map_batch(items, session, verify_recorded, window=32)
        try:
            i = 0
            async for result, record in recorded:
                on_documents(i, [recorder.documents[key] for key in record.documents])
                i += 1
                yield result
        finally:
            await _aclose(recorded)


async def _aclose(iterator: object) -> None:
    """Stop an async generator's in-flight tasks now (not when it is collected)."""
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()
