"""The dashboard's workspace on disk: candidates, queued badges, results, roles, jobs, audit log.

One SQLite file in the data directory. Every method opens its own short
connection, so the verification thread and the page reruns can use the store
at the same time (WAL journal; writes are single statements or short
transactions). A *revision* number goes up on every write; pages cache their
DataFrames by it, so a rerun with nothing new costs one small query.

Tables:

- ``candidates``: id, name, emails (JSON list), ats_id;
- ``inputs``: one queued or checked badge of a candidate: its source label,
  its bytes when it was handed in as a file (so a run can resume after a
  restart without the upload), and ``state`` (``queued`` / ``done``);
- ``results``: the latest result of each input, as the verifier's JSON plus
  the flat columns the tables show;
- ``jobs``: verification runs (``running`` / ``cancelling`` / ``cancelled`` /
  ``finished``) with running counts; a run is resumable because the inputs it
  has not reached are still ``queued``;
- ``roles``: role files (YAML text) by id;
- ``audit``: who-did-what records (imports, runs, exports) with a JSON detail;
- ``meta``: key/value (the revision, whether this is the sample workspace).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from verifier.models import VerificationResult, result_from_dict
from verifier.pipeline import BadgeInput

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS candidates (
    candidate_id TEXT PRIMARY KEY, name TEXT NOT NULL, emails TEXT NOT NULL, ats_id TEXT, added_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS inputs (
    input_id INTEGER PRIMARY KEY AUTOINCREMENT, candidate_id TEXT NOT NULL, source TEXT NOT NULL,
    filename TEXT, data BLOB, origin TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'queued', added_at TEXT NOT NULL,
    UNIQUE (candidate_id, source)
);
CREATE INDEX IF NOT EXISTS inputs_state ON inputs (state, input_id);
CREATE TABLE IF NOT EXISTS results (
    input_id INTEGER PRIMARY KEY, candidate_id TEXT NOT NULL, status TEXT NOT NULL, format TEXT,
    platform TEXT, issuer TEXT, issuer_id TEXT, achievement TEXT, reason TEXT, recipient_match INTEGER,
    issued_on TEXT, expires TEXT, skills TEXT, checked_at TEXT, input TEXT, job_id INTEGER, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    job_id INTEGER PRIMARY KEY AUTOINCREMENT, state TEXT NOT NULL, total INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0, verified INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0, started_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS roles (role_id TEXT PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    audit_id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL
);
"""

RESULT_COLUMNS = (
    "input_id", "candidate_id", "status", "format", "platform", "issuer", "issuer_id", "achievement", "reason",
    "recipient_match", "issued_on", "expires", "skills", "checked_at", "input",
)  # fmt: skip


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class JobRow:
    """A verification run and its running counts."""

    job_id: int
    state: str
    total: int
    done: int
    verified: int
    failed: int
    errors: int
    started_at: str
    updated_at: str

    @property
    def finished(self) -> bool:
        """True once the run has ended (finished or cancelled)."""
        return self.state in ("finished", "cancelled")


