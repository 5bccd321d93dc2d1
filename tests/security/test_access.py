"""Access: with sign-in configured no page shows data to a signed-out user, roles limit
import / contact details / export; without it the app says it is single-user and listens on localhost.

Pages are run with ``streamlit.testing.v1.AppTest``; the ``[auth]`` secrets
and ``st.user`` are set on the AppTest object, so no identity provider is
contacted. A probe page stands for every page's shape (guard, then data);
the real pages are checked too once they call the guard.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui import auth

AUTH_SECRETS: dict[str, Any] = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret-not-used-for-anything",
        "client_id": "skillproof",
        "client_secret": "not-a-secret",
        "server_metadata_url": "https://login.invalid/.well-known/openid-configuration",
    },
    "skillproof": {
        "roles": {
            "recruiter": ["rita@corp.example"],
            "hiring_manager": ["hank@corp.example"],
            "hr": ["@hr.corp.example", "hr-team"],
        },
        "roles_claim": "groups",
    },
}
CANDIDATE_EMAIL = "ada.lovelace@example.org"
CANDIDATE_NAME = "Ada Lovelace"


def probe_page() -> None:
    """A page shaped like every SkillProof page: the guard, then candidates' data, an import and an export."""
    import pandas as pd
    import streamlit as st

    from ui import auth

    auth.sidebar()
    auth.require("view")
    st.dataframe(pd.DataFrame({"name": ["Ada Lovelace"], "email": [auth.contact("ada.lovelace@example.org")]}))
    st.markdown(f"Contact: {auth.contact('ada.lovelace@example.org')}")
    if auth.can("import"):
        st.file_uploader("ATS export", key="ats")
    if auth.can("export"):
        st.download_button("Download shortlist", b"x", file_name="shortlist.csv", key="dl")


def _run(user: dict[str, Any] | None, *, configured: bool = True) -> AppTest:
    at = AppTest.from_function(probe_page, default_timeout=30)
    if configured:
        at.secrets.update(AUTH_SECRETS)
    if user is not None:
        at.user = user
    return at.run()


