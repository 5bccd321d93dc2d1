"""End to end in a real browser: Debian's Chromium (never a downloaded browser) driven by Playwright.

The test starts ``streamlit run dashboard.py`` itself on a free port with a
temporary data directory and offline verification, then: opens the start
page (the sample workspace loads on first launch), uploads the ATS export on
Import, runs Verify, sees the coverage heatmap, downloads the shortlist CSV
and checks its contents. It saves a 1280×800 screenshot of every page into
``docs/screenshots/`` (the README shows them).

Without ``/usr/bin/chromium`` the test is skipped with the reason, unless
``SKILLPROOF_REQUIRE_E2E=1`` (CI), where it fails instead.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.browser import axe_problems, charts, chromium_page, dashboard, require_browser, settle
from tests.conftest import ROOT

SHOTS = ROOT / "docs" / "screenshots"

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A dashboard server on a free port with a fresh data directory; yields its base URL."""
    require_browser()
    with dashboard(tmp_path_factory.mktemp("e2e-data")) as base:
        yield base


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)  # type: ignore[attr-defined]


def test_upload_verify_heatmap_and_download_in_chromium(server: str) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    with chromium_page(downloads=True) as page:
        # Start: the sample workspace is loaded and verified on first launch.
        page.goto(server + "/")
        expect(page.get_by_text("Next step")).to_be_visible()
        settle(page)
        expect(page.get_by_text("single-user mode", exact=False).first).to_be_visible()
        charts(page)
        _shot(page, "01-start")

        # Import: upload the ATS export; the mapping and the preview appear.
        page.goto(server + "/Import")
        settle(page)
        page.locator("input[type=file]").first.set_input_files(str(ROOT / "sample_data" / "candidates.csv"))
        expect(page.get_by_text("Column mapping", exact=False)).to_be_visible()
        settle(page)
        _shot(page, "02-import")
        page.get_by_role("button", name="Import candidates").click()
        expect(page.get_by_text("Imported", exact=False).first).to_be_visible()
        settle(page)

        # Verify: the links just imported are queued again; run and wait for the end.
        page.goto(server + "/Verify")
        settle(page)
        start = page.get_by_role("button", name="queued badge")
        queued = int(re.search(r"Verify (\d+) queued", start.inner_text()).group(1))  # type: ignore[union-attr]
        start.click()
        expect(page.get_by_text(f"{queued} of {queued} badges checked — finished")).to_be_visible(timeout=120_000)
        expect(page.get_by_role("button", name="Nothing queued")).to_be_visible()
        settle(page)
        _shot(page, "03-verify")

        # Results.
        page.goto(server + "/Results")
        settle(page)
        expect(page.get_by_text("Colours and symbols", exact=False)).to_be_visible()
        charts(page)
        _shot(page, "04-results")
        # show the failed badges and select the first: its drill-down lists every check and the reason
        page.locator('[data-testid="stMultiSelect"]').first.click()
        page.get_by_role("option", name="✖ Failed").click()
        page.keyboard.press("Escape")
        expect(page.get_by_text("19 of 132 badges", exact=False)).to_be_visible()
        settle(page)
        page.locator('[data-testid="stDataFrame"]').first.scroll_into_view_if_needed()
        grid = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
        assert grid is not None
        page.mouse.click(grid["x"] + 18, grid["y"] + 53)
        checks = page.get_by_text("Technical checks", exact=False).first
        expect(checks).to_be_visible()
        settle(page)
        page.get_by_text("Recipient", exact=True).scroll_into_view_if_needed()
        assert not axe_problems(page), "Results with a badge's drill-down open"
        _shot(page, "04b-result-detail")

        # Issuers: every level of the sample, the impersonator marked.
        page.goto(server + "/Issuers")
        settle(page)
        expect(page.get_by_text("issuers: 1 ◆ registry", exact=False)).to_be_visible()
        _shot(page, "04c-issuers")

        # Roles.
        page.goto(server + "/Roles")
        settle(page)
        _shot(page, "05-roles")

        # Coverage: the heatmap is drawn.
        page.goto(server + "/Coverage")
        settle(page)
        charts(page, 3)
        expect(page.locator(".js-plotly-plot").first).to_be_visible()
        expect(page.locator(".js-plotly-plot .heatmaplayer, .js-plotly-plot .hm").first).to_be_attached()
        _shot(page, "06-coverage")

        # Compare: open one requirement's evidence.
        page.goto(server + "/Compare")
        settle(page)
        charts(page)
        page.get_by_text("Terraform (must-have)", exact=False).click()
        expect(page.locator("details[open]").get_by_text("Why it does not count").first).to_be_visible()
        assert not axe_problems(page), "Compare with a requirement's evidence open"
        page.get_by_role("heading", name="Compare", level=1).scroll_into_view_if_needed()
        _shot(page, "07-compare")

        # Shortlist: download the CSV and read it.
        page.goto(server + "/Shortlist")
        settle(page)
        _shot(page, "08-shortlist")
        with page.expect_download() as info:
            page.get_by_role("button", name="Download CSV").click()
        download = info.value
        text = Path(download.path()).read_text(encoding="utf-8-sig")

    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, "the shortlist CSV has rows"
    assert {"candidate", "score", "requirement"} <= set(rows[0])
    assert len({r["candidate"] for r in rows}) == 3  # the top three are picked by default
    assert any(r["verification_status"] == "verified" and r["counts"].lower() == "true" for r in rows)
