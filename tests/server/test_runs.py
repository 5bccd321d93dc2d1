"""Verification runs on the app server: a queue in the database, one worker per server.

- 500 per-candidate jobs (one badge each) run as one run whose progress is exact at every read;
- kill -9 of the server mid-run: the run survives in the tables and the restarted server finishes it,
  every badge stored once;
- two workers sharing one workspace (PostgreSQL, as two servers would) never verify an item twice.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from talent.queue import RunProgress
from talent.storage import Workspace, results_t
from talent.worker import Worker
from tests.support.app_server import AppServer
from tests.support.databases import NO_POSTGRES, POSTGRES_URL, postgres_schema
from ui.verification import SAMPLE_DIR, cluster_config, make_transport, verify_all
from verifier.models import VerificationResult
from verifier.pipeline import BadgeInput

FILES = sorted(p for p in (SAMPLE_DIR / "files").glob("*/*") if p.suffix in (".json", ".jws", ".jwt", ".png", ".svg"))


def _per_candidate_jobs(ws: Workspace, n: int) -> list[str]:
    """``n`` jobs of one badge each, one per candidate (as uploads on the Import page make them)."""
    jobs = []
    for i in range(n):
        f = FILES[i % len(FILES)]
        item = BadgeInput(source=f"{i}-{f.name}", data=f.read_bytes(), filename=f.name, candidate=f"ats:P{i:04d}")
        jobs.append(ws.create_job([item], label=f"upload for ats:P{i:04d}"))
    return jobs


def _results(ws: Workspace) -> int:
    with ws.engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(results_t)).scalar_one())


def _watch(ws: Workspace, run_id: str, *, until: Any, timeout: float = 240) -> list[RunProgress]:
    seen: list[RunProgress] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = ws.queue.progress(run_id)
        assert progress is not None
        seen.append(progress)
        if until(progress):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"run did not get there in time: {seen[-1] if seen else None}")


def _consistent(seen: Sequence[RunProgress]) -> None:
    for p in seen:
        assert p.total == 500
        assert 0 <= p.done <= p.total
        assert p.verified + p.failed + p.errors == p.done
    assert [p.done for p in seen] == sorted(p.done for p in seen), "progress never goes back"


@pytest.mark.slow
def test_500_per_candidate_jobs_show_exact_progress_and_survive_kill_9(tmp_path: Path) -> None:
    env = {"SKILLPROOF_CLAIM_LEASE_SECONDS": "2"}
    server = AppServer(tmp_path, env=env).start()
    try:
        ws = Workspace(f"sqlite:///{tmp_path / 'skillproof.db'}")
        _per_candidate_jobs(ws, 500)
        run_id = ws.queue.enqueue(label="Verify page")  # what the Verify page's button does
        assert run_id is not None
        before = _watch(ws, run_id, until=lambda p: p.done >= 60)
        server.kill()  # kill -9 mid-run
        stopped = ws.queue.progress(run_id)
        assert stopped is not None
        assert stopped.state == "running"
        assert stopped.done < 500, "the run ended before the kill: nothing to resume"
        server.start()  # same workspace; the new worker takes the dead one's items once their lease ran out
        after = _watch(ws, run_id, until=lambda p: p.ended)
    finally:
        server.stop()
    _consistent([*before, stopped, *after])
    assert after[-1].state == "finished"
    assert after[-1].done == 500
    assert _results(ws) == 500, "every badge stored exactly once"
    assert sum(int(j["done"]) for j in ws.jobs()) == 500
    actions = [e.action for e in ws.audit_log()]
    assert "run finished" in actions
    ws.close()


class _Counting:
    """The real verifier, counting how often each input is verified."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, items: Sequence[BadgeInput], **kwargs: Any) -> list[VerificationResult]:
        with self.lock:
            self.calls.update(i.source for i in items)
        return verify_all(items, **kwargs)


@pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)
def test_two_workers_on_one_postgresql_workspace_never_verify_an_item_twice() -> None:
    with postgres_schema() as url:
        ws = Workspace(url)
        _per_candidate_jobs(ws, 300)
        run_id = ws.queue.enqueue(label="two servers")
        assert run_id is not None
        counting = _Counting()
        # two servers: each its own workspace handle (own connections) and worker
        workers = [
            Worker(Workspace(url), verify=counting, transport_factory=make_transport, chunk=20) for _ in range(2)
        ]
        drained = [0, 0]

        def drain(i: int) -> None:
            drained[i] = workers[i].drain()

        threads = [threading.Thread(target=drain, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        assert all(n > 0 for n in drained), f"both workers took part: {drained}"
        assert sum(counting.calls.values()) == 300
        assert max(counting.calls.values()) == 1
        progress = ws.queue.progress(run_id)
        assert progress is not None
        assert progress.state == "finished"
        assert progress.done == 300
        assert _results(ws) == 300
        for w in workers:
            w.stop()
            w.ws.close()
        ws.close()


@pytest.mark.slow
def test_a_big_chunk_goes_to_the_dask_cluster_and_stores_what_the_worker_stores_in_process(tmp_path: Path) -> None:
    from distributed import LocalCluster

    from talent.worker import CHUNK

    items = [
        BadgeInput(source=f"{i}-{f.name}", data=f.read_bytes(), filename=f.name, candidate=f"ats:D{i:04d}")
        for i, f in enumerate(FILES * (CHUNK * 2 // len(FILES) + 1))
    ][: CHUNK * 2 + 7]

    def run(url: str, scheduler: str | None) -> tuple[dict[str, tuple[str, str, str]], dict[str, list[Any]]]:
        ws = Workspace(url)
        ws.create_job(items, label="big batch")
        run_id = ws.queue.enqueue(label="Verify page")
        worker = Worker(
            ws,
            verify=verify_all,
            transport_factory=make_transport,
            dask_scheduler=scheduler or "",
            cluster_config=cluster_config,
        )
        try:
            worker.drain()
            assert (worker._dask is not None) is bool(scheduler)  # the cluster was used, or not
        finally:
            worker.stop()
        progress = ws.queue.progress(run_id)
        assert progress is not None
        assert (progress.state, progress.done) == ("finished", len(items))
        stored = {
            candidate: (r.status.value, r.reason, r.issuer.identity.level.value if r.issuer.identity else "")
            for candidate, r in ws.latest_results()
        }
        # the documents each result depended on, kept for evidence bundles
        documents = {
            candidate: sorted(
                (d.url, d.status, hashlib.sha256(d.content).hexdigest()) for d in ws.result_documents(rid)
            )
            for rid, candidate in ws.latest_result_ids(list(stored))
        }
        ws.close()
        return stored, documents

    in_process = run(f"sqlite:///{tmp_path / 'in-process.db'}", None)
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        on_cluster = run(f"sqlite:///{tmp_path / 'cluster.db'}", cluster.scheduler_address)
    assert len(in_process[0]) == len(items)
    assert sum(bool(d) for d in in_process[1].values()) >= 10  # badges that depended on fetched documents
    assert on_cluster == in_process  # results, and the documents each depended on
