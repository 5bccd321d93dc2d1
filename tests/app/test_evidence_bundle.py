"""A shortlist's evidence bundle from the workspace: stored documents, re-verified offline, tampering seen."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from talent.bundles import shortlist_bundle
from talent.shortlist import Shortlist
from ui.verification import sample_hosts
from ui.workspace import workspace
from verifier.bundle import Bundle, reverify

ROOT = Path(__file__).resolve().parents[2]


def _bundle(tmp_path: Path) -> tuple[Path, str, int]:
    ws = workspace()
    candidates = sorted({c.candidate_id for c in ws.candidates()})[:4]
    role = ws.roles()[0]
    made = shortlist_bundle(
        ws,
        Shortlist("Evidence test", role.role_id, tuple(candidates)),
        role,
        verifies_tls=False,
        vouched_hosts=sample_hosts(),
    )
    path = tmp_path / made.filename
    path.write_bytes(made.content)
    return path, made.manifest_sha256, made.badges


def test_the_workspace_keeps_every_fetched_document_with_its_hash(sample_workspace: Path) -> None:
    ws = workspace()
    ids = [rid for rid, _ in ws.latest_result_ids([c.candidate_id for c in ws.candidates()])]
    kept = [ws.result_documents(rid) for rid in ids]
    # the sample's linked badges fetch their assertion, class and issuer: every one of them is kept
    assert sum(1 for docs in kept if docs) >= len(ids) // 2
    for docs in kept:
        for doc in docs:
            assert len(doc.sha256) == 64
            assert doc.content or doc.status >= 400  # an error status is kept as answered, without a body


def test_a_bundle_made_today_reverifies_identically_offline(sample_workspace: Path, tmp_path: Path) -> None:
    path, digest, count = _bundle(tmp_path)
    bundle = Bundle.open(path)
    assert bundle.problems == []
    assert len(bundle.badges) == count > 0
    manifest = zipfile.ZipFile(path).read("manifest.sha256").decode()
    assert manifest.startswith(digest)

    async def again() -> list:
        return [r async for r in reverify(bundle, now=bundle.now)]

    redone = asyncio.run(again())
    assert [r.changed for r in redone] == [() for _ in redone]
    assert [r.result.status for r in redone] == [b.recorded.status for b in bundle.badges if b.recorded]
    names = set(zipfile.ZipFile(path).namelist())
    assert {"role.json", "shortlist.json", "report.html", "policy/registries.json"} <= names
    # the report links every claim to its files, and each link is a file of the bundle
    report = zipfile.ZipFile(path).read("report.html").decode()
    for badge in bundle.manifest["badges"]:
        assert f'href="{badge["result_file"]}"' in report
    for href in __import__("re").findall(r'href="([^"]+)"', report):
        assert href in names


def test_the_command_line_reverifies_an_exported_bundle(sample_workspace: Path, tmp_path: Path) -> None:
    path, _, count = _bundle(tmp_path)
    now = Bundle.open(path).now
    assert now is not None
    done = subprocess.run(
        [sys.executable, "-m", "verifier", "verify", "--bundle", str(path), "--now", now.isoformat(), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [json.loads(x) for x in done.stdout.splitlines() if x.strip()]
    assert len(lines) == count, done.stderr
    assert all(line["changed"] == [] for line in lines)


def test_a_tampered_document_in_an_exported_bundle_is_reported(sample_workspace: Path, tmp_path: Path) -> None:
    path, _, _ = _bundle(tmp_path)
    source = zipfile.ZipFile(path)
    victim = next(n for n in source.namelist() if n.startswith("documents/") and b"a" in source.read(n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, data.replace(b"a", b"b", 1) if info.filename == victim else data)
    bad = tmp_path / "tampered.zip"
    bad.write_bytes(out.getvalue())
    bundle = Bundle.open(bad)
    assert any(victim in p for p in bundle.problems)
    url = next(d["url"] for d in bundle.manifest["documents"] if d["file"] == victim)
    hit = [b for b in bundle.badges if b.problems]
    assert hit
    assert all(any(url in p and "altered" in p for p in b.problems) for b in hit)
    assert all(not b.problems for b in bundle.badges if url not in {k[0] for k in b.documents})


def test_the_shortlist_page_offers_the_bundle_and_the_download_is_logged_with_its_manifest_hash(
    sample_workspace: Path,
) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import DASHBOARD
    from ui.coverage import coverage_view
    from ui.report import evidence_bundle, log_export
    from ui.workspace import audit_frame

    view = coverage_view("data-analyst")
    picked = tuple(view.ranked["candidate_id"].head(2))
    made = evidence_bundle("Analysts", "data-analyst", picked)
    assert made.badges > 0
    assert made.filename.endswith(".zip")
    log_export("Analysts", made.filename, "evidence bundle", "data-analyst", picked, made.manifest_sha256)
    line = audit_frame(limit=1).iloc[0]
    assert line["action"] == "exported"
    assert made.manifest_sha256 in line["detail"]
    at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run().switch_page("pages/7_Shortlist.py").run()
    assert not at.exception
    captions = " ".join(str(c.value) for c in at.markdown)
    assert "python -m verifier verify --bundle" in captions


def test_the_html_report_says_each_badge_result_in_words(sample_workspace: Path) -> None:
    from ui.coverage import coverage_view, report_at
    from ui.report import evidence_identity_table, html_report
    from ui.workspace import names_at, revision, url

    view = coverage_view("data-analyst")
    picked = tuple(view.ranked["candidate_id"].head(3))
    table = evidence_identity_table(report_at(url(), revision()), "data-analyst", picked, names_at(url(), revision()))
    assert len(table) > 0
    assert (table["verification"].str.len() > 10).all()
    html = html_report("Analysts", "data-analyst", picked).content.decode("utf-8")
    import html as markup

    for sentence in table["verification"]:
        assert sentence in html or markup.escape(sentence) in html or markup.escape(sentence, quote=False) in html


def test_the_drill_down_reads_what_each_badge_says_from_what_the_workspace_kept(sample_workspace: Path) -> None:
    from talent.evidence import stored_evidence
    from ui.workspace import results_frame

    ws = workspace()
    frame = results_frame()
    seen = set()
    for _, row in frame.iterrows():
        kind = "link" if str(row["input"]).startswith("https://") else str(row["input"]).rsplit(".", 1)[-1].lower()
        if kind in seen or str(row["status"]) != "verified":
            continue
        seen.add(kind)
        found = stored_evidence(ws, int(row["result_id"]))
        assert found.details is not None, (kind, found.missing)
        assert found.details.criteria is not None
        assert found.details.criteria.narrative
        assert found.details.criteria.narrative.startswith("Completed the ")
    # links (documents kept at verification), JSON, JWS, JWT, PNG and SVG files
    assert {"link", "json", "jws", "jwt", "png", "svg"} <= seen


def test_a_badge_checked_before_documents_were_kept_says_so(sample_workspace: Path) -> None:
    from sqlalchemy import text

    from talent.evidence import stored_evidence
    from ui.workspace import results_frame

    ws = workspace()
    frame = results_frame()
    link = frame[frame["input"].str.startswith("https://")].iloc[0]
    rid = int(link["result_id"])
    with ws.engine.begin() as c:
        kept = c.execute(text("select * from result_documents where result_id = :r"), {"r": rid}).mappings().all()
        c.execute(text("delete from result_documents where result_id = :r"), {"r": rid})
    try:
        found = stored_evidence(ws, rid)
        assert found.details is None
        assert "re-check" in found.missing
    finally:
        with ws.engine.begin() as c:
            for row in kept:
                c.execute(
                    text(
                        "insert into result_documents (result_id, position, url, accept, final_url, redirects,"
                        " status, content_type, sha256) values (:result_id, :position, :url, :accept, :final_url,"
                        " :redirects, :status, :content_type, :sha256)"
                    ),
                    {**row, "redirects": __import__("json").dumps(row["redirects"])},
                )


def test_a_bundle_handed_to_the_app_is_checked_again_and_bad_ones_get_clear_errors(
    sample_workspace: Path, tmp_path: Path
) -> None:
    from talent.bundles import check_bundle
    from verifier.bundle import BundleLimits

    path, _, count = _bundle(tmp_path)
    good = path.read_bytes()
    found = check_bundle(good)
    assert found.error == ""
    assert found.problems == ()
    assert len(found.rows) == count
    assert all(r["changed"] == "" for r in found.rows)
    assert all(r["in words"] for r in found.rows)
    # not a ZIP
    assert "not a readable ZIP" in check_bundle(b"hello").error
    # a path escaping the archive is refused and reported, the rest still used
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        target.writestr("../../etc/evil.txt", b"x")
    escaping = check_bundle(out.getvalue())
    assert escaping.error == ""
    assert any("escapes the archive" in p for p in escaping.problems)
    assert len(escaping.rows) == count
    # an archive past the caps is refused with its reason
    tight = check_bundle(good, limits=BundleLimits(max_entries=3))
    assert "more than 3 entries" in tight.error
    small = check_bundle(good, limits=BundleLimits(max_file_bytes=64))
    assert small.error or small.problems


def test_compare_shows_what_each_candidates_badges_say(sample_workspace: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import DASHBOARD

    at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run().switch_page("pages/6_Compare.py").run()
    assert not at.exception
    assert "What their badges say" in [h.value for h in at.header]
    shown = " ".join(str(m.value) for m in at.markdown)
    assert "Evidence the issuer attached" in shown or "How it is earned" in shown or "Aligned to" in shown
