"""Shared fixtures: paths to the public vectors and the repository root."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import BACKENDS, postgres_schema

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
VECTORS = FIXTURES / "vectors"  # a copy of ../shared/vectors (see its README and provenance.json)


@pytest.fixture
def vectors() -> Path:
    """The public test vectors folder."""
    return VECTORS


@pytest.fixture(autouse=True)
def _restore_main_module() -> Iterator[None]:
    """streamlit's AppTest leaves its temporary script installed as ``__main__``;
    a process pool started later would then re-run that script in its children.
    Put the real ``__main__`` back after every test."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A workspace database URL: a SQLite file, then (when configured) a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ws' / 'skillproof.db'}"
        return
    with postgres_schema() as url:
        yield url
