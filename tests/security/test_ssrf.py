"""The SSRF guard: hostile targets are refused before any connection, on
every redirect hop and after DNS; connections go only to vetted addresses;
``allow_hosts`` opens exactly the named host (and port)."""

from __future__ import annotations

import asyncio
import re
import socket
from collections import Counter

import httpx
import pytest

from tests.reliability.faultserver import LoopbackServer, RecordingBackend, Request, reply, tls_contexts
from verifier.errors import BlockedAddress, FetchError
from verifier.fetch import Fetcher, FetchLimits
from verifier.net import NetGuard, allow_host_entry, blocked_reason, guarded_transport

PUBLIC = "93.184.216.34"  # stands for any public address; never connected to (see RecordingBackend)

# Test-controlled DNS: host -> answers.
DNS: dict[str, list[str]] = {
    "public.issuer.test": [PUBLIC],
    "private.issuer.test": ["10.1.2.3"],
    "mixed.issuer.test": [PUBLIC, "127.0.0.1"],
    "metadata-alias.issuer.test": ["169.254.169.254"],
    "v6-loopback.issuer.test": ["::1"],
    "mapped.issuer.test": ["::ffff:10.0.0.1"],
    "cgnat.issuer.test": ["100.100.100.200"],
    "ula.issuer.test": ["fd12:3456::1"],
}


def fake_dns(host: str) -> list[str]:
    if host not in DNS:
        raise OSError(f"NXDOMAIN {host}")
    return DNS[host]


