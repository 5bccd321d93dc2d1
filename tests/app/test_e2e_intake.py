"""End to end in a real browser (Debian's Chromium, Playwright): the Import page's "Résumés and
profiles" section reads the sample résumés and LinkedIn export, previews them per candidate and
queues the ticked badges. Saves ``docs/screenshots/02b-import-resumes.png``.

Skipped without ``/usr/bin/chromium`` unless ``SKILLPROOF_REQUIRE_E2E=1`` (CI), where it fails.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.app.browser import chromium_page, dashboard, require_browser, settle
from tests.conftest import ROOT

RESUMES = ROOT / "sample_data" / "resumes"
SHOTS = ROOT / "docs" / "screenshots"

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_browser()
    with dashboard(tmp_path_factory.mktemp("e2e-intake")) as base:
        yield base


def test_resumes_are_previewed_per_candidate_and_queued_in_chromium(server: str) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    files = [str(p) for p in sorted(RESUMES.iterdir()) if p.suffix in (".pdf", ".docx", ".zip")]
    with chromium_page() as page:
        page.goto(server + "/Import")
        settle(page)
        page.locator("input[type=file]").nth(2).set_input_files(files)  # ATS, badge files, résumés
        queue = page.get_by_role("button", name="Queue 10 badge links for verification")
        expect(queue).to_be_visible()
        settle(page)
        expect(page.get_by_text("already in the workspace", exact=False)).to_have_count(1)
        expect(page.get_by_text("Claimed, no verifiable credential", exact=False).first).to_be_visible()
        # the per-source lines and the first candidates' previews in view
        page.get_by_text("already in the workspace", exact=False).scroll_into_view_if_needed()
        page.mouse.wheel(0, 250)
        settle(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "02b-import-resumes.png"), full_page=False)
        queue.click()
        expect(page.get_by_text("Queued 10 badge links for 4 candidates (3 new)", exact=False)).to_be_visible()
