"""The SSRF guard: which addresses the verifier may connect to, and a
connection layer that connects only to addresses that passed the check.

Badge, issuer and key URLs come from strangers, so a URL must never make the
verifier reach into the network it runs in (loopback services, the office
LAN, a cloud metadata endpoint). The guard works in three steps:

1. :meth:`NetGuard.check` validates the URL itself (no I/O): scheme http or
   https, a host, no userinfo, a bounded length, no control characters; a
   literal IP host must be public; numeric hosts written in decimal, octal,
   hex or short form (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``)
   are refused outright, since resolvers disagree on what they mean; special
   names (``localhost``, ``metadata.google.internal``, ...) are refused.
2. :meth:`NetGuard.addresses` resolves a host name (through the injected
   resolver) and refuses it when ANY answer is not public. Answers are kept
   per guard (one batch; see ``answer_ttl``), so a host is resolved once and
   concurrent requests share the lookup.
3. :class:`PinnedBackend` (an httpcore network backend) connects to the
   addresses that step 2 vetted and never hands a host name to the operating
   system, so a second DNS answer cannot swap the address (DNS rebinding).
   TLS still uses the host name for SNI and certificate checks: the
   connection layer (:class:`OriginPools`, the fetcher's HTTP/1.1 client, or
   :class:`PinnedTransport`, httpx's) starts TLS on the returned stream
   with the URL's host as ``server_hostname``.

Hosts named in ``allow_hosts`` (``HOST`` or ``HOST:PORT``, the CLI's
``--allow-host``) skip the address checks in steps 1 and 2 for that host
(and port) only; URL syntax rules still apply.

What counts as not public (every range names its registry entry or RFC):
loopback, RFC 1918 private, link-local, carrier-grade NAT, "this network",
unspecified, multicast, broadcast, reserved, benchmarking, IETF protocol
assignments, unique-local and site-local IPv6, discard-only, Teredo, ORCHID,
the cloud metadata addresses, and the IPv4-mapped, IPv4-compatible,
IPv4-translated, 6to4 and NAT64 forms of any blocked IPv4 address.
Documentation ranges (TEST-NET-1/2/3, 2001:db8::/32) are refused too: they
are never assigned to a real host (RFC 5737, RFC 3849), so a public issuer
cannot live there and refusing them costs nothing.
"""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import re
import socket
import ssl
import string
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpcore
import httptools
import httpx

from verifier.errors import BlockedAddress, FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: A resolver maps a host name to its IP addresses (strings), sync or async.
Resolver = Callable[[str], "Iterable[str] | Awaitable[Iterable[str]]"]

#: Longest URL accepted. RFC 9110 §4.1 asks for at least 8000 octets of
#: support; badge and key URLs are far shorter, so a smaller bound rejects
#: junk early without refusing anything real.
MAX_URL_LENGTH = 4096

_ALLOWED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

# IANA IPv4 Special-Purpose Address Registry (RFC 6890 and its updates).
# Order matters: the first match names the reason.
_V4_BLOCKED: tuple[tuple[ipaddress.IPv4Network, str], ...] = tuple(
    (ipaddress.IPv4Network(net), why)
    for net, why in (
        ("169.254.169.254/32", "cloud metadata endpoint"),
        ("100.100.100.200/32", "cloud metadata endpoint"),
        ("0.0.0.0/32", "unspecified address"),
        ("0.0.0.0/8", '"this network" (RFC 1122)'),
        ("10.0.0.0/8", "private network (RFC 1918)"),
        ("100.64.0.0/10", "carrier-grade NAT (RFC 6598)"),
        ("127.0.0.0/8", "loopback (RFC 1122)"),
        ("169.254.0.0/16", "link-local (RFC 3927)"),
        ("172.16.0.0/12", "private network (RFC 1918)"),
        ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
        ("192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)"),
        ("192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)"),
        ("192.168.0.0/16", "private network (RFC 1918)"),
        ("198.18.0.0/15", "benchmarking (RFC 2544)"),
        ("198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)"),
        ("203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)"),
        ("224.0.0.0/4", "multicast (RFC 5771)"),
        ("255.255.255.255/32", "limited broadcast (RFC 919)"),
        ("240.0.0.0/4", "reserved (RFC 1112)"),
    )
)

