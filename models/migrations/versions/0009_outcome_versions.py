"""a version (with who changed it, when) on outcomes, for optimistic locking as appraisals have: a planner saving
a report opened before someone else saved the plan's outcome is refused rather than writing over it

Existing outcomes start at version 1, changed by no one known (an import, or before versions).

Revision ID: 0009
Revises: 0008_data_changes
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008_data_changes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("changed_by", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("changed_at")
        batch.drop_column("changed_by")
        batch.drop_column("version")
