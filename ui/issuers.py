"""The Issuers page's data and actions: every issuer of the workspace, the trust list, the registries.

Reading is cached by the workspace revision like every other view
(:mod:`ui.workspace`). Writing goes through :class:`talent.storage.Workspace`
(settings, audit log) and is applied at once: the badges the change concerns
are queued for verification again and the verification run is started, so
their results carry the new verdict and identity level within seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from talent.issuers import IssuerRow, RegistrySettings, TrustAction, inputs_for_issuer, issuer_rows, listed_as
from talent.storage import Workspace
from ui import runs
from ui.identity import LEVEL_HELP, SHIPPED, level_label, offline_note
from ui.render import plain
from ui.verification import registry_snapshot, registry_status, workspace_terms
from ui.workspace import names_at, revision, url, workspace, workspace_at
from verifier.models import IssuerIdentity, VerificationResult
from verifier.pipeline import BadgeInput
from verifier.registries import SnapshotInfo
from verifier.trust import TrustList

TABLE_COLUMNS = {
    "identity": ("Identity", "Level and what is proven: ◆ registry, ● domain, ■ platform, ○ self-asserted."),
    "claims": ("Claims to be", "The name (and website) the badges give their issuer: a claim, not a proof."),
    "impersonation": (
        "Impersonation",
        "A registered or allowed issuer this one resembles, or a better-proven issuer of this workspace whose name it bears, and why.",
    ),
    "trust": ("Your trust list", "allowed / denied by you, or not listed."),
    "badges": ("Badges", "Badges from this issuer in the workspace (verified / all)."),
    "candidates": ("Candidates", "Candidates relying on this issuer's badges."),
    "registries": ("Registries", "Registries that list the issuer; those that could not be checked are marked '?'."),
    "issuer_id": ("Issuer id", "The issuer's DID or URL as the badges state it."),
}
TRUST_WORDS = {"allow": "✔ allowed", "deny": "✖ denied", "unknown": "– not listed"}


@st.cache_data(max_entries=4, show_spinner=False)
def _rows_at(db: str, rev: int) -> list[IssuerRow]:
    return issuer_rows((cid, data) for _rid, cid, data in workspace_at(db).latest_result_records())


def rows() -> list[IssuerRow]:
    """Every issuer of the workspace, strongest identity first (cached by revision)."""
    return _rows_at(url(), revision())


def trust_list() -> TrustList:
    """The workspace's trust list."""
    return workspace().trust_list()


def frame(issuers: list[IssuerRow], trust: TrustList) -> pd.DataFrame:
    """One row per issuer, in words (the page's table)."""
    display = names_at(url(), revision())
    records = []
    for r in issuers:
        proven = r.proven.removeprefix("did:web:") if r.level == "domain" else r.proven
        where = ", ".join(x.split(" (as ", 1)[0] for x in r.registries) if r.level == "registry" else ""
        shown = (where or proven or "nothing proven") + (f" ({SHIPPED})" if offline_note(r.how) else "")
        verdict: str = listed_as(trust, r.issuer_id) if r.issuer_id else "unknown"
        if verdict == "unknown" and r.trust in ("allow", "deny"):
            verdict = r.trust  # matched by a domain entry rather than listed by its id
        records.append(
            {
                "key": r.key,
                "level": r.level,
                "identity": f"{level_label(r.level)}: {shown}",
                "claims": " · ".join(x for x in (r.claimed_name, ", ".join(r.claimed_urls)) if x) or "(no name)",
                "registries": "; ".join([*r.registries, *(f"? {u}" for u in r.unchecked)]),
                "impersonation": ("✖ " if r.impersonation_severity == "fail" else "⚠ " if r.impersonation else "")
                + "; ".join(r.impersonation),
                "trust": TRUST_WORDS[verdict],
                "badges": f"{r.verified} / {r.badges}",
                "candidates": ", ".join(display.get(c, c) for c in r.candidates),
                "issuer_id": r.issuer_id or "(none stated)",
            }
        )
    return pd.DataFrame(records, columns=["key", "level", *TABLE_COLUMNS])


@dataclass(frozen=True, slots=True)
class Applied:
    """What a trust-list change did: the new verdict and how many badges are being checked again."""

    entry: str
    action: TrustAction
    requeued: int


def set_trust(row: IssuerRow, action: TrustAction) -> Applied:
    """Allow, deny or clear an issuer on the workspace trust list (stored and audit-logged), then verify
    its badges again so their results carry the new verdict at once."""
    ws = workspace()
    ws.set_issuer_trust(row.issuer_id, action, label=row.claimed_name)
    wanted = set(inputs_for_issuer(((cid, d) for _r, cid, d in ws.latest_result_records()), row.key))
    n = _recheck(ws, [i for i in ws.handed_in_inputs() if (i.candidate or "", i.source) in wanted], row.issuer_id)
    return Applied(row.issuer_id, action, n)


def _recheck(ws: Workspace, inputs: list[BadgeInput], what: str) -> int:
    if inputs:
        ws.create_job(inputs, label=f"re-check after a change for {what}"[:300])
        runs.start_run(f"Issuers page: {what}"[:200])
    return len(inputs)


# -- registries -----------------------------------------------------------------------------------------


def registry_settings() -> RegistrySettings:
    """The registries this workspace consults."""
    return workspace().registry_settings()


def registry_problem() -> str | None:
    """Why the stored registry list cannot be used (verification then uses the snapshot alone), or None."""
    return workspace_terms(url()).problem


