"""The fetcher against real loopback servers: caching, caps, decoding,
redirects, retries, timeouts and the headers it sends.

Every loopback test runs twice (the ``http_client`` fixture): over the
fetcher's own HTTP/1.1 client (``verifier.net.OriginPools``) and, as the
contract that keeps the two interchangeable, over httpcore's pool with the
same pinned backend (``tests.support.httpcore_pool.HttpcorePool``)."""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from tests.reliability.faultserver import LoopbackServer, Request, reply, reset, tls_contexts
from tests.support.httpcore_pool import HttpcorePool
from verifier.errors import (
    BlockedAddress,
    DocumentError,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    ResponseTooLarge,
    TooManyRedirects,
)
from verifier.fetch import DEFAULT_ACCEPT, Fetcher, FetchLimits
from verifier.net import HTTPClient, NetGuard, OriginPools

FAST = FetchLimits(timeout=2.0, connect_timeout=1.0, read_timeout=1.0, retries=2, backoff=0.01, max_retry_after=3.0)
DOC = b'{"@context": "https://w3id.org/openbadges/v2", "type": "Assertion"}'


async def ok(request: Request, writer: asyncio.StreamWriter) -> bool:
    await reply(writer, 200, DOC)
    return True


@pytest.fixture(params=["own", "httpcore"])
def http_client(request: pytest.FixtureRequest) -> HTTPClient:
    """The fetcher's HTTP/1.1 client, and (the contract) httpcore's pool over
    the same pinned backend: every loopback test here runs over both."""
    return OriginPools if request.param == "own" else HttpcorePool


def fetcher_for(http_client: HTTPClient, *servers: LoopbackServer, limits: FetchLimits = FAST) -> Fetcher:
    return Fetcher(limits=limits, allow_hosts=[s.origin for s in servers], http_client=http_client)


# -- the per-batch cache ------------------------------------------------------


async def test_fifty_concurrent_fetches_of_one_url_make_one_request(http_client: HTTPClient) -> None:
    async def slow_ok(request: Request, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.05)
        return await ok(request, writer)

    async with LoopbackServer(slow_ok) as srv, fetcher_for(http_client, srv) as fetcher:
        responses = await asyncio.gather(*(fetcher.fetch(srv.url("/doc")) for _ in range(50)))
    assert srv.total_hits == 1
    assert fetcher.stats.requests == 1
    assert fetcher.stats.cache_hits == 49
    assert {r.content for r in responses} == {DOC}


async def test_a_failure_is_cached_for_the_batch_with_its_status_code(http_client: HTTPClient) -> None:
    async def gone(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 410, b"revoked")
        return True

    async with LoopbackServer(gone) as srv, fetcher_for(http_client, srv) as fetcher:
        for _ in range(3):
            with pytest.raises(HTTPStatusError) as info:
                await fetcher.fetch(srv.url("/assertion"))
            assert info.value.status_code == 410
    assert srv.total_hits == 1


async def test_use_cache_false_fetches_every_time_over_one_kept_alive_connection(http_client: HTTPClient) -> None:
    async with LoopbackServer(ok) as srv, fetcher_for(http_client, srv) as fetcher:
        for _ in range(20):
            await fetcher.fetch(srv.url("/doc"), use_cache=False)
    assert srv.total_hits == 20
    assert srv.connections == 1


async def test_a_cancelled_caller_does_not_cancel_the_shared_fetch(http_client: HTTPClient) -> None:
    async def slow_ok(request: Request, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.2)
        return await ok(request, writer)

    async with LoopbackServer(slow_ok) as srv, fetcher_for(http_client, srv) as fetcher:
        first = asyncio.create_task(fetcher.fetch(srv.url("/doc")))
        second = asyncio.create_task(fetcher.fetch(srv.url("/doc")))
        await asyncio.sleep(0.05)
        first.cancel()
        response = await second
    assert response.content == DOC
    assert first.cancelled()
    assert srv.total_hits == 1


# -- concurrency caps ---------------------------------------------------------


