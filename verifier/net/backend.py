"""The pinned stream backend: TCP (and TLS) connections to vetted addresses only.

:class:`PinnedBackend` is an httpcore network backend (httpcore's public
backend interface, `Network backends`_) that asks the address policy
(:class:`verifier.net.policy.NetGuard`) for the addresses a host may be
connected to, and connects to those IP literals, never handing a host name
to the operating system: a second DNS answer cannot swap the address (DNS
rebinding). TLS still uses the host name for SNI and certificate checks:
the HTTP client (:class:`verifier.net.http11.OriginPools`) starts TLS on the
returned stream with the URL's host as ``server_hostname``.

:class:`AsyncioBackend` makes the actual connections, on plain asyncio
transports (see :class:`AsyncioStream` for why not anyio's).

.. _Network backends: https://www.encode.io/httpcore/network-backends/
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import httpcore
import httpx

from verifier.errors import BlockedAddress
from verifier.net.policy import NetGuard

# Bytes buffered per connection before the socket is no longer read from
# (flow control); resumed below a quarter of that.
_READ_HIGH_WATER = 256 * 1024


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class _StreamProtocol(asyncio.Protocol):
    """What arrives on one connection, buffered for :class:`AsyncioStream`;
    also tracks write flow control and the end of the connection."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer: list[bytes] = []
        self.buffered = 0
        self.eof = False
        self.error: BaseException | None = None
        self.read_paused = False
        self.write_paused = False
        self.waiter: asyncio.Future[None] | None = None
        self.drained: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer.append(data)
        self.buffered += len(data)
        if self.buffered > _READ_HIGH_WATER and not self.read_paused and self.transport is not None:
            self.read_paused = True
            self.transport.pause_reading()
        _wake(self.waiter)

    def eof_received(self) -> bool | None:
        self.eof = True
        _wake(self.waiter)
        return None  # let the transport close

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        _wake(self.waiter)
        _wake(self.drained)

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        _wake(self.drained)

    def take(self, max_bytes: int) -> bytes:
        """Up to ``max_bytes`` of what is buffered (there is something)."""
        buffer = self.buffer
        data = buffer[0] if len(buffer) == 1 else b"".join(buffer)
        buffer.clear()
        if len(data) > max_bytes:
            buffer.append(data[max_bytes:])
            data = data[:max_bytes]
        self.buffered = len(buffer[0]) if buffer else 0
        if self.read_paused and self.buffered < _READ_HIGH_WATER // 4 and self.transport is not None:
            self.read_paused = False
            self.transport.resume_reading()
        return data


