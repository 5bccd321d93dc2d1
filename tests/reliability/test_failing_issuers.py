"""A batch of fetches against issuers that fail in every way at once.

Four loopback origins answer a mix of good documents and faults (hangs,
slow drips, resets, truncated bodies, garbage, 5xx, 429 with Retry-After,
wrong content types, redirect chains and loops, oversize bodies). Through
one :class:`Fetcher`, every request must end with exactly one outcome of the
expected kind, nothing may hang, retries must stay bounded, and neither
concurrency cap may be exceeded.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest

from tests.reliability.faultserver import LoopbackServer, Request, reply, reset
from verifier.errors import FetchError, FetchTimeout, HTTPStatusError, ResponseTooLarge, TooManyRedirects
from verifier.fetch import Fetcher, FetchLimits, Response

# Deadlines are wall-clock time in a loop shared with 2,000 tasks and the
# servers, so they leave room for a busy machine; hangs end at read_timeout,
# drips at timeout.
LIMITS = FetchLimits(
    timeout=3.0,
    connect_timeout=1.5,
    read_timeout=1.5,
    retries=2,
    backoff=0.005,
    max_retry_after=0.5,
    max_bytes=16 * 1024,
    max_redirects=3,
    concurrency=16,
    per_host=5,
)
DOC = b'{"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": "x"}'


@dataclass(frozen=True)
class Fault:
    """What a path does, and the outcome the fetcher must report for it."""

    weight: int
    expect: type[BaseException] | type[Response]
    status: int | None = None
    max_hits: int = LIMITS.retries + 1


FAULTS: dict[str, Fault] = {
    "ok": Fault(40, Response, max_hits=1),
    "wrong-type": Fault(6, Response, max_hits=1),
    "redirect-ok": Fault(6, Response, max_hits=1),
    "reset-once": Fault(6, Response, max_hits=2),
    "503-once": Fault(6, Response, max_hits=2),
    "reset": Fault(4, FetchError),
    "truncated": Fault(4, FetchError),
    "truncated-chunked": Fault(3, FetchError),
    "garbage": Fault(3, FetchError),
    "500": Fault(4, HTTPStatusError, 500),
    "429": Fault(4, HTTPStatusError, 429),
    "429-too-long": Fault(3, HTTPStatusError, 429, max_hits=1),
    "404": Fault(3, HTTPStatusError, 404, max_hits=1),
    "loop": Fault(3, TooManyRedirects, max_hits=1),
    "big": Fault(3, ResponseTooLarge, max_hits=1),
    "hang": Fault(1, FetchTimeout, max_hits=1),
    "drip": Fault(1, FetchTimeout, max_hits=1),
}


class FaultyIssuer:
    """The handler of one origin: ``/<fault>/<n>`` behaves as ``FAULTS`` says."""

    def __init__(self, gauge: Callable[[int], None]) -> None:
        self.by_target: Counter[str] = Counter()
        self._gauge = gauge

    async def __call__(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        self.by_target[request.target] += 1
        self._gauge(+1)
        try:
            return await self._answer(request, writer)
        finally:
            self._gauge(-1)

    async def _answer(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        parts = request.path.split("/")
        kind, n = parts[1], parts[2]
        seen = self.by_target[request.target]
        await asyncio.sleep(0.002)  # a little latency, so requests overlap and the caps bind
        match kind:
            case "ok":
                await reply(writer, 200, DOC)
            case "wrong-type":
                await reply(writer, 200, b"<html>not a badge</html>", content_type="text/html")
            case "redirect-ok":
                hop = int(parts[3]) if len(parts) > 3 else 0
                if hop < 2:
                    await reply(writer, 302, b"", headers=[("Location", f"/redirect-ok/{n}/{hop + 1}")])
                else:
                    await reply(writer, 200, DOC)
            case "reset-once" | "reset":
                if kind == "reset" or seen == 1:
                    reset(writer)
                    return False
                await reply(writer, 200, DOC)
            case "503-once":
                await reply(writer, 503 if seen == 1 else 200, DOC, headers=[("Retry-After", "0")])
            case "truncated":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{")
                await writer.drain()
                return False
            case "truncated-chunked":
                writer.write(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"@context"')
                await writer.drain()
                return False
            case "garbage":
                writer.write(b"\x00\x01 this is not HTTP at all\r\n\r\n")
                await writer.drain()
                return False
            case "500":
                await reply(writer, 500, b"oops")
            case "429":
                await reply(writer, 429, b"", headers=[("Retry-After", "0")])
            case "429-too-long":
                await reply(writer, 429, b"", headers=[("Retry-After", "3600")])
            case "404":
                await reply(writer, 404, b"")
            case "loop":
                other = "a" if len(parts) > 3 and parts[3] == "b" else "b"
                await reply(writer, 301, b"", headers=[("Location", f"/loop/{n}/{other}")])
            case "big":
                await reply(writer, 200, b"x" * (LIMITS.max_bytes + 1))
            case "hang":
                await request.client_gone(5)
                return False
            case "drip":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n")
                for _ in range(100):
                    writer.write(b" ")
                    await writer.drain()
                    if await request.client_gone(0.05):
                        break
                return False
        return True


def plan(total: int) -> list[str]:
    """``total`` fault kinds in a fixed interleaved order, by weight."""
    wheel = [kind for kind, fault in FAULTS.items() for _ in range(fault.weight)]
    return [wheel[(i * 7) % len(wheel)] for i in range(total)]


async def run_batch(total: int, limits: FetchLimits = LIMITS) -> None:
    active = 0
    peak = 0

    def gauge(delta: int) -> None:
        nonlocal active, peak
        active += delta
        peak = max(peak, active)

    issuers = [FaultyIssuer(gauge) for _ in range(4)]
    servers = [LoopbackServer(issuer) for issuer in issuers]
    for server in servers:
        await server.__aenter__()
    try:
        kinds = plan(total)
        urls = [servers[i % len(servers)].url(f"/{kind}/{i}") for i, kind in enumerate(kinds)]
        started = time.monotonic()
        async with Fetcher(limits=limits, allow_hosts=[s.origin for s in servers]) as fetcher:
            async with asyncio.timeout(90):
                outcomes = await asyncio.gather(*(fetcher.fetch(u) for u in urls), return_exceptions=True)
        elapsed = time.monotonic() - started
    finally:
        for server in servers:
            await server.__aexit__()

    # Exactly one outcome per request, each a Response or a FetchError of the expected kind.
    assert len(outcomes) == total
    tally: Counter[str] = Counter()
    for kind, url, outcome in zip(kinds, urls, outcomes, strict=True):
        fault = FAULTS[kind]
        assert isinstance(outcome, (Response, FetchError)), (url, repr(outcome))
        assert type(outcome) is fault.expect, (url, repr(outcome))
        if isinstance(outcome, HTTPStatusError):
            assert outcome.status_code == fault.status, (url, outcome)
        if kind == "wrong-type":
            assert isinstance(outcome, Response)
            assert outcome.content_type == "text/html"
        if kind == "redirect-ok":
            assert isinstance(outcome, Response)
            assert len(outcome.redirects) == 2
        tally[type(outcome).__name__] += 1

    # Retries are bounded: per URL, and in total.
    for i, (kind, url) in enumerate(zip(kinds, urls, strict=True)):
        issuer = issuers[i % len(issuers)]
        target = url.split(servers[i % len(servers)].origin, 1)[1]
        assert 1 <= issuer.by_target[target] <= FAULTS[kind].max_hits, (url, issuer.by_target[target])
    hits = sum(sum(issuer.by_target.values()) for issuer in issuers)
    assert fetcher.stats.requests == hits
    assert fetcher.stats.retries <= limits.retries * total
    expected_retries = sum(
        {
            "reset-once": 1,
            "503-once": 1,
            "reset": 2,
            "truncated": 2,
            "truncated-chunked": 2,
            "garbage": 2,
            "500": 2,
            "429": 2,
        }.get(k, 0)
        for k in kinds
    )
    assert fetcher.stats.retries == expected_retries

    # The caps held.
    # Requests in progress at each origin, as the origin saw them. (Open
    # connections are not compared here: the server may see a dropped
    # connection's end just after its replacement arrives.)
    assert max(s.max_active for s in servers) <= limits.per_host
    assert peak <= limits.concurrency
    assert peak > limits.per_host  # hosts were served side by side
    assert tally["Response"] > 0
    assert tally["FetchError"] > 0
    print(f"\n{total} fetches in {elapsed:.1f} s: {dict(tally)}; {fetcher.stats.retries} retries; peak {peak}")


async def test_a_small_batch_of_failing_issuers_gives_one_outcome_each() -> None:
    # Fewer tasks share the loop, so tighter deadlines keep this one quick.
    await run_batch(170, replace(LIMITS, timeout=1.0, read_timeout=0.5))


@pytest.mark.slow
async def test_two_thousand_fetches_from_failing_issuers_all_end_and_stay_bounded() -> None:
    await run_batch(2000)