async def test_per_host_cap_holds_on_every_host(http_client: HTTPClient) -> None:
    async def slow_ok(request: Request, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.03)
        return await ok(request, writer)

    limits = FetchLimits(timeout=5.0, per_host=3, concurrency=64)
    async with (
        LoopbackServer(slow_ok) as a,
        LoopbackServer(slow_ok) as b,
        fetcher_for(http_client, a, b, limits=limits) as fetcher,
    ):
        urls = [s.url(f"/doc/{i}") for i in range(24) for s in (a, b)]
        await asyncio.gather(*(fetcher.fetch(u) for u in urls))
    assert a.max_active == 3
    assert b.max_active == 3
    assert a.max_open <= 3
    assert b.max_open <= 3
    assert a.total_hits == b.total_hits == 24


async def test_global_cap_holds_across_hosts(http_client: HTTPClient) -> None:
    active = 0
    peak = 0

    async def counted(request: Request, writer: asyncio.StreamWriter) -> bool:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        try:
            await asyncio.sleep(0.03)
            return await ok(request, writer)
        finally:
            active -= 1

    limits = FetchLimits(timeout=5.0, per_host=8, concurrency=5)
    servers = [LoopbackServer(counted) for _ in range(4)]
    for srv in servers:
        await srv.__aenter__()
    try:
        async with fetcher_for(http_client, *servers, limits=limits) as fetcher:
            await asyncio.gather(*(fetcher.fetch(s.url(f"/d/{i}")) for i in range(10) for s in servers))
    finally:
        for srv in servers:
            await srv.__aexit__()
    assert peak == 5
    assert max(s.max_active for s in servers) <= 5


async def test_https_to_an_allowed_loopback_issuer_verifies_its_certificate(http_client: HTTPClient) -> None:
    server_tls, client_tls = tls_contexts(ips=["127.0.0.1"])
    async with LoopbackServer(ok, tls=server_tls) as srv:
        async with Fetcher(
            http_client=http_client, limits=FAST, allow_hosts=[srv.origin], ssl_context=client_tls
        ) as fetcher:
            for i in range(5):
                response = await fetcher.fetch(srv.url(f"/doc/{i}"))
                assert response.content == DOC
        async with Fetcher(http_client=http_client, limits=FAST, allow_hosts=[srv.origin]) as fetcher:
            with pytest.raises(FetchError, match="TLS failed"):
                await fetcher.fetch(srv.url("/doc"))
    assert srv.connections == 1  # one kept-alive TLS connection (a failed handshake never gets that far)
    assert srv.total_hits == 5


# -- size caps and decoding ---------------------------------------------------


async def test_a_declared_oversize_body_is_refused_unread(http_client: HTTPClient) -> None:
    async def big(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 200, b"x" * 5000)
        return True

    limits = FetchLimits(timeout=2.0, max_bytes=4096)
    async with LoopbackServer(big) as srv, fetcher_for(http_client, srv, limits=limits) as fetcher:
        with pytest.raises(ResponseTooLarge, match="4096"):
            await fetcher.fetch(srv.url("/big"))


