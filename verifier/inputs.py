"""Batch input lists for the CLI: CSV / XLSX files and standard input.

One row per badge. The badge column is found by header name
(case-insensitive): ``badge``, ``badge_url``, ``url`` (then ``badge_file``,
``file``, ``path``); candidate columns ``candidate`` / ``name`` and
``email``. A row with no badge is kept as an input whose verification
reports the problem, so that no row a user gave is silently lost.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from verifier.pipeline import BadgeInput

BADGE_COLUMNS = ("badge", "badge_url", "url", "badge_file", "file", "path", "credential")
NAME_COLUMNS = ("candidate", "name", "candidate_name", "full_name")
EMAIL_COLUMNS = ("email", "e-mail", "email_address", "candidate_email")
MAX_ROWS = 5_000_000
MAX_FIELD_CHARS = 16 * 1024 * 1024


class InputListError(ValueError):
    """The input list cannot be read (a usage error: exit status 2)."""


def read_input_file(path: str | Path) -> Iterator[BadgeInput]:
    """Yield one :class:`BadgeInput` per data row of a CSV or XLSX list."""
    p = Path(path)
    if not p.exists():
        raise InputListError(f"input list not found: {p}")
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(p)
    elif suffix in (".csv", ".tsv", ".txt", ""):
        rows = _csv_rows(p)
    else:
        raise InputListError(f"{p.name}: an input list must be .csv or .xlsx")
    return _to_inputs(rows, base=p.parent, label=p.name)


def read_lines(text: str) -> Iterator[BadgeInput]:
    """One input per non-empty line (for ``-``: standard input)."""
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield BadgeInput(line)


def _csv_rows(p: Path) -> Iterator[list[str]]:
    # Streamed row by row, so a list of any length is read in flat memory. The
    # encoding is chosen on the first 64 KiB: UTF-8 (with or without a BOM) when
    # it decodes as such, else Latin-1 (every byte is a character). A stray
    # invalid byte later on becomes U+FFFD in its cell rather than ending the batch.
    with p.open("rb") as raw:
        head = raw.read(64 * 1024)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the 64 KiB boundary
            encoding = "latin-1"
    sample = head[:4096].decode(encoding, errors="replace")
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # A cell longer than the csv module's default 128 KiB becomes an input whose
    # verification reports the problem, instead of ending the whole batch.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))
    with p.open(encoding=encoding, errors="replace", newline="") as handle:
        try:
            yield from csv.reader(handle, dialect)
        except csv.Error as exc:
            raise InputListError(f"{p.name}: unreadable CSV: {exc}") from exc


def _xlsx_rows(p: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise InputListError(f"{p.name}: not a readable XLSX workbook ({exc.__class__.__name__})") from exc
    try:
        ws = wb.worksheets[0]
        for row in ws.iter_rows(values_only=True):
            yield ["" if v is None else str(v) for v in row]
    finally:
        wb.close()


def _to_inputs(rows: Iterator[list[str]], *, base: Path, label: str) -> Iterator[BadgeInput]:
    header = next(rows, None)
    if header is None:
        raise InputListError(f"{label}: the input list is empty")
    names = [h.strip().lower() for h in header]

    def find(candidates: tuple[str, ...]) -> int | None:
        for c in candidates:
            if c in names:
                return names.index(c)
        return None

    badge_col = find(BADGE_COLUMNS)
    if badge_col is None:
        raise InputListError(f"{label}: no badge column; expected a header named one of {', '.join(BADGE_COLUMNS)}")
    name_col = find(NAME_COLUMNS)
    email_col = find(EMAIL_COLUMNS)
    for n, row in enumerate(rows, start=2):
        if n > MAX_ROWS:
            raise InputListError(f"{label}: more than {MAX_ROWS} rows")
        if not any(cell.strip() for cell in row):
            continue
        badge = _cell(row, badge_col)
        candidate = _cell(row, name_col) or None
        email = _cell(row, email_col)
        source = badge
        if badge and not badge.lower().startswith(("http://", "https://")) and not Path(badge).is_absolute():
            source = str(base / badge)
        yield BadgeInput(
            source=source or f"{label} row {n}: (no badge given)",
            data=b"" if not badge else None,
            candidate=candidate,
            emails=(email,) if email else (),
        )


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return (row[index] or "").strip()
