"""Shortlist exports: every evidence column, formula-safe cells, safe file names."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from talent.coverage import CoverageReport
from talent.errors import ExportError
from talent.shortlist import (
    EVIDENCE_EXPORT_COLUMNS,
    SUMMARY_COLUMNS,
    Shortlist,
    escape_cell,
    export_csv,
    export_json,
    export_shortlist,
    export_xlsx,
    safe_filename,
)

HOSTILE = '=HYPERLINK("https://evil.example","x")'


@pytest.fixture
def shortlist() -> Shortlist:
    return Shortlist(HOSTILE, "cloud-engineer", ("ats:A1", "ats:B2"), note="first round")


def test_xlsx_export_holds_every_evidence_column(shortlist: Shortlist, report: CoverageReport) -> None:
    wb = load_workbook(io.BytesIO(export_xlsx(shortlist, report, names={"ats:A1": "-Ada"})))
    assert wb.sheetnames == ["Shortlist", "Evidence"]
    evidence = list(wb["Evidence"].iter_rows(values_only=True))
    assert list(evidence[0]) == list(EVIDENCE_EXPORT_COLUMNS)
    assert list(next(wb["Shortlist"].iter_rows(values_only=True))) == list(SUMMARY_COLUMNS)
    rows = [dict(zip(evidence[0], r, strict=True)) for r in evidence[1:]]
    k8s = next(r for r in rows if r["candidate_id"] == "ats:A1" and r["requirement"] == "Kubernetes")
    assert k8s["verification_status"] == "failed"
    assert k8s["verification_result"] == "Failed"  # the code in its own column, words beside it
    assert k8s["checked_at"] == "2026-11-20T10:00:00Z"
    assert "revocation: fail (badge revoked 2026-03-02)" in k8s["checks"]
    assert k8s["issuer"] == "Cloud Academy"
    assert k8s["badge"] == "Certified Kubernetes Administrator"
    # the plain sentence for a recruiter, in its own column
    assert k8s["verification_summary"].startswith("Withdrawn by its issuer")


def test_no_cell_starts_a_formula_in_csv_or_xlsx(shortlist: Shortlist, report: CoverageReport) -> None:
    names = {"ats:A1": "-Ada", "ats:B2": "@Bo"}
    wb = load_workbook(io.BytesIO(export_xlsx(shortlist, report, names=names)))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
    rows = list(csv.reader(io.StringIO(export_csv(shortlist, report, names=names).decode("utf-8-sig"))))
    for row in rows:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert rows[1][0] == "'" + HOSTILE
    assert "'-Ada" in rows[1]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_prefixes_are_escaped(value: str) -> None:
    assert escape_cell(value) == "'" + value


def test_numbers_and_plain_text_are_left_alone() -> None:
    assert escape_cell(-3.5) == -3.5
    assert escape_cell("Ada") == "Ada"


def test_json_export_has_scores_must_haves_and_evidence(shortlist: Shortlist, report: CoverageReport) -> None:
    doc = json.loads(export_json(shortlist, report))
    ada = doc["candidates"][0]
    assert ada["candidate_id"] == "ats:A1"
    assert (ada["must_haves_met"], ada["must_haves_total"]) == (2, 3)
    aws = next(r for r in ada["requirements"] if r["requirement"] == "Amazon Web Services")
    assert aws["met"] is True
    assert aws["evidence"][0]["verification_status"] == "verified"
    assert aws["evidence"][0]["checked_at"] == "2026-11-20T10:00:00Z"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "etc_passwd.csv"),
        ("Top picks: Q3 / cloud", "Top_picks_Q3_cloud.csv"),
        ("", "shortlist.csv"),
        (".hidden", "hidden.csv"),
        ("Zoë's list", "Zoe_s_list.csv"),
    ],
)
def test_export_file_names_are_sanitised(name: str, expected: str) -> None:
    assert safe_filename(name, suffix=".csv") == expected


def test_export_shortlist_names_the_file_and_type(shortlist: Shortlist, report: CoverageReport) -> None:
    name, content, mime = export_shortlist(shortlist, report, "xlsx")
    assert name.endswith("-cloud-engineer.xlsx")
    assert "/" not in name
    assert mime.endswith("spreadsheetml.sheet")
    assert content[:2] == b"PK"


def test_empty_or_unknown_selection_is_refused(report: CoverageReport) -> None:
    with pytest.raises(ExportError, match="empty"):
        export_csv(Shortlist("x", "cloud-engineer", ()), report)
    with pytest.raises(ExportError, match="not in the coverage report"):
        export_csv(Shortlist("x", "cloud-engineer", ("ghost",)), report)
    with pytest.raises(ExportError, match="unknown export format"):
        export_shortlist(Shortlist("x", "cloud-engineer", ("ats:A1",)), report, "pdf")
