"""The workspace database: candidates, verification results (with history),
roles, shortlists, resumable verification jobs and an audit log.

Where it lives (:func:`database_url`): ``SKILLPROOF_DATABASE_URL`` when set
(any SQLAlchemy URL: ``postgresql+psycopg://...`` works unchanged), else
``skillproof.db`` in ``SKILLPROOF_DATA_DIR``, else ``./data/skillproof.db``.
The file and its tables are created on first use, and a workspace made by an
earlier release is upgraded when opened (Alembic migrations in
``talent/migrations``). SQLite runs in WAL mode.

Only portable SQL is used (SQLAlchemy Core; JSON columns are
``sqlalchemy.JSON``). Every write is a transaction: an import is written
whole or not at all; results are written atomically per chunk.

Resumable verification: :meth:`Workspace.create_job` stores one row per
input; :meth:`Workspace.pending_items` lists the inputs not yet done;
:meth:`Workspace.record_results` writes results and marks their items done in
one transaction, ignoring items already done, so that a batch interrupted at
any point resumes without losing or duplicating a result (the results table
is also unique by job and input index).

The audit log never holds an email address: messages are scrubbed.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from talent.candidates import Candidate
from talent.catalogue import Catalogue, CatalogueSkill
from talent.coverage import CoveragePolicy, badge_key
from talent.errors import JobError, StorageError
from talent.issuers import RegistrySettings, TrustAction, trust_from_value, trust_to_value, with_verdict
from talent.migrations import upgrade
from talent.roles import Role, role_from_dict
from talent.shortlist import Shortlist, shortlist_from_dict, shortlist_to_dict
from verifier.models import VerificationResult, result_from_dict, utc_now
from verifier.pipeline import BadgeInput
from verifier.recording import RecordedDocument
from verifier.trust import TrustList

if TYPE_CHECKING:
    from talent.queue import RunQueue

DEFAULT_DB_NAME = "skillproof.db"
CHUNK = 2_000
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

metadata = MetaData()

candidates_t = Table(
    "candidates",
    metadata,
    Column("candidate_id", String(300), primary_key=True),
    Column("name", String(300), nullable=False, default=""),
    Column("emails", JSON, nullable=False),
    Column("ats_id", String(200)),
    Column("badges", JSON, nullable=False),
    Column("rows", JSON, nullable=False),
    Column("updated_at", String(40), nullable=False),
)
results_t = Table(
    "results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("candidate_id", String(300), nullable=False, index=True),
    Column("badge_key", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("checked_at", String(40), nullable=False, default=""),
    Column("data", JSON, nullable=False),
    Column("job_id", String(40)),
    Column("item_index", Integer),
    Column("stored_at", String(40), nullable=False),
    UniqueConstraint("job_id", "item_index", name="uq_results_job_item"),
)
roles_t = Table(
    "roles",
    metadata,
    Column("role_id", String(100), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("data", JSON, nullable=False),
    Column("updated_at", String(40), nullable=False),
)
shortlists_t = Table(
    "shortlists",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("role_id", String(100), nullable=False),
    Column("data", JSON, nullable=False),
    Column("updated_at", String(40), nullable=False),
    UniqueConstraint("name", "role_id", name="uq_shortlist_name_role"),
)
audit_t = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("action", String(40), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("count", Integer),
)
jobs_t = Table(
    "jobs",
    metadata,
    Column("job_id", String(40), primary_key=True),
    Column("label", String(300), nullable=False, default=""),
    Column("total", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
)
job_items_t = Table(
    "job_items",
    metadata,
    Column("job_id", String(40), ForeignKey("jobs.job_id", ondelete="CASCADE"), primary_key=True),
    Column("item_index", Integer, primary_key=True, autoincrement=False),
    Column("input", JSON, nullable=False),
    Column("candidate_id", String(300)),
    Column("done", Boolean, nullable=False, default=False),
    # the queue (talent.queue): the run the item belongs to, and the worker's claim on it
    Column("run_id", String(40), ForeignKey("runs.run_id", ondelete="SET NULL", name="fk_job_items_run_id_runs")),
    Column("claim", String(40)),
    Column("claimed_at", Float),
    Index("ix_job_items_run_done", "run_id", "done"),
)
runs_t = Table(
    "runs",
    metadata,
    Column("run_id", String(40), primary_key=True),
    Column("label", String(300), nullable=False, default=""),
    # queued -> running -> finished; queued | running -> cancelling -> cancelled
    Column("state", String(16), nullable=False),
    Column("total", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("started_at", String(40)),
    Column("finished_at", String(40)),
)
api_tokens_t = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
    Column("last_used_at", String(40)),
)


catalogue_t = Table(
    "catalogue_skills",
    metadata,
    Column("skill_id", String(300), primary_key=True),
    Column("data", JSON, nullable=False),
    Column("updated_at", String(40), nullable=False),
)


settings_t = Table(
    "settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", String(40), nullable=False),
)

documents_t = Table(
    "documents",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("content", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("stored_at", String(40), nullable=False),
)
result_documents_t = Table(
    "result_documents",
    metadata,
    Column("result_id", Integer, ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("url", Text, nullable=False),
    Column("accept", String(300), nullable=False),
    Column("final_url", Text, nullable=False),
    Column("redirects", JSON, nullable=False),
    Column("status", Integer, nullable=False),
    Column("content_type", String(300), nullable=False),
    Column("sha256", String(64), ForeignKey("documents.sha256"), nullable=False),
)

alert_deliveries_t = Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False),
    Column("event_key", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("detail", Text, nullable=False),
    Column("at", String(40), nullable=False),
    UniqueConstraint("channel", "event_key", name="uq_alert_deliveries_channel_event"),
)

COVERAGE_POLICY_KEY = "coverage_policy"
TRUST_LIST_KEY = "trust_list"
REGISTRIES_KEY = "registries"


def database_url() -> str:
    """The workspace database URL from the environment (see module docstring)."""
    url = os.environ.get("SKILLPROOF_DATABASE_URL", "").strip()
    if url:
        return url
    folder = Path(os.environ.get("SKILLPROOF_DATA_DIR", "").strip() or "data")
    return f"sqlite:///{(folder / DEFAULT_DB_NAME).resolve()}"


def scrub(text: str) -> str:
    """``text`` with every email address replaced by ``[email]``."""
    return _EMAIL.sub("[email]", text)


def _now() -> str:
    return utc_now().isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit log line: when, what (``imported``, ``verified``, ``exported``, ...), detail, count."""

    at: str
    action: str
    detail: str
    count: int | None


