"""SQLAlchemy 2 declarative tables: one per sheet of the data contract, plus stored allocation runs.

Column names equal the sheet's column names (``tests/unit/test_storage_schema.py`` holds them together), so the
repository moves records between the two without a hand-written mapping per table. ``position`` keeps the
order in which rows were imported, so an export lists them as the planner wrote them. Lists are JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "CHANGE_SCOPES",
    "SHEET_TABLES",
    "AllocationRunRow",
    "AppraisalRow",
    "AuditRow",
    "Base",
    "BudgetLineRow",
    "ChannelRequirementRow",
    "DataChangeRow",
    "DemandRow",
    "InspectionRow",
    "LinkRow",
    "OrganizationRow",
    "OutcomeRow",
    "PlanRequestRow",
    "PlanRow",
    "ProductRow",
    "RegionRow",
    "SignInFailureRow",
    "ToolRecordRow",
    "UserRow",
    "WebSessionRow",
]

CODE = String(64)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class RegionRow(Base):
    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(CODE)


class OrganizationRow(Base):
    __tablename__ = "organizations"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(CODE, index=True)
    is_new: Mapped[bool] = mapped_column(Boolean)
    certifications: Mapped[list[str]] = mapped_column(JSON)


class ProductRow(Base):
    __tablename__ = "products"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    group: Mapped[str] = mapped_column(String(16))
    producer_code: Mapped[str] = mapped_column(CODE, index=True)
    region_code: Mapped[str] = mapped_column(CODE)
    chain_tier: Mapped[str] = mapped_column(String(16))
    stars: Mapped[int] = mapped_column(Integer)
    ocop_score: Mapped[float | None] = mapped_column(Float)
    e_stamp: Mapped[bool] = mapped_column(Boolean)
    barcode: Mapped[bool] = mapped_column(Boolean)
    safe_food_chain: Mapped[bool] = mapped_column(Boolean)
    needs_processing: Mapped[bool] = mapped_column(Boolean)
    annual_output: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(Text)


class LinkRow(Base):
    __tablename__ = "links"
    from_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    to_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    product_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[float] = mapped_column(Float)
    volume: Mapped[float] = mapped_column(Float)
    contract: Mapped[bool] = mapped_column(Boolean)


class DemandRow(Base):
    __tablename__ = "demand"
    retailer_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    product_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    annual_demand: Mapped[float] = mapped_column(Float)


class ChannelRequirementRow(Base):
    __tablename__ = "channel_requirements"
    retailer_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    requires: Mapped[list[str]] = mapped_column(JSON)


class BudgetLineRow(Base):
    __tablename__ = "budget_lines"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    region_code: Mapped[str | None] = mapped_column(CODE)
    year: Mapped[int | None] = mapped_column(Integer, index=True)


class PlanRow(Base):
    __tablename__ = "plans"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    product_code: Mapped[str] = mapped_column(CODE, index=True)
    organization_code: Mapped[str] = mapped_column(CODE)
    purpose: Mapped[str] = mapped_column(String(32))
    expected_score: Mapped[float | None] = mapped_column(Float)
    creates_new_product: Mapped[bool] = mapped_column(Boolean)
    creates_organization: Mapped[bool] = mapped_column(Boolean)
    enters_supermarket: Mapped[bool] = mapped_column(Boolean)
    adds_e_stamp: Mapped[bool] = mapped_column(Boolean)
    joins_safe_food_chain: Mapped[bool] = mapped_column(Boolean)
    new_links: Mapped[list[str]] = mapped_column(JSON)
    success_probability: Mapped[float] = mapped_column(Float)
    priority_points: Mapped[float] = mapped_column(Float)
    requires_plan: Mapped[str | None] = mapped_column(CODE)
    excludes_plans: Mapped[list[str]] = mapped_column(JSON)
    year: Mapped[int | None] = mapped_column(Integer, index=True)


class PlanRequestRow(Base):
    __tablename__ = "plan_requests"
    plan_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    budget_line_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)


class AppraisalRow(Base):
    __tablename__ = "appraisals"
    plan_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    stage: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    appraised_on: Mapped[dt.date | None] = mapped_column(Date)
    appraiser: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Not sheet columns: the row's version for optimistic locking, and who changed it when (migration 0005).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    changed_by: Mapped[str] = mapped_column(Text, default="", server_default="")
    changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class OutcomeRow(Base):
    """What a funded plan delivered, as last reported."""

    __tablename__ = "outcomes"
    plan_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    reported_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    disbursed_vnd: Mapped[int | None] = mapped_column(BigInteger)
    ocop_score: Mapped[float | None] = mapped_column(Float)
    new_product: Mapped[bool] = mapped_column(Boolean)
    new_organization: Mapped[bool] = mapped_column(Boolean)
    entered_supermarket: Mapped[bool] = mapped_column(Boolean)
    e_stamp: Mapped[bool] = mapped_column(Boolean)
    safe_food_chain: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text)
    # Not sheet columns: the row's version for optimistic locking, and who changed it when (migration 0008).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    changed_by: Mapped[str] = mapped_column(Text, default="", server_default="")
    changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class InspectionRow(Base):
    """One inspection of an organization's site, point of sale or label use."""

    __tablename__ = "inspections"
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    organization_code: Mapped[str] = mapped_column(CODE, index=True)
    inspected_on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(String(16))
    finding: Mapped[str] = mapped_column(Text)
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)


