"""Alerts when a shortlisted candidate's evidence changes: e-mail (SMTP) and a webhook.

After a re-check, :func:`deliver_alerts` takes the shortlisted candidates'
changes since the previous check (:func:`talent.recheck.changes`) that were
never alerted, and sends them — all in one e-mail and one webhook call per
run. Each change is one event (candidate, badge, the result it changed to);
a delivery is claimed in the database before it is sent
(:meth:`talent.storage.Workspace.claim_alert`), so an event is sent once per
channel, across restarts and workers. A failed delivery is logged (the
delivery log and the audit log) and tried again on the next run; it never
stops the caller.

Webhook: a JSON ``POST`` (``{"event": "evidence.changed", "changes": [...]}``)
signed with HMAC-SHA256 of the body under the shared secret, sent as
``X-SkillProof-Signature: sha256=<hex>``; retried with exponential backoff
on a connection failure or a 5xx / 429 answer. The URL goes through the same
SSRF guard as every fetch (:mod:`verifier.net`): an address inside a private
network is refused unless its ``host[:port]`` is allowed in the settings.
Candidate e-mail addresses are in the body only when the settings say so.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import httpx

from talent.recheck import BadgeChange, changes, shortlisted_ids
from talent.storage import Workspace
from verifier.errors import FetchError
from verifier.net import NetGuard, guarded_transport

__all__ = ["ALERTS_KEY", "AlertSettings", "Delivery", "check_webhook_url", "deliver_alerts", "sign"]

ALERTS_KEY = "alerts"
SIGNATURE_HEADER = "X-SkillProof-Signature"
SMTP_PASSWORD_ENV = "SKILLPROOF_SMTP_PASSWORD"  # noqa: S105 - the variable's name, not a password


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """Where alerts go. An empty ``smtp_host`` / ``webhook_url`` turns that channel off. The SMTP
    password is never stored: it is read from ``SKILLPROOF_SMTP_PASSWORD`` when ``smtp_user`` is set."""

    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str = ""
    smtp_from: str = ""
    smtp_to: tuple[str, ...] = ()
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_allow_hosts: tuple[str, ...] = ()
    include_emails: bool = False
    retries: int = 3
    timeout: float = 10.0

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the stored setting)."""
        return {
            "smtp_host": self.smtp_host,
            "smtp_port": self.smtp_port,
            "smtp_starttls": self.smtp_starttls,
            "smtp_user": self.smtp_user,
            "smtp_from": self.smtp_from,
            "smtp_to": list(self.smtp_to),
            "webhook_url": self.webhook_url,
            "webhook_secret": self.webhook_secret,
            "webhook_allow_hosts": list(self.webhook_allow_hosts),
            "include_emails": self.include_emails,
            "retries": self.retries,
            "timeout": self.timeout,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertSettings:
        """Read the stored form; unknown keys are ignored, a wrong type raises ValueError."""
        try:
            return cls(
                smtp_host=str(data.get("smtp_host", "")).strip(),
                smtp_port=int(data.get("smtp_port", 587)),
                smtp_starttls=bool(data.get("smtp_starttls", True)),
                smtp_user=str(data.get("smtp_user", "")),
                smtp_from=str(data.get("smtp_from", "")),
                smtp_to=tuple(str(x) for x in data.get("smtp_to") or ()),
                webhook_url=str(data.get("webhook_url", "")).strip(),
                webhook_secret=str(data.get("webhook_secret", "")),
                webhook_allow_hosts=tuple(str(x) for x in data.get("webhook_allow_hosts") or ()),
                include_emails=bool(data.get("include_emails", False)),
                retries=max(0, int(data.get("retries", 3))),
                timeout=float(data.get("timeout", 10.0)),
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"alert settings cannot be read: {exc}") from exc

    @classmethod
    def load(cls, ws: Workspace) -> AlertSettings:
        """The workspace's settings (all channels off when none were saved or they cannot be read)."""
        data = ws.setting(ALERTS_KEY)
        try:
            return cls.from_dict(data) if isinstance(data, Mapping) else cls()
        except ValueError:
            return cls()

    def save(self, ws: Workspace) -> None:
        """Store the settings, after refusing a webhook URL the SSRF guard refuses."""
        if self.webhook_url:
            check_webhook_url(self.webhook_url, self.webhook_allow_hosts)
        ws.save_setting(ALERTS_KEY, self.to_dict())


def check_webhook_url(url: str, allow_hosts: Iterable[str] = ()) -> None:
    """Raise ValueError when ``url`` is not an http(s) URL the SSRF guard lets through (a private,
    loopback or link-local address, unless its ``host[:port]`` is in ``allow_hosts``)."""
    try:
        NetGuard(allow_hosts=tuple(allow_hosts)).check(url)
    except FetchError as exc:
        raise ValueError(f"webhook URL refused: {exc.reason}") from exc


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of ``body`` under ``secret``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Delivery:
    """How one channel's delivery of one run went."""

    channel: str
    events: int
    sent: bool
    attempts: int
    detail: str


@dataclass
class _Run:
    ws: Workspace
    settings: AlertSettings
    sleep: Callable[[float], None] = time.sleep
    deliveries: list[Delivery] = field(default_factory=list)


def _event_key(change: BadgeChange) -> str:
    raw = "\x1f".join((change.candidate_id, change.badge_key, change.checked_at, *change.kinds))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def deliver_alerts(
    ws: Workspace,
    *,
    settings: AlertSettings | None = None,
    names: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[Delivery]:
    """Send the shortlisted candidates' not-yet-alerted changes on every configured channel; one
    :class:`Delivery` per channel that had something to send. Never raises for a delivery failure."""
    settings = settings or AlertSettings.load(ws)
    if not settings.smtp_host and not settings.webhook_url:
        return []
    wanted = shortlisted_ids(ws)
    if not wanted:
        return []
    found = changes(ws, candidate_ids=wanted)
    if not found:
        return []
    names = names or {c.candidate_id: c.name for c in ws.candidates() if c.candidate_id in wanted}
    emails = {c.candidate_id: list(c.emails) for c in ws.candidates() if c.candidate_id in wanted}
    run = _Run(ws, settings, sleep)
    if settings.smtp_host:
        todo = [c for c in found if ws.claim_alert("email", _event_key(c))]
        if todo:
            _settle(run, "email", todo, _send_email(settings, todo, names))
    if settings.webhook_url:
        todo = [c for c in found if ws.claim_alert("webhook", _event_key(c))]
        if todo:
            body = _webhook_body(todo, names, emails if settings.include_emails else None)
            _settle(run, "webhook", todo, _post_webhook(run, body, transport))
    return run.deliveries


def _settle(run: _Run, channel: str, todo: Sequence[BadgeChange], outcome: tuple[bool, int, str]) -> None:
    sent, attempts, detail = outcome
    for change in todo:
        run.ws.settle_alert(channel, _event_key(change), sent=sent, attempts=attempts, detail=detail)
    run.deliveries.append(Delivery(channel, len(todo), sent, attempts, detail))


def _line(change: BadgeChange, names: Mapping[str, str]) -> str:
    who = names.get(change.candidate_id) or change.candidate_id
    return f"{who} — {change.badge}: {', '.join(change.kinds)}. {change.summary}"


def _send_email(
    settings: AlertSettings, todo: Sequence[BadgeChange], names: Mapping[str, str]
) -> tuple[bool, int, str]:
    message = EmailMessage()
    message["Subject"] = f"SkillProof: {len(todo)} change(s) in shortlisted candidates' evidence"
    message["From"] = settings.smtp_from or "skillproof@localhost"
    message["To"] = ", ".join(settings.smtp_to)
    message.set_content(
        "The latest re-check found these changes in shortlisted candidates' badges:\n\n"
        + "\n".join(f"- {_line(c, names)}" for c in todo)
        + "\n"
    )
    if not settings.smtp_to:
        return False, 0, "no recipient address is set"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, os.environ.get(SMTP_PASSWORD_ENV, ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        return False, 1, f"{len(todo)} change(s) not e-mailed: {exc.__class__.__name__}: {exc}"
    return True, 1, f"{len(todo)} change(s) e-mailed to {len(settings.smtp_to)} address(es)"


def _webhook_body(
    todo: Sequence[BadgeChange], names: Mapping[str, str], emails: Mapping[str, list[str]] | None
) -> bytes:
    items = []
    for c in todo:
        item: dict[str, Any] = {
            "candidate_id": c.candidate_id,
            "candidate": names.get(c.candidate_id) or c.candidate_id,
            "badge": c.badge,
            "badge_key": c.badge_key,
            "changes": list(c.kinds),
            "was": c.was,
            "now": c.now,
            "checked_at": c.checked_at,
            "summary": c.summary,
        }
        if emails is not None:
            item["emails"] = emails.get(c.candidate_id, [])
        items.append(item)
    return json.dumps({"event": "evidence.changed", "changes": items}, ensure_ascii=False).encode("utf-8")


def _post_webhook(run: _Run, body: bytes, transport: httpx.AsyncBaseTransport | None) -> tuple[bool, int, str]:
    settings = run.settings
    try:
        check_webhook_url(settings.webhook_url, settings.webhook_allow_hosts)
    except ValueError as exc:
        return False, 0, str(exc)
    headers = {"content-type": "application/json", "content-length": str(len(body))}
    if settings.webhook_secret:
        headers[SIGNATURE_HEADER] = sign(settings.webhook_secret, body)
    attempts = 0
    last = ""
    for attempt in range(settings.retries + 1):
        attempts += 1
        status, last = asyncio.run(_post(settings, body, headers, transport))
        if status is not None and 200 <= status < 300:
            return True, attempts, f"webhook answered HTTP {status}"
        if status is not None and status < 500 and status != 429:
            break  # refused for good: retrying would not help
        if attempt < settings.retries:
            run.sleep(0.5 * 2**attempt)  # 0.5 s, 1 s, 2 s, ...
    return False, attempts, f"webhook not delivered after {attempts} attempt(s): {last}"


async def _post(
    settings: AlertSettings, body: bytes, headers: dict[str, str], transport: httpx.AsyncBaseTransport | None
) -> tuple[int | None, str]:
    own = transport or guarded_transport(allow_hosts=settings.webhook_allow_hosts)
    try:
        async with httpx.AsyncClient(transport=own, timeout=settings.timeout) as client:
            response = await client.post(settings.webhook_url, content=body, headers=headers)
            return response.status_code, f"HTTP {response.status_code}"
    except (httpx.HTTPError, FetchError, OSError) as exc:
        return None, f"{exc.__class__.__name__}: {exc}"
