"""The public Open Badges 2.0 vectors (1EdTech validator fixtures) give the
outcomes that manifest.json expects.

The documents under each vector's 'origins' are served by an
``httpx.MockTransport``. As in the validator's own tests, a hosted vector is
also served at its own ``id`` (the verifier re-fetches the assertion from
there), and so is the assertion baked into ``simple-badge.png``.

``now`` is fixed at 2025-01-01T00:00:00Z: after every ``issuedOn`` of the
vectors meant to be valid (the latest is 2022-12-31), after the expired
vector's ``expires`` (2022-11-15), and before the "in-future" vector's
``issuedOn`` (2100-12-31), so each vector's intended outcome holds whatever
day the suite runs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.mock import folder_transport
from verifier import baked
from verifier.fetch import Fetcher
from verifier.models import Outcome, Status
from verifier.pipeline import BadgeInput, verify_input
from verifier.session import Session

VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "vectors"
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _ob2_entries() -> list[dict[str, Any]]:
    manifest = json.loads((VECTORS / "manifest.json").read_text("utf-8"))
    entries = manifest["vectors"] if isinstance(manifest, dict) else manifest
    by_file = {e["file"]: e for e in entries}
    out = []
    for entry in entries:
        if "/ob20/" not in entry["file"]:
            continue
        origins = entry.get("origins")
        if isinstance(origins, str) and origins.startswith("as "):
            # "as simple.jwt": the origins of the named vector in the same folder
            sibling = entry["file"].rsplit("/", 1)[0] + "/" + origins[3:]
            origins = by_file[sibling]["origins"]
        out.append({**entry, "origins": origins or {}})
    return out


ENTRIES = _ob2_entries()


def _served_assertion(path: Path) -> str | None:
    """The assertion text a vector needs served at its own id, if hosted."""
    if path.suffix == ".json":
        return path.read_text("utf-8")
    if path.suffix == ".png":
        payload = baked.extract_png(path.read_bytes())
        return payload if payload.lstrip().startswith("{") else None
    return None


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"].rsplit("/", 1)[-1] for e in ENTRIES])
async def test_ob2_vector_gives_manifest_outcome(entry: dict[str, Any]) -> None:
    path = VECTORS / entry["file"]
    extra: dict[str, str] = {}
    served = _served_assertion(path)
    if served is not None:
        extra[json.loads(served)["id"]] = served
    async with Fetcher(
        transport=folder_transport({p: VECTORS / f for p, f in entry["origins"].items()}, extra)
    ) as fetcher:
        result = await verify_input(BadgeInput(str(path)), Session(fetcher=fetcher, now=NOW))
    summary = [(c.id, c.outcome.value, c.message) for c in result.checks]
    assert result.status is Status(entry["status"]), summary
    if entry["status"] == "failed":
        decisive = next(c for c in result.checks if c.outcome is Outcome.FAIL and not c.indeterminate)
        assert decisive.id == entry["check"], summary
    elif entry["status"] == "error":
        undetermined = next(c for c in result.checks if c.outcome is Outcome.FAIL)
        assert undetermined.indeterminate, summary
        assert undetermined.id == entry["check"], summary
    else:
        assert result.issuer.id, summary
        assert result.achievement.name, summary


def test_manifest_lists_the_ob2_vectors_this_suite_relies_on() -> None:
    files = {e["file"].rsplit("/", 1)[-1] for e in ENTRIES}
    assert {"simple.jwt", "simple-revoked.jwt", "simple-badge.png", "basic-assertion.json"} <= files


@pytest.mark.parametrize(
    ("name", "check"),
    [("warning-with-redirection.json", "structure"), ("warning-issuer-non-http.json", "hosted")],
)
async def test_validator_warning_vectors_verify_with_a_warning(name: str, check: str) -> None:
    """Not in the manifest: the 1EdTech validator reports these as warnings, not errors."""
    path = VECTORS / "1edtech-validator" / "ob20" / name
    served = path.read_text("utf-8")
    origins = {p: VECTORS / f for p, f in ENTRIES[0]["origins"].items()}
    async with Fetcher(transport=folder_transport(origins, {json.loads(served)["id"]: served})) as fetcher:
        result = await verify_input(BadgeInput(str(path)), Session(fetcher=fetcher, now=NOW))
    assert result.status is Status.VERIFIED, [(c.id, c.outcome.value, c.message) for c in result.checks]
    warned = result.check(check)
    assert warned is not None
    assert warned.outcome is Outcome.WARN