async def test_an_endless_chunked_body_stops_at_the_cap(http_client: HTTPClient) -> None:
    async def endless(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 8192
        while not writer.is_closing():
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()

    limits = FetchLimits(timeout=5.0, max_bytes=256 * 1024)
    started = time.monotonic()
    async with LoopbackServer(endless) as srv, fetcher_for(http_client, srv, limits=limits) as fetcher:
        with pytest.raises(ResponseTooLarge):
            await fetcher.fetch(srv.url("/endless"))
    assert time.monotonic() - started < 2.0


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """20 MB of zeros, gzip-compressed to about 20 kB."""
    return gzip.compress(b"\0" * 20_000_000, compresslevel=9)


async def test_a_gzip_bomb_stops_at_the_decoded_size_cap(gzip_bomb: bytes, http_client: HTTPClient) -> None:
    async def bomb(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 200, gzip_bomb, headers=[("Content-Encoding", "gzip")])
        return True

    limits = FetchLimits(timeout=5.0, max_bytes=1024 * 1024)
    assert len(gzip_bomb) < limits.max_bytes
    async with LoopbackServer(bomb) as srv, fetcher_for(http_client, srv, limits=limits) as fetcher:
        with pytest.raises(ResponseTooLarge):
            await fetcher.fetch(srv.url("/bomb"))


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),  # raw DEFLATE, as some servers send
    ],
)
async def test_compressed_bodies_are_decoded(coding: str, encode: object, http_client: HTTPClient) -> None:
    assert callable(encode)
    payload = DOC * 100

    async def compressed(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 200, encode(payload), headers=[("Content-Encoding", coding)])
        return True

    async with LoopbackServer(compressed) as srv, fetcher_for(http_client, srv) as fetcher:
        response = await fetcher.fetch(srv.url("/doc"))
    assert response.content == payload


async def test_an_unsupported_content_encoding_is_an_error(http_client: HTTPClient) -> None:
    async def brotli(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 200, b"\x8b\x02\x80", headers=[("Content-Encoding", "br")])
        return True

    async with LoopbackServer(brotli) as srv, fetcher_for(http_client, srv) as fetcher:
        with pytest.raises(FetchError, match="content-encoding"):
            await fetcher.fetch(srv.url("/doc"))


async def test_a_corrupt_gzip_body_is_an_error(http_client: HTTPClient) -> None:
    async def corrupt(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 200, b"\x1f\x8bnot really gzip", headers=[("Content-Encoding", "gzip")])
        return True

    async with LoopbackServer(corrupt) as srv, fetcher_for(http_client, srv) as fetcher:
        with pytest.raises(FetchError, match="not valid gzip"):
            await fetcher.fetch(srv.url("/doc"))


# -- redirects ----------------------------------------------------------------


async def redirect_chain(request: Request, writer: asyncio.StreamWriter) -> bool:
    """/r/N redirects to /r/N-1; /r/0 is the document."""
    n = int(request.path.rsplit("/", 1)[1])
    if n == 0:
        await reply(writer, 200, DOC)
    else:
        await reply(writer, 302, b"", headers=[("Location", f"/r/{n - 1}")])
    return True


async def test_redirects_within_the_limit_are_followed(http_client: HTTPClient) -> None:
    limits = FetchLimits(timeout=2.0, max_redirects=3)
    async with LoopbackServer(redirect_chain) as srv, fetcher_for(http_client, srv, limits=limits) as fetcher:
        response = await fetcher.fetch(srv.url("/r/3"))
    assert response.url == srv.url("/r/0")
    assert response.redirects == (srv.url("/r/3"), srv.url("/r/2"), srv.url("/r/1"))
    assert response.content == DOC


async def test_one_redirect_too_many_is_refused(http_client: HTTPClient) -> None:
    limits = FetchLimits(timeout=2.0, max_redirects=3)
    async with LoopbackServer(redirect_chain) as srv, fetcher_for(http_client, srv, limits=limits) as fetcher:
        with pytest.raises(TooManyRedirects, match="more than 3"):
            await fetcher.fetch(srv.url("/r/4"))
    assert srv.total_hits == 4


async def test_a_redirect_loop_is_detected(http_client: HTTPClient) -> None:
    async def loop(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 301, b"", headers=[("Location", "/b" if request.path == "/a" else "/a")])
        return True

    async with LoopbackServer(loop) as srv, fetcher_for(http_client, srv) as fetcher:
        with pytest.raises(TooManyRedirects, match="loop"):
            await fetcher.fetch(srv.url("/a"))
    assert srv.total_hits == 2


async def test_a_redirect_without_location_is_a_status_error(http_client: HTTPClient) -> None:
    async def bare(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 302, b"")
        return True

    async with LoopbackServer(bare) as srv, fetcher_for(http_client, srv) as fetcher:
        with pytest.raises(HTTPStatusError, match="without a Location") as info:
            await fetcher.fetch(srv.url("/a"))
    assert info.value.status_code == 302


