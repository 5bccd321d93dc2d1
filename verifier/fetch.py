"""The fetcher: every network read of the verifier goes through here.

:class:`Fetcher` sends requests through one httpx transport (by default
:class:`verifier.net.OriginPools`, pooled keep-alive HTTP/1.1 connections)
and adds what verifying strangers' URLs needs:

- the SSRF guard of :mod:`verifier.net` on the first URL and on every
  redirect hop, after DNS resolution, with connections pinned to the vetted
  address (see that module for what is refused and why);
- a global and a per-host cap on requests in flight;
- timeouts: connect, read (longest silence) and a total per exchange, so a
  slow-drip body ends; plus a budget for the whole fetch (redirects, retries
  and back-off sleeps; time spent queueing for a free slot is not counted);
- a size cap on the *decoded* body (a gzip bomb stops at the cap), with the
  body decompressed here in bounded steps rather than by httpx;
- redirects followed by hand, bounded, loops detected;
- bounded retries with exponential back-off and jitter on connection
  failures, 408, 429 and 502/503/504/500, honouring ``Retry-After``;
- a per-batch document cache: a document shared by 1,000 assertions is
  fetched once, and concurrent requests for one URL share one fetch.

Which checks apply depends on how connections are made:

- default transport: every check, DNS answers vetted, connections pinned;
- a custom ``transport`` (``httpx.MockTransport``, an offline transport) and
  no ``resolver``: the caller's transport makes no real connection, so only
  the URL checks apply (literal IPs, numeric hosts, special names, userinfo);
- a custom ``transport`` and a ``resolver``: the DNS answers are vetted too.

Tests and the sample workspace pass their own ``transport``, ``resolver`` or
``network_backend``; nothing patches globals.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import ssl
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import httpcore
import httpx

from verifier.errors import (
    BlockedAddress,
    DocumentError,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    ResponseTooLarge,
    TooManyRedirects,
)
from verifier.net import MAX_URL_LENGTH, HTTPClient, NetGuard, OriginPools, Resolver, Target
from verifier.recording import record_fetch

#: JSON-LD first (OB 2.0 hosted verification and VC documents are JSON-LD),
#: plain JSON accepted.
DEFAULT_ACCEPT = "application/ld+json, application/json"
USER_AGENT = "SkillProof-verifier/0.1"
#: Only encodings decoded here, in bounded steps (see _BoundedDecoder).
ACCEPT_ENCODING = "gzip, deflate"

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# RFC 9110 §15.5.9 (408), §15.6 (5xx) and RFC 6585 §4 (429): answers that say
# "try again later". 501 and 505 will not change on a retry.
_RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
# How much of an error or redirect body is read (to keep the connection
# reusable) before the connection is dropped instead.
_DRAIN_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Bounds on every fetch. Defaults suit verifying public issuers.

    ``timeout`` (the CLI's ``--timeout``) bounds one exchange from
    connecting to the last body byte;
    ``connect_timeout`` and ``read_timeout`` (longest silence) are capped by
    it. ``deadline`` bounds the whole fetch: every exchange, redirect and
    back-off sleep (``None``: three times ``timeout``). ``retries`` is the
    number of extra attempts per URL; a ``Retry-After`` longer than
    ``max_retry_after`` ends the fetch instead of waiting. The per-batch
    cache keeps at most ``cache_entries`` finished outcomes holding at most
    ``cache_bytes`` of bodies, dropping the least recently used first, so a
    batch of any length runs in flat memory while the documents that many
    badges share (BadgeClasses, issuers, keys, status lists) stay cached.
    Limits that cannot work (a zero cap, a negative retry count) raise
    ``ValueError``.
    """

    timeout: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    concurrency: int = 64
    per_host: int = 8
    retries: int = 2
    backoff: float = 0.2
    max_retry_after: float = 10.0
    connect_timeout: float = 5.0
    read_timeout: float = 5.0
    deadline: float | None = None
    max_url_length: int = MAX_URL_LENGTH
    cache_entries: int = 4_096
    cache_bytes: int = 64 * 1024 * 1024

    def __post_init__(self) -> None:
        # A zero cap would wait forever and a zero timeout fail everything:
        # refuse such limits up front, naming the field.
        positive = (
            "timeout",
            "max_bytes",
            "concurrency",
            "per_host",
            "connect_timeout",
            "read_timeout",
            "max_url_length",
            "cache_entries",
            "cache_bytes",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"FetchLimits.{name} must be positive, got {getattr(self, name)!r}")
        for name in ("max_redirects", "retries", "backoff", "max_retry_after"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"FetchLimits.{name} must not be negative, got {getattr(self, name)!r}")
        if self.deadline is not None and not self.deadline > 0:
            raise ValueError(f"FetchLimits.deadline must be positive or None, got {self.deadline!r}")

    @property
    def total_deadline(self) -> float:
        """The budget for one whole fetch, in seconds."""
        return self.deadline if self.deadline is not None else 3 * self.timeout


