"""What the browser tests share: Debian's Chromium (never a downloaded browser)
driven by Playwright, a dashboard server on a free port, and waits that know
when Streamlit has finished drawing a page.

Without ``/usr/bin/chromium`` the browser tests are skipped with the reason,
unless ``SKILLPROOF_REQUIRE_E2E=1`` (CI), where they fail instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
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
# The app's pages by URL path, in the order of its navigation.
PAGES = ("", "Import", "Verify", "Results", "Issuers", "Roles", "Coverage", "Compare", "Shortlist", "Settings")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
# Always a failure: what blocks or seriously hinders a user, and headings out of order.
BLOCKING_IMPACTS = {"serious", "critical"}
ALWAYS_FAIL_RULES = {"heading-order", "page-has-heading-one", "empty-heading", "empty-table-header"}


def require_browser() -> None:
    """Skip (or, with ``SKILLPROOF_REQUIRE_E2E=1``, fail) when Chromium or Playwright is missing."""
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


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def dashboard(data: Path, *, sample: bool = True) -> Iterator[str]:
    """``streamlit run dashboard.py`` on a free port with ``data`` as its data
    directory (the sample loads on first launch unless ``sample`` is false) and
    offline verification; yields the base URL and stops the server afterwards."""
    port = free_port()
    env = {**os.environ, "SKILLPROOF_DATA_DIR": str(data), "SKILLPROOF_OFFLINE": "1"}
    env.pop("SKILLPROOF_NO_SAMPLE", None)
    if not sample:
        env["SKILLPROOF_NO_SAMPLE"] = "1"
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


@contextmanager
def chromium_page(*, downloads: bool = False) -> Iterator[Any]:
    """A fresh Chromium context (a new browser profile) and one page in it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=downloads)
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def settle(page: Any) -> None:
    """Wait until Streamlit has finished running the script (no 'running' indicator)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
        ".every(c => c.querySelector('.main-svg'))",
        timeout=30_000,
    )
    page.wait_for_timeout(600)


def charts(page: Any, count: int = 1) -> None:
    """Wait until at least ``count`` plotly charts have drawn."""
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .main-svg').length >= {count}",
        timeout=60_000,
    )
    page.wait_for_timeout(500)


def axe_problems(page: Any) -> list[str]:
    """The axe-core violations that fail the test, one line each (rule, impact, first elements)."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    out = []
    for v in result.response["violations"]:
        if v["impact"] in BLOCKING_IMPACTS or v["id"] in ALWAYS_FAIL_RULES:
            targets = "; ".join(f"{n['target']} {n['html'][:160]}" for n in v["nodes"][:3])
            out.append(f"{v['id']} ({v['impact']}): {v['help']} — {targets}")
    return out
