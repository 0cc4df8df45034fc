"""appraisals keep the appraiser's remarks (a note), recorded from the web page or imported

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appraisals") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("appraisals") as batch:
        batch.drop_column("note")
