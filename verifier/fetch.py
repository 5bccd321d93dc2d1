"""The fetcher: every network read of the verifier goes through here.

:class:`Fetcher` wraps one ``httpx.AsyncClient`` (pooled connections) and adds
what verifying strangers' URLs needs: a global and a per-host concurrency cap,
a response-size cap, redirects followed by hand so that every hop is checked,
bounded retries, and a per-batch cache so that a document shared by many
badges is fetched once (concurrent requests for the same URL share one fetch).

Tests and the sample workspace pass their own ``transport``
(``httpx.MockTransport`` or an offline transport); nothing patches globals.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from verifier.errors import (
    DocumentError,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    ResponseTooLarge,
    TooManyRedirects,
)

DEFAULT_ACCEPT = "application/ld+json, application/json;q=0.9, */*;q=0.1"
USER_AGENT = "SkillProof-verifier/0.1"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Bounds on every fetch. Defaults suit verifying public issuers."""

    timeout: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    concurrency: int = 64
    per_host: int = 8
    retries: int = 2
    backoff: float = 0.2
    max_retry_after: float = 10.0


@dataclass(frozen=True, slots=True)
class Response:
    """A fetched document: the final URL after redirects, status, headers and body."""

    url: str
    status_code: int
    headers: Mapping[str, str]
    content: bytes
    redirects: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON; :class:`DocumentError` when it is not JSON."""
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DocumentError(f"not JSON: {self.url}: {exc}") from exc


URLGuard = Callable[[str], Any]


@dataclass
class FetchStats:
    """Counters for benchmarks and tests."""

    requests: int = 0
    cache_hits: int = 0
    retries: int = 0
    by_host: dict[str, int] = field(default_factory=dict)


class Fetcher:
    """Bounded, cached HTTP GET for one batch of verifications.

    Use as ``async with Fetcher(...) as f`` or call :meth:`aclose`.
    """

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: FetchLimits | None = None,
        allow_hosts: tuple[str, ...] | list[str] = (),
        guard: URLGuard | None = None,
    ) -> None:
        self.limits = limits or FetchLimits()
        self.allow_hosts = tuple(allow_hosts)
        self._guard = guard
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(self.limits.timeout),
            headers={"User-Agent": USER_AGENT},
            limits=httpx.Limits(
                max_connections=self.limits.concurrency,
                max_keepalive_connections=self.limits.concurrency,
            ),
        )
        self._global = asyncio.Semaphore(self.limits.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._cache: dict[tuple[str, str], asyncio.Future[Response]] = {}
        self.stats = FetchStats()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()

    async def fetch(self, url: str, *, accept: str = DEFAULT_ACCEPT, use_cache: bool = True) -> Response:
        """GET ``url`` following checked redirects; a 2xx :class:`Response` or a
        :class:`FetchError`. Results (and failures) are cached per batch."""
        if not use_cache:
            return await self._fetch_uncached(url, accept)
        key = (url, accept)
        fut = self._cache.get(key)
        if fut is not None:
            self.stats.cache_hits += 1
            return await asyncio.shield(fut)
        fut = asyncio.get_running_loop().create_future()
        self._cache[key] = fut
        try:
            resp = await self._fetch_uncached(url, accept)
        except BaseException as exc:
            if isinstance(exc, FetchError):
                fut.set_exception(exc)
                fut.exception()  # mark retrieved
            else:
                self._cache.pop(key, None)
                fut.cancel()
            raise
        fut.set_result(resp)
        return resp

    async def fetch_json(self, url: str) -> Any:
        """GET ``url`` and parse it as JSON."""
        return (await self.fetch(url)).json()

    # -- internals -------------------------------------------------------

    def _check(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(url, "only http and https URLs can be fetched")
        if self._guard is not None:
            self._guard(url)

    async def _fetch_uncached(self, url: str, accept: str) -> Response:
        hops: list[str] = []
        current = url
        for _ in range(self.limits.max_redirects + 1):
            self._check(current)
            resp = await self._get_with_retries(current, accept)
            if resp.status_code in (301, 302, 303, 307, 308) and "location" in resp.headers:
                hops.append(current)
                current = urljoin(current, resp.headers["location"])
                continue
            if resp.status_code >= 400:
                raise HTTPStatusError(current, resp.status_code)
            return Response(current, resp.status_code, resp.headers, resp.content, tuple(hops))
        raise TooManyRedirects(url, f"more than {self.limits.max_redirects} redirects")

    def _host_sem(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.lower()
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.limits.per_host)
        return sem

    async def _get_with_retries(self, url: str, accept: str) -> Response:
        attempt = 0
        while True:
            try:
                resp = await self._get_once(url, accept)
            except (httpx.TransportError, FetchTimeout) as exc:
                if attempt >= self.limits.retries:
                    if isinstance(exc, httpx.TimeoutException):
                        raise FetchTimeout(url, "timed out") from exc
                    if isinstance(exc, FetchTimeout):
                        raise
                    raise FetchError(url, f"connection failed: {exc.__class__.__name__}") from exc
                delay = self.limits.backoff * (2**attempt)
            else:
                if resp.status_code not in (429, 500, 502, 503, 504) or attempt >= self.limits.retries:
                    return resp
                delay = self.limits.backoff * (2**attempt)
                retry_after = resp.headers.get("retry-after", "")
                if retry_after.isdigit():
                    delay = min(float(retry_after), self.limits.max_retry_after)
            attempt += 1
            self.stats.retries += 1
            await asyncio.sleep(delay)

    async def _get_once(self, url: str, accept: str) -> Response:
        async with self._global, self._host_sem(url):
            self.stats.requests += 1
            host = urlsplit(url).netloc.lower()
            self.stats.by_host[host] = self.stats.by_host.get(host, 0) + 1
            request = self._client.build_request("GET", url, headers={"Accept": accept})
            response = await self._client.send(request, stream=True)
            try:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self.limits.max_bytes:
                        raise ResponseTooLarge(url, f"response larger than {self.limits.max_bytes} bytes")
            finally:
                await response.aclose()
            return Response(url, response.status_code, response.headers, bytes(body))
