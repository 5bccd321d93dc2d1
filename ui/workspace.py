"""The workspace as the pages see it: one handle per database, cached DataFrames, writes.

Everything is stored in the talent engine's workspace database
(:class:`talent.storage.Workspace`: ``SKILLPROOF_DATABASE_URL``, else
``skillproof.db`` in ``SKILLPROOF_DATA_DIR``, else ``./data``); this module
never runs SQL itself, it calls ``Workspace`` methods. Reading functions are
cached by a *revision* (:meth:`Workspace.revision`: the id of the newest
audit line, since the workspace logs every write), so a rerun with nothing
new costs one small query, even with 25,000 results, and any write
invalidates every cache at once.

Verification runs are in :mod:`ui.runs`, coverage views in
:mod:`ui.coverage`, exports in :mod:`ui.report`, the first launch in
:mod:`ui.sample`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd
import streamlit as st

from talent.candidates import Candidate, ImportResult
from talent.catalogue import Catalogue
from talent.coverage import CoveragePolicy
from talent.matching import SkillMatcher
from talent.roles import Role, check_role_skills
from talent.storage import Workspace, database_url
from ui.identity import identity_cell
from ui.theme import status_label
from ui.verification import verify_all
from verifier import baked
from verifier.errors import InputError
from verifier.models import Status, VerificationResult
from verifier.pipeline import BadgeInput

SAMPLE_MARK = "sample loaded"


@lru_cache(maxsize=8)
def workspace_at(url: str) -> Workspace:
    """The workspace at a database URL (one handle per URL per process)."""
    return Workspace(url)


def workspace() -> Workspace:
    """The workspace database of the current environment (one handle per URL per process)."""
    return workspace_at(database_url())


def url() -> str:
    """The current workspace's database URL (the first half of every cache key)."""
    return database_url()


def revision() -> int:
    """The newest audit-log id: it changes on every write (the second half of every cache key)."""
    return workspace().revision()


# -- reading -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    """The workspace at a glance."""

    candidates: int
    badges: int
    queued: int
    verified: int
    failed: int
    errors: int
    roles: int
    is_sample: bool


def summary() -> Summary:
    """Counts for the start page."""
    frame = results_frame()
    counts = frame["status"].value_counts().to_dict() if len(frame) else {}
    queued = pending_count()
    return Summary(
        candidates=len(candidates()),
        badges=len(frame) + queued,
        queued=queued,
        verified=int(counts.get("verified", 0)),
        failed=int(counts.get("failed", 0)),
        errors=int(counts.get("error", 0)),
        roles=len(roles()),
        is_sample=workspace().has_logged(SAMPLE_MARK),
    )


def pending_count() -> int:
    """How many badges wait to be checked (pending items of every job)."""
    return sum(max(int(j["total"]) - int(j["done"]), 0) for j in workspace().jobs())


@st.cache_data(max_entries=4, show_spinner=False)
def candidates_at(db: str, rev: int) -> pd.DataFrame:
    """:func:`candidates` of the workspace at ``db`` as of revision ``rev`` (cached)."""
    people = workspace_at(db).candidates()
    return pd.DataFrame(
        {
            "candidate_id": [c.candidate_id for c in people],
            "name": [c.name or c.candidate_id for c in people],
            "emails": [", ".join(c.emails) for c in people],
            "ats_id": [c.ats_id or "" for c in people],
            "badge_links": [len(c.badges) for c in people],
        }
    )


def candidates() -> pd.DataFrame:
    """``candidate_id, name, emails, ats_id, badge_links``."""
    return candidates_at(url(), revision())


def names_at(db: str, rev: int) -> dict[str, str]:
    """:func:`names` of the workspace at ``db`` as of revision ``rev``."""
    frame = candidates_at(db, rev)
    counts = frame["name"].value_counts()
    return {
        cid: (name if counts.get(name, 0) == 1 else f"{name} ({cid})")
        for cid, name in zip(frame["candidate_id"], frame["name"], strict=True)
    }


def names() -> dict[str, str]:
    """candidate_id -> display name (unique: a duplicate name gets its id appended)."""
    return names_at(url(), revision())


RESULT_COLUMNS = [
    "result_id", "candidate_id", "candidate", "status", "format", "platform", "issuer", "issuer_id",
    "achievement", "reason", "recipient_match", "issued_on", "expires", "skills", "checked_at", "input",
    "identity_level", "identity",
]  # fmt: skip


