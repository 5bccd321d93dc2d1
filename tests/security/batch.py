"""Helpers for the hostile-input tests: good neighbours, a batch runner, bounds.

A hostile input is always verified in the middle of a batch of good ones
(sample workspace badges that verify offline), so each test shows both that
the hostile input ends with a clear error and that the batch goes on.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import ROOT
from verifier.fetch import Fetcher, FetchLimits
from verifier.models import VerificationResult
from verifier.pipeline import BadgeInput, verify_batch
from verifier.session import Session

SAMPLE = ROOT / "sample_data"
#: Generous bounds: a noisy shared machine must never make these flake (speed targets live in bench/).
MAX_SECONDS = 30.0
MAX_BYTES = 500 * 1024 * 1024


def sample_badges(family: str | None = None, *, status: str = "verified") -> list[dict[str, Any]]:
    """Sample workspace badges given as files, with the outcome they are built to have."""
    expected = json.loads((SAMPLE / "expected.json").read_text("utf-8"))
    return [
        b
        for b in expected["badges"]
        if b["status"] == status
        and b["badge"].startswith("files/")
        and (family is None or b["family"] == family)
        and (SAMPLE / b["badge"]).is_file()
    ]


def good_neighbours(count: int = 4) -> list[BadgeInput]:
    """``count`` sample badges that verify offline, one of each family first."""
    picked: list[dict[str, Any]] = []
    families = ("ob2-signed", "ob3-di", "ob3-jwt", "baked-png", "baked-svg")
    for fam in families:
        picked.extend(sample_badges(fam)[:1])
    picked.extend(b for b in sample_badges() if b not in picked)
    assert len(picked) >= count, "the sample workspace has too few verified badge files"
    return [
        BadgeInput(
            source=f"good:{b['badge']}",
            data=(SAMPLE / b["badge"]).read_bytes(),
            filename=Path(b["badge"]).name,
            emails=(b["email"],),
        )
        for b in picked[:count]
    ]


def offline_transport(fallback: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncBaseTransport:
    """The sample issuers answered from disk; everything else to ``fallback`` (default: 404)."""
    from verifier.offline import OfflineTransport, routes_from_folders

    return OfflineTransport(routes_from_folders(SAMPLE / "issuers"), fallback=fallback)


#: Source of ``peak_rss()`` for a subprocess: the process's own high-water RSS in bytes.
#: ``/proc/self/status`` VmHWM starts afresh at exec; ``ru_maxrss`` would carry the
#: parent's peak over (Linux keeps it across fork and exec).
PEAK_RSS_SOURCE = """
def peak_rss():
    import resource
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
"""


@dataclass
class Measured:
    """What a bounded run used: wall time and the peak of Python allocations."""

    seconds: float = 0.0
    peak_bytes: int = 0

    def assert_bounded(self) -> None:
        assert self.seconds < MAX_SECONDS, f"took {self.seconds:.1f} s"
        assert self.peak_bytes < MAX_BYTES, f"peak {self.peak_bytes / 2**20:.0f} MiB"


@contextmanager
def measured(*, trace_memory: bool = True) -> Iterator[Measured]:
    """Measure elapsed time and (unless ``trace_memory`` is off: tracemalloc slows
    deep recursion a hundredfold) tracemalloc's peak inside the block."""
    m = Measured()
    if trace_memory:
        tracemalloc.start()
    started = time.monotonic()
    try:
        yield m
    finally:
        m.seconds = time.monotonic() - started
        if trace_memory:
            m.peak_bytes = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()


async def run_batch(
    items: Iterable[BadgeInput | str],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    limits: FetchLimits | None = None,
    allow_hosts: Iterable[str] = (),
) -> list[VerificationResult]:
    """Every result of ``verify_batch`` over ``items``, in input order."""
    async with Fetcher(
        transport=transport or offline_transport(), limits=limits, allow_hosts=tuple(allow_hosts)
    ) as fetcher:
        session = Session(fetcher=fetcher)
        return [r async for r in verify_batch(items, session)]


def sandwich(hostile: list[BadgeInput]) -> tuple[list[BadgeInput], list[int]]:
    """Good neighbours around the hostile inputs; returns the batch and the hostile positions."""
    good = good_neighbours(4)
    items = [good[0], good[1], *hostile, good[2], good[3]]
    return items, list(range(2, 2 + len(hostile)))
