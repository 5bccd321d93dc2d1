"""The first release's schema (``metadata.create_all`` at commit a2f41d8).

Creates only what is missing: a workspace made by that release already has
every table and index (and no ``alembic_version``), and is then only marked
as being at this revision; an empty database gets the whole schema.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _tables() -> list[tuple[str, list[Any], list[tuple[str, list[str]]]]]:
    """(name, columns and constraints, indexes) of every table, as the first release made them."""
    return [
        (
            "candidates",
            [
                sa.Column("candidate_id", sa.String(300), primary_key=True),
                sa.Column("name", sa.String(300), nullable=False),
                sa.Column("emails", sa.JSON, nullable=False),
                sa.Column("ats_id", sa.String(200)),
                sa.Column("badges", sa.JSON, nullable=False),
                sa.Column("rows", sa.JSON, nullable=False),
                sa.Column("updated_at", sa.String(40), nullable=False),
            ],
            [],
        ),
        (
            "results",
            [
                sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                sa.Column("candidate_id", sa.String(300), nullable=False),
                sa.Column("badge_key", sa.Text, nullable=False),
                sa.Column("status", sa.String(16), nullable=False),
                sa.Column("checked_at", sa.String(40), nullable=False),
                sa.Column("data", sa.JSON, nullable=False),
                sa.Column("job_id", sa.String(40)),
                sa.Column("item_index", sa.Integer),
                sa.Column("stored_at", sa.String(40), nullable=False),
                sa.UniqueConstraint("job_id", "item_index", name="uq_results_job_item"),
            ],
            [("ix_results_candidate_id", ["candidate_id"])],
        ),
        (
            "roles",
            [
                sa.Column("role_id", sa.String(100), primary_key=True),
                sa.Column("name", sa.String(300), nullable=False),
                sa.Column("data", sa.JSON, nullable=False),
                sa.Column("updated_at", sa.String(40), nullable=False),
            ],
            [],
        ),
        (
            "shortlists",
            [
                sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                sa.Column("name", sa.String(200), nullable=False),
                sa.Column("role_id", sa.String(100), nullable=False),
                sa.Column("data", sa.JSON, nullable=False),
                sa.Column("updated_at", sa.String(40), nullable=False),
                sa.UniqueConstraint("name", "role_id", name="uq_shortlist_name_role"),
            ],
            [],
        ),
        (
            "audit_log",
            [
                sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                sa.Column("at", sa.String(40), nullable=False),
                sa.Column("action", sa.String(40), nullable=False),
                sa.Column("detail", sa.Text, nullable=False),
                sa.Column("count", sa.Integer),
            ],
            [],
        ),
        (
            "jobs",
            [
                sa.Column("job_id", sa.String(40), primary_key=True),
                sa.Column("label", sa.String(300), nullable=False),
                sa.Column("total", sa.Integer, nullable=False),
                sa.Column("created_at", sa.String(40), nullable=False),
            ],
            [],
        ),
        (
            "job_items",
            [
                sa.Column("job_id", sa.String(40), sa.ForeignKey("jobs.job_id", ondelete="CASCADE"), primary_key=True),
                sa.Column("item_index", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("input", sa.JSON, nullable=False),
                sa.Column("candidate_id", sa.String(300)),
                sa.Column("done", sa.Boolean, nullable=False),
            ],
            [],
        ),
        (
            "catalogue_skills",
            [
                sa.Column("skill_id", sa.String(300), primary_key=True),
                sa.Column("data", sa.JSON, nullable=False),
                sa.Column("updated_at", sa.String(40), nullable=False),
            ],
            [],
        ),
    ]


def upgrade() -> None:
    """Create the first release's tables and indexes that do not exist yet."""
    inspector = sa.inspect(op.get_bind())
    for name, items, indexes in _tables():
        if not inspector.has_table(name):
            op.create_table(name, *items)
            existing: set[str] = set()
        else:
            existing = {str(ix["name"]) for ix in inspector.get_indexes(name)}
        for index, columns in indexes:
            if index not in existing:
                op.create_index(index, name, columns)


def downgrade() -> None:
    """Workspaces only move forward: restore a backup to go back."""
    raise NotImplementedError("workspaces are not downgraded; restore a backup instead")
