"""Our HTTP/1.1 client: :class:`OriginPools`, an httpx transport over pinned connections.

Every fetch of the verifier (the CLI, the dashboard, the API) goes through
this one transport: :class:`verifier.fetch.Fetcher` builds one when given no
transport, and :func:`guarded_transport` builds one for code that must hand
a network transport to something else (the fallback behind the dashboard's
offline transport). Connections come from
:class:`verifier.net.backend.PinnedBackend`, so they only ever reach
addresses the address policy vetted.

Why our own client rather than httpx's ``AsyncHTTPTransport`` (httpcore's
pool and h11): measured on the bulk hosted benchmark, see
``docs/decisions/0001-own-http11-client.md``. The contract test
(``tests/verifier/test_fetch.py``, the ``httpcore`` stack) runs the fetcher
suite over httpcore's pool with the same pinned backend, so the two stay
interchangeable.

Errors raised here are httpx's transport errors (``httpx.ConnectError``,
``httpx.ReadTimeout``, ``httpx.RemoteProtocolError`` ...), or the policy's
:class:`~verifier.errors.BlockedAddress` / :class:`~verifier.errors.FetchError`.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, Protocol

import httpcore
import httptools
import httpx

from verifier.net.backend import PinnedBackend, default_ssl_context
from verifier.net.policy import NetGuard, Resolver

#: Longest response head (status line and header fields) read before the
#: response is refused; h11 (httpx's default parser) uses the same bound.
MAX_RESPONSE_HEAD = 64 * 1024
# Bytes asked of the stream per read; the body size cap is applied by the
# caller between reads, so at most this much is buffered past it.
_READ_SIZE = 64 * 1024
_LINE_BREAKS = re.compile(rb"[\r\n\x00]")

_STREAM_ERRORS: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.WriteError: httpx.WriteError,
    httpcore.PoolTimeout: httpx.PoolTimeout,
}


def httpx_error(exc: Exception) -> Exception:
    """The httpx exception for an httpcore stream error (the same mapping
    httpx applies to its own transport); anything else unchanged."""
    for kind, mapped in _STREAM_ERRORS.items():
        if isinstance(exc, kind):
            return mapped(str(exc) or type(exc).__name__)
    return exc


class _ResponseParser:
    """One connection's response parsing (RFC 9112 message syntax, through
    llhttp): status, header fields and body chunks of the current response.

    Interim (1xx) responses are skipped (RFC 9110 §15.2). ``complete`` is
    set once the whole message has arrived; ``extra`` when bytes followed it
    (the connection is then not reused).
    """

    __slots__ = (
        "body",
        "complete",
        "extra",
        "head_bytes",
        "head_done",
        "headers",
        "keep_alive",
        "parser",
        "reason",
        "status",
        "until_eof",
    )

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.extra = False
        self.reset()

    def reset(self) -> None:
        """Ready for the next response on this connection."""
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.head_done = False
        self.complete = False
        self.keep_alive = False
        self.until_eof = False
        self.head_bytes = 0

    def feed(self, data: bytes) -> None:
        """Parse ``data``; :class:`httpx.RemoteProtocolError` when it is not
        HTTP/1.x or the head grows past :data:`MAX_RESPONSE_HEAD`."""
        if not self.head_done:
            self.head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            raise httpx.RemoteProtocolError("the server switched protocols") from None
        except httptools.HttpParserError as exc:
            raise httpx.RemoteProtocolError(f"malformed response: {exc}") from None
        if not self.head_done and self.head_bytes > MAX_RESPONSE_HEAD:
            raise httpx.RemoteProtocolError(f"response head longer than {MAX_RESPONSE_HEAD} bytes")

    # httptools callbacks

    def on_message_begin(self) -> None:
        if self.complete:
            self.extra = True

    def on_status(self, status: bytes) -> None:
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.complete:
            self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self.complete:
            return
        status = self.parser.get_status_code()
        if 100 <= status < 200:
            self.headers = []
            self.reason = b""
            return
        self.status = status
        self.head_done = True
        # Without Content-Length or Transfer-Encoding a body runs to the end
        # of the connection (RFC 9112 §6.3, rule 8).
        framed = any(name.lower() in (b"content-length", b"transfer-encoding") for name, _ in self.headers)
        self.until_eof = not framed and status not in (204, 304)

    def on_body(self, body: bytes) -> None:
        if not self.complete:
            self.body.append(body)

    def on_message_complete(self) -> None:
        if self.complete or not self.head_done:
            return  # the end of an interim response, or of bytes after ours
        self.complete = True
        self.keep_alive = self.parser.should_keep_alive()


class _Connection:
    """A pinned connection with its parser."""

    __slots__ = ("idle_since", "parser", "stream")

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self.stream = stream
        self.parser = _ResponseParser()
        self.idle_since = 0.0


class _Pool:
    """The connections to one origin: idle ones, and a cap on those in use."""

    __slots__ = ("closed", "idle", "in_use", "slots")

    def __init__(self, size: int) -> None:
        self.idle: list[_Connection] = []
        self.slots = asyncio.Semaphore(size)
        self.in_use = 0
        self.closed = False


class _Body(httpx.AsyncByteStream):
    """A response body read off its connection as the caller iterates. The
    connection goes back to its pool only when the whole message was read
    and both sides allow keep-alive; otherwise it is closed."""

    def __init__(self, owner: OriginPools, pool: _Pool, connection: _Connection, read_timeout: float | None) -> None:
        self._owner = owner
        self._pool = pool
        self._connection = connection
        self._read_timeout = read_timeout
        self._done = False
        self._released = False

    async def __aiter__(self) -> Any:
        parser = self._connection.parser
        stream = self._connection.stream
        while True:
            if parser.body:
                chunks, parser.body = parser.body, []
                for chunk in chunks:
                    yield chunk
            if parser.complete:
                break
            try:
                data = await stream.read(_READ_SIZE, self._read_timeout)
            except (httpcore.NetworkError, httpcore.TimeoutException) as exc:
                raise httpx_error(exc) from exc
            if not data:
                if parser.until_eof:
                    break  # the end of the connection ends the body
                raise httpx.RemoteProtocolError("connection closed before the end of the response body")
            parser.feed(data)
        self._done = True

    async def aclose(self) -> None:
        """Hand the connection back (complete response) or close it."""
        if self._released:
            return
        self._released = True
        parser = self._connection.parser
        reusable = self._done and parser.complete and parser.keep_alive and not parser.extra
        await self._owner._release(self._pool, self._connection, reusable=reusable)


class HTTPClient(Protocol):
    """What builds the network transport of a :class:`verifier.fetch.Fetcher`
    over the fetcher's guard: :class:`OriginPools` itself, or (in the
    contract test and the benchmark) httpcore's pool over the same pinned
    backend. Every connection it makes must go through
    ``PinnedBackend(guard, network_backend)``."""

    def __call__(
        self,
        guard: NetGuard,
        *,
        per_origin: int,
        network_backend: httpcore.AsyncNetworkBackend | None,
        ssl_context: ssl.SSLContext | None,
    ) -> httpx.AsyncBaseTransport:
        """A transport whose connections are vetted by ``guard`` and pinned."""
        ...


class OriginPools(httpx.AsyncBaseTransport):
    """HTTP/1.1 over pinned connections, in one small pool per origin
    (scheme, host, port).

    Connections are made through :class:`PinnedBackend` (only to the
    addresses the guard vetted; TLS with SNI and the certificate checked
    against the URL's host name). Responses are parsed by llhttp (through
    ``httptools``); bodies are handed over raw (content-codings are the
    caller's to undo) as the caller reads them, so a size cap applied while
    reading holds. A connection is reused only after a complete response
    that both sides allow to keep alive (RFC 9112 §9.3), never after an
    error, and not after ``keepalive_expiry`` seconds idle or once the peer
    closed it or sent unasked bytes. Per-request ``timeout`` extensions
    (httpx's connect, read, write, pool) apply as in httpx's own transport.

    Each origin holds at most ``per_origin`` connections; at most
    ``max_pools`` pools are kept: beyond that, the least recently used pool
    with nothing in flight is closed. Errors are httpx's transport errors,
    or the guard's :class:`BlockedAddress` / :class:`FetchError`.
    """

    def __init__(
        self,
        guard: NetGuard,
        *,
        per_origin: int,
        max_pools: int = 64,
        keepalive_expiry: float = 5.0,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._backend = PinnedBackend(guard, network_backend)
        self._ssl_context = ssl_context
        self._per_origin = per_origin
        self._max_pools = max_pools
        self._keepalive_expiry = keepalive_expiry
        self._pools: OrderedDict[tuple[bytes, bytes, int | None], _Pool] = OrderedDict()
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` on a connection of its origin's pool; the
        response's body is read when the caller reads it."""
        if self._closed:
            raise httpx.ConnectError("the transport is closed")
        url = request.url
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            await self._evict()
            pool = self._pools[key] = _Pool(self._per_origin)
        else:
            self._pools.move_to_end(key)
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        message = _request_bytes(request, await request.aread())
        if pool.slots.locked():
            try:
                async with asyncio.timeout(timeouts.get("pool")):
                    await pool.slots.acquire()
            except TimeoutError:
                raise httpx.PoolTimeout("no free connection") from None
        else:
            await pool.slots.acquire()
        pool.in_use += 1
        connection: _Connection | None = None
        try:
            connection = await self._idle_connection(pool)
            if connection is None:
                connection = await self._connect(url, timeouts.get("connect"))
            stream = connection.stream
            parser = connection.parser
            parser.reset()
            read_timeout = timeouts.get("read")
            try:
                await stream.write(message, timeouts.get("write"))
                while not parser.head_done:
                    data = await stream.read(_READ_SIZE, read_timeout)
                    if not data:
                        raise httpx.RemoteProtocolError("the server closed the connection without a complete response")
                    parser.feed(data)
            except (httpcore.NetworkError, httpcore.TimeoutException) as exc:
                raise httpx_error(exc) from exc
        except BaseException:
            await self._release(pool, connection, reusable=False)
            raise
        version = b"HTTP/1.0" if parser.parser.get_http_version() == "1.0" else b"HTTP/1.1"
        return httpx.Response(
            parser.status,
            headers=parser.headers,
            stream=_Body(self, pool, connection, read_timeout),
            request=request,
            extensions={"http_version": version, "reason_phrase": parser.reason},
        )

    async def _idle_connection(self, pool: _Pool) -> _Connection | None:
        """The most recently used idle connection still fit for reuse."""
        now = time.monotonic()
        while pool.idle:
            connection = pool.idle.pop()
            stream = connection.stream
            if now - connection.idle_since <= self._keepalive_expiry and not stream.get_extra_info("is_readable"):
                return connection
            # Expired, closed by the peer, or holding bytes nobody asked for.
            await stream.aclose()
        return None

    async def _connect(self, url: httpx.URL, timeout: float | None) -> _Connection:
        host = url.raw_host.decode("ascii")
        port = url.port or (443 if url.raw_scheme == b"https" else 80)
        try:
            stream = await self._backend.connect_tcp(host, port, timeout=timeout)
            if url.raw_scheme == b"https":
                # SNI and certificate checks use the URL's host name, never
                # the pinned address (RFC 6125 §6).
                context = self._ssl_context or default_ssl_context()
                stream = await stream.start_tls(context, server_hostname=host, timeout=timeout)
        except (httpcore.NetworkError, httpcore.TimeoutException) as exc:
            raise httpx_error(exc) from exc
        return _Connection(stream)

    async def _release(self, pool: _Pool, connection: _Connection | None, *, reusable: bool) -> None:
        pool.in_use -= 1
        pool.slots.release()
        if connection is None:
            return
        if reusable and not pool.closed:
            connection.idle_since = time.monotonic()
            pool.idle.append(connection)
            return
        await connection.stream.aclose()

    async def _evict(self) -> None:
        for key in list(self._pools):
            if len(self._pools) < self._max_pools:
                return
            pool = self._pools[key]
            if pool.in_use == 0:
                del self._pools[key]
                await self._close_pool(pool)

    @staticmethod
    async def _close_pool(pool: _Pool) -> None:
        pool.closed = True
        idle, pool.idle = pool.idle, []
        for connection in idle:
            await connection.stream.aclose()

    async def aclose(self) -> None:
        """Close every idle connection; those in use close when released."""
        self._closed = True
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await self._close_pool(pool)


def _request_bytes(request: httpx.Request, body: bytes) -> bytes:
    """The request head and body as sent (RFC 9112 §3: request line, header
    fields, empty line). A CR, LF or NUL in the target or any header field is
    refused, so nothing a URL or header carries can split the message."""
    method = request.method.encode("ascii")
    target = request.url.raw_path
    raw = request.headers.raw
    fields = [method, target]
    for name, value in raw:
        fields += (name, value)
    if _LINE_BREAKS.search(b" ".join(fields)):
        raise httpx.LocalProtocolError("line break or NUL in the request head")
    if body and not request.headers.get("content-length"):
        raise httpx.LocalProtocolError("request bodies need a Content-Length")
    lines = [method, b" ", target, b" HTTP/1.1\r\n"]
    for name, value in raw:
        lines += (name, b": ", value, b"\r\n")
    lines.append(b"\r\n")
    if body:
        lines.append(body)
    return b"".join(lines)


def guarded_transport(
    *,
    allow_hosts: Iterable[str] = (),
    resolver: Resolver | None = None,
    per_origin: int = 8,
    network_backend: httpcore.AsyncNetworkBackend | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> OriginPools:
    """The fetcher's HTTP/1.1 client with a guard of its own, for code that
    must hand a real transport to something else (say, the fallback behind
    an offline transport): every connection is vetted and pinned when it is
    made, so a host that resolves to an internal address raises
    :class:`~verifier.errors.BlockedAddress` even when no URL check ran
    before. :class:`verifier.fetch.Fetcher` builds the same transport by
    itself when given none; prefer that.
    """
    guard = NetGuard(allow_hosts=allow_hosts, resolver=resolver)
    return OriginPools(guard, per_origin=per_origin, network_backend=network_backend, ssl_context=ssl_context)
