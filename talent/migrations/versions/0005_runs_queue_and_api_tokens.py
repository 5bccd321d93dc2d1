"""Verification runs as a queue in the database, and API tokens.

- ``runs``: one row per verification run (state, total, when);
- ``job_items`` gains ``run_id`` (the run the item belongs to), ``claim`` and
  ``claimed_at`` (which worker holds it, since when), indexed by run and done;
- ``api_tokens``: bearer tokens of the HTTP API, stored as SHA-256 hashes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the runs and api_tokens tables and the queue columns of job_items."""
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(40), primary_key=True),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("started_at", sa.String(40)),
        sa.Column("finished_at", sa.String(40)),
    )
    # batch: SQLite adds a column with a foreign key by copying the table
    with op.batch_alter_table("job_items") as batch:
        batch.add_column(sa.Column("run_id", sa.String(40)))
        batch.add_column(sa.Column("claim", sa.String(40)))
        batch.add_column(sa.Column("claimed_at", sa.Float))
        batch.create_foreign_key("fk_job_items_run_id_runs", "runs", ["run_id"], ["run_id"], ondelete="SET NULL")
        batch.create_index("ix_job_items_run_done", ["run_id", "done"])
    op.create_table(
        "api_tokens",
        sa.Column("token_id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("last_used_at", sa.String(40)),
    )


def downgrade() -> None:
    """Workspaces only move forward: restore a backup to go back."""
    raise NotImplementedError("workspaces are not downgraded; restore a backup instead")
