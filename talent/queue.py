"""Verification runs as a queue in the workspace database.

A *run* (``runs`` table) is a set of pending job items to verify. Pages and
the API only :meth:`RunQueue.enqueue`, :meth:`RunQueue.cancel` and read
:meth:`RunQueue.progress`; one worker per app server (``server.worker``)
does the verifying:

1. :meth:`RunQueue.claim` takes up to ``limit`` pending items of the oldest
   active run and marks them with a claim token and the time. On
   PostgreSQL the candidate rows are selected ``FOR UPDATE SKIP LOCKED``, so
   two servers sharing a workspace never wait for, nor take, each other's
   items; on every backend the claim is a conditional ``UPDATE`` (only rows
   still unclaimed, or whose claim is older than the lease), so an item is
   held by one worker at a time.
2. The worker verifies them and stores the results with
   :meth:`talent.storage.Workspace.record_results` (idempotent by job and
   index: an item is never stored twice) and :meth:`RunQueue.renew` keeps
   its claims fresh while it works.
3. :meth:`RunQueue.settle` ends a run once nothing of it is pending
   (``finished``, or ``cancelled`` when a cancel was asked for).

A server killed mid-run leaves its claims behind; once they are older than
the lease any worker (the restarted server's, or another server's) takes
them again, so a restart resumes unfinished runs. Progress is read from the
tables, so every browser tab, every server and the API see the same numbers.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Connection, and_, func, insert, or_, select, update

from talent.storage import _input_from_json, _now, job_items_t, results_t, runs_t
from verifier.pipeline import BadgeInput

if TYPE_CHECKING:
    from talent.storage import Workspace

ACTIVE = ("queued", "running", "cancelling")
ENDED = ("finished", "cancelled")
DEFAULT_LEASE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class ClaimedItem:
    """One job item a worker holds."""

    job_id: str
    index: int
    input: BadgeInput


@dataclass(frozen=True, slots=True)
class Claim:
    """What :meth:`RunQueue.claim` handed to a worker: a token, the run, its items."""

    token: str
    run_id: str
    items: tuple[ClaimedItem, ...]


@dataclass(frozen=True, slots=True)
class RunProgress:
    """A run as the pages show it: state, how many items, how many done, results by status."""

    run_id: str
    label: str
    state: str
    total: int
    done: int
    verified: int
    failed: int
    errors: int
    created_at: str
    finished_at: str | None

    @property
    def ended(self) -> bool:
        """True once the run is finished or cancelled."""
        return self.state in ENDED


class RunQueue:
    """The run queue of one workspace (``Workspace.queue``)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def enqueue(self, *, label: str = "") -> str | None:
        """A new run over every pending item that no active run holds; its id, or None when nothing waits."""
        run_id = uuid.uuid4().hex
        with self.ws._tx() as conn:
            active = select(runs_t.c.run_id).where(runs_t.c.state.in_(ACTIVE))
            free = and_(
                job_items_t.c.done.is_(False),
                or_(job_items_t.c.run_id.is_(None), job_items_t.c.run_id.not_in(active)),
            )
            n = int(conn.execute(select(func.count()).select_from(job_items_t).where(free)).scalar_one())
            if n == 0:
                return None
            conn.execute(
                insert(runs_t),
                {"run_id": run_id, "label": label[:300], "state": "queued", "total": n, "created_at": _now()},
            )
            conn.execute(update(job_items_t).where(free).values(run_id=run_id, claim=None, claimed_at=None))
            self.ws.log("run queued", f"run {run_id[:8]}: {n} badges" + (f" ({label})" if label else ""), n, conn=conn)
        return run_id

    def cancel(self, run_id: str | None = None) -> bool:
        """Ask a run (default: every active run) to stop after the items in flight; True if one was asked."""
        where: ColumnElement[bool] = runs_t.c.state.in_(("queued", "running"))
        if run_id is not None:
            where = and_(where, runs_t.c.run_id == run_id)
        with self.ws._tx() as conn:
            n = conn.execute(update(runs_t).where(where).values(state="cancelling")).rowcount
            if n:
                self.ws.log("run cancel asked", f"{n} run(s)", n, conn=conn)
        if n:
            for run in self.active():
                self.settle(run)
        return bool(n)

    def active(self) -> list[str]:
        """Ids of the runs not ended yet, oldest first."""
        q = select(runs_t.c.run_id).where(runs_t.c.state.in_(ACTIVE)).order_by(runs_t.c.created_at, runs_t.c.run_id)
        with self.ws.engine.connect() as c:
            return [str(r) for r in c.execute(q).scalars()]

    def state(self, run_id: str) -> str | None:
        """A run's state, or None for an unknown run."""
        with self.ws.engine.connect() as c:
            found = c.execute(select(runs_t.c.state).where(runs_t.c.run_id == run_id)).scalar_one_or_none()
        return None if found is None else str(found)

    def claim(self, *, limit: int, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Claim | None:
        """Take up to ``limit`` pending, unclaimed (or stale) items of the oldest running or queued run."""
        token = uuid.uuid4().hex
        now = time.time()
        free = or_(job_items_t.c.claim.is_(None), job_items_t.c.claimed_at < now - lease_seconds)
        with self.ws._tx() as conn:
            runs = conn.execute(
                select(runs_t.c.run_id)
                .where(runs_t.c.state.in_(("queued", "running")))
                .order_by(runs_t.c.created_at, runs_t.c.run_id)
            ).scalars()
            for run_id in list(runs):
                pick = (
                    select(job_items_t.c.job_id, job_items_t.c.item_index)
                    .where(and_(job_items_t.c.run_id == run_id, job_items_t.c.done.is_(False), free))
                    .order_by(job_items_t.c.job_id, job_items_t.c.item_index)
                    .limit(limit)
                    .with_for_update(skip_locked=True)  # PostgreSQL; ignored where not supported
                )
                keys = [(str(r[0]), int(r[1])) for r in conn.execute(pick).all()]
                if not keys:
                    continue
                for job_id in {k[0] for k in keys}:
                    indexes = [i for j, i in keys if j == job_id]
                    conn.execute(
                        update(job_items_t)
                        .where(
                            and_(
                                job_items_t.c.job_id == job_id,
                                job_items_t.c.item_index.in_(indexes),
                                job_items_t.c.done.is_(False),
                                free,
                            )
                        )
                        .values(claim=token, claimed_at=now)
                    )
                started = conn.execute(
                    update(runs_t)
                    .where(and_(runs_t.c.run_id == run_id, runs_t.c.state == "queued"))
                    .values(state="running", started_at=_now())
                ).rowcount
                if started:
                    self.ws.log("run started", f"run {run_id[:8]}", conn=conn)
                rows = conn.execute(
                    select(job_items_t.c.job_id, job_items_t.c.item_index, job_items_t.c.input)
                    .where(job_items_t.c.claim == token)
                    .order_by(job_items_t.c.job_id, job_items_t.c.item_index)
                ).all()
                if rows:
                    items = tuple(ClaimedItem(str(r[0]), int(r[1]), _input_from_json(r[2])) for r in rows)
                    return Claim(token, run_id, items)
        return None

    def renew(self, claim: Claim) -> None:
        """Keep a claim's pending items held (call more often than the lease)."""
        with self.ws._tx() as conn:
            conn.execute(
                update(job_items_t)
                .where(and_(job_items_t.c.claim == claim.token, job_items_t.c.done.is_(False)))
                .values(claimed_at=time.time())
            )

    def release(self, claim: Claim) -> None:
        """Give back a claim's items that are still pending (a cancel, a stop)."""
        with self.ws._tx() as conn:
            conn.execute(
                update(job_items_t)
                .where(and_(job_items_t.c.claim == claim.token, job_items_t.c.done.is_(False)))
                .values(claim=None, claimed_at=None)
            )

    def settle(self, run_id: str) -> str | None:
        """End the run if nothing of it is pending (or, when cancelling, nothing is held); its new state or None."""
        with self.ws._tx() as conn:
            return settle_run(self.ws, conn, run_id)

    def progress(self, run_id: str | None = None) -> RunProgress | None:
        """A run's progress (default: the newest run), or None when there is no such run."""
        with self.ws.engine.connect() as c:
            q = select(runs_t)
            q = (
                q.where(runs_t.c.run_id == run_id)
                if run_id
                else q.order_by(runs_t.c.created_at.desc(), runs_t.c.run_id.desc()).limit(1)
            )
            run = c.execute(q).mappings().first()
            if run is None:
                return None
            rid = str(run["run_id"])
            # one statement, so the counts agree with each other: an item is marked done in the
            # transaction that stores its result, so the items done are the results joined here
            counts = {
                str(k): int(v)
                for k, v in c.execute(
                    select(results_t.c.status, func.count())
                    .select_from(
                        results_t.join(
                            job_items_t,
                            and_(
                                results_t.c.job_id == job_items_t.c.job_id,
                                results_t.c.item_index == job_items_t.c.item_index,
                            ),
                        )
                    )
                    .where(job_items_t.c.run_id == rid)
                    .group_by(results_t.c.status)
                ).all()
            }
        return RunProgress(
            run_id=rid,
            label=str(run["label"]),
            state=str(run["state"]),
            total=int(run["total"]),
            done=sum(counts.values()),
            verified=counts.get("verified", 0),
            failed=counts.get("failed", 0),
            errors=counts.get("error", 0),
            created_at=str(run["created_at"]),
            finished_at=run["finished_at"],
        )


def settle_run(ws: Workspace, conn: Connection, run_id: str) -> str | None:
    """:meth:`RunQueue.settle` inside a transaction the caller holds (a run whose items were removed
    ends in the same transaction as the removal)."""
    state = conn.execute(select(runs_t.c.state).where(runs_t.c.run_id == run_id)).scalar_one_or_none()
    if state not in ACTIVE:
        return None
    pending = and_(job_items_t.c.run_id == run_id, job_items_t.c.done.is_(False))
    if state == "cancelling":
        lease = time.time() - DEFAULT_LEASE_SECONDS
        held = and_(pending, job_items_t.c.claim.is_not(None), job_items_t.c.claimed_at >= lease)
        if conn.execute(select(func.count()).select_from(job_items_t).where(held)).scalar_one():
            return None
        new = "cancelled"
    else:
        if conn.execute(select(func.count()).select_from(job_items_t).where(pending)).scalar_one():
            return None
        new = "finished"
    changed = conn.execute(
        update(runs_t)
        .where(and_(runs_t.c.run_id == run_id, runs_t.c.state == state))
        .values(state=new, finished_at=_now())
    ).rowcount
    if changed:
        ws.log(f"run {new}", f"run {run_id[:8]}", conn=conn)
    return new if changed else None
