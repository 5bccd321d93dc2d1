"""Input widgets shared by several pages."""

from __future__ import annotations

import streamlit as st

from ui import workspace
from ui.render import empty_state


def role_picker(key: str) -> str | None:
    """A role selectbox that remembers the choice across pages; None (with an empty state) when there are no roles."""
    roles = workspace.roles()
    if not roles:
        empty_state("There are no roles yet. Create one (or import a YAML file) on **Roles**.", page="pages/4_Roles.py")
        return None
    labels = {r.role_id: r.name for r in roles}
    ids = list(labels)
    remembered = st.session_state.get("current_role")
    index = ids.index(remembered) if remembered in ids else 0
    chosen = st.selectbox(
        "Role",
        ids,
        index=index,
        format_func=lambda r: labels[r],
        help="The requirement profile to judge candidates against.",
        key=key,
    )
    st.session_state["current_role"] = chosen
    return str(chosen)
