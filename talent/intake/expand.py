"""Profile links replaced by the badges they list.

:func:`expand_extractions` reads every distinct profile link of a batch once,
through the verifier's guarded fetcher (:func:`verifier.profiles.expand_profile`),
at most ``max_badges`` badges per profile, and returns the extractions with
each profile link replaced by its badges (``from_profile`` = the profile).
A profile that cannot be listed stays as it is and adds a problem naming the
platform, so nothing the candidate gave is lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

import httpx

from talent.intake.links import classify
from talent.intake.model import Extraction, Link
from verifier.fetch import Fetcher, FetchLimits
from verifier.profiles import DEFAULT_MAX_BADGES, ProfileBadges, expand_profile


async def expand_extractions(
    extractions: Sequence[Extraction], fetcher: Fetcher, *, max_badges: int = DEFAULT_MAX_BADGES
) -> list[Extraction]:
    """The extractions with profile links expanded (see the module docstring)."""
    profiles = list(dict.fromkeys(link.url for e in extractions for link in e.links if link.kind == "profile"))
    listed = await asyncio.gather(*(expand_profile(fetcher, url, max_badges=max_badges) for url in profiles))
    by_url: dict[str, ProfileBadges] = dict(zip(profiles, listed, strict=True))
    out: list[Extraction] = []
    for e in extractions:
        links: dict[str, Link] = {}
        problems = list(e.problems)
        for link in e.links:
            got = by_url.get(link.url) if link.kind == "profile" else None
            if got is None:
                links.setdefault(link.url, link)
                continue
            if got.error:
                links.setdefault(link.url, link)
                problems.append(got.error)
                continue
            for badge in got.badges:
                found = classify(badge, from_profile=link.url)
                if found.kind != "badge":  # a listing names assertions: they are verified as badges
                    found = Link(badge, "badge", found.platform or got.platform, "", link.url)
                links.setdefault(badge, found)
            if not got.badges:
                problems.append(f"{link.url}: the profile lists no public badges")
            if got.truncated:
                shown = f" of {got.total}" if got.total else ""
                problems.append(
                    f"{link.url}: only the first {len(got.badges)}{shown} badges were taken (limit {max_badges})"
                )
            if got.skipped:
                problems.append(f"{link.url}: {len(got.skipped)} entries could not be used ({got.skipped[0]})")
        out.append(replace(e, links=tuple(links.values()), problems=tuple(problems)))
    return out


def expand_sync(
    extractions: Sequence[Extraction],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    max_badges: int = DEFAULT_MAX_BADGES,
    limits: FetchLimits | None = None,
) -> list[Extraction]:
    """:func:`expand_extractions` with a fetcher of its own (``transport`` as the fetcher takes it)."""

    async def run() -> list[Extraction]:
        async with Fetcher(transport=transport, limits=limits) as fetcher:
            return await expand_extractions(extractions, fetcher, max_badges=max_badges)

    return asyncio.run(run())
