"""Reading résumés: PDF (pypdf), DOCX (python-docx), HTML, Markdown and plain text.

Each reader returns a :class:`talent.intake.document.Document` or raises
:class:`Unreadable` with a sentence saying why. Every reader is bounded
(:class:`ReadLimits`), because résumés come from strangers:

- **PDF**: at most ``max_bytes``, ``max_objects`` declared objects and
  ``max_page_content`` bytes of drawing instructions per page; encrypted files are read only when they
  open with the empty password (many "protected" PDFs only restrict
  printing), else refused; at most ``max_pages`` pages; the work stops at
  ``seconds`` (checked between pages). Link targets come from the pages'
  ``/Link`` annotations (``/URI`` actions; PDF 32000-1:2008 §12.5.6.5 and
  §12.6.4.7), and the visible text of each link is the text drawn inside
  its ``/Rect``, so "Credly" or a badge's name ties the link to its line.
  Other actions (``/Launch``, ``/JavaScript``) are never run: each is a
  problem line.
- **DOCX**: the package is checked as a ZIP before python-docx opens it (at
  most ``max_members`` parts, ``max_unpacked`` bytes unpacked, no part
  compressed more than ``max_ratio``:1, so a "zip bomb" is refused unread);
  python-docx parses with entity resolution off, so an external entity in a
  part is never fetched or expanded. Links come from the hyperlink
  relationships of the body, headers and footers (``w:hyperlink r:id``;
  ECMA-376 Part 1 §17.16.22) and from ``HYPERLINK`` field codes (§17.16.5.25).
- **HTML**: the standard library's parser; ``<a href>`` with its text;
  scripts and styles skipped.
- **Markdown / text**: ``[text](url)``, ``<url>`` and written-out URLs.
"""

from __future__ import annotations

import io
import re
import struct
import time
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from talent.intake.document import Document
from talent.intake.links import URL_IN_TEXT


def size_text(n: int) -> str:
    """A byte count for people: ``10 MB``, ``512 KB``, ``900 bytes``."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} bytes"


# What pypdf's parsers raise on damaged input besides its own errors (found by tests/fuzz/test_intake.py).
_DAMAGED: tuple[type[BaseException], ...] = (
    ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError, ArithmeticError,
    NotImplementedError, zlib.error, struct.error, EOFError, AssertionError,
)  # fmt: skip


class Unreadable(ValueError):
    """A file that cannot be read; the message says why, for people."""


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Bounds on reading one file."""

    max_bytes: int = 10 * 1024 * 1024
    max_pages: int = 30
    max_page_content: int = 2 * 1024 * 1024
    max_objects: int = 100_000
    seconds: float = 10.0
    max_members: int = 1_000
    max_unpacked: int = 40 * 1024 * 1024
    max_ratio: int = 200
    max_links: int = 2_000


# -- PDF ----------------------------------------------------------------------------------------------