def _time_out(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


async def _await_within(waiter: asyncio.Future[None], timeout: float | None) -> None:
    """Await ``waiter``; ``TimeoutError`` if ``timeout`` seconds pass first.
    One timer per wait, armed only when there is something to wait for."""
    timer = None if timeout is None else asyncio.get_running_loop().call_later(timeout, _time_out, waiter)
    try:
        await waiter
    finally:
        if timer is not None:
            timer.cancel()


class AsyncioStream(httpcore.AsyncNetworkStream):
    """An httpcore stream over an asyncio transport and a small buffering
    protocol.

    httpcore's default (anyio) stream opens a cancel scope around every read
    and write and builds a dict of socket attributes whenever the pool asks
    whether an idle connection was closed; asyncio's own streams add a
    timeout scope and a waiter per call. Here a read that finds data waiting
    returns it at once, and only a read that has to wait arms a timer.
    Errors map to httpcore's, as the anyio stream's do.
    """

    def __init__(self, transport: asyncio.Transport, protocol: _StreamProtocol) -> None:
        self._transport = transport
        self._protocol = protocol

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Up to ``max_bytes``; ``b""`` at the end of the stream."""
        protocol = self._protocol
        if not protocol.buffer and not protocol.eof:
            await self._wait(protocol, timeout)
        if protocol.buffer:
            return protocol.take(max_bytes)
        if protocol.error is not None:
            raise httpcore.ReadError(str(protocol.error) or type(protocol.error).__name__) from protocol.error
        return b""

    @staticmethod
    async def _wait(protocol: _StreamProtocol, timeout: float | None) -> None:
        protocol.waiter = asyncio.get_running_loop().create_future()
        try:
            await _await_within(protocol.waiter, timeout)
        except TimeoutError:
            raise httpcore.ReadTimeout(f"no data for {timeout} s") from None
        finally:
            protocol.waiter = None

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Send all of ``buffer``."""
        if not buffer:
            return
        protocol = self._protocol
        if self._transport.is_closing() or protocol.eof:
            raise httpcore.WriteError("connection closed")
        try:
            self._transport.write(buffer)
        except OSError as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc
        while protocol.write_paused:
            # The kernel's buffer is full: wait for it to drain.
            if protocol.error is not None or self._transport.is_closing():
                raise httpcore.WriteError("connection closed")
            protocol.drained = asyncio.get_running_loop().create_future()
            try:
                await _await_within(protocol.drained, timeout)
            except TimeoutError:
                raise httpcore.WriteTimeout(f"could not send within {timeout} s") from None
            finally:
                protocol.drained = None

    async def aclose(self) -> None:
        """Close the connection (without waiting for the peer)."""
        self._transport.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        """Upgrade to TLS; the certificate is verified for ``server_hostname``."""
        if self._protocol.buffer or self._protocol.eof:
            # Bytes before the handshake are not protected by TLS: never read them as the answer.
            self._transport.abort()
            what = "sent data" if self._protocol.buffer else "closed the connection"
            raise httpcore.ConnectError(f"the server {what} before the TLS handshake")
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport, self._protocol, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError:
            self._transport.abort()
            raise httpcore.ConnectTimeout(f"TLS handshake took longer than {timeout} s") from None
        except (OSError, ssl.SSLError) as exc:
            self._transport.abort()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        if transport is None:
            self._transport.abort()
            raise httpcore.ConnectError("connection closed during the TLS handshake")
        assert isinstance(transport, asyncio.Transport)
        self._transport = self._protocol.transport = transport
        return self

    def get_extra_info(self, info: str) -> Any:
        """What httpcore asks of a stream: TLS object, addresses, socket,
        and whether an idle connection has data or an end of stream waiting."""
        if info == "is_readable":
            # Bytes waiting on an idle connection were never asked for.
            protocol = self._protocol
            return bool(protocol.buffer) or protocol.eof or self._transport.is_closing()
        name = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername", "socket": "socket"}
        return self._transport.get_extra_info(name[info]) if info in name else None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Plain asyncio TCP connections (see :class:`AsyncioStream`). Given an
    IP literal, as :class:`PinnedBackend` always does, nothing is resolved."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Open a TCP connection to ``host:port``."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_connection(
                    _StreamProtocol, host, port, local_addr=(local_address, 0) if local_address else None
                )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"no connection to {host}:{port} within {timeout} s") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(transport, protocol)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        """Unix sockets are never used for fetching."""
        raise httpcore.ConnectError("unix sockets are not supported")

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(seconds)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the guard
    vetted for the requested host, trying them in order. ``inner`` makes the
    actual connection and is only ever given IP literals."""

    def __init__(self, guard: NetGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._guard = guard
        self._inner = inner or AsyncioBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the first reachable vetted address of ``host``."""
        addresses = await self._guard.addresses(host, port)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None  # addresses is never empty
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        """Unix sockets are never used for fetching."""
        raise BlockedAddress(path, "unix sockets are refused")

    async def sleep(self, seconds: float) -> None:
        """Delegate to the inner backend."""
        await self._inner.sleep(seconds)


@lru_cache(maxsize=1)
def default_ssl_context() -> ssl.SSLContext:
    """The verifying TLS context (certifi's roots) every fetcher shares unless
    given its own: building one costs milliseconds, and a context is safe to
    share."""
    return httpx.create_ssl_context()
