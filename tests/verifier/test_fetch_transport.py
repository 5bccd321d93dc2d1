"""The fetcher's HTTP/1.1 connection layer (verifier.net.OriginPools)
against loopback servers that answer with raw bytes: message framing,
keep-alive only after a complete response, and errors that close."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore
import httpx
import pytest

from tests.reliability.faultserver import LoopbackServer, Request, reply, tls_contexts
from verifier.errors import FetchError, ResponseTooLarge
from verifier.fetch import Fetcher, FetchLimits
from verifier.net import AsyncioBackend, NetGuard, OriginPools

Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[bool]]

FAST = FetchLimits(timeout=2.0, connect_timeout=1.0, read_timeout=1.0, retries=1, backoff=0.01)
DOC = b'{"@context": "https://w3id.org/openbadges/v2", "type": "Assertion"}'


def raw(data: bytes, *, keep: bool = True) -> Handler:
    """A handler that writes ``data`` as it is."""

    async def handler(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(data)
        await writer.drain()
        return keep

    return handler


def fetcher_for(srv: LoopbackServer, limits: FetchLimits = FAST) -> Fetcher:
    return Fetcher(limits=limits, allow_hosts=[srv.origin])


async def fetch_three(srv: LoopbackServer, limits: FetchLimits = FAST) -> list[bytes]:
    async with fetcher_for(srv, limits) as fetcher:
        return [(await fetcher.fetch(srv.url(f"/doc/{i}"))).content for i in range(3)]


def chunked(body: bytes, size: int = 7) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size]) for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


async def test_a_chunked_body_is_reassembled_and_the_connection_kept() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    async with LoopbackServer(raw(head + chunked(DOC))) as srv:
        assert await fetch_three(srv) == [DOC] * 3
    assert srv.connections == 1


async def test_a_body_without_length_runs_to_the_end_of_the_connection() -> None:
    async with LoopbackServer(raw(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + DOC, keep=False)) as srv:
        assert await fetch_three(srv) == [DOC] * 3
    assert srv.connections == 3


async def test_an_http_1_0_answer_is_not_kept_alive() -> None:
    answer = b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(DOC), DOC)
    async with LoopbackServer(raw(answer)) as srv:
        assert await fetch_three(srv) == [DOC] * 3
    assert srv.connections == 3


async def test_connection_close_from_the_server_is_honoured() -> None:
    answer = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(DOC), DOC)
    async with LoopbackServer(raw(answer)) as srv:
        assert await fetch_three(srv) == [DOC] * 3
    assert srv.connections == 3


async def test_a_body_cut_short_fails_and_is_retried_on_a_new_connection() -> None:
    truncated = b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" + DOC
    async with LoopbackServer(raw(truncated, keep=False)) as srv, fetcher_for(srv) as fetcher:
        with pytest.raises(FetchError, match="connection failed"):
            await fetcher.fetch(srv.url("/doc"))
    assert srv.total_hits == FAST.retries + 1
    assert srv.connections == FAST.retries + 1


async def test_interim_responses_are_skipped() -> None:
    answer = b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
    async with LoopbackServer(raw(answer % (len(DOC), DOC))) as srv:
        assert await fetch_three(srv) == [DOC] * 3
    assert srv.connections == 1


async def test_bytes_after_a_response_are_never_read_as_the_next_answer() -> None:
    stray = b'HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n"stray"'
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(DOC), DOC)
    async with LoopbackServer(raw(answer + stray)) as srv:
        assert await fetch_three(srv) == [DOC] * 3
    assert srv.connections == 3


async def test_an_idle_connection_the_server_closed_is_replaced() -> None:
    async def once(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 200, DOC)
        return False  # closes without saying so in a header

    async with LoopbackServer(once) as srv, fetcher_for(srv) as fetcher:
        for i in range(3):
            assert (await fetcher.fetch(srv.url(f"/doc/{i}"))).content == DOC
            await asyncio.sleep(0.02)
    assert srv.total_hits == 3
    assert fetcher.stats.retries == 0


async def test_an_error_answer_is_drained_and_its_connection_reused() -> None:
    async def gone_then_ok(request: Request, writer: asyncio.StreamWriter) -> bool:
        if request.path.startswith("/gone"):
            await reply(writer, 410, b"revoked" * 100)
        else:
            await reply(writer, 200, DOC)
        return True

    async with LoopbackServer(gone_then_ok) as srv, fetcher_for(srv) as fetcher:
        with pytest.raises(FetchError, match="410"):
            await fetcher.fetch(srv.url("/gone"))
        assert (await fetcher.fetch(srv.url("/doc"))).content == DOC
    assert srv.connections == 1


async def test_an_oversized_body_stops_at_the_cap_and_closes_the_connection() -> None:
    closed = asyncio.Event()

    async def endless(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        try:
            for _ in range(10_000):
                writer.write(b"4000\r\n" + b"x" * 0x4000 + b"\r\n")
                await writer.drain()
        except (ConnectionError, OSError):
            closed.set()
        return False

    limits = FetchLimits(timeout=2.0, max_bytes=100_000, retries=0)
    async with LoopbackServer(endless) as srv, fetcher_for(srv, limits) as fetcher:
        with pytest.raises(ResponseTooLarge):
            await fetcher.fetch(srv.url("/big"))
        await asyncio.wait_for(closed.wait(), 2.0)


async def test_content_length_with_transfer_encoding_is_refused() -> None:
    smuggled = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(DOC)
    async with LoopbackServer(raw(smuggled)) as srv, fetcher_for(srv) as fetcher:
        with pytest.raises(FetchError, match="malformed response"):
            await fetcher.fetch(srv.url("/doc"))


async def test_a_server_that_answers_nothing_fails_cleanly() -> None:
    async with LoopbackServer(raw(b"", keep=False)) as srv, fetcher_for(srv) as fetcher:
        with pytest.raises(FetchError, match="connection failed"):
            await fetcher.fetch(srv.url("/doc"))
    assert srv.total_hits == FAST.retries + 1


async def test_a_line_break_in_a_request_header_is_never_sent() -> None:
    async with LoopbackServer(raw(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")) as srv:
        transport = OriginPools(NetGuard(allow_hosts=[srv.origin]), per_origin=2)
        request = httpx.Request("GET", srv.url("/doc"), headers=[("X-Note", "a\r\nInjected: yes")])
        with pytest.raises(httpx.LocalProtocolError):
            await transport.handle_async_request(request)
        await transport.aclose()
    assert srv.total_hits == 0


async def test_concurrent_requests_to_one_origin_stay_within_its_pool() -> None:
    async def slow_ok(request: Request, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.01)
        await reply(writer, 200, DOC)
        return True

    limits = FetchLimits(timeout=2.0, per_host=3, concurrency=64)
    async with LoopbackServer(slow_ok) as srv, fetcher_for(srv, limits) as fetcher:
        docs = await asyncio.gather(*(fetcher.fetch(srv.url(f"/doc/{i}")) for i in range(30)))
    assert {d.content for d in docs} == {DOC}
    assert srv.max_active <= 3
    assert srv.connections == 3


async def test_a_body_larger_than_the_read_buffer_arrives_whole() -> None:
    big = bytes(range(256)) * 8192  # 2 MiB: reading pauses and resumes on the way

    async def large(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 200, big, content_type="application/octet-stream")
        return True

    limits = FetchLimits(timeout=5.0, max_bytes=4 * 1024 * 1024)
    async with LoopbackServer(large) as srv, fetcher_for(srv, limits) as fetcher:
        assert (await fetcher.fetch(srv.url("/big"))).content == big
        assert (await fetcher.fetch(srv.url("/big2"))).content == big
    assert srv.connections == 1


class _LateBackend(httpcore.AsyncNetworkBackend):
    """Connects as the default backend does, then waits a moment before
    handing the connection over (so whatever the server sends first is there)."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", self.port, timeout=timeout)
        await asyncio.sleep(0.05)
        return stream

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("no unix sockets")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def test_plaintext_sent_before_the_tls_handshake_is_never_the_answer() -> None:
    server_tls, client_tls = tls_contexts(names=["issuer.example"])
    forged = b'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"forged!"'

    async def eager(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Bytes an on-path attacker could inject, then a genuine handshake.
        writer.write(forged)
        await writer.drain()
        try:
            await writer.start_tls(server_tls)
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(DOC), DOC))
            await writer.drain()
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        writer.close()

    server = await asyncio.start_server(eager, "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    try:
        backend = _LateBackend(port)
        async with Fetcher(
            limits=FAST, resolver=lambda host: ["93.184.216.34"], network_backend=backend, ssl_context=client_tls
        ) as fetcher:
            with pytest.raises(FetchError, match="before the TLS handshake"):
                await fetcher.fetch("https://issuer.example/doc")
    finally:
        server.close()


async def test_the_request_head_carries_host_and_the_fetchers_headers() -> None:
    seen: list[dict[str, str]] = []

    async def record(request: Request, writer: asyncio.StreamWriter) -> bool:
        seen.append(request.headers)
        await reply(writer, 200, DOC)
        return True

    async with LoopbackServer(record) as srv, fetcher_for(srv) as fetcher:
        await fetcher.fetch(srv.url("/doc?x=1"))
    assert seen[0]["host"] == srv.origin
    assert seen[0]["user-agent"].startswith("SkillProof-verifier/")
    assert seen[0]["accept"] == "application/ld+json, application/json"
    assert seen[0]["accept-encoding"] == "gzip, deflate"
    assert srv.hits["/doc"] == 1


async def test_a_caller_accept_value_with_a_line_break_fails_as_a_fetch_error() -> None:
    async with (
        LoopbackServer(raw(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")) as srv,
        fetcher_for(srv) as fetcher,
    ):
        with pytest.raises(FetchError, match="request failed"):
            await fetcher.fetch(srv.url("/doc"), accept="application/json\r\nX-Injected: 1")
    assert srv.total_hits == 0