def read_pdf(data: bytes, *, limits: ReadLimits = ReadLimits()) -> Document:
    """Text lines and link annotations of a PDF."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    errors: tuple[type[BaseException], ...] = (PyPdfError, DependencyError, *_DAMAGED)
    started = time.monotonic()
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise Unreadable("not a PDF (the file does not start with %PDF)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (FileNotDecryptedError, NotImplementedError, ValueError) as exc:
                raise Unreadable(f"the PDF is encrypted and cannot be opened ({exc})") from exc
            if not opened:
                raise Unreadable("the PDF is password-protected; ask for an unprotected copy")
        declared = reader.trailer.get("/Size", 0)
        objects = int(declared) if isinstance(declared, int) else 0
        if objects > limits.max_objects:
            raise Unreadable(f"the PDF declares {objects:,} objects; at most {limits.max_objects:,} are read")
        pages = len(reader.pages)
    except Unreadable:
        raise
    except errors as exc:
        raise Unreadable(f"not a readable PDF ({type(exc).__name__}: {str(exc)[:120]})") from exc
    if pages == 0:
        raise Unreadable("the PDF has no pages")
    if pages > limits.max_pages:
        raise Unreadable(f"the PDF has {pages} pages; résumés of at most {limits.max_pages} pages are read")
    doc = Document()
    for number in range(pages):
        if time.monotonic() - started > limits.seconds:
            raise Unreadable(f"reading took longer than {limits.seconds:g} s (stopped at page {number + 1})")
        try:
            _pdf_page(reader.pages[number], number, doc, limits)
        except Unreadable:
            raise
        except errors as exc:
            # pypdf raises many kinds of errors on damaged content streams: one bad
            # page is a problem line, the pages that can be read still are.
            doc.problems.append(f"page {number + 1} could not be read ({type(exc).__name__})")
    if not any(line.strip() for line in doc.lines) and not doc.links:
        raise Unreadable("the PDF has no text layer (a scanned image?); text recognition is not done here")
    return doc


def _pdf_page(page: Any, number: int, doc: Document, limits: ReadLimits) -> None:
    chunks: list[tuple[float, float, str]] = []
    # A page's drawing instructions are parsed in pure Python: bound them before parsing
    # (a dense résumé page is well under 200 KB; pypdf itself stops inflating at 75 MB).
    contents = page.get_contents()
    size = len(contents.get_data()) if contents is not None else 0
    if size > limits.max_page_content:
        raise Unreadable(
            f"page {number + 1} holds {size_text(size)} of drawing instructions; "
            f"at most {size_text(limits.max_page_content)} per page are read"
        )

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: Any) -> None:
        if text and text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            chunks.append((x, y, text))

    text = page.extract_text(visitor_text=visit)
    # NFKC undoes the ligatures PDF writers draw ("ﬁ" in "Certiﬁcations")
    doc.lines.extend(unicodedata.normalize("NFKC", line) for line in text.splitlines())
    annots = page.get("/Annots")
    if annots is None:
        return
    annots = annots.get_object()
    if not isinstance(annots, list):
        return
    for ref in annots[: limits.max_links]:
        annot = ref.get_object()
        if not hasattr(annot, "get") or annot.get("/Subtype") != "/Link":
            continue
        raw_action = annot.get("/A")
        action: Any = raw_action.get_object() if raw_action is not None else None
        if action is None or not hasattr(action, "get"):
            continue
        kind = action.get("/S")
        if kind == "/URI":
            uri = action.get("/URI")
            target = uri.decode("latin-1") if isinstance(uri, bytes) else str(uri or "")
            anchor, context = _text_in_rect(chunks, annot.get("/Rect"))
            doc.add_link(target, anchor, context)
        elif kind in ("/JavaScript", "/Launch", "/ImportData", "/SubmitForm"):
            doc.problems.append(f"a link with a {str(kind)[1:]} action was not followed")


def _text_in_rect(chunks: list[tuple[float, float, str]], rect: Any) -> tuple[str, str]:
    """The text drawn inside a link's rectangle, and the whole line it is on."""
    try:
        x0, y0, x1, y1 = (float(v) for v in rect)
    except (TypeError, ValueError):
        return "", ""
    x0, x1 = min(x0, x1), max(x0, x1)
    y0, y1 = min(y0, y1), max(y0, y1)
    inside = [c for c in chunks if x0 - 2 <= c[0] < x1 - 1 and y0 - 3 <= c[1] <= y1 + 1]
    if not inside:
        return "", ""
    anchor = unicodedata.normalize("NFKC", " ".join(c[2].strip() for c in sorted(inside, key=lambda c: c[0])))
    ys = {round(c[1]) for c in inside}
    line = [c for c in chunks if any(abs(c[1] - y) <= 2 for y in ys)]
    context = " ".join(c[2].strip() for c in sorted(line, key=lambda c: (-round(c[1]), c[0])))
    context = unicodedata.normalize("NFKC", context)
    return anchor, context


# -- DOCX ---------------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_HYPERLINK_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_FIELD = re.compile(r'HYPERLINK\s+"([^"]+)"', re.I)


def check_zip(data: bytes, *, limits: ReadLimits, what: str) -> zipfile.ZipFile:
    """Open a ZIP package after checking it cannot blow up (members, unpacked size, ratio)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Unreadable(f"not a readable {what} (not a ZIP package: {exc})") from exc
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise Unreadable(f"the {what} holds {len(members)} parts; at most {limits.max_members} are read")
    total = 0
    for info in members:
        total += info.file_size
        if info.compress_size and info.file_size > 1_000_000 and info.file_size / info.compress_size > limits.max_ratio:
            raise Unreadable(
                f"the {what} has a part compressed more than {limits.max_ratio}:1 ({info.filename}); "
                "refused as a possible ZIP bomb"
            )
    if total > limits.max_unpacked:
        raise Unreadable(f"the {what} unpacks to more than {size_text(limits.max_unpacked)}; refused")
    return archive


def read_docx(data: bytes, *, limits: ReadLimits = ReadLimits()) -> Document:
    """Paragraph text (body, tables, headers, footers) and hyperlinks of a DOCX."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_zip(data, limits=limits, what="Word document").close()
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, OSError) as exc:
        raise Unreadable(f"not a readable Word document ({type(exc).__name__}: {str(exc)[:120]})") from exc
    except Exception as exc:  # lxml raises XMLSyntaxError and others on broken parts
        raise Unreadable(f"not a readable Word document ({type(exc).__name__}: {str(exc)[:120]})") from exc
    doc = Document()
    main = document.part
    parts = [main]
    for rel in main.rels.values():
        if rel.reltype.endswith(("/header", "/footer")) and not rel.is_external:
            parts.append(rel.target_part)
    headers_first = [*parts[1:], main]  # names and emails often sit in the header
    for part in headers_first:
        _docx_part(part, doc, limits)
    return doc