async def test_a_redirect_to_an_unsupported_scheme_is_refused(http_client: HTTPClient) -> None:
    async def to_file(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 302, b"", headers=[("Location", "file:///etc/passwd")])
        return True

    async with LoopbackServer(to_file) as srv, fetcher_for(http_client, srv) as fetcher:
        with pytest.raises(FetchError, match="scheme 'file'"):
            await fetcher.fetch(srv.url("/a"))


# -- retries --------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 408])
async def test_retries_on_a_failing_status_are_bounded(status: int, http_client: HTTPClient) -> None:
    async def failing(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, status, b"try later")
        return True

    async with LoopbackServer(failing) as srv, fetcher_for(http_client, srv) as fetcher:
        with pytest.raises(HTTPStatusError) as info:
            await fetcher.fetch(srv.url("/doc"))
    assert info.value.status_code == status
    assert srv.total_hits == FAST.retries + 1
    assert fetcher.stats.retries == FAST.retries


@pytest.mark.parametrize("status", [400, 403, 404, 410, 501])
async def test_a_final_status_is_not_retried(status: int, http_client: HTTPClient) -> None:
    async def final(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, status, b"no")
        return True

    async with LoopbackServer(final) as srv, fetcher_for(http_client, srv) as fetcher:
        with pytest.raises(HTTPStatusError) as info:
            await fetcher.fetch(srv.url("/doc"))
    assert info.value.status_code == status
    assert srv.total_hits == 1


def _flaky(first_answer: str, *, retry_after: str | None = None) -> tuple[LoopbackServer, list[float]]:
    """A server whose first request fails (``first_answer``) and later ones succeed."""
    times: list[float] = []

    async def handler(request: Request, writer: asyncio.StreamWriter) -> bool:
        times.append(time.monotonic())
        if len(times) > 1:
            return await ok(request, writer)
        if first_answer == "reset":
            reset(writer)
            return False
        headers = [("Retry-After", retry_after)] if retry_after is not None else []
        await reply(writer, int(first_answer), b"", headers=headers)
        return True

    return LoopbackServer(handler), times


async def test_a_connection_reset_is_retried(http_client: HTTPClient) -> None:
    srv, times = _flaky("reset")
    async with srv, fetcher_for(http_client, srv) as fetcher:
        response = await fetcher.fetch(srv.url("/doc"))
    assert response.content == DOC
    assert len(times) == 2
    assert fetcher.stats.retries == 1


async def test_retry_after_seconds_is_honoured(http_client: HTTPClient) -> None:
    srv, times = _flaky("429", retry_after="1")
    async with srv, fetcher_for(http_client, srv) as fetcher:
        response = await fetcher.fetch(srv.url("/doc"))
    assert response.content == DOC
    assert times[1] - times[0] >= 0.95


async def test_retry_after_http_date_is_honoured(http_client: HTTPClient) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    srv, times = _flaky("503", retry_after=when)
    async with srv, fetcher_for(http_client, srv) as fetcher:
        response = await fetcher.fetch(srv.url("/doc"))
    assert response.content == DOC
    # The date has one-second resolution, so the wait is between 1 and 2 s.
    assert times[1] - times[0] >= 0.9


async def test_a_retry_after_beyond_the_cap_ends_the_fetch_at_once(http_client: HTTPClient) -> None:
    srv, times = _flaky("429", retry_after="120")
    async with srv, fetcher_for(http_client, srv) as fetcher:
        with pytest.raises(HTTPStatusError, match="Retry-After 120") as info:
            await fetcher.fetch(srv.url("/doc"))
    assert info.value.status_code == 429
    assert len(times) == 1


