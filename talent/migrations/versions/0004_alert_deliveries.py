"""Alert deliveries: one row per (channel, event), so an alert is sent once, across restarts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the ``alert_deliveries`` table."""
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("event_key", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.UniqueConstraint("channel", "event_key", name="uq_alert_deliveries_channel_event"),
    )


def downgrade() -> None:
    """Workspaces only move forward: restore a backup to go back."""
    raise NotImplementedError("workspaces are not downgraded; restore a backup instead")
