"""Loopback HTTP servers for the fetcher's tests, with faults on demand.

:class:`LoopbackServer` is a small HTTP/1.1 keep-alive server on
127.0.0.1 and an ephemeral port, running in the test's own event loop. Each
request goes to a handler coroutine that writes whatever it likes: a normal
answer (:func:`reply`), a slow drip, a reset, a truncated body. The server
counts hits and measures how many requests were in progress, and how many
connections were open, at once.

:class:`RecordingBackend` is an httpcore network backend that records every
address the fetcher asks to connect to and, when told, sends the connection
to a loopback server instead, so tests can show where a connection would go
without touching any other host.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import socket
import ssl
import struct
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpcore
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from verifier.net import AsyncioBackend


@dataclass
class Request:
    """What the server received: method, target (path and query), headers (lower-cased names)."""

    method: str
    target: str
    headers: dict[str, str]
    reader: asyncio.StreamReader | None = field(default=None, repr=False)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    async def client_gone(self, within: float) -> bool:
        """Wait up to ``within`` seconds for the client to close; True if it did."""
        assert self.reader is not None
        try:
            return await asyncio.wait_for(self.reader.read(1), within) == b""
        except TimeoutError:
            return False


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[bool | None]]


async def reply(
    writer: asyncio.StreamWriter,
    status: int = 200,
    body: bytes = b"{}",
    *,
    headers: Iterable[tuple[str, str]] = (),
    content_type: str | None = "application/ld+json",
) -> None:
    """Write one complete response with a Content-Length."""
    lines = [f"HTTP/1.1 {status} X"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body)}")
    lines.extend(f"{name}: {value}" for name, value in headers)
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()


def reset(writer: asyncio.StreamWriter) -> None:
    """Abort the connection with a TCP reset (SO_LINGER 0)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@dataclass
class LoopbackServer:
    """An HTTP/1.1 server on ``host`` (a loopback address) and an ephemeral port.

    A handler returning ``True`` keeps the connection open for the next
    request; ``None``/``False`` closes it. ``hits`` counts requests by path.
    """

    handler: Handler
    host: str = "127.0.0.1"
    tls: ssl.SSLContext | None = None
    hits: Counter[str] = field(default_factory=Counter)
    connections: int = 0
    open: int = 0
    max_open: int = 0
    active: int = 0
    max_active: int = 0
    accept_headers: list[str] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _port: int = 0
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def port(self) -> int:
        assert self._port, "server not started"
        return self._port

    @property
    def origin(self) -> str:
        """``host:port``, as ``allow_hosts`` takes it."""
        return f"{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"{'https' if self.tls else 'http'}://{self.origin}{path}"

    @property
    def total_hits(self) -> int:
        return sum(self.hits.values())

    async def __aenter__(self) -> LoopbackServer:
        self._server = await asyncio.start_server(self._serve, self.host, 0, backlog=1024, ssl=self.tls)
        self._port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 1)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        self.open += 1
        self.max_open = max(self.max_open, self.open)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                request = _parse(head)
                request.reader = reader
                self.hits[request.path] += 1
                self.accept_headers.append(request.headers.get("accept", ""))
                self.active += 1
                self.max_active = max(self.max_active, self.active)
                try:
                    keep = await self.handler(request, writer)
                finally:
                    self.active -= 1
                if not keep or writer.is_closing():
                    return
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.open -= 1
            self._tasks.discard(task)
            writer.close()


def _parse(head: bytes) -> Request:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return Request(method, target, headers)


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Records every ``(host, port)`` the fetcher connects to.

    With ``route_to`` set, the connection actually goes to that loopback
    ``(host, port)`` (whatever address was asked for); without it every
    attempt fails with a connect error, so nothing leaves the machine.
    """

    def __init__(self, route_to: tuple[str, int] | None = None) -> None:
        self.attempts: list[tuple[str, int]] = []
        self.route_to = route_to
        self._inner: httpcore.AsyncNetworkBackend = AsyncioBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.attempts.append((host, port))
        if self.route_to is None:
            raise httpcore.ConnectError(f"recording backend: no route to {host}:{port}")
        return await self._inner.connect_tcp(*self.route_to, timeout=timeout)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("no unix sockets")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def tls_contexts(*, names: Iterable[str] = (), ips: Iterable[str] = ()) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A throwaway self-signed certificate for ``names`` and ``ips``: the
    server's context, and a client context that trusts only it."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "skillproof test issuer")])
    alt: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    alt += [x509.IPAddress(ipaddress.ip_address(a)) for a in ips]
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "cert.pem").write_bytes(cert_pem)
        (Path(tmp) / "key.pem").write_bytes(key_pem)
        server.load_cert_chain(Path(tmp) / "cert.pem", Path(tmp) / "key.pem")
    client = ssl.create_default_context(cadata=cert_pem.decode("ascii"))
    return server, client
