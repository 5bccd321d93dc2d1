"""A batch of OB 2.0 hosted badges whose issuers fail in every way at once, through the whole pipeline.

Four loopback origins serve hosted assertions, their BadgeClasses and their
issuer profiles. Some assertions fail (hangs, slow drips, resets, truncated
bodies, garbage, 5xx, 429, redirect loops, oversize, HTML, bad JSON, another
assertion's id, 410 Gone), some point to a BadgeClass that fails, and one
origin's issuer profile is broken. Each input must get exactly one result, in
input order; nothing may be ``verified`` unless every document it rests on
was served intact; nothing may hang; retries stay bounded; and neither
concurrency cap is exceeded.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from tests.reliability.faultserver import LoopbackServer, Request, reply, reset
from verifier import cli
from verifier.fetch import Fetcher, FetchLimits
from verifier.models import Status
from verifier.pipeline import verify_batch
from verifier.session import Session

# Timeouts leave room for a loaded machine (the servers share the test's event loop):
# a document that is served must not time out, or "ok" could not be told from "hang".
LIMITS = FetchLimits(
    timeout=2.0,
    connect_timeout=1.0,
    read_timeout=1.5,
    retries=2,
    backoff=0.005,
    max_retry_after=1.0,
    max_bytes=64 * 1024,
    max_redirects=3,
    concurrency=16,
    per_host=4,
)
OB2 = "https://w3id.org/openbadges/v2"
BROKEN_ISSUER_ORIGIN = 3  # this origin's issuer profile always answers 500


@dataclass(frozen=True)
class Kind:
    """How one input's documents behave and what its result may be."""

    weight: int
    statuses: frozenset[Status]  # the statuses the result may have (when the issuer is intact)
    max_hits: int = LIMITS.retries + 1  # requests the assertion URL may receive


VERIFIED = frozenset({Status.VERIFIED})
ERROR = frozenset({Status.ERROR})
NOT_VERIFIED = frozenset({Status.ERROR, Status.FAILED})

KINDS: dict[str, Kind] = {
    "ok": Kind(40, VERIFIED, 1),
    "reset-once": Kind(5, VERIFIED, 2),
    "503-once": Kind(5, VERIFIED, 2),
    "reset": Kind(3, ERROR),
    "truncated": Kind(3, ERROR),
    "truncated-chunked": Kind(2, ERROR),
    "garbage": Kind(2, ERROR),
    "500": Kind(3, ERROR),
    "429": Kind(2, ERROR),
    "429-too-long": Kind(2, ERROR, 1),
    "404": Kind(2, ERROR, 1),
    "gone": Kind(2, frozenset({Status.FAILED}), 1),
    "loop": Kind(2, ERROR, 1),
    "big": Kind(2, NOT_VERIFIED, 1),  # over the cap: an error; the CLI default cap is larger: a non-badge
    "hang": Kind(1, ERROR, 1),
    "drip": Kind(1, ERROR, 1),
    "html": Kind(2, ERROR, 1),
    "not-json": Kind(2, NOT_VERIFIED, 1),
    "other-id": Kind(2, NOT_VERIFIED, 1),
    "badge-500": Kind(3, NOT_VERIFIED, 1),
    "badge-truncated": Kind(2, NOT_VERIFIED, 1),
    "badge-hang": Kind(1, NOT_VERIFIED, 1),
    "badge-garbage": Kind(2, NOT_VERIFIED, 1),
}


def plan(total: int) -> list[str]:
    """``total`` kinds in a fixed interleaved order, by weight."""
    wheel = [kind for kind, k in KINDS.items() for _ in range(k.weight)]
    return [wheel[(i * 7) % len(wheel)] for i in range(total)]