# (url, what the refusal must say)
HOSTILE: list[tuple[str, str]] = [
    ("http://127.0.0.1/", "loopback"),
    ("http://127.0.0.53:53/", "loopback"),
    ("https://127.0.0.1:443/", "loopback"),
    ("http://10.0.0.1/", "private network"),
    ("http://172.16.0.1/", "private network"),
    ("http://172.31.255.255/", "private network"),
    ("http://192.168.1.1/", "private network"),
    ("http://100.64.0.1/", "carrier-grade NAT"),
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("http://169.254.1.1/", "link-local"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://0.1.2.3/", "this network"),
    ("http://224.0.0.1/", "multicast"),
    ("http://255.255.255.255/", "broadcast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://198.18.0.1/", "benchmarking"),
    ("http://192.0.2.10/", "documentation"),
    ("http://[::1]/", "loopback"),
    ("http://[::]/", "unspecified"),
    ("http://[::ffff:127.0.0.1]/", "IPv4-mapped IPv6 form of 127.0.0.1"),
    ("http://[::ffff:7f00:1]/", "IPv4-mapped IPv6 form of 127.0.0.1"),
    ("http://[::ffff:a9fe:a9fe]/", "IPv4-mapped IPv6 form of 169.254.169.254, cloud metadata"),
    ("http://[::127.0.0.1]/", "IPv4-compatible IPv6 form of 127.0.0.1"),
    ("http://[64:ff9b::7f00:1]/", "NAT64 IPv6 form of 127.0.0.1"),
    ("http://[2002:a9fe:a9fe::1]/", "6to4 IPv6 form of 169.254.169.254"),
    ("http://[fd00:ec2::254]/", "cloud metadata"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fc00::1]/", "unique-local"),
    ("http://[ff02::1]/", "multicast"),
    ("http://[2001:db8::1]/", "documentation"),
    ("http://2130706433/", "resolvers read it as 127.0.0.1"),
    ("http://0x7f.1/", "resolvers read it as 127.0.0.1"),
    ("http://0x7f000001/", "resolvers read it as 127.0.0.1"),
    ("http://0177.0.0.1/", "resolvers read it as 127.0.0.1"),
    ("http://017700000001/", "resolvers read it as 127.0.0.1"),
    ("http://127.1/", "resolvers read it as 127.0.0.1"),
    ("http://0/", "resolvers read it as 0.0.0.0"),
    ("http://10.1/", "resolvers read it as 10.0.0.1"),
    ("http://good@127.0.0.1/", "userinfo"),
    ("http://user:secret@public.issuer.test/", "userinfo"),
    ("http://localhost/", "loopback name"),
    ("http://LOCALHOST./", "loopback name"),
    ("http://api.localhost:8080/", "loopback name"),
    ("http://metadata.google.internal/computeMetadata/v1/", "cloud metadata"),
    ("http://metadata/", "cloud metadata"),
    ("http://printer.local/", "multicast DNS"),
    ("http://private.issuer.test/", "resolves to 10.1.2.3"),
    ("http://mixed.issuer.test/", "resolves to 127.0.0.1"),
    ("http://metadata-alias.issuer.test/", "resolves to 169.254.169.254, cloud metadata"),
    ("http://v6-loopback.issuer.test/", "resolves to ::1"),
    ("http://mapped.issuer.test/", "resolves to ::ffff:10.0.0.1"),
    ("http://cgnat.issuer.test/", "resolves to 100.100.100.200"),
    ("http://ula.issuer.test/", "resolves to fd12:3456::1"),
]

# Refusals that need DNS; with a caller's transport and no resolver they are not made.
NEEDS_DNS = {url for url, why in HOSTILE if "resolves to" in why}


@pytest.mark.parametrize(("url", "why"), HOSTILE, ids=[u for u, _ in HOSTILE])
async def test_a_hostile_target_is_refused_without_connecting(url: str, why: str) -> None:
    backend = RecordingBackend()
    async with Fetcher(resolver=fake_dns, network_backend=backend) as fetcher:
        with pytest.raises(BlockedAddress) as info:
            await fetcher.fetch(url)
    assert why in info.value.reason
    assert backend.attempts == []
    assert fetcher.stats.requests == 0


@pytest.mark.parametrize(("url", "why"), [c for c in HOSTILE if c[0] not in NEEDS_DNS])
async def test_a_hostile_literal_is_refused_with_a_mock_transport_too(url: str, why: str) -> None:
    handled: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        handled.append(request)
        return httpx.Response(200)

    async with Fetcher(transport=httpx.MockTransport(handler)) as fetcher:
        with pytest.raises(BlockedAddress):
            await fetcher.fetch(url)
    assert handled == []


def test_there_are_at_least_thirty_hostile_targets() -> None:
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize(
    "address",
    [PUBLIC, "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:81c::200e", "::ffff:8.8.8.8"],
)
def test_a_public_address_is_not_blocked(address: str) -> None:
    import ipaddress

    assert blocked_reason(ipaddress.ip_address(address)) is None


async def test_a_resolver_with_a_mock_transport_vets_dns_answers() -> None:
    handled: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        handled.append(str(request.url))
        return httpx.Response(200, content=b"{}")

    async with Fetcher(transport=httpx.MockTransport(handler), resolver=fake_dns) as fetcher:
        with pytest.raises(BlockedAddress, match=re.escape("resolves to 10.1.2.3")):
            await fetcher.fetch("http://private.issuer.test/badge")
        await fetcher.fetch("http://public.issuer.test/badge")
    assert handled == ["http://public.issuer.test/badge"]


async def test_a_mock_transport_without_a_resolver_does_no_dns() -> None:
    # Documented behaviour: a caller's transport makes no real connection, so
    # only URL checks apply and names are not resolved.
    lookups: list[str] = []

    def resolver(host: str) -> list[str]:
        lookups.append(host)
        return ["10.0.0.1"]

    async with Fetcher(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as fetcher:
        await fetcher.fetch("http://private.issuer.test/badge")
    assert lookups == []


async def test_an_unresolvable_host_is_a_fetch_error_without_connecting() -> None:
    backend = RecordingBackend()
    async with Fetcher(resolver=fake_dns, network_backend=backend) as fetcher:
        with pytest.raises(FetchError, match=re.escape("cannot resolve host nowhere.test")) as info:
            await fetcher.fetch("http://nowhere.test/")
    assert not isinstance(info.value, BlockedAddress)
    assert backend.attempts == []


# -- redirects ------------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/secret",
        "http://localhost:{port}/secret",
        "http://2130706433:{port}/secret",
        "http://[::ffff:127.0.0.1]:{port}/secret",
        "http://169.254.169.254/latest/meta-data/",
        "http://private.issuer.test/secret",
        "http://good@public.issuer.test/secret",
        "file:///etc/passwd",
    ],
)
async def test_a_redirect_from_a_public_host_to_an_internal_one_is_refused(location: str) -> None:
    async def redirector(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 302, b"", headers=[("Location", location.format(port=srv.port))])
        return True

    srv = LoopbackServer(redirector)
    async with srv:
        # public.issuer.test vets as PUBLIC; the backend carries that connection to the loopback server.
        backend = RecordingBackend(route_to=("127.0.0.1", srv.port))
        async with Fetcher(resolver=fake_dns, network_backend=backend) as fetcher:
            with pytest.raises(FetchError) as info:
                await fetcher.fetch("http://public.issuer.test/badge")
    assert isinstance(info.value, BlockedAddress) or "scheme" in info.value.reason
    assert srv.hits == Counter({"/badge": 1})
    assert backend.attempts == [(PUBLIC, 80)]


