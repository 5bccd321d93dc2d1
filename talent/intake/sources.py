"""Many sources at once: files, ZIPs of résumés, a LinkedIn export, pasted profile links.

:func:`extract_files` takes what a user uploads (name, bytes) and returns one
:class:`Extraction` per source, in order: a résumé that cannot be read gives
an extraction with the reason in ``problems`` and the batch goes on. Each
file is read on its own (a failure never leaves half of another one behind).

- ``.pdf``, ``.docx``, ``.html`` / ``.htm``, ``.md`` / ``.markdown``,
  ``.txt``: a résumé each (a file without a known suffix is recognised by
  its first bytes);
- ``.zip``: LinkedIn's export when it holds ``Certifications.csv`` or
  ``Profile.csv``, else a ZIP of résumés (opened with the same bounds as a
  DOCX package; archives inside archives are not opened);
- ``Certifications.csv`` / ``Profile.csv`` / ``Email Addresses.csv``
  uploaded loose: together, one LinkedIn source;
- ``.doc``, ``.rtf``, ``.odt``, ``.pages``: a problem asking for PDF or DOCX.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import PurePosixPath

from talent.intake.document import Document, analyse
from talent.intake.linkedin import LINKEDIN_FILES, is_linkedin_file, read_export, read_export_zip, zipfile_errors
from talent.intake.links import LinkCollector
from talent.intake.model import Extraction
from talent.intake.readers import (
    ReadLimits,
    Unreadable,
    check_zip,
    decode_text,
    read_docx,
    read_html,
    read_markdown,
    read_pdf,
    size_text,
)

RESUME_SUFFIXES = (".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt", ".text")
ASK_FOR_PDF = (".doc", ".rtf", ".odt", ".pages", ".wpd")
MAX_SOURCES = 1_000
#: Worker processes for a large batch (pypdf is pure Python: one core per process), and from how
#: many files on (below that, starting the processes costs more than it saves).
AUTO_WORKERS = 4
AUTO_WORKERS_FROM = 20


def _kind(name: str, data: bytes) -> str:
    suffix = PurePosixPath(name.lower()).suffix
    if suffix in RESUME_SUFFIXES or suffix in ASK_FOR_PDF or suffix == ".zip":
        return suffix
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF"):
        return ".pdf"
    if head.startswith(b"PK"):
        return ".docx"
    if b"<html" in head.lower() or b"<!doctype html" in head.lower():
        return ".html"
    return ".txt"


def read_document(name: str, data: bytes, *, limits: ReadLimits = ReadLimits()) -> Document:
    """A résumé file read into a :class:`Document`; :class:`Unreadable` says why not."""
    if not data.strip():
        raise Unreadable("the file is empty")
    if len(data) > limits.max_bytes:
        raise Unreadable(f"larger than {size_text(limits.max_bytes)}")
    kind = _kind(name, data)
    if PurePosixPath(name.lower()).suffix in (".csv", ".xlsx", ".tsv"):
        raise Unreadable(
            "a table is not a résumé: LinkedIn's Certifications.csv, Profile.csv and Email Addresses.csv are read "
            "by those names; an ATS export is imported in the ATS section"
        )
    if kind in ASK_FOR_PDF:
        raise Unreadable(f"{kind} files are not read; save the résumé as PDF or DOCX")
    if kind == ".pdf":
        return read_pdf(data, limits=limits)
    if kind == ".docx":
        return read_docx(data, limits=limits)
    text = decode_text(data)
    if kind in (".html", ".htm"):
        return read_html(text)
    return read_markdown(text)


def extract_resume(name: str, data: bytes, *, limits: ReadLimits = ReadLimits()) -> Extraction:
    """One résumé: candidate, links, claims, problems (never raises for a bad file)."""
    try:
        doc = read_document(name, data, limits=limits)
    except Unreadable as exc:
        return Extraction.unreadable(name, f"cannot be read: {exc}")
    except RecursionError:
        return Extraction.unreadable(name, "cannot be read: the file nests too deeply")
    except Exception as exc:
        # The readers turn every failure of the parsers they know of into Unreadable
        # (tests/fuzz/test_intake.py asserts it); should a parser still fail otherwise on a
        # stranger's file, that file gets its line and the batch goes on.
        return Extraction.unreadable(name, f"cannot be read: the reader failed on it ({type(exc).__name__})")
    return analyse(name, doc)


def _zip_sources(name: str, data: bytes, limits: ReadLimits) -> list[Extraction]:
    try:
        archive = check_zip(data, limits=limits, what="ZIP archive")
    except Unreadable as exc:
        return [Extraction.unreadable(name, f"cannot be read: {exc}")]
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if any(is_linkedin_file(m.filename) for m in members):
            return [read_export_zip(name, data, limits=limits)]
        out: list[Extraction] = []
        for info in members:
            label = f"{name}/{info.filename}"
            path = PurePosixPath(info.filename)
            if path.name.startswith(".") or "__MACOSX" in path.parts:
                continue  # Finder's resource forks and hidden files: not résumés
            if path.is_absolute() or ".." in path.parts:
                out.append(Extraction.unreadable(label, "unsafe path inside the archive; not read"))
                continue
            if path.suffix.lower() == ".zip":
                out.append(Extraction.unreadable(label, "archives inside archives are not opened"))
                continue
            if path.suffix.lower() not in RESUME_SUFFIXES and path.suffix.lower() not in ASK_FOR_PDF:
                out.append(Extraction.unreadable(label, f"not a résumé file type ({', '.join(RESUME_SUFFIXES)})"))
                continue
            if info.file_size > limits.max_bytes:
                out.append(Extraction.unreadable(label, f"larger than {size_text(limits.max_bytes)}"))
                continue
            try:
                content = archive.read(info)
            except zipfile_errors() as exc:
                out.append(Extraction.unreadable(label, f"cannot be read from the archive ({exc})"))
                continue
            out.append(extract_resume(label, content, limits=limits))
        if not out:
            out.append(Extraction.unreadable(name, "the archive holds no résumé"))
        return out


def _extract_one(item: tuple[str, bytes, ReadLimits]) -> list[Extraction]:
    name, data, limits = item
    if _kind(name, data) == ".zip":
        return _zip_sources(name, data, limits)
    return [extract_resume(name, data, limits=limits)]


def extract_each(
    files: Sequence[tuple[str, bytes]], *, limits: ReadLimits = ReadLimits(), workers: int = 1
) -> list[list[Extraction]]:
    """The extractions of each file, file by file (a ZIP gives several): résumés and ZIPs only.

    ``workers`` > 1 reads the files on that many processes (pypdf is pure
    Python, so a batch of PDFs is bound by one core per process); the result
    is the same as with one.
    """
    jobs = [(name, data, limits) for name, data in files]
    if workers > 1 and len(jobs) > workers:
        # spawn, not fork: the dashboard's server runs threads, which a forked child would inherit mid-flight
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            return list(pool.map(_extract_one, jobs, chunksize=max(1, len(jobs) // (workers * 4))))
    return [_extract_one(job) for job in jobs]


def extract_files(
    files: Iterable[tuple[str, bytes]], *, limits: ReadLimits = ReadLimits(), workers: int = 1
) -> list[Extraction]:
    """One extraction per source in ``files`` (see the module docstring), in order; ``workers``
    as for :func:`extract_each`."""
    out: list[Extraction] = []
    loose_linkedin: dict[str, bytes] = {}
    jobs: list[tuple[str, bytes]] = []
    too_many: list[Extraction] = []
    for name, data in files:
        if len(jobs) + len(loose_linkedin) >= MAX_SOURCES:
            too_many.append(Extraction.unreadable(name, f"more than {MAX_SOURCES} sources at once; not read"))
        elif is_linkedin_file(name):
            loose_linkedin[name] = data
        else:
            jobs.append((name, data))
    for found in extract_each(jobs, limits=limits, workers=workers):
        out.extend(found)
    out.extend(too_many)
    if loose_linkedin:
        label = " + ".join(sorted(loose_linkedin))
        out.append(read_export(loose_linkedin, source=label))
    return out


def extract_links(text: str, *, source: str = "pasted links") -> Extraction:
    """Pasted links (profiles or badges), one source with no known candidate."""
    collector = LinkCollector()
    for token in text.replace(",", " ").replace(";", " ").split():
        token = token.strip().strip("<>\"'")
        if token and not token.startswith("#"):
            if "://" not in token and ":" not in token.split("/", 1)[0] and "." in token:
                token = "https://" + token
            before = len(collector.problems)
            if collector.add(token) is None and len(collector.problems) == before:
                collector.problems.append(f"not an http(s) link: {token[:80]}")
    return Extraction(source, links=collector.links(), problems=tuple(collector.problems), kind="links")


__all__ = ["LINKEDIN_FILES", "extract_each", "extract_files", "extract_links", "extract_resume", "read_document"]
