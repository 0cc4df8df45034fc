"""Use cases on the stored dataset: import, export, the demo data, the template, the summary."""

from __future__ import annotations

import copy
import functools
import io
import os
import tempfile
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from chainplan.allocation import AllocationResult, allocate
from chainplan.dataset import Dataset
from chainplan.demo import HISTORY_YEARS, build_demo_dataset, history_scenario
from chainplan.errors import ChainplanError
from chainplan.imports import ImportPreview, Overwritten, import_preview
from chainplan.io import read_input, write_dataset, write_template
from chainplan.names import name_book
from chainplan.ports import UnitOfWork
from chainplan.scenario import Scenario
from chainplan.schema import SHEETS
from chainplan.services._cache import remembered
from chainplan.services._common import check_folder, check_writable, json_document
from chainplan.summary import summarize
from chainplan.wording import Joined, NameBook, Phrase, render
from chainplan.years import dataset_for_year, years_in

__all__ = [
    "MAX_UPLOAD_BYTES",
    "ImportNeedsConfirmation",
    "ImportRefused",
    "ImportReport",
    "dataset_fingerprint",
    "dataset_summary",
    "export_dataset",
    "import_dataset",
    "import_upload",
    "load_dataset",
    "load_demo",
    "make_template",
    "stored_dataset",
    "stored_plan_years",
    "template_workbook",
    "write_demo_workbook",
]


@dataclass(frozen=True)
class ImportReport:
    """Rows per sheet before and after an import, the fingerprint of the data the file holds (its years and the
    current state), and what the import changes (:class:`~chainplan.imports.ImportPreview`: per sheet and year,
    and what it overwrites of what was recorded in the tool). ``names`` names the plans for a page."""

    source: str
    before: dict[str, int]
    after: dict[str, int]
    fingerprint: str
    unchanged: bool
    #: What the reader wants the person to know (files it ignored), as catalogue phrases.
    notices: tuple[Phrase, ...] = ()
    preview: ImportPreview | None = None
    dry_run: bool = False
    names: NameBook = field(default_factory=dict, compare=False)

    @property
    def warnings(self) -> list[str]:
        """The notices in English, as the command line and the JSON document give them."""
        return [render(notice, "en") for notice in self.notices]

    def as_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"source": self.source, "before": self.before, "after": self.after,
                                    "fingerprint": self.fingerprint, "unchanged": self.unchanged,
                                    "warnings": list(self.warnings), "dry_run": self.dry_run}
        if self.preview is not None:
            document.update(self.preview.as_dict())
        return document


class ImportNeedsConfirmation(ChainplanError, ValueError):
    """The file would overwrite appraisals or outcomes recorded in the tool since the last import; nothing was
    written. ``preview`` is what the import would change, ``lost`` the recorded rows it would overwrite."""

    def __init__(self, preview: ImportPreview, lost: Sequence[Overwritten]):
        self.preview = preview
        self.lost = tuple(lost)
        super().__init__("error.import.would_overwrite", count=len(self.lost),
                         records=Joined(tuple(o.phrase() for o in self.lost), "; "))


#: What a person confirmed may be overwritten: everything (``True``), nothing (``False``), or these recorded rows
#: (``(sheet, key)``, as the preview they saw listed them).
Overwrite = bool | Collection[tuple[str, tuple[str, ...]]]


def _allowed(overwrite: Overwrite, row: Overwritten) -> bool:
    if isinstance(overwrite, bool):
        return overwrite
    return (row.sheet, tuple(row.key)) in {(sheet, tuple(key)) for sheet, key in overwrite}


def _replace(uow: UnitOfWork, dataset: Dataset, source: str, notices: tuple[Phrase, ...] = ()) -> ImportReport:
    """Store ``dataset`` as the whole dataset (every year): the demo, and the tests' hand-made datasets."""
    with uow:
        before = uow.repository.counts()
        unchanged = dataset_fingerprint(uow) == dataset.fingerprint()
        if not unchanged:
            uow.repository.replace(dataset)
            uow.commit()
        return ImportReport(source, before, uow.repository.counts(), dataset.fingerprint(), unchanged, notices)


def _import(uow: UnitOfWork, path: Path, source: str, *, year: int | None, overwrite: Overwrite,
            dry_run: bool) -> ImportReport:
    # One transaction: the file is checked against what is stored, the preview computed and the years replaced
    # together, so no reader sees a half-replaced dataset and the preview is of the data the import replaces.
    with uow:
        repository = uow.repository
        # Only the years the file contains are read whole; of the others, what the checks across years need.
        read = read_input(path, year=year, stored=repository.year_index)
        incoming = read.dataset
        stored = stored_dataset(uow, years_in(incoming))
        preview = import_preview(stored, incoming, repository.tool_records())
        before = repository.counts()
        after = {sheet: before[sheet] - len(stored.frame(sheet)) + len(incoming.frame(sheet)) for sheet in SHEETS}
        lost = [row for row in preview.overwritten if not _allowed(overwrite, row)]
        names = name_book(Dataset(**{**{n: incoming.frame(n) for n in SHEETS},
                                     "plans": pd.concat([stored.plans, incoming.plans])})) if (
            preview.overwritten) else {}
        report = ImportReport(source, before, after, incoming.fingerprint(), preview.unchanged,
                              tuple(read.notices), preview, dry_run, names=names)
        if dry_run:
            return report
        if lost:
            raise ImportNeedsConfirmation(preview, lost)
        if not preview.unchanged:
            repository.replace_years(incoming, preview.years)
            uow.commit()
        return report


