"""Importing candidates from ATS exports: mapping, badge heuristics, merging, rejects, scale."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from talent.candidates import (
    ColumnMapping,
    detect_mapping,
    import_candidates,
    import_file,
    is_badge_url,
    normalise_badge_url,
    preview_import,
    read_table,
)
from talent.errors import ImportMappingError
from tests.talent.conftest import FIXTURES

ATS = FIXTURES / "ats_export.csv"


def _frames() -> list[pd.DataFrame]:
    return list(read_table(ATS))


def test_mapping_is_detected_from_headers_and_can_be_overridden() -> None:
    frame = _frames()[0]
    mapping = detect_mapping(list(frame.columns), frame)
    assert mapping.name == "Candidate Name"
    assert mapping.email == ("E-mail",)
    assert mapping.ats_id == "Candidate ID"
    assert mapping.badges == ("Badge URL", "Credentials")
    assert "Links" in mapping.scan
    assert ColumnMapping.from_dict(mapping.to_dict()) == mapping
    with pytest.raises(ImportMappingError, match="no column"):
        ColumnMapping(name="Nope", badges=("Badge URL",)).validate(list(frame.columns))


def test_several_links_per_cell_and_column_are_picked_up_and_merged() -> None:
    result = import_file(ATS)
    ada = next(c for c in result.candidates if c.candidate_id == "ats:A1")
    assert ada.badges == (
        "https://www.credly.com/badges/0b9c-aws-1",
        "https://badges.cloudacademy.example/assertions/k8s-1",
        "https://badges.cloudacademy.example/assertions/tf-1",
        "https://issuer.example/obi/assert-7.json",
    )
    assert ada.rows == (2, 3)
    assert ada.emails == ("ada@example.org",)
    assert result.rows_merged == 1


def test_profile_and_portfolio_links_are_not_badges() -> None:
    result = import_file(ATS)
    bo = next(c for c in result.candidates if c.candidate_id == "ats:B2")
    assert bo.badges == ("https://badgr.com/public/assertions/Zx12",)
    assert not is_badge_url("https://www.linkedin.com/in/ada-lovelace")
    assert not is_badge_url("https://ada.example.dev/portfolio")
    assert is_badge_url("https://ada.example.dev/portfolio", in_badge_column=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.credly.com/badges/abc",
        "https://api.badgr.io/public/assertions/x",
        "https://issuer.example/badge.png",
        "https://issuer.example/a/b.svg",
        "https://issuer.example/vc.jwt",
        "https://issuer.example/v1/credentials/9",
        "https://issuer.example/obi/1",
    ],
)
def test_badge_like_urls_are_recognised(url: str) -> None:
    assert is_badge_url(url)


def test_unusable_rows_are_returned_with_their_reason() -> None:
    result = import_file(ATS)
    reasons = dict(zip(result.rejected["row"], result.rejected["reason"], strict=True))
    assert reasons[5] == "no badge link"  # Cy: no links at all
    assert reasons[6] == "no name, email or ATS id"
    assert result.rows_read == len(result.candidates) + result.rows_merged + len(result.rejected)


def test_invalid_email_is_not_fed_to_the_recipient_check() -> None:
    result = import_file(ATS)
    dee = next(c for c in result.candidates if c.name == "Dee")
    assert dee.emails == ()
    assert dee.candidate_id == "name:dee"


def test_hostile_cells_are_kept_as_text_and_non_http_links_ignored() -> None:
    result = import_file(ATS)
    d4 = next(c for c in result.candidates if c.candidate_id == "ats:D4")
    assert d4.name == "@SUM(1+1)"
    assert d4.badges == ("https://badges.example.org/badges/d4.svg",)


def test_candidate_emails_feed_the_verifier_inputs() -> None:
    ada = next(c for c in import_file(ATS).candidates if c.candidate_id == "ats:A1")
    inputs = ada.badge_inputs()
    assert len(inputs) == 4
    assert all(i.emails == ("ada@example.org",) and i.candidate == "ats:A1" for i in inputs)


def test_preview_shows_each_row_and_its_problem() -> None:
    frame = _frames()[0]
    preview = preview_import(frame, detect_mapping(list(frame.columns), frame), rows=5)
    assert list(preview["row"]) == [2, 3, 4, 5, 6]
    assert preview.loc[preview["row"] == 6, "problem"].iat[0] == "no name, email or ATS id"
    assert preview.loc[preview["row"] == 2, "badges"].iat[0] == 3


def test_csv_rows_with_extra_fields_lose_nothing() -> None:
    text = "name,badge\nAl,https://b.example/assertions/1,https://b.example/assertions/2\n"
    result = import_candidates(read_table(text.encode(), filename="x.csv"))
    assert result.candidates[0].badges == ("https://b.example/assertions/1", "https://b.example/assertions/2")


def test_xlsx_export_is_read_like_csv(tmp_path: pytest.TempPathFactory) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["First name", "Last name", "Email", "Certifications"])
    ws.append(["Grace", "Hopper", "grace@example.org", "https://x.example/1 https://x.example/2"])
    ws.append([None, None, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    result = import_candidates(read_table(buf.getvalue(), filename="export.xlsx"))
    assert [(c.name, c.badges) for c in result.candidates] == [
        ("Grace Hopper", ("https://x.example/1", "https://x.example/2"))
    ]
    assert list(result.rejected["row"]) == [3]


def test_same_badge_spelled_differently_is_merged() -> None:
    assert normalise_badge_url("HTTPS://WWW.Credly.com:443/badges/Ab/") == "https://www.credly.com/badges/Ab"


def _big_csv(rows: int) -> bytes:
    lines = ["name,email,badges,website"]
    lines += [
        f"Person {i},p{i}@example.org,https://www.credly.com/badges/{i} https://b.example/assertions/{i}.json,"
        f"https://linkedin.com/in/p{i}"
        for i in range(rows)
    ]
    lines.append('=cmd|"/c calc"!A1,,' + "x" * 50_000 + ",")
    return "\n".join(lines).encode()


@pytest.mark.slow
def test_hundred_thousand_rows_import_in_bounded_time() -> None:
    data = _big_csv(100_000)
    started = time.perf_counter()
    result = import_candidates(read_table(data, filename="big.csv", chunksize=20_000))
    elapsed = time.perf_counter() - started
    assert len(result.candidates) == 100_000
    assert result.badges_found == 200_000
    assert list(result.rejected["reason"]) == ["no badge link"]
    assert elapsed < 30, elapsed  # about 3 s on an idle 2-core machine


def test_import_streams_in_chunks() -> None:
    chunks = list(read_table(_big_csv(2_500), filename="big.csv", chunksize=1_000))
    assert [len(c) for c in chunks] == [1_000, 1_000, 501]
    assert chunks[1].index[0] == 1_002  # spreadsheet row numbers carry across chunks


def test_hostile_bytes_do_not_break_the_import() -> None:
    raw = (
        "name,email,badge\n"
        "Eve\x00,eve@example.org,https://b.example/assertions/\u202eevil\n"
        '"Mallory ""the"" Zoë",m@example.org,"' + "https://b.example/assertions/1 " * 3 + '"\n'
        "Trent,t@example.org," + "A" * 200_000 + "\n"
    ).encode()
    result = import_candidates(read_table(raw, filename="hostile.csv"))
    names = {c.name: c for c in result.candidates}
    assert names["Eve"].badges == ("https://b.example/assertions/evil",)  # NUL and bidi override removed
    assert names['Mallory "the" Zoë'].badges == ("https://b.example/assertions/1",)
    assert list(result.rejected["row"]) == [4]  # Trent's badge cell is not a link


def test_non_utf8_export_is_read_as_windows_1252() -> None:
    raw = "name,badge\nZoë,https://b.example/assertions/1\n".encode("cp1252")
    result = import_candidates(read_table(raw, filename="legacy.csv"))
    assert [c.name for c in result.candidates] == ["Zoë"]


def test_csv_file_is_streamed_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(_big_csv(3_000))
    chunks = read_table(path, chunksize=1_000)
    first = next(chunks)
    assert len(first) == 1_000
    assert sum(len(c) for c in chunks) == 2_001


def test_frame_read_by_pandas_is_numbered_as_spreadsheet_rows() -> None:
    frame = pd.read_csv(io.StringIO("id,name,badge\n1234,Ada,https://b.example/assertions/1\n,,\n"))
    result = import_candidates(frame)
    assert result.candidates[0].candidate_id == "ats:1234"  # read by pandas as 1234.0
    assert list(result.rejected["row"]) == [3]
