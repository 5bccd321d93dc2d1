"""Verification runs: the pending items of the workspace's jobs, verified in the background.

Badges to check are the pending items of the workspace's verification jobs
(an import or an upload creates a job). :func:`start_run` verifies every
pending item in a background thread, in chunks, writing each group of
results with :meth:`Workspace.record_results` as they arrive, so the Verify
page (polling) shows them live. A cancel is seen between two groups. A run
is recorded in the audit log ("run started" / "run finished" / "run
cancelled"); a run that was started and never ended (the server stopped) is
resumed by :func:`resume_interrupted_run`: its pending items are still
pending, and results already stored are never written twice.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from talent.alerts import deliver_alerts
from talent.storage import Workspace
from ui.verification import verify_all
from ui.workspace import url, workspace
from verifier.models import VerificationResult
from verifier.recording import RecordedDocument

log = logging.getLogger(__name__)

CHUNK = 50
FLUSH_EVERY = 10
FLUSH_SECONDS = 0.5
RUN_ACTIONS = ("run started", "run finished", "run cancelled")


@dataclass(frozen=True, slots=True)
class JobProgress:
    """A run's progress for the Verify page."""

    state: str
    total: int
    done: int
    verified: int
    failed: int
    errors: int

    @property
    def finished(self) -> bool:
        """True once the run has ended."""
        return self.state in ("finished", "cancelled")

    @property
    def state_label(self) -> str:
        """The run's state in words."""
        return {
            "running": "running",
            "cancelling": "stopping after the badges in flight…",
            "cancelled": "cancelled",
            "finished": "finished",
            "interrupted": "interrupted: resuming…",
        }.get(self.state, self.state)


@dataclass
class _Run:
    """One run over some jobs' pending items: results are stored in small groups (every FLUSH_EVERY
    results or FLUSH_SECONDS) with :meth:`Workspace.record_results`; a cancel is seen at each group."""

    ws: Workspace
    job_ids: list[str]
    cancel: threading.Event = field(default_factory=threading.Event)
    buffer: list[tuple[int, VerificationResult]] = field(default_factory=list)
    documents: list[tuple[int, list[RecordedDocument]]] = field(default_factory=list)
    job_id: str = ""
    indexes: list[int] = field(default_factory=list)
    last_flush: float = 0.0

    def detail(self) -> str:
        return "jobs " + ",".join(self.job_ids)

    def keep_documents(self, i: int, documents: list[RecordedDocument]) -> None:
        self.documents.append((self.indexes[i], documents))

    def record(self, i: int, r: VerificationResult) -> None:
        self.buffer.append((self.indexes[i], r))
        if len(self.buffer) >= FLUSH_EVERY or time.monotonic() - self.last_flush > FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.ws.record_results(self.job_id, list(self.buffer))
            self.ws.store_documents(self.job_id, self.documents)
            self.buffer.clear()
            self.documents.clear()
        self.last_flush = time.monotonic()

    def run(self) -> None:
        """Verify every pending item of the jobs, in chunks; end with a "run finished" or "run cancelled" line."""
        try:
            for job_id in self.job_ids:
                self.job_id = job_id
                pending = self.ws.pending_items(job_id)  # read once: done items are skipped on write anyway
                for start in range(0, len(pending), CHUNK):
                    if self.cancel.is_set():
                        break
                    chunk = pending[start : start + CHUNK]
                    self.indexes = [p.index for p in chunk]
                    self.last_flush = time.monotonic()
                    verify_all(
                        [p.input for p in chunk],
                        on_result=self.record,
                        should_stop=self.cancel.is_set,
                        on_documents=self.keep_documents,
                    )
                    self.flush()
            self.ws.log("run cancelled" if self.cancel.is_set() else "run finished", self.detail())
            send_alerts(self.ws)
        except Exception as exc:
            log.exception("verification run stopped by an error")
            self.ws.log("run cancelled", f"{self.detail()}: stopped by an error ({exc.__class__.__name__})")


def send_alerts(ws: Workspace) -> None:
    """After a run: alert on shortlisted candidates' changed evidence (talent.alerts); a delivery
    failure is logged there and never stops the worker."""
    try:
        deliver_alerts(ws)
    except Exception:
        log.exception("alerts could not be sent")


def pending_jobs(ws: Workspace) -> list[str]:
    """Ids of the jobs that still have pending items."""
    return [j["job_id"] for j in ws.jobs() if int(j["done"]) < int(j["total"])]


def run_now(ws: Workspace) -> None:
    """Verify every pending badge of ``ws`` in this thread (the first launch's sample)."""
    run = _Run(ws, pending_jobs(ws))
    ws.log("run started", run.detail())
    run.run()


_runs: dict[str, tuple[_Run, threading.Thread]] = {}
_runs_lock = threading.Lock()


def _spawn(ws: Workspace, db: str, job_ids: list[str], *, resume: bool = False) -> None:
    with _runs_lock:
        current = _runs.get(db)
        if current is not None and current[1].is_alive():
            return
        run = _Run(ws, job_ids)
        if not resume:
            ws.log("run started", run.detail())
        thread = threading.Thread(target=run.run, name="skillproof-verify", daemon=True)
        _runs[db] = (run, thread)
        thread.start()


def start_run() -> None:
    """Verify every pending badge in the background."""
    ws = workspace()
    jobs = pending_jobs(ws)
    if jobs:
        _spawn(ws, url(), jobs)


def cancel_run() -> None:
    """Ask the current run to stop (after the badges in flight)."""
    current = _runs.get(url())
    if current is not None and current[1].is_alive():
        current[0].cancel.set()


def resume_interrupted_run() -> None:
    """Restart a run that was started and never ended (the server stopped mid-run)."""
    ws = workspace()
    last = ws.last_audit(RUN_ACTIONS)
    current = _runs.get(url())
    if last is None or last[0] != "run started" or (current is not None and current[1].is_alive()):
        return
    jobs = [j for j in last[1].removeprefix("jobs ").split(",") if j]
    pending = set(pending_jobs(ws))
    if any(j in pending for j in jobs):
        _spawn(ws, url(), [j for j in jobs if j in pending], resume=True)
    else:
        ws.log("run finished", last[1])


def job_progress() -> JobProgress | None:
    """The latest run's progress (done / total and counts by status), or None when nothing was ever run."""
    ws = workspace()
    last = ws.last_audit(RUN_ACTIONS)
    if last is None:
        return None
    started = ws.last_audit(("run started",))
    job_ids = [j for j in (started[1] if started else "").removeprefix("jobs ").split(",") if j]
    jobs = [j for j in ws.jobs() if j["job_id"] in job_ids]
    total = sum(int(j["total"]) for j in jobs)
    done = sum(int(j["done"]) for j in jobs)
    counts = ws.status_counts(job_ids)
    current = _runs.get(url())
    alive = current is not None and current[1].is_alive()
    if last[0] == "run started":
        state = (
            ("cancelling" if current is not None and current[0].cancel.is_set() else "running")
            if alive
            else "interrupted"
        )
    else:
        state = "cancelled" if last[0] == "run cancelled" else "finished"
    return JobProgress(state, total, done, counts.get("verified", 0), counts.get("failed", 0), counts.get("error", 0))
