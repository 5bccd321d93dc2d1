"""Roles: requirement profiles edited in a table; YAML import and export."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from talent.coverage import CoveragePolicy
from talent.errors import RoleError
from talent.ranking import RANKING_RULE
from talent.roles import IDENTITY_LEVELS, Requirement, Role, dumps_role, loads_role, role_from_dict, slug
from ui import workspace
from ui.render import plain, run_page
from ui.verification import registry_snapshot

EDIT_COLUMNS = ["skill", "weight", "must_have", "min_level", "max_age_years", "accepted_issuers", "identity_levels"]


def _frame(role: Role) -> pd.DataFrame:
    rows = [
        {
            "skill": r.skill,
            "weight": float(r.weight),
            "must_have": bool(r.must_have),
            "min_level": "" if r.min_level is None else str(r.min_level),
            "max_age_years": "" if r.max_age_days is None else f"{round(r.max_age_days / 365, 2):g}",
            "accepted_issuers": ", ".join(r.accepted_issuers),
            "identity_levels": ", ".join(r.identity_levels),
        }
        for r in role.requirements
    ]
    # Optional numbers are text cells, so that "no limit" shows as a blank, never as "None".
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
        for column, label in (("min_level", "Minimum level"), ("max_age_years", "Evidence no older than (years)")):
            text = "" if row.get(column) is None or pd.isna(row.get(column)) else str(row[column]).strip()
            if not text:
                continue
            try:
                number = float(text)
            except ValueError:
                raise RoleError(f"{label} of {skill}: {text!r} is not a number", source="the editor") from None
            entry[column] = int(number) if column == "min_level" and number.is_integer() else number
        issuers = [s.strip() for s in str(row.get("accepted_issuers") or "").split(",") if s.strip()]
        if issuers:
            entry["accepted_issuers"] = issuers
        levels = [s.strip() for s in str(row.get("identity_levels") or "").split(",") if s.strip()]
        if levels:
            entry["identity_levels"] = levels
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
        "**Requirements**: one row per skill. Point at a column heading for what it means; leave a cell "
        "empty for no limit."
    )
    st.markdown(f"**How candidates are ranked.** {RANKING_RULE}")
    edited = st.data_editor(
        _frame(base),
        num_rows="dynamic",
        width="stretch",
        hide_index=True,
        key=f"role_editor_{base.role_id or 'new'}",
        column_config={
            "skill": st.column_config.TextColumn(
                "Skill", help="A skill name or synonym from the skills catalogue.", required=True
            ),
            "weight": st.column_config.NumberColumn(
                "Weight",
                min_value=0.1,
                max_value=10.0,
                step=0.5,
                help="How much the skill counts towards the score, and, for a must-have, towards the ranking.",
            ),
            "must_have": st.column_config.CheckboxColumn(
                "Must-have",
                help="Candidates are ranked first by the must-haves they meet, each counted at its weight.",
            ),
            "min_level": st.column_config.TextColumn(
                "Minimum level",
                help="1 to 5. Only badges that state a level are held to it. Empty: any level.",
                validate=r"^\s*[1-5]?\s*$",
            ),
            "max_age_years": st.column_config.TextColumn(
                "Evidence no older than (years)",
                help="Badges issued longer ago than this do not count (for instance 3 or 1.5). Empty: no limit.",
                validate=r"^\s*(\d+(\.\d+)?)?\s*$",
            ),
            "accepted_issuers": st.column_config.TextColumn(
                "Accepted issuers",
                help="Issuer ids, DIDs or domains, separated by commas. Empty: any issuer.",
            ),
            "identity_levels": st.column_config.TextColumn(
                "Issuer identity",
                help="Which issuer identity levels count here, separated by commas: registry, domain, platform, "
                "self-asserted. Empty: the workspace setting below.",
            ),
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


def identity_policy() -> None:
    """Which issuer identity levels count towards coverage in this workspace."""
    st.header("Which issuers count")
    policy = workspace.coverage_policy()
    current = [lvl for lvl in IDENTITY_LEVELS if policy.identity_weight(lvl) > 0]
    chosen = st.multiselect(
        "Evidence counts when its issuer's identity is proven at",
        list(IDENTITY_LEVELS),
        default=current,
        help="registry: listed in an issuer registry or your trust list; domain: the issuer's own website proves "
        "it; platform: a badge platform vouches for it; self-asserted: only the badge says who issued it.",
        key="identity_levels_policy",
    )
    snap = registry_snapshot()
    st.caption(
        f"Issuers are looked up in a snapshot of the Digital Credentials Consortium's registries retrieved on "
        f"{snap.retrieved} ({snap.age_days} days ago; "
        + ", ".join(f"{r['name']}: {r['entries']} issuers" for r in snap.registries)
        + ")."
    )
    if st.button("Save for this workspace", key="identity_policy_save"):
        workspace.save_coverage_policy(CoveragePolicy.counting(chosen))
        st.success("Saved: " + (", ".join(chosen) or "no issuer counts") + ".")


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
    identity_policy()
    st.divider()
    left, right = st.columns(2)
    with left:
        st.header("Export")
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
        st.header("Import")
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