async def test_a_refused_connection_is_retried_then_reported(http_client: HTTPClient) -> None:
    async with LoopbackServer(ok) as srv:
        origin, url = srv.origin, srv.url("/doc")
    # The server is closed now: its port refuses connections.
    async with Fetcher(http_client=http_client, limits=FAST, allow_hosts=[origin]) as fetcher:
        with pytest.raises(FetchError, match="connection failed"):
            await fetcher.fetch(url)
    assert fetcher.stats.retries == FAST.retries


# -- timeouts -------------------------------------------------------------------


async def test_a_slow_drip_body_ends_within_the_total_deadline(http_client: HTTPClient) -> None:
    async def drip(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
        while not writer.is_closing():
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.05)

    limits = FetchLimits(timeout=0.5, read_timeout=0.4, retries=2, backoff=0.01)
    started = time.monotonic()
    async with LoopbackServer(drip) as srv, fetcher_for(http_client, srv, limits=limits) as fetcher:
        with pytest.raises(FetchTimeout, match=r"within 0\.5 s"):
            await fetcher.fetch(srv.url("/drip"))
    assert time.monotonic() - started < 2.0  # the drip alone would last 250 s
    assert srv.total_hits == 1  # a timed-out exchange is not retried


async def test_a_server_that_never_answers_times_out(http_client: HTTPClient) -> None:
    async def silent(request: Request, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    limits = FetchLimits(timeout=2.0, read_timeout=0.3, retries=1, backoff=0.01)
    started = time.monotonic()
    async with LoopbackServer(silent) as srv, fetcher_for(http_client, srv, limits=limits) as fetcher:
        with pytest.raises(FetchTimeout):
            await fetcher.fetch(srv.url("/silent"))
    assert time.monotonic() - started < 1.5


async def test_the_whole_fetch_deadline_bounds_retries(http_client: HTTPClient) -> None:
    async def failing(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 503, b"")
        return True

    limits = FetchLimits(timeout=2.0, retries=10, backoff=0.2, deadline=0.5)
    started = time.monotonic()
    async with LoopbackServer(failing) as srv, fetcher_for(http_client, srv, limits=limits) as fetcher:
        with pytest.raises(HTTPStatusError):
            await fetcher.fetch(srv.url("/doc"))
    assert time.monotonic() - started < 1.5  # ten retries would back off for over 200 s
    assert srv.total_hits < 11


# -- what is sent, what comes back -------------------------------------------------


async def test_the_accept_header_asks_for_json_ld_then_json(http_client: HTTPClient) -> None:
    async with LoopbackServer(ok) as srv, fetcher_for(http_client, srv) as fetcher:
        await fetcher.fetch(srv.url("/doc"))
    assert srv.accept_headers == ["application/ld+json, application/json"]
    assert DEFAULT_ACCEPT == "application/ld+json, application/json"


async def test_fetch_json_parses_and_reports_non_json(http_client: HTTPClient) -> None:
    async def mixed(request: Request, writer: asyncio.StreamWriter) -> bool:
        body = DOC if request.path == "/json" else b"<html>not json</html>"
        await reply(writer, 200, body, content_type="application/json" if request.path == "/json" else "text/html")
        return True

    async with LoopbackServer(mixed) as srv, fetcher_for(http_client, srv) as fetcher:
        assert (await fetcher.fetch_json(srv.url("/json")))["type"] == "Assertion"
        response = await fetcher.fetch(srv.url("/html"))
        assert response.content_type == "text/html"
        with pytest.raises(DocumentError, match="not JSON"):
            await fetcher.fetch_json(srv.url("/html"))


async def test_a_mock_transport_sees_the_same_request_and_caps() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"y" * 2048, headers={"Content-Type": "application/json"})

    limits = FetchLimits(max_bytes=1024)
    async with Fetcher(transport=httpx.MockTransport(handler), limits=limits) as fetcher:
        with pytest.raises(ResponseTooLarge):
            await fetcher.fetch("https://issuer.example.org/big")
    assert seen[0].headers["accept"] == DEFAULT_ACCEPT


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty URL"),
        ("not a url", "forbidden character"),
        ("/relative/path", "no scheme"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://issuer.example.org/badge.json", "scheme 'ftp'"),
        ("data:application/json,{}", "scheme 'data'"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("gopher://issuer.example.org/", "scheme 'gopher'"),
        ("http://", "no host"),
        ("https:///path", "no host"),
        ("http://[::1/", "malformed URL"),
        ("http://issuer.example.org:99999/", "malformed URL"),
        ("http://issuer.example.org:0/", "port 0"),
        ("http://issuer.example.org:http/", "malformed URL"),
        ("http://issuer.example.org/a\r\nX-Injected: 1", "forbidden character"),
        ("http://issuer.example.org\\@127.0.0.1/", "forbidden character"),
        ("http://issuer.example.org/" + "a" * 5000, "longer than 4096"),
        ("http://999.1.1.1/", "malformed numeric host"),
        ("http://1.2.3.4.5/", "malformed numeric host"),
        ("http://[fe80::1%25eth0]/", "zone identifiers"),
    ],
)
async def test_a_bad_url_gets_a_clear_error_and_no_request(url: str, message: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=DOC)

    async with Fetcher(transport=httpx.MockTransport(handler)) as fetcher:
        with pytest.raises(FetchError, match=message) as info:
            await fetcher.fetch(url)
    assert not isinstance(info.value, (FetchTimeout, HTTPStatusError))
    assert seen == []


