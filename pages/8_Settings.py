"""Settings: bearer tokens for the HTTP API (``/api/v1``), made and revoked here."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import workspace
from ui.render import plain, run_page


def settings_page() -> None:
    """The Settings page body."""
    st.title("Settings")
    st.header("API tokens")
    st.write(
        "Scripts and other systems (an ATS, an HR report job) verify badges through the HTTP API with a bearer "
        "token: `Authorization: Bearer <token>`. The API is described at `/api/v1/openapi.json`. A token is shown "
        "once, when it is made; only a fingerprint of it is kept."
    )
    with st.form("new_token", clear_on_submit=True):
        name = st.text_input("What the token is for", placeholder="ATS nightly sync", max_chars=200)
        made = st.form_submit_button("Make a token", type="primary")
    if made:
        if not name.strip():
            st.warning("Say what the token is for, so that you know which one to revoke later.")
        else:
            _, token = workspace.create_api_token(name.strip())
            st.success("Token made. Copy it now: it will not be shown again.")
            st.code(token, language=None)
    tokens = workspace.api_tokens()
    if not tokens:
        st.caption("No token yet.")
        return
    frame = pd.DataFrame(tokens).rename(
        columns={"token_id": "Id", "name": "For", "created_at": "Made", "last_used_at": "Last used"}
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    choice = st.selectbox(
        "Revoke a token",
        [t["token_id"] for t in tokens],
        format_func=lambda i: plain(next(f"{t['name']} ({i})" for t in tokens if t["token_id"] == i)),
        key="revoke_choice",
    )
    if st.button("Revoke", key="revoke_token", help="The token stops working at once."):
        workspace.revoke_api_token(str(choice))
        st.toast("Token revoked.")
        st.rerun()


run_page(settings_page, title="Settings", icon=":material/settings:", permission="import")
