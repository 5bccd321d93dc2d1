"""Re-checks on a schedule, and what changed since the last check and since each export.

A shortlist is only as good as the day it was verified. The workspace's
re-check setting (:class:`RecheckSettings`, default: the shortlisted
candidates' badges, daily) says what to verify again and how often;
:func:`due` says whether a re-check is due at a given instant (the clock is
always passed in) and :func:`queue_recheck` queues one as an ordinary
verification job (each re-check stores new results; history is kept), which
the app's worker runs. ``python -m talent recheck`` does the same from cron.

:func:`changes` compares each badge's newest result with the one before it
(or with the newest one stored at or before an instant: the last export) and
says, in words, what changed: withdrawn (revoked), expired, the issuer's
identity or registry listing changed, now verifies, now fails, can no longer
be checked. :func:`expiring` lists verified badges that expire within N days.
Coverage and ranking already use the latest result per badge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from talent.storage import Workspace
from verifier.pipeline import BadgeInput

__all__ = [
    "RECHECK_KEY",
    "BadgeChange",
    "Expiring",
    "RecheckSettings",
    "changes",
    "due",
    "expiring",
    "last_export_at",
    "queue_recheck",
    "recheck_inputs",
    "shortlisted_ids",
]

RECHECK_KEY = "recheck"
LAST_RUN_KEY = "recheck_last_queued"
RECHECK_LABEL = "scheduled re-check"


@dataclass(frozen=True, slots=True)
class RecheckSettings:
    """How often badges are verified again (hours; 0 = never on a schedule), which ones
    (``shortlisted`` or ``workspace``), and how many days ahead an expiry is warned of."""

    every_hours: int = 24
    scope: str = "shortlisted"
    warn_days: int = 30

    def __post_init__(self) -> None:
        if self.scope not in ("shortlisted", "workspace"):
            raise ValueError(f"scope must be 'shortlisted' or 'workspace', not {self.scope!r}")
        if self.every_hours < 0 or self.warn_days < 0:
            raise ValueError("hours and days cannot be negative")

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the stored setting)."""
        return {"every_hours": self.every_hours, "scope": self.scope, "warn_days": self.warn_days}

    @classmethod
    def load(cls, ws: Workspace) -> RecheckSettings:
        """The workspace's setting; the default when none was saved or it cannot be read."""
        data = ws.setting(RECHECK_KEY)
        if not isinstance(data, Mapping):
            return cls()
        try:
            return cls(int(data.get("every_hours", 24)), str(data.get("scope", "shortlisted")),
                       int(data.get("warn_days", 30)))  # fmt: skip
        except (TypeError, ValueError):
            return cls()

    def save(self, ws: Workspace) -> None:
        """Store the setting (audit-logged)."""
        ws.save_setting(RECHECK_KEY, self.to_dict())


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _parse(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def shortlisted_ids(ws: Workspace) -> set[str]:
    """Every candidate on any saved shortlist."""
    return {cid for s in ws.shortlists() for cid in s.candidate_ids}


def recheck_inputs(ws: Workspace, scope: str = "shortlisted") -> list[BadgeInput]:
    """The badges a re-check verifies again: every badge handed in (``workspace``) or the shortlisted
    candidates' (``shortlisted``), each as it was last handed in."""
    inputs = ws.handed_in_inputs()
    if scope == "workspace":
        return inputs
    wanted = shortlisted_ids(ws)
    return [i for i in inputs if (i.candidate or "") in wanted]


def due(ws: Workspace, now: datetime, settings: RecheckSettings | None = None) -> bool:
    """True when the schedule says a re-check is due at ``now`` (never when ``every_hours`` is 0)."""
    settings = settings or RecheckSettings.load(ws)
    if settings.every_hours == 0:
        return False
    last = _parse(ws.setting(LAST_RUN_KEY))
    return last is None or now - last >= timedelta(hours=settings.every_hours)


def queue_recheck(ws: Workspace, now: datetime, *, scope: str | None = None) -> tuple[str | None, int]:
    """Queue a re-check of the badges in ``scope`` (the setting's by default) as a verification job;
    (job id or None when there is nothing to check, how many badges). The instant is recorded, so
    :func:`due` is false until the next interval even if nothing was queued."""
    scope = scope or RecheckSettings.load(ws).scope
    inputs = recheck_inputs(ws, scope)
    ws.save_setting(LAST_RUN_KEY, _iso(now))
    if not inputs:
        return None, 0
    label = f"{RECHECK_LABEL} ({'whole workspace' if scope == 'workspace' else 'shortlisted candidates'})"
    return ws.create_job(inputs, label=label), len(inputs)


# -- what changed ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BadgeChange:
    """What changed for one badge between two of its results."""

    candidate_id: str
    badge_key: str
    badge: str
    kinds: tuple[str, ...]
    was: str
    now: str
    checked_at: str
    summary: str

    @property
    def text(self) -> str:
        """One line: what changed, in words."""
        return f"{self.badge}: {', '.join(self.kinds)} — {self.summary}"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _check_outcomes(data: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for check in data.get("checks") or ():
        if isinstance(check, Mapping) and isinstance(check.get("id"), str):
            out.setdefault(check["id"], str(check.get("outcome", "")))
    return out


def _identity(data: Mapping[str, Any]) -> tuple[Any, Any]:
    identity = _mapping(_mapping(data.get("issuer")).get("identity"))
    registries = identity.get("registries")
    listed = tuple(sorted(str(r.get("name", r)) if isinstance(r, Mapping) else str(r) for r in registries or ()))
    return identity.get("level"), listed


def change_kinds(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    """What changed between two stored results of one badge, in words (empty: nothing that matters)."""
    kinds: list[str] = []
    was, now = _check_outcomes(before), _check_outcomes(after)
    if now.get("revocation") == "fail" and was.get("revocation") != "fail":
        kinds.append("withdrawn by its issuer")
    if now.get("expiry") == "fail" and was.get("expiry") != "fail":
        kinds.append("expired")
    (level_was, listed_was), (level_now, listed_now) = _identity(before), _identity(after)
    # only the same issuer, assessed both times: a badge that can no longer be read names no issuer
    issuer_was, issuer_now = _mapping(before.get("issuer")).get("id"), _mapping(after.get("issuer")).get("id")
    same_issuer = bool(issuer_was) and issuer_was == issuer_now
    if same_issuer and level_was != level_now:
        kinds.append(f"issuer identity changed ({level_was or 'not assessed'} → {level_now or 'not assessed'})")
    elif same_issuer and listed_was != listed_now:
        kinds.append("issuer's registry listing changed")
    status_was, status_now = str(before.get("status")), str(after.get("status"))
    if status_was != status_now:
        if status_now == "verified":
            kinds.append("now verifies")
        elif status_now == "failed":
            kinds.append("now fails")
        elif status_now == "error":
            kinds.append("can no longer be checked")
    return tuple(kinds)


def changes(
    ws: Workspace, *, since: str | None = None, candidate_ids: Iterable[str] | None = None
) -> list[BadgeChange]:
    """Badges whose newest result differs from the one before it (``since`` None) or from the newest
    one stored at or before ``since`` (an ISO instant: a badge first checked after it is not listed)."""
    wanted = set(candidate_ids) if candidate_ids is not None else None
    out: list[BadgeChange] = []
    for (candidate_id, key), timeline in ws.result_timelines(wanted).items():
        latest_at, latest = timeline[-1]
        if since is None:
            if len(timeline) < 2:
                continue
            base = timeline[-2][1]
        else:
            older = [d for at, d in timeline if at <= since]
            if not older or latest_at <= since:
                continue
            base = older[-1]
        kinds = change_kinds(base, latest)
        if kinds:
            achievement = _mapping(latest.get("achievement"))
            out.append(
                BadgeChange(
                    candidate_id,
                    key,
                    str(achievement.get("name") or latest.get("input") or key),
                    kinds,
                    str(base.get("status")),
                    str(latest.get("status")),
                    str(latest.get("checked_at") or latest_at),
                    str(latest.get("summary") or ""),
                )
            )
    return out


def last_export_at(ws: Workspace, shortlist_name: str, role_id: str) -> str | None:
    """When this shortlist was last exported (its newest ``exported`` audit line), or None."""
    prefix = f"{shortlist_name} ({role_id}) as "
    for entry in ws.audit_log():
        if entry.action == "exported" and entry.detail.startswith(prefix):
            return entry.at
    return None


@dataclass(frozen=True, slots=True)
class Expiring:
    """A verified badge that expires soon."""

    candidate_id: str
    badge: str
    expires: str
    days_left: int


def expiring(
    ws: Workspace, now: datetime, within_days: int, *, candidate_ids: Iterable[str] | None = None
) -> list[Expiring]:
    """Verified badges (latest result) that expire within ``within_days`` of ``now``, soonest first."""
    wanted = set(candidate_ids) if candidate_ids is not None else None
    horizon = now + timedelta(days=within_days)
    out = []
    for _rid, candidate_id, data in ws.latest_result_records():
        if wanted is not None and candidate_id not in wanted:
            continue
        ends = _parse(data.get("expires"))
        if data.get("status") != "verified" or ends is None:
            continue
        if ends.tzinfo is None:
            ends = ends.replace(tzinfo=now.tzinfo)
        if now <= ends <= horizon:
            achievement = _mapping(data.get("achievement"))
            name = str(achievement.get("name") or data.get("input") or "")
            out.append(Expiring(candidate_id, name, str(data.get("expires")), (ends - now).days))
    return sorted(out, key=lambda e: e.expires)
