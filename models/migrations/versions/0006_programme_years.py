"""programme years: plans and budget lines carry a year; outcomes and inspections are stored

Existing rows take the year of the latest decision recorded in the audit log (the year their runs were adopted
for), else the current calendar year, so a database from before programme years keeps its decisions readable.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 01:15:00
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

CODE = sa.String(64)


def upgrade() -> None:
    bind = op.get_bind()
    latest = bind.execute(sa.text("SELECT MAX(year) FROM audit_log")).scalar()
    year = int(latest) if latest is not None else dt.date.today().year
    for table in ("budget_lines", "plans"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("year", sa.Integer(), nullable=True))
            batch.create_index(f"ix_{table}_year", ["year"])
        op.execute(sa.text(f"UPDATE {table} SET year = :year WHERE year IS NULL").bindparams(year=year))
    op.create_table(
        "outcomes",
        sa.Column("plan_code", CODE, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("disbursed_vnd", sa.BigInteger(), nullable=True),
        sa.Column("ocop_score", sa.Float(), nullable=True),
        sa.Column("new_product", sa.Boolean(), nullable=False),
        sa.Column("new_organization", sa.Boolean(), nullable=False),
        sa.Column("entered_supermarket", sa.Boolean(), nullable=False),
        sa.Column("e_stamp", sa.Boolean(), nullable=False),
        sa.Column("safe_food_chain", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("plan_code", name="pk_outcomes"),
    )
    op.create_table(
        "inspections",
        sa.Column("code", CODE, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("organization_code", CODE, nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_inspections"),
    )
    op.create_index("ix_inspections_organization_code", "inspections", ["organization_code"])


def downgrade() -> None:
    op.drop_index("ix_inspections_organization_code", table_name="inspections")
    op.drop_table("inspections")
    op.drop_table("outcomes")
    for table in ("plans", "budget_lines"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_year")
            batch.drop_column("year")
