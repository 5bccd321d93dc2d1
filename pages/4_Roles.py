"""Roles: requirement profiles edited in a table; YAML import and export."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from talent.errors import RoleError
from talent.roles import Requirement, Role, dumps_role, loads_role, role_from_dict, slug
from ui import workspace
from ui.render import plain, run_page

EDIT_COLUMNS = ["skill", "weight", "must_have", "min_level", "max_age_years", "accepted_issuers"]


def _frame(role: Role) -> pd.DataFrame:
    rows = [
        {
            "skill": r.skill,
            "weight": float(r.weight),
            "must_have": bool(r.must_have),
            "min_level": r.min_level,
            "max_age_years": None if r.max_age_days is None else round(r.max_age_days / 365, 2),
            "accepted_issuers": ", ".join(r.accepted_issuers),
        }
        for r in role.requirements
    ]
    return pd.DataFrame(rows, columns=EDIT_COLUMNS)


def _role_from_frame(role_id: str, name: str, description: str, frame: pd.DataFrame) -> Role:
    """Build a role from the edited table; talent validates every field (RoleError names the bad one)."""
    reqs = []
    for row in frame.to_dict("records"):
        skill = str(row.get("skill") or "").strip()
        if not skill:
            continue
        entry: dict[str, object] = {
            "skill": skill,
            "weight": float(row.get("weight") or 1),
            "must_have": bool(row.get("must_have")),
        }
        if pd.notna(row.get("min_level")) and row.get("min_level") not in ("", None):
            entry["min_level"] = int(float(str(row["min_level"])))
        if pd.notna(row.get("max_age_years")) and row.get("max_age_years") not in ("", None):
            entry["max_age_years"] = float(str(row["max_age_years"]))
        issuers = [s.strip() for s in str(row.get("accepted_issuers") or "").split(",") if s.strip()]
        if issuers:
            entry["accepted_issuers"] = issuers
        reqs.append(entry)
    return role_from_dict(
        {"id": role_id, "name": name, "description": description, "requirements": reqs}, source="the editor"
    )


def editor(role: Role | None) -> None:
    """Edit one role (or a new one) and save it."""
    base = role or Role(role_id="", name="", requirements=(Requirement(skill="Python", weight=1.0),))
    name = st.text_input(
        "Role name", value=base.name, help="Shown on Coverage, Compare and in exports.", key="role_name"
    )
    description = st.text_area(
        "Description", value=base.description, help="Optional: what the role is about.", key="role_desc"
    )
    st.markdown(
        "**Requirements** — one row per skill. *weight*: how much it counts; *must_have*: candidates without it "
        "rank below those with it; *min_level* 1–5; *max_age_years*: older evidence does not count; "
        "*accepted_issuers*: comma-separated issuer ids or domains (empty = any)."
    )
    edited = st.data_editor(
        _frame(base),
        num_rows="dynamic",
        width="stretch",
        hide_index=True,
        key=f"role_editor_{base.role_id or 'new'}",
        column_config={
            "skill": st.column_config.TextColumn(
                "skill", help="A skill name or synonym from the catalogue", required=True
            ),
            "weight": st.column_config.NumberColumn("weight", min_value=0.1, max_value=10.0, step=0.5, help="> 0"),
            "must_have": st.column_config.CheckboxColumn("must_have", help="A must-have requirement"),
            "min_level": st.column_config.NumberColumn("min_level", min_value=1, max_value=5, step=1, help="1–5"),
            "max_age_years": st.column_config.NumberColumn("max_age_years", min_value=0.1, help="Evidence age limit"),
            "accepted_issuers": st.column_config.TextColumn("accepted_issuers", help="Comma-separated; empty = any"),
        },
    )
    if st.button("Save role", type="primary", help="Validates and saves the role to the workspace.", key="role_save"):
        if not name.strip():
            st.error("Give the role a name first.")
            return
        try:
            saved = _role_from_frame(base.role_id or slug(name), name.strip(), description, edited)
        except RoleError as exc:
            st.error(f"The role was not saved: {exc}")
            return
        workspace.save_role(saved)
        unknown = workspace.unknown_skills(saved)
        st.success(f"Saved {plain(saved.name)} ({len(saved.requirements)} requirements).")
        if unknown:
            st.warning(
                "The skills catalogue does not know: " + ", ".join(unknown) + ". These requirements can never be "
                "met; check the spelling or use a synonym."
            )


def roles_page() -> None:
    """The Roles page body."""
    st.title("Roles")
    st.write("A role lists the skills you need, how much each counts, and which are must-haves.")
    roles = workspace.roles()
    labels = {r.role_id: r.name for r in roles}
    choice = st.selectbox(
        "Role to edit",
        [*labels, "(new role)"],
        format_func=lambda r: labels.get(r, r),
        help="Pick a role to change it, or start a new one.",
        key="role_choice",
    )
    current = next((r for r in roles if r.role_id == choice), None)
    editor(current)
    st.divider()
    left, right = st.columns(2)
    with left:
        st.subheader("Export")
        if current is not None:
            st.download_button(
                f"Download {current.name} as YAML",
                dumps_role(current, fmt="yaml"),
                file_name=f"{current.role_id}.yaml",
                mime="application/yaml",
                help="The role file, to share or keep under version control.",
                key="role_export",
            )
        else:
            st.caption("Pick a saved role above to export it.")
    with right:
        st.subheader("Import")
        upload = st.file_uploader(
            "Role file (YAML or JSON)",
            type=["yaml", "yml", "json"],
            help="Same shape as the export. A role with the same id is replaced.",
            key="role_import",
        )
        if upload is not None and st.button("Import role", help="Validates and saves it.", key="role_import_btn"):
            try:
                role = loads_role(upload.getvalue().decode("utf-8", errors="replace"), source=upload.name)
            except RoleError as exc:
                st.error(f"{upload.name} was not imported: {exc}")
            else:
                workspace.save_role(role)
                st.success(f"Imported {plain(role.name)}.")
    if not roles:
        st.info("No roles yet: write one above, or import a YAML file.", icon=":material/info:")


run_page(roles_page, title="Roles", icon=":material/check_circle:", permission="roles")
