"""The app server as a user starts it (``streamlit run dashboard.py``), in a subprocess on a free port.

with AppServer(data_dir, env={"SKILLPROOF_API_TOKENS": "t1"}) as server:
    server.post("/api/v1/verify", {...}, token="t1")
    server.kill()      # kill -9, mid-run if you like
    server.start()     # same data directory: a restart
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.conftest import ROOT


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AppServer:
    """One app server process over a data directory (or ``SKILLPROOF_DATABASE_URL`` in ``env``)."""

    def __init__(self, data: Path, *, env: Mapping[str, str] | None = None, sample: bool = False) -> None:
        self.data = data
        self.env = {**os.environ, "SKILLPROOF_DATA_DIR": str(data), "SKILLPROOF_OFFLINE": "1", **(env or {})}
        if sample:
            self.env.pop("SKILLPROOF_NO_SAMPLE", None)
        else:
            self.env["SKILLPROOF_NO_SAMPLE"] = "1"
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""
        self.starts = 0

    def start(self, *, timeout: float = 90.0) -> AppServer:
        """Start the server and wait until it answers its health check."""
        port = free_port()
        self.starts += 1
        log = (self.data / f"server-{self.starts}.log").open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "dashboard.py",
                "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
                "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            ],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the app server did not start:\n" + self.log()[-3000:])
            time.sleep(0.2)

    def log(self) -> str:
        """The current process's output so far."""
        path = self.data / f"server-{self.starts}.log"
        return path.read_text("utf-8", errors="replace") if path.exists() else ""

    def kill(self) -> None:
        """kill -9: no shutdown, no cleanup."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """A normal shutdown (SIGTERM), then kill if it lingers."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        """(status, headers, parsed JSON body or text) of one request."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=sent)
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                status, got, raw = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as exc:
            status, got, raw = exc.code, dict(exc.headers), exc.read()
        try:
            return status, got, json.loads(raw)
        except ValueError:
            return status, got, raw.decode("utf-8", errors="replace")

    def post(self, path: str, payload: Any, *, token: str | None = None) -> tuple[int, dict[str, str], Any]:
        """POST a JSON body."""
        body = json.dumps(payload).encode("utf-8")
        return self.request("POST", path, body=body, token=token, headers={"Content-Type": "application/json"})