@dataclass
class BadgeIssuer:
    """One origin: ``/a/<kind>/<n>`` assertions, ``/b/<kind>/<n>`` BadgeClasses, ``/issuer.json``."""

    index: int
    gauge: Callable[[int], None]
    origin: str = ""
    hits: Counter[str] = field(default_factory=Counter)
    intact: set[str] = field(default_factory=set)  # paths answered with a complete, valid document

    def url(self, path: str) -> str:
        return f"http://{self.origin}{path}"

    def assertion(self, kind: str, n: str, *, id_path: str | None = None) -> bytes:
        badge_kind = kind if kind.startswith("badge-") else "ok"
        return json.dumps(
            {
                "@context": OB2,
                "type": "Assertion",
                "id": self.url(id_path or f"/a/{kind}/{n}"),
                "recipient": {"type": "email", "hashed": False, "identity": f"p{n}@example.org"},
                "badge": self.url(f"/b/{badge_kind}/{n}"),
                "issuedOn": "2024-03-01T12:00:00Z",
                "verification": {"type": "hosted"},
            }
        ).encode()

    def badge(self, n: str) -> bytes:
        return json.dumps(
            {
                "@context": OB2,
                "type": "BadgeClass",
                "id": self.url(f"/b/ok/{n}"),
                "name": f"Badge {n}",
                "description": "A badge served by a failing issuer.",
                "image": self.url("/badge.png"),
                "criteria": {"narrative": "Passed."},
                "issuer": self.url("/issuer.json"),
            }
        ).encode()

    def issuer(self) -> bytes:
        return json.dumps(
            {
                "@context": OB2,
                "type": "Issuer",
                "id": self.url("/issuer.json"),
                "name": f"Failing Issuer {self.index}",
                "url": self.url("/"),
                "email": "badges@issuer.example",
            }
        ).encode()

    async def __call__(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        self.hits[request.path] += 1
        self.gauge(+1)
        try:
            await asyncio.sleep(0.002)  # a little latency, so requests overlap and the caps bind
            return await self._answer(request, writer)
        finally:
            self.gauge(-1)

    async def _intact(self, writer: asyncio.StreamWriter, path: str, body: bytes) -> bool:
        await reply(writer, 200, body)
        self.intact.add(path)
        return True

    async def _answer(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        path = request.path
        if path == "/issuer.json":
            if self.index == BROKEN_ISSUER_ORIGIN:
                await reply(writer, 500, b"issuer database down")
                return True
            return await self._intact(writer, path, self.issuer())
        parts = path.split("/")
        if len(parts) < 4:
            await reply(writer, 404, b"")
            return True
        doc, kind, n = parts[1], parts[2], parts[3]
        seen = self.hits[path]
        if doc == "b":
            return await self._badge(request, writer, kind, n)
        match kind:
            case "ok" | "badge-500" | "badge-truncated" | "badge-hang" | "badge-garbage":
                return await self._intact(writer, path, self.assertion(kind, n))
            case "reset-once" | "reset":
                if kind == "reset" or seen == 1:
                    reset(writer)
                    return False
                return await self._intact(writer, path, self.assertion(kind, n))
            case "503-once":
                if seen == 1:
                    await reply(writer, 503, b"", headers=[("Retry-After", "0")])
                    return True
                return await self._intact(writer, path, self.assertion(kind, n))
            case "truncated":
                body = self.assertion(kind, n)
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/ld+json\r\nContent-Length: %d\r\n\r\n%s"
                    % (len(body), body[: len(body) // 2])
                )
                await writer.drain()
                return False
            case "truncated-chunked":
                body = self.assertion(kind, n)
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s" % (len(body), body[:20]))
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
            case "gone":
                await reply(writer, 410, b"revoked")
            case "loop":
                other = f"/a/loop/{n}/{'a' if parts[-1] == 'b' else 'b'}"
                await reply(writer, 301, b"", headers=[("Location", other)])
            case "big":
                await reply(writer, 200, b'{"x": "' + b"a" * (LIMITS.max_bytes + 10) + b'"}')
            case "hang":
                await request.client_gone(5)
                return False
            case "drip":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n")
                for _ in range(200):
                    writer.write(b" ")
                    await writer.drain()
                    if await request.client_gone(0.05):
                        break
                return False
            case "html":
                await reply(writer, 200, b"<html><body>Sign in</body></html>", content_type="text/html")
            case "not-json":
                await reply(writer, 200, b'{"@context": "https://w3id.org/openbadges/v2", "type": ')
            case "other-id":
                await reply(writer, 200, self.assertion("ok", n, id_path=f"/a/ok/{int(n) + 1}"))
            case _:
                await reply(writer, 404, b"")
        return True

    async def _badge(self, request: Request, writer: asyncio.StreamWriter, kind: str, n: str) -> bool:
        match kind:
            case "ok":
                return await self._intact(writer, request.path, self.badge(n))
            case "badge-500":
                await reply(writer, 500, b"")
            case "badge-truncated":
                body = self.badge(n)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body[:30]))
                await writer.drain()
                return False
            case "badge-hang":
                await request.client_gone(5)
                return False
            case "badge-garbage":
                await reply(writer, 200, b"\xff\xfe not a badge class")
            case _:
                await reply(writer, 404, b"")
        return True


@dataclass
class Fleet:
    issuers: list[BadgeIssuer]
    servers: list[LoopbackServer]
    peak: int = 0

    def input(self, i: int, kind: str) -> tuple[BadgeIssuer, str]:
        issuer = self.issuers[i % len(self.issuers)]
        return issuer, issuer.url(f"/a/{kind}/{i}")


async def start_fleet() -> Fleet:
    fleet = Fleet([], [])
    active = 0

    def gauge(delta: int) -> None:
        nonlocal active
        active += delta
        fleet.peak = max(fleet.peak, active)

    for index in range(4):
        issuer = BadgeIssuer(index, gauge)
        server = LoopbackServer(issuer)
        await server.__aenter__()
        issuer.origin = server.origin
        fleet.issuers.append(issuer)
        fleet.servers.append(server)
    return fleet


async def stop_fleet(fleet: Fleet) -> None:
    for server in fleet.servers:
        await server.__aexit__()


def check_outcomes(fleet: Fleet, kinds: list[str], urls: list[str], results: list[dict[str, object]]) -> Counter[str]:
    """Every invariant of the batch; returns the tally of statuses."""
    # Exactly one result per input, in input order.
    assert len(results) == len(urls)
    assert [r["input"] for r in results] == urls
    tally: Counter[str] = Counter()
    for i, (kind, url, result) in enumerate(zip(kinds, urls, results, strict=True)):
        issuer = fleet.issuers[i % len(fleet.issuers)]
        status = Status(str(result["status"]))
        tally[status.value] += 1
        allowed = KINDS[kind].statuses
        if issuer.index == BROKEN_ISSUER_ORIGIN:
            allowed = allowed - {Status.VERIFIED} or NOT_VERIFIED
        assert status in allowed, (url, status, result.get("reason"))
        if status is Status.VERIFIED:
            # Truly verified: every document it rests on was served whole.
            path = url.split(issuer.origin, 1)[1]
            n = path.rsplit("/", 1)[1]
            assert path in issuer.intact, url
            assert f"/b/ok/{n}" in issuer.intact, url
            assert "/issuer.json" in issuer.intact, url
        else:
            assert result.get("reason"), (url, "a result that is not verified says why")
    # Retries are bounded, per URL.
    for i, (kind, url) in enumerate(zip(kinds, urls, strict=True)):
        issuer = fleet.issuers[i % len(fleet.issuers)]
        path = url.split(issuer.origin, 1)[1]
        assert 1 <= issuer.hits[path] <= KINDS[kind].max_hits, (url, issuer.hits[path])
        badge_hits = issuer.hits[f"/b/{kind if kind.startswith('badge-') else 'ok'}/{i}"]
        assert badge_hits <= LIMITS.retries + 1, (url, badge_hits)
    for issuer in fleet.issuers:
        assert issuer.hits["/issuer.json"] <= LIMITS.retries + 1  # fetched once per batch (cached), plus retries
    # Politeness: the per-host and global caps held.
    assert max(s.max_active for s in fleet.servers) <= LIMITS.per_host
    assert fleet.peak <= LIMITS.concurrency
    assert tally["verified"] > 0
    assert tally["error"] > 0
    assert tally["failed"] > 0
    return tally


async def run_pipeline(total: int) -> None:
    fleet = await start_fleet()
    try:
        kinds = plan(total)
        urls = [fleet.input(i, kind)[1] for i, kind in enumerate(kinds)]
        started = time.monotonic()
        async with Fetcher(limits=LIMITS, allow_hosts=[s.origin for s in fleet.servers]) as fetcher:
            session = Session(fetcher=fetcher)
            async with asyncio.timeout(120):
                results = [r.to_dict() async for r in verify_batch(urls, session, window=64)]
        elapsed = time.monotonic() - started
    finally:
        await stop_fleet(fleet)
    tally = check_outcomes(fleet, kinds, urls, results)
    assert fetcher.stats.retries <= LIMITS.retries * 3 * total
    print(f"\n{total} hosted badges in {elapsed:.1f} s: {dict(tally)}; {fetcher.stats.retries} retries")


async def run_cli(total: int) -> None:
    fleet = await start_fleet()
    out = io.StringIO()
    try:
        kinds = plan(total)
        urls = [fleet.input(i, kind)[1] for i, kind in enumerate(kinds)]
        argv = ["verify", "-", "--json", "--concurrency", str(LIMITS.concurrency)]
        argv += ["--per-host", str(LIMITS.per_host), "--timeout", str(LIMITS.timeout)]
        for server in fleet.servers:
            argv += ["--allow-host", server.origin]
        started = time.monotonic()
        code = await asyncio.wait_for(
            asyncio.to_thread(cli.main, argv, stdin=io.StringIO("\n".join(urls) + "\n"), stdout=out), 240
        )
        elapsed = time.monotonic() - started
    finally:
        await stop_fleet(fleet)
    assert code == cli.EXIT_NOT_VERIFIED
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    tally = check_outcomes(fleet, kinds, urls, results)
    print(f"\n{total} hosted badges through the CLI in {elapsed:.1f} s: {dict(tally)}")


async def test_a_small_batch_of_hosted_badges_from_failing_issuers_gives_one_true_result_each() -> None:
    await run_pipeline(160)


@pytest.mark.slow
async def test_two_thousand_hosted_badges_from_failing_issuers_through_the_pipeline() -> None:
    await run_pipeline(2000)


@pytest.mark.slow
async def test_two_thousand_hosted_badges_from_failing_issuers_through_the_cli() -> None:
    await run_cli(2000)
