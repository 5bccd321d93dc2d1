"""Alembic's entry: migrate the connection :func:`talent.migrations.upgrade` hands over, or, from the
``alembic`` command line, the workspace database the app would open (:func:`talent.storage.database_url`)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from talent.storage import database_url, metadata


def _run() -> None:
    given = context.config.attributes.get("connection")
    if given is not None:
        # batch mode: SQLite cannot ALTER most things in place; Alembic copies the table instead
        context.configure(connection=given, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(database_url())
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


_run()
