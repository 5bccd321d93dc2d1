"""The workspace database: round trips, history, atomic writes, resumable jobs, audit.

Runs against SQLite always, and against PostgreSQL too when
``SKILLPROOF_TEST_POSTGRES_URL`` is set (each test then works in a fresh schema).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from talent.candidates import Candidate
from talent.errors import JobError, StorageError
from talent.roles import Role
from talent.shortlist import Shortlist
from talent.storage import Workspace, database_url, scrub
from tests.talent.conftest import FIXTURES
from verifier.models import VerificationResult, with_context
from verifier.pipeline import BadgeInput
from verifier.recording import RecordedDocument

CANDIDATES = [
    Candidate("ats:A1", "Ada Lovelace", ("ada@example.org",), "A1", ("https://b.example/assertions/1",), (2, 3)),
    Candidate("email:bo@example.org", "Bo", ("bo@example.org",), None, ("https://b.example/assertions/2",), (4,)),
]


def _fill(ws: Workspace, pairs: list[tuple[str, VerificationResult]], roles: list[Role]) -> None:
    ws.save_candidates(CANDIDATES, source="ats_export.csv")
    ws.save_results(pairs)
    for role in roles:
        ws.save_role(role)
    ws.save_shortlist(Shortlist("Round 1", "cloud-engineer", ("ats:A1",), note="n"))
    job = ws.create_job([BadgeInput("https://b.example/assertions/1", candidate="ats:A1", emails=("ada@example.org",))])
    ws.record_results(job, [(0, pairs[0][1])])


def test_workspace_written_closed_and_reopened_is_identical(db_url: str, result_pairs: list, roles: list[Role]) -> None:
    ws = Workspace(db_url)
    _fill(ws, result_pairs, roles)
    before = ws.snapshot()
    latest_before = ws.latest_results()
    ws.close()
    with Workspace(db_url) as again:
        assert again.snapshot() == before
        assert again.candidates() == CANDIDATES
        assert again.roles() == sorted(roles, key=lambda r: r.role_id)
        assert [(c, r.to_dict()) for c, r in again.latest_results()] == [(c, r.to_dict()) for c, r in latest_before]


def test_results_keep_their_history_and_latest_wins(db_url: str, result_pairs: list) -> None:
    cid, first = result_pairs[0]
    second = with_context(first, checked_at="2026-11-27T00:00:00Z")
    with Workspace(db_url) as ws:
        ws.save_results([(cid, first), (cid, second)])
        assert [r.checked_at for r in ws.result_history(cid)] == [first.checked_at, "2026-11-27T00:00:00Z"]
        latest = ws.latest_results(candidate_id=cid)
        assert [r.checked_at for _, r in latest] == ["2026-11-27T00:00:00Z"]


def test_result_round_trip_is_lossless(db_url: str, result_pairs: list) -> None:
    with Workspace(db_url) as ws:
        ws.save_results(result_pairs)
        stored = {r.input: r for _, r in ws.latest_results()}
    for _, r in result_pairs:
        assert stored[r.input].to_dict() == r.to_dict()


def test_interrupted_import_leaves_nothing_half_written(db_url: str) -> None:
    def rows() -> Iterator[Candidate]:
        yield from CANDIDATES
        raise RuntimeError("import interrupted")

    with Workspace(db_url) as ws:
        with pytest.raises(RuntimeError):
            ws.save_candidates(rows())
        assert ws.candidates() == []
        assert ws.audit_log() == []


def test_job_resumes_without_losing_or_duplicating_results(db_url: str, result_pairs: list) -> None:
    inputs = [BadgeInput(r.input, candidate=c, emails=("x@example.org",)) for c, r in result_pairs[:5]]
    by_input = {r.input: r for _, r in result_pairs}
    with Workspace(db_url) as ws:
        job = ws.create_job(inputs, label="batch")
        assert ws.record_results(job, [(0, by_input[inputs[0].source]), (1, by_input[inputs[1].source])]) == 2
    # "crash": a new process opens the workspace and asks what is left
    with Workspace(db_url) as ws:
        pending = ws.pending_items(job)
        assert [p.index for p in pending] == [2, 3, 4]
        assert pending[0].input == inputs[2]
        # a retry of an already stored item is ignored
        assert ws.record_results(job, [(1, by_input[inputs[1].source]), (2, by_input[inputs[2].source])]) == 1
        ws.record_results(job, [(i.index, by_input[i.input.source]) for i in ws.pending_items(job)])
        assert ws.pending_items(job) == []
        assert ws.job_progress(job) == (5, 5)
        assert [i for i, _ in ws.job_results(job)] == [0, 1, 2, 3, 4]
        assert [j["done"] for j in ws.jobs()] == [5]


def test_stored_results_are_read_back_with_the_input_they_came_from(db_url: str, result_pairs: list) -> None:
    inputs = [BadgeInput(r.input, candidate=c, emails=("x@example.org",)) for c, r in result_pairs[:3]]
    by_input = {r.input: r for _, r in result_pairs}
    with Workspace(db_url) as ws:
        before = ws.revision()
        job = ws.create_job(inputs, label="batch")
        ws.record_results(job, [(i, by_input[x.source]) for i, x in enumerate(inputs)])
        assert ws.revision() > before
        records = ws.latest_result_records()
        assert [cid for _, cid, _ in records] == [x.candidate for x in inputs]
        newest = ws.recent_result_records(2)
        assert [d["input"] for _, d in newest] == [inputs[2].source, inputs[1].source]
        found = ws.stored_result(records[0][0])
        assert found is not None
        assert found[0].input == inputs[0].source
        assert found[1] == inputs[0]
        assert ws.stored_result(10**9) is None
        counts = ws.status_counts([job])
        assert sum(counts.values()) == 3
        assert ws.status_counts(["no-such-job"]) == {}
        # queued twice: each (candidate, source) comes back once
        ws.create_job(inputs[:1], label="again")
        assert sorted(i.source for i in ws.handed_in_inputs()) == sorted(x.source for x in inputs)
        assert not ws.has_logged("sample loaded")
        ws.log("sample loaded")
        assert ws.has_logged("sample loaded")


def test_unknown_job_or_index_is_an_error(db_url: str, result_pairs: list) -> None:
    with Workspace(db_url) as ws:
        with pytest.raises(JobError):
            ws.pending_items("nope")
        job = ws.create_job(["https://b.example/1"])
        with pytest.raises(JobError, match="no input index 7"):
            ws.record_results(job, [(7, result_pairs[0][1])])
        assert ws.pending_items(job)[0].index == 0
        assert ws.record_result(job, 0, result_pairs[0][1])
        assert not ws.record_result(job, 0, result_pairs[0][1])
        assert len(ws.job_results(job)) == 1


def test_uploaded_bytes_survive_in_a_job(db_url: str) -> None:
    with Workspace(db_url) as ws:
        job = ws.create_job([BadgeInput("badge.png", data=b"\x89PNG\r\n\x00", filename="badge.png")])
        assert ws.pending_items(job)[0].input.data == b"\x89PNG\r\n\x00"


def test_audit_log_records_actions_without_emails(db_url: str) -> None:
    with Workspace(db_url) as ws:
        ws.save_candidates(CANDIDATES, source="export from ada@example.org.csv")
        ws.log("exported", "sent to hr-team@example.org and Bo")
        entries = ws.audit_log()
    assert [e.action for e in entries] == ["imported", "exported"]
    assert entries[0].count == 2
    assert all("@" not in e.detail for e in entries)
    assert entries[1].detail == "sent to [email] and Bo"


def test_shortlists_and_roles_are_replaced_not_duplicated(db_url: str, roles: list[Role]) -> None:
    with Workspace(db_url) as ws:
        ws.save_role(roles[0])
        ws.save_role(roles[0])
        ws.save_shortlist(Shortlist("R1", "cloud-engineer", ("a",)))
        ws.save_shortlist(Shortlist("R1", "cloud-engineer", ("a", "b")))
        assert len(ws.roles()) == 1
        assert [s.candidate_ids for s in ws.shortlists(role_id="cloud-engineer")] == [("a", "b")]
        assert ws.delete_shortlist("R1", "cloud-engineer")
        assert ws.delete_role(roles[0].role_id)
        assert ws.roles() == []


def test_default_location_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SKILLPROOF_DATABASE_URL", raising=False)
    monkeypatch.setenv("SKILLPROOF_DATA_DIR", str(tmp_path / "d"))
    assert database_url() == f"sqlite:///{tmp_path / 'd' / 'skillproof.db'}"
    with Workspace() as ws:
        ws.save_candidates(CANDIDATES[:1])
    assert (tmp_path / "d" / "skillproof.db").exists()
    monkeypatch.setenv("SKILLPROOF_DATABASE_URL", "sqlite:///" + str(tmp_path / "other.db"))
    assert database_url().endswith("other.db")


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    with Workspace(f"sqlite:///{tmp_path / 'w.db'}") as ws, ws.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_unusable_database_url_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises((StorageError, OSError)):
        Workspace(f"sqlite:///{blocker / 'sub' / 'x.db'}")


def test_scrub_removes_every_address() -> None:
    assert scrub("a@b.org, c.d+e@f-g.co.uk") == "[email], [email]"


def test_catalogue_additions_persist(db_url: str) -> None:
    from talent.catalogue import Catalogue

    extra = Catalogue([]).import_taxonomy(FIXTURES / "esco_extractor_skills.csv")
    with Workspace(db_url) as ws:
        ws.save_catalogue_skills(list(extra), source="esco_extractor_skills.csv")
    with Workspace(db_url) as ws:
        cat = ws.catalogue()
        assert cat.resolve("KDevelop") is not None
        assert cat.resolve("SQL") is not None
        assert ws.audit_log()[-1].detail == "6 skills from esco_extractor_skills.csv"


def test_two_workers_on_one_job_store_each_result_once(db_url: str, result_pairs: list) -> None:
    import threading

    inputs = [BadgeInput(r.input, candidate=c) for c, r in result_pairs]
    with Workspace(db_url) as ws:
        job = ws.create_job(inputs)
    results = [(i, r) for i, (_, r) in enumerate(result_pairs)]
    written: list[int] = []

    def worker() -> None:
        with Workspace(db_url) as w:
            written.extend(w.record_results(job, results[k : k + 3]) for k in range(0, len(results), 3))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Workspace(db_url) as ws:
        assert sum(written) == len(results)
        assert [i for i, _ in ws.job_results(job)] == list(range(len(results)))
        assert ws.pending_items(job) == []


def test_in_memory_workspace_works_for_a_session() -> None:
    with Workspace("sqlite://") as ws:
        ws.save_candidates(CANDIDATES)
        assert ws.candidates() == CANDIDATES


def test_fetched_documents_are_kept_once_per_body_and_checked_on_the_way_out(db_url: str, result_pairs: list) -> None:
    inputs = [BadgeInput(r.input, candidate=c) for c, r in result_pairs[:3]]
    by_input = {r.input: r for _, r in result_pairs}
    shared = RecordedDocument(
        "https://i.example/issuer",
        "application/json",
        "https://i.example/issuer",
        (),
        200,
        "application/json",
        b'{"id": "issuer"}',
    )
    own = RecordedDocument("https://i.example/a/0", "application/json", "https://i.example/a/0", (), 410, "", b"")
    with Workspace(db_url) as ws:
        job = ws.create_job(inputs, label="batch")
        ws.record_results(job, [(0, by_input[inputs[0].source]), (1, by_input[inputs[1].source])])
        # item 2 has no stored result yet: its documents are not kept (nothing to hang them on)
        assert ws.store_documents(job, [(0, [own, shared]), (1, [shared]), (2, [shared])]) == 2
        assert ws.store_documents(job, [(0, [shared])]) == 0  # already kept: a retried flush changes nothing
        with ws.engine.connect() as c:
            q = text("select item_index, id from results where job_id = :j")
            ids = {int(i): int(r) for i, r in c.execute(q, {"j": job}).all()}
        assert ws.result_documents(ids[0]) == [own, shared]
        assert ws.result_documents(ids[1]) == [shared]
        assert {ids[0], ids[1]} <= {rid for rid, _ in ws.latest_result_ids([x.candidate or "" for x in inputs])}
        with ws.engine.begin() as c:
            assert c.execute(text("select count(*) from documents")).scalar() == 2
            c.execute(text("update documents set content = :b where size > 0"), {"b": b'{"id": "forged"}'})
        with pytest.raises(StorageError, match="SHA-256"):
            ws.result_documents(ids[1])
        ws.delete_candidates([x.candidate or "" for x in inputs])
        with ws.engine.connect() as c:
            assert c.execute(text("select count(*) from documents")).scalar() == 0


# -- removing candidates ---------------------------------------------------------------------------

GONE = Candidate(
    "ats:GONE-7f3", "Gwen Gone", ("gwen.gone@example.org",), "GONE-7f3", ("https://b.example/gone/0",), (5,)
)
KEPT = Candidate("ats:KEPT-2c9", "Kit Kept", ("kit.kept@example.org",), "KEPT-2c9", ("https://b.example/kept/0",), (6,))
GONE_MARKS = (GONE.candidate_id, GONE.name, *GONE.emails, "https://b.example/gone/")
KEPT_DOC = RecordedDocument(
    "https://b.example/kept/0", "application/json", "https://b.example/kept/0", (), 200, "", b"k"
)
GONE_DOC = RecordedDocument(
    "https://b.example/gone/0", "application/json", "https://b.example/gone/0", (), 200, "",
    b'{"recipient": "gwen.gone@example.org"}',
)  # fmt: skip
SHARED_DOC = RecordedDocument(
    "https://i.example/issuer", "application/json", "https://i.example/issuer", (), 200, "", b'{"id": "issuer"}'
)
CHANGED_ON_REMOVAL = {"jobs", "runs", "shortlists", "audit_log"}


def _badge(c: Candidate, n: int) -> BadgeInput:
    return BadgeInput(f"https://b.example/{c.name.split()[1].lower()}/{n}", candidate=c.candidate_id, emails=c.emails)


def _result(pairs: list, item: BadgeInput) -> VerificationResult:
    return with_context(pairs[0][1], input=item.source, candidate=item.candidate)


def _two_candidates(ws: Workspace, pairs: list) -> tuple[str, str]:
    """GONE and KEPT with a result each (documents kept, one body shared), a pending item each in one
    queued run, GONE alone in a second run and in a result stored without a job, both shortlisted;
    (the shared run, the run holding only GONE's badge)."""
    ws.save_candidates([GONE, KEPT], source="ats_export.csv")
    items = [_badge(GONE, 0), _badge(KEPT, 0), _badge(GONE, 1), _badge(KEPT, 1)]
    job = ws.create_job(items, label="import ats_export.csv")
    shared_run = ws.queue.enqueue(label="Verify page")
    ws.record_results(job, [(0, _result(pairs, items[0])), (1, _result(pairs, items[1]))])
    ws.store_documents(job, [(0, [GONE_DOC, SHARED_DOC]), (1, [SHARED_DOC, KEPT_DOC])])
    ws.create_job([_badge(GONE, 2)], label=f"upload for {GONE.candidate_id}")
    own_run = ws.queue.enqueue(label="Verify page")
    ws.save_results([(GONE.candidate_id, _result(pairs, _badge(GONE, 3)))])
    ws.save_shortlist(Shortlist("Round 1", "cloud-engineer", (GONE.candidate_id, KEPT.candidate_id)))
    ws.save_shortlist(Shortlist("Only one", "cloud-engineer", (GONE.candidate_id,)))
    assert shared_run is not None and own_run is not None  # noqa: PT018
    return shared_run, own_run


def _rows(ws: Workspace) -> dict[str, list[str]]:
    """Every row of every table, each as one text (JSON for structured values, bodies decoded)."""
    from talent.storage import metadata

    def text_of(value: object) -> str:
        if isinstance(value, bytes | memoryview):
            return bytes(value).decode("utf-8", errors="replace")
        return value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)

    with ws.engine.connect() as c:
        return {
            t.name: sorted(json.dumps([text_of(v) for v in row]) for row in c.execute(select(t)).all())
            for t in metadata.sorted_tables
        }


