"""import preview: remember which appraisals and outcomes were recorded in the tool since the last import, and
place each programme year's rows in its own block of positions

An import replaces only the years it contains; storage keeps each year's rows together, oldest year first
(``chainplan.years.year_position``), so that loading gives the same order whichever years were imported when.
Existing rows move into their year's block, keeping their order.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

#: Rows of one year of one sheet (``chainplan.years._ROWS_PER_YEAR``); year Y's block starts at (Y - 1999) x this.
BLOCK = 10_000_000


def upgrade() -> None:
    op.create_table(
        "tool_records",
        sa.Column("sheet", sa.String(32), nullable=False),
        sa.Column("plan_code", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("sheet", "plan_code", "stage", name="pk_tool_records"),
    )
    for table in ("plans", "budget_lines"):
        op.execute(sa.text(f"UPDATE {table} SET position = position + (year - 1999) * {BLOCK} "
                           f"WHERE year IS NOT NULL AND position < {BLOCK}"))
    for table in ("plan_requests", "appraisals"):
        op.execute(sa.text(
            f"UPDATE {table} SET position = position + COALESCE((SELECT (plans.year - 1999) * {BLOCK} FROM plans "
            f"WHERE plans.code = {table}.plan_code AND plans.year IS NOT NULL), 0) WHERE position < {BLOCK}"))


def downgrade() -> None:
    for table in ("plans", "budget_lines", "plan_requests", "appraisals"):
        op.execute(sa.text(f"UPDATE {table} SET position = MOD(position, {BLOCK})"))
    op.drop_table("tool_records")
