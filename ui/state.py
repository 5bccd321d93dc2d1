"""The workspace as the pages see it: cached DataFrames, verification runs, exports.

Pages call these functions and nothing else for data. Everything is stored
in the talent engine's workspace database (:class:`talent.storage.Workspace`:
``SKILLPROOF_DATABASE_URL``, else ``skillproof.db`` in ``SKILLPROOF_DATA_DIR``,
else ``./data``). Reading functions are cached by a *revision*: the id of the
newest audit-log line, since the workspace logs every write. So a rerun with
nothing new costs one small query, even with 25,000 results, and any write
invalidates every cache at once.

Verification runs: badges to check are the pending items of the workspace's
verification jobs (an import or an upload creates a job). :func:`start_run`
verifies every pending item in a background thread, in chunks, writing each
group of results with :meth:`Workspace.record_results` as they arrive, so the
Verify page (polling) shows them live. A cancel is seen between two groups.
A run is recorded in the audit log ("run started" / "run finished" /
"run cancelled"); a run that was started and never ended (the server
stopped) is resumed by :func:`resume_interrupted_run`: its pending items are
still pending, and results already stored are never written twice.
"""

from __future__ import annotations

import base64
import csv
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import and_, func, select

from talent.candidates import Candidate, ImportResult, candidate_key, import_file
from talent.catalogue import Catalogue
from talent.coverage import CoverageReport, compute_coverage, evidence_frame
from talent.matching import SkillMatcher
from talent.ranking import Comparison, compare_candidates, pool_coverage, rank_candidates
from talent.roles import Role, check_role_skills, load_roles_dir
from talent.shortlist import Shortlist, export_shortlist, safe_filename
from talent.storage import Workspace, audit_t, database_url, job_items_t, results_t
from ui.render import status_label
from ui.verification import SAMPLE_DIR, verify_all
from verifier import baked
from verifier.errors import InputError
from verifier.models import Status, VerificationResult, result_from_dict
from verifier.pipeline import BadgeInput

log = logging.getLogger(__name__)

CHUNK = 50
FLUSH_EVERY = 10
FLUSH_SECONDS = 0.5
HEATMAP_ROWS = 40
SAMPLE_MARK = "sample loaded"
RUN_ACTIONS = ("run started", "run finished", "run cancelled")


@lru_cache(maxsize=8)
def _workspace_at(url: str) -> Workspace:
    return Workspace(url)


def workspace() -> Workspace:
    """The workspace database of the current environment (one handle per URL per process)."""
    return _workspace_at(database_url())


def _url() -> str:
    return database_url()


def revision() -> int:
    """The newest audit-log id: it changes on every write (the cache key of everything below)."""
    with workspace().engine.connect() as c:
        return int(c.execute(select(func.max(audit_t.c.id))).scalar() or 0)


def _last_action(ws: Workspace, actions: Sequence[str]) -> tuple[str, str] | None:
    q = select(audit_t.c.action, audit_t.c.detail).where(audit_t.c.action.in_(list(actions)))
    with ws.engine.connect() as c:
        row = c.execute(q.order_by(audit_t.c.id.desc()).limit(1)).first()
    return None if row is None else (str(row[0]), str(row[1]))


# -- first launch: the sample workspace --------------------------------------------------------------

_init_lock = threading.Lock()
_initialised: set[str] = set()


def ensure_workspace() -> None:
    """On the first launch (a workspace that has never been written to), load the sample and verify it
    offline (about a second). ``SKILLPROOF_NO_SAMPLE=1`` starts empty instead."""
    url = _url()
    if url in _initialised:
        return
    with _init_lock:
        if url in _initialised:
            return
        if revision() == 0 and os.environ.get("SKILLPROOF_NO_SAMPLE") != "1":
            with st.spinner("First launch: loading the sample workspace and verifying its badges offline…"):
                load_sample(workspace())
        _initialised.add(url)


