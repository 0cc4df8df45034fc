"""Use cases on the stored dataset: import, export, the demo data, the template, the summary."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainplan.dataset import Dataset
from chainplan.demo import build_demo_dataset
from chainplan.io import read_input, write_dataset, write_template
from chainplan.ports import UnitOfWork
from chainplan.summary import summarize

__all__ = [
    "ImportReport",
    "dataset_summary",
    "export_dataset",
    "import_dataset",
    "load_dataset",
    "load_demo",
    "make_template",
    "write_demo_workbook",
]


@dataclass(frozen=True)
class ImportReport:
    """Rows per sheet before and after an import, and the fingerprint of what is now stored."""

    source: str
    before: dict[str, int]
    after: dict[str, int]
    fingerprint: str
    unchanged: bool
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "before": self.before, "after": self.after,
                "fingerprint": self.fingerprint, "unchanged": self.unchanged, "warnings": list(self.warnings)}


def _replace(uow: UnitOfWork, dataset: Dataset, source: str, warnings: tuple[str, ...] = ()) -> ImportReport:
    with uow:
        before = uow.repository.counts()
        unchanged = uow.repository.load().fingerprint() == dataset.fingerprint()
        if not unchanged:
            uow.repository.replace(dataset)
            uow.commit()
        return ImportReport(source, before, uow.repository.counts(), dataset.fingerprint(), unchanged, warnings)


def import_dataset(path: str | os.PathLike[str], uow: UnitOfWork) -> ImportReport:
    """Read, check and store a workbook or CSV folder; it replaces the stored dataset as a whole.

    Raises :class:`~chainplan.dataset.DatasetError` with every problem, before anything is written.
    """
    read = read_input(path)
    return _replace(uow, read.dataset, str(path), tuple(read.warnings))


def load_demo(uow: UnitOfWork) -> ImportReport:
    """Store the generated Quảng Ninh demo dataset."""
    return _replace(uow, build_demo_dataset(), "demo:quang-ninh")


def write_demo_workbook(path: str | os.PathLike[str]) -> Path:
    """Write the demo dataset as a workbook or CSV folder without touching any database."""
    return write_dataset(build_demo_dataset(), path)


def export_dataset(path: str | os.PathLike[str], uow: UnitOfWork) -> Path:
    """Write the stored dataset as a workbook (``.xlsx``) or a CSV folder."""
    return write_dataset(load_dataset(uow), path)


def make_template(path: str | os.PathLike[str]) -> Path:
    """Write the empty input workbook with its README sheet."""
    return write_template(path)


def load_dataset(uow: UnitOfWork) -> Dataset:
    with uow:
        return uow.repository.load()


def dataset_summary(uow: UnitOfWork) -> dict[str, Any]:
    """Counts by region, tier, stars and appraisal state."""
    return summarize(load_dataset(uow))

