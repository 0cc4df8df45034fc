"""The SQLAlchemy repository: rows <-> :class:`chainplan.dataset.Dataset`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Sequence
from typing import Any

import numpy as np
from sqlalchemy import JSON, Table, delete, func, insert, select, true, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, defer

from chainplan.appraisal import Appraisal
from chainplan.dataset import Dataset
from chainplan.imports import ToolRecord
from chainplan.ports import AuditEntry, EditStamp, SignInFailure, StoredRun, User, WebSession
from chainplan.recording import DELIVERY_FLAGS, Inspection, Outcome
from chainplan.schema import SHEETS, Column
from chainplan.years import ROWS_PER_YEAR, YEARLY_SHEETS, row_years, year_position, years_in
from models.tables import (
    CHANGE_SCOPES,
    SHEET_TABLES,
    AllocationRunRow,
    AppraisalRow,
    AuditRow,
    DataChangeRow,
    InspectionRow,
    OutcomeRow,
    PlanRow,
    SignInFailureRow,
    ToolRecordRow,
    UserRow,
    WebSessionRow,
)

__all__ = ["SqlAlchemyRepository"]


def _year_positions(years: Sequence[object]) -> list[int]:
    """Each row's position: its year's block, then its place among that year's rows (:func:`year_position`)."""
    seen: dict[object, int] = {}
    positions = []
    for year in years:
        key = int(year) if isinstance(year, int | np.integer) else None  # pandas' NA: no year
        index = seen.get(key, 0)
        seen[key] = index + 1
        positions.append(year_position(key, index))
    return positions


