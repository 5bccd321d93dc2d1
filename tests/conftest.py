"""Shared fixtures: paths to the public vectors and the repository root."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
VECTORS = FIXTURES / "vectors"  # a copy of ../shared/vectors (see its README and provenance.json)


@pytest.fixture
def vectors() -> Path:
    """The public test vectors folder."""
    return VECTORS
