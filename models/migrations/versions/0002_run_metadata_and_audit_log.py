"""runs carry who ran them, the solver and its version and timings; an append-only audit log of decisions;
the database refuses any change to a stored run or an audit row

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

#: Tables whose rows, once written, are never updated or deleted (a decision cites them).
APPEND_ONLY = ("allocation_runs", "audit_log")
_MESSAGE = "chainplan: stored runs and the audit log are never changed or deleted"


def upgrade() -> None:
    op.add_column("allocation_runs", sa.Column("created_by", sa.Text(), nullable=False, server_default=""))
    op.add_column("allocation_runs", sa.Column("solver", sa.String(length=16), nullable=True))
    op.add_column("allocation_runs", sa.Column("solver_version", sa.String(length=64), nullable=True))
    op.add_column("allocation_runs", sa.Column("timings", sa.JSON(), nullable=True))
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["run_id"], ["allocation_runs.id"], name=op.f("fk_audit_log_run_id_allocation_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_year"), "audit_log", ["year"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION chainplan_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{_MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql
        """)
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION chainplan_refuse_change()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION chainplan_refuse_change()")
    else:
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS chainplan_refuse_change()")
    else:
        for table in APPEND_ONLY:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
    op.drop_index(op.f("ix_audit_log_year"), table_name="audit_log")
    op.drop_table("audit_log")
    with op.batch_alter_table("allocation_runs") as batch:
        for column in ("timings", "solver_version", "solver", "created_by"):
            batch.drop_column(column)
