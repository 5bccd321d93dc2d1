"""Re-checks on a schedule (the clock is passed in), and what changed since the last check and each export."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from talent.recheck import RecheckSettings, changes, due, expiring, last_export_at, queue_recheck, recheck_inputs
from talent.shortlist import Shortlist
from talent.storage import Workspace
from verifier.models import Status, VerificationResult, failed, passed
from verifier.pipeline import BadgeInput

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def _pair(result_pairs: list) -> tuple[VerificationResult, VerificationResult]:
    """(the badge verified, the same badge revoked since)."""
    revoked = next(r for c, r in result_pairs if c == "ats:A1" and r.status is Status.FAILED)
    good = replace(
        revoked,
        status=Status.VERIFIED,
        checks=tuple(passed("revocation", "not revoked") if c.id == "revocation" else c for c in revoked.checks),
    )
    return good, revoked


def _store(ws: Workspace, candidate: str, result: VerificationResult) -> None:
    job = ws.create_job([BadgeInput(result.input, candidate=candidate)], label="test")
    ws.record_results(job, [(0, result)])


def test_the_schedule_is_daily_by_default_and_follows_the_clock(db_url: str, result_pairs: list) -> None:
    good, _ = _pair(result_pairs)
    with Workspace(db_url) as ws:
        assert RecheckSettings.load(ws) == RecheckSettings(24, "shortlisted", 30)
        _store(ws, "ats:A1", good)
        _store(ws, "ats:B2", replace(good, input="https://other.example/b", candidate="ats:B2"))
        assert due(ws, T0)  # never re-checked
        job, count = queue_recheck(ws, T0)
        assert job is None  # nothing shortlisted yet: nothing queued, but the run is recorded
        assert count == 0
        assert not due(ws, T0 + timedelta(hours=23, minutes=59))
        assert due(ws, T0 + timedelta(hours=24))
        ws.save_shortlist(Shortlist("Round 1", "cloud-engineer", ("ats:A1",)))
        assert [i.candidate for i in recheck_inputs(ws)] == ["ats:A1"]
        assert sorted(i.candidate or "" for i in recheck_inputs(ws, "workspace")) == ["ats:A1", "ats:B2"]
        job, count = queue_recheck(ws, T0 + timedelta(hours=24))
        assert job is not None
        assert count == 1
        assert [p.input.candidate for p in ws.pending_items(job)] == ["ats:A1"]
        RecheckSettings(every_hours=0, scope="workspace").save(ws)
        assert not due(ws, T0 + timedelta(days=365))  # off: never due
        assert RecheckSettings.load(ws).scope == "workspace"
    with pytest.raises(ValueError, match="scope"):
        RecheckSettings(scope="everyone")


def test_a_badge_revoked_between_two_checks_is_listed_once_as_a_change(db_url: str, result_pairs: list) -> None:
    good, revoked = _pair(result_pairs)
    with Workspace(db_url) as ws:
        _store(ws, "ats:A1", good)
        assert changes(ws) == []  # one result: nothing to compare
        ws.save_shortlist(Shortlist("Round 1", "cloud-engineer", ("ats:A1",)))
        ws.record_export(Shortlist("Round 1", "cloud-engineer", ("ats:A1",)), "csv", "round1.csv")
        exported = last_export_at(ws, "Round 1", "cloud-engineer")
        assert exported is not None
        _store(ws, "ats:A1", revoked)
        found = changes(ws)
        assert len(found) == 1
        change = found[0]
        assert change.kinds == ("withdrawn by its issuer", "now fails")
        assert (change.was, change.now) == ("verified", "failed")
        assert change.summary.startswith("Withdrawn by its issuer")
        assert changes(ws, since=exported) == found  # also what changed since the export
        assert changes(ws, candidate_ids=["ats:B2"]) == []
        # checked again, still revoked: no new change since the last check, still one since the export
        _store(ws, "ats:A1", revoked)
        assert changes(ws) == []
        assert [c.kinds for c in changes(ws, since=exported)] == [("withdrawn by its issuer", "now fails")]
        # it verifies again (the issuer reinstated it)
        _store(ws, "ats:A1", good)
        assert [c.kinds for c in changes(ws)] == [("now verifies",)]
        assert changes(ws, since=exported) == []  # the same as at the export


def test_expired_and_identity_changes_are_named(result_pairs: list) -> None:
    from talent.recheck import change_kinds

    good, _ = _pair(result_pairs)
    before = good.to_dict()
    expired = replace(good, status=Status.FAILED, checks=(*good.checks, failed("expiry", "expired"))).to_dict()
    assert change_kinds(before, expired) == ("expired", "now fails")
    moved = dict(before, issuer=dict(before["issuer"], identity={"level": "self-asserted", "registries": []}))
    listed = dict(
        before, issuer=dict(before["issuer"], identity={"level": "registry", "registries": [{"name": "DCC"}]})
    )
    assert change_kinds(moved, listed) == ("issuer identity changed (self-asserted → registry)",)
    relisted = dict(
        before, issuer=dict(before["issuer"], identity={"level": "registry", "registries": [{"name": "X"}]})
    )
    assert change_kinds(listed, relisted) == ("issuer's registry listing changed",)
    assert change_kinds(before, before) == ()


def test_badges_expiring_within_n_days_of_the_clock(db_url: str, result_pairs: list) -> None:
    good, _ = _pair(result_pairs)
    with Workspace(db_url) as ws:
        _store(ws, "ats:A1", replace(good, expires="2026-12-10T00:00:00Z"))
        _store(ws, "ats:B2", replace(good, input="https://other.example/b", expires="2027-06-01T00:00:00Z"))
        soon = expiring(ws, T0, 30)
        assert [(e.candidate_id, e.days_left) for e in soon] == [("ats:A1", 11)]
        assert expiring(ws, T0, 5) == []
        assert len(expiring(ws, T0, 365)) == 2
        assert expiring(ws, T0, 365, candidate_ids=["ats:B2"])[0].candidate_id == "ats:B2"
        assert expiring(ws, datetime(2026, 12, 11, tzinfo=UTC), 30) == []  # already past: not "expiring"


def test_the_command_line_queues_a_recheck_for_cron(tmp_path: Path, result_pairs: list) -> None:
    good, _ = _pair(result_pairs)
    url = f"sqlite:///{tmp_path / 'ws.db'}"
    with Workspace(url) as ws:
        _store(ws, "ats:A1", good)
        ws.save_shortlist(Shortlist("Round 1", "cloud-engineer", ("ats:A1",)))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "talent", "recheck", "--database", url, *args],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    first = run("--if-due")
    assert first.returncode == 0, first.stderr
    assert "queued 1 badge(s)" in first.stdout
    assert "no re-check due yet" in run("--if-due").stdout
    assert "queued 1 badge(s)" in run("--all").stdout