@dataclass(frozen=True, slots=True)
class Response:
    """A fetched document: the final URL after redirects, status, headers and
    the decoded body (never longer than the size cap)."""

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
    """Counters for benchmarks and tests. ``requests`` counts HTTP exchanges
    (every attempt and redirect hop); ``by_host`` the same per ``host[:port]``."""

    requests: int = 0
    cache_hits: int = 0
    retries: int = 0
    by_host: dict[str, int] = field(default_factory=dict)
    blocked: int = 0
    evictions: int = 0


def _size(task: asyncio.Task[Response]) -> int:
    """Bytes a finished cache entry holds (a failure holds next to none)."""
    if task.cancelled() or task.exception() is not None:
        return 0
    return len(task.result().content)


class _Budget:
    """Time left for one fetch; only time spent working counts."""

    def __init__(self, seconds: float) -> None:
        self.left = seconds

    def spend(self, seconds: float) -> None:
        self.left -= seconds


class Fetcher:
    """Bounded, guarded, cached HTTP GET for one batch of verifications.

    Use as ``async with Fetcher(...) as f`` or call :meth:`aclose`.
    ``allow_hosts`` (``HOST`` or ``HOST:PORT``) lifts the SSRF guard for
    those hosts only. ``resolver`` (host -> IP strings, sync or async)
    replaces the system DNS; ``network_backend`` replaces the httpcore
    backend the default transport connects with (it only ever receives
    vetted IP literals). ``ssl_context`` replaces the default verifying
    context (certifi's roots), e.g. to trust an on-premise issuer's private
    CA; certificates are always checked against the URL's host name.
    ``guard`` is an extra check called with every URL. ``http_client``
    builds the network transport over the fetcher's guard when no
    ``transport`` is given (default: :class:`verifier.net.OriginPools`, the
    one HTTP/1.1 client of the CLI, the dashboard and the API).
    A malformed ``allow_hosts`` entry raises ``ValueError``.
    """

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: FetchLimits | None = None,
        allow_hosts: Iterable[str] = (),
        guard: URLGuard | None = None,
        resolver: Resolver | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        ssl_context: ssl.SSLContext | None = None,
        http_client: HTTPClient = OriginPools,
    ) -> None:
        self.limits = limits or FetchLimits()
        self.allow_hosts = tuple(allow_hosts)
        self._guard = guard
        # With a caller's transport and no resolver nothing connects for
        # real, so there is no DNS answer to vet (see the module docstring).
        self.netguard = NetGuard(
            allow_hosts=self.allow_hosts,
            resolver=resolver,
            resolve=transport is None or resolver is not None,
            max_url_length=self.limits.max_url_length,
        )
        own_client = transport is None
        if transport is None:
            transport = http_client(
                self.netguard,
                per_origin=self.limits.per_host,
                network_backend=network_backend,
                ssl_context=ssl_context,
            )
        total = self.limits.timeout
        timeout = httpx.Timeout(
            total, connect=min(self.limits.connect_timeout, total), read=min(self.limits.read_timeout, total)
        )
        self._timeouts = timeout.as_dict()
        # Requests go straight to the transport, no httpx.AsyncClient between:
        # a client would add nothing a request built here needs (redirects
        # are followed here, no auth, no hooks) but would merge client-wide
        # headers and file every response's cookies in a jar nothing reads
        # (a server's cookies must never be sent back).
        self._transport = transport
        # Whether an https answer proves its host: only the fetcher's own
        # client connects for real and checks certificates (a caller's
        # transport, in tests and offline, answers without TLS); see
        # verifier.identity.
        self.verifies_tls = own_client
        # Hosts whose answers count as their own without TLS: those the
        # operator allowed (tests, on-premise issuers); see verifier.identity.
        self.vouched_hosts: tuple[str, ...] = self.allow_hosts
        self._header_sets: dict[str, list[tuple[str, str]]] = {}
        self._global = asyncio.Semaphore(self.limits.concurrency)
        self._hosts: dict[tuple[str, int], asyncio.Semaphore] = {}
        # The per-batch document cache is a dict of tasks, not hishel (RFC
        # 9111 caching for httpx): hishel caches responses at the transport
        # by the server's Cache-Control rules, so a timeout or a refused
        # connection is not kept and concurrent misses for one URL each go
        # to the network. A batch needs every outcome, failures included,
        # fixed for its duration whatever the headers say, and 1,000
        # concurrent requests for one BadgeClass served by one fetch.
        # Least recently used first; bounded by FetchLimits.cache_entries / cache_bytes.
        self._cache: OrderedDict[tuple[str, str], asyncio.Task[Response]] = OrderedDict()
        self._cached_bytes = 0
        self._finished = 0
        self.stats = FetchStats()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Cancel fetches still running and close the pooled connections."""
        pending = [t for t in self._cache.values() if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        await self.netguard.aclose()
        await self._transport.aclose()

    async def fetch(self, url: str, *, accept: str = DEFAULT_ACCEPT, use_cache: bool = True) -> Response:
        """GET ``url`` following checked redirects: a 2xx :class:`Response`,
        or a :class:`FetchError` (its subclasses say why).

        With ``use_cache`` the outcome (failures too) is kept for the batch
        and concurrent callers share one fetch; a caller that is cancelled
        does not cancel the fetch for the others.
        """
        try:
            if not use_cache or not isinstance(url, str):
                response = await self._fetch_uncached(url, accept)
            else:
                key = (url, accept)
                task = self._cache.get(key)
                if task is None:
                    task = asyncio.ensure_future(self._fetch_uncached(url, accept))
                    task.add_done_callback(self._settled(key))
                    self._cache[key] = task
                else:
                    self.stats.cache_hits += 1
                    self._cache.move_to_end(key)
                response = await asyncio.shield(task)
        except HTTPStatusError as exc:
            # an error status is an answer too (a 410 Gone revokes an OB 2.0 assertion): recorded, body-less
            record_fetch(
                url, accept, final_url=exc.url, redirects=exc.redirects, status=exc.status_code, headers={}, content=b""
            )
            raise
        # For evidence bundles: a no-op unless a caller is recording (verifier.recording).
        record_fetch(
            url,
            accept,
            final_url=response.url,
            redirects=response.redirects,
            status=response.status_code,
            headers=response.headers,
            content=response.content,
        )
        return response

    def _settled(self, key: tuple[str, str]) -> Callable[[asyncio.Task[Response]], None]:
        def done(task: asyncio.Task[Response]) -> None:
            # Keep results and FetchErrors; forget anything else (cancelled by
            # aclose, or a bug) so it is not served to later callers.
            error = None if task.cancelled() else task.exception()
            if task.cancelled() or (error is not None and not isinstance(error, FetchError)):
                if self._cache.get(key) is task:
                    del self._cache[key]
                return
            self._finished += 1
            self._cached_bytes += _size(task)
            self._evict()

        return done

    def _evict(self) -> None:
        """Drop the least recently used finished outcomes beyond the cache bounds.
        In-flight fetches are never dropped: callers still share them."""
        limits = self.limits
        if self._finished <= limits.cache_entries and self._cached_bytes <= limits.cache_bytes:
            return
        finished, cached_bytes = self._finished, self._cached_bytes
        victims = []
        for key, task in self._cache.items():  # oldest first; stops as soon as the bounds hold
            if finished <= limits.cache_entries and cached_bytes <= limits.cache_bytes:
                break
            if task.done():
                victims.append(key)
                finished -= 1
                cached_bytes -= _size(task)
        for key in victims:
            del self._cache[key]
        self._finished, self._cached_bytes = finished, cached_bytes
        self.stats.evictions += len(victims)

    async def fetch_json(self, url: str) -> Any:
        """GET ``url`` and parse it as JSON (:class:`DocumentError` if it is not)."""
        return (await self.fetch(url)).json()

    # -- internals -------------------------------------------------------

    async def _check(self, url: str, budget: _Budget) -> Target:
        """The guard's verdict on one hop: URL rules, then DNS answers."""
        try:
            target = self.netguard.check(url)
            if self._guard is not None:
                self._guard(url)
            if target.ip is None and self.netguard.resolve:
                started = time.monotonic()
                try:
                    async with asyncio.timeout(max(0.0, min(self.limits.connect_timeout, budget.left))):
                        await self.netguard.vet(target)
                except TimeoutError:
                    raise FetchTimeout(url, "DNS resolution timed out") from None
                finally:
                    budget.spend(time.monotonic() - started)
        except BlockedAddress:
            self.stats.blocked += 1
            raise
        return target

    async def _fetch_uncached(self, url: str, accept: str) -> Response:
        budget = _Budget(self.limits.total_deadline)
        hops: list[str] = []
        current = url
        seen = {url}
        while True:
            target = await self._check(current, budget)
            status, headers, body = await self._get_with_retries(target, current, accept, budget)
            if status in _REDIRECTS:
                location = headers.get("location")
                if not location:
                    raise HTTPStatusError(current, status, f"HTTP {status} redirect without a Location")
                if len(hops) >= self.limits.max_redirects:
                    raise TooManyRedirects(url, f"more than {self.limits.max_redirects} redirects")
                hops.append(current)
                try:
                    current = urljoin(current, location.strip())
                except ValueError as exc:
                    raise FetchError(current, f"invalid redirect Location {location[:200]!r}: {exc}") from None
                if current in seen:
                    raise TooManyRedirects(url, f"redirect loop back to {current}")
                seen.add(current)
                continue
            if not 200 <= status < 300:
                raise HTTPStatusError(current, status, redirects=tuple(hops))
            return Response(current, status, headers, body, tuple(hops))

    def _headers(self, accept: str) -> list[tuple[str, str]]:
        headers = self._header_sets.get(accept)
        if headers is None:
            headers = [("User-Agent", USER_AGENT), ("Accept", accept), ("Accept-Encoding", ACCEPT_ENCODING)]
            self._header_sets[accept] = headers
        return headers

    def _host_sem(self, target: Target) -> asyncio.Semaphore:
        key = (target.host, target.port)
        sem = self._hosts.get(key)
        if sem is None:
            sem = self._hosts[key] = asyncio.Semaphore(self.limits.per_host)
        return sem

    def _backoff(self, attempt: int) -> float:
        # Exponential back-off with jitter in [base/2, base], so that failed
        # requests to one host do not come back in lockstep.
        base = self.limits.backoff * (2**attempt)
        return base / 2 + random.random() * base / 2

    async def _get_with_retries(
        self, target: Target, url: str, accept: str, budget: _Budget
    ) -> tuple[int, httpx.Headers, bytes]:
        attempt = 0
        while True:
            try:
                status, headers, body = await self._exchange(target, url, accept, budget)
            except _Retryable as exc:
                if attempt >= self.limits.retries:
                    raise exc.error from None
                delay = self._backoff(attempt)
                final: FetchError = exc.error
            else:
                if status not in _RETRYABLE_STATUS or attempt >= self.limits.retries:
                    return status, headers, body
                delay = self._backoff(attempt)
                final = HTTPStatusError(url, status)
                retry_after = _retry_after(headers.get("retry-after"))
                if retry_after is not None:
                    if retry_after > self.limits.max_retry_after:
                        raise HTTPStatusError(
                            url,
                            status,
                            f"HTTP {status}, Retry-After {retry_after:.0f} s is longer than the {self.limits.max_retry_after:g} s allowed",
                        )
                    delay = max(delay, retry_after)
            if delay >= budget.left:
                raise final
            attempt += 1
            self.stats.retries += 1
            budget.spend(delay)
            await asyncio.sleep(delay)

    async def _exchange(
        self, target: Target, url: str, accept: str, budget: _Budget
    ) -> tuple[int, httpx.Headers, bytes]:
        """One request/response, within the caps; connection failures that a
        retry may cure come out as :class:`_Retryable`."""
        if budget.left <= 0:
            raise FetchTimeout(url, f"gave up after {self.limits.total_deadline:g} s")
        async with self._host_sem(target), self._global:
            self.stats.requests += 1
            self.stats.by_host[target.netloc] = self.stats.by_host.get(target.netloc, 0) + 1
            window = min(self.limits.timeout, budget.left)
            started = time.monotonic()
            try:
                async with asyncio.timeout(window):
                    request = httpx.Request(
                        "GET", target.url, headers=self._headers(accept), extensions={"timeout": self._timeouts}
                    )
                    response = await self._transport.handle_async_request(request)
                    try:
                        ok = 200 <= response.status_code < 300
                        body = await _read_body(response, url, self.limits.max_bytes if ok else _DRAIN_BYTES, strict=ok)
                    finally:
                        await response.aclose()
            except TimeoutError:
                raise FetchTimeout(url, f"no complete response within {window:g} s") from None
            except FetchError as exc:
                # Raised inside the connection layer (the pinned backend), which
                # only knows host and port: say which URL it was.
                if isinstance(exc, BlockedAddress):
                    self.stats.blocked += 1
                if exc.url != url and not isinstance(exc, HTTPStatusError):
                    raise type(exc)(url, exc.reason) from None
                raise
            except httpx.ConnectTimeout:
                raise _Retryable(FetchTimeout(url, "connect timed out")) from None
            except httpx.ConnectError as exc:
                tls = _tls_failure(exc)
                if tls is not None:
                    # A certificate will not be different on a retry.
                    raise FetchError(url, f"TLS failed: {tls}") from None
                raise _Retryable(FetchError(url, f"connection failed: {exc.__class__.__name__}: {exc}")) from None
            except httpx.TimeoutException as exc:
                raise FetchTimeout(url, f"timed out ({exc.__class__.__name__})") from None
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
                raise _Retryable(FetchError(url, f"connection failed: {exc.__class__.__name__}: {exc}")) from None
            except httpx.HTTPError as exc:
                raise FetchError(url, f"request failed: {exc.__class__.__name__}: {exc}") from None
            finally:
                budget.spend(time.monotonic() - started)
            return response.status_code, response.headers, body


