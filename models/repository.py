"""The SQLAlchemy repository: rows <-> :class:`chainplan.dataset.Dataset`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from chainplan.appraisal import Appraisal
from chainplan.dataset import Dataset
from chainplan.imports import ToolRecord
from chainplan.ports import AuditEntry, StoredRun, User
from chainplan.recording import DELIVERY_FLAGS, Inspection, Outcome
from chainplan.schema import SHEETS, Column
from chainplan.years import ROWS_PER_YEAR, YEARLY_SHEETS, row_years, year_position
from models.tables import (
    SHEET_TABLES,
    AllocationRunRow,
    AppraisalRow,
    AuditRow,
    InspectionRow,
    OutcomeRow,
    PlanRow,
    ToolRecordRow,
    UserRow,
)

__all__ = ["SqlAlchemyRepository"]


def _year_positions(years: pd.Series) -> list[int]:
    """Each row's position: its year's block, then its place among that year's rows (:func:`year_position`)."""
    seen: dict[object, int] = {}
    positions = []
    for year in years.tolist():
        key = None if year is pd.NA else int(year)
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


class SqlAlchemyRepository:
    """Reads and replaces the whole dataset inside the caller's session (the unit of work commits)."""

    def __init__(self, session: Session):
        self.session = session

    def load(self) -> Dataset:
        """The whole dataset, read column by column.

        Plain tuples from the driver's cursor, converted by the schema's column kinds: building SQLAlchemy rows
        and running their type processors cost more than the query for a national dataset (200,000 rows).
        """
        connection = self.session.connection()
        cursor = connection.connection.cursor()
        columns: dict[str, dict[str, Sequence[object] | np.ndarray]] = {}
        try:
            for sheet, table in SHEET_TABLES.items():
                names = SHEETS[sheet].column_names
                query = select(*(table.__table__.c[name] for name in names)).order_by(table.__table__.c.position)
                cursor.execute(str(query.compile(dialect=connection.dialect)))
                rows = cursor.fetchall()
                values = list(zip(*rows, strict=True)) if rows else [() for _ in names]
                columns[sheet] = {
                    column.name: _from_storage(column, column_values)
                    for column, column_values in zip(SHEETS[sheet].columns, values, strict=True)
                }
        finally:
            cursor.close()
        return Dataset.from_columns(columns)

    def replace(self, dataset: Dataset) -> None:
        for table in reversed(SHEET_TABLES.values()):
            self.session.execute(delete(table))
        self.session.execute(delete(ToolRecordRow))
        self._insert(dataset)

    def replace_years(self, dataset: Dataset, years: Collection[int]) -> None:
        """For each of ``years``, its budget lines, plans, requests and appraisals become ``dataset``'s (which holds
        only those years); other years stay; the current-state sheets are replaced whole. Marks of rows recorded
        in the tool that the import replaces are cleared: those rows now come from the file."""
        chosen = sorted(int(y) for y in years)
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
        self._insert(dataset)

    def _insert(self, dataset: Dataset) -> None:
        for sheet, table in SHEET_TABLES.items():
            columns = dataset.to_columns(sheet)
            count = len(dataset.frame(sheet))
            if not count:
                continue
            names = list(columns)
            yearly = sheet in YEARLY_SHEETS
            positions = _year_positions(row_years(dataset, sheet)) if yearly else list(range(count))
            rows = [dict(zip(names, values, strict=True)) | {"position": position}
                    for position, values in zip(positions, zip(*columns.values(), strict=True), strict=True)]
            self.session.execute(insert(table), rows)

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
    def _stored(row: AllocationRunRow) -> StoredRun:
        return StoredRun(id=row.id, created_at=row.created_at, scenario_name=row.scenario_name,
                         scenario=row.scenario, dataset_fingerprint=row.dataset_fingerprint, method=row.method,
                         status=row.status, objective=row.objective, result=row.result,
                         created_by=row.created_by or "", solver=row.solver, solver_version=row.solver_version,
                         timings=row.timings or {})

    def list_runs(self) -> list[StoredRun]:
        rows = self.session.scalars(select(AllocationRunRow).order_by(AllocationRunRow.id.desc())).all()
        return [self._stored(r) for r in rows]

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
                                 active=user.active, created_at=user.created_at))
        self.session.flush()

    def get_user(self, name: str) -> User | None:
        row = self.session.get(UserRow, name)
        return None if row is None else User(row.name, row.role, row.password_hash, row.active, row.created_at)

    def list_users(self) -> list[User]:
        rows = self.session.scalars(select(UserRow).order_by(UserRow.name)).all()
        return [User(r.name, r.role, r.password_hash, r.active, r.created_at) for r in rows]

    def update_user(self, name: str, *, role: str | None = None, active: bool | None = None) -> None:
        row = self.session.get(UserRow, name)
        if row is None:
            raise KeyError(name)
        if role is not None:
            row.role = role
        if active is not None:
            row.active = active
        self.session.flush()

    def save_appraisal(self, appraisal: Appraisal) -> None:
        # Keep the row's place (export writes rows in their stored order); a new row goes last of its plan's year.
        row = self.session.get(AppraisalRow, (appraisal.plan_code, appraisal.stage))
        if row is None:
            year = self.session.execute(select(PlanRow.year).where(PlanRow.code == appraisal.plan_code)).scalar()
            first = year_position(year, 0)
            last = self.session.execute(select(func.max(AppraisalRow.position)).where(
                AppraisalRow.position >= first, AppraisalRow.position < year_position(year, ROWS_PER_YEAR)
            )).scalar_one()
            row = AppraisalRow(plan_code=appraisal.plan_code, stage=appraisal.stage,
                               position=first if last is None else int(last) + 1)
            self.session.add(row)
        row.status = appraisal.status
        row.score = None if appraisal.score is None else float(appraisal.score)  # checked: a number by now
        row.appraised_on = appraisal.appraised_on
        row.appraiser = appraisal.appraiser
        row.note = appraisal.note
        self.session.flush()

    def _next_position(self, table: type[OutcomeRow] | type[InspectionRow]) -> int:
        last = self.session.execute(select(func.max(table.position))).scalar_one()
        return 0 if last is None else int(last) + 1

    def save_outcome(self, outcome: Outcome) -> None:
        # The plan's latest report replaces the one before, in its place (export keeps the stored order).
        row = self.session.get(OutcomeRow, outcome.plan_code)
        if row is None:
            row = OutcomeRow(plan_code=outcome.plan_code, position=self._next_position(OutcomeRow))
            self.session.add(row)
        row.reported_on = outcome.reported_on  # type: ignore[assignment]  # checked: a date by now
        row.status = outcome.status
        row.disbursed_vnd = None if outcome.disbursed_vnd is None else int(outcome.disbursed_vnd)
        row.ocop_score = None if outcome.ocop_score is None else float(outcome.ocop_score)
        for flag in DELIVERY_FLAGS:
            setattr(row, flag, bool(getattr(outcome, flag)))
        row.note = outcome.note
        self.session.flush()

    def save_inspection(self, inspection: Inspection) -> None:
        self.session.add(InspectionRow(
            code=inspection.code, position=self._next_position(InspectionRow),
            organization_code=inspection.organization_code, inspected_on=inspection.inspected_on,
            kind=inspection.kind, result=inspection.result, finding=inspection.finding,
            resolved_on=inspection.resolved_on))
        self.session.flush()

    def plan_years(self) -> list[int]:
        years = self.session.scalars(select(PlanRow.year).where(PlanRow.year.is_not(None)).distinct()).all()
        return sorted(int(year) for year in years if year is not None)