def _mentions_gone(row: str) -> bool:
    return any(mark.lower() in row.lower() for mark in GONE_MARKS)


def test_removing_a_candidate_leaves_no_row_that_mentions_them(db_url: str, result_pairs: list) -> None:
    with Workspace(db_url) as ws:
        _two_candidates(ws, result_pairs)
        before = _rows(ws)
        assert {name for name, rows in before.items() if any(map(_mentions_gone, rows))} >= {
            "candidates", "results", "job_items", "jobs", "shortlists", "result_documents", "documents",
        }  # fmt: skip
        assert ws.delete_candidates([GONE.candidate_id, "ats:never-imported"]) == 1
        after = _rows(ws)
        assert {name: [r for r in rows if _mentions_gone(r)] for name, rows in after.items()} == {
            name: [] for name in after
        }
        # nobody else's rows changed (the tables that keep totals, lists and the log are checked below)
        gone_results = {json.loads(r)[0] for r in before["results"] if _mentions_gone(r)}
        before["result_documents"] = [r for r in before["result_documents"] if json.loads(r)[0] not in gone_results]
        for name in set(after) - CHANGED_ON_REMOVAL:
            assert after[name] == [r for r in before[name] if not _mentions_gone(r)], name
        assert ws.candidates() == [KEPT]
        assert [s.candidate_ids for s in ws.shortlists()] == [(), (KEPT.candidate_id,)]
        (kept_result,) = ws.latest_result_ids([KEPT.candidate_id])
        assert ws.result_documents(kept_result[0]) == [SHARED_DOC, KEPT_DOC]
        ended, removed = ws.audit_log()[-2:]  # the run holding only GONE's badge ended with the removal
        assert ended.action == "run finished"
        assert (removed.action, removed.detail, removed.count) == (
            "deleted",
            "1 candidates with their results, evidence and queued badges",
            1,
        )


