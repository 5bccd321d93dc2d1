"""Candidates from an ATS export (CSV / XLSX), with their badge links.

Steps, each usable on its own by the Import page:

1. :func:`read_table` streams the file as DataFrames of text cells
   (``chunksize`` rows each; a CSV row with extra fields keeps them in an
   ``_extra`` column, so that nothing is lost).
2. :func:`detect_mapping` proposes which columns hold the name, email(s),
   ATS id and badges, from header names and a sample; the UI shows it and
   may override it (:class:`ColumnMapping` is a plain, serialisable value).
3. :func:`preview_import` shows what the first rows would give.
4. :func:`import_candidates` imports every chunk. Rows that cannot be used
   are returned in ``rejected`` with their spreadsheet row number and the
   reason; none is dropped silently. Rows of the same person (same ATS id,
   else same email, else same name) are merged, and so is the same badge
   given twice.

Which links are badges (:func:`is_badge_url`): every http(s) URL in a column
mapped as a badge column (the header looks like ``badge*``,
``credential*``, ``certificat*``, ``cert``, ``open badge``...); in other
columns, only URLs that look like badges: a known badge platform's host
(Credly / Acclaim, Badgr / Canvas Credentials, Accredible, Open Badge
Factory / Passport, Parchment, Badgecert, Credential.net, Sertifier,
Certopus, Bestr), a path ending ``.json``, ``.png``, ``.svg``, ``.jwt`` or
``.jws``, or a path with a ``/badges/``, ``/badge/``, ``/assertions/``,
``/credentials/``, ``/credential/`` or ``/obi/`` segment. LinkedIn
profiles, portfolios and other links are not badges unless they match.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import pandas as pd

from talent.errors import ImportMappingError
from talent.text import normalise
from verifier.pipeline import BadgeInput

MAX_CELL_CHARS = 10_000
MAX_URL_CHARS = 2_048
MAX_BADGES_PER_CANDIDATE = 500
DEFAULT_CHUNK_ROWS = 20_000
EXTRA_COLUMN = "_extra"  # fields beyond the header's width, kept and scanned for badge links

_URL = re.compile(r"""https?://[^\s<>"'`{}|\\^,;]+""", re.I)
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
_EMAIL_FIND = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")

BADGE_HOSTS = (
    "credly.com",
    "youracclaim.com",
    "badgr.com",
    "badgr.io",
    "badges.instructure.com",
    "accredible.com",
    "credential.net",
    "openbadgefactory.com",
    "openbadgepassport.com",
    "parchment.com",
    "badgecert.com",
    "sertifier.com",
    "certopus.com",
    "bestr.it",
    "badgelist.com",
    "openbadges.me",
)
BADGE_PATH_SEGMENTS = ("badges", "badge", "assertions", "assertion", "credentials", "credential", "obi")
BADGE_SUFFIXES = (".json", ".jsonld", ".png", ".svg", ".jwt", ".jws")

