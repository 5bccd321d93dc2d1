"""Fetched documents kept with the results that used them.

- ``documents``: each fetched document's body once, by its SHA-256;
- ``result_documents``: which documents one stored result depended on, in
  the order they were fetched (URL asked for, Accept, final URL, redirects,
  status, media type, SHA-256 of the body).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the documents and result_documents tables."""
    op.create_table(
        "documents",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("stored_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "result_documents",
        sa.Column("result_id", sa.Integer, sa.ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("accept", sa.String(300), nullable=False),
        sa.Column("final_url", sa.Text, nullable=False),
        sa.Column("redirects", sa.JSON, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("content_type", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("documents.sha256"), nullable=False),
    )


def downgrade() -> None:
    """Workspaces only move forward: restore a backup to go back."""
    raise NotImplementedError("workspaces are not downgraded; restore a backup instead")