@dataclass(frozen=True, slots=True)
class JobItem:
    """One input of a verification job, as stored."""

    index: int
    input: BadgeInput


class Workspace:
    """A handle on the workspace database; cheap to open, safe to share in one process.

    Use as a context manager or call :meth:`close`.
    """

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        try:
            self.engine: Engine = _make_engine(self.url)
            # the schema is made and changed by migrations only (talent/migrations)
            upgrade(self.engine)
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot open the workspace database: {exc.__class__.__name__}: {exc}") from exc

    @property
    def queue(self) -> RunQueue:
        """The workspace's verification run queue (:mod:`talent.queue`)."""
        from talent.queue import RunQueue

        return RunQueue(self)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StorageError(f"database write failed: {exc.__class__.__name__}") from exc

    # -- settings -------------------------------------------------------------------------------

    def setting(self, key: str, default: Any = None) -> Any:
        """A workspace setting's JSON value, or ``default``."""
        with self.engine.connect() as c:
            row = c.execute(select(settings_t.c.value).where(settings_t.c.key == key)).first()
        return default if row is None else row[0]

    def save_setting(self, key: str, value: Any) -> None:
        """Store a workspace setting (audit-logged)."""
        with self._tx() as c:
            c.execute(delete(settings_t).where(settings_t.c.key == key))
            c.execute(insert(settings_t), {"key": key, "value": value, "updated_at": _now()})
            self.log("setting", key, conn=c)

    def coverage_policy(self) -> CoveragePolicy:
        """How this workspace weighs evidence (issuer trust and identity levels); the
        default policy when none was saved or the saved one cannot be read."""
        data = self.setting(COVERAGE_POLICY_KEY)
        if not isinstance(data, dict):
            return CoveragePolicy()
        try:
            return CoveragePolicy.from_dict(data)
        except ValueError:
            return CoveragePolicy()

    def save_coverage_policy(self, policy: CoveragePolicy) -> None:
        """Store how this workspace weighs evidence."""
        self.save_setting(COVERAGE_POLICY_KEY, policy.to_dict())

    def trust_list(self) -> TrustList:
        """The workspace's issuer trust list (allow / deny by issuer id, DID or domain); empty when unset."""
        return trust_from_value(self.setting(TRUST_LIST_KEY))

    def set_issuer_trust(self, entry: str, action: TrustAction, *, label: str = "") -> TrustList:
        """Allow, deny or clear one issuer id, DID or domain on the trust list, in one transaction with
        its audit line ("trust list": what, which issuer, by which name); returns the new list."""
        with self._tx() as c:
            row = c.execute(select(settings_t.c.value).where(settings_t.c.key == TRUST_LIST_KEY)).first()
            trust = with_verdict(trust_from_value(None if row is None else row[0]), entry, action)
            c.execute(delete(settings_t).where(settings_t.c.key == TRUST_LIST_KEY))
            c.execute(insert(settings_t), {"key": TRUST_LIST_KEY, "value": trust_to_value(trust), "updated_at": _now()})
            what = {"allow": "allowed", "deny": "denied", "clear": "taken off the trust list"}[action]
            self.log("trust list", f"{what}: {entry}" + (f" ({label})" if label else ""), conn=c)
        return trust

    def registry_settings(self) -> RegistrySettings:
        """Which issuer registries this workspace's verification consults (the bundled snapshot by default)."""
        return RegistrySettings.from_value(self.setting(REGISTRIES_KEY))

    def save_registry_settings(self, settings: RegistrySettings) -> None:
        """Store which registries verification consults (audit-logged as a setting)."""
        self.save_setting(REGISTRIES_KEY, settings.to_value())

    # -- audit ----------------------------------------------------------------------------------

    def log(self, action: str, detail: str = "", count: int | None = None, *, conn: Connection | None = None) -> None:
        """Add an audit line (emails in ``detail`` are scrubbed)."""
        row = {"at": _now(), "action": action[:40], "detail": scrub(detail)[:2000], "count": count}
        if conn is not None:
            conn.execute(insert(audit_t), row)
            return
        with self._tx() as c:
            c.execute(insert(audit_t), row)

    def revision(self) -> int:
        """The id of the newest audit line: every write logs, so it changes on every write (a cache key)."""
        with self.engine.connect() as c:
            return int(c.execute(select(func.max(audit_t.c.id))).scalar() or 0)

    def has_logged(self, action: str) -> bool:
        """True when an audit line with this action was ever written."""
        with self.engine.connect() as c:
            return c.execute(select(audit_t.c.id).where(audit_t.c.action == action).limit(1)).first() is not None

    def last_audit(self, actions: Sequence[str]) -> tuple[str, str] | None:
        """(action, detail) of the newest audit line with one of these actions, or None."""
        q = select(audit_t.c.action, audit_t.c.detail).where(audit_t.c.action.in_(list(actions)))
        with self.engine.connect() as c:
            row = c.execute(q.order_by(audit_t.c.id.desc()).limit(1)).first()
        return None if row is None else (str(row[0]), str(row[1]))

    def audit_log(self, *, limit: int | None = None) -> list[AuditEntry]:
        """Audit lines, oldest first (the last ``limit`` when given)."""
        q = select(audit_t).order_by(audit_t.c.id.desc())
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as c:
            rows = c.execute(q).mappings().all()
        return [AuditEntry(r["at"], r["action"], r["detail"], r["count"]) for r in reversed(rows)]

    # -- candidates -----------------------------------------------------------------------------

    def save_candidates(
        self, candidates: Iterable[Candidate], *, source: str = "import", rejected: int | None = None
    ) -> int:
        """Insert or replace candidates, all in one transaction (all or nothing).

        ``rejected``: how many input rows the import could not use (for the audit line)."""
        now = _now()
        n = 0
        with self._tx() as conn:
            for chunk in _chunks(candidates, CHUNK):
                ids = [c.candidate_id for c in chunk]
                conn.execute(delete(candidates_t).where(candidates_t.c.candidate_id.in_(ids)))
                conn.execute(
                    insert(candidates_t),
                    [
                        {
                            "candidate_id": c.candidate_id,
                            "name": c.name,
                            "emails": list(c.emails),
                            "ats_id": c.ats_id,
                            "badges": list(c.badges),
                            "rows": list(c.rows),
                            "updated_at": now,
                        }
                        for c in chunk
                    ],
                )
                n += len(chunk)
            extra = f"; {rejected} rows rejected" if rejected else ""
            self.log("imported", f"{n} candidates from {source}{extra}", n, conn=conn)
        return n

    def candidates(self) -> list[Candidate]:
        """Every candidate, by id."""
        with self.engine.connect() as c:
            rows = c.execute(select(candidates_t).order_by(candidates_t.c.candidate_id)).mappings().all()
        return [
            Candidate(
                r["candidate_id"], r["name"], tuple(r["emails"]), r["ats_id"], tuple(r["badges"]), tuple(r["rows"])
            )
            for r in rows
        ]

    def delete_candidates(self, candidate_ids: Sequence[str]) -> int:
        """Remove candidates and everything kept about them, in one transaction: their results with the
        documents those results depended on (a body goes once no remaining result depends on it), their
        job items, queued or done (so no worker verifies them again), their places on saved shortlists,
        and the candidate rows. Job and run totals shrink by the items removed, a job left with no item
        goes, and a run left with nothing pending ends as the queue would end it. Unknown ids are
        ignored; one audit line holds the count. Returns how many candidates were removed."""
        from talent.queue import settle_run

        ids = sorted(set(candidate_ids))
        removed = 0
        with self._tx() as conn:
            runs: set[str] = set()
            hashes: set[str] = set()
            for chunk in _chunks(ids, CHUNK):
                # the items first: on PostgreSQL their row locks wait for a worker storing their results
                runs |= _delete_job_items(conn, chunk)
                hashes |= _delete_results(conn, chunk)
                removed += conn.execute(delete(candidates_t).where(candidates_t.c.candidate_id.in_(chunk))).rowcount
            _delete_unused_documents(conn, hashes)
            _drop_from_shortlists(conn, set(ids))
            for run_id in sorted(runs):
                settle_run(self, conn, run_id)
            self.log(
                "deleted", f"{removed} candidates with their results, evidence and queued badges", removed, conn=conn
            )
        return removed

    # -- API tokens -----------------------------------------------------------------------------

    def create_api_token(self, name: str) -> tuple[str, str]:
        """A new bearer token for the HTTP API: (token id, the token). Only its SHA-256 is stored, so the
        token is shown once, here."""
        token = "sp_" + secrets.token_urlsafe(32)
        token_id = uuid.uuid4().hex[:12]
        with self._tx() as conn:
            conn.execute(
                insert(api_tokens_t),
                {"token_id": token_id, "name": name[:200], "sha256": _sha256(token), "created_at": _now()},
            )
            self.log("api token created", f"{token_id}: {name}", conn=conn)
        return token_id, token

    def api_tokens(self) -> list[dict[str, Any]]:
        """Every API token, without its hash: token_id, name, created_at, last_used_at."""
        q = select(api_tokens_t.c.token_id, api_tokens_t.c.name, api_tokens_t.c.created_at, api_tokens_t.c.last_used_at)
        with self.engine.connect() as c:
            return [dict(r) for r in c.execute(q.order_by(api_tokens_t.c.created_at)).mappings().all()]

    def revoke_api_token(self, token_id: str) -> bool:
        """Delete a token; True when there was one."""
        with self._tx() as conn:
            n = conn.execute(delete(api_tokens_t).where(api_tokens_t.c.token_id == token_id)).rowcount
            if n:
                self.log("api token revoked", token_id, conn=conn)
        return bool(n)

    def check_api_token(self, token: str) -> str | None:
        """The id of the stored token equal to ``token`` (its use is noted), or None."""
        digest = _sha256(token)
        with self._tx() as conn:
            found = conn.execute(
                select(api_tokens_t.c.token_id).where(api_tokens_t.c.sha256 == digest)
            ).scalar_one_or_none()
            if found is not None:
                conn.execute(update(api_tokens_t).where(api_tokens_t.c.token_id == found).values(last_used_at=_now()))
        return None if found is None else str(found)

    # -- verification results -------------------------------------------------------------------

    def save_results(self, pairs: Iterable[tuple[str, VerificationResult]], *, chunk_size: int = 5_000) -> int:
        """Append results (history is kept); each chunk is written atomically."""
        total = 0
        for chunk in _chunks(pairs, chunk_size):
            with self._tx() as conn:
                conn.execute(insert(results_t), [_result_row(cid, r) for cid, r in chunk])
                self.log("verified", f"{len(chunk)} results stored", len(chunk), conn=conn)
            total += len(chunk)
        return total

    def latest_results(self, *, candidate_id: str | None = None) -> list[tuple[str, VerificationResult]]:
        """The latest result per (candidate, badge), in storage order."""
        latest = (
            select(func.max(results_t.c.id).label("id"))
            .group_by(results_t.c.candidate_id, results_t.c.badge_key)
            .subquery()
        )
        q = select(results_t.c.candidate_id, results_t.c.data).join(latest, results_t.c.id == latest.c.id)
        if candidate_id is not None:
            q = q.where(results_t.c.candidate_id == candidate_id)
        with self.engine.connect() as c:
            rows = c.execute(q.order_by(results_t.c.id)).all()
        return [(r[0], result_from_dict(r[1])) for r in rows]

    def latest_result_records(self) -> list[tuple[int, str, dict[str, Any]]]:
        """The latest result per (candidate, badge) as stored, in storage order: (result id, candidate id,
        the result object as a dict). Cheaper than :meth:`latest_results` for tables: nothing is parsed."""
        latest = (
            select(func.max(results_t.c.id).label("id"))
            .group_by(results_t.c.candidate_id, results_t.c.badge_key)
            .subquery()
        )
        q = select(results_t.c.id, results_t.c.candidate_id, results_t.c.data).join(
            latest, results_t.c.id == latest.c.id
        )
        with self.engine.connect() as c:
            return [(int(r[0]), str(r[1]), r[2]) for r in c.execute(q.order_by(results_t.c.id)).all()]

    def recent_result_records(self, limit: int) -> list[tuple[str, dict[str, Any]]]:
        """The ``limit`` newest stored results, newest first: (candidate id, the result object as a dict)."""
        q = select(results_t.c.candidate_id, results_t.c.data).order_by(results_t.c.id.desc()).limit(limit)
        with self.engine.connect() as c:
            return [(str(r[0]), r[1]) for r in c.execute(q).all()]

    def stored_result(self, result_id: int) -> tuple[VerificationResult, BadgeInput | None] | None:
        """One stored result and the input it was verified from (None for a result stored without a job);
        None when there is no such result."""
        with self.engine.connect() as c:
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
        given = _input_from_json(item) if isinstance(item, dict) else None
        return result_from_dict(row[0]), given

    def status_counts(self, job_ids: Sequence[str]) -> dict[str, int]:
        """How many stored results of these jobs have each status."""
        q = select(results_t.c.status, func.count()).where(results_t.c.job_id.in_(list(job_ids)))
        with self.engine.connect() as c:
            return {str(k): int(v) for k, v in c.execute(q.group_by(results_t.c.status)).all()}

    def result_timelines(
        self, candidate_ids: set[str] | None = None
    ) -> dict[tuple[str, str], list[tuple[str, dict[str, Any]]]]:
        """Every stored result per (candidate, badge), oldest first, as (stored at, result object as a dict),
        of the given candidates (None: every candidate)."""
        q = select(results_t.c.candidate_id, results_t.c.badge_key, results_t.c.stored_at, results_t.c.data)
        if candidate_ids is not None:
            q = q.where(results_t.c.candidate_id.in_(sorted(candidate_ids)))
        out: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
        with self.engine.connect() as c:
            for cid, key, at, data in c.execute(q.order_by(results_t.c.id)):
                out.setdefault((str(cid), str(key)), []).append((str(at), data))
        return out

    def result_history(self, candidate_id: str, key: str | None = None) -> list[VerificationResult]:
        """Every stored result of a candidate (of one badge when ``key`` is given), oldest first."""
        q = select(results_t.c.data).where(results_t.c.candidate_id == candidate_id)
        if key is not None:
            q = q.where(results_t.c.badge_key == key)
        with self.engine.connect() as c:
            return [result_from_dict(r[0]) for r in c.execute(q.order_by(results_t.c.id)).all()]

    # -- resumable jobs -------------------------------------------------------------------------

    def create_job(self, inputs: Sequence[BadgeInput | str], *, label: str = "") -> str:
        """A new verification job with one pending item per input (index = position)."""
        job_id = uuid.uuid4().hex
        items = [i if isinstance(i, BadgeInput) else BadgeInput(i) for i in inputs]
        with self._tx() as conn:
            conn.execute(
                insert(jobs_t), {"job_id": job_id, "label": label[:300], "total": len(items), "created_at": _now()}
            )
            for start in range(0, len(items), CHUNK):
                conn.execute(
                    insert(job_items_t),
                    [
                        {
                            "job_id": job_id,
                            "item_index": start + k,
                            "input": _input_to_json(item),
                            "candidate_id": item.candidate,
                            "done": False,
                        }
                        for k, item in enumerate(items[start : start + CHUNK])
                    ],
                )
            self.log("job created", f"job {job_id[:8]}: {len(items)} inputs", len(items), conn=conn)
        return job_id

    def handed_in_inputs(self) -> list[BadgeInput]:
        """Every input ever queued: the latest per (candidate, source)."""
        q = select(job_items_t.c.input).order_by(job_items_t.c.job_id, job_items_t.c.item_index)
        seen: dict[tuple[str | None, str], dict[str, Any]] = {}
        with self.engine.connect() as c:
            for (item,) in c.execute(q):
                seen[(item.get("candidate"), str(item.get("source")))] = item
        return [_input_from_json(i) for i in seen.values()]

    def pending_items(self, job_id: str) -> list[JobItem]:
        """The job's inputs that have no stored result yet, by index."""
        self._job(job_id)
        q = (
            select(job_items_t.c.item_index, job_items_t.c.input)
            .where(and_(job_items_t.c.job_id == job_id, job_items_t.c.done.is_(False)))
            .order_by(job_items_t.c.item_index)
        )
        with self.engine.connect() as c:
            return [JobItem(r[0], _input_from_json(r[1])) for r in c.execute(q).all()]

    def record_results(
        self, job_id: str, results: Iterable[tuple[int, VerificationResult]], *, skip_removed: bool = False
    ) -> int:
        """Store results of job items and mark them done, atomically; items
        already done are skipped (idempotent). Returns how many were written.
        Raises :class:`JobError` for an unknown job or index, unless ``skip_removed``
        (the worker: items whose candidate was removed while they were verified are
        dropped, never stored)."""
        try:
            self._job(job_id)
        except JobError:
            if skip_removed:
                return 0
            raise
        given = dict(results)
        if not given:
            return 0
        try:
            return self._record_once(job_id, given, skip_removed=skip_removed)
        except StorageError as exc:
            # Another writer stored some of these items first (unique job + index, or SQLite's
            # stale-snapshot refusal): the transaction rolled back whole; a second pass, on a
            # fresh snapshot, skips what is now done.
            if not isinstance(exc.__cause__, IntegrityError | OperationalError):
                raise
            return self._record_once(job_id, given, skip_removed=skip_removed)

    def _record_once(self, job_id: str, given: dict[int, VerificationResult], *, skip_removed: bool) -> int:
        with self._tx() as conn:
            # locked (PostgreSQL) until the results are stored, so that a removal of the candidate
            # waits for them and removes them too, or runs first and leaves nothing to store
            rows = conn.execute(
                select(job_items_t.c.item_index, job_items_t.c.candidate_id, job_items_t.c.done)
                .where(and_(job_items_t.c.job_id == job_id, job_items_t.c.item_index.in_(list(given))))
                .with_for_update()
            ).all()
            known = {r[0]: (r[1], r[2]) for r in rows}
            unknown = sorted(set(given) - set(known))
            if unknown and not skip_removed:
                raise JobError(f"job {job_id[:8]} has no input index {unknown[0]}")
            todo = [i for i in given if i in known and not known[i][1]]
            if todo:
                conn.execute(
                    insert(results_t),
                    [
                        _result_row(known[i][0] or given[i].candidate or "", given[i], job_id=job_id, index=i)
                        for i in todo
                    ],
                )
                conn.execute(
                    update(job_items_t)
                    .where(and_(job_items_t.c.job_id == job_id, job_items_t.c.item_index.in_(todo)))
                    .values(done=True)
                )
                self.log("verified", f"job {job_id[:8]}: {len(todo)} results", len(todo), conn=conn)
        return len(todo)

    def store_documents(self, job_id: str, documents: Iterable[tuple[int, Sequence[RecordedDocument]]]) -> int:
        """Keep the documents each job item's stored result depended on, exactly as fetched (bodies once,
        by SHA-256). Items without a stored result, or whose documents are already kept, are skipped
        (idempotent, like :meth:`record_results`). Returns how many results gained their documents."""
        given = {i: list(docs) for i, docs in documents}
        if not given:
            return 0
        try:
            return self._store_documents_once(job_id, given)
        except StorageError as exc:
            # another worker stored one of these document bodies first (unique SHA-256): the transaction
            # rolled back whole; a second pass, on a fresh snapshot, finds the body stored
            if not isinstance(exc.__cause__, IntegrityError | OperationalError):
                raise
            return self._store_documents_once(job_id, given)

    def _store_documents_once(self, job_id: str, given: dict[int, list[RecordedDocument]]) -> int:
        written = 0
        with self._tx() as conn:
            ids = dict(
                conn.execute(
                    select(results_t.c.item_index, results_t.c.id).where(
                        and_(results_t.c.job_id == job_id, results_t.c.item_index.in_(list(given)))
                    )
                ).all()
            )
            if not ids:
                return 0
            have = set(
                conn.execute(
                    select(result_documents_t.c.result_id).where(result_documents_t.c.result_id.in_(list(ids.values())))
                ).scalars()
            )
            bodies = {d.sha256: d.content for i, docs in given.items() if i in ids for d in docs}
            known = set(
                conn.execute(select(documents_t.c.sha256).where(documents_t.c.sha256.in_(list(bodies)))).scalars()
            )
            new = [
                {"sha256": h, "content": b, "size": len(b), "stored_at": _now()}
                for h, b in bodies.items()
                if h not in known
            ]
            if new:
                conn.execute(insert(documents_t), new)
            rows: list[dict[str, Any]] = []
            for index, docs in given.items():
                result_id = ids.get(index)
                if result_id is None or result_id in have or not docs:
                    continue
                written += 1
                rows.extend(
                    {
                        "result_id": result_id,
                        "position": n,
                        "url": d.url,
                        "accept": d.accept,
                        "final_url": d.final_url,
                        "redirects": list(d.redirects),
                        "status": d.status,
                        "content_type": d.content_type[:300],
                        "sha256": d.sha256,
                    }
                    for n, d in enumerate(docs)
                )
            if rows:
                conn.execute(insert(result_documents_t), rows)
        return written

    def result_documents(self, result_id: int) -> list[RecordedDocument]:
        """The documents a stored result depended on, in the order fetched. A body whose SHA-256 no longer
        matches (the database was altered) raises :class:`StorageError`: it is never handed out."""
        q = (
            select(result_documents_t, documents_t.c.content)
            .join(documents_t, documents_t.c.sha256 == result_documents_t.c.sha256)
            .where(result_documents_t.c.result_id == result_id)
            .order_by(result_documents_t.c.position)
        )
        with self.engine.connect() as c:
            rows = c.execute(q).mappings().all()
        out = []
        for r in rows:
            content = bytes(r["content"])
            if hashlib.sha256(content).hexdigest() != r["sha256"]:
                raise StorageError(f"stored document {r['sha256'][:12]} does not match its SHA-256")
            out.append(
                RecordedDocument(
                    r["url"],
                    r["accept"],
                    r["final_url"],
                    tuple(r["redirects"] or ()),
                    int(r["status"]),
                    r["content_type"],
                    content,
                )
            )
        return out

    def latest_result_ids(self, candidate_ids: Sequence[str]) -> list[tuple[int, str]]:
        """(result id, candidate id) of the latest result per badge of these candidates, in storage order."""
        latest = (
            select(func.max(results_t.c.id).label("id"))
            .where(results_t.c.candidate_id.in_(list(candidate_ids)))
            .group_by(results_t.c.candidate_id, results_t.c.badge_key)
            .subquery()
        )
        q = select(results_t.c.id, results_t.c.candidate_id).join(latest, results_t.c.id == latest.c.id)
        with self.engine.connect() as c:
            return [(int(r[0]), str(r[1])) for r in c.execute(q.order_by(results_t.c.id)).all()]

    # -- alert deliveries -------------------------------------------------------------------------

    def claim_alert(self, channel: str, event_key: str) -> bool:
        """Claim the delivery of one alert event on one channel: True when it was never sent (a new
        claim, or a failed delivery to try again), False when it was sent or another worker holds it.
        The unique (channel, event) row makes the claim hold across workers and restarts."""
        try:
            with self.engine.begin() as c:
                row = c.execute(
                    select(alert_deliveries_t.c.state).where(
                        and_(alert_deliveries_t.c.channel == channel, alert_deliveries_t.c.event_key == event_key)
                    )
                ).first()
                if row is None:
                    c.execute(
                        insert(alert_deliveries_t),
                        {
                            "channel": channel,
                            "event_key": event_key,
                            "state": "sending",
                            "attempts": 0,
                            "detail": "",
                            "at": _now(),
                        },
                    )
                    return True
                if row[0] != "failed":
                    return False
                n = c.execute(
                    update(alert_deliveries_t)
                    .where(
                        and_(
                            alert_deliveries_t.c.channel == channel,
                            alert_deliveries_t.c.event_key == event_key,
                            alert_deliveries_t.c.state == "failed",
                        )
                    )
                    .values(state="sending", at=_now())
                ).rowcount
                return bool(n)
        except IntegrityError:
            return False  # another worker claimed it first
        except SQLAlchemyError as exc:
            raise StorageError(f"database write failed: {exc.__class__.__name__}") from exc

    def settle_alert(self, channel: str, event_key: str, *, sent: bool, attempts: int, detail: str) -> None:
        """Record how a claimed delivery ended (``sent`` or ``failed``), and add it to the audit log."""
        with self._tx() as c:
            c.execute(
                update(alert_deliveries_t)
                .where(and_(alert_deliveries_t.c.channel == channel, alert_deliveries_t.c.event_key == event_key))
                .values(
                    state="sent" if sent else "failed",
                    attempts=alert_deliveries_t.c.attempts + attempts,
                    detail=scrub(detail)[:2000],
                    at=_now(),
                )
            )
            self.log("alert sent" if sent else "alert failed", f"{channel}: {detail}", conn=c)

    def alert_deliveries(self, *, limit: int = 50) -> list[dict[str, Any]]:
        """The newest alert deliveries (channel, event, state, attempts, detail, when), newest first."""
        q = select(alert_deliveries_t).order_by(alert_deliveries_t.c.at.desc(), alert_deliveries_t.c.id.desc())
        with self.engine.connect() as c:
            return [dict(r) for r in c.execute(q.limit(limit)).mappings().all()]

    def record_result(self, job_id: str, index: int, result: VerificationResult) -> bool:
        """:meth:`record_results` for one item; True when it was written (False: already done)."""
        return self.record_results(job_id, [(index, result)]) == 1

    def job_progress(self, job_id: str) -> tuple[int, int]:
        """(done, total) for a job."""
        total = self._job(job_id)
        with self.engine.connect() as c:
            done = c.execute(
                select(func.count()).where(and_(job_items_t.c.job_id == job_id, job_items_t.c.done.is_(True)))
            ).scalar_one()
        return int(done), total

    def job_results(self, job_id: str) -> list[tuple[int, VerificationResult]]:
        """The job's stored results by input index."""
        q = (
            select(results_t.c.item_index, results_t.c.data)
            .where(results_t.c.job_id == job_id)
            .order_by(results_t.c.item_index)
        )
        with self.engine.connect() as c:
            return [(int(r[0]), result_from_dict(r[1])) for r in c.execute(q).all()]

    def jobs(self) -> list[dict[str, Any]]:
        """Every job: job_id, label, total, created_at, done."""
        done = (
            select(job_items_t.c.job_id, func.count().label("done"))
            .where(job_items_t.c.done.is_(True))
            .group_by(job_items_t.c.job_id)
            .subquery()
        )
        q = (
            select(jobs_t, func.coalesce(done.c.done, 0).label("done"))
            .outerjoin(done, done.c.job_id == jobs_t.c.job_id)
            .order_by(jobs_t.c.created_at, jobs_t.c.job_id)
        )
        with self.engine.connect() as c:
            return [dict(r) for r in c.execute(q).mappings().all()]

    def _job(self, job_id: str) -> int:
        with self.engine.connect() as c:
            total = c.execute(select(jobs_t.c.total).where(jobs_t.c.job_id == job_id)).scalar_one_or_none()
        if total is None:
            raise JobError(f"no verification job {job_id!r}")
        return int(total)

    # -- the user's catalogue additions ---------------------------------------------------------

    def save_catalogue_skills(self, skills: Iterable[CatalogueSkill], *, source: str = "user") -> int:
        """Store skills the user added or imported (a taxonomy CSV), replacing same ids."""
        rows = [
            {
                "skill_id": sk.skill_id,
                "data": {
                    "skill_id": sk.skill_id,
                    "label": sk.label,
                    "category": sk.category,
                    "synonyms": list(sk.synonyms),
                    "esco_uri": sk.esco_uri,
                    "onet_id": sk.onet_id,
                    "source": sk.source,
                },
                "updated_at": _now(),
            }
            for sk in skills
        ]
        with self._tx() as conn:
            for chunk in _chunks(rows, CHUNK):
                conn.execute(delete(catalogue_t).where(catalogue_t.c.skill_id.in_([r["skill_id"] for r in chunk])))
                conn.execute(insert(catalogue_t), chunk)
            self.log("catalogue", f"{len(rows)} skills from {source}", len(rows), conn=conn)
        return len(rows)

    def catalogue_skills(self) -> list[CatalogueSkill]:
        """The stored catalogue additions, by id."""
        with self.engine.connect() as c:
            rows = c.execute(select(catalogue_t.c.data).order_by(catalogue_t.c.skill_id)).all()
        return [
            CatalogueSkill(
                d["skill_id"],
                d["label"],
                d.get("category") or "",
                tuple(d.get("synonyms") or ()),
                d.get("esco_uri"),
                d.get("onet_id"),
                d.get("source") or "user",
            )
            for d in (r[0] for r in rows)
        ]

    def catalogue(self, base: Catalogue | None = None) -> Catalogue:
        """The built-in catalogue (or ``base``) with the stored additions applied."""
        return (base or Catalogue.default()).with_skills(self.catalogue_skills())

    # -- roles and shortlists -------------------------------------------------------------------

    def save_role(self, role: Role) -> None:
        """Insert or replace a role."""
        with self._tx() as conn:
            conn.execute(delete(roles_t).where(roles_t.c.role_id == role.role_id))
            conn.execute(
                insert(roles_t),
                {"role_id": role.role_id, "name": role.name, "data": role.to_dict(), "updated_at": _now()},
            )
            self.log("role saved", role.role_id, conn=conn)

    def roles(self) -> list[Role]:
        """Every role, by id (validated again on the way out)."""
        with self.engine.connect() as c:
            rows = c.execute(select(roles_t.c.role_id, roles_t.c.data).order_by(roles_t.c.role_id)).all()
        return [role_from_dict(r[1], source=f"stored role {r[0]}") for r in rows]

    def delete_role(self, role_id: str) -> bool:
        """Remove a role; True when it existed."""
        with self._tx() as conn:
            n = conn.execute(delete(roles_t).where(roles_t.c.role_id == role_id)).rowcount
            if n:
                self.log("role deleted", role_id, conn=conn)
        return bool(n)

    def save_shortlist(self, shortlist: Shortlist) -> None:
        """Insert or replace a shortlist (unique by name and role)."""
        data = shortlist_to_dict(shortlist)
        with self._tx() as conn:
            conn.execute(
                delete(shortlists_t).where(
                    and_(shortlists_t.c.name == shortlist.name, shortlists_t.c.role_id == shortlist.role_id)
                )
            )
            conn.execute(
                insert(shortlists_t),
                {"name": shortlist.name, "role_id": shortlist.role_id, "data": data, "updated_at": _now()},
            )
            self.log(
                "shortlist saved", f"{shortlist.name} ({shortlist.role_id})", len(shortlist.candidate_ids), conn=conn
            )

    def shortlists(self, *, role_id: str | None = None) -> list[Shortlist]:
        """Saved shortlists (of one role when given), by name."""
        q = select(shortlists_t.c.data).order_by(shortlists_t.c.role_id, shortlists_t.c.name)
        if role_id is not None:
            q = q.where(shortlists_t.c.role_id == role_id)
        with self.engine.connect() as c:
            return [shortlist_from_dict(r[0]) for r in c.execute(q).all()]

    def delete_shortlist(self, name: str, role_id: str) -> bool:
        """Remove a shortlist; True when it existed."""
        with self._tx() as conn:
            n = conn.execute(
                delete(shortlists_t).where(and_(shortlists_t.c.name == name, shortlists_t.c.role_id == role_id))
            ).rowcount
        return bool(n)

    def record_export(self, shortlist: Shortlist, fmt: str, filename: str, *, manifest_sha256: str = "") -> None:
        """Audit an export of a shortlist (an evidence bundle's with its manifest's SHA-256, so that a
        bundle rewritten later, manifest and hashes together, no longer matches the log)."""
        detail = f"{shortlist.name} ({shortlist.role_id}) as {fmt}: {filename}"
        if manifest_sha256:
            detail += f"; manifest SHA-256 {manifest_sha256}"
        self.log("exported", detail, len(shortlist.candidate_ids))

    # -- whole workspace ------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything in the workspace as plain data (for comparisons and backups)."""
        with self.engine.connect() as c:
            results = [
                {k: v for k, v in r.items() if k != "id"}
                for r in c.execute(select(results_t).order_by(results_t.c.id)).mappings().all()
            ]
            items = [
                dict(r)
                for r in c.execute(select(job_items_t).order_by(job_items_t.c.job_id, job_items_t.c.item_index))
                .mappings()
                .all()
            ]
            audit = [dict(r) for r in c.execute(select(audit_t).order_by(audit_t.c.id)).mappings().all()]
        return {
            "candidates": [c.to_dict() for c in self.candidates()],
            "results": results,
            "roles": [r.to_dict() for r in self.roles()],
            "shortlists": [shortlist_to_dict(s) for s in self.shortlists()],
            "catalogue": [sk.skill_id for sk in self.catalogue_skills()],
            "jobs": self.jobs(),
            "job_items": items,
            "audit": audit,
        }