def _from_storage(column: Column, values: Sequence[object]) -> Sequence[object] | np.ndarray:
    """Values as the driver returned them -> the domain's, a whole column at a time.

    SQLite keeps booleans as 0/1 and JSON and dates as text. Text, numbers, money and booleans become arrays in their
    final form (blanks already given the column's default), which :meth:`Dataset.from_columns` takes as they are; a
    column an array cannot hold exactly (a blank in a money column) is left to the dataset's own path.
    """
    kind = column.kind
    if kind in ("code", "text", "enum"):
        # The driver gives text or None: an object array of them, blanks given the column's default.
        default = column.default
        texts = np.empty(len(values), dtype=object)
        texts[:] = values if default is None else [default if v is None else v for v in values]
        return texts
    try:
        if kind == "bool" and not column.default:
            return np.array(values, dtype=bool)  # None, 0 -> False; 1 -> True
        if kind == "number":
            numbers = np.array(values, dtype=float)  # None -> NaN
            if column.default is not None:
                numbers[np.isnan(numbers)] = float(column.default)  # type: ignore[arg-type]
            return numbers
        if kind in ("money", "integer"):
            return np.array(values, dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        pass  # a blank or an out-of-range value: the dataset's per-value path handles it
    if kind == "bool":
        return [None if v is None else bool(v) for v in values]
    if kind == "list":
        documents = ["null" if v is None else v for v in values]
        if all(type(v) is str for v in documents):
            # One parse for the whole column: each stored text is one JSON document, so joined by commas they
            # make one array (its length shows that each was one value).
            parsed = json.loads("[" + ",".join(documents) + "]")  # type: ignore[arg-type]
            if len(parsed) == len(documents):
                return parsed
        return [json.loads(v) if isinstance(v, str | bytes) else v for v in values]
    if kind == "date":
        return [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in values]
    return list(values)


def _chunks(values: Sequence[str], size: int = 900) -> list[Sequence[str]]:
    """``values`` in pieces small enough for one ``IN (...)`` (SQLite allows 999 parameters by default)."""
    return [values[start:start + size] for start in range(0, len(values), size)]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an aware UTC time (SQLite gives it back without its zone; every time is written in UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SqlAlchemyRepository:
    """Reads and replaces the whole dataset inside the caller's session (the unit of work commits)."""

    def __init__(self, session: Session):
        self.session = session

    def ping(self) -> None:
        self.session.execute(select(1)).scalar_one()

    def data_version(self, scope: str) -> str | None:
        """The generation of ``scope`` in this transaction's snapshot (one query, then remembered until the
        transaction ends: a snapshot's generation cannot move); ``None`` once the transaction wrote to it, and for a
        database that has recorded no change to ``scope`` yet.

        Rows of ``data_changes`` are only added, and a snapshot sees every change committed before it: two snapshots
        that count as many rows saw the same changes (the newest id alone would not do: ids are handed out when a
        transaction writes, not when it commits). The newest row's random stamp tells one database's history from
        another's. ``models.uow.TrackedSession`` keeps the scopes written and the generations read in the
        session's ``info``.
        """
        self.session.flush()  # objects added but not yet flushed are writes too
        if scope in self.session.info.get("changed_scopes", ()):
            return None
        seen: dict[str, str] = self.session.info.setdefault("seen_versions", {})
        if scope not in seen:
            newest = (select(DataChangeRow.stamp).where(DataChangeRow.scope == scope)
                      .order_by(DataChangeRow.id.desc()).limit(1).scalar_subquery())
            count, stamp = self.session.execute(
                select(func.count(), newest).select_from(DataChangeRow).where(DataChangeRow.scope == scope)).one()
            # A database with no change recorded yet (one written before migration 0008, or one just made) has no
            # stamp to tell its history from another's: it has no generation, and nothing read from it is kept.
            seen[scope] = f"{scope}:{count}:{stamp}" if count else ""
        return seen[scope] or None

    def load(self, years: Collection[int] | None = None) -> Dataset:
        """The whole dataset, read column by column; with ``years``, the yearly sheets hold only those years' rows
        (the current-state sheets are whole): what an import of those years compares with.

        Plain tuples from the driver's cursor, converted by the schema's column kinds: building SQLAlchemy rows
        and running their type processors cost more than the query for a national dataset (200,000 rows).
        """
        connection = self.session.connection()
        cursor = connection.connection.cursor()
        columns: dict[str, dict[str, Sequence[object] | np.ndarray]] = {}
        chosen = None if years is None else sorted(int(y) for y in years)
        try:
            for sheet, table in SHEET_TABLES.items():
                names = SHEETS[sheet].column_names
                query = select(*(table.__table__.c[name] for name in names)).order_by(table.__table__.c.position)
                if chosen is not None and sheet in ("plans", "budget_lines"):
                    query = query.where(table.__table__.c.year.in_(chosen))
                elif chosen is not None and sheet in ("plan_requests", "appraisals"):
                    query = query.where(table.__table__.c.plan_code.in_(
                        select(PlanRow.code).where(PlanRow.year.in_(chosen))))
                cursor.execute(str(query.compile(dialect=connection.dialect,
                                                 compile_kwargs={"literal_binds": True})))
                rows = cursor.fetchall()
                values = list(zip(*rows, strict=True)) if rows else [() for _ in names]
                columns[sheet] = {
                    column.name: _from_storage(column, column_values)
                    for column, column_values in zip(SHEETS[sheet].columns, values, strict=True)
                }
        finally:
            cursor.close()
        return Dataset.from_columns(columns)

    def plan_years(self) -> list[int]:
        """The years that have plans, oldest first."""
        years = self.session.execute(select(PlanRow.year).where(PlanRow.year.is_not(None)).distinct()).scalars()
        return sorted(int(y) for y in years if y is not None)

    def year_index(self, incoming: Dataset) -> Dataset:
        """Of the plans and budget lines stored for the years ``incoming`` does not contain, the rows the checks
        across years read (:func:`chainplan.years.check_years`, and the outcomes' plans): those whose code
        ``incoming`` uses or one of its outcomes names, and, for each product, organization or region that such a
        row needs and ``incoming`` no longer has, the first row (in stored order) naming it. Columns: code, year,
        product, organization; code, year, region. Every other sheet empty.

        The database finds these rows (by code, by the codes needed): reading every other year whole would make
        importing one more year slower with each year stored.
        """
        chosen = sorted(int(y) for y in years_in(incoming))
        wanted = {"plans": ("code", "year", "product_code", "organization_code"),
                  "budget_lines": ("code", "year", "region_code")}
        codes = {"plans": {str(c) for c in incoming.plans["code"]} | {str(c) for c in incoming.outcomes["plan_code"]},
                 "budget_lines": {str(c) for c in incoming.budget_lines["code"]}}
        needs = {"plans": (("product_code", incoming.products), ("organization_code", incoming.organizations)),
                 "budget_lines": (("region_code", incoming.regions),)}
        columns: dict[str, dict[str, Sequence[object] | np.ndarray]] = {}
        for sheet, names in wanted.items():
            table = SHEET_TABLES[sheet].__table__
            kept = (table.c.year.not_in(chosen) | table.c.year.is_(None)) if chosen else true()
            picked = select(table.c.position, *(table.c[name] for name in names)).where(kept)
            rows: dict[str, tuple[Any, ...]] = {}  # by code: (position, *names)
            for chunk in _chunks(sorted(codes[sheet])):
                found = self.session.execute(picked.where(table.c.code.in_(chunk)))
                rows.update((row.code, tuple(row)) for row in found)
            for column, target in needs[sheet]:
                known = {str(c) for c in target["code"]}
                used = self.session.execute(select(table.c[column]).where(kept).distinct()).scalars()
                missing = sorted(str(code) for code in used if code and str(code) not in known)
                for chunk in _chunks(missing):
                    first: dict[str, tuple[Any, ...]] = {}
                    for row in self.session.execute(picked.where(table.c[column].in_(chunk))
                                                    .order_by(table.c.position)):
                        first.setdefault(row._mapping[column], tuple(row))
                    rows.update((row[1], row) for row in first.values())
            ordered = [row[1:] for row in sorted(rows.values(), key=lambda row: row[0])]
            values = list(zip(*ordered, strict=True)) if ordered else [() for _ in names]
            columns[sheet] = {name: list(column) for name, column in zip(names, values, strict=True)}
        return Dataset.from_columns(columns)

    def _versions(self, years: Collection[int] | None = None) -> dict[tuple[str, str], int]:
        """The stored versions of appraisals (by plan and stage; with ``years``, only of those years' plans: the
        appraisals an import of them rewrites) and outcomes (by plan and ``""``)."""
        appraisals = select(AppraisalRow.plan_code, AppraisalRow.stage, AppraisalRow.version)
        if years is not None:
            appraisals = appraisals.where(AppraisalRow.plan_code.in_(
                select(PlanRow.code).where(PlanRow.year.in_(sorted(years)))))
        versions = {(plan, stage): version for plan, stage, version in self.session.execute(appraisals)}
        versions.update({(plan, ""): version for plan, version in self.session.execute(
            select(OutcomeRow.plan_code, OutcomeRow.version))})
        return versions

    def replace(self, dataset: Dataset) -> None:
        # An import is a change to every appraisal and outcome it writes: each keeps counting its versions, so a
        # form opened before the import is refused rather than written over the imported row.
        versions = self._versions()
        now = _now()
        for table in reversed(SHEET_TABLES.values()):
            self.session.execute(delete(table))
        self.session.execute(delete(ToolRecordRow))
        self._insert(dataset, versions, now)

    def replace_years(self, dataset: Dataset, years: Collection[int]) -> None:
        """For each of ``years``, its budget lines, plans, requests and appraisals become ``dataset``'s (which holds
        only those years); other years stay; the current-state sheets are replaced whole. Marks of rows recorded
        in the tool that the import replaces are cleared: those rows now come from the file."""
        chosen = sorted(int(y) for y in years)
        versions = self._versions(chosen)
        now = _now()
        plans_of_years = select(PlanRow.code).where(PlanRow.year.in_(chosen))
        self.session.execute(delete(ToolRecordRow).where(
            (ToolRecordRow.sheet == "outcomes")
            | ((ToolRecordRow.sheet == "appraisals") & ToolRecordRow.plan_code.in_(plans_of_years))))
        for sheet, table in reversed(SHEET_TABLES.items()):
            if sheet in ("plan_requests", "appraisals"):
                self.session.execute(delete(table).where(table.plan_code.in_(plans_of_years)))  # type: ignore[attr-defined]
            elif sheet in ("plans", "budget_lines"):
                self.session.execute(delete(table).where(table.year.in_(chosen)))  # type: ignore[attr-defined]
            else:
                self.session.execute(delete(table))
        self._insert(dataset, versions, now)

    def _insert(self, dataset: Dataset, versions: dict[tuple[str, str], int], now: dt.datetime) -> None:
        """Write every row of ``dataset``; an imported appraisal or outcome counts as a change of the stored one (its
        version moves on from ``versions``), so a form opened before the import is refused rather than written over
        it."""
        for sheet, table in SHEET_TABLES.items():
            columns = dataset.to_columns(sheet)
            count = len(dataset.frame(sheet))
            if not count:
                continue
            names = list(columns)
            yearly = sheet in YEARLY_SHEETS
            positions = _year_positions(row_years(dataset, sheet).tolist()) if yearly else list(range(count))
            rows = [dict(zip(names, values, strict=True)) | {"position": position}
                    for position, values in zip(positions, zip(*columns.values(), strict=True), strict=True)]
            if table is AppraisalRow or table is OutcomeRow:
                for row in rows:
                    row["version"] = versions.get((str(row["plan_code"]), str(row.get("stage", ""))), 0) + 1
                    row["changed_by"] = ""
                    row["changed_at"] = now
            if self.session.get_bind().dialect.name == "postgresql":
                self._copy(table.__table__, rows)  # type: ignore[arg-type]  # a mapped class's table
            else:
                self.session.execute(insert(table), rows)

    def _copy(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Write ``rows`` into ``table`` with PostgreSQL's ``COPY ... FROM STDIN``, in the session's transaction.

        An import writes a national dataset (about 250,000 rows): one INSERT per row, even pipelined, spent most of
        an import in the driver. The values are those SQLAlchemy would bind: lists as JSON text (``null`` for none,
        as its JSON type writes), the rest as the driver writes them.
        """
        # COPY goes past the ORM events that note what a transaction wrote (models.uow.TrackedSession): noted here,
        # so the change log tells every process's read cache about the import.
        scope = CHANGE_SCOPES.get(table.name)
        changed = getattr(self.session, "changed", None)
        if scope is not None and changed is not None:
            changed().add(scope)
        names = list(rows[0])
        documents = {name for name in names if isinstance(table.c[name].type, JSON)}
        connection = self.session.connection()
        quote = connection.dialect.identifier_preparer.quote  # "group" and the like are keywords
        statement = f"COPY {quote(table.name)} ({', '.join(quote(name) for name in names)}) FROM STDIN"
        cursor: Any = connection.connection.cursor()  # psycopg's (its copy()), which the DBAPI type does not know
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row([json.dumps(row[name]) if name in documents else row[name] for name in names])
        finally:
            cursor.close()

    def mark_recorded(self, record: ToolRecord) -> None:
        """Remember that ``record``'s row was recorded in the tool (replacing an earlier mark of the same row)."""
        stage = record.key[1] if len(record.key) > 1 else ""
        row = self.session.get(ToolRecordRow, (record.sheet, record.key[0], stage))
        if row is None:
            row = ToolRecordRow(sheet=record.sheet, plan_code=record.key[0], stage=stage)
            self.session.add(row)
        row.recorded_at = record.at
        row.recorded_by = record.by
        self.session.flush()

    def tool_records(self) -> list[ToolRecord]:
        """The rows recorded in the tool since the last import that replaced them."""
        rows = self.session.scalars(select(ToolRecordRow).order_by(ToolRecordRow.sheet, ToolRecordRow.plan_code,
                                                                   ToolRecordRow.stage)).all()
        return [ToolRecord(r.sheet, (r.plan_code, r.stage) if r.stage else (r.plan_code,), r.recorded_at,
                           r.recorded_by) for r in rows]

    def counts(self) -> dict[str, int]:
        return {
            sheet: int(self.session.execute(select(func.count()).select_from(table)).scalar_one())
            for sheet, table in SHEET_TABLES.items()
        }

    def add_run(self, run: StoredRun) -> int:
        row = AllocationRunRow(
            created_at=run.created_at, scenario_name=run.scenario_name, scenario=run.scenario,
            dataset_fingerprint=run.dataset_fingerprint, method=run.method, status=run.status,
            objective=run.objective, result=run.result, created_by=run.created_by, solver=run.solver,
            solver_version=run.solver_version, timings=run.timings,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    @staticmethod
    def _stored(row: AllocationRunRow, *, result: bool = True) -> StoredRun:
        return StoredRun(id=row.id, created_at=row.created_at, scenario_name=row.scenario_name,
                         scenario=row.scenario, dataset_fingerprint=row.dataset_fingerprint, method=row.method,
                         status=row.status, objective=row.objective, result=row.result if result else {},
                         created_by=row.created_by or "", solver=row.solver, solver_version=row.solver_version,
                         timings=row.timings or {})

    def list_runs(self, *, results: bool = True) -> list[StoredRun]:
        query = select(AllocationRunRow).order_by(AllocationRunRow.id.desc())
        if not results:  # the documents are most of the bytes and of the decoding: not even fetched
            query = query.options(defer(AllocationRunRow.result, raiseload=True))
        rows = self.session.scalars(query).all()
        return [self._stored(r, result=results) for r in rows]

    def get_run(self, run_id: int) -> StoredRun | None:
        row = self.session.get(AllocationRunRow, run_id)
        return None if row is None else self._stored(row)

    def add_audit(self, entry: AuditEntry) -> int:
        row = AuditRow(at=entry.at, action=entry.action, run_id=entry.run_id, year=entry.year, by=entry.by,
                       note=entry.note)
        self.session.add(row)
        self.session.flush()
        return row.id

    def list_audit(self) -> list[AuditEntry]:
        rows = self.session.scalars(select(AuditRow).order_by(AuditRow.id)).all()
        return [AuditEntry(action=r.action, run_id=r.run_id, year=r.year, by=r.by, note=r.note or "", at=r.at,
                           id=r.id) for r in rows]

    def add_user(self, user: User) -> None:
        self.session.add(UserRow(name=user.name, role=user.role, password_hash=user.password_hash,
                                 active=user.active, created_at=user.created_at, version=user.version,
                                 changed_by=user.changed_by, changed_at=user.changed_at))
        self.session.flush()

    @staticmethod
    def _user(row: UserRow) -> User:
        return User(row.name, row.role, row.password_hash, row.active, _utc(row.created_at) or row.created_at,
                    row.version, row.changed_by or "", _utc(row.changed_at))

    def get_user(self, name: str) -> User | None:
        row = self.session.get(UserRow, name, populate_existing=True)
        return None if row is None else self._user(row)

    def list_users(self) -> list[User]:
        rows = self.session.scalars(select(UserRow).order_by(UserRow.name)).all()
        return [self._user(r) for r in rows]

    def update_user(self, name: str, *, role: str | None = None, active: bool | None = None,
                    password_hash: str | None = None, expected_version: int | None = None, by: str = "",
                    at: dt.datetime | None = None) -> bool:
        values: dict[str, object] = {"version": UserRow.version + 1, "changed_by": by, "changed_at": at or _now()}
        if role is not None:
            values["role"] = role
        if active is not None:
            values["active"] = active
        if password_hash is not None:
            values["password_hash"] = password_hash
        statement = update(UserRow).where(UserRow.name == name)
        if expected_version is not None:
            # One conditional UPDATE: of two processes saving forms opened on the same version, one changes the row.
            statement = statement.where(UserRow.version == expected_version)
        changed = self._conditional_update(statement.values(**values).execution_options(synchronize_session=False))
        self.session.flush()
        return changed == 1

    def _conditional_update(self, statement: Any) -> int:
        """The rows a version-checked UPDATE changed; 0 when PostgreSQL refuses it because another transaction
        changed the row after this one's snapshot was taken (SQLSTATE 40001 under REPEATABLE READ): the row moved
        on since the form was opened, the same answer as a version that no longer matches. A savepoint keeps the
        transaction usable after the refusal."""
        try:
            with self.session.begin_nested():
                return int(self.session.execute(statement).rowcount)  # type: ignore[attr-defined]
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == "40001":
                return 0
            raise

    def appraisal_stamp(self, plan_code: str, stage: str) -> EditStamp | None:
        row = self.session.execute(
            select(AppraisalRow.version, AppraisalRow.changed_by, AppraisalRow.changed_at)
            .where(AppraisalRow.plan_code == plan_code, AppraisalRow.stage == stage)).first()
        return None if row is None else EditStamp(row.version, row.changed_by or "", _utc(row.changed_at))

    def save_appraisal(self, appraisal: Appraisal, *, expected_version: int | None = None, by: str = "",
                       at: dt.datetime | None = None) -> bool:
        values = {"status": appraisal.status,
                  "score": None if appraisal.score is None else float(appraisal.score),  # checked: a number by now
                  "appraised_on": appraisal.appraised_on, "appraiser": appraisal.appraiser, "note": appraisal.note,
                  "changed_by": by, "changed_at": at or _now()}
        key = (AppraisalRow.plan_code == appraisal.plan_code, AppraisalRow.stage == appraisal.stage)

        def new_row() -> dict[str, Any]:
            # A new row goes last of its plan's year (export writes rows in their stored order).
            year = self.session.execute(select(PlanRow.year).where(PlanRow.code == appraisal.plan_code)).scalar()
            first = year_position(year, 0)
            last = self.session.execute(select(func.max(AppraisalRow.position)).where(
                AppraisalRow.position >= first, AppraisalRow.position < year_position(year, ROWS_PER_YEAR)
            )).scalar_one()
            return {"plan_code": appraisal.plan_code, "stage": appraisal.stage,
                    "position": first if last is None else int(last) + 1}

        return self._save_versioned(AppraisalRow, key, values, expected_version,
                                    lambda: self.appraisal_stamp(appraisal.plan_code, appraisal.stage), new_row)

    def _save_versioned(self, table: Any, key: tuple[Any, ...], values: dict[str, Any],
                        expected_version: int | None, stamp: Callable[[], EditStamp | None],
                        new_row: Callable[[], dict[str, Any]]) -> bool:
        """Write ``values`` over the row at ``key`` (its version moved on) if it still has ``expected_version`` (any
        version when ``None``): one conditional UPDATE, so the check holds between processes. With no row there
        and none expected, ``new_row()``'s columns and ``values`` are inserted at version 1. False, nothing
        written: the row moved on (or appeared) since the form was opened, or another process added it first (the
        primary key lets one in; the other is refused like any later save)."""
        statement = update(table).where(*key)
        if expected_version is not None:
            statement = statement.where(table.version == expected_version)
        changed = self._conditional_update(statement.values(**values, version=table.version + 1)
                                           .execution_options(synchronize_session=False))
        if changed == 1:
            self.session.flush()
            return True
        if expected_version not in (None, 0) or stamp():
            return False
        row = new_row()
        try:
            with self.session.begin_nested():
                self.session.execute(insert(table).values(**row, version=1, **values))
        except IntegrityError:
            return False
        return True

    def add_session(self, session: WebSession) -> None:
        self.session.execute(insert(WebSessionRow).values(
            key=session.key, user_name=session.user_name, created_at=session.created_at,
            last_seen_at=session.last_seen_at))

    def get_session(self, key: str) -> WebSession | None:
        row = self.session.execute(select(WebSessionRow.key, WebSessionRow.user_name, WebSessionRow.created_at,
                                          WebSessionRow.last_seen_at).where(WebSessionRow.key == key)).first()
        if row is None:
            return None
        return WebSession(row.key, row.user_name, _utc(row.created_at) or row.created_at,
                          _utc(row.last_seen_at) or row.last_seen_at)

    def session_and_user(self, key: str) -> tuple[WebSession, User | None] | None:
        # One query for the check every request makes: the session and its user (``None`` when the name is gone).
        row = self.session.execute(
            select(WebSessionRow.key, WebSessionRow.user_name, WebSessionRow.created_at, WebSessionRow.last_seen_at,
                   UserRow.role, UserRow.password_hash, UserRow.active, UserRow.created_at.label("user_created_at"),
                   UserRow.version, UserRow.changed_by, UserRow.changed_at)
            .outerjoin(UserRow, UserRow.name == WebSessionRow.user_name)
            .where(WebSessionRow.key == key)).first()
        if row is None:
            return None
        session = WebSession(row.key, row.user_name, _utc(row.created_at) or row.created_at,
                             _utc(row.last_seen_at) or row.last_seen_at)
        if row.role is None:
            return session, None
        user = User(row.user_name, row.role, row.password_hash, bool(row.active),
                    _utc(row.user_created_at) or row.user_created_at, row.version, row.changed_by or "",
                    _utc(row.changed_at))
        return session, user

    def touch_session(self, key: str, at: dt.datetime) -> None:
        self.session.execute(update(WebSessionRow).where(WebSessionRow.key == key).values(last_seen_at=at))

    def end_sessions(self, *, key: str | None = None, user_name: str | None = None,
                     idle_before: dt.datetime | None = None) -> int:
        if key is None and user_name is None and idle_before is None:
            raise ValueError("say which sessions to end")
        statement = delete(WebSessionRow)
        if key is not None:
            statement = statement.where(WebSessionRow.key == key)
        if user_name is not None:
            statement = statement.where(WebSessionRow.user_name == user_name)
        if idle_before is not None:
            statement = statement.where(WebSessionRow.last_seen_at < idle_before)
        return int(self.session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def add_sign_in_failure(self, failure: SignInFailure) -> None:
        self.session.execute(insert(SignInFailureRow).values(user_name=failure.user_name, address=failure.address,
                                                             at=failure.at))

    def sign_in_failures(self, *, since: dt.datetime, user_name: str | None = None,
                         address: str | None = None) -> list[dt.datetime]:
        query = select(SignInFailureRow.at).where(SignInFailureRow.at >= since).order_by(SignInFailureRow.at)
        if user_name is not None:
            query = query.where(SignInFailureRow.user_name == user_name)
        if address is not None:
            query = query.where(SignInFailureRow.address == address)
        return [_utc(at) or at for at in self.session.scalars(query)]

    def clear_sign_in_failures(self, *, user_name: str | None = None, address: str | None = None,
                               before: dt.datetime | None = None) -> int:
        if user_name is None and address is None and before is None:
            raise ValueError("say which failures to forget")
        statement = delete(SignInFailureRow)
        if user_name is not None:
            statement = statement.where(SignInFailureRow.user_name == user_name)
        if address is not None:
            statement = statement.where(SignInFailureRow.address == address)
        if before is not None:
            statement = statement.where(SignInFailureRow.at < before)
        return int(self.session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def _next_position(self, table: type[OutcomeRow] | type[InspectionRow]) -> int:
        last = self.session.execute(select(func.max(table.position))).scalar_one()
        return 0 if last is None else int(last) + 1

    def get_outcome(self, plan_code: str) -> Outcome | None:
        row = self.session.get(OutcomeRow, plan_code)
        if row is None:
            return None
        return Outcome(row.plan_code, row.status, row.reported_on, row.disbursed_vnd, row.ocop_score,
                       **{flag: bool(getattr(row, flag)) for flag in DELIVERY_FLAGS}, note=row.note or "")

    def outcome_stamp(self, plan_code: str) -> EditStamp | None:
        row = self.session.execute(select(OutcomeRow.version, OutcomeRow.changed_by, OutcomeRow.changed_at)
                                   .where(OutcomeRow.plan_code == plan_code)).first()
        return None if row is None else EditStamp(row.version, row.changed_by or "", _utc(row.changed_at))

    def save_outcome(self, outcome: Outcome, *, expected_version: int | None = None, by: str = "",
                     at: dt.datetime | None = None) -> bool:
        # The plan's latest report replaces the one before, in its place (export keeps the stored order): one
        # conditional UPDATE when a version is expected, as for appraisals, so the check holds between processes.
        values: dict[str, Any] = {
            "reported_on": outcome.reported_on, "status": outcome.status,
            "disbursed_vnd": None if outcome.disbursed_vnd is None else int(outcome.disbursed_vnd),
            "ocop_score": None if outcome.ocop_score is None else float(outcome.ocop_score),  # checked by now
            **{flag: bool(getattr(outcome, flag)) for flag in DELIVERY_FLAGS}, "note": outcome.note,
            "changed_by": by, "changed_at": at or _now()}
        return self._save_versioned(
            OutcomeRow, (OutcomeRow.plan_code == outcome.plan_code,), values, expected_version,
            lambda: self.outcome_stamp(outcome.plan_code),
            lambda: {"plan_code": outcome.plan_code, "position": self._next_position(OutcomeRow)})

    def save_inspection(self, inspection: Inspection) -> bool:
        # Two planners saving at once may both have been given the same next code: the primary key lets one in and
        # the other is told so (nothing overwritten), rather than failing the whole transaction.
        try:
            with self.session.begin_nested():
                self.session.execute(insert(InspectionRow).values(
                    code=inspection.code, position=self._next_position(InspectionRow),
                    organization_code=inspection.organization_code, inspected_on=inspection.inspected_on,
                    kind=inspection.kind, result=inspection.result, finding=inspection.finding,
                    resolved_on=inspection.resolved_on))
        except IntegrityError:
            return False
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == "40001":  # PostgreSQL: taken after this snapshot began
                return False
            raise
        return True
