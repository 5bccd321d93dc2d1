"""The whole path: the sample verified by the dashboard's runs, an issuer withdraws a shortlisted
candidate's badge (its assertion now answers 410 Gone), the scheduled re-check finds it, and exactly
one e-mail (a real local SMTP server) and one signed webhook call (a loopback receiver) go out —
none more on the next re-check, nor after a restart."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller

from talent.alerts import AlertSettings
from talent.recheck import changes, queue_recheck
from talent.shortlist import Shortlist
from talent.storage import Workspace
from tests.app.conftest import _restore, _use
from verifier.models import utc_now

CANDIDATE = "ats:C004"
ASSERTION = "c004-continuous-delivery-engineer"


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


class _Receiver(BaseHTTPRequestHandler):
    calls: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        type(self).calls.append(self.rfile.read(int(self.headers.get("content-length", "0"))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def issuers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The sample's issuers served from a copy, so that one can withdraw a badge; an empty data dir."""
    import ui.verification

    copy = tmp_path / "issuers"
    shutil.copytree(ui.verification.SAMPLE_ISSUERS, copy)
    monkeypatch.setattr(ui.verification, "SAMPLE_ISSUERS", copy)
    saved = _use(tmp_path / "data", sample=True)
    try:
        yield copy
    finally:
        _restore(saved)


def test_a_badge_withdrawn_between_two_runs_sends_one_email_and_one_webhook(issuers: Path) -> None:
    from ui import runs
    from ui.sample import load_sample
    from ui.workspace import url, workspace

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    handler = type("Receiver", (_Receiver,), {"calls": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook_port = server.server_address[1]
    try:
        ws = workspace()
        load_sample(ws)  # verified through the dashboard's runs: documents kept, nothing changed yet
        ws.save_shortlist(Shortlist("Round 1", "cloud-engineer", (CANDIDATE,)))
        AlertSettings(
            smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_starttls=False, smtp_to=("hr@example.org",),
            webhook_url=f"http://127.0.0.1:{hook_port}/hook", webhook_secret="k",
            webhook_allow_hosts=(f"127.0.0.1:{hook_port}",),
        ).save(ws)  # fmt: skip
        assert changes(ws, candidate_ids=[CANDIDATE]) == []
        # the issuer withdraws the badge: its assertion now answers 410 Gone
        folder = issuers / "badges.northwind.example" / "assertions"
        (folder / f"{ASSERTION}.json").rename(folder / f"{ASSERTION}.gone")
        job, count = queue_recheck(ws, utc_now())
        assert job is not None
        assert count > 0
        runs.run_now(ws)  # the re-check; alerts are sent when the run ends
        found = changes(ws, candidate_ids=[CANDIDATE])
        assert [c.kinds for c in found] == [("withdrawn by its issuer", "now fails")]
        assert len(inbox.messages) == 1
        assert len(handler.calls) == 1
        # the next scheduled re-check: still withdrawn, nothing new to say
        queue_recheck(ws, utc_now())
        runs.run_now(ws)
        # a restart: a new handle on the same database sends nothing again
        with Workspace(url()) as again:
            runs.send_alerts(again)
        assert len(inbox.messages) == 1
        assert len(handler.calls) == 1
        mail = email.message_from_bytes(inbox.messages[0].content, policy=email.policy.default)
        assert "withdrawn by its issuer" in mail.get_content()  # type: ignore[attr-defined]
        body = json.loads(handler.calls[0])
        assert [c["candidate_id"] for c in body["changes"]] == [CANDIDATE]
        assert "emails" not in body["changes"][0]
    finally:
        controller.stop()
        server.shutdown()
        server.server_close()
