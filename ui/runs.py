"""Verification runs as the pages see them: enqueue, cancel, read progress.

Runs live in the workspace database (:mod:`talent.queue`); the app server's
one worker (:mod:`server.worker`) verifies them. A page never verifies and
never keeps run state itself: every browser tab, and every app server sharing
the workspace, reads the same progress from the tables, and a run that was
going when the server stopped goes on when it starts again.
"""

from __future__ import annotations

from dataclasses import dataclass

from talent.queue import RunProgress
from talent.storage import Workspace
from talent.worker import Worker, send_run_alerts
from ui.verification import cluster_config, make_transport, verify_all
from ui.workspace import workspace


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
        """True once the run has ended (finished or cancelled)."""
        return self.state in ("finished", "cancelled")

    @property
    def state_label(self) -> str:
        """The run's state in words."""
        return {
            "queued": "waiting for the verification worker…",
            "running": "running",
            "cancelling": "stopping after the badges in flight…",
            "cancelled": "cancelled",
            "finished": "finished",
        }.get(self.state, self.state)


def _progress(run: RunProgress) -> JobProgress:
    return JobProgress(run.state, run.total, run.done, run.verified, run.failed, run.errors)


def start_run(label: str = "Verify page") -> bool:
    """Queue every pending badge as a run for the server's worker (it polls the queue twice a second);
    False when nothing waits."""
    return workspace().queue.enqueue(label=label) is not None


def cancel_run() -> None:
    """Ask the running runs to stop (after the badges in flight); the rest stays queued."""
    workspace().queue.cancel()


def job_progress() -> JobProgress | None:
    """The newest run's progress (done / total and counts by status), or None when nothing was ever run."""
    run = workspace().queue.progress()
    return None if run is None else _progress(run)


def run_now(ws: Workspace) -> None:
    """Queue every pending badge of ``ws`` and verify it in this thread, as the server's worker would
    (alerts are sent when the run ends): for scripts, tests and pages run with no app server."""
    ws.queue.enqueue(label="verified in place")
    worker = Worker(ws, verify=verify_all, transport_factory=make_transport, cluster_config=cluster_config)
    try:
        worker.drain()
    finally:
        worker.stop()


def send_alerts(ws: Workspace) -> None:
    """Alert on shortlisted candidates' changed evidence (talent.alerts) as the worker does after a run; a
    delivery failure is logged there and never raised."""
    send_run_alerts(ws)
