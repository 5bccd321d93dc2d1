"""The fetcher's per-batch cache is bounded: memory stays flat for a batch of
any length, while documents many badges share stay cached."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from verifier.fetch import Fetcher, FetchLimits


def _counting_transport(hits: Counter[str], *, body: bytes = b"{}") -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        hits[request.url.path] += 1
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return httpx.MockTransport(handle)


async def test_least_recently_used_documents_are_dropped_beyond_the_entry_bound() -> None:
    hits: Counter[str] = Counter()
    async with Fetcher(transport=_counting_transport(hits), limits=FetchLimits(cache_entries=3)) as f:
        for path in ("a", "b", "c", "d"):
            await f.fetch(f"https://issuer.example/{path}")
        await f.fetch("https://issuer.example/d")  # still cached
        await f.fetch("https://issuer.example/a")  # dropped: fetched again
        assert f.stats.evictions >= 1
    assert hits["/d"] == 1
    assert hits["/a"] == 2


async def test_a_document_in_use_stays_cached_while_one_off_documents_pass_through() -> None:
    hits: Counter[str] = Counter()
    async with Fetcher(transport=_counting_transport(hits), limits=FetchLimits(cache_entries=4)) as f:
        for n in range(200):
            await f.fetch(f"https://issuer.example/assertion/{n}")
            await f.fetch("https://issuer.example/badgeclass")
    assert hits["/badgeclass"] == 1
    assert sum(hits.values()) == 201


async def test_the_byte_bound_holds_too() -> None:
    hits: Counter[str] = Counter()
    limits = FetchLimits(cache_bytes=2500)
    async with Fetcher(transport=_counting_transport(hits, body=b"x" * 1000), limits=limits) as f:
        for path in ("a", "b", "c"):
            await f.fetch(f"https://issuer.example/{path}")
        assert f._cached_bytes <= 2500
        await f.fetch("https://issuer.example/a")
    assert hits["/a"] == 2


async def test_concurrent_callers_still_share_one_fetch_under_a_tiny_bound() -> None:
    hits: Counter[str] = Counter()
    async with Fetcher(transport=_counting_transport(hits), limits=FetchLimits(cache_entries=1)) as f:
        await asyncio.gather(*(f.fetch("https://issuer.example/shared") for _ in range(50)))
    assert hits["/shared"] == 1
