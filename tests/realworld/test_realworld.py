"""Real credentials from real issuers give the outcome their sources expect.

The corpus, its provenance and the expected outcomes are in
``tests/realworld/manifest.json`` (see :mod:`tests.realworld.corpus`). The
whole corpus is verified once per module, offline; each credential is then
one test. A disagreement with a named cause (``known`` in the manifest) is a
strict xfail: when the cause is fixed the test fails until the mark is removed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.realworld.corpus import MANIFEST, Outcome, run_all, table


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    found = asyncio.run(run_all())
    print("\n" + table(found))
    return {o.file: o for o in found}


def _params() -> list[Any]:
    out = []
    for entry in MANIFEST["credentials"]:
        marks = [pytest.mark.xfail(reason=entry["known"], strict=True)] if entry.get("known") else []
        name = entry.get("input") or entry["file"].removeprefix("credentials/")
        out.append(pytest.param(entry, id=name, marks=marks))
    return out


@pytest.mark.parametrize("entry", _params())
def test_real_credential_gives_the_outcome_its_source_expects(
    entry: dict[str, Any], outcomes: dict[str, Outcome]
) -> None:
    got = outcomes[entry.get("input") or entry["file"]]
    assert got.agrees, (
        f"expected {got.expected} ({entry['why']}); got {got.status}, deciding check {got.deciding}: {got.reason}"
    )


def test_every_disagreement_is_explained(outcomes: dict[str, Outcome]) -> None:
    """The corpus is either in agreement or each disagreement names its cause."""
    unexplained = [o.file for o in outcomes.values() if not o.agrees and not o.entry.get("known")]
    assert not unexplained, unexplained


def test_manifest_entries_carry_provenance() -> None:
    for entry in [*MANIFEST["credentials"], *MANIFEST["documents"]]:
        source = entry["source"]
        assert source["repository"].count("/") == 1, entry
        assert len(source["commit"]) == 40, entry
        assert source["path"], entry
    for entry in MANIFEST["credentials"]:
        assert entry["expected"] in ("verified", "failed", "error"), entry
