"""The address policy: which URLs and addresses the verifier may connect to.

Badge, issuer and key URLs come from strangers, so a URL must never make the
verifier reach into the network it runs in (loopback services, the office
LAN, a cloud metadata endpoint). This module holds the two checks that need
no connection:

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

The third step, connecting only to the vetted addresses, is
:class:`verifier.net.backend.PinnedBackend`.

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
import string
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

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
