"""Verify one batch on more than one process or machine.

Two executors share the same partitioned, ordered stream:

- a Dask distributed cluster (``python -m verifier verify ... --scheduler
  tcp://HOST:8786``): the input is cut into partitions of
  ``partition_size`` inputs, each partition is verified on a worker, results
  come back as partitions complete and are yielded in input order;
- a local process pool (``--workers N``), for CPU-bound batches of files
  (signature verification) on one machine with several cores.

On each worker a :class:`WorkerRuntime` owns an event loop, one
:class:`~verifier.fetch.Fetcher` and one :class:`~verifier.session.Session`
for the whole batch, so a document shared by many badges (a BadgeClass, an
issuer profile, a DID document, a status list) is fetched once per worker,
not once per partition; a partition is an async :func:`verify_batch` run on
that loop.

Guarantees:

- exactly one result per input, in input order;
- at most ``max_in_flight`` partitions are submitted and not yet yielded
  (bounded memory on the client whatever the batch length);
- the batch-wide fetch caps are split between the workers, so the issuers
  see no more than ``--concurrency`` requests in total and no more than
  ``--per-host`` per origin (at least one per worker);
- a partition whose worker failed yields an ``error`` result for each of its
  inputs, never a verified one.

Workers read file inputs themselves: with a cluster spread over machines,
give URLs, or paths on a filesystem every worker sees.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import multiprocessing
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import httpx

from verifier.fetch import Fetcher, FetchLimits
from verifier.models import CheckId, VerificationResult, error_result
from verifier.pipeline import BadgeInput, map_batch, verify_batch
from verifier.recording import DocumentRecorder, RecordedDocument, recording_batch
from verifier.registries import Registries
from verifier.session import Session
from verifier.trust import TrustList

DEFAULT_PARTITION_SIZE = 100


@dataclass(frozen=True, slots=True)
class BatchConfig:
    """Everything a worker needs to verify its partitions, picklable.

    ``run_id`` names the batch: a worker keeps one runtime (fetcher, caches)
    per run and drops the previous run's when a new one starts.
    ``transport_factory`` (a picklable callable, e.g. a ``functools.partial``
    of :class:`verifier.offline.OfflineTransport`) gives each worker's
    fetcher its transport; None means the network, behind the fetcher's guard.
    """

    limits: FetchLimits = field(default_factory=FetchLimits)
    allow_hosts: tuple[str, ...] = ()
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    emails: tuple[str, ...] = ()
    trust: TrustList | None = None
    registries: Registries | None = None
    strict_status_signer: bool = False
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    transport_factory: Callable[[], httpx.AsyncBaseTransport] | None = None
    # What the transport proves about a served document's origin (issuer identity, ``domain`` level):
    # whether it checks TLS, and the hosts it answers for that count as proven (None / (): the fetcher's own).
    verifies_tls: bool | None = None
    vouched_hosts: tuple[str, ...] = ()

    def split(self, workers: int) -> BatchConfig:
        """The same batch with the fetch caps divided between ``workers`` (at least 1 each)."""
        workers = max(1, workers)
        limits = replace(
            self.limits,
            concurrency=max(1, self.limits.concurrency // workers),
            per_host=max(1, self.limits.per_host // workers),
        )
        return replace(self, limits=limits)


class WorkerRuntime:
    """One event loop thread, one fetcher and one session for a batch on a worker.

    Thread-safe: partitions submitted from several threads run concurrently
    on the same loop and share the fetcher's caps and caches.
    """

    def __init__(self, config: BatchConfig) -> None:
        self.config = config
        self._recorder = DocumentRecorder()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="verifier-runtime", daemon=True)
        self._thread.start()
        self._session = asyncio.run_coroutine_threadsafe(self._open(), self._loop).result()

    async def _open(self) -> Session:
        factory = self.config.transport_factory
        fetcher = Fetcher(
            transport=factory() if factory is not None else None,
            limits=self.config.limits,
            allow_hosts=self.config.allow_hosts,
        )
        if self.config.verifies_tls is not None:
            fetcher.verifies_tls = self.config.verifies_tls
        if self.config.vouched_hosts:
            fetcher.vouched_hosts = self.config.vouched_hosts
        return Session(
            fetcher=fetcher,
            now=self.config.now,
            emails=self.config.emails,
            trust=self.config.trust,
            registries=self.config.registries,
            strict_status_signer=self.config.strict_status_signer,
        )

    def verify(self, items: Sequence[BadgeInput]) -> list[VerificationResult]:
        """Verify a partition; one result per input, in order."""
        return asyncio.run_coroutine_threadsafe(self._verify(items), self._loop).result()

    async def _verify(self, items: Sequence[BadgeInput]) -> list[VerificationResult]:
        window = max(64, self.config.limits.concurrency * 4)
        return [r async for r in verify_batch(items, self._session, window=window)]

    def verify_recorded(self, items: Sequence[BadgeInput]) -> list[tuple[VerificationResult, list[RecordedDocument]]]:
        """Verify a partition; per input, in order, its result and the documents it depended on
        exactly as fetched (for storage and evidence bundles)."""
        return asyncio.run_coroutine_threadsafe(self._verify_recorded(items), self._loop).result()

    async def _verify_recorded(
        self, items: Sequence[BadgeInput]
    ) -> list[tuple[VerificationResult, list[RecordedDocument]]]:
        from verifier.bundle import verify_recorded

        window = max(64, self.config.limits.concurrency * 4)
        # One recorder per run on this worker: a value memoised by an earlier partition (a status list,
        # a DID document) names documents that partition fetched.
        recorder = self._recorder
        with recording_batch(recorder):
            pairs = [p async for p in map_batch(items, self._session, verify_recorded, window=window)]
        return [(result, [recorder.documents[key] for key in record.documents]) for result, record in pairs]

    def close(self) -> None:
        """Close the fetcher and stop the loop thread."""
        try:
            asyncio.run_coroutine_threadsafe(self._session.fetcher.aclose(), self._loop).result(timeout=30)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
            self._loop.close()


_RUNTIMES: dict[tuple[str, str], WorkerRuntime] = {}
_RUNTIMES_LOCK = threading.Lock()


def _worker_key() -> str:
    """This worker's identity: the Dask worker's id when inside one, else the process id."""
    try:
        from distributed import get_worker

        return str(get_worker().id)
    except (ImportError, ValueError):
        return f"pid-{os.getpid()}"


def _runtime(config: BatchConfig) -> WorkerRuntime:
    key = (_worker_key(), config.run_id)
    with _RUNTIMES_LOCK:
        runtime = _RUNTIMES.get(key)
        if runtime is not None:
            return runtime
        stale = [k for k in _RUNTIMES if k[0] == key[0]]
        old = [_RUNTIMES.pop(k) for k in stale]
        runtime = _RUNTIMES[key] = WorkerRuntime(config)
    for r in old:
        r.close()
    return runtime


def verify_partition(items: Sequence[BadgeInput], config: BatchConfig) -> list[VerificationResult]:
    """Verify one partition on this worker (the task each worker runs).

    The worker's runtime for ``config.run_id`` is created on first use and
    reused by the batch's later partitions.
    """
    return _runtime(config).verify(items)


def verify_partition_recorded(
    items: Sequence[BadgeInput], config: BatchConfig
) -> list[tuple[VerificationResult, list[RecordedDocument]]]:
    """:func:`verify_partition`, each result with the documents it depended on."""
    return _runtime(config).verify_recorded(items)


def close_runtimes() -> int:
    """Close every runtime of this process (tests, worker teardown); returns how many."""
    with _RUNTIMES_LOCK:
        runtimes = list(_RUNTIMES.values())
        _RUNTIMES.clear()
    for r in runtimes:
        r.close()
    return len(runtimes)


def partitions(items: Iterable[BadgeInput], size: int) -> Iterator[list[BadgeInput]]:
    """Consecutive slices of ``size`` inputs (the last one may be shorter), read lazily."""
    if size < 1:
        raise ValueError("partition size must be at least 1")
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _failed_partition(part: Sequence[BadgeInput], exc: BaseException, config: BatchConfig) -> list[VerificationResult]:
    checked_at = config.now.isoformat().replace("+00:00", "Z")
    message = f"internal error: the worker verifying this input failed: {exc.__class__.__name__}: {exc}"
    return [
        replace(
            error_result(item.source, CheckId.STRUCTURE, message),
            checked_at=checked_at,
            candidate=item.candidate,
            email=next(iter(item.emails or config.emails), None),
        )
        for item in part
    ]


class _Reorder:
    """Partition results that arrived out of order, released in input order."""

    def __init__(self) -> None:
        self._ready: dict[int, list[Any]] = {}
        self.next = 0

    def add(self, index: int, results: list[Any]) -> Iterator[Any]:
        self._ready[index] = results
        while self.next in self._ready:
            yield from self._ready.pop(self.next)
            self.next += 1


def verify_on_cluster(
    items: Iterable[BadgeInput],
    client: Any,
    config: BatchConfig,
    *,
    partition_size: int = DEFAULT_PARTITION_SIZE,
    max_in_flight: int | None = None,
    on_documents: Callable[[int, list[RecordedDocument]], None] | None = None,
) -> Iterator[VerificationResult]:
    """Verify ``items`` on a Dask ``distributed.Client``; yield results in input order.

    Partitions are submitted up to ``max_in_flight`` ahead of the oldest one
    not yet yielded (default: twice the cluster's worker threads) and
    collected with ``distributed.as_completed``. ``on_documents(i, documents)``,
    when given, is called just before the ``i``-th result is yielded with the
    documents it depended on, as the worker fetched them (none for a partition
    whose worker failed).
    """
    from distributed import as_completed

    nthreads: dict[str, int] = client.nthreads()  # every worker's thread count (scheduler_info may truncate)
    workers = len(nthreads) or 1
    threads = sum(nthreads.values()) or 1
    config = config.split(workers)
    bound = max_in_flight or 2 * threads
    parts = enumerate(partitions(items, partition_size))
    meta: dict[Any, tuple[int, list[BadgeInput]]] = {}
    reorder = _Reorder()
    pending = as_completed()

    submitted = 0
    position = 0  # results yielded so far

    def top_up() -> None:
        nonlocal submitted
        # submitted - reorder.next = partitions in flight + results held for reordering
        while submitted - reorder.next < bound:
            nxt = next(parts, None)
            if nxt is None:
                return
            index, part = nxt
            task = verify_partition if on_documents is None else verify_partition_recorded
            future = client.submit(task, part, config, pure=False, key=f"verify-{config.run_id}-{index}")
            meta[future] = (index, part)
            pending.add(future)
            submitted += 1

    try:
        top_up()
        for future in pending:
            index, part = meta.pop(future)
            try:
                results = future.result()
            except Exception as exc:  # a worker crash must not stop the batch; its inputs are reported
                failed = _failed_partition(part, exc, config)
                results = failed if on_documents is None else [(r, []) for r in failed]
            for entry in reorder.add(index, results):
                if on_documents is None:
                    yield entry
                else:
                    result, documents = entry
                    on_documents(position, documents)
                    position += 1
                    yield result
            top_up()
    finally:
        for future in meta:
            future.cancel()


def verify_with_processes(
    items: Iterable[BadgeInput],
    config: BatchConfig,
    *,
    workers: int,
    partition_size: int = DEFAULT_PARTITION_SIZE,
    max_in_flight: int | None = None,
    executor_factory: Callable[[int], concurrent.futures.Executor] | None = None,
) -> Iterator[VerificationResult]:
    """Verify ``items`` on ``workers`` local processes; yield results in input order.

    For CPU-bound batches (files whose proofs must be checked); network-bound
    batches gain little from more than one process.
    """
    config = config.split(workers)
    bound = max_in_flight or 2 * workers
    make = executor_factory or _process_pool
    parts = enumerate(partitions(items, partition_size))
    meta: dict[concurrent.futures.Future[list[VerificationResult]], tuple[int, list[BadgeInput]]] = {}
    reorder = _Reorder()
    submitted = 0
    with make(workers) as pool:
        try:
            while True:
                while submitted - reorder.next < bound:
                    nxt = next(parts, None)
                    if nxt is None:
                        break
                    index, part = nxt
                    submitted += 1
                    try:
                        meta[pool.submit(verify_partition, part, config)] = (index, part)
                    except concurrent.futures.BrokenExecutor as exc:  # a worker died: the pool takes no more work
                        yield from reorder.add(index, _failed_partition(part, exc, config))
                if not meta:
                    return
                done, _ = concurrent.futures.wait(meta, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: meta[f][0]):
                    index, part = meta.pop(future)
                    try:
                        results = future.result()
                    except Exception as exc:  # a crashed process must not stop the batch
                        results = _failed_partition(part, exc, config)
                    yield from reorder.add(index, results)
        finally:
            for future in meta:
                future.cancel()


def _process_pool(workers: int) -> concurrent.futures.Executor:
    # forkserver: no fork of a process that may already run threads; the
    # verifier is imported once in the server and inherited by each worker.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["verifier.distributed"])
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
