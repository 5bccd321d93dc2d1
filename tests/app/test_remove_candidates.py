"""The Import page's "Remove candidates" section: choose, confirm, remove; every page's data follows."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from talent.candidates import Candidate
from talent.shortlist import Shortlist
from tests.app.conftest import DASHBOARD
from verifier.models import Status, VerificationResult
from verifier.pipeline import BadgeInput

GONE = Candidate("ats:G1", "Gwen Gone", ("gwen@example.org",), "G1", ("https://b.example/g/1",), (2,))
KEPT = Candidate("ats:K1", "Kit Kept", ("kit@example.org",), "K1", ("https://b.example/k/1",), (3,))


def _import_page() -> AppTest:
    at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run()
    return at.switch_page("pages/1_Import.py").run()


def test_a_candidate_removed_on_the_import_page_is_gone_everywhere(empty_workspace: Path) -> None:
    from ui.coverage import report
    from ui.workspace import candidates, pending_count, results_frame, summary, workspace

    ws = workspace()
    ws.save_candidates([GONE, KEPT], source="ats_export.csv")
    ws.save_results(
        [(c.candidate_id, VerificationResult(input=c.badges[0], status=Status.VERIFIED)) for c in (GONE, KEPT)]
    )
    ws.create_job([BadgeInput("https://b.example/g/2", candidate=GONE.candidate_id)], label="pasted")
    ws.save_shortlist(Shortlist("Round 1", "data-analyst", (GONE.candidate_id, KEPT.candidate_id)))
    # every page's cached data has seen GONE before the removal
    assert set(candidates()["candidate_id"]) == {GONE.candidate_id, KEPT.candidate_id}
    assert set(results_frame()["candidate_id"]) == {GONE.candidate_id, KEPT.candidate_id}
    assert GONE.candidate_id in set(report().evidence["candidate_id"])
    assert pending_count() == 1

    at = _import_page()
    assert at.button(key="remove_btn").disabled  # nothing chosen, nothing confirmed
    at.multiselect(key="remove_who").set_value([GONE.candidate_id]).run()
    assert at.button(key="remove_btn").disabled  # not confirmed yet
    at.checkbox(key="remove_sure").check().run()
    assert at.button(key="remove_btn").label == "Remove 1 candidate"
    at.button(key="remove_btn").click().run()
    assert [e.value for e in at.exception] == []
    assert any("Removed 1 candidate" in s.value for s in at.success)
    assert at.multiselect(key="remove_who").value == []  # the choice is cleared
    assert not at.checkbox(key="remove_sure").value
    assert at.multiselect(key="remove_who").options == [f"Kit Kept — {KEPT.emails[0]}"]

    assert [c.candidate_id for c in ws.candidates()] == [KEPT.candidate_id]
    assert list(candidates()["candidate_id"]) == [KEPT.candidate_id]
    assert list(results_frame()["candidate_id"]) == [KEPT.candidate_id]
    assert GONE.candidate_id not in set(report().evidence["candidate_id"])
    assert summary().candidates == 1
    assert pending_count() == 0
    assert [s.candidate_ids for s in ws.shortlists()] == [(KEPT.candidate_id,)]


def test_changing_the_choice_after_confirming_asks_for_the_confirmation_again(empty_workspace: Path) -> None:
    from ui.workspace import workspace

    ws = workspace()
    ws.save_candidates([GONE, KEPT], source="ats_export.csv")
    at = _import_page()
    at.multiselect(key="remove_who").set_value([GONE.candidate_id]).run()
    at.checkbox(key="remove_sure").check().run()
    assert "1 chosen candidate" in at.checkbox(key="remove_sure").label
    assert not at.button(key="remove_btn").disabled
    # say Enter after typing a few letters added another match: the confirmation no longer holds
    at.multiselect(key="remove_who").set_value([GONE.candidate_id, KEPT.candidate_id]).run()
    assert not at.checkbox(key="remove_sure").value
    assert at.button(key="remove_btn").disabled
    assert "2 chosen candidates" in at.checkbox(key="remove_sure").label
    assert len(ws.candidates()) == 2
