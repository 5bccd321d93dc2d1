"""Durability: a verification job killed with SIGKILL resumes without losing or duplicating a result;
an ATS import killed mid-write leaves all of it or none of it.

The work runs in a subprocess (``tests/reliability/job_runner.py``) on a
SQLite workspace (WAL mode, writes in transactions) against a slow loopback
issuer; the test kills it at the moments listed in each table, runs it again
to the end, and reads the workspace.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from talent.storage import Workspace
from tests.conftest import ROOT
from tests.support.issuer_server import IssuerServer, loopback_available
from verifier.models import Status

pytestmark = pytest.mark.skipif(not loopback_available("127.0.0.2"), reason="needs 127.0.0.2 on loopback")

HOST = "127.0.0.2"
OB2 = "https://w3id.org/openbadges/v2"
TOTAL = 240
CHUNK = 10
RUNNER = [sys.executable, "-m", "tests.reliability.job_runner"]


@pytest.fixture(scope="module")
def issuer() -> Iterator[IssuerServer]:
    """A slow issuer: every assertion takes 20 ms; every 7th is missing (404), every 11th revoked (410)."""
    with IssuerServer([HOST]) as server:
        base = server.origin(HOST)
        server.route_ob2_badge_class(
            HOST, issuer_name="Slow Issuer", issuer_email="badges@slow.example", badge_name="Durable", description="d"
        )
        for i in range(TOTAL):
            path = f"/a/{i}"
            if i % 7 == 3:
                continue
            if i % 11 == 5:
                server.route(HOST, path, status=410, body="revoked", delay=0.02)
                continue
            server.route(
                HOST,
                path,
                json_body={"@context": OB2, "type": "Assertion", "id": f"{base}{path}",
                           "recipient": {"type": "email", "hashed": False, "identity": f"p{i}@example.org"},
                           "badge": f"{base}/badge.json", "issuedOn": "2024-01-01T00:00:00Z",
                           "verification": {"type": "hosted"}},
                delay=0.02,
            )  # fmt: skip
        yield server


def _expected_status(i: int) -> Status:
    if i % 7 == 3:
        return Status.ERROR
    if i % 11 == 5:
        return Status.FAILED
    return Status.VERIFIED


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*RUNNER, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()
    )


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    return env


def _run_until(proc: subprocess.Popen[str], *, recorded_at_least: int, extra_delay: float = 0.0) -> list[str]:
    """Read the runner's lines until it has recorded enough, then SIGKILL it (mid-flight, no clean-up)."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        lines.append(line.strip())
        count = int(line.split()[1]) if line.startswith("recorded ") else 0
        if (recorded_at_least == 0 and line.startswith("pending")) or count >= recorded_at_least:
            break
        assert time.monotonic() < deadline, "the runner made no progress"
    time.sleep(extra_delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return lines


def _hits(server: IssuerServer) -> dict[str, int]:
    return {f"/a/{i}": server.hits(HOST, f"/a/{i}") for i in range(TOTAL)}


@dataclass(frozen=True)
class KillPlan:
    """Kill the runner once it has recorded this many results (0: as soon as it starts), after a pause."""

    kills: tuple[int, ...]
    pause: float = 0.0


KILL_PLANS = {
    "before-the-first-result": KillPlan((0,)),
    "after-the-first-chunk": KillPlan((CHUNK,)),
    "mid-batch-with-requests-in-flight": KillPlan((TOTAL // 2,), pause=0.03),
    "killed-twice": KillPlan((TOTAL // 4, TOTAL // 2 + CHUNK), pause=0.01),
}


@pytest.mark.slow
@pytest.mark.parametrize("plan", list(KILL_PLANS.values()), ids=list(KILL_PLANS))
def test_a_killed_verification_job_resumes_with_every_result_once(
    plan: KillPlan, issuer: IssuerServer, tmp_path: Path
) -> None:
    db = tmp_path / "workspace.db"
    url = f"sqlite:///{db}"
    inputs = [issuer.url(HOST, f"/a/{i}") for i in range(TOTAL)]
    with Workspace(url) as ws:
        job = ws.create_job(inputs, label="durability")
    allow = ["--allow-host", issuer.allow_hosts[0], "--chunk", str(CHUNK)]

    done_before = 0
    for kill_at in plan.kills:
        before = _hits(issuer)
        lines = _run_until(_start(["verify", url, job, *allow]), recorded_at_least=kill_at, extra_delay=plan.pause)
        assert lines[0] == f"pending {TOTAL - done_before}"  # it resumed where the last run stopped
        with Workspace(url) as ws:
            done, total = ws.job_progress(job)
            stored = ws.job_results(job)
        assert total == TOTAL
        assert len(stored) == done  # a result is stored exactly when its item is marked done
        assert done >= done_before
        assert done < TOTAL, "the kill came too late to test anything"
        # Items recorded before this run were not verified again.
        after = _hits(issuer)
        for index, _ in stored[:done_before]:
            assert after[f"/a/{index}"] == before[f"/a/{index}"], index
        done_before = done

    final = _start(["verify", url, job, *allow])
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err[-2000:]
    assert out.splitlines()[0] == f"pending {TOTAL - done_before}"

    with Workspace(url) as ws:
        assert ws.job_progress(job) == (TOTAL, TOTAL)
        assert ws.pending_items(job) == []
        stored = ws.job_results(job)
    assert [i for i, _ in stored] == list(range(TOTAL))  # every input once: none lost, none duplicated
    for i, result in stored:
        assert result.input == inputs[i]
        assert result.status is _expected_status(i), (i, result.status, result.reason)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = conn.execute("SELECT COUNT(*), COUNT(DISTINCT item_index) FROM results WHERE job_id = ?", (job,))
        assert rows.fetchone() == (TOTAL, TOTAL)


# -- an interrupted import ------------------------------------------------------------------------------

IMPORT_ROWS = 20_000
IMPORT_KILLS = {
    "as-the-write-begins": 0.0,
    "during-the-write": 0.15,
    "late-in-the-write": 0.6,
}


@pytest.fixture(scope="module")
def ats_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ats") / "ats.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("Candidate ID,Name,Email,Badges\n")
        for i in range(IMPORT_ROWS):
            f.write(f"A{i},Person {i},p{i}@example.org,https://badges.example.org/assertions/{i}.json\n")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("pause", list(IMPORT_KILLS.values()), ids=list(IMPORT_KILLS))
def test_an_import_killed_mid_write_leaves_all_or_nothing(pause: float, ats_export: Path, tmp_path: Path) -> None:
    db = tmp_path / "workspace.db"
    url = f"sqlite:///{db}"
    proc = _start(["import", url, str(ats_export)])
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first.startswith("saving "), first + (proc.stderr.read() if proc.stderr else "")
    time.sleep(pause)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    with Workspace(url) as ws:
        people = ws.candidates()
        imported = [e for e in ws.audit_log() if e.action == "imported"]
    assert len(people) in (0, IMPORT_ROWS), f"half an import: {len(people)} of {IMPORT_ROWS} candidates"
    assert len(imported) == (1 if people else 0)

    again = _start(["import", url, str(ats_export)])
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err[-2000:]
    with Workspace(url) as ws:
        people = ws.candidates()
    assert len(people) == IMPORT_ROWS
    assert len({p.candidate_id for p in people}) == IMPORT_ROWS
