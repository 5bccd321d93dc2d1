"""Every page runs on the sample workspace without an exception or an error box.

Pages are found by glob, so a new page is tested the day it lands.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import DASHBOARD, PAGES


def _problems(at: AppTest) -> list[str]:
    return [e.value for e in at.exception] + [e.value for e in at.error]


def test_every_page_file_is_found() -> None:
    assert len(PAGES) >= 7


@pytest.mark.parametrize("page", [DASHBOARD, *PAGES], ids=lambda p: p.name)
def test_page_runs_on_the_sample_workspace(sample_workspace: Path, page: Path) -> None:
    at = AppTest.from_file(str(DASHBOARD), default_timeout=30).run()
    if page != DASHBOARD:
        at.switch_page(str(page.relative_to(DASHBOARD.parent))).run()
    assert _problems(at) == []
    assert at.title, "every page has a title"


@pytest.mark.parametrize("page", [DASHBOARD, *PAGES], ids=lambda p: p.name)
def test_page_runs_on_an_empty_workspace_and_says_what_to_do(empty_workspace: Path, page: Path) -> None:
    at = AppTest.from_file(str(page), default_timeout=30).run()
    assert _problems(at) == []
    assert at.title


def test_start_page_shows_the_workspace_at_a_glance(sample_workspace: Path) -> None:
    at = AppTest.from_file(str(DASHBOARD), default_timeout=30).run()
    metrics = {m.label: int(m.value) for m in at.metric}
    assert metrics["Candidates"] == 30
    assert metrics["✔ Verified"] + metrics["✖ Failed"] + metrics["? Couldn't verify"] == metrics["Badges"]
    assert metrics["✖ Failed"] > 0
    assert metrics["? Couldn't verify"] > 0
    assert any("single-user mode" in c.value.lower() for c in at.sidebar.caption)


def test_an_empty_workspace_can_load_the_sample_from_the_start_page(empty_workspace: Path) -> None:
    at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run()
    assert {m.label: m.value for m in at.metric}["Candidates"] == "0"
    at.button(key="load_sample").click().run()
    assert _problems(at) == []
    assert {m.label: m.value for m in at.metric}["Candidates"] == "30"


SIGN_IN_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret",
        "client_id": "skillproof",
        "client_secret": "not-a-secret",
        "server_metadata_url": "https://login.invalid/.well-known/openid-configuration",
    },
    "skillproof": {"roles": {"hiring_manager": ["hank@corp.example"]}},
}


@pytest.mark.parametrize("page", [DASHBOARD, *PAGES], ids=lambda p: p.name)
def test_with_sign_in_configured_a_signed_out_visitor_sees_no_candidate(sample_workspace: Path, page: Path) -> None:
    at = AppTest.from_file(str(DASHBOARD), default_timeout=30)
    at.secrets.update(SIGN_IN_SECRETS)
    at.user = {"is_logged_in": False}
    at.run()
    if page != DASHBOARD:
        at.switch_page(str(page.relative_to(DASHBOARD.parent))).run()
    assert _problems(at) == []
    assert len(at.dataframe) == 0
    assert any("Sign in" in i.value for i in at.info)


def test_a_hiring_manager_sees_the_ranking_but_cannot_export(sample_workspace: Path) -> None:
    at = AppTest.from_file(str(DASHBOARD), default_timeout=30)
    at.secrets.update(SIGN_IN_SECRETS)
    at.user = {"is_logged_in": True, "email": "hank@corp.example", "email_verified": True}
    at.run().switch_page("pages/7_Shortlist.py").run()
    assert _problems(at) == []
    assert len(at.get("download_button")) == 0
    assert any("not export" in i.value for i in at.info)