class _Retryable(Exception):
    """Internal: a failure a retry may cure, carrying the error to raise if not."""

    def __init__(self, error: FetchError) -> None:
        super().__init__(str(error))
        self.error = error


def _tls_failure(exc: BaseException) -> str | None:
    """The TLS error behind a connection failure, if that is what it was."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return getattr(seen, "verify_message", None) or seen.reason or str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (RFC 9110 §10.2.3:
    delay-seconds or an HTTP-date); ``None`` when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class _BoundedDecoder:
    """Undoes one content-coding (RFC 9110 §8.4.1: gzip, deflate) without
    ever producing more than ``limit`` bytes, however small the input."""

    def __init__(self, coding: str, limit: int) -> None:
        self.coding = coding
        self.limit = limit
        self.total = 0
        self._wbits = 16 + zlib.MAX_WBITS if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._z = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes) -> bytes:
        """Decoded bytes for ``data``; ``OverflowError`` past the limit,
        ``zlib.error`` when the data is not in the coding."""
        try:
            out = self._feed(data)
        except zlib.error:
            # "deflate" is meant to be zlib-wrapped, but some servers send raw
            # DEFLATE; switch once, before any output (RFC 9110 §8.4.1.2).
            if self._started or self._wbits != zlib.MAX_WBITS:
                raise
            self._wbits = -zlib.MAX_WBITS
            self._z = zlib.decompressobj(self._wbits)
            out = self._feed(data)
        return out

    def _feed(self, data: bytes) -> bytes:
        parts: list[bytes] = []
        pending = data
        while pending:
            chunk = self._z.decompress(pending, self.limit - self.total + 1)
            if chunk:
                self._started = True
            self.total += len(chunk)
            if self.total > self.limit:
                raise OverflowError
            parts.append(chunk)
            if self._z.eof:
                rest = self._z.unused_data
                # A gzip body may hold several members (RFC 1952 §2.2);
                # anything else after the end is ignored.
                if self._wbits > zlib.MAX_WBITS and rest[:2] == b"\x1f\x8b":
                    self._z = zlib.decompressobj(self._wbits)
                    pending = rest
                    continue
                break
            pending = self._z.unconsumed_tail
        return b"".join(parts)

    def flush(self) -> bytes:
        """What remains buffered at the end of the body."""
        tail = self._z.flush()
        self.total += len(tail)
        if self.total > self.limit:
            raise OverflowError
        return tail


async def _read_body(response: httpx.Response, url: str, limit: int, *, strict: bool) -> bytes:
    """The decoded body, at most ``limit`` bytes raw and decoded. When
    ``strict`` is false (error and redirect bodies, read only so the
    connection can be reused) an oversized body is cut short, not an error."""
    too_large = ResponseTooLarge(url, f"response larger than {limit} bytes")
    if response.is_stream_consumed:
        # An in-memory response (httpx.MockTransport, an offline transport):
        # httpx already holds the decoded body, so only its size is checked.
        if len(response.content) > limit:
            if strict:
                raise too_large
            return b""
        return response.content
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        if strict:
            raise too_large
        return b""
    codings = [c.strip().lower() for c in response.headers.get("content-encoding", "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
        if not strict:
            return b""
        raise FetchError(url, f"unsupported content-encoding {', '.join(codings)!r}")
    decoder = _BoundedDecoder(codings[0], limit) if codings else None
    # The transport's stream, read directly: httpx's raw iterator adds
    # bookkeeping per chunk that nothing here uses.
    stream = response.stream
    if not isinstance(stream, httpx.AsyncByteStream):
        raise FetchError(url, "the transport returned a synchronous body")
    parts: list[bytes] = []
    raw = 0
    try:
        async for chunk in stream:
            raw += len(chunk)
            if raw > limit:
                raise OverflowError
            parts.append(decoder.feed(chunk) if decoder else chunk)
        if decoder is not None:
            parts.append(decoder.flush())
    except OverflowError:
        if strict:
            raise too_large from None
        return b""
    except zlib.error as exc:
        if not strict:
            return b""
        raise FetchError(url, f"body is not valid {codings[0]}: {exc}") from None
    return b"".join(parts)
