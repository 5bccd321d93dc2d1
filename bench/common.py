"""Helpers shared by the benchmark scripts: the machine, the loopback server, timing.

The scripts are run as ``python bench/<name>.py`` from the repository root;
they put the root on ``sys.path`` through :data:`ROOT` so that ``verifier``
imports without installing anything.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Loopback control requests must never go through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def machine() -> dict[str, Any]:
    """Where a figure came from: cores, CPU model, Python, load at the time."""
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "nproc": os.cpu_count(),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "load_avg_1_5_15": [round(x, 2) for x in load],
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def print_summary(summary: dict[str, Any]) -> None:
    """The one JSON summary a benchmark prints on standard output."""
    print(json.dumps(summary, indent=2, sort_keys=False, default=str), flush=True)


@dataclass
class LoopbackIssuer:
    """A running ``bench/latency_server.py`` process."""

    process: subprocess.Popen[str]
    port: int
    origins: int

    @property
    def allow_hosts(self) -> list[str]:
        """``--allow-host`` values for every origin."""
        from latency_server import origin_host  # type: ignore[import-not-found]

        return [f"{origin_host(o)}:{self.port}" for o in range(self.origins)]

    def control(self, name: str) -> dict[str, Any]:
        """GET ``/__<name>`` (``stats`` or ``reset``) on the first origin."""
        from latency_server import origin_host

        with _OPENER.open(f"http://{origin_host(0)}:{self.port}/__{name}", timeout=30) as r:
            data: dict[str, Any] = json.loads(r.read())
            return data


@contextlib.contextmanager
def loopback_issuer(*, assertions: int, badgeclasses: int, origins: int, latency: float) -> Iterator[LoopbackIssuer]:
    """Start the latency server in its own process; stop it on exit."""
    cmd = [
        sys.executable,
        str(BENCH / "latency_server.py"),
        "--assertions",
        str(assertions),
        "--badgeclasses",
        str(badgeclasses),
        "--origins",
        str(origins),
        "--latency",
        str(latency),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"latency server did not start: {line!r}")
        yield LoopbackIssuer(proc, int(line.split()[1]), origins)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(frozen=True)
class RunResult:
    """A finished child process: timings on the system-wide monotonic clock, CPU and peak RSS."""

    returncode: int
    started: float
    ended: float
    cpu_s: float
    max_rss_mib: float
    stderr: str

    @property
    def wall_s(self) -> float:
        """Wall time from spawn to exit."""
        return self.ended - self.started


def run_child(cmd: Sequence[str], *, stdout_path: Path, env: dict[str, str] | None = None) -> RunResult:
    """Run ``cmd`` from the repository root with stdout to a file; measure it.

    Peak RSS and CPU come from ``wait4`` (this child only, not earlier ones).
    """
    started = time.perf_counter()
    with open(stdout_path, "wb") as out:
        proc = subprocess.Popen(list(cmd), cwd=ROOT, stdout=out, stderr=subprocess.PIPE, env=env)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        ended = time.perf_counter()
        proc.returncode = os.waitstatus_to_exitcode(status)
    return RunResult(
        returncode=proc.returncode,
        started=started,
        ended=ended,
        cpu_s=usage.ru_utime + usage.ru_stime,
        max_rss_mib=usage.ru_maxrss / 1024,
        stderr=err.decode("utf-8", "replace")[-4000:],
    )


def self_peak_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    """Current resident set size of this process, from /proc."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
