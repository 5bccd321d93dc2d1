"""Issuers: every issuer in the workspace, how far its identity is proven, your trust list and registries."""

from __future__ import annotations

import json

import streamlit as st

from talent.issuers import IssuerRow, level_counts, trust_entry
from ui import auth, issuers
from ui.identity import LEVEL_HELP, level_label, offline_note
from ui.render import empty_state, plain, run_page
from verifier.registries import RegistryConfigError

DONE = "issuers_last_change"


def overview() -> None:
    """The table of issuers, with a level filter, and the chosen issuer's detail and actions."""
    rows = issuers.rows()
    if not rows:
        empty_state("No badge has been verified yet: issuers appear here once badges are checked.",
                    page="pages/2_Verify.py", label="Verify")  # fmt: skip
        return
    counts = level_counts(rows)
    st.markdown(
        plain(f"{len(rows)} issuers: " + ", ".join(f"{n} {level_label(lvl)}" for lvl, n in counts.items()) + ".")
        + " By default only evidence from issuers whose identity is proven counts towards coverage; the "
        "**Roles** page sets which levels count."
    )
    with st.expander("What the levels mean"):
        for lvl, text in LEVEL_HELP.items():
            st.markdown(plain(f"{level_label(lvl)}: {text}."))
    table = issuers.frame(rows, issuers.trust_list())
    levels = [lbl for lbl in (level_label(lvl) for lvl in LEVEL_HELP) if any(table["level"].map(level_label) == lbl)]
    chosen = st.multiselect("Issuer identity", levels, help="Show issuers proven at these levels.", key="iss_level")
    if chosen:
        table = table[table["level"].map(level_label).isin(chosen)]
    st.caption(f"{len(table)} of {len(rows)} issuers.")
    st.dataframe(
        table[list(issuers.TABLE_COLUMNS)].rename(
            columns={c: label for c, (label, _h) in issuers.TABLE_COLUMNS.items()}
        ),
        hide_index=True,
        width="stretch",
        key="issuers_table",
        column_config={
            label: st.column_config.TextColumn(label, help=text) for _c, (label, text) in issuers.TABLE_COLUMNS.items()
        },
    )
    by_key = {r.key: r for r in rows}
    labels = {
        k: f"{ident} — {claims}" + (" — ⚠ resembles another issuer" if imp else "")
        for k, ident, claims, imp in zip(
            table["key"], table["identity"], table["claims"], table["impersonation"], strict=True
        )
    }
    key = st.selectbox(
        "Issuer",
        list(labels),
        index=None,
        format_func=lambda k: labels.get(k, k),
        placeholder="Choose an issuer to see how its identity was established, and to allow or deny it",
        help="One issuer of the table above: its badges, the candidates relying on it, your verdict.",
        key="iss_pick",
    )
    if key is not None and key in by_key:
        detail(by_key[key])


def detail(row: IssuerRow) -> None:
    """One issuer: what is proven and how, what its badges claim, who relies on it; allow / deny."""
    st.header(plain(row.claimed_name or row.key))
    st.write(plain(f"{level_label(row.level)} — {LEVEL_HELP.get(row.level, 'identity not assessed')}"))
    if row.proven:
        st.caption(plain(f"Proven: {row.proven}"))
    if row.how:
        st.caption(plain(f"How: {row.how}"))
    note = offline_note(row.how)
    if note:
        st.caption(plain(note))
    if len(row.levels_seen) > 1:
        st.caption(
            plain(
                "Its badges reached different levels ("
                + ", ".join(level_label(v) for v in row.levels_seen)
                + "): a badge whose own checks failed is not bound to its issuer."
            )
        )
    if row.impersonation:
        show = st.error if row.impersonation_severity == "fail" else st.warning
        for why in row.impersonation:
            show(plain(why), icon=":material/gpp_bad:")
    if row.unchecked:
        st.warning(plain("Registries that could not be checked: " + "; ".join(row.unchecked)), icon=":material/help:")
    left, right = st.columns(2)
    with left:
        st.markdown("**Badges relying on it**")
        st.write(plain(", ".join(row.badge_names)))
    with right:
        st.markdown("**Candidates relying on it**")
        names = issuers.frame([row], issuers.trust_list())["candidates"].iloc[0]
        st.write(plain(names))
    actions(row)