class WorkspaceStore:
    """The workspace in one SQLite file (see module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, no fsync per commit
            yield db
        finally:
            db.close()

    def _bump(self, db: sqlite3.Connection) -> None:
        db.execute(
            "INSERT INTO meta (key, value) VALUES ('revision', '1') "
            "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    # -- meta --------------------------------------------------------------------------------------

    def revision(self) -> int:
        """A number that changes on every write (the cache key of the pages' DataFrames)."""
        with self._db() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
        return int(row[0]) if row else 0

    def get_meta(self, key: str) -> str | None:
        """A stored setting, or None."""
        with self._db() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        with self._db() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = ?",
                (key, value, value),
            )

    def is_empty(self) -> bool:
        """True when there are no candidates, badges or roles."""
        with self._db() as db:
            row = db.execute(
                "SELECT (SELECT COUNT(*) FROM candidates) + (SELECT COUNT(*) FROM inputs) + (SELECT COUNT(*) FROM roles)"
            ).fetchone()
        return int(row[0]) == 0

    # -- candidates and inputs ---------------------------------------------------------------------

    def upsert_candidates(self, rows: Iterable[tuple[str, str, Sequence[str], str | None]]) -> int:
        """Add or merge candidates ``(candidate_id, name, emails, ats_id)``; returns how many are new."""
        new = 0
        with self._db() as db:
            db.execute("BEGIN")
            for cid, name, emails, ats in rows:
                cur = db.execute("SELECT emails, name FROM candidates WHERE candidate_id = ?", (cid,)).fetchone()
                if cur is None:
                    db.execute(
                        "INSERT INTO candidates VALUES (?, ?, ?, ?, ?)",
                        (cid, name, json.dumps(list(emails)), ats, _now()),
                    )
                    new += 1
                else:
                    merged = list(dict.fromkeys([*json.loads(cur[0]), *emails]))
                    db.execute(
                        "UPDATE candidates SET emails = ?, name = ? WHERE candidate_id = ?",
                        (json.dumps(merged), name or cur[1], cid),
                    )
            self._bump(db)
            db.execute("COMMIT")
        return new

    def candidates(self) -> pd.DataFrame:
        """``candidate_id, name, emails`` (comma-joined), ``ats_id``, ``badges`` (count)."""
        with self._db() as db:
            frame = pd.read_sql_query(
                "SELECT c.candidate_id, c.name, c.emails, c.ats_id, COUNT(i.input_id) AS badges "
                "FROM candidates c LEFT JOIN inputs i ON i.candidate_id = c.candidate_id "
                "GROUP BY c.candidate_id ORDER BY c.rowid",
                db,
            )
        frame["emails"] = [", ".join(json.loads(e)) for e in frame["emails"]]
        return frame

    def emails_of(self, candidate_id: str) -> tuple[str, ...]:
        """A candidate's email addresses (for the recipient check)."""
        with self._db() as db:
            row = db.execute("SELECT emails FROM candidates WHERE candidate_id = ?", (candidate_id,)).fetchone()
        return tuple(json.loads(row[0])) if row else ()

    def add_inputs(self, candidate_id: str, inputs: Iterable[BadgeInput], *, origin: str) -> int:
        """Queue badges for a candidate; the same source given again is queued again, not duplicated."""
        n = 0
        with self._db() as db:
            db.execute("BEGIN")
            for item in inputs:
                db.execute(
                    "INSERT INTO inputs (candidate_id, source, filename, data, origin, state, added_at) "
                    "VALUES (?, ?, ?, ?, ?, 'queued', ?) ON CONFLICT (candidate_id, source) DO UPDATE SET "
                    "state = 'queued', data = excluded.data, filename = excluded.filename",
                    (candidate_id, item.source, item.filename, item.data, origin, _now()),
                )
                n += 1
            self._bump(db)
            db.execute("COMMIT")
        return n

    def queued(self, limit: int) -> list[tuple[int, BadgeInput]]:
        """The next queued inputs (oldest first) as verifier inputs with the candidate's emails."""
        with self._db() as db:
            rows = db.execute(
                "SELECT i.input_id, i.candidate_id, i.source, i.filename, i.data, c.emails FROM inputs i "
                "LEFT JOIN candidates c ON c.candidate_id = i.candidate_id "
                "WHERE i.state = 'queued' ORDER BY i.input_id LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            (
                int(iid),
                BadgeInput(source=src, data=data, filename=fn, candidate=cid, emails=tuple(json.loads(em or "[]"))),
            )
            for iid, cid, src, fn, data, em in rows
        ]

    def queued_count(self) -> int:
        """How many badges wait to be checked."""
        with self._db() as db:
            return int(db.execute("SELECT COUNT(*) FROM inputs WHERE state = 'queued'").fetchone()[0])

    def requeue_all(self) -> int:
        """Queue every badge again; returns how many."""
        with self._db() as db:
            n = db.execute("UPDATE inputs SET state = 'queued'").rowcount
            self._bump(db)
        return int(n)

    # -- results -----------------------------------------------------------------------------------

    def save_results(self, items: Sequence[tuple[int, VerificationResult]], *, job_id: int | None = None) -> None:
        """Store the results of inputs (replacing earlier ones) and mark the inputs done."""
        with self._db() as db:
            db.execute("BEGIN")
            for input_id, r in items:
                db.execute(
                    "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        input_id, r.candidate or "", r.status.value, r.format, r.platform, r.issuer.name,
                        r.issuer.id, r.achievement.name, r.reason,
                        None if r.recipient_match is None else int(r.recipient_match), r.issued_on, r.expires,
                        ", ".join(dict.fromkeys(s.name for s in r.skills)), r.checked_at, r.input, job_id,
                        json.dumps(r.to_dict(include_document=True), ensure_ascii=False, default=str),
                    ),
                )  # fmt: skip
                db.execute("UPDATE inputs SET state = 'done' WHERE input_id = ?", (input_id,))
            self._bump(db)
            db.execute("COMMIT")

    def add_results(self, candidate_id: str, results: Sequence[VerificationResult], *, origin: str) -> None:
        """Store results that were obtained elsewhere (the synthetic workspace): an input per result, done."""
        with self._db() as db:
            db.execute("BEGIN")
            ids = []
            for r in results:
                cur = db.execute(
                    "INSERT OR IGNORE INTO inputs (candidate_id, source, origin, state, added_at) VALUES (?, ?, ?, 'done', ?)",
                    (candidate_id, r.input, origin, _now()),
                )
                ids.append(int(cur.lastrowid or 0))
            db.execute("COMMIT")
        self.save_results([(i, r) for i, r in zip(ids, results, strict=True) if i])

    def results_frame(self) -> pd.DataFrame:
        """One row per checked badge with the flat columns (no JSON parsing)."""
        with self._db() as db:
            frame = pd.read_sql_query(
                f"SELECT r.{', r.'.join(RESULT_COLUMNS)}, c.name AS candidate FROM results r "  # noqa: S608 - fixed columns
                "LEFT JOIN candidates c ON c.candidate_id = r.candidate_id ORDER BY r.input_id",
                db,
            )
        return frame.rename(columns={"input_id": "result_id"})

    def latest_results(self, limit: int) -> pd.DataFrame:
        """The most recently stored results (newest first)."""
        with self._db() as db:
            frame = pd.read_sql_query(
                "SELECT r.status, c.name AS candidate, r.achievement, r.issuer, r.reason FROM results r "
                "LEFT JOIN candidates c ON c.candidate_id = r.candidate_id ORDER BY r.rowid DESC LIMIT ?",
                db,
                params=(limit,),
            )
        return frame

    def result(self, result_id: int) -> VerificationResult | None:
        """One full result (with its document), or None."""
        with self._db() as db:
            row = db.execute("SELECT body FROM results WHERE input_id = ?", (result_id,)).fetchone()
        return None if row is None else result_from_dict(json.loads(row[0]))

    def all_results(self) -> list[tuple[str, VerificationResult]]:
        """``(candidate_id, result)`` for every stored result (documents dropped to save memory)."""
        out = []
        with self._db() as db:
            for cid, body in db.execute("SELECT candidate_id, body FROM results ORDER BY input_id"):
                data = json.loads(body)
                data.pop("document", None)
                out.append((str(cid), result_from_dict(data)))
        return out

    def counts(self) -> dict[str, int]:
        """Candidates, badges, queued, verified, failed, error and roles counts."""
        with self._db() as db:
            out = {
                "candidates": db.execute("SELECT COUNT(*) FROM candidates").fetchone()[0],
                "badges": db.execute("SELECT COUNT(*) FROM inputs").fetchone()[0],
                "queued": db.execute("SELECT COUNT(*) FROM inputs WHERE state = 'queued'").fetchone()[0],
                "roles": db.execute("SELECT COUNT(*) FROM roles").fetchone()[0],
            }
            for status, n in db.execute("SELECT status, COUNT(*) FROM results GROUP BY status"):
                out[str(status)] = int(n)
        return {k: int(v) for k, v in out.items()}

    # -- jobs --------------------------------------------------------------------------------------

    def create_job(self, total: int) -> int:
        """Start a run record over ``total`` queued badges."""
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO jobs (state, total, started_at, updated_at) VALUES ('running', ?, ?, ?)",
                (total, _now(), _now()),
            )
            self._bump(db)
        return int(cur.lastrowid or 0)

    def job(self, job_id: int | None = None) -> JobRow | None:
        """A run by id, or the latest run."""
        with self._db() as db:
            if job_id is None:
                row = db.execute("SELECT * FROM jobs ORDER BY job_id DESC LIMIT 1").fetchone()
            else:
                row = db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return None if row is None else JobRow(*row)

    def job_add(self, job_id: int, *, verified: int = 0, failed: int = 0, errors: int = 0) -> None:
        """Add to a run's running counts."""
        with self._db() as db:
            db.execute(
                "UPDATE jobs SET done = done + ?, verified = verified + ?, failed = failed + ?, errors = errors + ?, "
                "updated_at = ? WHERE job_id = ?",
                (verified + failed + errors, verified, failed, errors, _now(), job_id),
            )

    def set_job_state(self, job_id: int, state: str) -> None:
        """Move a run to another state."""
        with self._db() as db:
            db.execute("UPDATE jobs SET state = ?, updated_at = ? WHERE job_id = ?", (state, _now(), job_id))
            self._bump(db)

    # -- roles -------------------------------------------------------------------------------------

    def roles(self) -> list[tuple[str, str, str]]:
        """``(role_id, name, yaml text)`` in insertion order."""
        with self._db() as db:
            return [
                (str(a), str(b), str(c))
                for a, b, c in db.execute("SELECT role_id, name, body FROM roles ORDER BY rowid")
            ]

    def save_role(self, role_id: str, name: str, body: str) -> None:
        """Add or replace a role."""
        with self._db() as db:
            db.execute(
                "INSERT INTO roles VALUES (?, ?, ?) ON CONFLICT (role_id) DO UPDATE SET name = ?, body = ?",
                (role_id, name, body, name, body),
            )
            self._bump(db)

    # -- audit -------------------------------------------------------------------------------------

    def audit(self, action: str, detail: dict[str, Any]) -> None:
        """Record an action (import, run, export ...) with its detail."""
        with self._db() as db:
            db.execute(
                "INSERT INTO audit (at, action, detail) VALUES (?, ?, ?)",
                (_now(), action, json.dumps(detail, ensure_ascii=False, default=str)),
            )

    def audit_frame(self, limit: int = 100) -> pd.DataFrame:
        """The latest audit records, newest first."""
        with self._db() as db:
            return pd.read_sql_query(
                "SELECT at, action, detail FROM audit ORDER BY audit_id DESC LIMIT ?", db, params=(limit,)
            )
