"""Fixtures for the dashboard tests: a workspace in a temporary data directory, offline."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

DASHBOARD = ROOT / "dashboard.py"
PAGES = sorted((ROOT / "pages").glob("*.py"))


def _use(data: Path, *, sample: bool) -> dict[str, str | None]:
    saved = {k: os.environ.get(k) for k in ("SKILLPROOF_DATA_DIR", "SKILLPROOF_OFFLINE", "SKILLPROOF_NO_SAMPLE")}
    os.environ["SKILLPROOF_DATA_DIR"] = str(data)
    os.environ["SKILLPROOF_OFFLINE"] = "1"
    if sample:
        os.environ.pop("SKILLPROOF_NO_SAMPLE", None)
    else:
        os.environ["SKILLPROOF_NO_SAMPLE"] = "1"
    return saved


def _restore(saved: dict[str, str | None]) -> None:
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="module")
def sample_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data directory holding the sample workspace, loaded and verified offline once per module."""
    data = tmp_path_factory.mktemp("sample-workspace")
    saved = _use(data, sample=True)
    from ui.sample import load_sample
    from ui.workspace import workspace

    load_sample(workspace())
    yield data
    _restore(saved)


@pytest.fixture
def empty_workspace(tmp_path: Path) -> Iterator[Path]:
    """An empty data directory (the sample is not loaded), offline."""
    saved = _use(tmp_path, sample=False)
    yield tmp_path
    _restore(saved)