def import_dataset(path: str | os.PathLike[str], uow: UnitOfWork, *, year: int | None = None,
                   overwrite: Overwrite = False, dry_run: bool = False) -> ImportReport:
    """Read, check and store a workbook or CSV folder: for each year it contains, that year's budget lines, plans,
    requests and appraisals are replaced, other years are kept, the current-state sheets are replaced whole.

    A plan or budget line without a year takes ``year`` (default: the current calendar year). ``dry_run``: nothing
    is written; the report's ``preview`` says what would change. Without ``overwrite``, an import that would
    overwrite an appraisal or an outcome recorded in the tool since the last import is refused
    (:class:`ImportNeedsConfirmation`, naming them); ``overwrite`` is ``True`` or the recorded rows confirmed.

    Raises :class:`~chainplan.dataset.DatasetError` with every problem, before anything is written.
    """
    return _import(uow, Path(path), str(path), year=year, overwrite=overwrite, dry_run=dry_run)


#: The largest workbook an upload may be (the importer has its own ceilings on rows and values). The page sends the
#: file as base64 (4 bytes per 3) inside a request the web server caps at 25 MB, so 18 MB is what fits;
#: ``chainplan import`` reads a file of any size.
MAX_UPLOAD_BYTES = 18 * 1024 * 1024
#: The content types of a workbook's main part (``[Content_Types].xml``): what openpyxl opens.
_WORKBOOK_TYPES = (b"spreadsheetml.sheet.main+xml", b"spreadsheetml.template.main+xml",
                   b"ms-excel.sheet.macroEnabled.main+xml", b"ms-excel.template.macroEnabled.main+xml")


class ImportRefused(ChainplanError, ValueError):
    """An upload that is not an Excel workbook at all (by its name, its size or its content); nothing is read."""


def _is_workbook(payload: bytes) -> bool:
    """Whether ``payload`` is an Office Open XML workbook: a zip whose content types name a workbook part."""
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            types = archive.read("[Content_Types].xml")
    # RuntimeError: zipfile's answer to an encrypted member and (as its subclass) to an unsupported compression.
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, RuntimeError):
        return False
    return any(kind in types for kind in _WORKBOOK_TYPES)