def test_removing_a_candidate_keeps_the_queue_consistent(db_url: str, result_pairs: list) -> None:
    from talent.worker import Worker

    seen: list[BadgeInput] = []

    def verify(inputs: list[BadgeInput], *, on_result: Any, should_stop: Any, on_documents: Any) -> list:
        out = []
        for i, item in enumerate(inputs):
            seen.append(item)
            out.append(_result(result_pairs, item))
            on_result(i, out[-1])
        return out

    with Workspace(db_url) as ws:
        shared_run, own_run = _two_candidates(ws, result_pairs)
        progress = ws.queue.progress(shared_run)
        assert progress is not None and (progress.total, progress.done) == (4, 2)  # noqa: PT018
        ws.delete_candidates([GONE.candidate_id])
        progress = ws.queue.progress(shared_run)
        assert progress is not None  # KEPT's result counts; GONE's is gone from both numbers
        assert (progress.state, progress.total, progress.done, progress.verified) == ("queued", 2, 1, 1)
        assert ws.queue.state(own_run) == "finished"  # nothing of it left: ended, not stuck
        assert ws.queue.active() == [shared_run]
        assert [(j["total"], j["done"]) for j in ws.jobs()] == [(2, 1)]  # GONE's own job went
        Worker(ws, verify=verify).drain()
        assert [item.candidate for item in seen] == [KEPT.candidate_id]
        progress = ws.queue.progress(shared_run)
        assert progress is not None and (progress.state, progress.total, progress.done) == ("finished", 2, 2)  # noqa: PT018
        assert [(j["total"], j["done"]) for j in ws.jobs()] == [(2, 2)]


