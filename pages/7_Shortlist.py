"""Shortlist & export: pick candidates from the ranking; export CSV / XLSX / JSON and an HTML report."""

from __future__ import annotations

import streamlit as st

from talent.ranking import RANKING_RULE
from ui import auth
from ui.accessible import ranking_explanations
from ui.coverage import RANKING_LABELS, coverage_view
from ui.evidence import bundle_checker, evidence_bundle_download
from ui.recheck import alert_settings, schedule_settings, shortlist_changes
from ui.render import counted, empty_state, run_page
from ui.report import html_report, log_export, shortlist_export
from ui.widgets import role_picker
from ui.workspace import audit_frame

FORMATS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "json": "JSON"}


def shortlist_page() -> None:
    """The Shortlist page body."""
    st.title("Shortlist & export")
    role_id = role_picker("shortlist_role")
    if role_id is None:
        return
    view = coverage_view(role_id)
    if view.ranked.empty:
        empty_state("No candidates to shortlist yet. Import and verify first.", page="pages/1_Import.py")
        return
    st.write("Tick the candidates to shortlist. The three at the top of the ranking are ticked to start with.")
    st.markdown(f"**How candidates are ranked.** {RANKING_RULE}")
    shown = ["rank", "name", "must_haves", "score", "explanation"]
    table = view.ranked[shown].copy()
    table.insert(0, "pick", table["rank"] <= 3)
    edited = st.data_editor(
        table,
        hide_index=True,
        width="stretch",
        disabled=shown,
        column_config={
            "pick": st.column_config.CheckboxColumn("Shortlist", help="Include this candidate in the exports."),
            "rank": st.column_config.NumberColumn(
                RANKING_LABELS["rank"][0], help=RANKING_LABELS["rank"][1], width="small"
            ),
            "name": st.column_config.TextColumn(RANKING_LABELS["name"][0], help=RANKING_LABELS["name"][1]),
            "must_haves": st.column_config.TextColumn(
                RANKING_LABELS["must_haves"][0], help=RANKING_LABELS["must_haves"][1]
            ),
            "score": st.column_config.ProgressColumn(
                RANKING_LABELS["score"][0], help=RANKING_LABELS["score"][1], min_value=0, max_value=100, format="%.1f"
            ),
            "explanation": st.column_config.TextColumn(
                RANKING_LABELS["explanation"][0], help=RANKING_LABELS["explanation"][1], width="large"
            ),
        },
        key=f"shortlist_pick_{role_id}",
    )
    ranking_explanations(view.ranked)
    picked = [cid for cid, keep in zip(view.ranked["candidate_id"], edited["pick"], strict=True) if keep]
    name = st.text_input(
        "Shortlist name",
        value=f"{view.role_name} shortlist",
        help="Used in the file names and at the top of every export.",
        key="shortlist_name",
    )
    if not picked:
        st.info("Tick at least one candidate to export a shortlist.", icon=":material/info:")
        return
    if not auth.can("export"):
        st.info("Your role may look at the ranking but not export shortlists; ask HR or an administrator.")
        return
    st.caption(f"{counted(len(picked), 'candidate')} picked. Every download is recorded in the audit log.")
    cols = st.columns(len(FORMATS) + 1)
    for col, (fmt, label) in zip(cols, FORMATS.items(), strict=False):
        with col:
            export = shortlist_export(name, role_id, tuple(picked), fmt)
            st.download_button(
                f"Download {label}",
                export.content,
                file_name=export.filename,
                mime=export.mime,
                on_click=log_export,
                args=(name, export.filename, fmt, role_id, tuple(picked)),
                help=f"The shortlist with the evidence behind every score, as {label}.",
                key=f"dl_{fmt}",
            )
    with cols[-1]:
        report = html_report(name, role_id, tuple(picked))
        st.download_button(
            "Download HTML report",
            report.content,
            file_name=report.filename,
            mime=report.mime,
            on_click=log_export,
            args=(name, report.filename, "html", role_id, tuple(picked)),
            help="A self-contained page with the charts and tables (opens offline in any browser).",
            key="dl_html",
        )
    evidence_bundle_download(name, role_id, tuple(picked))
    bundle_checker()
    shortlist_changes(name, role_id, picked)
    schedule_settings()
    alert_settings()
    with st.expander("Audit log (latest exports and imports)"):
        st.dataframe(
            audit_frame(limit=50),
            hide_index=True,
            width="stretch",
            column_config={
                "at": st.column_config.TextColumn("When", help="When it happened (UTC)."),
                "action": st.column_config.TextColumn("What", help="The kind of event: an export or an import."),
                "detail": st.column_config.TextColumn("Details", help="What was exported or imported.", width="large"),
                "count": st.column_config.NumberColumn("Items", help="How many candidates or rows it concerned."),
            },
        )


run_page(shortlist_page, title="Shortlist", icon=":material/check_circle:")
