"""Résumés as real files: PDFs printed by Chromium, DOCX from python-docx and
from LibreOffice Writer, HTML and Markdown (see fixtures/intake/make.py for
how each fixture was made)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from talent.candidates import Candidate
from talent.intake import extract_files, extract_resume, group_candidates, source_id, to_candidates
from talent.intake.readers import read_pdf

FIX = Path(__file__).parent / "fixtures" / "intake"
CHROMIUM = Path("/usr/bin/chromium")


def _read(name: str) -> bytes:
    return (FIX / name).read_bytes()


def test_chromium_pdf_gives_unicode_name_email_badges_profile_and_unlinked_claims() -> None:
    e = extract_resume("resume_links.pdf", _read("resume_links.pdf"))
    assert e.candidate.name == "Łukasz Żółkiewski-Müller"
    assert e.candidate.email == "lukasz.zolkiewski@example.org"  # from the mailto: link
    kinds = {link.url: (link.kind, link.platform, link.text) for link in e.links}
    assert kinds["https://www.credly.com/badges/0c6f6d7e-5b1a-4c3d-8e9f-0a1b2c3d4e5f/public_url"] == (
        "badge",
        "credly",
        "Credly",  # the visible text is not the URL
    )
    assert kinds["https://badges.northwind.example/assertions/a-1001"][0] == "badge"
    assert kinds["https://www.credly.com/users/lukasz-zolkiewski"][:2] == ("profile", "credly")
    assert kinds["https://github.com/lzm-example"][0] == "other"
    # linked lines are not claims; unlinked ones are, ligatures ("ﬁ") undone
    assert [c.text for c in e.claims] == ["Google Professional Data Engineer (2022)", "Certified Scrum Master"]
    assert e.problems == ()


def test_link_only_pdf_finds_urls_that_exist_only_in_annotations() -> None:
    data = _read("link_only.pdf")
    text = "\n".join(read_pdf(data).lines)
    assert "credly.com" not in text
    assert "credential.net" not in text
    e = extract_resume("link_only.pdf", data)
    assert [(link.url, link.text) for link in e.links] == [
        ("https://www.credly.com/badges/11111111-2222-4333-8444-555555555555", "Verify"),
        ("https://www.credential.net/7d2b5f7a-0d2c-4c1e-9a55-0b6a1f8e9c33", "view credential"),
    ]
    assert e.claims == ()  # "Security+ — Verify": the link on the line makes it verifiable
    assert e.candidate.name == "Amara Okafor"


def test_python_docx_resume_reads_header_tables_hyperlinks_and_refuses_javascript() -> None:
    e = extract_resume("python_docx.docx", _read("python_docx.docx"))
    assert e.candidate.name == "Zoë Ångström-Nuñez"
    assert e.candidate.email == "zoe.angstrom@example.org"  # in the page header
    assert [(link.kind, link.url) for link in e.links] == [
        ("badge", "https://www.credly.com/badges/3f1c2a9e-1111-4a2b-9c3d-4e5f6a7b8c9d"),
        ("badge", "https://badgr.com/public/assertions/AbCdEf123456XyZ"),
        ("profile", "https://www.credly.com/users/zoe-angstrom"),  # inside a table
    ]
    assert [c.text for c in e.claims] == ["ITIL 4 Foundation (2019)"]
    assert len(e.problems) == 1
    assert "javascript:" in e.problems[0]
    assert "not followed" in e.problems[0]


def test_word_processor_docx_reads_like_the_pdf_of_the_same_page() -> None:
    docx = extract_resume("word_processor.docx", _read("word_processor.docx"))
    pdf = extract_resume("word_processor.pdf", _read("word_processor.pdf"))
    assert docx.candidate == pdf.candidate
    assert docx.candidate.name == "Søren Kierkegaard-Jensen"
    assert [link.url for link in docx.links] == [link.url for link in pdf.links]
    assert [link.kind for link in docx.links] == ["badge", "profile"]
    assert [c.text for c in docx.claims] == [c.text for c in pdf.claims] == ["Red Hat Certified System Administrator"]


def test_html_and_markdown_resumes(tmp_path: Path) -> None:
    html = (FIX / "html" / "link_only.html").read_bytes()
    e = extract_resume("cv.html", html)
    assert e.candidate.email == "amara.okafor@example.com"
    assert [link.text for link in e.links] == ["Verify", "view credential"]
    md = (
        "# Jörg Weiß\n\njoerg.weiss@example.de\n\n## Certifications\n\n"
        "- [CKA](https://www.credly.com/badges/11111111-2222-4333-8444-555555555555)\n"
        "- AWS Cloud Practitioner\n- Badge page: https://badgr.com/public/assertions/AbCdEf1234\n"
        "- <javascript:alert(1)>\n\n## Skills\n\nPython\n"
    ).encode()
    m = extract_resume("cv.md", md)
    assert m.candidate.name == "Jörg Weiß"
    assert [link.url for link in m.links] == [
        "https://www.credly.com/badges/11111111-2222-4333-8444-555555555555",
        "https://badgr.com/public/assertions/AbCdEf1234",
    ]
    assert [c.text for c in m.claims] == ["AWS Cloud Practitioner", "javascript:alert(1)"]
    assert any("javascript:" in p for p in m.problems)


def test_two_resumes_with_one_email_are_one_candidate_and_names_alone_never_merge() -> None:
    found = extract_files(
        [("a.pdf", _read("same_email_a.pdf")), ("b.pdf", _read("same_email_b.pdf")), ("c.pdf", _read("link_only.pdf"))]
    )
    assert found[0].candidate.name != found[1].candidate.name
    existing = [Candidate("ats:77", "Amara Okafor", ("someone.else@example.com",))]  # same name, other person
    people = group_candidates(found, existing)
    assert [p.candidate_id for p in people] == ["email:minh.khai@example.org", "email:amara.okafor@example.com"]
    minh = people[0]
    assert minh.sources == ("a.pdf", "b.pdf")
    assert [link.url for link in minh.badge_links()] == [
        "https://badges.northwind.example/assertions/a-2001",
        "https://badges.northwind.example/assertions/a-2002",
    ]
    assert not people[1].existing  # Amara is not ats:77: a name is no identity


def test_resume_matches_an_existing_candidate_by_any_of_their_emails() -> None:
    found = extract_files([("a.pdf", _read("same_email_a.pdf"))])
    existing = [
        Candidate("ats:A9", "Khai N.", ("old@example.net", "minh.khai@example.org"), "A9", ("https://x.example/b",))
    ]
    [person] = group_candidates(found, existing)
    assert person.candidate_id == "ats:A9"
    assert person.existing
    assert person.name == "Khai N."
    [cand] = to_candidates([(person, [link.url for link in person.badge_links()])], existing)
    assert cand.candidate_id == "ats:A9"
    assert cand.ats_id == "A9"
    assert cand.badges == ("https://x.example/b", "https://badges.northwind.example/assertions/a-2001")
    assert cand.emails == ("old@example.net", "minh.khai@example.org")


def test_resume_without_email_is_its_own_candidate() -> None:
    md = b"# Ana Lima\n\n## Badges\n\n- [Cloud](https://badges.northwind.example/assertions/a-3)\n"
    people = group_candidates(extract_files([("x/ana.md", md), ("y/ana.md", md)]))
    assert [p.candidate_id for p in people] == [source_id("x/ana.md"), source_id("y/ana.md")]
    assert all(p.name == "Ana Lima" for p in people)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")
def test_pdf_printed_now_by_chromium_reads_the_same(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    out = tmp_path / "now.pdf"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto((FIX / "html" / "resume_links.html").as_uri())
        page.pdf(path=str(out), format="Letter")
        browser.close()
    now = extract_resume("now.pdf", out.read_bytes())
    kept = extract_resume("resume_links.pdf", _read("resume_links.pdf"))
    assert now.candidate == kept.candidate
    assert [(link.url, link.kind) for link in now.links] == [(link.url, link.kind) for link in kept.links]
    assert now.claims == kept.claims


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice Writer is not installed (soffice)")
def test_docx_converted_now_by_libreoffice_reads_the_same(tmp_path: Path) -> None:
    import subprocess

    src = FIX / "html" / "word_processor.html"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp_path), str(src)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    now = extract_resume("now.docx", (tmp_path / "word_processor.docx").read_bytes())
    kept = extract_resume("word_processor.docx", _read("word_processor.docx"))
    assert (now.candidate, now.links, now.claims) == (kept.candidate, kept.links, kept.claims)


def test_a_link_elsewhere_never_hides_an_unlinked_certification_of_a_similar_name() -> None:
    html = (
        b"<html><body><h1>Kai Example</h1><p><a href='https://github.com/kai'>GitHub</a></p>"
        b"<p><a href='https://www.credly.com/users/kai'>Credly</a></p>"
        b"<h2>Certifications</h2><ul><li>GitHub Foundations</li><li>Credly-issued Cloud Basics</li>"
        b"<li>AWS SAA - <a href='https://www.credly.com/badges/11111111-2222-4333-8444-555555555555'>Credly</a></li>"
        b"</ul></body></html>"
    )
    e = extract_resume("kai.html", html)
    assert [c.text for c in e.claims] == ["GitHub Foundations", "Credly-issued Cloud Basics"]


def test_certifications_listed_on_one_line_are_claims_each() -> None:
    md = (
        b"# Ola Nordmann\n\nola@example.no\n\nCertifications: AWS Cloud Practitioner; CKA, 2021; PMP\n"
        b"Badges: ITIL 4 Foundation, Scrum Master, 2020\n\n## Experience\n\nACME\n"
    )
    assert [c.text for c in extract_resume("ola.md", md).claims] == [
        "AWS Cloud Practitioner", "CKA, 2021", "PMP", "ITIL 4 Foundation", "Scrum Master, 2020",
    ]  # fmt: skip


def test_web_addresses_wrapped_in_a_narrow_pdf_column_are_joined_back() -> None:
    # Printed by Chromium from html/wrapped_urls.html: a 62 mm sidebar where plain-text addresses
    # break anywhere ("https://www.credly.com/badg" / "es/5f0c…"), with no link annotation.
    e = extract_resume("wrapped_urls.pdf", _read("wrapped_urls.pdf"))
    assert (e.candidate.name, e.candidate.email) == ("Noor Haddad", "noor.haddad@example.net")
    assert [(link.url, link.kind) for link in e.links] == [
        ("https://www.credly.com/badges/5f0c2d7e-3b1a-4c8e-9d2f-7a6b5c4d3e2f/public_url", "badge"),
        ("https://www.credly.com/badges/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "badge"),
        ("https://www.credly.com/users/noor-haddad/badges", "profile"),
    ]
    # no piece of an address is taken for a certification; "Profiles" ends the section
    # names wrapped over lines are one item; the two linked ones (their address on the lines
    # below) are not claims, the unlinked one is, whole; "Profiles" ends the section
    assert [c.text for c in e.claims] == ["Google Data Analytics Certificate (no link)"]
    assert e.problems == ()


def test_wrapped_addresses_in_text_are_joined_and_plain_lines_after_an_address_are_not() -> None:
    text = (
        b"Jane Doe\njane@example.org\n\nCertifications\n"
        b"- AWS Certified Solutions Architect https://www.credly.com/badges/1234abcd-12ab-\n"
        b"34cd-56ef-1234567890ab/public_url\n"
        b"- Kubernetes: https://www.credly.com/badges/\n99999999-aaaa-bbbb-cccc-123456789012\n"
        b"- CKAD https://www.credly.com/badges/77777777-8888-4999-aaaa-bb\nbbccccdddd\n"
        b"- Portfolio https://janedoe.example/\nAWS Certified Developer\n"
        b"- Blog https://blog.janedoe.example/\n2021-2023 weekly posts\n"
    )
    e = extract_resume("cv.txt", text)
    assert [link.url for link in e.links] == [
        "https://www.credly.com/badges/1234abcd-12ab-34cd-56ef-1234567890ab/public_url",
        "https://www.credly.com/badges/99999999-aaaa-bbbb-cccc-123456789012",
        "https://www.credly.com/badges/77777777-8888-4999-aaaa-bbbbccccdddd",  # a badge UUID completed
        "https://janedoe.example/",
        "https://blog.janedoe.example/",
    ]
    assert [c.text for c in e.claims] == ["AWS Certified Developer", "2021-2023 weekly posts"]


def test_underscores_in_addresses_survive_markdown_and_text_resumes() -> None:
    md = (
        b"# Jo Park\n\n## Certifications\n\n"
        b"- **AWS SAA** https://www.credly.com/badges/abc/public_url\n"
        b"- _CKA_: **https://www.credly.com/badges/def**\n- Certified_Scrum_Master\n"
    )
    for name in ("cv.md", "cv.txt"):
        e = extract_resume(name, md)
        assert [link.url for link in e.links] == [
            "https://www.credly.com/badges/abc/public_url",  # was ".../publicurl" (emphasis marks taken out)
            "https://www.credly.com/badges/def",
        ]
        assert [c.text for c in e.claims] == ["Certified_Scrum_Master"]


def test_short_certification_lines_stay_separate_items_and_an_address_ends_an_item() -> None:
    from talent.intake.document import claim_lines

    lines = ["Sam Lee", "A line some thirty characters", "Certifications", "AWS SAA", "CKA", "PMP"]
    assert claim_lines(lines) == ["AWS SAA", "CKA", "PMP"]  # "CKA" would have fitted after "AWS SAA"
    lines = [
        "Sam Lee",
        "A line some thirty characters",
        "Certifications",
        "CKA https://www.credly.com/badges/11111111-2222-4333-8444-555555555555",
        "AWS Solutions Architect",
        "- Certified Information Systems",
        "- Security Professional",
    ]
    assert claim_lines(lines)[1:] == [
        "AWS Solutions Architect",  # not taken into the linked item above it
        "Certified Information Systems",  # a bullet starts an item
        "Security Professional",
    ]