@st.cache_data(max_entries=4, show_spinner=False)
def _results_frame(db: str, rev: int) -> pd.DataFrame:
    display = names_at(db, rev)
    records = []
    for rid, cid, data in workspace_at(db).latest_result_records():
        issuer = data.get("issuer") or {}
        achievement = data.get("achievement") or {}
        source = str(data.get("input") or "")
        level, identity = identity_cell(issuer)
        records.append(
            {
                "result_id": rid,
                "candidate_id": cid,
                "candidate": display.get(cid, cid),
                "status": data.get("status"),
                "format": data.get("format"),
                "platform": data.get("platform"),
                "issuer": issuer.get("name") or "—",
                "issuer_id": issuer.get("id"),
                "achievement": achievement.get("name") or f"({source.rstrip('/').rsplit('/', 1)[-1]})",
                "reason": data.get("reason") or "",
                "recipient_match": data.get("recipient_match"),
                "issued_on": data.get("issued_on"),
                "expires": data.get("expires"),
                "skills": ", ".join(dict.fromkeys(str(s.get("name")) for s in data.get("skills") or ())),
                "checked_at": data.get("checked_at"),
                "input": source,
                "identity_level": level,
                "identity": identity,
            }
        )
    frame = pd.DataFrame(records, columns=RESULT_COLUMNS)
    labels = {s.value: status_label(s.value) for s in Status}
    frame["status_label"] = frame["status"].map(labels).fillna(frame["status"])
    return frame


def results_frame() -> pd.DataFrame:
    """One row per badge (its latest check): ``result_id, candidate_id, candidate, status, status_label,
    format, platform, issuer, issuer_id, achievement, reason, recipient_match, issued_on, expires, skills,
    checked_at, input, identity_level, identity`` (the issuer identity: see :mod:`ui.identity`)."""
    return _results_frame(url(), revision())


def latest_results(limit: int = 15) -> pd.DataFrame:
    """The newest stored results (for the live view of a run)."""
    display = names()
    return pd.DataFrame(
        [
            {
                "status": d.get("status"),
                "candidate": display.get(cid, cid),
                "achievement": (d.get("achievement") or {}).get("name") or d.get("input"),
                "issuer": (d.get("issuer") or {}).get("name") or "—",
                "reason": d.get("reason") or "",
            }
            for cid, d in workspace().recent_result_records(limit)
        ],
        columns=["status", "candidate", "achievement", "issuer", "reason"],
    )


@dataclass(frozen=True, slots=True)
class ResultDetail:
    """One stored result and what was handed in for it (for the drill-down)."""

    result: VerificationResult
    input: BadgeInput | None


def result(result_id: int) -> ResultDetail | None:
    """One stored result with the input it came from (a file's content, or the URL), or None."""
    found = workspace().stored_result(result_id)
    return None if found is None else ResultDetail(*found)


def raw_document(detail: ResultDetail) -> str | None:
    """The document as handed in: the file's text, or the badge baked into an image; None for a URL."""
    item = detail.input
    if item is None or item.data is None:
        return None
    data = item.data
    try:
        if data.startswith(b"\x89PNG"):
            return baked.extract_png(data)
        if b"<svg" in data[:2048]:
            return baked.extract_svg(data)
    except InputError as exc:
        return f"(the image holds no readable badge: {exc})"
    return data.decode("utf-8", errors="replace")


def fetch_document(link: str, emails: tuple[str, ...] = ()) -> Any:
    """Verify a URL again and return the document obtained (for the drill-down of a linked badge)."""
    results = verify_all([BadgeInput(source=link, emails=emails)])
    return results[0].document if results else None


@st.cache_data(max_entries=4, show_spinner=False)
def roles_at(db: str, rev: int) -> list[Role]:
    """:func:`roles` of the workspace at ``db`` as of revision ``rev`` (cached)."""
    return workspace_at(db).roles()


def roles() -> list[Role]:
    """Every role of the workspace."""
    return roles_at(url(), revision())


@st.cache_resource(show_spinner=False)
def catalogue() -> Catalogue:
    """The skills catalogue (built-in)."""
    return Catalogue.default()


