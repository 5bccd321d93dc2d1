"""LinkedIn's export, profile expansion through intake, and ``python -m talent extract``."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from talent.cli import main
from talent.intake import expand_sync, extract_files, extract_links
from tests.support.mock import streamed

FIX = Path(__file__).parent / "fixtures" / "intake"
LI = FIX / "linkedin"


def test_linkedin_export_zip_gives_person_badges_profiles_and_claims() -> None:
    [e] = extract_files([("export.zip", (FIX / "linkedin_export.zip").read_bytes())])
    assert e.kind == "linkedin"
    assert (e.candidate.name, e.candidate.email) == ("Renée Doe-Ødegård", "renee.doe@example.org")  # the primary one
    assert [(link.kind, link.url) for link in e.links] == [
        ("badge", "https://www.credly.com/badges/2b3c4d5e-6f70-4182-9a3b-4c5d6e7f8091"),
        ("profile", "https://www.credly.com/users/renee-doe"),
        ("badge", "https://example.com/certs/cloud-architecture"),  # the member's credential URL, whatever the host
    ]
    assert e.links[0].text == "AWS Certified Solutions Architect – Associate"
    assert [c.text for c in e.claims] == ["Scrum Master, Professional (PSM I) — Scrum.org", "Unsafe Cert — Evil Corp"]
    assert e.problems == ('a javascript: link ("Unsafe Cert") was not followed: javascript:alert(1)',)


def test_loose_linkedin_csvs_are_read_together_as_one_source() -> None:
    files = [(p.name, p.read_bytes()) for p in sorted(LI.iterdir())]
    [e] = extract_files(files)
    assert e.candidate.email == "renee.doe@example.org"
    assert len(e.links) == 3


def test_certifications_csv_alone_and_without_header() -> None:
    [alone] = extract_files([("Certifications.csv", (LI / "Certifications.csv").read_bytes())])
    assert alone.candidate.name == ""
    assert len(alone.links) == 3
    [bad] = extract_files([("Certifications.csv", b"Title,Link\nx,https://a.example/b\n")])
    assert "no header row with the columns name, url" in bad.problems[0]


def _credly(request: httpx.Request) -> httpx.Response:
    doc = json.loads((Path(__file__).parents[1] / "fixtures" / "profiles" / "credly_badges.json").read_text())
    if request.url.path == "/users/nobody/badges.json":
        return streamed(404, "not found")
    return streamed(200, json.dumps(doc), {"content-type": "application/json"})


def test_expansion_replaces_profiles_by_their_badges_and_keeps_where_they_came_from() -> None:
    sources = extract_files([("export.zip", (FIX / "linkedin_export.zip").read_bytes())])
    sources.append(extract_links("https://www.credly.com/users/nobody https://badgr.com/public/assertions/AbCdEf1234"))
    [li, pasted] = expand_sync(sources, transport=httpx.MockTransport(_credly))
    listed = [link for link in li.links if link.from_profile]
    assert [(link.url, link.kind, link.from_profile) for link in listed] == [
        (
            "https://www.credly.com/badges/5f1e2d3c-4b5a-4697-8877-665544332211",
            "badge",
            "https://www.credly.com/users/renee-doe",
        )
    ]
    assert all(link.kind != "profile" for link in li.links)
    # a profile that cannot be listed stays, with an error naming the platform
    assert [link.kind for link in pasted.links] == ["profile", "badge"]
    assert pasted.problems == (
        "Credly profile could not be listed: not found or not public (https://www.credly.com/users/nobody/badges.json)",
    )


def test_cli_prints_one_json_object_per_source_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["extract", str(FIX / "resume_links.pdf"), str(FIX / "missing.pdf"), str(FIX / "python_docx.docx"),
               "https://www.credly.com/users/jane", "--json"])  # fmt: skip
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rc == 1  # one source could not be read
    assert [d["source"] for d in lines] == [
        str(FIX / "resume_links.pdf"),
        str(FIX / "missing.pdf"),
        str(FIX / "python_docx.docx"),
        "https://www.credly.com/users/jane",
    ]
    first = lines[0]
    assert set(first) == {"source", "candidate", "links", "claims", "problems"}
    assert first["candidate"] == {"name": "Łukasz Żółkiewski-Müller", "email": "lukasz.zolkiewski@example.org"}
    assert {"url", "platform", "kind", "from_profile"} <= set(first["links"][0])
    assert lines[1]["problems"][0].startswith("cannot be read")
    assert lines[3]["links"][0]["kind"] == "profile"


def test_cli_expand_with_offline_issuers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = tmp_path / "issuers" / "www.credly.com" / "users" / "jane" / "badges.json"
    listing.parent.mkdir(parents=True)
    listing.write_bytes((Path(__file__).parents[1] / "fixtures" / "profiles" / "credly_badges.json").read_bytes())
    rc = main(["extract", "https://www.credly.com/users/jane", "--expand", "--json",
               "--offline-issuers", str(tmp_path / "issuers")])  # fmt: skip
    [line] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert rc == 0
    assert line["links"] == [
        {
            "url": "https://www.credly.com/badges/5f1e2d3c-4b5a-4697-8877-665544332211",
            "platform": "credly",
            "kind": "badge",
            "from_profile": "https://www.credly.com/users/jane",
        }
    ]


def test_cli_readable_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(FIX / "link_only.pdf")]) == 0
    out = capsys.readouterr().out
    assert "Amara Okafor <amara.okafor@example.com>" in out
    assert "badge   credly" in out


def test_other_tables_are_not_read_as_resumes() -> None:
    [e] = extract_files([("candidates.csv", b"Name,Email\nAda,ada@example.org\n")])
    assert not e.readable
    assert "a table is not a résumé" in e.problems[0]


def test_links_typed_without_a_scheme_are_taken_as_https() -> None:
    csv_text = (
        "Name,Url,Authority,Started On,Finished On,License Number\n"
        "CKA,credly.com/badges/11111111-2222-4333-8444-555555555555,CNCF,,,\n"
        "Terraform,www.credly.com/badges/99999999-8888-4777-8666-555555555555,HashiCorp,,,\n"
        "Local,files/cert.pdf,Someone,,,\n"
    )
    [e] = extract_files([("Certifications.csv", csv_text.encode())])
    assert [link.url for link in e.links] == [
        "https://credly.com/badges/11111111-2222-4333-8444-555555555555",
        "https://www.credly.com/badges/99999999-8888-4777-8666-555555555555",
    ]
    assert [c.text for c in e.claims] == ["Local — Someone"]  # a relative path is no link to follow
