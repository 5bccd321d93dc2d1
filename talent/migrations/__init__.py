"""Schema migrations of the workspace database (Alembic), applied when a workspace is opened.

:func:`upgrade` brings a database to the newest revision. The first revision
(``0001``) is the schema of the first release (``metadata.create_all`` at
commit a2f41d8); it creates only the tables that are missing, so a workspace
made by that release (which has the tables and no ``alembic_version``)
upgrades in place without losing a row, and an empty database starts from
nothing. Each later revision changes the schema one step.

Several app servers may share one PostgreSQL workspace and start at once:
the upgrade runs in one transaction (PostgreSQL's DDL is transactional)
holding a transaction-level advisory lock, so one server migrates and the
others wait, then find the database at the newest revision. On SQLite (one
machine) a writer that loses the race sees the new revision and goes on.

A new revision, from the repository root (``talent/migrations/alembic.ini``
reads the workspace URL like the app does)::

    alembic -c talent/migrations/alembic.ini revision -m "what changes"
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

HERE = Path(__file__).resolve().parent
# pg_advisory_xact_lock takes a 64-bit key; this one is "SkillPro" in ASCII.
ADVISORY_LOCK_KEY = 0x536B696C6C50726F
# Alembic's command context is process-global: one upgrade at a time in a process.
_in_process = threading.Lock()


def config() -> Config:
    """The Alembic configuration of the workspace migrations (no ini file needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return cfg


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision."""
    found = ScriptDirectory.from_config(config()).get_current_head()
    if found is None:  # pragma: no cover - the versions folder ships with the package
        raise RuntimeError("no migration revisions found")
    return found


def current(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated, e.g. empty or made by the first release)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision; a no-op (one small query) when it is there already."""
    if current(engine) == head():
        return
    try:
        with _in_process:
            _upgrade(engine)
    except DBAPIError:
        # SQLite: another process migrated between our check and our write; fine if it got to the end.
        if engine.dialect.name == "postgresql" or current(engine) != head():
            raise


def _upgrade(engine: Engine) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # held until this transaction ends: a second server waits here, then finds nothing to do
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        cfg = config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
