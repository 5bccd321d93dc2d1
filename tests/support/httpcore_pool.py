"""httpx's default HTTP/1.1 stack (httpcore's connection pool and h11) over
the verifier's pinned backend: the reference the fetcher's own client is
held to.

``httpx.AsyncHTTPTransport`` wraps exactly this pool, but httpx 0.28 takes
no network backend (encode/httpx#3749 adds the argument; it is not
released), and reaching into the transport's private ``_pool`` is what the
verifier stopped doing. So :class:`HttpcorePool` builds the pool with
httpcore's public ``network_backend`` argument and translates requests,
responses and errors through public names only, as httpx's transport does.

It is an :class:`verifier.net.HTTPClient`: ``Fetcher(http_client=HttpcorePool)``
runs a fetcher whose every connection is vetted and pinned exactly as with
:class:`verifier.net.OriginPools`. The contract test
(``tests/verifier/test_fetch.py``) and the benchmark
(``bench/hosted_ob2.py --http-client httpcore``) use it.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpcore
import httpx

from verifier.net import NetGuard, PinnedBackend, default_ssl_context

# httpx's defaults (``httpx.Limits()``): keep-alive expiry in seconds.
KEEPALIVE_EXPIRY = 5.0
#: As many connections as the fetcher lets requests be in flight by default
#: (``FetchLimits.concurrency``), all of them kept alive.
MAX_CONNECTIONS = 64


def _httpx_class(exc: Exception) -> type[httpx.TransportError] | None:
    """The httpx error of the same name as the most specific httpcore error
    ``exc`` is (httpcore and httpx name their transport errors alike)."""
    for kind in type(exc).__mro__:
        if kind.__module__.split(".")[0] != "httpcore":
            continue
        mapped = getattr(httpx, kind.__name__, None)
        if isinstance(mapped, type) and issubclass(mapped, httpx.TransportError):
            return mapped
    return None


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        mapped = _httpx_class(exc)
        if mapped is None:
            raise  # the guard's BlockedAddress / FetchError, or a bug
        raise mapped(str(exc) or type(exc).__name__) from exc


class _Body(httpx.AsyncByteStream):
    """An httpcore response body as httpx reads it: raw bytes, errors mapped."""

    def __init__(self, stream: httpcore.AsyncByteStream | object) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for chunk in self._stream:  # type: ignore[attr-defined]
                yield chunk

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            with _as_httpx_errors():
                await close()


class HttpcorePool(httpx.AsyncBaseTransport):
    """httpcore's ``AsyncConnectionPool`` (HTTP/1.1 through h11) whose
    connections come from ``PinnedBackend(guard, network_backend)``."""

    def __init__(
        self,
        guard: NetGuard,
        *,
        per_origin: int,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        # httpcore's pool has one cap for all origins; the fetcher holds the
        # per-origin cap (``per_origin``) with its own semaphores.
        del per_origin
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or default_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=KEEPALIVE_EXPIRY,
            http1=True,
            http2=False,
            network_backend=PinnedBackend(guard, network_backend),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the pool; the body streams as it is read."""
        url = request.url
        core_request = httpcore.Request(
            method=request.method.encode("ascii"),
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,  # type: ignore[arg-type]
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = await self._pool.handle_async_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._pool.aclose()
