"""A latency-injecting Open Badges 2.0 issuer on many loopback origins.

One asyncio process listens on ``--origins`` loopback addresses
(127.0.0.2, 127.0.0.3, ...) on the same port and serves a synthetic issuer
world: ``--assertions`` hosted assertions over ``--badgeclasses``
BadgeClasses, one issuer Profile per origin. Every document request waits
``--latency`` seconds before its answer, like a distant issuer.

The server is a minimal HTTP/1.1 implementation on raw asyncio streams with
keep-alive (RFC 9112 §9.3 persistent connections: a connection is reused
until the client closes it or sends ``Connection: close``), so thousands of
concurrent requests cost little. It records, per origin, the open
connections and in-flight requests (current and maximum), the requests per
document kind, and how often any one document was served.

Layout (OB 2.0 §Hosted verification: by default an assertion must be hosted
on the origin of its issuer's id, so each issuer's badge classes and
assertions live on the issuer's own origin):

    origin o            = 127.0.0.(2 + o)
    /issuers/{o}        issuer Profile number o
    /badges/{j}         BadgeClass j, on origin j % origins, issued by issuer j % origins
    /assertions/{i}     Assertion i of BadgeClass i % badgeclasses, recipient
                        learner{i}@example.org (salted sha256)
    /__stats, /__reset  control (no latency, not counted)

Run ``python bench/latency_server.py --port 0``; it prints ``READY <port>``
on standard output once every origin listens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import signal
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
FIRST_HOST = 2  # 127.0.0.1 is left alone: 127.0.0.2 ... are the issuers


def origin_host(o: int) -> str:
    """The loopback address of origin number ``o`` (0-based)."""
    return f"127.0.0.{FIRST_HOST + o}"


def recipient_email(i: int) -> str:
    """The email that assertion ``i`` is issued to."""
    return f"learner{i}@example.org"


@dataclass(frozen=True)
class World:
    """The synthetic issuer world: sizes, port and latency."""

    assertions: int
    badgeclasses: int
    origins: int
    port: int
    latency: float

    def base(self, o: int) -> str:
        """The origin URL of origin ``o``."""
        return f"http://{origin_host(o)}:{self.port}"

    def assertion_url(self, i: int) -> str:
        """Where assertion ``i`` is hosted."""
        return f"{self.base((i % self.badgeclasses) % self.origins)}/assertions/{i}"

    def badgeclass_url(self, j: int) -> str:
        """Where BadgeClass ``j`` is hosted."""
        return f"{self.base(j % self.origins)}/badges/{j}"

    def issuer_url(self, o: int) -> str:
        """Where issuer Profile ``o`` is hosted."""
        return f"{self.base(o)}/issuers/{o}"

    def document(self, host: str, path: str) -> dict[str, Any] | None:
        """The document at ``path`` on ``host``, or None (404) when it is not hosted there."""
        kind, _, num = path.strip("/").partition("/")
        if not num.isdigit():
            return None
        n = int(num)
        if kind == "assertions" and n < self.assertions:
            j = n % self.badgeclasses
            if host != origin_host(j % self.origins):
                return None
            salt = f"s{n}"
            digest = hashlib.sha256((recipient_email(n) + salt).encode()).hexdigest()
            return {
                "@context": OB2_CONTEXT,
                "type": "Assertion",
                "id": self.assertion_url(n),
                "recipient": {"type": "email", "hashed": True, "salt": salt, "identity": f"sha256${digest}"},
                "badge": self.badgeclass_url(j),
                "verification": {"type": "hosted"},
                "issuedOn": "2025-03-01T12:00:00Z",
            }
        if kind == "badges" and n < self.badgeclasses:
            if host != origin_host(n % self.origins):
                return None
            return {
                "@context": OB2_CONTEXT,
                "type": "BadgeClass",
                "id": self.badgeclass_url(n),
                "name": f"Skill badge {n}",
                "description": f"Demonstrated skill number {n}.",
                "image": f"{self.base(n % self.origins)}/images/{n}.png",
                "criteria": {"narrative": "Passed the assessment."},
                "issuer": self.issuer_url(n % self.origins),
                "tags": ["benchmark", f"skill-{n}"],
                "alignment": [
                    {
                        "targetName": f"Skill {n}",
                        "targetUrl": f"https://skills.example.org/{n}",
                        "targetFramework": "Bench Framework",
                        "targetCode": f"S{n}",
                    }
                ],
            }
        if kind == "issuers" and n < self.origins:
            if host != origin_host(n):
                return None
            return {
                "@context": OB2_CONTEXT,
                "type": "Profile",
                "id": self.issuer_url(n),
                "name": f"Issuer {n}",
                "url": self.base(n),
                "email": f"badges@issuer{n}.example.org",
            }
        return None


@dataclass
class OriginStats:
    """Per-origin counters."""

    open: int = 0
    max_open: int = 0
    inflight: int = 0
    max_inflight: int = 0
    requests: int = 0


@dataclass
class ServerStats:
    """Everything the server observed since start or the last reset."""

    origins: dict[str, OriginStats] = field(default_factory=dict)
    by_kind: Counter[str] = field(default_factory=Counter)
    by_path: Counter[str] = field(default_factory=Counter)
    inflight: int = 0
    max_inflight: int = 0
    first_request: float | None = None
    last_response: float | None = None
    cpu_start: float = field(default_factory=time.process_time)

    def to_dict(self) -> dict[str, Any]:
        """JSON summary (maxima over origins, totals, span)."""
        span = (
            self.last_response - self.first_request
            if self.first_request is not None and self.last_response is not None
            else 0.0
        )
        return {
            "requests": sum(self.by_kind.values()),
            "by_kind": dict(self.by_kind),
            "distinct_documents": len(self.by_path),
            "max_serves_of_one_document": max(self.by_path.values(), default=0),
            "max_inflight_per_origin": max((s.max_inflight for s in self.origins.values()), default=0),
            "max_open_connections_per_origin": max((s.max_open for s in self.origins.values()), default=0),
            "max_inflight_total": self.max_inflight,
            "requests_per_origin": {h: s.requests for h, s in sorted(self.origins.items())},
            "span_s": round(span, 4),
            "first_request_t": self.first_request,
            "last_response_t": self.last_response,
            "server_cpu_s": round(time.process_time() - self.cpu_start, 3),
        }


class IssuerServer:
    """The HTTP/1.1 server over a :class:`World`."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.stats = ServerStats()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection until the client closes it."""
        host = writer.get_extra_info("sockname")[0]
        st = self.stats.origins.setdefault(host, OriginStats())
        st.open += 1
        st.max_open = max(st.max_open, st.open)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    break
                except asyncio.CancelledError:
                    break  # shutting down with the client's keep-alive connection still open
                line, _, headers = head.partition(b"\r\n")
                parts = line.split(b" ")
                if len(parts) != 3:
                    writer.write(_response(400, b"bad request line", close=True))
                    break
                path = parts[1].decode("latin-1").split("?", 1)[0]
                close = parts[2] == b"HTTP/1.0" or b"connection: close" in headers.lower()
                if path.startswith("/__"):
                    writer.write(self._control(path, close=close))
                else:
                    writer.write(await self._document(st, host, path, close=close))
                await writer.drain()
                if close:
                    break
        finally:
            st.open -= 1
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()

    async def _document(self, st: OriginStats, host: str, path: str, *, close: bool) -> bytes:
        stats = self.stats
        now = time.perf_counter()
        if stats.first_request is None:
            stats.first_request = now
        st.requests += 1
        st.inflight += 1
        st.max_inflight = max(st.max_inflight, st.inflight)
        stats.inflight += 1
        stats.max_inflight = max(stats.max_inflight, stats.inflight)
        stats.by_kind[path.strip("/").split("/", 1)[0]] += 1
        stats.by_path[host + path] += 1
        try:
            await asyncio.sleep(self.world.latency)
            doc = self.world.document(host, path)
            if doc is None:
                return _response(404, b'{"error": "not found"}', close=close)
            return _response(200, json.dumps(doc).encode(), close=close, content_type=b"application/ld+json")
        finally:
            st.inflight -= 1
            stats.inflight -= 1
            stats.last_response = time.perf_counter()

    def _control(self, path: str, *, close: bool) -> bytes:
        if path == "/__reset":
            self.stats = ServerStats()
            return _response(200, b"{}", close=close)
        if path == "/__stats":
            return _response(200, json.dumps(self.stats.to_dict()).encode(), close=close)
        return _response(404, b"{}", close=close)


_REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found"}


def _response(status: int, body: bytes, *, close: bool, content_type: bytes = b"application/json") -> bytes:
    return b"".join(
        (
            b"HTTP/1.1 %d %s\r\n" % (status, _REASONS.get(status, b"OK")),
            b"Content-Type: %s\r\nContent-Length: %d\r\n" % (content_type, len(body)),
            b"Connection: close\r\n\r\n" if close else b"Connection: keep-alive\r\n\r\n",
            body,
        )
    )


def _bind_all(origins: int, port: int) -> list[socket.socket]:
    """One listening socket per origin on a common port (0: one that is free on every origin)."""
    for _attempt in range(50):
        socks: list[socket.socket] = []
        chosen = port
        try:
            for o in range(origins):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(s)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((origin_host(o), chosen))
                chosen = s.getsockname()[1]
            return socks
        except OSError:
            for s in socks:
                s.close()
            if port:
                raise
    raise OSError("no common free port on every origin")


async def serve(world_args: argparse.Namespace) -> None:
    """Listen on every origin, print ``READY <port>``, serve until SIGTERM/SIGINT."""
    socks = _bind_all(world_args.origins, world_args.port)
    port = socks[0].getsockname()[1]
    world = World(
        assertions=world_args.assertions,
        badgeclasses=world_args.badgeclasses,
        origins=world_args.origins,
        port=port,
        latency=world_args.latency,
    )
    app = IssuerServer(world)
    servers = [await asyncio.start_server(app.handle, sock=s, backlog=4096) for s in socks]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"READY {port}", flush=True)
    await stop.wait()
    for s in servers:
        s.close()


def world_parser() -> argparse.ArgumentParser:
    """Options describing the synthetic world (shared with the benchmarks)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=True)
    p.add_argument("--assertions", type=int, default=10_000)
    p.add_argument("--badgeclasses", type=int, default=100)
    p.add_argument("--origins", type=int, default=20)
    p.add_argument("--latency", type=float, default=0.025, help="seconds before each document answer")
    p.add_argument("--port", type=int, default=0)
    return p


if __name__ == "__main__":
    args = world_parser().parse_args()
    if args.origins < 1 or args.origins > 250 or args.badgeclasses < 1:
        sys.exit("need 1..250 origins and at least one badge class")
    asyncio.run(serve(args))
