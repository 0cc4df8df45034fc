"""The SQLAlchemy repository: rows <-> :class:`chainplan.dataset.Dataset`."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from chainplan.dataset import Dataset
from chainplan.ports import StoredRun
from chainplan.schema import SHEETS
from models.tables import SHEET_TABLES, AllocationRunRow

__all__ = ["SqlAlchemyRepository"]


class SqlAlchemyRepository:
    """Reads and replaces the whole dataset inside the caller's session (the unit of work commits)."""

    def __init__(self, session: Session):
        self.session = session

    def load(self) -> Dataset:
        records: dict[str, list[dict[str, object]]] = {}
        for sheet, table in SHEET_TABLES.items():
            columns = SHEETS[sheet].column_names
            rows = self.session.execute(
                select(*(table.__table__.c[name] for name in columns)).order_by(table.__table__.c.position)
            ).all()
            records[sheet] = [dict(zip(columns, row, strict=True)) for row in rows]
        return Dataset.from_records(records)

    def replace(self, dataset: Dataset) -> None:
        for table in reversed(SHEET_TABLES.values()):
            self.session.execute(delete(table))
        for sheet, records in dataset.to_records().items():
            if records:
                table = SHEET_TABLES[sheet]
                rows = [{**record, "position": position} for position, record in enumerate(records)]
                self.session.execute(insert(table), rows)

    def counts(self) -> dict[str, int]:
        return {
            sheet: int(self.session.execute(select(func.count()).select_from(table)).scalar_one())
            for sheet, table in SHEET_TABLES.items()
        }

    def add_run(self, run: StoredRun) -> int:
        row = AllocationRunRow(
            created_at=run.created_at, scenario_name=run.scenario_name, scenario=run.scenario,
            dataset_fingerprint=run.dataset_fingerprint, method=run.method, status=run.status,
            objective=run.objective, result=run.result,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def list_runs(self) -> list[StoredRun]:
        rows = self.session.scalars(select(AllocationRunRow).order_by(AllocationRunRow.id.desc())).all()
        return [
            StoredRun(id=r.id, created_at=r.created_at, scenario_name=r.scenario_name, scenario=r.scenario,
                      dataset_fingerprint=r.dataset_fingerprint, method=r.method, status=r.status,
                      objective=r.objective, result=r.result)
            for r in rows
        ]
