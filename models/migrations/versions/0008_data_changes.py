"""data changes: one row per committed write to the dataset or to the runs, the generation that every process
checks before using what it remembers of them (the services' read cache, ``chainplan/services/_cache.py``)

Each scope starts with one row of a random stamp, so a database created again from nothing never repeats a
generation another one had.

Revision ID: 0008_data_changes
Revises: 0007
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op

revision = '0008_data_changes'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    changes = op.create_table(
        "data_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_changes")),
    )
    op.create_index("ix_data_changes_scope_id", "data_changes", ["scope", "id"])
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(changes, [{"scope": scope, "stamp": uuid.uuid4().hex, "at": now} for scope in ("dataset", "runs")])


def downgrade() -> None:
    op.drop_table("data_changes")
