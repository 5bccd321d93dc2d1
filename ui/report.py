"""Exports of a shortlist: talent's csv / xlsx / json files and a self-contained HTML report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from talent.bundles import shortlist_bundle
from talent.coverage import CoverageReport
from talent.ranking import RANKING_RULE, requirement_evidence
from talent.shortlist import Shortlist, export_shortlist, safe_filename
from ui.accessible import gaps_summary, gaps_table, heatmap_summary, profile_summary, profile_table, table_frame
from ui.charts import ReportItem, coverage_heatmap, gaps_bar, profile_bars
from ui.charts import html_report as build_html
from ui.coverage import RANKING_WORDS, coverage_view_at, profile_at, report_at
from ui.verification import offline_only, sample_hosts
from ui.workspace import names_at, revision, url, workspace


@dataclass(frozen=True, slots=True)
class Export:
    """A file to download."""

    filename: str
    content: bytes
    mime: str


@st.cache_data(max_entries=16, show_spinner=False)
def _shortlist_export(db: str, rev: int, name: str, role_id: str, candidate_ids: tuple[str, ...], fmt: str) -> Export:
    shortlist = Shortlist(name=name, role_id=role_id, candidate_ids=candidate_ids)
    filename, content, mime = export_shortlist(shortlist, report_at(db, rev), fmt, names=names_at(db, rev))
    return Export(filename, content, mime)


def shortlist_export(name: str, role_id: str, candidate_ids: tuple[str, ...], fmt: str) -> Export:
    """The shortlist in csv / xlsx / json (talent's exporters, with every piece of evidence)."""
    return _shortlist_export(url(), revision(), name, role_id, candidate_ids, fmt)


def html_report(name: str, role_id: str, candidate_ids: tuple[str, ...]) -> Export:
    """A self-contained HTML report: heatmap, gaps, the shortlisted candidates' ranking and profiles."""
    return _html_report(url(), revision(), name, role_id, candidate_ids)


@st.cache_data(max_entries=8, show_spinner=False)
def _html_report(db: str, rev: int, name: str, role_id: str, candidate_ids: tuple[str, ...]) -> Export:
    view = coverage_view_at(db, rev, role_id)
    rep = report_at(db, rev)
    picked = view.ranked[view.ranked["candidate_id"].isin(candidate_ids)]
    display = names_at(db, rev)
    sections: list[tuple[str, ReportItem]] = [
        ("Shortlist", picked[list(RANKING_WORDS)].rename(columns=RANKING_WORDS)),
        ("How candidates are ranked", RANKING_RULE),
        (
            "Verified coverage",
            (
                coverage_heatmap(view.heatmap, hover=view.hover, title=view.role_name),
                heatmap_summary(view.heatmap, view.role_name),
                table_frame(view.hover, "Candidate"),
            ),
        ),
        ("Where the pool is thin", (gaps_bar(view.gaps), gaps_summary(view.gaps), gaps_table(view.gaps))),
    ]
    for cid in candidate_ids:
        who = display.get(cid, cid)
        prof = profile_at(rep, role_id, cid)
        sections.append((who, (profile_bars(prof, title=who), profile_summary(who, prof), profile_table(prof))))
    sections.append(("Evidence and who issued it", evidence_identity_table(rep, role_id, candidate_ids, display)))
    sections.append(
        (
            "About this report",
            "Only badges whose every applicable check passed (verified) count as evidence, and only from issuers "
            "whose identity is proven by a registry, a domain or a badge platform unless the workspace or the "
            "requirement says otherwise; the evidence table says what is proven about each issuer.",
        )
    )
    html = build_html(f"{name} — {view.role_name}", sections)
    return Export(safe_filename(f"{name}-{role_id}", suffix=".html"), html.encode("utf-8"), "text/html")


def evidence_identity_table(
    rep: CoverageReport, role_id: str, candidate_ids: tuple[str, ...], display: Mapping[str, str]
) -> pd.DataFrame:
    """One row per piece of evidence of the shortlisted candidates: the badge, its issuer,
    the issuer identity level and what is proven, and whether (or why not) it counts."""
    ev = requirement_evidence(rep, role_id, list(candidate_ids))
    ev = ev[ev["badge_key"].notna()]
    return pd.DataFrame(
        {
            "candidate": ev["candidate_id"].map(lambda c: display.get(c, c)),
            "requirement": ev["requirement"],
            "badge": ev["badge_name"].fillna(""),
            "verification": ev["summary"].astype(object).fillna(""),
            "issuer": ev["issuer_name"].fillna(""),
            "identity": ev["identity_level"].fillna("").replace("", "not assessed"),
            "proven": ev["identity_note"].fillna(""),
            "counts": ev["counts"].astype("boolean").fillna(False).astype(bool),
            "why not": ev["why_not"].fillna(""),
        }
    ).reset_index(drop=True)


def log_export(
    name: str, filename: str, fmt: str, role_id: str, candidate_ids: tuple[str, ...], manifest_sha256: str = ""
) -> None:
    """Save the shortlist in the workspace and record the download in the audit log
    (an evidence bundle's with the SHA-256 of its manifest)."""
    ws = workspace()
    shortlist = Shortlist(name=name, role_id=role_id, candidate_ids=candidate_ids)
    ws.save_shortlist(shortlist)
    ws.record_export(shortlist, fmt, filename, manifest_sha256=manifest_sha256)


@dataclass(frozen=True, slots=True)
class BundleExport:
    """An evidence bundle to download, with its manifest's SHA-256 and how many badges lack fetched documents."""

    filename: str
    content: bytes
    manifest_sha256: str
    badges: int
    without_documents: int


def evidence_bundle(name: str, role_id: str, candidate_ids: tuple[str, ...]) -> BundleExport:
    """The shortlist's evidence bundle (:func:`talent.bundles.shortlist_bundle`), built from the workspace."""
    return _evidence_bundle(url(), revision(), name, role_id, candidate_ids)


@st.cache_data(max_entries=4, show_spinner=False)
def _evidence_bundle(db: str, rev: int, name: str, role_id: str, candidate_ids: tuple[str, ...]) -> BundleExport:
    ws = workspace()
    role = next((r for r in ws.roles() if r.role_id == role_id), None)
    made = shortlist_bundle(
        ws,
        Shortlist(name=name, role_id=role_id, candidate_ids=candidate_ids),
        role,
        names=names_at(db, rev),
        verifies_tls=not offline_only(),
        vouched_hosts=sample_hosts(),
    )
    return BundleExport(made.filename, made.content, made.manifest_sha256, made.badges, made.without_documents)