def snapshot() -> SnapshotInfo:
    """The bundled DCC snapshot: when it was retrieved, how old it is, its registries."""
    return registry_snapshot()


def save_registries(settings: RegistrySettings, *, recheck: bool) -> int:
    """Store the registry settings; with ``recheck``, verify every badge again with them (how many)."""
    ws = workspace()
    ws.save_registry_settings(settings)
    return _recheck(ws, ws.handed_in_inputs(), "the registries") if recheck else 0


def registry_check() -> pd.DataFrame:
    """Every registry the workspace consults, loaded now: whether it could be read, how many issuers it
    lists and when it was last updated."""
    rows = registry_status(workspace_terms(url()))
    return pd.DataFrame(
        [
            {
                "Registry": str(r.get("name")),
                "Loaded": "✔ yes" if r.get("loaded") else f"✖ no: {r.get('error') or 'not loaded'}",
                "Issuers": "" if r.get("entries") is None else str(r.get("entries")),
                "Updated": str(r.get("updated") or ""),
            }
            for r in rows
        ],
        columns=["Registry", "Loaded", "Issuers", "Updated"],
    )


def registry_table(settings: RegistrySettings, snap: SnapshotInfo) -> pd.DataFrame:
    """The registries consulted, one row each: name, kind, where it is read from."""
    rows: list[Mapping[str, Any]] = []
    if settings.snapshot:
        rows += [
            {
                "Registry": str(r.get("name")),
                "Kind": "DCC registry (dcc-legacy), bundled snapshot",
                "Read from": f"the snapshot retrieved {snap.retrieved} ({snap.age_days} days old)",
                "Issuers": str(r.get("entries", "")),
            }
            for r in snap.registries
        ]
    for snapshot_doc in settings.snapshots:
        rows += [
            {
                "Registry": str(r.get("name")),
                "Kind": "DCC registry (dcc-legacy), dated snapshot"
                + (" — fictional, shipped with the sample" if (r.get("source") or {}).get("fictional") else ""),
                "Read from": f"the snapshot of {snapshot_doc.get('retrieved')} (never fetched)",
                "Issuers": str(len((r.get("data") or {}).get("registry") or {})),
            }
            for r in snapshot_doc.get("registries") or ()
            if isinstance(r, Mapping)
        ]
    for r in settings.listed:
        kind = str(r.get("type") or "?")
        rows.append(
            {
                "Registry": str(r.get("name") or "(no name)"),
                "Kind": {"dcc-legacy": "DCC registry (dcc-legacy)", "oidf": "OpenID Federation trust anchor"}.get(
                    kind, f"{kind} (not supported: listed as not checked)"
                ),
                "Read from": str(r.get("url") or r.get("trustAnchorEC") or r.get("fetchEndpoint") or ""),
                "Issuers": "fetched when badges are verified",
            }
        )
    return pd.DataFrame(rows, columns=["Registry", "Kind", "Read from", "Issuers"])


# -- the Results drill-down -------------------------------------------------------------------------------


def identity_details(result: VerificationResult) -> None:
    """The drill-down section: how the issuer's identity was established, the registries that list it,
    those that could not be checked, what the badge merely claims, and any resemblance to another issuer."""
    ident: IssuerIdentity | None = result.issuer.identity
    st.markdown("**Who issued it**")
    if ident is None:
        st.write("Issuer identity was not assessed for this result (verified before identity levels existed).")
        st.caption("Re-check the badge on **Verify** to assess it.")
        return
    level = ident.level.value
    st.write(plain(f"{level_label(level)} — {LEVEL_HELP.get(level, '')}"))
    if ident.proven:
        st.caption(plain(f"Proven: {ident.proven}"))
    if ident.how:
        st.caption(plain(f"How: {ident.how}"))
    note = offline_note(ident.how)
    if note:
        st.caption(plain(note))
    claims = " · ".join(x for x in (ident.claims_name, ident.claims_url) if x)
    st.caption(plain(f"The badge claims: {claims}" if claims else "The badge states no issuer name or website."))
    if ident.impersonation is not None:
        imp = ident.impersonation
        text = f"Resembles {imp.resembles}: {imp.why}"
        if imp.severity == "fail":
            st.error(plain(text), icon=":material/gpp_bad:")
        else:
            st.warning(plain(text), icon=":material/warning:")
    rows = [
        {
            "Registry": r.name,
            "Result": "✔ lists this issuer",
            "Entry": " · ".join(x for x in (r.entry_name, r.entry_url, r.entry_location) if x),
        }
        for r in ident.registries
    ] + [
        {"Registry": u.name, "Result": "? could not be checked", "Entry": u.reason} for u in ident.unchecked_registries
    ]
    consulted = [s.name for s in workspace_terms(url()).registries.specs]
    listed = {r["Registry"] for r in rows}
    rows += [
        {"Registry": n, "Result": "– does not list it", "Entry": ""}
        for n in dict.fromkeys(consulted)
        if n not in listed
    ]
    if rows:
        st.table(pd.DataFrame(rows, columns=["Registry", "Result", "Entry"]).style.hide(axis="index"))
        st.caption("Registries that do not list it: those this workspace consults now (set on **Issuers**).")
    else:
        st.caption(
            "No registry you consult lists this issuer, and every registry could be checked."
            if level != "registry"
            else "Listed on your trust list."
        )
