"""The workspace as the pages see it: cached DataFrames, verification runs, exports.

Pages call these functions and nothing else for data. Reading functions are
cached by the store's revision number (``st.cache_data`` for DataFrames,
``st.cache_resource`` for the heavy coverage objects), so a rerun with
nothing new is cheap even with 25,000 results. Writing functions change the
revision, which invalidates every cache at once.

Where things live: the data directory is ``$SKILLPROOF_DATA_DIR`` (default
``./data``), holding ``workspace.sqlite3`` (:class:`ui.store.WorkspaceStore`).

Verification runs happen in a background thread per data directory
(:func:`start_job`). The run's state and every result are written to the
store as they arrive, so the Verify page (polling) shows them live, a cancel
is seen between two results, and a run interrupted by a restart is resumed
(:func:`resume_interrupted_job`): the badges it had not reached are still
queued.
"""

from __future__ import annotations

import csv
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from talent.candidates import ImportResult, candidate_key, import_file
from talent.catalogue import Catalogue
from talent.coverage import CoverageReport, compute_coverage, evidence_frame
from talent.matching import SkillMatcher
from talent.ranking import Comparison, compare_candidates, pool_coverage, rank_candidates
from talent.roles import Role, check_role_skills, dumps_role, load_roles_dir, loads_role
from talent.shortlist import Shortlist, export_shortlist, safe_filename
from ui.render import status_label
from ui.store import WorkspaceStore
from ui.verification import SAMPLE_DIR, verify_all
from verifier.models import Status, VerificationResult
from verifier.pipeline import BadgeInput

log = logging.getLogger(__name__)

DB_NAME = "workspace.sqlite3"
CHUNK = 50
FLUSH_EVERY = 10
FLUSH_SECONDS = 0.5
HEATMAP_ROWS = 40


def data_dir() -> Path:
    """The data directory: ``$SKILLPROOF_DATA_DIR``, else ``./data`` beside the dashboard."""
    configured = os.environ.get("SKILLPROOF_DATA_DIR", "").strip()
    return Path(configured) if configured else Path(__file__).resolve().parents[1] / "data"


@lru_cache(maxsize=8)
def _store_at(path: str) -> WorkspaceStore:
    return WorkspaceStore(path)


def store() -> WorkspaceStore:
    """The workspace store of the current data directory."""
    return _store_at(str(data_dir() / DB_NAME))


def revision() -> int:
    """The store's revision (the cache key of everything below)."""
    return store().revision()


# -- first launch: the sample workspace --------------------------------------------------------------

_init_lock = threading.Lock()
_initialised: set[str] = set()


def ensure_workspace() -> None:
    """On the first launch with an empty workspace, load the sample and verify it (offline; about a second)."""
    s = store()
    key = str(s.path)
    if key in _initialised:
        return
    with _init_lock:
        if key in _initialised:
            return
        if s.is_empty() and s.get_meta("initialised") is None and os.environ.get("SKILLPROOF_NO_SAMPLE") != "1":
            with st.spinner("First launch: loading the sample workspace and verifying its badges offline…"):
                load_sample(s)
        s.set_meta("initialised", "1")
        _initialised.add(key)


