"""The command-line contract of ``python -m verifier verify`` (docs/verifier-contract.md)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import ROOT
from verifier.cli import main, spreadsheet_safe


def run(argv: list[str], stdin: str = "") -> tuple[int, list[dict[str, object]]]:
    out = io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out)
    return code, [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_help_lists_every_contract_option() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "verifier", "verify", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    for option in (
        "--input-file",
        "--email",
        "--json",
        "--csv",
        "--concurrency",
        "--timeout",
        "--now",
        "--allow-host",
        "--trust",
        "--strict-status-signer",
    ):
        assert option in proc.stdout


def test_one_json_object_per_input_in_input_order(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a badge"}')
    code, results = run(["verify", str(bad), str(tmp_path / "missing.json"), "--json"])
    assert code == 1
    assert [r["input"] for r in results] == [str(bad), str(tmp_path / "missing.json")]
    assert results[0]["status"] == "error"  # not a badge at all: nothing to accuse
    assert results[1]["status"] == "error"
    assert results[1]["checks"][0]["id"] == "fetch"


def test_stdin_gives_one_input_per_line(tmp_path: Path) -> None:
    code, results = run(["verify", "-", "--json"], stdin="# comment\n\nnot-a-file-1\nnot-a-file-2\n")
    assert code == 1
    assert [r["input"] for r in results] == ["not-a-file-1", "not-a-file-2"]


def test_input_list_csv_carries_candidate_and_email(tmp_path: Path) -> None:
    lst = tmp_path / "list.csv"
    lst.write_text("Name,Email,Badge_URL\nAda Lovelace,ada@example.org,missing.json\nBob,,\n")
    code, results = run(["verify", "--input-file", str(lst), "--json"])
    assert code == 1
    assert len(results) == 2  # the row with no badge is reported, not dropped
    assert results[0]["candidate"] == "Ada Lovelace"
    assert results[0]["email"] == "ada@example.org"
    assert results[1]["status"] == "error"
    assert "no badge" in str(results[1]["input"])


def test_input_list_xlsx_is_read(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["candidate", "email", "badge"])
    ws.append(["Ada", "ada@example.org", "missing.json"])
    wb.save(tmp_path / "list.xlsx")
    code, results = run(["verify", "--input-file", str(tmp_path / "list.xlsx"), "--json"])
    assert code == 1
    assert results[0]["candidate"] == "Ada"


@pytest.mark.parametrize(
    "argv",
    [
        ["verify"],
        ["verify", "--input-file", "/nonexistent/list.csv"],
        ["verify", "x", "--concurrency", "0"],
        ["verify", "x", "--now", "yesterday"],
        ["verify", "x", "--bogus"],
        ["verify", "x", "--trust", "/nonexistent/trust.yaml"],
        ["verify", "x", "--allow-host", "http://127.0.0.1:8000/path"],
        ["verify", "x", "--allow-host", "127.0.0.1:notaport"],
    ],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    code, _ = run(argv)
    assert code == 2


def test_an_input_list_without_a_badge_column_is_a_usage_error(tmp_path: Path) -> None:
    lst = tmp_path / "list.csv"
    lst.write_text("name,email\nAda,ada@example.org\n")
    code, _ = run(["verify", "--input-file", str(lst)])
    assert code == 2


def test_csv_output_has_a_header_and_a_row_per_input(tmp_path: Path) -> None:
    out = io.StringIO()
    code = main(["verify", "--csv", "=cmd|calc", str(tmp_path / "missing.json")], stdout=out)
    lines = out.getvalue().splitlines()
    assert code == 1
    assert lines[0].startswith("input,status,format,reason")
    assert len(lines) == 3
    assert lines[1].startswith("'=cmd|calc")


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_spreadsheet_cells_never_start_a_formula(value: str) -> None:
    assert spreadsheet_safe(value).startswith("'")


def test_a_latin_1_input_list_is_read_with_its_accents(tmp_path: Path) -> None:
    lst = tmp_path / "list.csv"
    lst.write_bytes("candidate;email;badge\nZoë Brontë;zoe@example.org;missing.json\n".encode("latin-1"))
    code, results = run(["verify", "--input-file", str(lst), "--json"])
    assert code == 1
    assert results[0]["candidate"] == "Zoë Brontë"