class ToolRecordRow(Base):
    """An appraisal or an outcome recorded in the tool (web form, command line) since the last import that
    replaced it: an import's preview names these when the file would overwrite them. ``stage`` is blank for an
    outcome."""

    __tablename__ = "tool_records"
    sheet: Mapped[str] = mapped_column(String(32), primary_key=True)
    plan_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    stage: Mapped[str] = mapped_column(String(16), primary_key=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(Text)


class AllocationRunRow(Base):
    """One allocation run, stored as it came out: never updated, so a decision can cite it later."""

    __tablename__ = "allocation_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    scenario_name: Mapped[str] = mapped_column(Text, index=True)
    scenario: Mapped[dict[str, Any]] = mapped_column(JSON)
    dataset_fingerprint: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    objective: Mapped[float | None] = mapped_column(Float)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(Text, server_default="")
    solver: Mapped[str | None] = mapped_column(String(16))
    solver_version: Mapped[str | None] = mapped_column(String(64))
    timings: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AuditRow(Base):
    """One entry of the committee's decision log; like runs, never updated or deleted (triggers refuse it)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(16))
    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("allocation_runs.id"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    by: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, server_default="")


class UserRow(Base):
    """Someone who signs in to the web interface; the password is stored only as a scrypt hash."""

    __tablename__ = "users"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    changed_by: Mapped[str] = mapped_column(Text, default="", server_default="")
    changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebSessionRow(Base):
    """A signed-in browser; the cookie holds a token whose SHA-256 is ``key``. Deleting the row ends it."""

    __tablename__ = "web_sessions"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class SignInFailureRow(Base):
    """A refused sign-in, for throttling by name and by address (kept an hour)."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_user_name_at", "user_name", "at"),
                      Index("ix_sign_in_failures_address_at", "address", "at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_name: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class DataChangeRow(Base):
    """One committed write to what pages show, added in the writer's own transaction: the data generation that
    every process reading the database checks before using what it remembers (``models.uow`` writes these rows,
    the repository's ``data_version`` reads them). Rows are only ever added, so concurrent writers never contend
    for one row."""

    __tablename__ = "data_changes"
    __table_args__ = (Index("ix_data_changes_scope_id", "scope", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: ``dataset`` (a sheet's rows or the marks of what the tool recorded) or ``runs`` (a stored run, a decision).
    scope: Mapped[str] = mapped_column(String(16))
    #: Random, so that a database created again from nothing never repeats a generation an earlier one had.
    stamp: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


#: The table behind each sheet, in the order the sheets are written (deleting goes the other way).
SHEET_TABLES: dict[str, type[Base]] = {
    "regions": RegionRow,
    "organizations": OrganizationRow,
    "products": ProductRow,
    "links": LinkRow,
    "demand": DemandRow,
    "channel_requirements": ChannelRequirementRow,
    "budget_lines": BudgetLineRow,
    "plans": PlanRow,
    "plan_requests": PlanRequestRow,
    "appraisals": AppraisalRow,
    "outcomes": OutcomeRow,
    "inspections": InspectionRow,
}

#: What a write to each table changes (``data_changes.scope``, :data:`chainplan.ports.CHANGE_SCOPES`); a table not
#: named here (users, sessions, sign-in failures) changes nothing the services remember.
CHANGE_SCOPES: dict[str, str] = {
    **{table.__tablename__: "dataset" for table in SHEET_TABLES.values()},
    ToolRecordRow.__tablename__: "dataset",
    AllocationRunRow.__tablename__: "runs",
    AuditRow.__tablename__: "runs",
}