def _texts(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    return "\n".join(parts)


SIGNED_OUT = {
    "no-user-information": {},
    "logged-out-flag": {"is_logged_in": False, "email": "rita@corp.example"},
    "email-without-sign-in": {"email": "rita@corp.example"},
}


@pytest.mark.parametrize("user", list(SIGNED_OUT.values()), ids=list(SIGNED_OUT))
def test_a_signed_out_user_sees_no_candidate_data_when_sign_in_is_configured(user: dict[str, Any]) -> None:
    at = _run(user)
    assert not at.exception
    text = _texts(at)
    assert len(at.dataframe) == 0
    assert CANDIDATE_NAME not in text
    assert "ada" not in text.lower()
    assert "Sign in" in text
    assert [b.label for b in at.button] == ["Sign in"]


@pytest.mark.parametrize(
    ("user", "sees_email", "can_import", "can_export"),
    [
        pytest.param({"is_logged_in": True, "email": "rita@corp.example"}, True, True, False, id="recruiter"),
        pytest.param({"is_logged_in": True, "email": "HANK@corp.example"}, False, False, False, id="hiring-manager"),
        pytest.param({"is_logged_in": True, "email": "hilda@hr.corp.example"}, True, False, True, id="hr-by-domain"),
        pytest.param(
            {"is_logged_in": True, "email": "sam@corp.example", "groups": ["hr-team"]},
            True,
            False,
            True,
            id="hr-by-claim",
        ),
    ],
)
def test_roles_limit_import_contact_details_and_export(
    user: dict[str, Any], sees_email: bool, can_import: bool, can_export: bool
) -> None:
    at = _run(user)
    assert not at.exception
    text = _texts(at)
    assert CANDIDATE_NAME in text
    assert (CANDIDATE_EMAIL in text) is sees_email
    if not sees_email:
        assert "a***@example.org" in text
    assert (len(at.get("file_uploader")) == 1) is can_import
    assert (len(at.get("download_button")) == 1) is can_export
    assert "Sign out" in [b.label for b in at.button]


NO_ROLE = {
    "unknown-address": {"is_logged_in": True, "email": "mallory@elsewhere.example"},
    "subdomain-of-a-role-domain": {"is_logged_in": True, "email": "eve@evil.hr.corp.example"},
    "unverified-email": {"is_logged_in": True, "email": "rita@corp.example", "email_verified": False},
    "no-email-claim": {"is_logged_in": True, "name": "Nobody"},
}


@pytest.mark.parametrize("user", list(NO_ROLE.values()), ids=list(NO_ROLE))
def test_a_signed_in_user_without_a_role_sees_no_data(user: dict[str, Any]) -> None:
    at = _run(user)
    assert not at.exception
    text = _texts(at)
    assert len(at.dataframe) == 0
    assert CANDIDATE_NAME not in text
    assert "not allowed" in text


def test_without_sign_in_the_single_user_notice_shows_and_everything_is_allowed() -> None:
    at = _run(None, configured=False)
    assert not at.exception
    text = _texts(at)
    assert "Single-user mode" in text
    assert "localhost" in text
    assert CANDIDATE_EMAIL in text
    assert len(at.get("file_uploader")) == 1
    assert len(at.get("download_button")) == 1


def test_the_server_listens_on_localhost_only_by_default() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["address"] in ("localhost", "127.0.0.1")


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("ada.lovelace@example.org", "a***@example.org"),
        ("A@b.example", "A***@b.example"),
        ("weird@@example.org", "w***@example.org"),
        ("not an address", "***"),
        ("@example.org", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_email_keeps_the_domain_and_hides_the_person(email: str | None, masked: str) -> None:
    assert auth.mask_email(email) == masked


@pytest.mark.parametrize(
    ("email", "claims", "roles"),
    [
        ("rita@corp.example", {}, {"recruiter"}),
        ("RITA@CORP.EXAMPLE", {}, {"recruiter"}),
        ("x@hr.corp.example", {}, {"hr"}),
        ("x@sub.hr.corp.example", {}, set()),
        ("x@corp.example", {"groups": ["hr-team", "other"]}, {"hr"}),
        ("x@corp.example", {"groups": "hr-team"}, {"hr"}),
        (None, {"groups": ["rita@corp.example"]}, {"recruiter"}),
        ("", {}, set()),
    ],
)
def test_roles_come_from_the_configured_addresses_domains_and_claim(
    email: str | None, claims: dict[str, Any], roles: set[str]
) -> None:
    mapping = AUTH_SECRETS["skillproof"]["roles"]
    assert auth.roles_for(email, claims, mapping, claim="groups") == frozenset(roles)


def test_an_unknown_role_name_in_the_mapping_grants_nothing() -> None:
    assert auth.roles_for("a@x.example", {}, {"superuser": ["a@x.example"]}) == frozenset()


# -- the real pages ---------------------------------------------------------------------------------------

# Every page is discovered by glob, so a new page is covered the day it lands.
PAGES = [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py"))]


@pytest.fixture
def sample_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SKILLPROOF_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SKILLPROOF_OFFLINE", "1")
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_no_real_page_shows_candidate_data_to_a_signed_out_user(page: Path, sample_workspace: Path) -> None:
    import csv

    from ui.sample import load_sample
    from ui.workspace import workspace

    load_sample(workspace())
    with (ROOT / "sample_data" / "candidates.csv").open(encoding="utf-8") as f:
        people = list(csv.DictReader(f))
    surnames = [p["Last Name"] for p in people if p.get("Last Name")]
    assert surnames, "the sample workspace has named candidates"
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.secrets.update(AUTH_SECRETS)
    at.user = {"is_logged_in": False}
    at.run()
    if page.name != "dashboard.py":
        at.switch_page(f"pages/{page.name}").run()
    assert not at.exception
    text = _texts(at)
    assert "Sign in" in text
    assert len(at.dataframe) == 0
    assert "@example" not in text
    for surname in surnames:
        assert surname not in text


@pytest.mark.slow
@pytest.mark.parametrize(
    "user",
    [
        pytest.param({"is_logged_in": True, "email": "hilda@hr.corp.example"}, id="hr"),
        pytest.param({"is_logged_in": True, "email": "hank@corp.example"}, id="hiring-manager"),
        pytest.param({"is_logged_in": True, "email": "rita@corp.example"}, id="recruiter"),
    ],
)
def test_a_signed_in_user_with_a_role_sees_the_results_page(user: dict[str, Any], sample_workspace: Path) -> None:
    from ui.sample import load_sample
    from ui.workspace import workspace

    load_sample(workspace())
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.secrets.update(AUTH_SECRETS)
    at.user = user
    at.run().switch_page("pages/3_Results.py").run()
    assert not at.exception
    text = _texts(at)
    assert len(at.dataframe) > 0  # the control: the same page does show data to a user with a role
    assert "Sign in" not in text


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_without_sign_in_every_real_page_says_it_is_single_user(page: Path, sample_workspace: Path) -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    if page.name != "dashboard.py":
        at.switch_page(f"pages/{page.name}").run()
    assert not at.exception
    assert any("Single-user mode" in str(c.value) for c in at.sidebar.caption)
    assert "Sign in" not in _texts(at)
