"""The page registry: every page of the dashboard, once, and how a run reaches it.

``dashboard.py`` (the start page) calls :func:`run`, which hands the
registry to ``st.navigation`` and runs the page the URL names; links between
pages use the file paths listed here.

Why :func:`enter_through_registry` exists: because the page files live in
``pages/`` next to ``dashboard.py``, Streamlit starts a server in its older
pages-folder mode until ``st.navigation`` first runs. A deep link that is a
fresh server's first request then runs the page file alone, outside the
registry (plain sidebar, no start page). The page frame calls
:func:`enter_through_registry`, which registers the pages through the public
``st.navigation`` (which ends that mode for the process) and reruns once, so
the run goes through ``dashboard.py``. See
``docs/decisions/streamlit-pages-folder.md``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class PageEntry:
    """One page: its file (relative to the repository root), title, icon and what it is for."""

    path: str
    title: str
    icon: str
    what: str

    @property
    def url_path(self) -> str:
        """The page's address under the server root (its title)."""
        return self.title


# Material Symbols icons render without an emoji font.
PAGES = (
    PageEntry("pages/1_Import.py", "Import", ":material/upload_file:", "candidates from an ATS export, badge files, links"),
    PageEntry("pages/2_Verify.py", "Verify", ":material/verified:", "check every badge, with live progress"),
    PageEntry("pages/3_Results.py", "Results", ":material/fact_check:", "every badge, its status and each check"),
    PageEntry("pages/9_Issuers.py", "Issuers", ":material/account_balance:", "who issued the badges, proven how; allow / deny"),
    PageEntry("pages/4_Roles.py", "Roles", ":material/work:", "requirement profiles, YAML in and out"),
    PageEntry("pages/5_Coverage.py", "Coverage", ":material/grid_on:", "candidates × requirements, ranking, gaps"),
    PageEntry("pages/6_Compare.py", "Compare", ":material/compare_arrows:", "2–4 candidates side by side"),
    PageEntry("pages/7_Shortlist.py", "Shortlist", ":material/ios_share:", "pick, export CSV / XLSX / JSON / HTML"),
    PageEntry("pages/8_Settings.py", "Settings", ":material/settings:", "API tokens for scripts and other systems"),
)  # fmt: skip

_in_registry = threading.local()
_TRIED = "_navigation_entered"


def _pages(start: Callable[[], None] | None) -> list[st.Page]:
    files = [st.Page(ROOT / p.path, title=p.title, icon=p.icon, url_path=p.url_path) for p in PAGES]
    if start is None:
        return files
    return [st.Page(start, title="Start", icon=":material/home:", default=True), *files]


def run(start: Callable[[], None]) -> None:
    """Register every page (``start`` as the default one) and run the page the URL names."""
    page = st.navigation(_pages(start))
    _in_registry.active = True
    try:
        page.run()
    finally:
        _in_registry.active = False


def enter_through_registry() -> None:
    """Make sure this run goes through the registry: when a page file runs on its own (a fresh server
    in pages-folder mode), register the pages and rerun once. A page run on its own a second time
    (as in tests) is left to run as it is."""
    if getattr(_in_registry, "active", False) or st.session_state.get(_TRIED):
        return
    st.session_state[_TRIED] = True
    # The registry needs its Start page here too: without one, the first page file would become the
    # default page, served at "/" instead of its own address, and a deep link to it (/Import) would
    # show Streamlit's "Page not found". The rerun then runs the real start page's registry.
    st.navigation(_pages(_start_placeholder), position="hidden")
    st.rerun()


def _start_placeholder() -> None:
    """Stands for the start page while a page file re-enters the registry (never run: a rerun follows)."""