# IANA IPv6 Special-Purpose Address Registry. Prefixes that embed an IPv4
# address are handled first (see _embedded_v4), these are the rest.
_V6_BLOCKED: tuple[tuple[ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.IPv6Network(net), why)
    for net, why in (
        ("::/128", "unspecified address"),
        ("::1/128", "loopback (RFC 4291)"),
        ("fd00:ec2::254/128", "cloud metadata endpoint"),
        ("64:ff9b:1::/48", "local-use IPv4/IPv6 translation (RFC 8215)"),
        ("100::/64", "discard-only (RFC 6666)"),
        ("2001::/32", "Teredo tunnel (RFC 4380)"),
        ("2001:2::/48", "benchmarking (RFC 5180)"),
        ("2001:10::/28", "ORCHID (RFC 4843)"),
        ("2001:20::/28", "ORCHIDv2 (RFC 7343)"),
        ("2001:db8::/32", "documentation (RFC 3849)"),
        ("fc00::/7", "unique-local (RFC 4193)"),
        ("fe80::/10", "link-local (RFC 4291)"),
        ("fec0::/10", "site-local (RFC 3879)"),
        ("ff00::/8", "multicast (RFC 4291)"),
    )
)

_V4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")  # RFC 4291 §2.5.5.2
_V4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # RFC 2765 §2.1
_V4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # RFC 4291 §2.5.5.1, deprecated
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 §2.1
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")  # RFC 3056 §2

# Names that never lead to a public issuer, whatever DNS says.
_BLOCKED_NAMES = {
    "localhost": "loopback name (RFC 6761 §6.3)",
    "metadata": "cloud metadata service name",
    "metadata.google.internal": "cloud metadata service name",
    "metadata.goog": "cloud metadata service name",
    "instance-data": "cloud metadata service name",
}
_BLOCKED_SUFFIXES = (
    (".localhost", "loopback name (RFC 6761 §6.3)"),
    (".local", "multicast DNS name (RFC 6762)"),
    (".internal", "private-use top-level domain"),
    (".home.arpa", "home network name (RFC 8375)"),
    (".localdomain", "local name"),
)

_HEX = frozenset(string.hexdigits)
# Whitespace, control characters and backslashes: never valid in a URL
# (RFC 3986 §2), and read differently by different parsers.
_FORBIDDEN_URL_CHARS = re.compile(r"[\x00-\x20\x7f\\]")
# Origins whose verdict is remembered per guard.
_MAX_ORIGINS = 4096


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be connected to, or ``None`` when it is public.

    IPv6 forms that carry an IPv4 address (mapped, compatible, translated,
    6to4, NAT64) are judged by the IPv4 address they carry.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        return _v6_reason(ip)
    return _v4_reason(ip)


def _v4_reason(ip: ipaddress.IPv4Address) -> str | None:
    for net, why in _V4_BLOCKED:
        if ip in net:
            return why
    if not ip.is_global:
        return "not a globally routable address"
    return None


def _embedded_v4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, str] | None:
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _V4_MAPPED:
        return low32, "IPv4-mapped"
    if ip in _V4_TRANSLATED:
        return low32, "IPv4-translated"
    if ip in _NAT64:
        return low32, "NAT64"
    if ip in _SIX_TO_FOUR:
        return ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF), "6to4"
    if ip in _V4_COMPATIBLE and int(ip) > 1:
        return low32, "IPv4-compatible"
    return None


def _v6_reason(ip: ipaddress.IPv6Address) -> str | None:
    if ip.scope_id:
        ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
    embedded = _embedded_v4(ip)
    if embedded is not None:
        v4, form = embedded
        why = _v4_reason(v4)
        if why is not None:
            return f"{form} IPv6 form of {v4}, {why}"
        if form in ("IPv4-compatible", "IPv4-translated"):
            return f"{form} IPv6 address (deprecated)"
        return None
    for net, why in _V6_BLOCKED:
        if ip in net:
            return why
    if ip.is_reserved:
        return "reserved (RFC 4291)"
    if not ip.is_global:
        return "not a globally routable address"
    return None


