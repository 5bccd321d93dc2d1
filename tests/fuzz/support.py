"""Running one input through the whole pipeline with no network (every request answers 404)."""

from __future__ import annotations

import asyncio

import httpx

from verifier.fetch import Fetcher, FetchLimits
from verifier.models import Status, VerificationResult
from verifier.pipeline import BadgeInput, verify_input
from verifier.session import Session

LIMITS = FetchLimits(timeout=1.0, retries=0)


def _no_network() -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(404, text="not found"))


def verify_offline(data: bytes | str, *, filename: str = "input", emails: tuple[str, ...] = ()) -> VerificationResult:
    """Verify ``data`` through :func:`verifier.pipeline.verify_input` with a 404-only transport."""
    raw = data.encode("utf-8") if isinstance(data, str) else data

    async def run() -> VerificationResult:
        async with Fetcher(transport=_no_network(), limits=LIMITS) as fetcher:
            return await verify_input(BadgeInput("fuzz", data=raw, filename=filename, emails=emails), Session(fetcher))

    return asyncio.run(run())


def assert_handled(result: VerificationResult) -> None:
    """A result, not a crash: a known status, a reason, no internal error, never verified by omission."""
    assert result.status in (Status.VERIFIED, Status.FAILED, Status.ERROR)
    assert "internal error" not in result.reason, result.reason
    for check in result.checks:
        assert "internal error" not in check.message, check.message
    if result.status is not Status.VERIFIED:
        assert result.reason, "a result that is not verified says why"


def assert_readable(exc: BaseException) -> None:
    """A typed error raised on purpose carries a message a user can read."""
    assert str(exc).strip(), f"{type(exc).__name__} without a message"
