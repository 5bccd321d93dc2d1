"""Intake: any bytes under any résumé name, and damaged copies of real résumés, give one
extraction each with a reason when unreadable, never an exception."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from talent.intake import extract_files, extract_links

FIX = Path(__file__).parents[1] / "talent" / "fixtures" / "intake"
PDF = (FIX / "resume_links.pdf").read_bytes()
DOCX = (FIX / "python_docx.docx").read_bytes()
NAMES = st.sampled_from(["cv.pdf", "cv.docx", "cv.html", "cv.md", "cv.txt", "cv", "cv.zip", "Certifications.csv"])


def _check(files: list[tuple[str, bytes]]) -> None:
    found = extract_files(files)
    assert len(found) == len(files)
    for e in found:
        assert e.readable or e.problems
        assert not any("the reader failed" in p for p in e.problems), e.problems  # every failure is foreseen
        for link in e.links:
            assert link.url.startswith(("http://", "https://"))


@given(NAMES, st.binary(max_size=2000))
def test_any_bytes_under_any_name(name: str, data: bytes) -> None:
    _check([(name, data)])


@given(st.lists(st.tuples(st.integers(0, len(PDF) - 1), st.integers(0, 255)), min_size=1, max_size=20))
def test_damaged_pdf(flips: list[tuple[int, int]]) -> None:
    data = bytearray(PDF)
    for at, value in flips:
        data[at] = value
    _check([("cv.pdf", bytes(data))])


@given(st.integers(0, len(PDF)), st.integers(0, len(DOCX)))
def test_truncated_pdf_and_docx(cut_pdf: int, cut_docx: int) -> None:
    _check([("cv.pdf", PDF[:cut_pdf]), ("cv.docx", DOCX[:cut_docx])])


@given(st.sampled_from(["word/document.xml", "word/_rels/document.xml.rels", "[Content_Types].xml"]),
       st.binary(max_size=500))  # fmt: skip
def test_docx_with_a_damaged_part(part: str, content: bytes) -> None:
    src = zipfile.ZipFile(io.BytesIO(DOCX))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            z.writestr(info.filename, content if info.filename == part else src.read(info))
    _check([("cv.docx", out.getvalue())])


@given(st.text(max_size=300))
def test_any_pasted_text(text: str) -> None:
    e = extract_links(text)
    assert all(link.url.startswith(("http://", "https://")) for link in e.links)
