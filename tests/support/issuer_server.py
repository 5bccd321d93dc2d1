"""A fake badge issuer on loopback: one real HTTP server per 127.0.0.x address.

Linux routes all of 127.0.0.0/8 to loopback, so ``127.0.0.2`` ...
``127.0.0.20`` act as distinct origins (distinct hosts for the hosted
verification policy) without any DNS. Every address listens on the same
port, so ``allow_hosts`` is ``("127.0.0.2:PORT", "127.0.0.3:PORT", ...)``.

    with IssuerServer(["127.0.0.2", "127.0.0.3"]) as server:
        server.route("127.0.0.2", "/issuer.json", json_body={...})
        server.route("127.0.0.3", "/slow.json", body=b"{}", delay=0.5)
        url = server.url("127.0.0.2", "/issuer.json")
        fetcher = Fetcher(allow_hosts=server.allow_hosts)

Routes are keyed by (host, path); a path with a query string is matched
exactly first, then without the query. Unknown routes answer 404. Every
request is recorded in :attr:`IssuerServer.requests`. Routes may be added or
replaced while the server runs. Threaded: handlers may sleep (``delay``)
without blocking other requests.
"""

from __future__ import annotations

import contextlib
import errno
import json
import socket
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Route:
    """What one (host, path) answers."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


OB2_CONTEXT = "https://w3id.org/openbadges/v2"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, address: tuple[str, int], owner: IssuerServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up early (a size cap, a timeout) is expected in tests.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        host = self.server.server_address[0]
        owner = self.server.owner
        owner._record(str(host), self.path, dict(self.headers.items()))
        route = owner.lookup(str(host), self.path)
        if route.delay:
            time.sleep(route.delay)
        self.send_response(route.status)
        headers = {k.lower(): v for k, v in route.headers.items()}
        headers.setdefault("content-length", str(len(route.body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body and route.body:
            # the client may stop reading (a size cap): expected in tests
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(route.body)

    def log_message(self, format: str, *args: Any) -> None:
        return  # keep test output quiet


class IssuerServer:
    """HTTP servers on several loopback addresses sharing one port."""

    def __init__(self, hosts: Iterable[str] = ("127.0.0.2",), *, port: int = 0) -> None:
        self.hosts = tuple(hosts)
        if not self.hosts:
            raise ValueError("at least one host")
        self._requested_port = port
        self.port = 0
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._routes: dict[tuple[str, str], Route] = {}
        self._lock = threading.Lock()
        self.requests: list[tuple[str, str, dict[str, str]]] = []

    # -- lifecycle -------------------------------------------------------

    def start(self) -> IssuerServer:
        """Bind every host on one port (retrying on a clash) and serve."""
        for _ in range(20):
            try:
                self._bind_all()
                break
            except OSError as exc:
                self._close_servers()
                if exc.errno != errno.EADDRINUSE or self._requested_port:
                    raise
        else:
            raise OSError(errno.EADDRINUSE, "no port free on every loopback host")
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _bind_all(self) -> None:
        port = self._requested_port
        for host in self.hosts:
            server = _Server((host, port), self)
            self._servers.append(server)
            port = server.server_address[1]
        self.port = port

    def _close_servers(self) -> None:
        for server in self._servers:
            server.server_close()
        self._servers = []

    def stop(self) -> None:
        """Stop serving and release the port."""
        for server in self._servers:
            server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        self._close_servers()
        self._threads = []

    def __enter__(self) -> IssuerServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addressing ------------------------------------------------------

    def origin(self, host: str) -> str:
        """``http://HOST:PORT``."""
        return f"http://{host}:{self.port}"

    def url(self, host: str, path: str) -> str:
        """The URL of ``path`` on ``host``."""
        return self.origin(host) + (path if path.startswith("/") else "/" + path)

    def route_ob2_badge_class(
        self, host: str, *, issuer_name: str, issuer_email: str, badge_name: str, **badge_fields: Any
    ) -> str:
        """Serve a minimal, valid OB 2.0 Issuer (``/issuer.json``) and BadgeClass
        (``/badge.json``, plus ``badge_fields``) on ``host``; returns the BadgeClass URL."""
        base = self.origin(host)
        self.route(
            host,
            "/issuer.json",
            json_body={"@context": OB2_CONTEXT, "type": "Issuer", "id": f"{base}/issuer.json", "name": issuer_name,
                       "url": f"{base}/", "email": issuer_email},
        )  # fmt: skip
        return self.route(
            host,
            "/badge.json",
            json_body={"@context": OB2_CONTEXT, "type": "BadgeClass", "id": f"{base}/badge.json", "name": badge_name,
                       "description": badge_fields.pop("description", badge_name), "image": f"{base}/b.png",
                       "criteria": {"narrative": "n"}, "issuer": f"{base}/issuer.json", **badge_fields},
        )  # fmt: skip

    @property
    def allow_hosts(self) -> tuple[str, ...]:
        """``HOST:PORT`` for every host, for ``Fetcher(allow_hosts=...)`` / ``--allow-host``."""
        return tuple(f"{h}:{self.port}" for h in self.hosts)

    # -- routes ----------------------------------------------------------

    def route(
        self,
        host: str,
        path: str,
        *,
        body: bytes | str = b"",
        json_body: Any = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        content_type: str | None = None,
    ) -> str:
        """Set what ``GET path`` on ``host`` answers; returns the URL."""
        if host not in self.hosts:
            raise ValueError(f"{host} is not served (hosts: {', '.join(self.hosts)})")
        hdrs = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body)
            hdrs.setdefault("content-type", content_type or "application/ld+json")
        elif content_type:
            hdrs.setdefault("content-type", content_type)
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self._routes[(host, path)] = Route(status, data, hdrs, delay)
        return self.url(host, path)

    def routes(self, host: str, documents: Mapping[str, Any]) -> None:
        """Serve several JSON documents on ``host``: path -> JSON value."""
        for path, doc in documents.items():
            self.route(host, path, json_body=doc)

    def lookup(self, host: str, path: str) -> Route:
        """The route for a request (exact path with query first, then without)."""
        with self._lock:
            found = self._routes.get((host, path)) or self._routes.get((host, path.split("?", 1)[0]))
        return found or Route(404, b"not found", {"content-type": "text/plain"})

    def _record(self, host: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append((host, path, headers))

    def hits(self, host: str, path: str) -> int:
        """How many requests (host, path) received."""
        with self._lock:
            return sum(1 for h, p, _ in self.requests if h == host and p.split("?", 1)[0] == path)


def loopback_hosts(count: int, *, first: int = 2) -> tuple[str, ...]:
    """``count`` loopback addresses starting at 127.0.0.``first`` (at most .254)."""
    if not 1 <= first <= 254 or first + count - 1 > 254:
        raise ValueError("loopback hosts must stay within 127.0.0.1-254")
    return tuple(f"127.0.0.{i}" for i in range(first, first + count))


def loopback_available(host: str = "127.0.0.2") -> bool:
    """Whether ``host`` can be bound (Linux: yes; some other systems only have 127.0.0.1)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
    except OSError:
        return False
    return True