def _delete_job_items(conn: Connection, candidate_ids: list[str]) -> set[str]:
    """Delete these candidates' job items and shrink their jobs' and runs' totals to match (a job left
    with no item goes); the runs whose items were deleted."""
    gone = conn.execute(
        delete(job_items_t)
        .where(job_items_t.c.candidate_id.in_(candidate_ids))
        .returning(job_items_t.c.job_id, job_items_t.c.run_id)
    ).all()
    by_job = Counter(str(r[0]) for r in gone)
    by_run = Counter(str(r[1]) for r in gone if r[1] is not None)
    for job_id, n in by_job.items():
        conn.execute(update(jobs_t).where(jobs_t.c.job_id == job_id).values(total=jobs_t.c.total - n))
    for run_id, n in by_run.items():
        conn.execute(update(runs_t).where(runs_t.c.run_id == run_id).values(total=runs_t.c.total - n))
    if by_job:
        left = select(job_items_t.c.job_id).where(job_items_t.c.job_id == jobs_t.c.job_id)
        conn.execute(delete(jobs_t).where(and_(jobs_t.c.job_id.in_(list(by_job)), ~left.exists())))
    return set(by_run)


def _delete_results(conn: Connection, candidate_ids: list[str]) -> set[str]:
    """Delete these candidates' results and the records of the documents each depended on; the
    SHA-256 of those documents (their bodies may now be unused)."""
    result_ids = select(results_t.c.id).where(results_t.c.candidate_id.in_(candidate_ids))
    hashes = set(
        conn.execute(
            select(result_documents_t.c.sha256).where(result_documents_t.c.result_id.in_(result_ids)).distinct()
        ).scalars()
    )
    conn.execute(delete(result_documents_t).where(result_documents_t.c.result_id.in_(result_ids)))
    conn.execute(delete(results_t).where(results_t.c.candidate_id.in_(candidate_ids)))
    return {str(h) for h in hashes}


