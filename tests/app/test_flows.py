"""The main flow through the pages on the sample data: roles and candidates in, verify, coverage, export."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from talent.candidates import Candidate
from tests.app.conftest import DASHBOARD
from ui.verification import SAMPLE_DIR

ROLE_FILE = SAMPLE_DIR / "roles" / "data-analyst.yaml"


def _page(name: str) -> AppTest:
    at = AppTest.from_file(str(DASHBOARD), default_timeout=30).run()
    return at.switch_page(f"pages/{name}").run()


def _no_problems(at: AppTest) -> None:
    assert [e.value for e in at.exception] == []
    assert [e.value for e in at.error] == []


@pytest.mark.slow
def test_import_verify_coverage_export(empty_workspace: Path) -> None:
    from ui.coverage import coverage_view
    from ui.report import shortlist_export
    from ui.runs import job_progress
    from ui.workspace import audit_frame, pending_count, roles, summary

    # Roles: import a role file.
    at = _page("4_Roles.py")
    at.file_uploader(key="role_import").set_value((ROLE_FILE.name, ROLE_FILE.read_bytes(), "application/yaml")).run()
    at.button(key="role_import_btn").click().run()
    _no_problems(at)
    assert [r.role_id for r in roles()] == ["data-analyst"]

    # Import: the ATS export, with the proposed column mapping and a preview.
    at = _page("1_Import.py")
    csv_bytes = (SAMPLE_DIR / "candidates.csv").read_bytes()
    at.file_uploader(key="ats_upload").set_value(("candidates.csv", csv_bytes, "text/csv")).run()
    _no_problems(at)
    assert at.selectbox(key="map_ats").value == "Applicant ID"
    at.button(key="ats_import").click().run()
    _no_problems(at)
    assert any("Imported" in s.value for s in at.success)
    # rows without a badge link are listed with the reason, not dropped silently
    assert any("could not be used" in w.value for w in at.warning)
    queued = pending_count()
    assert queued > 0

    # Verify: start the run; results arrive in the background.
    at = _page("2_Verify.py")
    at.button(key="verify_start").click().run()
    deadline = time.monotonic() + 60
    progress = job_progress()
    while progress is not None and not progress.finished and time.monotonic() < deadline:
        time.sleep(0.2)
        progress = job_progress()
    assert progress is not None
    assert progress.state == "finished"
    assert progress.done == queued
    assert progress.verified > 0
    assert progress.failed > 0
    at.run()
    _no_problems(at)

    # Coverage: the heatmap and the ranking for the role.
    at = _page("5_Coverage.py")
    _no_problems(at)
    assert at.get("plotly_chart"), "the coverage page draws its charts"
    view = coverage_view("data-analyst")
    assert len(view.ranked) == summary().candidates
    assert view.ranked["score"].max() > 0

    # Shortlist: the download is recorded in the audit log and holds the picked candidates.
    at = _page("7_Shortlist.py")
    _no_problems(at)
    at.get("download_button")[0].click().run()
    audit = audit_frame()
    assert "exported" in set(audit["action"])
    top3 = tuple(view.ranked["candidate_id"].head(3))
    export = shortlist_export("Data Analyst shortlist", "data-analyst", top3, "csv")
    text = export.content.decode("utf-8-sig")
    for name in view.ranked["name"].head(3):
        assert name in text


def test_import_lists_unusable_badge_files_with_the_reason(empty_workspace: Path) -> None:
    from ui.workspace import pending_count, workspace

    workspace().save_candidates([Candidate("ats:X1", "Test Person", ("test.person@example.org",), "X1")])
    at = _page("1_Import.py")
    good = (SAMPLE_DIR / "files").glob("*/*.jws").__next__()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escape.json", "{}")
        zf.writestr("inner.zip", b"PK")
        zf.writestr("notes.docx", b"hello")
    at.file_uploader(key="badge_files").set_value(
        [(good.name, good.read_bytes(), "text/plain"), ("more.zip", archive.getvalue(), "application/zip")]
    ).run()
    _no_problems(at)
    assert any("3 files cannot be used" in w.value for w in at.warning)
    at.button(key="files_add").click().run()
    assert pending_count() == 1
