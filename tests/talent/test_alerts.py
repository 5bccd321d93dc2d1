"""Alerts on a shortlisted candidate's changed evidence: a real local SMTP server (aiosmtpd) and a
loopback webhook receiver; one e-mail and one webhook per change, never again after a restart."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller

from talent.alerts import SIGNATURE_HEADER, AlertSettings, check_webhook_url, deliver_alerts
from talent.candidates import Candidate
from talent.shortlist import Shortlist
from talent.storage import Workspace
from verifier.models import Status, VerificationResult, passed
from verifier.pipeline import BadgeInput

EMAIL = "ada.candidate@example.org"
SECRET = "s3cret"


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's controller connects to the port it is given)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class _Receiver(BaseHTTPRequestHandler):
    calls: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    answers: ClassVar[list[int]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        type(self).calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
        status = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[type[_Receiver], int]]:
    handler = type("Receiver", (_Receiver,), {"calls": [], "answers": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _pair(result_pairs: list) -> tuple[VerificationResult, VerificationResult]:
    revoked = next(r for c, r in result_pairs if c == "ats:A1" and r.status is Status.FAILED)
    good = replace(
        revoked,
        status=Status.VERIFIED,
        checks=tuple(passed("revocation", "not revoked") if c.id == "revocation" else c for c in revoked.checks),
    )
    return good, revoked


def _store(ws: Workspace, result: VerificationResult) -> None:
    job = ws.create_job([BadgeInput(result.input, candidate="ats:A1")], label="check")
    ws.record_results(job, [(0, result)])


def _settings(smtp_port: int, hook_port: int, **extra: Any) -> AlertSettings:
    return AlertSettings(
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_starttls=False,
        smtp_from="skillproof@example.org",
        smtp_to=("hr@example.org",),
        webhook_url=f"http://127.0.0.1:{hook_port}/hook",
        webhook_secret=SECRET,
        webhook_allow_hosts=(f"127.0.0.1:{hook_port}",),
        **extra,
    )


def _workspace(url: str, result_pairs: list) -> Workspace:
    ws = Workspace(url)
    ws.save_candidates([Candidate("ats:A1", "Ada Candidate", (EMAIL,), "A1")])
    ws.save_shortlist(Shortlist("Round 1", "cloud-engineer", ("ats:A1",)))
    good, _ = _pair(result_pairs)
    _store(ws, good)
    return ws


def test_a_badge_revoked_between_two_runs_sends_one_email_and_one_webhook(
    tmp_path: Path, result_pairs: list, smtp: tuple[_Inbox, int], receiver: tuple[type[_Receiver], int]
) -> None:
    inbox, smtp_port = smtp
    hook, hook_port = receiver
    url = f"sqlite:///{tmp_path / 'ws.db'}"
    settings = _settings(smtp_port, hook_port)
    with _workspace(url, result_pairs) as ws:
        settings.save(ws)
        assert deliver_alerts(ws) == []  # first check: nothing changed
        _store(ws, _pair(result_pairs)[1])  # the second run finds it revoked
        done = deliver_alerts(ws, sleep=lambda _s: None)
        assert [(d.channel, d.events, d.sent) for d in done] == [("email", 1, True), ("webhook", 1, True)]
        assert deliver_alerts(ws) == []  # the same change is never sent twice
    # a restart: a new process opens the workspace and runs again
    with Workspace(url) as ws:
        assert deliver_alerts(ws) == []
        states = {(d["channel"], d["state"]) for d in ws.alert_deliveries()}
        assert states == {("email", "sent"), ("webhook", "sent")}
    assert len(inbox.messages) == 1
    parsed = email.message_from_bytes(inbox.messages[0].content, policy=email.policy.default)
    assert parsed["To"] == "hr@example.org"
    mail = parsed.get_content()  # type: ignore[attr-defined]
    assert "Ada Candidate" in mail
    assert "withdrawn by its issuer" in mail
    assert len(hook.calls) == 1
    headers, body = hook.calls[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER.lower()] == expected
    payload = json.loads(body)
    assert payload["event"] == "evidence.changed"
    assert payload["changes"][0]["changes"] == ["withdrawn by its issuer", "now fails"]
    assert EMAIL not in body.decode("utf-8")  # no candidate e-mail address unless the setting says so


def test_candidate_emails_are_in_the_webhook_only_when_the_setting_says_so(
    tmp_path: Path, result_pairs: list, smtp: tuple[_Inbox, int], receiver: tuple[type[_Receiver], int]
) -> None:
    hook, hook_port = receiver
    with _workspace(f"sqlite:///{tmp_path / 'ws.db'}", result_pairs) as ws:
        _store(ws, _pair(result_pairs)[1])
        settings = replace(_settings(smtp[1], hook_port), smtp_host="", include_emails=True)
        deliver_alerts(ws, settings=settings)
    assert json.loads(hook.calls[0][1])["changes"][0]["emails"] == [EMAIL]


def test_unreachable_targets_are_logged_retried_with_backoff_and_sent_later(
    tmp_path: Path, result_pairs: list, smtp: tuple[_Inbox, int], receiver: tuple[type[_Receiver], int]
) -> None:
    inbox, smtp_port = smtp
    hook, hook_port = receiver
    with _workspace(f"sqlite:///{tmp_path / 'ws.db'}", result_pairs) as ws:
        _store(ws, _pair(result_pairs)[1])
        closed = hook_port  # the receiver answers 503 three times, then the SMTP port is wrong
        hook.answers.extend([503, 503, 503, 503])
        waits: list[float] = []
        broken = replace(_settings(1, closed), retries=3)  # port 1: nothing listens
        done = deliver_alerts(ws, settings=broken, sleep=waits.append)
        assert [(d.channel, d.sent) for d in done] == [("email", False), ("webhook", False)]
        assert waits == [0.5, 1.0, 2.0]  # exponential backoff between the 4 attempts
        assert len(hook.calls) == 4
        log = {e.action for e in ws.audit_log()}
        assert "alert failed" in log
        # the targets are back: the failed deliveries go out on the next run, once
        done = deliver_alerts(ws, settings=_settings(smtp_port, hook_port), sleep=waits.append)
        assert [(d.channel, d.sent) for d in done] == [("email", True), ("webhook", True)]
        assert len(inbox.messages) == 1
        assert deliver_alerts(ws, settings=_settings(smtp_port, hook_port)) == []


def test_webhook_urls_into_private_networks_are_refused_unless_allowed() -> None:
    for url in ("http://127.0.0.1:8080/hook", "http://10.0.0.7/hook", "http://[::1]/x", "http://169.254.169.254/"):
        with pytest.raises(ValueError, match="refused"):
            check_webhook_url(url)
    check_webhook_url("http://127.0.0.1:8080/hook", ["127.0.0.1:8080"])
    check_webhook_url("https://hooks.example.com/skillproof")
    with pytest.raises(ValueError, match="refused"):
        AlertSettings(webhook_url="http://192.168.1.10/hook").save(None)  # type: ignore[arg-type]
