"""What changed since the last check, on the Start and Shortlist pages; the schedule starts a re-check."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from streamlit.testing.v1 import AppTest

from talent.recheck import LAST_RUN_KEY
from talent.shortlist import Shortlist
from tests.app.conftest import DASHBOARD
from ui.workspace import workspace
from verifier.models import Status, passed


def _revoked_since_last_check() -> str:
    """Store, for the sample's C001, its revoked badge as verified then revoked again (two checks)."""
    ws = workspace()
    cid, revoked = next((c, r) for c, r in ws.latest_results() if r.status is Status.FAILED and "revocation" in {
        k.id for k in r.checks if k.outcome.value == "fail"})  # fmt: skip
    good = replace(
        revoked,
        status=Status.VERIFIED,
        checks=tuple(passed("revocation", "not revoked") if k.id == "revocation" else k for k in revoked.checks),
    )
    ws.save_results([(cid, good), (cid, revoked)])
    return cid


def test_the_start_and_shortlist_pages_list_a_badge_revoked_since_the_last_check(sample_workspace: Path) -> None:
    cid = _revoked_since_last_check()
    ws = workspace()
    role = ws.roles()[0]
    ws.save_shortlist(Shortlist("Round 1", role.role_id, (cid,)))
    ws.save_setting(LAST_RUN_KEY, "2999-01-01T00:00:00Z")  # not due: the page view starts nothing here
    at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run()
    assert not at.exception
    text = " ".join(str(m.value) for m in at.markdown)
    assert "withdrawn by its issuer, now fails" in text
    assert "Withdrawn by its issuer" in text
    shortlist = at.switch_page("pages/7_Shortlist.py").run()
    assert not shortlist.exception
    assert "Re-check schedule" in [e.label for e in shortlist.expander]
    shown = " ".join(str(m.value) for m in shortlist.markdown) + " ".join(str(h.value) for h in shortlist.header)
    assert "Changed since the last check" in shown


def test_a_due_schedule_starts_a_recheck_of_the_shortlisted_badges(sample_workspace: Path) -> None:
    from ui.recheck import run_due_recheck

    ws = workspace()
    ws.save_setting(LAST_RUN_KEY, "2000-01-01T00:00:00Z")
    before = len(ws.jobs())
    count = run_due_recheck()
    assert count > 0
    assert len(ws.jobs()) == before + 1
    assert run_due_recheck() == 0  # recorded: not due again until the next interval


def test_a_failed_alert_delivery_is_shown_and_the_worker_goes_on(sample_workspace: Path) -> None:
    from talent.alerts import AlertSettings
    from ui.runs import send_alerts

    ws = workspace()
    if not any(s.candidate_ids for s in ws.shortlists()):
        cid = _revoked_since_last_check()
        ws.save_shortlist(Shortlist("Round 2", ws.roles()[0].role_id, (cid,)))
    AlertSettings(smtp_host="127.0.0.1", smtp_port=1, smtp_starttls=False, smtp_to=("hr@example.org",)).save(ws)
    send_alerts(ws)  # nothing listens on port 1: logged, never raised
    assert any(d["state"] == "failed" for d in ws.alert_deliveries())
    at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run().switch_page("pages/7_Shortlist.py").run()
    assert not at.exception
    assert "Alerts (e-mail, webhook)" in [e.label for e in at.expander]
    assert any("failed" in str(w.value) for w in at.warning)