async def test_every_hop_is_checked_with_a_mock_transport() -> None:
    handled: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        handled.append(str(request.url))
        return httpx.Response(301, headers={"Location": "http://[::ffff:169.254.169.254]/latest/"})

    async with Fetcher(transport=httpx.MockTransport(handler)) as fetcher:
        with pytest.raises(BlockedAddress, match="cloud metadata"):
            await fetcher.fetch("https://issuer.example.org/badge")
    assert handled == ["https://issuer.example.org/badge"]


# -- allow_hosts (--allow-host) ------------------------------------------------------


async def test_allow_host_with_port_opens_exactly_that_host_and_port() -> None:
    async def ok(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 200, b'{"ok": true}')
        return True

    async with (
        LoopbackServer(ok) as allowed,
        LoopbackServer(ok) as other,
        Fetcher(allow_hosts=[allowed.origin], limits=FetchLimits(timeout=2.0)) as fetcher,
    ):
        response = await fetcher.fetch(allowed.url("/doc"))
        assert response.json() == {"ok": True}
        refused = [
            other.url("/doc"),  # same host, another port
            f"http://localhost:{allowed.port}/doc",  # another name for it
            f"http://127.0.0.2:{allowed.port}/doc",  # another loopback address
            f"http://[::ffff:127.0.0.1]:{allowed.port}/doc",  # another spelling
            f"http://2130706433:{allowed.port}/doc",
            f"http://127.0.0.1:{allowed.port}@{allowed.origin}/doc",
        ]
        for url in refused:
            with pytest.raises(BlockedAddress):
                await fetcher.fetch(url)
    assert allowed.total_hits == 1
    assert other.total_hits == 0


async def test_allow_host_without_port_opens_every_port_of_that_host() -> None:
    async def ok(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 200, b"{}")
        return True

    async with (
        LoopbackServer(ok) as a,
        LoopbackServer(ok) as b,
        Fetcher(allow_hosts=["127.0.0.1"], limits=FetchLimits(timeout=2.0)) as fetcher,
    ):
        await fetcher.fetch(a.url("/doc"))
        await fetcher.fetch(b.url("/doc"))
    assert a.total_hits == b.total_hits == 1


async def test_an_allowed_name_connects_to_its_private_answer() -> None:
    async def ok(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 200, b"{}")
        return True

    async with LoopbackServer(ok) as srv:
        backend = RecordingBackend(route_to=("127.0.0.1", srv.port))
        async with Fetcher(allow_hosts=["private.issuer.test"], resolver=fake_dns, network_backend=backend) as fetcher:
            await fetcher.fetch("http://private.issuer.test/doc")
            with pytest.raises(BlockedAddress):
                await fetcher.fetch("http://mixed.issuer.test/doc")
    assert backend.attempts == [("10.1.2.3", 80)]


# -- DNS pinning ------------------------------------------------------------------------


class RebindingDNS:
    """Answers ``first`` to the first lookup and ``later`` to every other one."""

    def __init__(self, first: str, later: str) -> None:
        self.first, self.later = first, later
        self.calls = 0

    async def __call__(self, host: str) -> list[str]:
        self.calls += 1
        return [self.first if self.calls == 1 else self.later]


async def test_a_second_dns_answer_cannot_swap_the_checked_address() -> None:
    hosts: list[str] = []

    async def ok(request: Request, writer: asyncio.StreamWriter) -> bool:
        hosts.append(request.headers.get("host", ""))
        await reply(writer, 200, b"{}")
        return False  # close, so that every request needs a new connection

    dns = RebindingDNS(first=PUBLIC, later="127.0.0.1")
    async with LoopbackServer(ok) as srv:
        backend = RecordingBackend(route_to=("127.0.0.1", srv.port))
        async with Fetcher(resolver=dns, network_backend=backend) as fetcher:
            for i in range(5):
                await fetcher.fetch(f"http://rebind.issuer.test/doc/{i}", use_cache=False)
    # Five connections, every one to the address that was checked, none by name.
    assert backend.attempts == [(PUBLIC, 80)] * 5
    assert dns.calls == 1
    assert hosts == ["rebind.issuer.test"] * 5  # the Host header keeps the name


async def test_a_private_first_answer_is_refused_even_if_a_later_one_is_public() -> None:
    dns = RebindingDNS(first="127.0.0.1", later=PUBLIC)
    backend = RecordingBackend()
    async with Fetcher(resolver=dns, network_backend=backend) as fetcher:
        for _ in range(3):
            with pytest.raises(BlockedAddress, match=re.escape("resolves to 127.0.0.1")):
                await fetcher.fetch("http://rebind.issuer.test/doc", use_cache=False)
    assert backend.attempts == []
    assert dns.calls == 1