def _delete_unused_documents(conn: Connection, hashes: set[str]) -> None:
    """Delete the document bodies among ``hashes`` that no remaining result depends on."""
    used = select(result_documents_t.c.sha256).where(result_documents_t.c.sha256 == documents_t.c.sha256)
    for chunk in _chunks(sorted(hashes), CHUNK):
        conn.execute(delete(documents_t).where(and_(documents_t.c.sha256.in_(chunk), ~used.exists())))


def _drop_from_shortlists(conn: Connection, candidate_ids: set[str]) -> None:
    """Take these candidates off every saved shortlist that names them (the shortlist itself stays)."""
    for row_id, data in conn.execute(select(shortlists_t.c.id, shortlists_t.c.data)).all():
        listed = [str(c) for c in (data or {}).get("candidate_ids") or ()]
        kept = [c for c in listed if c not in candidate_ids]
        if len(kept) != len(listed):
            conn.execute(
                update(shortlists_t)
                .where(shortlists_t.c.id == row_id)
                .values(data={**data, "candidate_ids": kept}, updated_at=_now())
            )


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        if path in ("", ":memory:"):
            # one shared connection, or every connection would see its own empty database
            engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
        else:
            engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def _result_row(
    candidate_id: str, result: VerificationResult, *, job_id: str | None = None, index: int | None = None
) -> dict[str, Any]:
    return {
        "candidate_id": candidate_id,
        "badge_key": badge_key(result),
        "status": result.status.value,
        "checked_at": result.checked_at or "",
        "data": result.to_dict(include_document=False),
        "job_id": job_id,
        "item_index": index,
        "stored_at": _now(),
    }


def _input_to_json(item: BadgeInput) -> dict[str, Any]:
    return {
        "source": item.source,
        "filename": item.filename,
        "candidate": item.candidate,
        "emails": list(item.emails),
        "data": base64.b64encode(item.data).decode("ascii") if item.data is not None else None,
    }


def _input_from_json(data: dict[str, Any]) -> BadgeInput:
    raw = data.get("data")
    return BadgeInput(
        source=str(data["source"]),
        data=base64.b64decode(raw) if raw is not None else None,
        filename=data.get("filename"),
        candidate=data.get("candidate"),
        emails=tuple(data.get("emails") or ()),
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    buf: list[Any] = []
    for item in items:
        buf.append(item)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf
