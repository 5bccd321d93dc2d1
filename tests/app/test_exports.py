"""Exports and the large synthetic workspace, through the same functions the pages call."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import DASHBOARD
from ui.coverage import coverage_view
from ui.report import html_report, log_export, shortlist_export
from ui.synthetic import load_synthetic_workspace, synthetic_results
from ui.verification import SAMPLE_DIR
from ui.workspace import audit_frame, pending_count, results_frame, workspace


def test_html_report_is_self_contained_with_its_charts(sample_workspace: Path) -> None:
    view = coverage_view("data-analyst")
    picked = tuple(view.ranked["candidate_id"].head(2))
    report = html_report("Analysts", "data-analyst", picked)
    html = report.content.decode("utf-8")
    assert report.filename.endswith(".html")
    assert "Plotly.newPlot" in html
    assert "<script src=" not in html  # plotly.js is embedded, nothing is fetched when the file is opened
    for name in view.ranked["name"].head(2):
        assert name in html


def test_every_export_format_holds_the_picked_candidates(sample_workspace: Path) -> None:
    view = coverage_view("data-analyst")
    picked = tuple(view.ranked["candidate_id"].head(2))
    names = list(view.ranked["name"].head(2))
    for fmt in ("csv", "json"):
        content = shortlist_export("Analysts", "data-analyst", picked, fmt).content.decode("utf-8-sig")
        assert all(n in content for n in names)
    xlsx = shortlist_export("Analysts", "data-analyst", picked, "xlsx").content
    book = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    cells = {str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}
    assert set(names) <= cells


def test_export_is_recorded_in_the_audit_log(sample_workspace: Path) -> None:
    log_export("Analysts", "analysts.csv", "csv", "data-analyst", ("ats:C001",))
    audit = audit_frame(limit=5)
    assert audit.iloc[0]["action"] == "exported"
    assert "analysts.csv" in audit.iloc[0]["detail"]
    assert [s.name for s in workspace().shortlists(role_id="data-analyst")] == ["Analysts"]


def test_xlsx_ats_export_gets_the_same_mapping_step(empty_workspace: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Applicant ID", "Full Name", "Email", "Badges"])
    sheet.append(["A1", "Avery Example", "avery@example.org", "https://badges.northwind.example/assertions/x"])
    sheet.append(["A2", "", "", ""])
    buf = io.BytesIO()
    book.save(buf)
    at = AppTest.from_file(str(DASHBOARD), default_timeout=30).run().switch_page("pages/1_Import.py").run()
    at.file_uploader(key="ats_upload").set_value(("ats.xlsx", buf.getvalue(), "application/vnd.ms-excel")).run()
    assert at.selectbox(key="map_name").value == "Full Name"
    at.button(key="ats_import").click().run()
    assert [e.value for e in at.exception] == []
    assert pending_count() == 1
    assert any("could not be used" in w.value for w in at.warning)


@pytest.mark.slow
def test_pages_run_on_a_synthetic_workspace(empty_workspace: Path) -> None:
    load_synthetic_workspace(60, 3)
    assert len(synthetic_results(60, 3)) == 180
    assert len(results_frame()) == 180
    for page in ("pages/3_Results.py", "pages/5_Coverage.py", "pages/7_Shortlist.py"):
        at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run().switch_page(page).run()
        assert [e.value for e in at.exception] == []
        assert [e.value for e in at.error] == []
    assert (SAMPLE_DIR / "roles").is_dir()