async def test_concurrent_requests_to_one_host_share_one_lookup() -> None:
    async def ok(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 200, b"{}")
        return True

    dns = RebindingDNS(first=PUBLIC, later="10.0.0.1")
    async with LoopbackServer(ok) as srv:
        backend = RecordingBackend(route_to=("127.0.0.1", srv.port))
        async with Fetcher(resolver=dns, network_backend=backend) as fetcher:
            await asyncio.gather(*(fetcher.fetch(f"http://shared.issuer.test/{i}") for i in range(30)))
    assert dns.calls == 1
    assert {address for address, _ in backend.attempts} == {PUBLIC}


async def test_the_guarded_transport_refuses_a_private_answer_on_its_own() -> None:
    # For callers that need a network transport of their own (e.g. a fallback
    # behind an offline transport): it vets DNS answers and pins connections.
    backend = RecordingBackend()
    transport = guarded_transport(resolver=fake_dns, network_backend=backend)
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(BlockedAddress, match=re.escape("resolves to 10.1.2.3")):
            await client.get("http://private.issuer.test/")
        with pytest.raises(httpx.ConnectError):
            await client.get("http://public.issuer.test/")
    assert backend.attempts == [(PUBLIC, 80)]


def _own_host_answers() -> list[str]:
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, type=socket.SOCK_STREAM)
    except OSError:
        return []
    return [str(info[4][0]) for info in infos]


async def test_the_system_resolver_is_vetted_by_default() -> None:
    import ipaddress

    answers = _own_host_answers()
    if not answers or any(blocked_reason(ipaddress.ip_address(a.split("%")[0])) is None for a in answers):
        pytest.skip("this machine's own host name does not resolve to internal addresses only")
    backend = RecordingBackend()
    async with Fetcher(network_backend=backend) as fetcher:
        with pytest.raises(BlockedAddress, match="resolves to"):
            await fetcher.fetch(f"http://{socket.gethostname()}/")
    assert backend.attempts == []


async def test_tls_is_verified_for_the_host_name_while_the_connection_is_pinned() -> None:
    async def ok(request: Request, writer: asyncio.StreamWriter) -> bool:
        await reply(writer, 200, b'{"tls": true}')
        return True

    server_tls, client_tls = tls_contexts(names=["tls.issuer.test"])
    answers = {"tls.issuer.test": [PUBLIC], "wrong-name.issuer.test": [PUBLIC]}
    async with LoopbackServer(ok, tls=server_tls) as srv:
        backend = RecordingBackend(route_to=("127.0.0.1", srv.port))
        async with Fetcher(resolver=answers.__getitem__, network_backend=backend, ssl_context=client_tls) as fetcher:
            response = await fetcher.fetch("https://tls.issuer.test/doc")
            with pytest.raises(FetchError, match="TLS failed") as info:
                await fetcher.fetch("https://wrong-name.issuer.test/doc")
    assert response.json() == {"tls": True}
    assert "wrong-name.issuer.test" in info.value.reason
    # Both connections went to the vetted address; the failed handshake was not retried.
    assert backend.attempts == [(PUBLIC, 443), (PUBLIC, 443)]
    assert srv.total_hits == 1


async def test_an_expired_answer_is_looked_up_again_and_vetted_again() -> None:
    dns = RebindingDNS(first=PUBLIC, later="127.0.0.1")
    guard = NetGuard(resolver=dns, answer_ttl=0.0)
    assert await guard.addresses("rebind.issuer.test", 443) == (PUBLIC,)
    with pytest.raises(BlockedAddress, match=re.escape("resolves to 127.0.0.1")):
        await guard.addresses("rebind.issuer.test", 443)
    assert dns.calls == 2


async def test_an_answer_within_its_lifetime_is_reused() -> None:
    dns = RebindingDNS(first=PUBLIC, later="127.0.0.1")
    guard = NetGuard(resolver=dns)
    for _ in range(3):
        assert await guard.addresses("rebind.issuer.test", 443) == (PUBLIC,)
    assert dns.calls == 1


@pytest.mark.parametrize("entry", ["issuer.internal", "127.0.0.1:8080", "[::1]:8443", "::1", "Bücher.example:443"])
def test_a_well_formed_allow_host_entry_is_accepted(entry: str) -> None:
    assert allow_host_entry(entry) == entry


@pytest.mark.parametrize("entry", ["", "http://issuer/", "issuer/path", "user@issuer", "issuer:port", "a b", "[::1"])
def test_a_malformed_allow_host_entry_is_refused(entry: str) -> None:
    with pytest.raises(ValueError, match="HOST or HOST:PORT"):
        allow_host_entry(entry)
