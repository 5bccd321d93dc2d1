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
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _require_browser() -> None:
    required = os.environ.get("SKILLPROOF_REQUIRE_E2E") == "1"
    reason = None
    if not CHROMIUM.exists():
        reason = "Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if reason:
        if required:
            pytest.fail(f"SKILLPROOF_REQUIRE_E2E=1 but {reason}")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A dashboard server on a free port with a fresh data directory; yields its base URL."""
    _require_browser()
    data = tmp_path_factory.mktemp("e2e-data")
    port = _free_port()
    env = {**os.environ, "SKILLPROOF_DATA_DIR": str(data), "SKILLPROOF_OFFLINE": "1"}
    env.pop("SKILLPROOF_NO_SAMPLE", None)
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "dashboard.py",
            "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("the dashboard did not start:\n" + (data / "server.log").read_text()[-3000:])
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _settle(page: object) -> None:
    """Wait until Streamlit has finished running the script (no 'running' indicator)."""
    p = page  # typed loosely: playwright is imported lazily
    p.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    p.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    p.wait_for_function(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
        ".every(c => c.querySelector('.main-svg'))",
        timeout=30_000,
    )
    p.wait_for_timeout(600)  # type: ignore[attr-defined]


def _charts(page: object, count: int = 1) -> None:
    """Wait until at least ``count`` plotly charts have drawn."""
    page.wait_for_function(  # type: ignore[attr-defined]
        f"() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .main-svg').length >= {count}",
        timeout=60_000,
    )
    page.wait_for_timeout(500)  # type: ignore[attr-defined]


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)  # type: ignore[attr-defined]


def test_upload_verify_heatmap_and_download_in_chromium(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            # Start: the sample workspace is loaded and verified on first launch.
            page.goto(server + "/")
            expect(page.get_by_text("Next step")).to_be_visible()
            _settle(page)
            expect(page.get_by_text("single-user mode", exact=False).first).to_be_visible()
            _charts(page)
            _shot(page, "01-start")

            # Import: upload the ATS export; the mapping and the preview appear.
            page.goto(server + "/Import")
            _settle(page)
            page.locator("input[type=file]").first.set_input_files(str(ROOT / "sample_data" / "candidates.csv"))
            expect(page.get_by_text("Column mapping", exact=False)).to_be_visible()
            _settle(page)
            _shot(page, "02-import")
            page.get_by_role("button", name="Import candidates").click()
            expect(page.get_by_text("Imported", exact=False).first).to_be_visible()
            _settle(page)

            # Verify: the links just imported are queued again; run and wait for the end.
            page.goto(server + "/Verify")
            _settle(page)
            start = page.get_by_role("button", name="queued badge")
            queued = int(re.search(r"Verify (\d+) queued", start.inner_text()).group(1))  # type: ignore[union-attr]
            start.click()
            expect(page.get_by_text(f"{queued} of {queued} badges checked — finished")).to_be_visible(timeout=120_000)
            expect(page.get_by_role("button", name="Nothing queued")).to_be_visible()
            _settle(page)
            _shot(page, "03-verify")

            # Results.
            page.goto(server + "/Results")
            _settle(page)
            expect(page.get_by_text("Colours and symbols", exact=False)).to_be_visible()
            _charts(page)
            _shot(page, "04-results")
            # show the failed badges and select the first: its drill-down lists every check and the reason
            page.locator('[data-testid="stMultiSelect"]').first.click()
            page.get_by_role("option", name="✖ Failed").click()
            page.keyboard.press("Escape")
            expect(page.get_by_text("18 of 125 badges", exact=False)).to_be_visible()
            _settle(page)
            grid = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
            assert grid is not None
            page.mouse.click(grid["x"] + 18, grid["y"] + 53)
            checks = page.get_by_text("Checks", exact=True)
            expect(checks).to_be_visible()
            _settle(page)
            page.get_by_text("Recipient", exact=True).scroll_into_view_if_needed()
            _shot(page, "04b-result-detail")

            # Roles.
            page.goto(server + "/Roles")
            _settle(page)
            _shot(page, "05-roles")

            # Coverage: the heatmap is drawn.
            page.goto(server + "/Coverage")
            _settle(page)
            _charts(page, 3)
            expect(page.locator(".js-plotly-plot").first).to_be_visible()
            expect(page.locator(".js-plotly-plot .heatmaplayer, .js-plotly-plot .hm").first).to_be_attached()
            _shot(page, "06-coverage")

            # Compare.
            page.goto(server + "/Compare")
            _settle(page)
            _charts(page)
            _shot(page, "07-compare")

            # Shortlist: download the CSV and read it.
            page.goto(server + "/Shortlist")
            _settle(page)
            _shot(page, "08-shortlist")
            with page.expect_download() as info:
                page.get_by_role("button", name="Download CSV").click()
            download = info.value
            text = Path(download.path()).read_text(encoding="utf-8-sig")
        finally:
            context.close()
            browser.close()

    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, "the shortlist CSV has rows"
    assert {"candidate", "score", "requirement"} <= set(rows[0])
    assert len({r["candidate"] for r in rows}) == 3  # the top three are picked by default
    assert any(r["verification_status"] == "verified" and r["counts"].lower() == "true" for r in rows)