def load_sample(ws: Workspace, *, verify: bool = True) -> None:
    """Load ``sample_data/``: the ATS export, every badge (files kept as bytes in the job), the roles; verify."""
    imported = import_file(SAMPLE_DIR / "candidates.csv")
    with (SAMPLE_DIR / "badges.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_ats = {c.ats_id: c for c in imported.candidates}
    people = {c.candidate_id: c for c in imported.candidates}
    # People whose ATS row has no badge link (their badges were handed in as files) are rejected by the
    # importer ("no badge"); they come from the badge list instead.
    for row in rows:
        if row["candidate_id"] not in by_ats:
            key = candidate_key(row["candidate"], [row["email"]], row["candidate_id"])
            people.setdefault(key, Candidate(key, row["candidate"], (row["email"],), row["candidate_id"]))
            by_ats[row["candidate_id"]] = people[key]
    ws.save_candidates(people.values(), source="sample_data/candidates.csv")
    roles_dir = SAMPLE_DIR / "roles"
    if roles_dir.is_dir():
        for role in load_roles_dir(roles_dir):
            ws.save_role(role)
    inputs = []
    for row in rows:
        cand = by_ats[row["candidate_id"]]
        badge = row["badge"]
        if badge.startswith("https://"):
            inputs.append(BadgeInput(source=badge, candidate=cand.candidate_id, emails=cand.emails))
        else:
            path = SAMPLE_DIR / badge
            inputs.append(
                BadgeInput(
                    source=f"sample_data/{badge}",
                    data=path.read_bytes(),
                    filename=path.name,
                    candidate=cand.candidate_id,
                    emails=cand.emails,
                )
            )
    ws.create_job(inputs, label="sample workspace")
    ws.log(SAMPLE_MARK, f"{len(people)} candidates, {len(inputs)} badges", len(inputs))
    if verify:
        run = _Run(ws, _pending_jobs(ws))
        ws.log("run started", run.detail())
        run.run()


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
    return Summary(
        candidates=len(candidates()),
        badges=len(frame) + pending_count(),
        queued=pending_count(),
        verified=int(counts.get("verified", 0)),
        failed=int(counts.get("failed", 0)),
        errors=int(counts.get("error", 0)),
        roles=len(roles()),
        is_sample=_last_action(workspace(), (SAMPLE_MARK,)) is not None,
    )


@st.cache_data(max_entries=4, show_spinner=False)
def _candidates(url: str, rev: int) -> pd.DataFrame:
    people = _workspace_at(url).candidates()
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
    return _candidates(_url(), revision())


def names() -> dict[str, str]:
    """candidate_id -> display name (unique: a duplicate name gets its id appended)."""
    return _names_at(_url(), revision())


def _latest_rows(ws: Workspace) -> list[Any]:
    """The latest stored result per (candidate, badge): id, candidate, data, job, item index."""
    latest = (
        select(func.max(results_t.c.id).label("id"))
        .group_by(results_t.c.candidate_id, results_t.c.badge_key)
        .subquery()
    )
    q = select(
        results_t.c.id, results_t.c.candidate_id, results_t.c.data, results_t.c.job_id, results_t.c.item_index
    ).join(latest, results_t.c.id == latest.c.id)
    with ws.engine.connect() as c:
        return list(c.execute(q.order_by(results_t.c.id)).all())


@st.cache_data(max_entries=4, show_spinner=False)
def _results_frame(url: str, rev: int) -> pd.DataFrame:
    rows = _latest_rows(_workspace_at(url))
    display = _names_at(url, rev)
    records = []
    for rid, cid, data, _job, _index in rows:
        issuer = data.get("issuer") or {}
        achievement = data.get("achievement") or {}
        source = str(data.get("input") or "")
        records.append(
            {
                "result_id": int(rid),
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
            }
        )
    columns = [
        "result_id", "candidate_id", "candidate", "status", "format", "platform", "issuer", "issuer_id",
        "achievement", "reason", "recipient_match", "issued_on", "expires", "skills", "checked_at", "input",
    ]  # fmt: skip
    frame = pd.DataFrame(records, columns=columns)
    labels = {s.value: status_label(s.value) for s in Status}
    frame["status_label"] = frame["status"].map(labels).fillna(frame["status"])
    return frame


def _names_at(url: str, rev: int) -> dict[str, str]:
    frame = _candidates(url, rev)
    counts = frame["name"].value_counts()
    return {
        cid: (name if counts.get(name, 0) == 1 else f"{name} ({cid})")
        for cid, name in zip(frame["candidate_id"], frame["name"], strict=True)
    }


def results_frame() -> pd.DataFrame:
    """One row per badge (its latest check): ``result_id, candidate_id, candidate, status, status_label,
    format, platform, issuer, issuer_id, achievement, reason, recipient_match, issued_on, expires, skills,
    checked_at, input``."""
    return _results_frame(_url(), revision())


def latest_results(limit: int = 15) -> pd.DataFrame:
    """The newest stored results (for the live view of a run)."""
    ws = workspace()
    q = select(results_t.c.candidate_id, results_t.c.data).order_by(results_t.c.id.desc()).limit(limit)
    with ws.engine.connect() as c:
        rows = c.execute(q).all()
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
            for cid, d in rows
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
    ws = workspace()
    with ws.engine.connect() as c:
        row = c.execute(
            select(results_t.c.data, results_t.c.job_id, results_t.c.item_index).where(results_t.c.id == result_id)
        ).first()
        if row is None:
            return None
        item = None
        if row[1] is not None:
            item = c.execute(
                select(job_items_t.c.input).where(
                    and_(job_items_t.c.job_id == row[1], job_items_t.c.item_index == row[2])
                )
            ).scalar()
    given = None
    if isinstance(item, dict):
        raw = item.get("data")
        given = BadgeInput(
            source=str(item.get("source")),
            data=base64.b64decode(raw) if raw else None,
            filename=item.get("filename"),
            candidate=item.get("candidate"),
        )
    return ResultDetail(result_from_dict(row[0]), given)


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


def fetch_document(url: str, emails: tuple[str, ...] = ()) -> Any:
    """Verify a URL again and return the document obtained (for the drill-down of a linked badge)."""
    results = verify_all([BadgeInput(source=url, emails=emails)])
    return results[0].document if results else None


@st.cache_data(max_entries=4, show_spinner=False)
def _roles(url: str, rev: int) -> list[Role]:
    return _workspace_at(url).roles()


def roles() -> list[Role]:
    """Every role of the workspace."""
    return _roles(_url(), revision())


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


# -- coverage --------------------------------------------------------------------------------------------


@st.cache_resource(max_entries=2, show_spinner="Matching badge skills to the catalogue…")
def _report(path: str, rev: int) -> CoverageReport:
    ws = _workspace_at(path)
    evidence = evidence_frame(ws.latest_results(), matcher())
    ids = list(_candidates(path, rev)["candidate_id"])
    return compute_coverage(evidence, _roles(path, rev), catalogue(), candidate_ids=ids)


def report() -> CoverageReport:
    """The coverage report of every candidate against every role (verified evidence only)."""
    return _report(_url(), revision())


@dataclass(frozen=True)
class CoverageView:
    """What the Coverage page shows for one role."""

    role_id: str
    role_name: str
    ranked: pd.DataFrame  # rank, candidate_id, name, score, must_haves, met, explanation
    heatmap: pd.DataFrame  # display names x requirements, strength 0..1 (top HEATMAP_ROWS)
    hover: pd.DataFrame  # same shape: the evidence behind each cell
    gaps: pd.DataFrame  # requirement, covered, total, must_have


@st.cache_data(max_entries=16, show_spinner=False)
def _coverage_view(path: str, rev: int, role_id: str) -> CoverageView:
    rep = _report(path, rev)
    display = _names_at(path, rev)
    ranked = rank_candidates(rep, role_id, names=display)
    role_name = next((r.name for r in _roles(path, rev) if r.role_id == role_id), role_id)
    ranked["must_haves"] = [
        f"{a} of {b}" for a, b in zip(ranked["must_have_met"], ranked["must_have_total"], strict=True)
    ]
    ranked["met"] = [f"{a} of {b}" for a, b in zip(ranked["met"], ranked["total"], strict=True)]
    m = rep.matrix[rep.matrix["role_id"] == role_id]
    order = [
        str(r) for r in rep.requirements[rep.requirements["role_id"] == role_id].sort_values("req_index")["requirement"]
    ]
    top = list(ranked["candidate_id"].head(HEATMAP_ROWS))
    mt = m[m["candidate_id"].isin(top)]
    heat = mt.pivot_table(index="candidate_id", columns="requirement", values="strength", aggfunc="max", sort=False)
    heat = heat.reindex(index=top, columns=order).fillna(0.0)
    badge_names = rep.evidence.drop_duplicates("badge_key").set_index("badge_key")["badge_name"].to_dict()
    mt = mt.assign(
        hover=[
            f"✔ {badge_names.get(b) or b}" + (f" (+{n - 1} more)" if n > 1 else "") if met else "✖ no verified badge"
            for b, n, met in zip(mt["best_badge"], mt["badges"], mt["met"], strict=True)
        ]
    )
    hover = mt.pivot_table(index="candidate_id", columns="requirement", values="hover", aggfunc="first", sort=False)
    hover = hover.reindex(index=top, columns=order).fillna("")
    heat.index = hover.index = [display.get(c, c) for c in top]
    pool = pool_coverage(rep, role_id)
    gaps = pd.DataFrame(
        {
            "requirement": pool["requirement"],
            "covered": pool["candidates_meeting"].astype(int),
            "total": int(m["candidate_id"].nunique()),
            "must_have": pool["must_have"].astype(bool),
        }
    )
    cols = ["rank", "candidate_id", "name", "score", "must_haves", "met", "explanation"]
    return CoverageView(role_id, role_name, ranked[cols], heat, hover, gaps)


def coverage_view(role_id: str) -> CoverageView:
    """Ranking, heatmap and gaps of one role."""
    return _coverage_view(_url(), revision(), role_id)


def profile(role_id: str, candidate_id: str) -> pd.DataFrame:
    """One candidate against a role: ``requirement, coverage, must_have`` in the role's order."""
    m = report().matrix
    rows = m[(m["role_id"] == role_id) & (m["candidate_id"] == candidate_id)].sort_values("req_index")
    return pd.DataFrame(
        {
            "requirement": rows["requirement"].astype(str),
            "coverage": rows["strength"].where(rows["met"], 0.0).astype(float),
            "must_have": rows["must_have"].astype(bool),
        }
    ).reset_index(drop=True)


def comparison(role_id: str, candidate_ids: tuple[str, ...]) -> Comparison:
    """Side-by-side comparison of 2–4 candidates (talent's comparison)."""
    return compare_candidates(report(), role_id, candidate_ids)


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


def save_role(role: Role) -> None:
    """Add or replace a role."""
    workspace().save_role(role)


def _pending_jobs(ws: Workspace) -> list[str]:
    return [j["job_id"] for j in ws.jobs() if int(j["done"]) < int(j["total"])]


def pending_count() -> int:
    """How many badges wait to be checked (pending items of every job)."""
    return sum(max(int(j["total"]) - int(j["done"]), 0) for j in workspace().jobs())


def requeue_all() -> int:
    """Queue every badge ever handed in again (latest input per candidate and source) as a new job."""
    ws = workspace()
    with ws.engine.connect() as c:
        rows = c.execute(select(job_items_t.c.input).order_by(job_items_t.c.job_id, job_items_t.c.item_index)).all()
    seen: dict[tuple[str | None, str], dict[str, Any]] = {}
    for (item,) in rows:
        seen[(item.get("candidate"), str(item.get("source")))] = item
    inputs = [
        BadgeInput(
            source=str(i["source"]),
            data=base64.b64decode(i["data"]) if i.get("data") else None,
            filename=i.get("filename"),
            candidate=i.get("candidate"),
            emails=tuple(i.get("emails") or ()),
        )
        for i in seen.values()
    ]
    if inputs:
        ws.create_job(inputs, label="re-check every badge")
    return len(inputs)


# -- verification runs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobProgress:
    """A run's progress for the Verify page."""

    state: str
    total: int
    done: int
    verified: int
    failed: int
    errors: int

    @property
    def finished(self) -> bool:
        """True once the run has ended."""
        return self.state in ("finished", "cancelled")

    @property
    def state_label(self) -> str:
        """The run's state in words."""
        return {
            "running": "running",
            "cancelling": "stopping after the badges in flight…",
            "cancelled": "cancelled",
            "finished": "finished",
            "interrupted": "interrupted: resuming…",
        }.get(self.state, self.state)


@dataclass
class _Run:
    """One run over some jobs' pending items: results are stored in small groups (every FLUSH_EVERY
    results or FLUSH_SECONDS) with :meth:`Workspace.record_results`; a cancel is seen at each group."""

    ws: Workspace
    job_ids: list[str]
    cancel: threading.Event = field(default_factory=threading.Event)
    buffer: list[tuple[int, VerificationResult]] = field(default_factory=list)
    job_id: str = ""
    indexes: list[int] = field(default_factory=list)
    last_flush: float = 0.0

    def detail(self) -> str:
        return "jobs " + ",".join(self.job_ids)

    def record(self, i: int, r: VerificationResult) -> None:
        self.buffer.append((self.indexes[i], r))
        if len(self.buffer) >= FLUSH_EVERY or time.monotonic() - self.last_flush > FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.ws.record_results(self.job_id, list(self.buffer))
            self.buffer.clear()
        self.last_flush = time.monotonic()

    def run(self) -> None:
        """Verify every pending item of the jobs, in chunks; end with a "run finished" or "run cancelled" line."""
        try:
            for job_id in self.job_ids:
                self.job_id = job_id
                pending = self.ws.pending_items(job_id)  # read once: done items are skipped on write anyway
                for start in range(0, len(pending), CHUNK):
                    if self.cancel.is_set():
                        break
                    chunk = pending[start : start + CHUNK]
                    self.indexes = [p.index for p in chunk]
                    self.last_flush = time.monotonic()
                    verify_all([p.input for p in chunk], on_result=self.record, should_stop=self.cancel.is_set)
                    self.flush()
            self.ws.log("run cancelled" if self.cancel.is_set() else "run finished", self.detail())
        except Exception as exc:
            log.exception("verification run stopped by an error")
            self.ws.log("run cancelled", f"{self.detail()}: stopped by an error ({exc.__class__.__name__})")


_runs: dict[str, tuple[_Run, threading.Thread]] = {}
_runs_lock = threading.Lock()


def _spawn(ws: Workspace, url: str, job_ids: list[str], *, resume: bool = False) -> None:
    with _runs_lock:
        current = _runs.get(url)
        if current is not None and current[1].is_alive():
            return
        run = _Run(ws, job_ids)
        if not resume:
            ws.log("run started", run.detail())
        thread = threading.Thread(target=run.run, name="skillproof-verify", daemon=True)
        _runs[url] = (run, thread)
        thread.start()


def start_run() -> None:
    """Verify every pending badge in the background."""
    ws = workspace()
    jobs = _pending_jobs(ws)
    if jobs:
        _spawn(ws, _url(), jobs)


def cancel_run() -> None:
    """Ask the current run to stop (after the badges in flight)."""
    current = _runs.get(_url())
    if current is not None and current[1].is_alive():
        current[0].cancel.set()


def resume_interrupted_run() -> None:
    """Restart a run that was started and never ended (the server stopped mid-run)."""
    ws = workspace()
    last = _last_action(ws, RUN_ACTIONS)
    current = _runs.get(_url())
    if last is None or last[0] != "run started" or (current is not None and current[1].is_alive()):
        return
    jobs = [j for j in last[1].removeprefix("jobs ").split(",") if j]
    pending = set(_pending_jobs(ws))
    if any(j in pending for j in jobs):
        _spawn(ws, _url(), [j for j in jobs if j in pending], resume=True)
    else:
        ws.log("run finished", last[1])


def job_progress() -> JobProgress | None:
    """The latest run's progress (done / total and counts by status), or None when nothing was ever run."""
    ws = workspace()
    last = _last_action(ws, RUN_ACTIONS)
    if last is None:
        return None
    started = _last_action(ws, ("run started",))
    job_ids = [j for j in (started[1] if started else "").removeprefix("jobs ").split(",") if j]
    jobs = [j for j in ws.jobs() if j["job_id"] in job_ids]
    total = sum(int(j["total"]) for j in jobs)
    done = sum(int(j["done"]) for j in jobs)
    q = select(results_t.c.status, func.count()).where(results_t.c.job_id.in_(job_ids)).group_by(results_t.c.status)
    with ws.engine.connect() as c:
        counts = {str(k): int(v) for k, v in c.execute(q).all()}
    current = _runs.get(_url())
    alive = current is not None and current[1].is_alive()
    if last[0] == "run started":
        state = (
            ("cancelling" if current is not None and current[0].cancel.is_set() else "running")
            if alive
            else "interrupted"
        )
    else:
        state = "cancelled" if last[0] == "run cancelled" else "finished"
    return JobProgress(state, total, done, counts.get("verified", 0), counts.get("failed", 0), counts.get("error", 0))


# -- exports ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Export:
    """A file to download."""

    filename: str
    content: bytes
    mime: str


@st.cache_data(max_entries=16, show_spinner=False)
def _shortlist_export(path: str, rev: int, name: str, role_id: str, candidate_ids: tuple[str, ...], fmt: str) -> Export:
    shortlist = Shortlist(name=name, role_id=role_id, candidate_ids=candidate_ids)
    filename, content, mime = export_shortlist(shortlist, _report(path, rev), fmt, names=_names_at(path, rev))
    return Export(filename, content, mime)


def shortlist_export(name: str, role_id: str, candidate_ids: tuple[str, ...], fmt: str) -> Export:
    """The shortlist in csv / xlsx / json (talent's exporters, with every piece of evidence)."""
    return _shortlist_export(_url(), revision(), name, role_id, candidate_ids, fmt)


def html_report(name: str, role_id: str, candidate_ids: tuple[str, ...]) -> Export:
    """A self-contained HTML report: heatmap, gaps, the shortlisted candidates' ranking and profiles."""
    return _html_report(_url(), revision(), name, role_id, candidate_ids)


@st.cache_data(max_entries=8, show_spinner=False)
def _html_report(path: str, rev: int, name: str, role_id: str, candidate_ids: tuple[str, ...]) -> Export:
    from ui.charts import coverage_heatmap, gaps_bar, profile_bars
    from ui.charts import html_report as build

    view = _coverage_view(path, rev, role_id)
    picked = view.ranked[view.ranked["candidate_id"].isin(candidate_ids)]
    display = _names_at(path, rev)
    sections: list[tuple[str, go.Figure | pd.DataFrame | str]] = [
        ("Shortlist", picked[["rank", "name", "score", "must_haves", "met", "explanation"]]),
        ("Verified coverage", coverage_heatmap(view.heatmap, hover=view.hover, title=view.role_name)),
        ("Where the pool is thin", gaps_bar(view.gaps)),
    ]
    for cid in candidate_ids:
        sections.append((display.get(cid, cid), profile_bars(profile(role_id, cid), title=display.get(cid, cid))))
    sections.append(
        ("About this report", "Only badges whose every applicable check passed (verified) count as evidence.")
    )
    html = build(f"{name} — {view.role_name}", sections)
    return Export(safe_filename(f"{name}-{role_id}", suffix=".html"), html.encode("utf-8"), "text/html")


def log_export(name: str, filename: str, fmt: str, role_id: str, candidate_ids: tuple[str, ...]) -> None:
    """Save the shortlist in the workspace and record the download in the audit log."""
    ws = workspace()
    shortlist = Shortlist(name=name, role_id=role_id, candidate_ids=candidate_ids)
    ws.save_shortlist(shortlist)
    ws.record_export(shortlist, fmt, filename)


def audit_frame(limit: int = 50) -> pd.DataFrame:
    """The latest audit lines, newest first: ``at, action, detail, count``."""
    entries = workspace().audit_log(limit=limit)
    return pd.DataFrame(
        [{"at": e.at, "action": e.action, "detail": e.detail, "count": e.count} for e in reversed(entries)],
        columns=["at", "action", "detail", "count"],
    )


# -- benchmarks ------------------------------------------------------------------------------------------


def load_synthetic_workspace(n_candidates: int, badges_each: int, *, url: str | None = None) -> Workspace:
    """Fill a workspace with ``n_candidates × badges_each`` synthetic results (no network) and the sample roles.

    ``url`` is a database URL (default: the current one, from ``SKILLPROOF_DATA_DIR`` /
    ``SKILLPROOF_DATABASE_URL``). For benchmarks of the pages:

        SKILLPROOF_DATA_DIR=/tmp/big python -c "from ui.state import load_synthetic_workspace as l; l(5000, 5)"
        SKILLPROOF_DATA_DIR=/tmp/big streamlit run dashboard.py
    """
    from ui.synthetic import iter_synthetic_results, synthetic_candidates

    ws = Workspace(url) if url else workspace()
    people = synthetic_candidates(n_candidates)
    ws.save_candidates(
        Candidate(cid, name, (email,))
        for cid, name, email in zip(people["candidate_id"], people["name"], people["email"], strict=True)
    )
    ws.save_results((str(r.candidate), r) for r in iter_synthetic_results(n_candidates, badges_each))
    roles_dir = SAMPLE_DIR / "roles"
    if roles_dir.is_dir():
        for role in load_roles_dir(roles_dir):
            ws.save_role(role)
    ws.log("synthetic workspace", f"{n_candidates} candidates x {badges_each} badges", n_candidates * badges_each)
    return ws
