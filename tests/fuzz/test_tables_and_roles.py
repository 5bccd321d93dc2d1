"""Input lists, ATS exports and role files: any content gives a value or the documented typed error.

- ``verifier.inputs.read_input_file`` (CSV / XLSX): one input per row, or
  :class:`~verifier.inputs.InputListError`;
- ``talent.candidates`` (``read_table`` + ``import_candidates``): an
  :class:`~talent.candidates.ImportResult` accounting for every row, or a
  :class:`~talent.errors.TalentError`;
- ``talent.roles.loads_role`` (YAML / JSON): a :class:`~talent.roles.Role`
  or a :class:`~talent.errors.RoleError`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from talent.candidates import import_candidates, read_table
from talent.errors import RoleError, TalentError
from talent.roles import Role, dumps_role, loads_role
from tests.fuzz.strategies import json_values, urls
from tests.fuzz.support import assert_readable
from verifier.inputs import InputListError, read_input_file
from verifier.pipeline import BadgeInput

HEADERS = ["badge", "badge_url", "url", "email", "name", "candidate", "Candidate ID", "Badges", "E-mail", "", "x"]
cells = st.one_of(
    st.text(max_size=30),
    urls,
    st.sampled_from(["ada@example.org", "=1+1", "@SUM(A1)", "-2", "\t", "\r\n", '"', "a,b", "é", "\x00"]),
)
tables = st.builds(
    lambda header, rows: [header, *rows],
    st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=10)), min_size=0, max_size=5),
    st.lists(st.lists(cells, max_size=6), max_size=8),
)


def csv_bytes(rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    for row in rows:
        ws.append([_xlsx_safe(c) for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_safe(cell: str) -> str:
    return "".join(ch for ch in cell if ch in "\t\n\r" or ord(ch) >= 32)


csv_files = st.builds(csv_bytes, tables, st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "cp1252"]))
raw_files = st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8")))
xlsx_files = tables.map(xlsx_bytes)


def _read_list(tmp: Path, name: str, data: bytes) -> None:
    path = tmp / name
    path.write_bytes(data)
    try:
        items = list(read_input_file(path))
    except InputListError as exc:
        assert_readable(exc)
        return
    assert all(isinstance(i, BadgeInput) and i.source for i in items)


def _import(name: str, data: bytes) -> None:
    try:
        result = import_candidates(read_table(data, filename=name))
    except TalentError as exc:
        assert_readable(exc)
        return
    assert len(result.rejected) <= result.rows_read
    merged_rows = sum(len(c.rows) for c in result.candidates)
    assert merged_rows + len(result.rejected) == result.rows_read  # every row is accounted for
    for c in result.candidates:
        assert c.badges
        assert all(b.lower().startswith(("http://", "https://")) for b in c.badges)


TABLE_CASES: dict[str, tuple[str, st.SearchStrategy[bytes], Callable[[Path, str, bytes], None]]] = {
    "cli-list-csv": ("list.csv", csv_files, _read_list),
    "cli-list-raw-bytes-as-csv": ("list.csv", raw_files, _read_list),
    "cli-list-xlsx": ("list.xlsx", xlsx_files, _read_list),
    "cli-list-raw-bytes-as-xlsx": ("list.xlsx", raw_files, _read_list),
    "ats-csv": ("ats.csv", csv_files, lambda _tmp, name, data: _import(name, data)),
    "ats-raw-bytes-as-csv": ("ats.csv", raw_files, lambda _tmp, name, data: _import(name, data)),
    "ats-xlsx": ("ats.xlsx", xlsx_files, lambda _tmp, name, data: _import(name, data)),
    "ats-raw-bytes-as-xlsx": ("ats.xlsx", raw_files, lambda _tmp, name, data: _import(name, data)),
}


@pytest.mark.parametrize("case", list(TABLE_CASES))
def test_a_table_of_any_content_is_read_or_refused_with_a_typed_error(
    case: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    name, strategy, run = TABLE_CASES[case]
    tmp = tmp_path_factory.mktemp(case)
    given(strategy)(lambda data: run(tmp, name, data))()


requirements = st.fixed_dictionaries(
    {},
    optional={
        "skill": st.one_of(st.text(max_size=20), json_values),
        "weight": st.one_of(st.floats(), st.integers(), st.text(max_size=5), st.none(), st.booleans()),
        "must_have": st.one_of(st.booleans(), json_values),
        "min_level": st.one_of(st.integers(-3, 9), json_values),
        "max_age_days": st.one_of(st.integers(), json_values),
        "max_age_years": st.one_of(st.floats(), st.integers(), json_values),
        "accepted_issuers": st.one_of(st.lists(st.text(max_size=10), max_size=3), json_values),
        "note": st.one_of(st.text(max_size=10), json_values),
        "extra": json_values,
    },
)
roles = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.text(max_size=20), json_values),
        "name": st.one_of(st.text(max_size=20), json_values),
        "description": st.one_of(st.text(max_size=20), json_values),
        "requirements": st.one_of(st.lists(st.one_of(requirements, json_values), max_size=4), json_values),
        "unknown": json_values,
    },
)
YAML_TRICKS = [
    "a: &x [*x]",
    "!!python/object/apply:os.system ['true']",
    "name: x\nrequirements:\n  - skill: y\n    weight: .nan",
    "name: x\nrequirements: [{skill: y, weight: 1e309}]",
    "- - - -",
    "name: " + "[" * 50,
    "%YAML 1.2\n---\nname: x",
    "name: x\n---\nname: y",
]


def _load(text: str, fmt: str | None) -> None:
    try:
        role = loads_role(text, source="fuzz", fmt=fmt)
    except RoleError as exc:
        assert_readable(exc)
        return
    assert isinstance(role, Role)
    assert role.name.strip()
    again = loads_role(dumps_role(role), source="round trip")  # a role that loads also saves and loads back
    assert again == role


ROLE_CASES: dict[str, tuple[st.SearchStrategy[str], str | None]] = {
    "role-shaped-yaml": (roles.map(lambda r: yaml.safe_dump(r, allow_unicode=True)), None),
    "role-shaped-json": (roles.map(lambda r: json.dumps(r)), "json"),
    "any-text-as-yaml": (st.text(max_size=200), None),
    "any-text-as-json": (st.text(max_size=200), "json"),
    "yaml-tricks": (st.sampled_from(YAML_TRICKS), None),
}


@pytest.mark.parametrize("case", list(ROLE_CASES))
def test_a_role_file_of_any_content_loads_or_raises_a_role_error(case: str) -> None:
    strategy, fmt = ROLE_CASES[case]

    @given(strategy)
    def check(text: Any) -> None:
        _load(text, fmt)

    check()