@st.cache_resource(show_spinner=False)
def matcher() -> SkillMatcher:
    """The skill matcher (its per-skill cache lives as long as the server)."""
    return SkillMatcher(catalogue())


def unknown_skills(role: Role) -> list[str]:
    """Requirement skills the catalogue does not know (never met)."""
    return check_role_skills(role, catalogue())


def audit_frame(limit: int = 50) -> pd.DataFrame:
    """The latest audit lines, newest first: ``at, action, detail, count``."""
    entries = workspace().audit_log(limit=limit)
    return pd.DataFrame(
        [{"at": e.at, "action": e.action, "detail": e.detail, "count": e.count} for e in reversed(entries)],
        columns=["at", "action", "detail", "count"],
    )


# -- writing ---------------------------------------------------------------------------------------------


def save_import(result: ImportResult, *, source: str, mapping: dict[str, object]) -> int:
    """Store imported candidates (merged with those already there) and queue their badge links as a
    verification job; returns how many candidates are new."""
    ws = workspace()
    existing = {c.candidate_id: c for c in ws.candidates()}
    merged = []
    for c in result.candidates:
        old = existing.get(c.candidate_id)
        if old is not None:
            c = Candidate(
                c.candidate_id,
                c.name or old.name,
                tuple(dict.fromkeys([*old.emails, *c.emails])),
                c.ats_id or old.ats_id,
                tuple(dict.fromkeys([*old.badges, *c.badges])),
                tuple(dict.fromkeys([*old.rows, *c.rows])),
            )
        merged.append(c)
    ws.save_candidates(merged, source=source)
    inputs = [item for c in merged for item in c.badge_inputs() if item.source in set(_new_badges(c, result))]
    if inputs:
        ws.create_job(inputs, label=f"import {source}")
    ws.log(
        "import mapping",
        f"{source}: {mapping}; {result.rows_read} rows, {len(result.rejected)} rejected",
        len(result.candidates),
    )
    return sum(1 for c in merged if c.candidate_id not in existing)


def _new_badges(merged: Candidate, result: ImportResult) -> tuple[str, ...]:
    for c in result.candidates:
        if c.candidate_id == merged.candidate_id:
            return c.badges
    return ()


def add_badges(candidate_id: str, inputs: Sequence[BadgeInput], *, source: str) -> int:
    """Queue badges (files or links) for one candidate as a verification job."""
    ws = workspace()
    person = next((c for c in ws.candidates() if c.candidate_id == candidate_id), None)
    emails = person.emails if person else ()
    items = [
        BadgeInput(source=i.source, data=i.data, filename=i.filename, candidate=candidate_id, emails=emails)
        for i in inputs
    ]
    if items:
        ws.create_job(items, label=f"{source} for {candidate_id}")
    return len(items)


def remove_candidates(candidate_ids: Sequence[str]) -> int:
    """Remove candidates with their results, stored evidence, queued badges and shortlist places; how
    many were removed. The removal is audit-logged, so every cached view (candidates, results, coverage,
    issuers) is read again on the next rerun."""
    return workspace().delete_candidates(candidate_ids)


def save_role(role: Role) -> None:
    """Add or replace a role."""
    workspace().save_role(role)


def coverage_policy() -> CoveragePolicy:
    """How this workspace weighs evidence (issuer trust and identity levels)."""
    return workspace().coverage_policy()


def save_coverage_policy(policy: CoveragePolicy) -> None:
    """Store how this workspace weighs evidence (audit-logged; coverage is recomputed)."""
    workspace().save_coverage_policy(policy)


def requeue_all() -> int:
    """Queue every badge ever handed in again (latest input per candidate and source) as a new job."""
    ws = workspace()
    inputs = ws.handed_in_inputs()
    if inputs:
        ws.create_job(inputs, label="re-check every badge")
    return len(inputs)


def api_tokens() -> list[dict[str, Any]]:
    """The HTTP API's tokens (never the token itself): token_id, name, created_at, last_used_at."""
    return workspace().api_tokens()


def create_api_token(name: str) -> tuple[str, str]:
    """A new API token: (its id, the token, to be shown once)."""
    return workspace().create_api_token(name)


def revoke_api_token(token_id: str) -> bool:
    """Revoke an API token."""
    return workspace().revoke_api_token(token_id)
