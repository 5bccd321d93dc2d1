"""Workspace databases for tests: a SQLite file, and a fresh PostgreSQL schema when
``SKILLPROOF_TEST_POSTGRES_URL`` names a server (each test then works in a schema of its own)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

POSTGRES_URL = os.environ.get("SKILLPROOF_TEST_POSTGRES_URL", "").strip()
NO_POSTGRES = "SKILLPROOF_TEST_POSTGRES_URL not set"
BACKENDS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)),
]


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A database URL whose tables live in a new, empty schema (dropped afterwards)."""
    schema = "sp_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
