"""The verification worker: one per app server, fed from the run queue in the database.

The app server's lifespan (``server.app``) starts one :class:`Worker` (a
thread) and stops it on shutdown. The worker loops: claim a chunk of pending
items of the oldest active run (:meth:`talent.queue.RunQueue.claim`), verify
them with the function it was given (the app gives
:func:`ui.verification.verify_all`: the same pipeline and transport as the
command line, plus the sample's offline issuers), store results in small groups as they arrive (so progress moves while a
chunk runs), keep its claim fresh, and end the run when nothing of it is
left. A cancel is seen between two results. Big chunks go to a Dask
cluster when ``SKILLPROOF_DASK_SCHEDULER`` names one
(:func:`verifier.distributed.verify_on_cluster`), as the command line's
``--scheduler`` does.

:meth:`Worker.drain` runs the same loop in the caller's thread until the
queue is empty (the first launch without a server, tests, scripts).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import httpx

from talent.alerts import deliver_alerts
from talent.queue import Claim, RunQueue
from talent.storage import Workspace
from verifier.distributed import BatchConfig
from verifier.models import VerificationResult
from verifier.pipeline import BadgeInput
from verifier.recording import RecordedDocument

log = logging.getLogger(__name__)

CHUNK = 50
DASK_CHUNK = 1_000
FLUSH_EVERY = 10
FLUSH_SECONDS = 0.5
STOP_CHECK_SECONDS = 0.5

Verify = Callable[..., list[VerificationResult]]
"""``verify(inputs, on_result=..., should_stop=..., on_documents=...)``: one result per input verified, in order."""


def lease_seconds() -> float:
    """How long a claim holds without renewal (``SKILLPROOF_CLAIM_LEASE_SECONDS``, default 30)."""
    try:
        return max(1.0, float(os.environ.get("SKILLPROOF_CLAIM_LEASE_SECONDS", "30")))
    except ValueError:
        return 30.0


class _Chunk:
    """One claim being verified: buffered writes, claim renewal, the cancel check."""

    def __init__(self, worker: Worker, claim: Claim) -> None:
        self.worker = worker
        self.claim = claim
        self.buffer: dict[str, list[tuple[int, VerificationResult]]] = {}
        self.documents: dict[str, list[tuple[int, list[RecordedDocument]]]] = {}
        self.buffered = 0
        self.last_flush = time.monotonic()
        self.last_check = 0.0
        self.stopping = False

    def record(self, i: int, result: VerificationResult) -> None:
        item = self.claim.items[i]
        self.buffer.setdefault(item.job_id, []).append((item.index, result))
        self.buffered += 1
        if self.buffered >= FLUSH_EVERY or time.monotonic() - self.last_flush > FLUSH_SECONDS:
            self.flush()

    def keep_documents(self, i: int, documents: list[RecordedDocument]) -> None:
        item = self.claim.items[i]
        self.documents.setdefault(item.job_id, []).append((item.index, documents))

    def flush(self) -> None:
        for job_id, pairs in self.buffer.items():
            self.worker.ws.record_results(job_id, pairs, skip_removed=True)
        # the documents each result depended on, kept once its result is stored
        for job_id, docs in self.documents.items():
            self.worker.ws.store_documents(job_id, docs)
        self.buffer.clear()
        self.documents.clear()
        self.buffered = 0
        self.last_flush = time.monotonic()
        self.worker.queue.renew(self.claim)

    def should_stop(self) -> bool:
        if self.worker.stop_event.is_set():
            self.stopping = True
        elif time.monotonic() - self.last_check > STOP_CHECK_SECONDS:
            self.last_check = time.monotonic()
            self.stopping = self.worker.queue.state(self.claim.run_id) != "running"
        return self.stopping


class Worker:
    """Verifies queued runs of a workspace (a handle, or a database URL to open), one chunk at a time."""

    def __init__(
        self,
        workspace: Workspace | str,
        *,
        verify: Verify,
        transport_factory: Callable[[], httpx.AsyncBaseTransport] | None = None,
        chunk: int = CHUNK,
        poll_seconds: float = 0.5,
        dask_scheduler: str | None = None,
        cluster_config: Callable[[], BatchConfig] | None = None,
    ) -> None:
        self._owns_workspace = isinstance(workspace, str)
        self.ws = Workspace(workspace) if isinstance(workspace, str) else workspace
        self.queue = RunQueue(self.ws)
        self.chunk = chunk
        self.poll_seconds = poll_seconds
        self.verify = verify
        self.transport_factory = transport_factory
        self.dask_scheduler = (
            dask_scheduler if dask_scheduler is not None else os.environ.get("SKILLPROOF_DASK_SCHEDULER")
        )
        self.stop_event = threading.Event()
        self.wake_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._dask: Any = None
        # the verification settings a cluster's workers get: the same as ``verify`` uses in process
        self.cluster_config = cluster_config

    # -- the loop ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="skillproof-worker", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the results in flight are stored; pending items stay queued for the next start."""
        self.stop_event.set()
        self.wake_event.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._dask is not None:
            self._dask.close()
        if self._owns_workspace:
            self.ws.close()

    def wake(self) -> None:
        """Look at the queue now rather than at the next poll."""
        self.wake_event.set()

    @property
    def alive(self) -> bool:
        """True while the worker thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self.stop_event.is_set():
            try:
                worked = self.run_once()
            except Exception:
                log.exception("verification worker: a chunk failed; retrying after a pause")
                worked = False
                self.stop_event.wait(2.0)
            if not worked:
                self.wake_event.wait(self.poll_seconds)
                self.wake_event.clear()

    def drain(self, *, max_chunks: int | None = None) -> int:
        """Verify in this thread until no active run has pending items; how many chunks were verified."""
        n = 0
        while (max_chunks is None or n < max_chunks) and self.run_once():
            n += 1
        return n

    # -- one chunk -------------------------------------------------------------------------------------

    def run_once(self) -> bool:
        """Claim one chunk, verify it, store its results, settle its run; False when nothing was queued."""
        for run_id in self.queue.active():
            self.queue.settle(run_id)  # runs cancelled or finished elsewhere end here
        claim = self.queue.claim(limit=self._chunk_size(), lease_seconds=lease_seconds())
        if claim is None:
            return False
        chunk = _Chunk(self, claim)
        inputs = [item.input for item in claim.items]
        try:
            if self.dask_scheduler and len(inputs) > CHUNK:
                for i, result in enumerate(self._verify_on_cluster(inputs, chunk.keep_documents)):
                    chunk.record(i, result)
                    if chunk.should_stop():
                        break
            else:
                self.verify(
                    inputs, on_result=chunk.record, should_stop=chunk.should_stop, on_documents=chunk.keep_documents
                )
            chunk.flush()
        finally:
            if chunk.stopping or self.stop_event.is_set():
                chunk.flush()
                self.queue.release(claim)
        if self.queue.settle(claim.run_id) is not None:
            send_run_alerts(self.ws)
        return True

    def _chunk_size(self) -> int:
        return DASK_CHUNK if self.dask_scheduler else self.chunk

    def _verify_on_cluster(
        self, inputs: Sequence[BadgeInput], on_documents: Callable[[int, list[RecordedDocument]], None]
    ) -> Iterable[VerificationResult]:
        from distributed import Client

        from verifier.distributed import verify_on_cluster

        if self._dask is None:
            self._dask = Client(self.dask_scheduler)
        config = self.cluster_config() if self.cluster_config else BatchConfig(transport_factory=self.transport_factory)
        return verify_on_cluster(inputs, self._dask, config, on_documents=on_documents)


def send_run_alerts(ws: Workspace) -> None:
    """After a run ends: alert on shortlisted candidates' changed evidence (:mod:`talent.alerts`); a
    delivery failure is logged and never stops the worker."""
    try:
        deliver_alerts(ws)
    except Exception:
        log.exception("alerts could not be sent")