def import_upload(uow: UnitOfWork, filename: str, payload: bytes, *, year: int | None = None,
                  overwrite: Overwrite = False, dry_run: bool = False) -> ImportReport:
    """Check and store an uploaded workbook (the bytes a person sent, under the name they gave it).

    The file must be called ``*.xlsx``, be at most :data:`MAX_UPLOAD_BYTES` and be a workbook inside (a text file
    renamed ``.xlsx`` is not); otherwise :class:`ImportRefused` says which, by the file's name, and nothing is
    read. Then as :func:`import_dataset`: every problem at once (:class:`~chainplan.dataset.DatasetError`) and
    nothing written, a preview (``dry_run``), a refusal to overwrite what was recorded in the tool unless
    confirmed (``overwrite``), or the file's years and the current state replaced.

    Examples
    --------
    >>> import_upload(None, "notes.txt", b"plan KH001")
    Traceback (most recent call last):
    ...
    chainplan.services.data.ImportRefused: notes.txt: only .xlsx workbooks are accepted.
    >>> try:
    ...     import_upload(None, "ke-hoach.xlsx", b"plan KH001")
    ... except ImportRefused as refused:
    ...     print(refused.code)
    error.import.not_workbook
    """
    name = Path(filename or "").name or "upload.xlsx"
    if not name.lower().endswith(".xlsx"):
        raise ImportRefused("error.import.not_xlsx", name=name)
    if len(payload) > MAX_UPLOAD_BYTES:
        raise ImportRefused("error.import.too_large", name=name, most=MAX_UPLOAD_BYTES // (1024 * 1024))
    if not _is_workbook(payload):
        raise ImportRefused("error.import.not_workbook", name=name)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(payload)
        return _import(uow, path, name, year=year, overwrite=overwrite, dry_run=dry_run)


#: Who adopted the demo's past decisions.
DEMO_COMMITTEE = "Ban Chỉ đạo OCOP tỉnh"


def load_demo(uow: UnitOfWork, *, history: bool = True) -> ImportReport:
    """Store the generated Quảng Ninh demo dataset, and (``history``) the decisions of its past years: each of
    2017-2019 allocated with :func:`~chainplan.demo.history_scenario` and adopted, unless that year's adopted run is
    already the demo's (loading the demo again adds nothing)."""
    from chainplan.decisions import adopted_run
    from chainplan.services.runs import adopt_run, store_run

    report = _replace(uow, build_demo_dataset(), "demo:quang-ninh")
    if not history:
        return report
    for year, scenario, fingerprint, result, document in _demo_history():
        with uow:
            log = uow.repository.list_audit()
            current = adopted_run(log, year)
            run = uow.repository.get_run(current) if current is not None else None
        if run is not None and run.scenario_name == scenario.name:
            continue
        run_id = store_run(uow, scenario, fingerprint, "milp", result, document, by=DEMO_COMMITTEE)
        adopt_run(uow, run_id, by=DEMO_COMMITTEE, year=year,
                  note=f"Quyết định phê duyệt kế hoạch hỗ trợ OCOP năm {year} (dữ liệu mẫu)")
    return report


@functools.cache
def _demo_history() -> tuple[tuple[int, Scenario, str, AllocationResult, dict[str, Any]], ...]:
    """Each past year of the demo allocated with its scenario, once per process (the demo is deterministic, and
    the same scenario on the same data gives the same allocation)."""
    from chainplan.services.runs import year_data

    dataset = build_demo_dataset()
    history = []
    for year in HISTORY_YEARS:
        scenario, data, fingerprint = year_data(dataset, history_scenario(year))
        result = allocate(data, scenario)
        history.append((year, scenario, fingerprint, result, json_document(result.as_dict())))
    return tuple(history)


def write_demo_workbook(path: str | os.PathLike[str]) -> Path:
    """Write the demo dataset as a workbook or CSV folder without touching any database, into a folder that exists
    (as :func:`export_dataset`)."""
    return write_dataset(build_demo_dataset(), _dataset_target(path))


def _dataset_target(path: str | os.PathLike[str]) -> Path:
    """Where a dataset may be written: a workbook that can be written, or a CSV folder whose parent exists."""
    target = Path(path)
    if target.suffix.lower() == ".xlsx":
        check_writable(target, suffix=".xlsx")
    else:
        check_folder(target)
    return target


def export_dataset(path: str | os.PathLike[str], uow: UnitOfWork) -> Path:
    """Write the stored dataset as a workbook (``.xlsx``) or a CSV folder.

    As every file the tool writes, into a folder that exists: a mistyped folder is refused
    (:class:`~chainplan.services.OutputNotWritable`), not made (a CSV export makes only its own last folder).
    """
    return write_dataset(load_dataset(uow), _dataset_target(path))


def make_template(path: str | os.PathLike[str]) -> Path:
    """Write the empty input workbook with its README sheet, into a folder that exists (as :func:`export_dataset`)."""
    return write_template(check_writable(path, suffix=".xlsx"))


def template_workbook() -> bytes:
    """The empty input workbook with its README sheet, as bytes: the same file ``chainplan template`` writes, for a
    page to offer as a download.

    Examples
    --------
    >>> template_workbook()[:2]  # a zip archive, as every .xlsx is
    b'PK'
    """
    with tempfile.TemporaryDirectory() as folder:
        return write_template(Path(folder) / "chainplan-template.xlsx").read_bytes()


def load_dataset(uow: UnitOfWork) -> Dataset:
    """The whole stored dataset, every year (remembered per data generation: :mod:`chainplan.services._cache`);
    shared, so not to be changed by the caller (a dataset's methods return new ones)."""
    with uow:
        return stored_dataset(uow)


def _years_key(years: Collection[int] | None) -> tuple[int, ...] | None:
    return None if years is None else tuple(sorted({int(year) for year in years}))


def stored_dataset(uow: UnitOfWork, years: Collection[int] | None = None) -> Dataset:
    """Inside ``with uow``: the dataset this unit of work sees (with ``years``, the yearly sheets hold only those
    years' rows: :meth:`~chainplan.ports.DatasetRepository.load`), read once per process, data generation and
    selection of years."""
    chosen = _years_key(years)
    if chosen is None:
        return remembered(uow, "dataset", ("dataset", None), uow.repository.load)
    return remembered(uow, "dataset", ("dataset", chosen), lambda: uow.repository.load(years=chosen))


def dataset_fingerprint(uow: UnitOfWork) -> str:
    """Inside ``with uow``: the fingerprint of the whole dataset this unit of work sees (once per generation)."""
    return remembered(uow, "dataset", "fingerprint", lambda: stored_dataset(uow).fingerprint())


def stored_plan_years(uow: UnitOfWork) -> list[int]:
    """Inside ``with uow``: the years that have plans, oldest first (once per generation; the caller's own list)."""
    return list(remembered(uow, "dataset", "plan years", uow.repository.plan_years))


def dataset_summary(uow: UnitOfWork, year: int | None = None) -> dict[str, Any]:
    """Counts by region, tier, stars and appraisal state; plans, requests and budget of ``year`` only when given
    (:func:`~chainplan.years.dataset_for_year`)."""
    with uow:
        summary = remembered(uow, "dataset", ("summary", year),
                             lambda: summarize(dataset_for_year(stored_dataset(uow), year)))
    return copy.deepcopy(summary)  # the caller's own: what is remembered stays as it was

