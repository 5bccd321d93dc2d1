"""Verification runs: results arrive in the workspace, a cancel stops the run, an interrupted run resumes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from talent.candidates import Candidate
from talent.storage import Workspace
from talent.worker import Worker
from ui.runs import JobProgress, cancel_run, job_progress, start_run
from ui.verification import SAMPLE_DIR, make_transport, verify_all
from ui.workspace import add_badges, pending_count, raw_document, result, results_frame, workspace
from verifier.pipeline import BadgeInput

EMAIL = "ines.hollowell@example.org"


def _inputs() -> list[BadgeInput]:
    files = sorted((SAMPLE_DIR / "files").glob("*/*.jws"))[:6]
    return [BadgeInput(source=f.name, data=f.read_bytes(), filename=f.name, candidate="ats:T1") for f in files]


def _wait(timeout: float = 30.0) -> JobProgress:
    deadline = time.monotonic() + timeout
    progress = job_progress()
    while progress is not None and not progress.finished and time.monotonic() < deadline:
        time.sleep(0.05)
        progress = job_progress()
    assert progress is not None
    return progress


def test_a_run_stores_every_result_and_finishes(empty_workspace: Path) -> None:
    ws = workspace()
    ws.save_candidates([Candidate("ats:T1", "Test One", (EMAIL,), "T1")])
    assert add_badges("ats:T1", _inputs(), source="upload") == 6
    assert pending_count() == 6
    start_run()
    progress = _wait()
    assert progress.state == "finished"
    assert progress.done == progress.total == 6
    assert progress.verified + progress.failed + progress.errors == 6
    assert pending_count() == 0
    assert len(results_frame()) == 6


def test_a_run_left_by_a_stopped_server_is_resumed_without_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKILLPROOF_CLAIM_LEASE_SECONDS", "1")
    ws = Workspace(f"sqlite:///{tmp_path / 'ws.db'}")
    job = ws.create_job(_inputs(), label="upload")
    # a server claimed the whole run, stored two results, and died: its claims are left behind
    run_id = ws.queue.enqueue(label="left behind")
    assert run_id is not None
    stale = ws.queue.claim(limit=100, lease_seconds=1)
    assert stale is not None
    assert len(stale.items) == 6
    first = stale.items[:2]
    ws.record_results(job, list(zip([p.index for p in first], verify_all([p.input for p in first]), strict=True)))
    # while the claims are young no worker takes them
    assert ws.queue.claim(limit=100, lease_seconds=1) is None
    # the restarted server's worker takes what is left once the lease has run out, and only that
    time.sleep(1.2)
    worker = Worker(ws, verify=verify_all, transport_factory=make_transport)
    assert worker.drain() == 1
    progress = ws.queue.progress(run_id)
    assert progress is not None
    assert progress.state == "finished"
    assert progress.done == progress.total == 6
    assert [i for i, _ in ws.job_results(job)] == [0, 1, 2, 3, 4, 5]
    ws.close()


def test_cancel_stops_the_run_and_keeps_the_rest_queued(empty_workspace: Path) -> None:
    ws = workspace()
    ws.save_candidates([Candidate("ats:T1", "Test One", (EMAIL,), "T1")])
    many = [
        BadgeInput(source=f"{i}-{b.source}", data=b.data, filename=b.filename) for i in range(20) for b in _inputs()
    ]
    add_badges("ats:T1", many, source="upload")
    start_run()
    cancel_run()
    progress = _wait()
    assert progress.state == "cancelled"
    assert progress.done < progress.total
    assert pending_count() == progress.total - progress.done


def test_the_drill_down_shows_the_badge_baked_into_an_image(sample_workspace: Path) -> None:
    frame = results_frame()
    png = frame[frame["input"].str.endswith(".png")].iloc[0]
    detail = result(int(png["result_id"]))
    assert detail is not None
    raw = raw_document(detail)
    assert raw is not None
    assert raw.lstrip().startswith(("{", "ey", "http"))
