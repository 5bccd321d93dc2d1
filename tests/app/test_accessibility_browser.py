"""Accessibility in a real browser (Debian's Chromium through Playwright).

- every page, opened as the first request of a fresh browser (a deep link),
  shows the app's own navigation and passes axe-core (the engine bundled in
  ``axe-playwright-python``) for WCAG 2.0/2.1/2.2 A and AA with no serious or
  critical violation, and with headings in order;
- the main path (import -> verify -> coverage -> shortlist -> export) is done
  with the keyboard alone: only key presses, no mouse, each step reached by
  Tab and activated with Enter or Space.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.browser import PAGES, axe_problems, chromium_page, dashboard, require_browser, settle
from tests.conftest import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Pages with charts, and how many: each has its summary and data-table expander.
CHART_PAGES = {"": 1, "Results": 1, "Coverage": 3, "Compare": 1}
NAV_LABELS = [
    "Start",
    "Import",
    "Verify",
    "Results",
    "Issuers",
    "Roles",
    "Coverage",
    "Compare",
    "Shortlist",
    "Settings",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_browser()
    with dashboard(tmp_path_factory.mktemp("a11y-data")) as base:
        yield base


def headings(page: Any) -> list[int]:
    """The levels of the visible headings of the page, in document order."""
    levels: list[int] = page.evaluate(
        "() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]"
        ".filter(h => h.offsetParent !== null && h.textContent.trim())"
        ".map(h => Number(h.tagName[1]))"
    )
    return levels


def assert_headings_in_order(page: Any, where: str) -> None:
    levels = headings(page)
    assert levels, f"{where}: no heading"
    assert levels[0] == 1, f"{where}: the page starts with its h1 ({levels})"
    jumps = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert not jumps, f"{where}: heading levels skip ({levels})"


def open_first(page: Any, url: str) -> None:
    """Open ``url`` and wait until the app's navigation and the page are drawn."""
    from playwright.sync_api import expect

    page.goto(url)
    nav = page.locator('[data-testid="stSidebarNav"] a')
    expect(nav.first).to_contain_text("Start")
    page.wait_for_selector("h1")
    settle(page)
    expect(page.get_by_role("dialog")).to_have_count(0)  # no "Page not found" or error dialog


@pytest.mark.parametrize("path", PAGES, ids=[p or "Start" for p in PAGES])
def test_every_page_opened_first_passes_axe_with_the_apps_navigation(server: str, path: str) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    with chromium_page() as page:
        open_first(page, f"{server}/{path}")
        nav = page.locator('[data-testid="stSidebarNav"] a')
        expect(nav).to_have_count(len(NAV_LABELS))
        for i, label in enumerate(NAV_LABELS):
            expect(nav.nth(i)).to_contain_text(label)
        expect(page.locator('[data-testid="stSidebarNav"]')).not_to_contain_text("dashboard")
        assert_headings_in_order(page, f"/{path}")
        problems = axe_problems(page)
        assert not problems, f"/{path}:\n" + "\n".join(problems)
        if path in CHART_PAGES:
            # every chart is followed by a text summary and its data as a table
            expect(page.get_by_text("the data as a table", exact=False)).to_have_count(CHART_PAGES[path])