def _numeric_part(part: str) -> int | None:
    """One part of a WHATWG IPv4 host: decimal, 0x-hex or 0-octal."""
    if part[:2] in ("0x", "0X"):
        digits = part[2:]
        if digits and not set(digits) <= _HEX:
            return None
        return int(digits, 16) if digits else 0
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8) if set(part) <= set("01234567") else None
    return int(part) if part.isdigit() else None


def _looks_numeric(host: str) -> bool:
    """WHATWG URL "ends in a number": the last label is decimal or 0x-hex."""
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    last = labels[-1] if labels else ""
    if last.isdigit() and last.isascii():
        return True
    return last[:2] in ("0x", "0X") and set(last[2:]) <= _HEX


def _parse_numeric_host(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a lenient parser (WHATWG URL, inet_aton) reads in
    ``host``, or ``None`` when it is no valid address at all."""
    parts = host.rstrip(".").split(".") if host != "." else []
    if not parts or len(parts) > 4 or any(p == "" for p in parts):
        return None
    values = [_numeric_part(p) for p in parts]
    if any(v is None for v in values):
        return None
    nums = [v for v in values if v is not None]
    if any(v > 255 for v in nums[:-1]) or nums[-1] >= 256 ** (5 - len(nums)):
        return None
    value = nums[-1]
    for i, v in enumerate(nums[:-1]):
        value += v << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def _numeric_refusal(host: str) -> _Refusal | None:
    """Refuse a numeric host unless it is a canonical dotted quad."""
    ip = _parse_numeric_host(host)
    if ip is None:
        return _Refusal(FetchError, f"malformed numeric host {host!r}")
    if str(ip) == host:
        return None
    return _Refusal(
        BlockedAddress,
        f"refused numeric host {host!r}: non-canonical IPv4 form (resolvers read it as {ip}); write the address as a.b.c.d",
    )


def normalize_host(host: str) -> str:
    """A host as compared by the guard: lower case, no IPv6 brackets, no
    trailing dot."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host.endswith(".") and host != ".":
        host = host[:-1]
    return host


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class _Refusal:
    error: type[FetchError]
    reason: str


@dataclass(frozen=True, slots=True)
class _Origin:
    scheme: str
    host: str
    port: int
    netloc: str
    ip: IPAddress | None
    allowed: bool
    raw_host: bytes
    explicit_port: int | None


@dataclass(frozen=True, slots=True)
class Target:
    """A URL that passed :meth:`NetGuard.check`: the parsed URL, its
    normalized host, effective port, and the literal IP when the host is one."""

    url: httpx.URL
    scheme: str
    host: str
    port: int
    netloc: str
    ip: IPAddress | None
    allowed: bool


def allow_host_entry(text: str) -> str:
    """``text`` if it is a valid ``HOST`` or ``HOST:PORT`` allow-list entry,
    else ``ValueError`` saying so (usable as an argparse ``type``)."""
    AllowList._parse(text)
    return text


class AllowList:
    """``HOST`` or ``HOST:PORT`` entries that lift the address checks.

    ``HOST`` matches every port; ``HOST:PORT`` only that port. Hosts are
    compared after :func:`normalize_host` and IDNA encoding, exactly as URLs'
    hosts are. A malformed entry raises ``ValueError`` naming it.
    """

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self._any_port: set[str] = set()
        self._ports: set[tuple[str, int]] = set()
        for entry in entries:
            host, port = self._parse(entry)
            if port is None:
                self._any_port.add(host)
            else:
                self._ports.add((host, port))

    @staticmethod
    def _parse(entry: str) -> tuple[str, int | None]:
        text = str(entry).strip()
        if not text or any(c in text for c in "/@?#\\ ") or "://" in text:
            raise ValueError(f"allowed host must be HOST or HOST:PORT, got {entry!r}")
        if text.count(":") > 1 and not text.startswith("["):
            text = f"[{text}]"  # a bare IPv6 address
        try:
            url = httpx.URL(f"http://{text}/")
        except httpx.InvalidURL as exc:
            raise ValueError(f"allowed host must be HOST or HOST:PORT, got {entry!r}: {exc}") from None
        host = normalize_host(url.raw_host.decode("ascii"))
        if not host:
            raise ValueError(f"allowed host must be HOST or HOST:PORT, got {entry!r}")
        return host, url.port

    def allows(self, host: str, port: int) -> bool:
        """True when ``host`` (normalized) on ``port`` is listed."""
        return host in self._any_port or (host, port) in self._ports

    def __bool__(self) -> bool:
        return bool(self._any_port or self._ports)


def _fail(url: str, reason: str) -> FetchError:
    return FetchError(url, reason)


def _short(url: str) -> str:
    return url if len(url) <= 200 else url[:200] + "…"


class NetGuard:
    """Decides whether a URL may be fetched and which addresses its host may
    be connected to. One guard serves one batch: its DNS answers are cached
    (and pinned) for its lifetime.

    ``resolver`` maps a host name to IP strings (sync or async). When
    ``resolve`` is false, :meth:`vet` applies only the checks that need no
    DNS (used when a custom transport makes no real connection).

    An answer is reused (and connections pinned to it) for ``answer_ttl``
    seconds, a failed lookup for ``failure_ttl``; after that a long-lived
    guard looks the host up again and vets the new answer before any
    connection uses it. DNS TTLs are not available from ``getaddrinfo``,
    hence fixed bounds.
    """

    def __init__(
        self,
        *,
        allow_hosts: Iterable[str] = (),
        resolver: Resolver | None = None,
        resolve: bool = True,
        max_url_length: int = MAX_URL_LENGTH,
        answer_ttl: float = 300.0,
        failure_ttl: float = 30.0,
    ) -> None:
        self.allow = AllowList(allow_hosts)
        self.resolver: Resolver = resolver or system_resolver
        self.resolve = resolve
        self.max_url_length = max_url_length
        self.lookups = 0
        self.answer_ttl = answer_ttl
        self.failure_ttl = failure_ttl
        self._answers: dict[str, asyncio.Task[tuple[str, ...]]] = {}
        self._expires: dict[str, float] = {}
        self._origins: dict[tuple[str, str], _Origin | _Refusal] = {}

    # -- step 1: the URL itself -------------------------------------------

    def check(self, url: object) -> Target:
        """Validate ``url`` without any I/O; a :class:`Target`, or
        :class:`FetchError` (malformed) / :class:`BlockedAddress` (refused).

        The verdict on an origin (scheme and authority) is worked out once
        per guard; each URL then costs a parse.
        """
        if not isinstance(url, str):
            raise _fail(_short(repr(url)), f"URL must be a string, not {type(url).__name__}")
        if not url:
            raise _fail(url, "empty URL")
        if len(url) > self.max_url_length:
            raise _fail(_short(url), f"URL longer than {self.max_url_length} characters ({len(url)})")
        bad = _FORBIDDEN_URL_CHARS.search(url)
        if bad is not None:
            raise _fail(_short(url), f"URL contains a forbidden character {bad.group()!r}")
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            raise _fail(_short(url), f"malformed URL: {exc}") from None
        key = (parts.scheme.lower(), parts.netloc.lower())
        origin = self._origins.get(key)
        if origin is None:
            origin = self._judge(parts)
            if len(self._origins) >= _MAX_ORIGINS:
                self._origins.clear()
            self._origins[key] = origin
        if isinstance(origin, _Refusal):
            raise origin.error(_short(url), origin.reason)
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:
            raise _fail(_short(url), f"malformed URL: {exc}") from None
        if parsed.raw_host != origin.raw_host or parsed.port != origin.explicit_port:
            # Never expected: the origin was judged from the same authority.
            raise _fail(_short(url), "ambiguous URL authority")
        return Target(parsed, origin.scheme, origin.host, origin.port, origin.netloc, origin.ip, origin.allowed)

    def _judge(self, parts: SplitResult) -> _Origin | _Refusal:
        """The verdict on one origin, from its scheme and authority alone."""
        scheme = parts.scheme.lower()
        if not scheme:
            return _Refusal(FetchError, "not an absolute URL (no scheme)")
        if scheme not in _ALLOWED_SCHEMES:
            return _Refusal(FetchError, f"unsupported URL scheme {scheme!r}: only http and https can be fetched")
        if "@" in parts.netloc:
            return _Refusal(BlockedAddress, "URLs with userinfo (user@host) are refused")
        try:
            raw_port = parts.port
        except ValueError as exc:
            return _Refusal(FetchError, f"malformed URL: {exc}")
        if raw_port == 0:
            return _Refusal(FetchError, "port 0 cannot be connected to")
        raw_host = normalize_host(parts.hostname or "")
        if not raw_host:
            return _Refusal(FetchError, "URL has no host")
        if ":" not in raw_host and _looks_numeric(raw_host):
            refusal = _numeric_refusal(raw_host)
            if refusal is not None:
                return refusal
        try:
            parsed = httpx.URL(f"{scheme}://{parts.netloc}/")
            port = parsed.port
        except (httpx.InvalidURL, ValueError) as exc:
            return _Refusal(FetchError, f"malformed URL: {exc}")
        if parsed.userinfo:
            return _Refusal(BlockedAddress, "URLs with userinfo (user@host) are refused")
        host = normalize_host(parsed.raw_host.decode("ascii"))
        if not host:
            return _Refusal(FetchError, "URL has no host")
        if "%" in host:
            return _Refusal(FetchError, "IPv6 zone identifiers are not allowed in URLs")
        if ":" not in host and _looks_numeric(host):
            refusal = _numeric_refusal(host)
            if refusal is not None:
                return refusal
        effective_port = port if port is not None else _DEFAULT_PORTS[scheme]
        ip = _literal_ip(host)
        allowed = self.allow.allows(host, effective_port)
        if not allowed:
            if ip is not None:
                why = blocked_reason(ip)
                if why is not None:
                    return _Refusal(BlockedAddress, f"refused to connect to {ip}: {why}")
            else:
                why = _name_reason(host)
                if why is not None:
                    return _Refusal(BlockedAddress, f"refused to connect to {host}: {why}")
        shown = f"[{host}]" if ":" in host else host
        netloc = shown if port is None else f"{shown}:{port}"
        return _Origin(scheme, host, effective_port, netloc, ip, allowed, parsed.raw_host, port)

    # -- step 2: the addresses a host resolves to -------------------------

    async def vet(self, target: Target) -> tuple[str, ...]:
        """The addresses ``target`` may be connected to (already checked);
        raises :class:`BlockedAddress` when any answer is not public. Without
        DNS (``resolve`` false) a host name yields ``()``."""
        if target.ip is not None:
            return (str(target.ip),)
        if not self.resolve:
            return ()
        return await self.addresses(target.host, target.port, url=str(target.url))

    async def addresses(self, host: str, port: int, *, url: str | None = None) -> tuple[str, ...]:
        """Vetted IP strings for ``host``: a literal is checked as is; a name
        is resolved once per guard (concurrent callers share the lookup) and
        refused when any answer is not public, unless the host is allowed."""
        host = normalize_host(host)
        where = url or f"{host}:{port}"
        allowed = self.allow.allows(host, port)
        ip = _literal_ip(host)
        if ip is not None:
            if not allowed:
                why = blocked_reason(ip)
                if why is not None:
                    raise BlockedAddress(where, f"refused to connect to {ip}: {why}")
            return (str(ip),)
        if ":" not in host and _looks_numeric(host):
            raise BlockedAddress(where, f"refused numeric host {host!r}")
        if not allowed:
            why = _name_reason(host)
            if why is not None:
                raise BlockedAddress(where, f"refused to connect to {host}: {why}")
        answers = await self._lookup(host, where)
        if not allowed:
            for answer in answers:
                why = _answer_reason(answer)
                if why is not None:
                    raise BlockedAddress(where, f"refused to connect to {host}: it resolves to {answer}, {why}")
        return answers

    async def _lookup(self, host: str, where: str) -> tuple[str, ...]:
        task = self._answers.get(host)
        if task is not None and task.done() and (task.cancelled() or self._expires.get(host, 0.0) <= time.monotonic()):
            task = None  # a long-lived guard looks again, and vets the new answer
        if task is None:
            self.lookups += 1
            task = asyncio.ensure_future(self._resolve(host))
            task.add_done_callback(self._expiry(host))
            self._answers[host] = task
        try:
            return await asyncio.shield(task)
        except FetchError as exc:
            raise FetchError(where, exc.reason) from None

    def _expiry(self, host: str) -> Callable[[asyncio.Task[tuple[str, ...]]], None]:
        def done(task: asyncio.Task[tuple[str, ...]]) -> None:
            failed = task.cancelled() or task.exception() is not None
            self._expires[host] = time.monotonic() + (self.failure_ttl if failed else self.answer_ttl)

        return done

    async def _resolve(self, host: str) -> tuple[str, ...]:
        try:
            result: Any = self.resolver(host)
            if inspect.isawaitable(result):
                result = await result
            answers = tuple(dict.fromkeys(str(a) for a in result))
        except FetchError:
            raise
        except (OSError, UnicodeError, ValueError) as exc:
            raise FetchError(host, f"cannot resolve host {host}: {exc}") from None
        if not answers:
            raise FetchError(host, f"cannot resolve host {host}: no addresses")
        return answers

    async def aclose(self) -> None:
        """Cancel lookups still running."""
        for task in self._answers.values():
            task.cancel()


def _name_reason(host: str) -> str | None:
    if host in _BLOCKED_NAMES:
        return _BLOCKED_NAMES[host]
    for suffix, why in _BLOCKED_SUFFIXES:
        if host.endswith(suffix):
            return why
    return None


def _answer_reason(answer: str) -> str | None:
    ip = _literal_ip(answer.split("%", 1)[0])
    if ip is None:
        return "not an IP address"
    return blocked_reason(ip)


async def system_resolver(host: str) -> list[str]:
    """The operating system's answers for ``host`` (``getaddrinfo``)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(host, f"cannot resolve host {host}: {exc.strerror or exc}") from None
    return [str(info[4][0]) for info in infos]


# -- step 3: connections go to vetted addresses only ------------------------


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
def _ssl_context() -> ssl.SSLContext:
    # One verifying context (certifi roots) shared by every fetcher: building
    # one costs milliseconds, and a context is safe to share.
    return httpx.create_ssl_context()


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's pooled HTTP/1.1 transport, connecting through :class:`PinnedBackend`.

    httpx 0.28 has no argument for a network backend, so the connection pool
    the base class builds is replaced by an identical one that has it.
    Environment proxies are ignored: a proxy would resolve names itself and
    defeat the pinning.
    """

    def __init__(
        self,
        guard: NetGuard,
        *,
        limits: httpx.Limits,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        context = ssl_context or _ssl_context()
        super().__init__(verify=context, trust_env=False, limits=limits)
        self.pool = self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=PinnedBackend(guard, network_backend),
        )


# -- a lean HTTP/1.1 client over the pinned connections ----------------------

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


def _httpx_error(exc: Exception) -> Exception:
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
                raise _httpx_error(exc) from exc
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
                raise _httpx_error(exc) from exc
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
                context = self._ssl_context or _ssl_context()
                stream = await stream.start_tls(context, server_hostname=host, timeout=timeout)
        except (httpcore.NetworkError, httpcore.TimeoutException) as exc:
            raise _httpx_error(exc) from exc
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
    limits: httpx.Limits | None = None,
    network_backend: httpcore.AsyncNetworkBackend | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> PinnedTransport:
    """A pooled network transport with a guard of its own, for code that must
    hand a real transport to something else (say, the fallback behind an
    offline transport): every connection is vetted and pinned when it is
    made, so a host that resolves to an internal address raises
    :class:`BlockedAddress` even when no URL check ran before.
    :class:`verifier.fetch.Fetcher` builds one by itself when given no
    transport; prefer that.
    """
    guard = NetGuard(allow_hosts=allow_hosts, resolver=resolver)
    return PinnedTransport(
        guard, limits=limits or httpx.Limits(), network_backend=network_backend, ssl_context=ssl_context
    )