def test_results_of_a_candidate_removed_while_verified_are_never_stored(db_url: str, result_pairs: list) -> None:
    from talent.worker import Worker

    with Workspace(db_url) as ws:
        _two_candidates(ws, result_pairs)
        ws.queue.cancel()  # the worker takes both runs' items again below, from a new run
        for run_id in ws.queue.active():
            ws.queue.settle(run_id)
        run = ws.queue.enqueue(label="again")

        def verify(inputs: list[BadgeInput], *, on_result: Any, should_stop: Any, on_documents: Any) -> list:
            # the recruiter removes GONE while the worker holds GONE's badges
            ws.delete_candidates([GONE.candidate_id])
            out = [_result(result_pairs, item) for item in inputs]
            for i, r in enumerate(out):
                on_result(i, r)
                on_documents(i, [GONE_DOC if r.candidate == GONE.candidate_id else KEPT_DOC])
            return out

        Worker(ws, verify=verify).drain(max_chunks=1)
        assert [name for name, rows in _rows(ws).items() if any(map(_mentions_gone, rows))] == []
        progress = ws.queue.progress(run)
        assert progress is not None and (progress.state, progress.total, progress.done) == ("finished", 1, 1)  # noqa: PT018
        with pytest.raises(JobError):
            ws.record_results(ws.jobs()[0]["job_id"], [(2, result_pairs[0][1])])  # outside the worker: an error


def test_the_command_line_forgets_candidates(tmp_path: Path, result_pairs: list) -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    url = f"sqlite:///{tmp_path / 'ws.db'}"
    with Workspace(url) as ws:
        _two_candidates(ws, result_pairs)
    proc = subprocess.run(
        [sys.executable, "-m", "talent", "forget", "--db", url, GONE.candidate_id, "ats:never-imported"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "removed 1 of 2 candidate(s)\n"
    with Workspace(url) as ws:
        assert ws.candidates() == [KEPT]
        assert [name for name, rows in _rows(ws).items() if any(map(_mentions_gone, rows))] == []
