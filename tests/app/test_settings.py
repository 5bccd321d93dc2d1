"""Settings: an API token is made (shown once, stored hashed), listed, accepted by the API check, revoked."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui.workspace import workspace

PAGE = ROOT / "pages" / "8_Settings.py"


def test_a_token_is_made_shown_once_and_revoked(empty_workspace: Path) -> None:
    at = AppTest.from_file(str(PAGE), default_timeout=30).run()
    at.text_input[0].input("ATS nightly sync")
    at.button[0].click().run()
    assert not at.exception
    (shown,) = [c.value for c in at.code]
    assert shown.startswith("sp_")
    ws = workspace()
    token_id = ws.check_api_token(shown)
    assert token_id is not None
    listed = ws.api_tokens()
    assert [t["name"] for t in listed] == ["ATS nightly sync"]
    assert all(shown not in str(v) for t in listed for v in t.values()), "the token itself is never kept"
    at.run()
    assert not at.code, "shown once"
    at.button(key="revoke_token").click().run()
    assert ws.check_api_token(shown) is None
    assert ws.api_tokens() == []