@pytest.mark.parametrize("path", ["Import", "Coverage"])
def test_a_deep_link_as_a_fresh_servers_first_request_shows_the_app(
    tmp_path_factory: pytest.TempPathFactory, path: str
) -> None:
    """Before any other page has run, ``/Import`` (the first page file) and ``/Coverage`` open
    themselves, under the app's navigation, with no "Page not found"."""
    from playwright.sync_api import expect

    require_browser()
    with dashboard(tmp_path_factory.mktemp(f"first-{path}")) as base, chromium_page() as page:
        expect.set_options(timeout=60_000)
        open_first(page, f"{base}/{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(path)
        expect(page.locator('[data-testid="stSidebarNav"] a')).to_have_count(len(NAV_LABELS))
        page.wait_for_timeout(1000)
        expect(page.get_by_role("dialog")).to_have_count(0)


def test_every_page_of_an_empty_workspace_passes_axe(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The empty states (nothing imported yet) are pages too."""
    from playwright.sync_api import expect

    require_browser()
    expect.set_options(timeout=60_000)
    with dashboard(tmp_path_factory.mktemp("a11y-empty"), sample=False) as base, chromium_page() as page:
        for path in PAGES:
            open_first(page, f"{base}/{path}")
            assert_headings_in_order(page, f"/{path} (empty workspace)")
            problems = axe_problems(page)
            assert not problems, f"/{path} (empty workspace):\n" + "\n".join(problems)


def tab_to(page: Any, what: str, predicate: str, *, limit: int = 120) -> None:
    """Press Tab (only Tab) until the focused element satisfies the JavaScript ``predicate``
    (on ``el``, the focused element)."""
    check = f"() => {{ const el = document.activeElement; return !!el && el !== document.body && ({predicate}); }}"
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(check):
            return
    raise AssertionError(f"{what} cannot be reached with the Tab key")


def open_file_chooser(page: Any) -> Any:
    """Open the file chooser of the focused upload button with Enter (or, failing that, Space)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    focused = page.evaluate("() => document.activeElement.outerHTML.slice(0, 200)")
    for key in ("Enter", "Space"):
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press(key)
            return chooser.value
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"neither Enter nor Space opens the file chooser (focus on {focused})")


def button(text: str) -> str:
    return f"el.tagName === 'BUTTON' && el.innerText.includes({text!r})"


def nav_link(title: str) -> str:
    return f"el.tagName === 'A' && !!el.closest('[data-testid=\"stSidebarNav\"]') && el.innerText.endsWith({title!r})"


def test_the_main_path_with_the_keyboard_alone(server: str) -> None:
    """import -> verify -> coverage -> shortlist -> export: key presses only."""
    from playwright.sync_api import expect

    with chromium_page(downloads=True) as page:
        expect.set_options(timeout=60_000)
        open_first(page, f"{server}/Import")
        # Import: reach the ATS export's upload button, open the file chooser with Enter.
        tab_to(
            page,
            "the ATS export upload button",
            "el.tagName === 'BUTTON' && el.innerText.includes('Upload') && !!el.closest('.st-key-ats_upload')",
        )
        chooser = open_file_chooser(page)
        chooser.set_files(str(ROOT / "sample_data" / "candidates.csv"))
        expect(page.get_by_text("Column mapping", exact=False)).to_be_visible()
        settle(page)
        assert not axe_problems(page), "Import with the mapping and preview shown"
        tab_to(page, "the Import candidates button", button("Import candidates"))
        page.keyboard.press("Enter")
        expect(page.get_by_text("Imported", exact=False).first).to_be_visible()
        settle(page)

        # Verify: through the app's navigation, then the start button, with Enter.
        tab_to(page, "the Verify page link", nav_link("Verify"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Verify", level=1)).to_be_visible()
        settle(page)
        tab_to(page, "the Verify button", button("queued badge"))
        page.keyboard.press("Enter")
        expect(page.get_by_text("badges checked — finished", exact=False)).to_be_visible(timeout=120_000)
        settle(page)

        # Coverage: the ranking says why each candidate sits above the next.
        tab_to(page, "the Coverage page link", nav_link("Coverage"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Ranking")).to_be_visible()
        settle(page)
        tab_to(page, "the full ranking explanations", "el.innerText && el.innerText.includes('Why each candidate')")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Ranks above", exact=False).first).to_be_visible()
        assert not axe_problems(page), "Coverage with the explanations open"

        # Shortlist: the top three are picked; export the CSV with Enter.
        tab_to(page, "the Shortlist page link", nav_link("Shortlist"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Shortlist & export", level=1)).to_be_visible()
        settle(page)
        tab_to(page, "the Download CSV button", button("Download CSV"))
        with page.expect_download() as info:
            page.keyboard.press("Enter")
        text = Path(info.value.path()).read_text(encoding="utf-8-sig")

    rows = list(csv.DictReader(io.StringIO(text)))
    assert len({r["candidate"] for r in rows}) == 3
    assert {"candidate", "score", "requirement", "verification_status"} <= set(rows[0])