_NAME_HEADERS = ("name", "full name", "fullname", "candidate", "candidate name", "applicant", "applicant name")
_FIRST_LAST = (("first name", "firstname", "given name"), ("last name", "lastname", "surname", "family name"))
_EMAIL_HEADERS = re.compile(r"^(?:e ?mail|email address|mail|candidate email|work email|personal email)\b|\bemail\b")
_ATS_HEADERS = re.compile(
    r"^(?:ats ?id|candidate ?id|applicant ?id|id|ats|external id|person id|application id|ref|reference)$"
)
_BADGE_HEADERS = re.compile(r"badge|credential|certificat|\bcerts?\b|open ?badges?|micro ?credential|assertion")


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Which columns hold what. Every field names columns of the table.

    ``badges``: columns where any http(s) URL is a badge. ``scan``: other
    columns whose URLs count only when they look like badges.
    ``first_name`` / ``last_name`` are joined when there is no ``name`` column.
    """

    name: str | None = None
    email: tuple[str, ...] = ()
    ats_id: str | None = None
    badges: tuple[str, ...] = ()
    scan: tuple[str, ...] = ()
    first_name: str | None = None
    last_name: str | None = None

    def columns(self) -> list[str]:
        """Every column the mapping names."""
        singles = [self.name, self.ats_id, self.first_name, self.last_name]
        return [c for c in singles if c] + [*self.email, *self.badges, *self.scan]

    def validate(self, columns: Sequence[str]) -> None:
        """Raise :class:`ImportMappingError` when a named column is missing or
        the mapping can find neither a person nor a badge."""
        missing = [c for c in self.columns() if c not in set(columns) and c != EXTRA_COLUMN]
        if missing:
            raise ImportMappingError(f"the table has no column(s): {', '.join(missing)}")
        if not (self.name or self.email or self.ats_id or self.first_name or self.last_name):
            raise ImportMappingError("map at least one of: name, email, ATS id")
        if not (self.badges or self.scan):
            raise ImportMappingError("map at least one badge column (or a column to scan for badge links)")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for the UI and the audit log)."""
        return {
            "name": self.name,
            "email": list(self.email),
            "ats_id": self.ats_id,
            "badges": list(self.badges),
            "scan": list(self.scan),
            "first_name": self.first_name,
            "last_name": self.last_name,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnMapping:
        """The inverse of :meth:`to_dict`."""

        def many(key: str) -> tuple[str, ...]:
            v = data.get(key) or ()
            return (v,) if isinstance(v, str) else tuple(str(x) for x in v)

        return cls(
            name=data.get("name") or None,
            email=many("email"),
            ats_id=data.get("ats_id") or None,
            badges=many("badges"),
            scan=many("scan"),
            first_name=data.get("first_name") or None,
            last_name=data.get("last_name") or None,
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """One person with every badge link found for them (deduplicated, in order).

    ``candidate_id`` is ``ats:<id>``, else ``email:<first email>``, else
    ``name:<normalised name>``; ``rows`` are the spreadsheet rows merged.
    """

    candidate_id: str
    name: str
    emails: tuple[str, ...] = ()
    ats_id: str | None = None
    badges: tuple[str, ...] = ()
    rows: tuple[int, ...] = ()

    def badge_inputs(self) -> list[BadgeInput]:
        """One verifier input per badge, carrying the candidate and the emails
        that the recipient check compares with the badge's recipient."""
        return [BadgeInput(source=b, candidate=self.candidate_id, emails=self.emails) for b in self.badges]

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "candidate_id": self.candidate_id,
            "name": self.name,
            "emails": list(self.emails),
            "ats_id": self.ats_id,
            "badges": list(self.badges),
            "rows": list(self.rows),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Candidate:
        """The inverse of :meth:`to_dict`."""
        return cls(
            candidate_id=str(data["candidate_id"]),
            name=str(data.get("name") or ""),
            emails=tuple(data.get("emails") or ()),
            ats_id=data.get("ats_id"),
            badges=tuple(data.get("badges") or ()),
            rows=tuple(int(r) for r in data.get("rows") or ()),
        )


@dataclass(frozen=True)
class ImportResult:
    """What an import gave: the candidates, the rejected rows (``row``,
    ``reason``), and counts for the summary and the audit log."""

    candidates: list[Candidate]
    rejected: pd.DataFrame
    rows_read: int
    badges_found: int
    rows_merged: int
    notes: list[str] = field(default_factory=list)


# -- reading ---------------------------------------------------------------------------------------


def read_table(
    source: str | Path | bytes | IO[bytes], *, filename: str | None = None, chunksize: int = DEFAULT_CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """Stream a CSV / TSV or XLSX table as DataFrames of text (``""`` for empty).

    The index of each frame is the spreadsheet row number (header = row 1).
    ``filename`` tells the format when ``source`` is bytes or a stream. A CSV
    file is read incrementally (memory bounded by ``chunksize``); its encoding
    is UTF-8 when its first megabyte decodes as UTF-8, else Windows-1252.
    """
    name = filename or (str(source) if isinstance(source, str | Path) else "")
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        data: bytes | IO[bytes] = Path(source).read_bytes() if isinstance(source, str | Path) else source
        return _xlsx_chunks(data, chunksize)
    if isinstance(source, str | Path):
        return _csv_file_chunks(Path(source), chunksize)
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    return _csv_chunks(stream, chunksize)


def _csv_file_chunks(path: Path, chunksize: int) -> Iterator[pd.DataFrame]:
    with path.open("rb") as fh:
        yield from _csv_chunks(fh, chunksize)


_PEEK_BYTES = 1 << 20


def _encoding(head: bytes) -> str:
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the peek is not an error
        if exc.start < len(head) - 3:
            return "cp1252"
    return "utf-8-sig"


def _csv_chunks(stream: IO[bytes], chunksize: int) -> Iterator[pd.DataFrame]:
    # A BufferedReader can peek at the start (to choose the encoding) without consuming it.
    buffered = io.BufferedReader(cast(Any, stream), buffer_size=_PEEK_BYTES)
    head: bytes = buffered.peek(_PEEK_BYTES)[:_PEEK_BYTES]
    text = io.TextIOWrapper(buffered, encoding=_encoding(head), errors="replace", newline="")
    sample = head.decode("utf-8", errors="replace")[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(1 << 24)
    lines = (line.replace("\x00", "") for line in text)  # the csv module refuses NUL bytes
    reader = csv.reader(lines, dialect)
    header = next(reader, None)
    if header is None:
        return
    columns = _unique_headers(header)
    width = len(columns)
    buf: list[list[str]] = []
    first_row = 2
    for row in reader:
        if len(row) > width:
            row = [*row[:width], " ".join(row[width:])]
        elif len(row) < width:
            row = row + [""] * (width - len(row))
        buf.append(row)
        if len(buf) >= chunksize:
            yield _frame(buf, columns, first_row)
            first_row += len(buf)
            buf = []
    if buf:
        yield _frame(buf, columns, first_row)


def _frame(rows: list[list[str]], columns: list[str], first_row: int) -> pd.DataFrame:
    extra = any(len(r) > len(columns) for r in rows)
    cols = [*columns, EXTRA_COLUMN] if extra else columns
    fixed = [r + [""] * (len(cols) - len(r)) for r in rows] if extra else rows
    frame = pd.DataFrame(fixed, columns=cols, dtype=object)
    frame.index = pd.RangeIndex(first_row, first_row + len(rows))
    return frame


def _xlsx_chunks(data: bytes | IO[bytes], chunksize: int) -> Iterator[pd.DataFrame]:
    from openpyxl import load_workbook

    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        wb = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportMappingError(f"not a readable XLSX workbook ({exc.__class__.__name__})") from exc
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        columns = _unique_headers(["" if h is None else str(h) for h in header])
        buf: list[list[str]] = []
        first_row = 2
        for values in rows:
            cells = ["" if v is None else str(v) for v in values]
            buf.append(
                cells[: len(columns)]
                + [""] * (len(columns) - len(cells))
                + ([" ".join(cells[len(columns) :])] if len(cells) > len(columns) else [])
            )
            if len(buf) >= chunksize:
                yield _frame(buf, columns, first_row)
                first_row += len(buf)
                buf = []
        if buf:
            yield _frame(buf, columns, first_row)
    finally:
        wb.close()


def _unique_headers(header: Sequence[str]) -> list[str]:
    out: list[str] = []
    for i, h in enumerate(header):
        name = _CONTROL.sub("", str(h)).strip()[:200] or f"column {i + 1}"
        base, n = name, 2
        while name in out:
            name, n = f"{base} ({n})", n + 1
        out.append(name)
    return out


# -- mapping ---------------------------------------------------------------------------------------


def detect_mapping(columns: Sequence[str], sample: pd.DataFrame | None = None) -> ColumnMapping:
    """A proposed mapping from header names (and, when given, a sample of rows:
    a column most of whose filled cells are emails is an email column, one
    whose URLs look like badges is a badge column). Columns not mapped
    otherwise are scanned for badge-like URLs."""
    norm = {c: normalise(c) for c in columns}
    name = next((c for c in columns if norm[c] in _NAME_HEADERS), None)
    first = next((c for c in columns if norm[c] in _FIRST_LAST[0]), None)
    last = next((c for c in columns if norm[c] in _FIRST_LAST[1]), None)
    ats = next((c for c in columns if _ATS_HEADERS.match(norm[c])), None)
    emails = [c for c in columns if _EMAIL_HEADERS.search(norm[c]) and c not in (name, ats)]
    badges = [c for c in columns if _BADGE_HEADERS.search(norm[c]) and c not in (name, ats, *emails)]
    if sample is not None and len(sample):
        for c in columns:
            if c in (name, ats, first, last, *emails, *badges) or c not in sample.columns:
                continue
            filled = [t for t in (_clean_text(v) for v in sample[c].head(200).tolist()) if t]
            if filled and sum(bool(_EMAIL.match(t)) for t in filled) / len(filled) >= 0.6:
                emails.append(c)
            elif filled:
                urls = [u for cell in filled for u in _URL.findall(cell)]
                if (
                    urls
                    and sum(is_badge_url(u) for u in urls) / len(urls) >= 0.6
                    and norm[c] not in ("linkedin", "website")
                ):
                    badges.append(c)
    taken = {name, ats, first, last, *emails, *badges}
    scan = tuple(c for c in columns if c not in taken and c != EXTRA_COLUMN)
    return ColumnMapping(
        name=name,
        email=tuple(emails),
        ats_id=ats,
        badges=tuple(badges),
        scan=scan,
        first_name=None if name else first,
        last_name=None if name else last,
    )


_URL_PARTS = re.compile(
    r"^(?P<scheme>https?)://(?:[^/?#@]*@)?(?P<host>\[[0-9a-f:.]+\]|[^/?#:\[\]]+)(?::(?P<port>\d{1,5}))?"
    r"(?P<path>[^?#]*)(?P<query>\?[^#]*)?(?:#.*)?$",
    re.I | re.S,
)
_BADGE_HOST = re.compile(r"(?:^|\.)(?:" + "|".join(re.escape(h) for h in BADGE_HOSTS) + r")$")
_BADGE_PATH = re.compile(
    r"/(?:" + "|".join(BADGE_PATH_SEGMENTS) + r")/[^/]|(?:" + "|".join(re.escape(s) for s in BADGE_SUFFIXES) + r")$"
)
_TRAILING = ".,;:!?)]}>'\""


def _badge_link(url: str, in_badge_column: bool) -> str | None:
    """The normalised link when ``url`` is taken as a badge, else None."""
    if len(url) > MAX_URL_CHARS:
        return None
    m = _URL_PARTS.match(url.strip().rstrip(_TRAILING))
    if m is None:
        return None
    host = m["host"].lower().rstrip(".")
    path = m["path"]
    if not host:
        return None
    if not in_badge_column and not (_BADGE_HOST.search(host) or _BADGE_PATH.search(path.lower().rstrip("/"))):
        return None
    scheme = m["scheme"].lower()
    port = m["port"]
    if port and (scheme, port) not in (("http", "80"), ("https", "443")):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{path.rstrip('/')}{m['query'] or ''}"


def is_badge_url(url: str, *, in_badge_column: bool = False) -> bool:
    """Whether a URL is taken as a badge link (see module docstring)."""
    return _badge_link(url, in_badge_column) is not None


def normalise_badge_url(url: str) -> str:
    """The form in which two spellings of one badge link compare equal: scheme
    and host lower-cased, default port, user info, fragment and trailing slash /
    punctuation removed (the path and query are kept as given)."""
    return _badge_link(url, True) or url.strip()


# -- preview and import ----------------------------------------------------------------------------


def preview_import(frame: pd.DataFrame, mapping: ColumnMapping, *, rows: int = 20) -> pd.DataFrame:
    """What the first ``rows`` rows give: ``row, name, emails, ats_id, badges,
    problem`` (``problem`` is the reason a row would be rejected, or "")."""
    mapping.validate(list(frame.columns))
    parsed = _parse_chunk(_sheet_rows(frame).head(rows), mapping)
    return pd.DataFrame(
        [
            {
                "row": p.row,
                "name": p.name,
                "emails": ", ".join(p.emails),
                "ats_id": p.ats_id or "",
                "badges": len(p.badges),
                "badge links": "\n".join(p.badges[:5]),
                "problem": p.problem,
            }
            for p in parsed
        ]
    )


@dataclass(slots=True)
class _Row:
    row: int
    name: str
    emails: tuple[str, ...]
    ats_id: str | None
    badges: list[str]
    problem: str


def _clean_text(value: object) -> str:
    """A cell as text: cut to :data:`MAX_CELL_CHARS`, control and bidi characters removed, stripped."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an id read as a number by pandas: 1234.0 -> "1234"
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS]
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return text.strip()


def _urls(texts: list[str]) -> list[list[str]]:
    return [_URL.findall(t) if "://" in t else [] for t in texts]


def _parse_chunk(chunk: pd.DataFrame, mapping: ColumnMapping) -> list[_Row]:
    n = len(chunk)
    empty = [""] * n

    def col(name: str | None) -> list[str]:
        return [_clean_text(v) for v in chunk[name].tolist()] if name else empty

    if mapping.name:
        raw_names = col(mapping.name)
    else:
        raw_names = [f"{a} {b}".strip() for a, b in zip(col(mapping.first_name), col(mapping.last_name), strict=True)]
    names = [" ".join(t.split())[:200] if t else "" for t in raw_names]
    ats = [t[:200] for t in col(mapping.ats_id)]
    email_raw = [col(c) for c in mapping.email]
    email_lists = [[_EMAIL_FIND.findall(t) if "@" in t else [] for t in texts] for texts in email_raw]
    url_sources: list[tuple[list[list[str]], bool]] = [(_urls(col(c)), True) for c in mapping.badges]
    scan_cols = [c for c in mapping.scan if c in chunk.columns]
    if EXTRA_COLUMN in chunk.columns and EXTRA_COLUMN not in scan_cols:
        scan_cols.append(EXTRA_COLUMN)
    url_sources += [(_urls(col(c)), False) for c in scan_cols]

    out: list[_Row] = []
    for i, row_no in enumerate(chunk.index):
        emails = tuple(
            dict.fromkeys(e.lower() for lst in email_lists for e in lst[i] if _EMAIL.match(e) and len(e) <= 254)
        )
        badges: list[str] = []
        links = 0
        for series, in_badge_col in url_sources:
            for u in series[i]:
                links += 1
                link = _badge_link(u, in_badge_col)
                if link is not None:
                    badges.append(link)
        badges = list(dict.fromkeys(badges))
        name = names[i]
        ats_id = ats[i] or None
        problem = ""
        if not (name or emails or ats_id):
            had_email = any(r[i] for r in email_raw)
            problem = "email is not a valid address and no name or ATS id" if had_email else "no name, email or ATS id"
        elif not badges:
            problem = f"{links} link(s) but none looks like a badge" if links else "no badge link"
        elif len(badges) > MAX_BADGES_PER_CANDIDATE:
            problem = f"more than {MAX_BADGES_PER_CANDIDATE} badge links in one row"
        out.append(_Row(int(row_no), name, emails, ats_id, badges, problem))
    return out


def _sheet_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame read by pandas itself (index 0, 1, ...) renumbered as spreadsheet rows (2, 3, ...)."""
    if isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0:
        frame = frame.copy(deep=False)
        frame.index = pd.RangeIndex(2, 2 + len(frame))
    return frame


def candidate_key(name: str, emails: Sequence[str], ats_id: str | None) -> str:
    """The id a candidate gets: ``ats:<id>``, else ``email:<email>``, else ``name:<name>``."""
    if ats_id:
        return f"ats:{ats_id}"
    if emails:
        return f"email:{emails[0]}"
    return f"name:{normalise(name)}"


def import_candidates(
    chunks: pd.DataFrame | Iterable[pd.DataFrame], mapping: ColumnMapping | None = None
) -> ImportResult:
    """Candidates from every row of every chunk (see module docstring).

    With no ``mapping`` the first chunk's :func:`detect_mapping` is used.
    Work is per chunk, so memory beyond the result is bounded by the chunk size.
    """
    if isinstance(chunks, pd.DataFrame):
        chunks = [_sheet_rows(chunks)]
    merged: dict[str, dict[str, Any]] = {}
    rejected_rows: list[int] = []
    rejected_reasons: list[str] = []
    rows_read = 0
    rows_merged = 0
    for chunk in chunks:
        if mapping is None:
            mapping = detect_mapping(list(chunk.columns), chunk.head(200))
        mapping.validate(list(chunk.columns))
        for r in _parse_chunk(chunk, mapping):
            rows_read += 1
            if r.problem:
                rejected_rows.append(r.row)
                rejected_reasons.append(r.problem)
                continue
            key = candidate_key(r.name, r.emails, r.ats_id)
            cur = merged.get(key)
            if cur is None:
                merged[key] = {"name": r.name, "emails": dict.fromkeys(r.emails), "ats_id": r.ats_id,
                               "badges": dict.fromkeys(r.badges), "rows": [r.row]}  # fmt: skip
            else:
                rows_merged += 1
                cur["name"] = cur["name"] or r.name
                cur["emails"].update(dict.fromkeys(r.emails))
                cur["badges"].update(dict.fromkeys(r.badges))
                cur["rows"].append(r.row)
    candidates = [
        Candidate(k, v["name"], tuple(v["emails"]), v["ats_id"], tuple(v["badges"]), tuple(v["rows"]))
        for k, v in merged.items()
    ]
    rejected = pd.DataFrame(
        {"row": pd.Series(rejected_rows, dtype=int), "reason": pd.Series(rejected_reasons, dtype=object)}
    )
    return ImportResult(candidates, rejected, rows_read, sum(len(c.badges) for c in candidates), rows_merged)


def import_file(
    path: str | Path, mapping: ColumnMapping | None = None, *, chunksize: int = DEFAULT_CHUNK_ROWS
) -> ImportResult:
    """:func:`import_candidates` over :func:`read_table` of a file."""
    return import_candidates(read_table(path, chunksize=chunksize), mapping)
