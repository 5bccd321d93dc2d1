"""Known badge platforms: public page URL -> machine-readable document URL."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PlatformTarget:
    """Where to fetch a badge from, and which platform the URL belongs to (if known)."""

    url: str
    platform: str | None = None


def resolve(url: str) -> PlatformTarget:
    """Map a platform's public badge page to its Open Badges document URL."""
    return PlatformTarget(url)