def _docx_part(part: Any, doc: Document, limits: ReadLimits) -> None:
    rels = {rid: rel for rid, rel in part.rels.items() if rel.reltype == _HYPERLINK_RT and rel.is_external}
    used: set[str] = set()
    element = part.element
    for p in element.iter(f"{_W}p"):
        pieces: list[str] = []
        for node in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}instrText"):
            if node.tag == f"{_W}t":
                pieces.append(node.text or "")
            elif node.tag == f"{_W}tab":
                pieces.append("\t")
            elif node.tag == f"{_W}br":
                pieces.append("\n")
        line = "".join(pieces)
        doc.lines.extend(line.split("\n"))
        for link in p.iter(f"{_W}hyperlink"):
            rid = link.get(_R_ID)
            if rid and rid in rels and len(doc.links) < limits.max_links:
                used.add(rid)
                anchor = "".join(t.text or "" for t in link.iter(f"{_W}t"))
                doc.add_link(rels[rid].target_ref, anchor, line)
        for node in p.iter(f"{_W}instrText", f"{_W}fldSimple"):
            instr = node.text if node.tag == f"{_W}instrText" else node.get(f"{_W}instr")
            for m in _FIELD.finditer(instr or ""):
                doc.add_link(m.group(1), "", line)
    for rid, rel in rels.items():  # hyperlinks outside paragraphs (text boxes, shapes) still count
        if rid not in used and len(doc.links) < limits.max_links:
            doc.add_link(rel.target_ref, "", "")


# -- HTML, Markdown, text -----------------------------------------------------------------------------

_BLOCKS = frozenset({"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "header", "footer",
                     "br", "ul", "ol", "table", "dt", "dd", "article", "title", "td"})  # fmt: skip


class _HTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.links: list[tuple[str, list[str], int]] = []
        self._open: list[tuple[str, list[str], int]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self._skip += 1
        elif tag in _BLOCKS:
            self.lines.append("")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self._open.append((href, [], len(self.lines) - 1))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag == "a" and self._open:
            self.links.append(self._open.pop())
        elif tag in _BLOCKS:
            self.lines.append("")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.lines[-1] += data
        for _href, text, _line in self._open:
            text.append(data)


def read_html(text: str) -> Document:
    """Text blocks and ``<a href>`` links of an HTML page."""
    parser = _HTML()
    parser.feed(text)
    parser.close()
    doc = Document(lines=[" ".join(line.split()) for line in parser.lines])
    for href, pieces, line in parser.links:
        doc.add_link(href, "".join(pieces), doc.lines[line] if line < len(doc.lines) else "")
    return doc


_MD_LINK = re.compile(r"\[([^\]\n]{0,300})\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_MD_AUTO = re.compile(r"<((?:https?|mailto|javascript|data|file):[^>\s]+)>", re.I)
_MD_BLOCK = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s*)")
# Emphasis and code marks; an underscore between two letters or digits is part of a word
# ("public_url"), never emphasis (CommonMark, "Emphasis and strong emphasis", rule 2).
_MD_EMPHASIS = re.compile(r"[*`]{1,3}|(?<![^\W_])_{1,3}|_{1,3}(?![^\W_])")


def _strip_marks(line: str) -> str:
    """``line`` without Markdown heading / quote marks and emphasis, except inside the web
    addresses it writes out: "…/badges/<id>/public_url" keeps its underscore, and emphasis
    around an address ("**https://…**") is taken off it."""
    line = _MD_BLOCK.sub("", line)
    out: list[str] = []
    pos = 0
    for m in URL_IN_TEXT.finditer(line):
        url = m.group(0).rstrip("*_`")
        out.append(_MD_EMPHASIS.sub("", line[pos : m.start()]))
        out.append(url)
        pos = m.start() + len(url)
    out.append(_MD_EMPHASIS.sub("", line[pos:]))
    return "".join(out)


def read_markdown(text: str) -> Document:
    """Lines and links of a Markdown (or plain text) résumé."""
    doc = Document()
    for raw in text.splitlines():
        line = _MD_LINK.sub(lambda m: m.group(1), raw)
        line = _MD_AUTO.sub(lambda m: m.group(1), line)
        line = _strip_marks(line).strip()
        for m in _MD_LINK.finditer(raw):
            doc.add_link(m.group(2), m.group(1), line)
        for m in _MD_AUTO.finditer(raw):
            doc.add_link(m.group(1), "", line)
        doc.lines.append(line)
    return doc


def decode_text(data: bytes) -> str:
    """Bytes of a text file as text: UTF-8 (with or without BOM), UTF-16 with a BOM, else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
