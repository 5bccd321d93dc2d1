"""Résumé intake speed: N two-page résumés (PDF and DOCX) read by ``talent.intake``.

    python bench/intake_resumes.py                      # 200 résumés: 160 PDFs printed by Chromium, 40 DOCX
    python bench/intake_resumes.py --count 20 --writer fpdf2

The résumés are made first (not timed): each is a two-page HTML résumé with a
name, an email, hyperlinked badges (anchor text "Credly", "verify" or the
badge's name), a profile link and unlinked certifications, printed to PDF by
Chromium (``--writer chromium``, the default; ``/usr/bin/chromium`` through
Playwright) or written by fpdf2 (``--writer fpdf2``), and every fifth one
written as DOCX by python-docx with hyperlink relationships. Then every
résumé is extracted in one process, one after the other, as the Import page
does; the summary gives the wall time, the CPU time, per-file times and what
was found (so a fast run that found nothing does not pass unseen). A second
pass reads them on ``--workers`` processes (``python -m talent extract
--workers N``), start-up included. The target is 200 résumés in under 20 s on the
development VM (bench/README.md).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import machine, print_summary

from talent.intake import extract_resume
from talent.intake.sources import extract_each

CHROMIUM = Path("/usr/bin/chromium")
FIRST = ["Ada", "Łukasz", "Zoë", "Amara", "Søren", "Inès", "Minh", "Priya", "Jörg", "Aoife"]
LAST = [
    "Lovelace",
    "Żółkiewski",
    "Ångström",
    "Okafor",
    "Kierkegaard",
    "Moreau",
    "Nguyễn",
    "Raman",
    "Weiß",
    "Ní Bhriain",
]
FILLER = (
    "Led a team of four engineers that moved nightly batch jobs to an event-driven design, cut the "
    "time to insight from a day to minutes and kept the on-call load flat while traffic tripled."
)


def resume(i: int) -> tuple[str, str, list[tuple[str, str | None]], list[str]]:
    """(name, email, certification lines with an optional link, experience paragraphs) of résumé i."""
    first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
    email = f"person{i:04d}@example.org"
    certs: list[tuple[str, str | None]] = [
        (f"Cloud Practitioner {i}", f"https://www.credly.com/badges/{i:08x}-0000-4000-8000-{i:012x}"),
        (f"Data Quality Practitioner {i}", f"https://badges.northwind.example/assertions/r{i:04d}"),
        ("Certified Scrum Master", None),
        (f"All my badges (profile {i})", f"https://www.credly.com/users/person-{i:04d}"),
        ("ITIL 4 Foundation", None),
    ]
    jobs = [f"Company {j} — engineer, {2010 + j}–{2012 + j}. {FILLER} {FILLER}" for j in range(12)]
    return f"{first} {last}", email, certs, jobs


def html(i: int) -> str:
    name, email, certs, jobs = resume(i)
    items = "".join(
        f'<li>{text} (<a href="{url}">{"Credly" if "credly" in url else "verify"}</a>)</li>'
        if url
        else f"<li>{text}</li>"
        for text, url in certs
    )
    paras = "".join(f"<p>{j}</p>" for j in jobs)
    return (
        '<!doctype html><html><head><meta charset="utf-8"><style>body{font-family:"DejaVu Sans",sans-serif;'
        f'font-size:11pt;margin:1.8cm}}</style></head><body><h1>{name}</h1><p><a href="mailto:{email}">{email}</a>'
        f"</p><h2>Experience</h2>{paras}<h2>Certifications</h2><ul>{items}</ul><h2>Education</h2>"
        "<p>MSc Computer Science</p></body></html>"
    )


def chromium_pdfs(indices: list[int]) -> dict[int, bytes]:
    from playwright.sync_api import sync_playwright

    out: dict[int, bytes] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        for i in indices:
            page.set_content(html(i))
            out[i] = page.pdf(format="A4")
        browser.close()
    return out


def fpdf2_pdf(i: int) -> bytes:
    from fpdf import FPDF

    name, email, certs, jobs = resume(i)
    pdf = FPDF(format="A4")
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    family = "Helvetica"
    if font.exists():
        pdf.add_font("DejaVu", fname=str(font))
        family = "DejaVu"
    pdf.add_page()
    pdf.set_font(family, size=18)
    pdf.cell(text=name if family == "DejaVu" else f"Person {i}")
    pdf.ln(10)
    pdf.set_font(family, size=11)
    pdf.cell(text=email, link=f"mailto:{email}")
    pdf.ln(8)
    pdf.cell(text="Experience")
    pdf.ln(7)
    for j in jobs:
        text = j if family == "DejaVu" else j.encode("latin-1", "replace").decode("latin-1")
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text="Certifications")
    pdf.ln(7)
    for text, url in certs:
        pdf.cell(pdf.get_string_width(text) + 2, 6, text)
        if url:
            pdf.cell(20, 6, "Credly" if "credly" in url else "verify", link=url)
        pdf.ln(6)
    return bytes(pdf.output())


def docx(i: int) -> bytes:
    import docx as python_docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    name, email, certs, jobs = resume(i)
    d = python_docx.Document()
    d.add_heading(name, level=0)
    d.add_paragraph(email)
    d.add_heading("Experience", level=1)
    for j in jobs:
        d.add_paragraph(j)
    d.add_heading("Certifications", level=1)
    for text, url in certs:
        p = d.add_paragraph(text + (" — " if url else ""), style="List Bullet")
        if url:
            link = OxmlElement("w:hyperlink")
            link.set(qn("r:id"), p.part.relate_to(url, RT.HYPERLINK, is_external=True))
            run = OxmlElement("w:r")
            t = OxmlElement("w:t")
            t.text = "Credly" if "credly" in url else "verify"
            run.append(t)
            link.append(run)
            p._p.append(link)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--writer", choices=("chromium", "fpdf2"), default="chromium")
    parser.add_argument("--keep", metavar="DIR", help="also write the résumés to DIR")
    parser.add_argument("--workers", type=int, default=2, help="processes for the parallel pass (1: serial only)")
    args = parser.parse_args()
    docx_ids = [i for i in range(args.count) if i % 5 == 4]
    pdf_ids = [i for i in range(args.count) if i % 5 != 4]
    made = time.perf_counter()
    if args.writer == "chromium":
        if not CHROMIUM.exists():
            sys.exit("no /usr/bin/chromium: use --writer fpdf2")
        pdfs = chromium_pdfs(pdf_ids)
    else:
        pdfs = {i: fpdf2_pdf(i) for i in pdf_ids}
    files = [(f"r{i:04d}.pdf", pdfs[i]) for i in pdf_ids] + [(f"r{i:04d}.docx", docx(i)) for i in docx_ids]
    made = time.perf_counter() - made
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        for name, data in files:
            (Path(args.keep) / name).write_bytes(data)
    from pypdf import PdfReader

    pages = sum(len(PdfReader(io.BytesIO(data)).pages) for name, data in files if name.endswith(".pdf"))
    times: list[float] = []
    found = {"links": 0, "claims": 0, "emails": 0, "problems": 0}
    cpu = time.process_time()
    wall = time.perf_counter()
    for name, data in files:
        t = time.perf_counter()
        e = extract_resume(name, data)
        times.append(time.perf_counter() - t)
        found["links"] += len(e.links)
        found["claims"] += len(e.claims)
        found["emails"] += bool(e.candidate.email)
        found["problems"] += len(e.problems)
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    ms = sorted(t * 1000 for t in times)
    parallel = None
    if args.workers > 1:
        started = time.perf_counter()  # process start-up (spawn, imports) included
        again = [e for found in extract_each(files, workers=args.workers) for e in found]
        parallel = {
            "workers": args.workers,
            "extract_seconds": round(time.perf_counter() - started, 3),
            "same_result": sum(len(e.links) for e in again) == found["links"],
        }
    print_summary(
        {
            "benchmark": "intake_resumes",
            "machine": machine(),
            "writer": args.writer,
            "resumes": len(files),
            "pdf": len(pdf_ids),
            "docx": len(docx_ids),
            "pdf_pages": pages,
            "generation_seconds": round(made, 2),
            "extract_seconds": round(wall, 3),
            "extract_cpu_seconds": round(cpu, 3),
            "per_file_ms": {
                "p50": round(statistics.median(ms), 1),
                "p95": round(ms[max(0, int(len(ms) * 0.95) - 1)], 1),
                "max": round(ms[-1], 1),
            },
            "found": found,
            "parallel": parallel,
            "target": "200 two-page résumés in under 20 s",
        }
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        main()
