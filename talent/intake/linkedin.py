"""LinkedIn's data export: ``Certifications.csv`` with ``Profile.csv`` and ``Email Addresses.csv``.

LinkedIn's "Get a copy of your data" ZIP holds one CSV per section. Only
these are read:

- ``Certifications.csv`` (``Name, Url, Authority, Started On, Finished On,
  License Number``): a row with a URL gives a badge to verify (the URL is the
  credential link the member entered, whatever its host; a profile link is
  kept as a profile); a row without one, or with a URL that cannot be
  followed, gives a claim ("claimed, no verifiable credential");
- ``Profile.csv`` (``First Name, Last Name, ...``): the name;
- ``Email Addresses.csv`` (``Email Address, Confirmed, Primary, Updated
  On``): the primary address, else the first confirmed one, else the first.

Some exports open with a ``Notes:`` paragraph before the header; the header
row is found by its column names, wherever it is. Files are UTF-8 (with or
without a byte-order mark); a file that is not is read as Windows-1252 and
says so in a problem line. Inside the ZIP the files may sit in a folder.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

from talent.intake.links import LinkCollector
from talent.intake.model import Claim, Extraction, Link, Person
from talent.intake.readers import ReadLimits, Unreadable, check_zip, size_text

CERTIFICATIONS = "certifications.csv"
PROFILE = "profile.csv"
EMAILS = "email addresses.csv"
LINKEDIN_FILES = (CERTIFICATIONS, PROFILE, EMAILS)
MAX_ROWS = 2_000


def is_linkedin_file(name: str) -> bool:
    """Whether a file name is one of the export's files read here."""
    return PurePosixPath(name.replace("\\", "/")).name.lower() in LINKEDIN_FILES


def _decode(name: str, data: bytes, problems: list[str]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(f"{name} is not UTF-8; it was read as Windows-1252, so check accented letters")
        return data.decode("cp1252", errors="replace")


def _rows(name: str, data: bytes, wanted: Sequence[str], problems: list[str]) -> list[dict[str, str]]:
    """Rows as dicts keyed by lower-cased header, the header found by ``wanted`` columns."""
    text = _decode(name, data, problems)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for i, row in enumerate(rows[:50]):
        header = [c.strip().lower() for c in row]
        if all(w in header for w in wanted):
            out = []
            for values in rows[i + 1 : i + 1 + MAX_ROWS]:
                if any(v.strip() for v in values):
                    out.append({h: (values[j].strip() if j < len(values) else "") for j, h in enumerate(header)})
            if len(rows) - i - 1 > MAX_ROWS:
                problems.append(f"{name} has more than {MAX_ROWS} rows; the rest were left out")
            return out
    problems.append(f"{name} has no header row with the columns {', '.join(wanted)}")
    return []


def read_export(files: Mapping[str, bytes], *, source: str) -> Extraction:
    """One extraction from the export's files (keys: their names, any folder)."""
    by_name = {PurePosixPath(k.replace("\\", "/")).name.lower(): (k, v) for k, v in files.items()}
    problems: list[str] = []
    name = ""
    email = ""
    if PROFILE in by_name:
        label, data = by_name[PROFILE]
        for row in _rows(label, data, ("first name", "last name"), problems)[:1]:
            name = " ".join(p for p in (row.get("first name", ""), row.get("last name", "")) if p)
    if EMAILS in by_name:
        label, data = by_name[EMAILS]
        rows = _rows(label, data, ("email address",), problems)
        ranked = sorted(
            (r for r in rows if "@" in r.get("email address", "")),
            key=lambda r: (r.get("primary", "").lower() != "yes", r.get("confirmed", "").lower() != "yes"),
        )
        if ranked:
            email = ranked[0]["email address"].strip().lower()
    links: dict[str, Link] = {}
    claims: list[Claim] = []
    if CERTIFICATIONS not in by_name:
        problems.append("no Certifications.csv in the export (ask for the full archive or Licenses & Certifications)")
    else:
        label, data = by_name[CERTIFICATIONS]
        collector = LinkCollector()
        for row in _rows(label, data, ("name", "url"), problems):
            title = row.get("name", "")
            authority = row.get("authority", "")
            text = title + (f" — {authority}" if authority else "")
            url = row.get("url", "")
            kept = collector.add(url, title) if url else None
            if kept is not None:
                # The member entered this URL as the credential: it is verified as a badge
                # whatever its host, unless it is a profile that lists many.
                if kept.kind == "other":
                    kept = Link(kept.url, "badge", None, title)
                links.setdefault(kept.url, kept)
            elif title:
                number = row.get("license number", "")
                claims.append(Claim(text + (f" (licence number {number})" if number else "")))
        problems.extend(collector.problems)
    return Extraction(source, Person(name, email), tuple(links.values()), tuple(claims), tuple(problems), "linkedin")


def read_export_zip(name: str, data: bytes, *, limits: ReadLimits = ReadLimits()) -> Extraction:
    """One extraction from LinkedIn's export ZIP."""
    try:
        archive = check_zip(data, limits=limits, what="LinkedIn export")
    except Unreadable as exc:
        return Extraction.unreadable(name, str(exc), kind="linkedin")
    files: dict[str, bytes] = {}
    problems: list[str] = []
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not is_linkedin_file(info.filename):
                continue
            if info.file_size > limits.max_bytes:
                problems.append(f"{info.filename} is larger than {size_text(limits.max_bytes)}; not read")
                continue
            try:
                files[info.filename] = archive.read(info)
            except zipfile_errors() as exc:
                problems.append(f"{info.filename} cannot be read from the archive ({exc})")
    out = read_export(files, source=name)
    return out.with_problems(*problems) if problems else out


def zipfile_errors() -> tuple[type[BaseException], ...]:
    """Errors reading one member of a ZIP may raise."""
    import zipfile

    return (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError)
