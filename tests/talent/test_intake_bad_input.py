"""Bad input: each gives a clear problem line, the rest of the batch goes on,
nothing is taken half-way."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from talent.intake import ReadLimits, extract_files, extract_resume, group_candidates
from talent.intake.linkedin import read_export

FIX = Path(__file__).parent / "fixtures" / "intake"
GOOD = (FIX / "link_only.pdf").read_bytes()


def _good_line(results: list) -> None:  # type: ignore[type-arg]
    good = [e for e in results if e.source == "good.pdf"]
    assert len(good) == 1
    assert good[0].candidate.name == "Amara Okafor"
    assert len(good[0].links) == 2


def _encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(GOOD)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_password_protected_pdf_says_so_and_the_batch_goes_on() -> None:
    results = extract_files([("locked.pdf", _encrypted("s3cret")), ("good.pdf", GOOD)])
    assert results[0].problems == ("cannot be read: the PDF is password-protected; ask for an unprotected copy",)
    assert results[0].links == ()
    assert not results[0].readable
    _good_line(results)


def test_pdf_encrypted_with_an_empty_user_password_is_read() -> None:
    e = extract_resume("restricted.pdf", _encrypted(""))
    assert e.candidate.name == "Amara Okafor"
    assert len(e.links) == 2


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (GOOD[: len(GOOD) // 3], "cannot be read"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 40, "cannot be read"),
        (b"GIF89a not a pdf at all", "does not start with %PDF"),
        (b"", "the file is empty"),
    ],
)
def test_corrupt_pdfs_give_a_problem_line(data: bytes, words: str) -> None:
    results = extract_files([("bad.pdf", data), ("good.pdf", GOOD)])
    assert not results[0].readable
    assert words in results[0].problems[0]
    _good_line(results)


def test_pdf_with_thousands_of_pages_is_refused_quickly() -> None:
    writer = PdfWriter()
    for _ in range(3000):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    started = time.monotonic()
    e = extract_resume("huge.pdf", out.getvalue())
    assert "3000 pages" in e.problems[0]
    assert "at most 30" in e.problems[0]
    assert time.monotonic() - started < 10


def test_pdf_reading_has_a_time_bound() -> None:
    e = extract_resume("slow.pdf", (FIX / "resume_links.pdf").read_bytes(), limits=ReadLimits(seconds=0.0))
    assert "longer than 0 s" in e.problems[0]
    assert not e.readable


def test_size_cap() -> None:
    e = extract_resume("big.pdf", GOOD, limits=ReadLimits(max_bytes=1000))
    assert e.problems == ("cannot be read: larger than 1000 bytes",)


def _docx_with(part: str, content: bytes, *, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    src = zipfile.ZipFile(FIX / "python_docx.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as z:
        for info in src.infolist():
            z.writestr(info.filename, content if info.filename == part else src.read(info))
        if part not in src.namelist():
            z.writestr(part, content)
    return out.getvalue()


def test_docx_zip_bomb_is_refused_unread() -> None:
    bomb = _docx_with("word/media/image1.png", b"\0" * (60 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    started = time.monotonic()
    results = extract_files([("bomb.docx", bomb), ("good.pdf", GOOD)])
    assert "ZIP bomb" in results[0].problems[0] or "unpacks to more than" in results[0].problems[0]
    assert time.monotonic() - started < 10
    _good_line(results)


def test_docx_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    body = zipfile.ZipFile(FIX / "python_docx.docx").read("word/document.xml").decode()
    doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY lol "lol">]>'
    head, rest = body.split("?>", 1)
    body = head + "?>" + doctype + rest.replace("ITIL 4 Foundation (2019)", "ITIL &xxe; &lol;", 1)
    e = extract_resume("xxe.docx", _docx_with("word/document.xml", body.encode()))
    assert "TOP-SECRET-CONTENT" not in repr(e.to_dict())


def test_docx_billion_laughs_does_not_blow_up() -> None:
    body = zipfile.ZipFile(FIX / "python_docx.docx").read("word/document.xml").decode()
    ents = '<!ENTITY a0 "hahahahahahahahahaha">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    head, rest = body.split("?>", 1)
    body = head + "?>" + f"<!DOCTYPE w:document [{ents}]>" + rest.replace("ITIL 4 Foundation (2019)", "&a9;", 1)
    started = time.monotonic()
    e = extract_resume("laughs.docx", _docx_with("word/document.xml", body.encode()))
    assert time.monotonic() - started < 10
    assert "haha" * 1000 not in repr(e.to_dict())


def test_corrupt_docx_and_old_word_files() -> None:
    results = extract_files(
        [("broken.docx", b"PK\x03\x04 not really"), ("old.doc", b"\xd0\xcf\x11\xe0 old word"), ("good.pdf", GOOD)]
    )
    assert "not a readable Word document" in results[0].problems[0]
    assert "save the résumé as PDF or DOCX" in results[1].problems[0]
    _good_line(results)


def test_unsafe_link_schemes_are_problems_and_never_links() -> None:
    html = (
        b"<html><body><h1>Eve Example</h1><p>eve@example.org</p><h2>Certifications</h2>"
        b'<p><a href="javascript:fetch(1)">CISSP</a></p>'
        b'<p><a href="JaVa\tScRiPt:alert(1)">OSCP</a></p>'
        b'<p><a href="file:///etc/passwd">Local</a></p>'
        b'<p><a href="data:text/html;base64,PHNjcmlwdD4=">Data</a></p>'
        b'<p><a href="https://www.credly.com/badges/11111111-2222-4333-8444-555555555555">Real</a></p>'
        b"</body></html>"
    )
    e = extract_resume("eve.html", html)
    assert [link.url for link in e.links] == ["https://www.credly.com/badges/11111111-2222-4333-8444-555555555555"]
    assert [p.split(":")[0] for p in e.problems] == ["a javascript", "a javascript", "a file", "a data"]
    assert all("not followed" in p for p in e.problems)
    assert [c.text for c in e.claims] == ["CISSP", "OSCP", "Local", "Data"]  # claimed, not verifiable


def test_non_utf8_linkedin_csv_is_read_and_says_so() -> None:
    text = (FIX / "linkedin" / "Certifications.csv").read_text(encoding="utf-8").replace("–", "-")
    text += "Sécurité réseau,,Agence française,Jan 2020,,\n"
    e = read_export({"Certifications.csv": text.encode("cp1252")}, source="Certifications.csv")
    assert any("not UTF-8" in p and "Windows-1252" in p for p in e.problems)
    assert "Sécurité réseau — Agence française" in [c.text for c in e.claims]


def test_zip_of_resumes_gives_one_line_each_and_unreadable_ones_import_nothing() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("cvs/good.pdf", GOOD)
        z.writestr("cvs/locked.pdf", _encrypted("pw"))
        z.writestr("cvs/notes.xlsx", b"x")
        z.writestr("../escape.pdf", GOOD)
        z.writestr("__MACOSX/cvs/._good.pdf", b"junk")
    results = extract_files([("batch.zip", out.getvalue())])
    by = {e.source: e for e in results}
    assert set(by) == {"batch.zip/cvs/good.pdf", "batch.zip/cvs/locked.pdf", "batch.zip/cvs/notes.xlsx",
                       "batch.zip/../escape.pdf"}  # fmt: skip
    assert by["batch.zip/cvs/good.pdf"].readable
    assert len(by["batch.zip/cvs/good.pdf"].links) == 2
    assert "password-protected" in by["batch.zip/cvs/locked.pdf"].problems[0]
    assert "unsafe path" in by["batch.zip/../escape.pdf"].problems[0]
    people = group_candidates(results)
    assert [p.sources for p in people] == [("batch.zip/cvs/good.pdf",)]  # nothing from the unreadable ones


def test_reading_on_worker_processes_gives_the_same_result() -> None:
    files = [(p.name, p.read_bytes()) for p in sorted(FIX.iterdir()) if p.suffix in (".pdf", ".docx", ".zip")]
    files.append(("locked.pdf", _encrypted("pw")))
    assert extract_files(files, workers=2) == extract_files(files)


def _one_page_with(content: bytes) -> bytes:
    from pypdf.generic import DecodedStreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    stream = DecodedStreamObject()
    stream.set_data(content)
    page.replace_contents(stream.flate_encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_page_with_a_flood_of_drawing_instructions_is_refused_quickly() -> None:
    flood = b"BT /F1 12 Tf 72 700 Td (x) Tj ET\n" * 200_000  # 6.6 MB of text operations, ~60 kB compressed
    data = _one_page_with(flood)
    assert len(data) < 1024 * 1024
    started = time.monotonic()
    results = extract_files([("flood.pdf", data), ("good.pdf", GOOD)])
    assert "drawing instructions" in results[0].problems[0]
    assert not results[0].readable
    assert time.monotonic() - started < 10
    _good_line(results)


def test_pdf_declaring_too_many_objects_is_refused() -> None:
    e = extract_resume("many.pdf", GOOD, limits=ReadLimits(max_objects=5))
    assert "objects; at most 5 are read" in e.problems[0]