@pytest.mark.parametrize("value", [None, 42, b"http://issuer.example.org/"])
async def test_a_url_that_is_not_a_string_is_a_fetch_error(value: object) -> None:
    async with Fetcher(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as fetcher:
        with pytest.raises(FetchError, match="must be a string"):
            await fetcher.fetch(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("entry", ["", "http://host/", "host/path", "user@host", "host:port", "a b"])
def test_a_malformed_allowed_host_is_refused_at_construction(entry: str) -> None:
    with pytest.raises(ValueError, match="HOST or HOST:PORT"):
        Fetcher(transport=httpx.MockTransport(lambda r: httpx.Response(200)), allow_hosts=[entry])


async def test_blocked_addresses_are_counted() -> None:
    async with Fetcher(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as fetcher:
        with pytest.raises(BlockedAddress):
            await fetcher.fetch("http://127.0.0.1/")
    assert fetcher.stats.blocked == 1


async def test_idle_origin_pools_beyond_the_limit_are_closed() -> None:
    servers = [LoopbackServer(ok) for _ in range(3)]
    for srv in servers:
        await srv.__aenter__()
    try:
        guard = NetGuard(allow_hosts=[s.origin for s in servers])
        async with httpx.AsyncClient(transport=OriginPools(guard, per_origin=2, max_pools=2)) as client:
            for srv in [*servers, servers[0]]:
                assert (await client.get(srv.url("/doc"))).content == DOC
    finally:
        for srv in servers:
            await srv.__aexit__()
    # The first origin's pool was closed to make room for the third, so its
    # second request needed a new connection; the others kept theirs.
    assert [s.connections for s in servers] == [2, 1, 1]


@pytest.mark.parametrize(
    "bad",
    [
        {"concurrency": 0},
        {"per_host": 0},
        {"timeout": 0},
        {"timeout": -1.0},
        {"max_bytes": 0},
        {"retries": -1},
        {"max_redirects": -1},
        {"deadline": 0},
        {"read_timeout": float("nan")},
    ],
)
def test_limits_that_cannot_work_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=f"FetchLimits.{next(iter(bad))}"):
        FetchLimits(**bad)  # type: ignore[arg-type]


async def test_a_flood_of_response_headers_is_an_error(http_client: HTTPClient) -> None:
    async def flood(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\n" + b"X-Filler: " + b"a" * 1_000_000 + b"\r\n\r\n{}")
        await writer.drain()
        return False

    async with LoopbackServer(flood) as srv, fetcher_for(http_client, srv) as fetcher:
        with pytest.raises(FetchError, match="connection failed"):
            await fetcher.fetch(srv.url("/doc"))
    assert srv.total_hits == FAST.retries + 1
