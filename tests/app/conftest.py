"""Fixtures for the dashboard tests: a workspace in a temporary data directory, offline."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from talent.worker import Worker
from tests.conftest import ROOT
from ui.verification import make_transport, verify_all

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
    with _server_worker():
        yield data
    _restore(saved)


@pytest.fixture
def empty_workspace(tmp_path: Path) -> Iterator[Path]:
    """An empty data directory (the sample is not loaded), offline, with a verification worker as the
    app server has (pages only queue runs; the worker verifies them)."""
    saved = _use(tmp_path, sample=False)
    with _server_worker():
        yield tmp_path
    _restore(saved)


@contextmanager
def _server_worker() -> Iterator[Worker]:
    from ui.workspace import workspace

    worker = Worker(workspace(), verify=verify_all, transport_factory=make_transport, poll_seconds=0.05)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
