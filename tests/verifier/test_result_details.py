"""A result states what its badge says beyond its name (``details``), and it survives the JSON form."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from verifier.fetch import Fetcher
from verifier.models import VerificationResult, result_from_dict
from verifier.pipeline import BadgeInput, verify_input
from verifier.session import Session

COMPLETE = Path(__file__).resolve().parents[1] / "fixtures/vectors/1edtech-validator/ob30/complete.json"


def _verify(path: Path) -> VerificationResult:
    async def run() -> VerificationResult:
        async with Fetcher(transport=httpx.MockTransport(lambda r: httpx.Response(404))) as fetcher:
            return await verify_input(BadgeInput(str(path)), Session(fetcher=fetcher))

    return asyncio.run(run())


def test_an_ob3_credential_reports_its_criteria_results_and_alignments() -> None:
    result = _verify(COMPLETE)
    assert result.details is not None
    assert result.details.results  # the credential's results, with their descriptions
    assert result.details.criteria is not None
    data = result.to_dict()
    assert data["details"]["results"]
    assert result_from_dict(data).details == result.details


def test_a_result_without_details_has_no_details_key() -> None:
    plain = result_from_dict({"input": "x", "status": "error", "checks": []})
    assert plain.details is None
    assert "details" not in plain.to_dict()