def actions(row: IssuerRow) -> None:
    """Allow / deny / take off the trust list; applied at once by checking its badges again."""
    entry = trust_entry(row)
    st.subheader("Your verdict")
    if not entry:
        st.caption("Its badges state no issuer id, so it cannot be put on the trust list (a name is not an identity).")
        return
    verdict = issuers.frame([row], issuers.trust_list())["trust"].iloc[0]
    st.caption(
        plain(
            f"On your trust list: {verdict}. Allowing lists {entry} in a registry of your own (your trust list): "
            "its badges whose signature or hosting binds them to it reach the registry level. Denying makes every "
            "badge it issued fail the issuer check. Either way its badges are checked again at once."
        )
    )
    if not auth.can("import"):
        st.caption("Changing the trust list checks badges again: it needs the permission to run verification.")
        return
    message = st.session_state.pop(DONE, None)
    if message:
        st.success(plain(str(message)))
    a, d, c = st.columns(3)
    done = None
    if a.button("Allow this issuer", key="iss_allow", help=f"Put {entry} on the allow list."):
        done = issuers.set_trust(row, "allow")
    if d.button("Deny this issuer", key="iss_deny", help=f"Put {entry} on the deny list."):
        done = issuers.set_trust(row, "deny")
    if c.button("Take off the trust list", key="iss_clear", help=f"Neither allowed nor denied: {entry}."):
        done = issuers.set_trust(row, "clear")
    if done is not None:
        word = {"allow": "allowed", "deny": "denied", "clear": "taken off the trust list"}[done.action]
        st.session_state[DONE] = f"{done.entry} {word}; {done.requeued} of its badges are being checked again."
        st.rerun()  # the table and the verdict above show the new list


def registries() -> None:
    """Which registries issuers are looked up in, and how old the bundled snapshot is."""
    st.header("Registries")
    settings = issuers.registry_settings()
    snap = issuers.snapshot()
    st.markdown(
        plain(
            f"Issuers are looked up in these registries. The bundled snapshot of the Digital Credentials "
            f"Consortium's registries was retrieved on {snap.retrieved}: {snap.age_days} days ago. Registries "
            "that cannot be loaded are listed on each result as 'could not be checked', never as 'not listed'."
        )
    )
    problem = issuers.registry_problem()
    if problem:
        st.error(plain(f"The saved registry list cannot be used ({problem}); the snapshot alone is consulted."))
    st.table(issuers.registry_table(settings, snap).style.hide(axis="index"))
    if st.button(
        "Check that each registry can be read now",
        key="reg_check",
        help="Loads every registry as a verification would; one that cannot be read is never taken as 'not listed'.",
    ):
        st.table(issuers.registry_check().style.hide(axis="index"))
    if not auth.can("import"):
        return
    with st.expander("Change the registries"):
        use_snapshot = st.checkbox(
            f"Consult the bundled DCC snapshot (retrieved {snap.retrieved})", value=settings.snapshot, key="reg_snap"
        )
        text = st.text_area(
            "More registries (DCC known-registries JSON)",
            value=json.dumps([dict(r) for r in settings.listed], indent=2),
            height=160,
            help='A JSON list of {"name", "type": "dcc-legacy", "url"} and {"name", "type": "oidf", '
            '"trustAnchorEC"} entries, as in the Digital Credentials Consortium\'s known-registries file.',
            key="reg_text",
        )
        if st.button("Save and check every badge again", key="reg_save"):
            try:
                new = settings.with_list(json.loads(text or "[]"), snapshot=use_snapshot)
            except (ValueError, RegistryConfigError) as exc:
                st.error(plain(f"Not saved: {exc}"))
            else:
                n = issuers.save_registries(new, recheck=True)
                st.success(plain(f"Saved; {n} badges are being checked again with these registries."))


def issuers_page() -> None:
    """The Issuers page body."""
    st.title("Issuers")
    st.write(
        "Who issued the badges in this workspace, and how far 'issued by who it claims' is proven for each. "
        "What a badge says about its issuer is a claim; the identity column says what is proven."
    )
    overview()
    st.divider()
    registries()


run_page(issuers_page, title="Issuers", icon=":material/account_balance:")