def load_sample(s: WorkspaceStore, *, verify: bool = True) -> None:
    """Load ``sample_data/``: the ATS export, every badge (files kept as bytes), the roles; then verify."""
    imported = import_file(SAMPLE_DIR / "candidates.csv")
    s.upsert_candidates((c.candidate_id, c.name, c.emails, c.ats_id) for c in imported.candidates)
    by_ats = {c.ats_id: c for c in imported.candidates}
    with (SAMPLE_DIR / "badges.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # People whose ATS row has no badge link (their badges were handed in as files) are not in the
    # import's candidates (that row is rejected: "no badge"); they come from the badge list instead.
    extra = {
        row["candidate_id"]: (candidate_key(row["candidate"], [row["email"]], row["candidate_id"]), row)
        for row in rows
        if row["candidate_id"] not in by_ats
    }
    s.upsert_candidates((key, row["candidate"], (row["email"],), row["candidate_id"]) for key, row in extra.values())
    ids = {**{ats: c.candidate_id for ats, c in by_ats.items()}, **{ats: key for ats, (key, _r) in extra.items()}}
    grouped: dict[str, list[BadgeInput]] = {}
    for row in rows:
        cid = ids[row["candidate_id"]]
        badge = row["badge"]
        if badge.startswith("https://"):
            item = BadgeInput(source=badge, candidate=cid)
        else:
            path = SAMPLE_DIR / badge
            item = BadgeInput(source=f"sample_data/{badge}", data=path.read_bytes(), filename=path.name, candidate=cid)
        grouped.setdefault(cid, []).append(item)
    for cid, items in grouped.items():
        s.add_inputs(cid, items, origin="sample")
    roles_dir = SAMPLE_DIR / "roles"
    if roles_dir.is_dir():
        for role in load_roles_dir(roles_dir):
            s.save_role(role.role_id, role.name, dumps_role(role, fmt="yaml"))
    s.set_meta("sample", "1")
    s.audit("sample loaded", {"candidates": len(imported.candidates), "badges": len(rows)})
    if verify:
        job_id = s.create_job(s.queued_count())
        run_job(s, job_id)


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
    s = store()
    c = s.counts()
    return Summary(
        candidates=c["candidates"],
        badges=c["badges"],
        queued=c["queued"],
        verified=c.get("verified", 0),
        failed=c.get("failed", 0),
        errors=c.get("error", 0),
        roles=c["roles"],
        is_sample=s.get_meta("sample") == "1",
    )


@st.cache_data(max_entries=4, show_spinner=False)
def _candidates(path: str, rev: int) -> pd.DataFrame:
    return _store_at(path).candidates()


def candidates() -> pd.DataFrame:
    """``candidate_id, name, emails, ats_id, badges``."""
    return _candidates(str(store().path), revision())


def names() -> dict[str, str]:
    """candidate_id -> display name (unique: a duplicate name gets its id appended)."""
    frame = candidates()
    counts = frame["name"].value_counts()
    return {
        cid: (name if counts.get(name, 0) == 1 and name else f"{name or '?'} ({cid})")
        for cid, name in zip(frame["candidate_id"], frame["name"], strict=True)
    }


@st.cache_data(max_entries=4, show_spinner=False)
def _results_frame(path: str, rev: int) -> pd.DataFrame:
    frame = _store_at(path).results_frame()
    labels = {s.value: status_label(s.value) for s in Status}
    frame["status_label"] = frame["status"].map(labels).fillna(frame["status"])
    # a badge that could not be read has no name: show where it came from instead
    source = frame["input"].fillna("").str.rstrip("/").str.rsplit("/", n=1).str[-1]
    frame["achievement"] = frame["achievement"].fillna("(" + source + ")")
    frame["issuer"] = frame["issuer"].fillna("—")
    return frame


def results_frame() -> pd.DataFrame:
    """One row per checked badge: ``result_id, candidate_id, candidate, status, status_label, format, platform,
    issuer, issuer_id, achievement, reason, recipient_match, issued_on, expires, skills, checked_at``."""
    return _results_frame(str(store().path), revision())


def latest_results(limit: int = 15) -> pd.DataFrame:
    """The newest results (for the live view of a run)."""
    return store().latest_results(limit)


def result(result_id: int) -> VerificationResult | None:
    """One full result with its document (for the drill-down)."""
    return store().result(result_id)


@st.cache_data(max_entries=4, show_spinner=False)
def _roles(path: str, rev: int) -> list[Role]:
    return [loads_role(body, source=f"workspace role {rid}") for rid, _name, body in _store_at(path).roles()]


def roles() -> list[Role]:
    """Every role of the workspace."""
    return _roles(str(store().path), revision())


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
    s = _store_at(path)
    evidence = evidence_frame(s.all_results(), matcher())
    ids = list(s.candidates()["candidate_id"])
    return compute_coverage(evidence, _roles(path, rev), catalogue(), candidate_ids=ids)


def report() -> CoverageReport:
    """The coverage report of every candidate against every role (verified evidence only)."""
    return _report(str(store().path), revision())


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
    display = names()
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
    return _coverage_view(str(store().path), revision(), role_id)


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
    """Store imported candidates and queue their badge links; returns how many candidates are new."""
    s = store()
    new = s.upsert_candidates((c.candidate_id, c.name, c.emails, c.ats_id) for c in result.candidates)
    for c in result.candidates:
        if c.badges:
            s.add_inputs(c.candidate_id, c.badge_inputs(), origin=f"import:{source}")
    s.audit(
        "candidates imported",
        {
            "file": source,
            "mapping": mapping,
            "candidates": len(result.candidates),
            "new": new,
            "badges": result.badges_found,
            "rows_read": result.rows_read,
            "rows_rejected": len(result.rejected),
        },
    )
    return new


def add_badges(candidate_id: str, inputs: Sequence[BadgeInput], *, source: str) -> int:
    """Queue badges (files or links) for one candidate."""
    s = store()
    n = s.add_inputs(candidate_id, inputs, origin=source)
    s.audit("badges added", {"candidate": candidate_id, "count": n, "source": source})
    return n


def save_role(role: Role) -> None:
    """Add or replace a role."""
    s = store()
    s.save_role(role.role_id, role.name, dumps_role(role, fmt="yaml"))
    s.audit("role saved", {"role": role.role_id, "requirements": len(role.requirements)})


def pending_count() -> int:
    """How many badges wait to be checked."""
    return store().queued_count()


def requeue_all() -> int:
    """Queue every badge again."""
    return store().requeue_all()


# -- verification runs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobProgress:
    """A run's progress for the Verify page."""

    job_id: int
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
        """running / cancelling / cancelled / finished, in words."""
        return {
            "running": "running",
            "cancelling": "stopping after the badges in flight…",
            "cancelled": "cancelled",
            "finished": "finished",
        }.get(self.state, self.state)


_threads: dict[tuple[str, int], threading.Thread] = {}
_threads_lock = threading.Lock()


class _Run:
    """One run's writer: results are stored in small groups (every FLUSH_EVERY results or
    FLUSH_SECONDS), and each flush also reads whether the run was asked to stop."""

    def __init__(self, s: WorkspaceStore, job_id: int) -> None:
        self.store = s
        self.job_id = job_id
        self.buffer: list[tuple[int, VerificationResult]] = []
        self.ids: list[int] = []
        self.last_flush = time.monotonic()
        self.stopping = False

    def record(self, i: int, r: VerificationResult) -> None:
        self.buffer.append((self.ids[i], r))
        if len(self.buffer) >= FLUSH_EVERY or time.monotonic() - self.last_flush > FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.store.save_results(self.buffer, job_id=self.job_id)
            statuses = [r.status for _, r in self.buffer]
            self.store.job_add(
                self.job_id,
                verified=statuses.count(Status.VERIFIED),
                failed=statuses.count(Status.FAILED),
                errors=statuses.count(Status.ERROR),
            )
            self.buffer.clear()
        current = self.store.job(self.job_id)
        self.stopping = current is None or current.state != "running"
        self.last_flush = time.monotonic()

    def should_stop(self) -> bool:
        return self.stopping


def run_job(s: WorkspaceStore, job_id: int) -> None:
    """Verify queued badges in chunks until none is left or the run is cancelled (any thread)."""
    run = _Run(s, job_id)
    try:
        while True:
            job = s.job(job_id)
            if job is None or job.state in ("cancelling", "cancelled"):
                s.set_job_state(job_id, "cancelled")
                s.audit("verification cancelled", {"job": job_id, "done": job.done if job else 0})
                return
            batch = s.queued(CHUNK)
            if not batch:
                s.set_job_state(job_id, "finished")
                s.audit("verification finished", {"job": job_id, "done": job.done})
                return
            run.ids = [i for i, _ in batch]
            verify_all([b for _, b in batch], on_result=run.record, should_stop=run.should_stop)
            run.flush()
    except Exception:
        log.exception("verification run %s stopped by an error", job_id)
        s.set_job_state(job_id, "cancelled")
        s.audit("verification stopped by an error", {"job": job_id})


def _spawn(s: WorkspaceStore, job_id: int) -> None:
    key = (str(s.path), job_id)
    with _threads_lock:
        alive = _threads.get(key)
        if alive is not None and alive.is_alive():
            return
        thread = threading.Thread(target=run_job, args=(s, job_id), name=f"verify-{job_id}", daemon=True)
        _threads[key] = thread
        thread.start()


def start_job() -> int:
    """Start verifying every queued badge in the background; returns the run id."""
    s = store()
    job_id = s.create_job(s.queued_count())
    s.audit("verification started", {"job": job_id})
    _spawn(s, job_id)
    return job_id


def cancel_job() -> None:
    """Ask the current run to stop (it stops after the badge in flight)."""
    s = store()
    job = s.job()
    if job is not None and not job.finished:
        s.set_job_state(job.job_id, "cancelling")


def resume_interrupted_job() -> None:
    """Restart the thread of a run that is marked running but has no live thread (a server restart)."""
    s = store()
    job = s.job()
    if job is not None and job.state in ("running", "cancelling"):
        _spawn(s, job.job_id)


def job_progress() -> JobProgress | None:
    """The latest run's progress, or None when nothing was ever run."""
    job = store().job()
    if job is None:
        return None
    return JobProgress(job.job_id, job.state, job.total, job.done, job.verified, job.failed, job.errors)


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
    filename, content, mime = export_shortlist(shortlist, _report(path, rev), fmt, names=names())
    return Export(filename, content, mime)


def shortlist_export(name: str, role_id: str, candidate_ids: tuple[str, ...], fmt: str) -> Export:
    """The shortlist in csv / xlsx / json (talent's exporters, with every piece of evidence)."""
    return _shortlist_export(str(store().path), revision(), name, role_id, candidate_ids, fmt)


def html_report(name: str, role_id: str, candidate_ids: tuple[str, ...]) -> Export:
    """A self-contained HTML report: heatmap, gaps, the shortlisted candidates' ranking and profiles."""
    return _html_report(str(store().path), revision(), name, role_id, candidate_ids)


@st.cache_data(max_entries=8, show_spinner=False)
def _html_report(path: str, rev: int, name: str, role_id: str, candidate_ids: tuple[str, ...]) -> Export:
    from ui.charts import coverage_heatmap, gaps_bar, profile_bars
    from ui.charts import html_report as build

    view = coverage_view(role_id)
    picked = view.ranked[view.ranked["candidate_id"].isin(candidate_ids)]
    display = names()
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


def log_export(filename: str, fmt: str, role_id: str, candidate_ids: tuple[str, ...]) -> None:
    """Record a download in the audit log."""
    store().audit(
        "shortlist exported", {"file": filename, "format": fmt, "role": role_id, "candidates": list(candidate_ids)}
    )


def audit_frame(limit: int = 50) -> pd.DataFrame:
    """The latest audit records."""
    return store().audit_frame(limit)


# -- benchmarks ------------------------------------------------------------------------------------------


def load_synthetic_workspace(n_candidates: int, badges_each: int, *, data: Path | None = None) -> WorkspaceStore:
    """Fill a workspace with ``n_candidates × badges_each`` synthetic results (no network) and the sample roles.

    ``data`` is the data directory (default: the current one). For benchmarks of the pages:

        SKILLPROOF_DATA_DIR=/tmp/big python -c "from ui.state import load_synthetic_workspace as l; l(5000, 5)"
    """
    from ui.synthetic import iter_synthetic_results, synthetic_candidates

    s = WorkspaceStore((data or data_dir()) / DB_NAME)
    people = synthetic_candidates(n_candidates)
    s.upsert_candidates(
        (c, n, (e,), None) for c, n, e in zip(people["candidate_id"], people["name"], people["email"], strict=True)
    )
    current: list[VerificationResult] = []
    for r in iter_synthetic_results(n_candidates, badges_each):
        if current and current[0].candidate != r.candidate:
            s.add_results(str(current[0].candidate), current, origin="synthetic")
            current = []
        current.append(r)
    if current:
        s.add_results(str(current[0].candidate), current, origin="synthetic")
    roles_dir = SAMPLE_DIR / "roles"
    if roles_dir.is_dir():
        for role in load_roles_dir(roles_dir):
            s.save_role(role.role_id, role.name, dumps_role(role, fmt="yaml"))
    s.set_meta("initialised", "1")
    return s
