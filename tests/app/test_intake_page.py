"""The Import page's "Résumés and profiles" section on the sample workspace, offline: drop the
sample résumés and LinkedIn export, preview per candidate, queue the ticked badges, verify them."""

from __future__ import annotations

import json
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app.conftest import DASHBOARD
from ui.verification import SAMPLE_DIR

RESUMES = SAMPLE_DIR / "resumes"


def _import_page() -> AppTest:
    at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run()
    return at.switch_page("pages/1_Import.py").run()


def test_resumes_preview_and_queue_then_verify(sample_workspace: Path) -> None:
    from ui.runs import job_progress, start_run
    from ui.workspace import pending_count, workspace

    before = {c.candidate_id: c for c in workspace().candidates()}
    pending_before = pending_count()
    at = _import_page()
    files = [(p.name, p.read_bytes(), "application/octet-stream") for p in sorted(RESUMES.iterdir())
             if p.suffix in (".pdf", ".docx", ".zip")]  # fmt: skip
    broken = ("broken.pdf", b"%PDF-1.7 not really", "application/pdf")
    at.file_uploader(key="intake_files").set_value([*files, broken]).run()
    assert [e.value for e in at.exception] == []
    assert any("1 source could not be read" in w.value for w in at.warning)
    # one preview per candidate, the ATS candidate matched by email
    titles = [e.label for e in at.expander]
    assert len(titles) == 4
    assert sum("already in the workspace" in t for t in titles) == 1
    assert any("Claimed, no verifiable credential" in m.value for m in at.markdown)
    queue = at.button(key="intake_queue")
    assert queue.label == "Queue 10 badge links for verification"
    at.button(key="intake_queue").click().run()
    assert [e.value for e in at.exception] == []
    assert any("Queued 10 badge links for 4 candidates (3 new)" in s.value for s in at.success)
    assert pending_count() == pending_before + 10
    after = {c.candidate_id: c for c in workspace().candidates()}
    assert len(after) == len(before) + 3
    matched = [cid for cid in before if len(after[cid].badges) > len(before[cid].badges)]
    assert len(matched) == 1 and matched[0].startswith("ats:")  # noqa: PT018
    start_run()
    deadline = time.monotonic() + 60
    progress = job_progress()
    while progress is not None and not progress.finished and time.monotonic() < deadline:
        time.sleep(0.2)
        progress = job_progress()
    assert progress is not None and progress.finished  # noqa: PT018
    assert pending_count() == 0
    assert (progress.total, progress.verified) == (10, 10)


def test_pasted_profile_link_for_a_new_candidate(empty_workspace: Path) -> None:
    from ui.workspace import workspace

    at = _import_page()
    at.text_area(key="intake_links").input("https://www.credly.com/users/tomasz-wojcik").run()
    at.text_input(key="intake_links_name").input("Tomasz Wójcik").run()
    at.text_input(key="intake_links_email").input("tomasz.wojcik@example.com").run()
    assert [e.value for e in at.exception] == []
    assert at.button(key="intake_queue").label == "Queue 3 badge links for verification"
    at.button(key="intake_queue").click().run()
    [cand] = workspace().candidates()
    assert cand.candidate_id == "email:tomasz.wojcik@example.com"
    assert len(cand.badges) == 3


def test_pasted_profile_link_for_an_existing_candidate(sample_workspace: Path) -> None:
    from ui.workspace import workspace

    [who] = [c for c in workspace().candidates() if "delphine.corbel@example.com" in c.emails]
    count = len(workspace().candidates())
    at = _import_page()
    at.text_area(key="intake_links").input("https://www.credly.com/users/delphine-corbel").run()
    at.selectbox(key="intake_links_for").select(who.candidate_id).run()
    assert [e.value for e in at.exception] == []
    labels = [e.label for e in at.expander]
    assert len(labels) == 1
    assert "already in the workspace" in labels[0]
    at.button(key="intake_queue").click().run()
    [after] = [c for c in workspace().candidates() if c.candidate_id == who.candidate_id]
    listing = SAMPLE_DIR / "issuers" / "www.credly.com" / "users" / "delphine-corbel" / "badges.json"
    listed = {f"https://www.credly.com/badges/{b['id']}" for b in json.loads(listing.read_text())["data"]}
    assert len(listed) == 2
    assert listed <= set(after.badges)  # the badges the profile lists, added to the matched candidate
    assert len(workspace().candidates()) == count  # matched, not a new candidate
