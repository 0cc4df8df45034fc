"""The input workbook (``.xlsx``) and the CSV folder: read, check, write, and the empty template.

Reading collects every problem of every sheet (kind and range of each cell, missing sheets and columns,
then the dataset's consistency checks) and raises one :class:`~chainplan.dataset.DatasetError` listing them
all; it never returns half a dataset. Writing goes through a temporary file that replaces the target only
when complete.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from chainplan.dataset import Dataset, DatasetError, InputProblem, check_dataset
from chainplan.io.cells import CellError, format_cell, is_blank, parse_cell
from chainplan.schema import SHEETS, VIETNAMESE_HEADERS, Sheet
from chainplan.wording import Joined, Phrase, render
from chainplan.years import check_years, kept_years, with_year

__all__ = ["InputRead", "read_dataset", "read_input", "replacing", "write_dataset", "write_frames", "write_template"]

_RawRows = list[tuple[int, list[object]]]


def _header_name(raw: object) -> str:
    """Headers compare case-insensitively, without a trailing ``*``, in Unicode NFC (Excel may store NFD)."""
    return unicodedata.normalize("NFC", str(raw)).strip().lower().rstrip("*").strip() if not is_blank(raw) else ""


def _column_for_header(sheet: Sheet) -> dict[str, str]:
    aliases = {unicodedata.normalize("NFC", vi): name for name, vi in VIETNAMESE_HEADERS.get(sheet.name, {}).items()}
    return {**aliases, **{name: name for name in sheet.column_names}}


def _xlsx_sheets(path: Path) -> tuple[dict[str, tuple[list[object], _RawRows]], list[InputProblem]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        return {}, [InputProblem(None, None, None, None, "error.file.not_xlsx", str(path),
                                 params={"detail": f"{type(exc).__name__}: {exc}"})]
    sheets: dict[str, tuple[list[object], _RawRows]] = {}
    try:
        for worksheet in workbook.worksheets:
            try:
                rows = worksheet.iter_rows(values_only=True)
                header = list(next(rows, ()) or ())
                body = [(number, list(values)) for number, values in enumerate(rows, start=2)]
            except (ValueError, KeyError, TypeError, OSError, SyntaxError, zipfile.BadZipFile) as exc:
                # SyntaxError covers the XML parser's ParseError: a damaged sheet inside the file.
                return {}, [InputProblem(None, None, None, None, "error.file.sheet_unreadable", str(path),
                                         params={"sheet": worksheet.title,
                                                 "detail": f"{type(exc).__name__}: {exc}"})]
            sheets[worksheet.title.strip().lower()] = (header, body)
    finally:
        workbook.close()
    return sheets, []


def _csv_sheets(folder: Path) -> tuple[dict[str, tuple[list[object], _RawRows]], list[InputProblem], list[str]]:
    """The folder's ``<sheet>.csv`` files; any other file is ignored and named in a warning."""
    sheets: dict[str, tuple[list[object], _RawRows]] = {}
    problems: list[InputProblem] = []
    ignored: list[str] = []
    for file in sorted(folder.iterdir()):
        if file.name.startswith("."):
            continue  # hidden files (editor locks, .DS_Store) are nobody's data
        if not (file.is_file() and file.suffix.lower() == ".csv" and file.stem.strip().lower() in SHEETS):
            ignored.append(file.name)
            continue
        sheet = file.stem.strip().lower()
        raw = file.read_bytes()
        if not raw.strip():
            problems.append(InputProblem(sheet, None, None, None, "error.file.empty_csv", str(file)))
            continue
        if b"\x00" in raw.split(b"\n", 1)[0]:  # a NUL in a data row is that cell's problem, named by row
            problems.append(InputProblem(sheet, None, None, None, "error.file.nul_bytes", str(file)))
            continue
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.append(InputProblem(sheet, None, None, None, "error.file.not_utf8", str(file),
                                         params={"byte": exc.start}))
            continue
        try:
            records = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            problems.append(InputProblem(sheet, None, None, None, "error.file.bad_csv", str(file),
                                         params={"detail": str(exc)}))
            continue
        header: list[object] = list(records[0]) if records else []
        body: _RawRows = [(number, list(values)) for number, values in enumerate(records[1:], start=2)]
        sheets[sheet] = (header, body)
    return sheets, problems, ignored


@dataclass
class _SheetRead:
    """What could be read of one sheet: its records (unreadable cells left blank) and where the problems are."""

    records: list[dict[str, object]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    unreadable_cells: set[tuple[str, int, str]] = field(default_factory=set)
    readable: bool = True


def _parse_sheet(sheet: Sheet, header: Sequence[object], body: _RawRows, source: str) -> _SheetRead:
    read = _SheetRead()
    position: dict[str, int] = {}
    column_for = _column_for_header(sheet)
    for index, raw in enumerate(header):
        written = _header_name(raw)
        if not written:
            continue
        name = column_for.get(written, written)
        if name in position:
            read.problems.append(InputProblem(sheet.name, 1, name, raw, "error.file.duplicate_column", source))
        position.setdefault(name, index)
    for column in sheet.columns:
        if column.required and column.name not in position:
            read.problems.append(InputProblem(sheet.name, 1, column.name, None, "error.file.missing_column", source))
    if read.problems:
        read.readable = False  # without its header no row of the sheet can be trusted
        return read
    for number, values in body:
        if all(is_blank(v) for v in values):
            continue
        record: dict[str, object] = {}
        for column in sheet.columns:
            at = position.get(column.name)
            raw = values[at] if at is not None and at < len(values) else None
            try:
                record[column.name] = parse_cell(column, raw)
            except CellError as exc:
                shown = raw.strip() if isinstance(raw, str) else raw
                read.problems.append(InputProblem(sheet.name, number, column.name, shown, exc.code, source,
                                                  params=exc.params))
                read.unreadable_cells.add((sheet.name, number, column.name))
                record[column.name] = None
        read.records.append(record)
        read.rows.append(number)
    return read


@dataclass(frozen=True)
class InputRead:
    """A dataset read from a file or folder, and what the reader wants the user to know."""

    dataset: Dataset
    notices: list[Phrase]

    @property
    def warnings(self) -> list[str]:
        """The notices in English, as the command line gives them."""
        return [render(notice, "en") for notice in self.notices]


def _problem_order(problem: InputProblem) -> tuple[int, int, int, str]:
    sheets = list(SHEETS)
    sheet = sheets.index(problem.sheet) + 1 if problem.sheet in SHEETS else 0
    columns = SHEETS[problem.sheet].column_names if problem.sheet in SHEETS else []
    column = columns.index(problem.column) if problem.column in columns else -1
    return sheet, problem.row or 0, column, problem.reason


def read_input(path: str | os.PathLike[str], *, year: int | None = None,
               stored: Dataset | Callable[[Dataset], Dataset] | None = None) -> InputRead:
    """Read a workbook or a CSV folder, check it, and return the dataset with the reader's warnings.

    Every problem is reported at once: cells that cannot be read, and the consistency checks (unknown codes,
    roles, hierarchy, cycles, ...) run on every row that did read, skipping only what depends on a cell or a
    sheet that did not. Problems are sorted by sheet, row and column.

    A plan or budget line without a ``year`` takes ``year`` (default: the current calendar year). With ``stored``
    (the dataset an import would change: at least its plans and budget lines of the years the file does not
    contain that the checks read, or a function of the file's dataset that returns them) the file is also checked
    against the years it keeps (:func:`chainplan.years.check_years`): codes unique across years, kept rows naming
    what the file still has, and outcomes may name plans of kept years.

    Raises
    ------
    DatasetError
        With every problem found (file, sheet, spreadsheet row, column, value, reason).
    """
    source = Path(path)
    notices: list[Phrase] = []
    if not source.exists():
        raise DatasetError([InputProblem(None, None, None, None, "error.file.no_such_path", str(source))])
    if source.is_dir():
        raw_sheets, problems, ignored = _csv_sheets(source)
        if ignored:
            notices.append(Phrase("workbook.ignored_files", {"count": len(ignored), "files": Joined(tuple(ignored))}))
    elif source.suffix.lower() in (".xlsx", ".xlsm"):
        raw_sheets, problems = _xlsx_sheets(source)
    else:
        raise DatasetError([InputProblem(None, None, None, None, "error.file.not_input", str(source))])
    if problems and not raw_sheets:
        raise DatasetError(sorted(problems, key=_problem_order))
    records: dict[str, list[dict[str, object]]] = {}
    rows: dict[str, list[int]] = {}
    unreadable_cells: set[tuple[str, int, str]] = set()
    unreadable_sheets: set[str] = {p.sheet for p in problems if p.sheet}
    for name, sheet in SHEETS.items():
        if name not in raw_sheets:
            if not sheet.optional and name not in unreadable_sheets:
                missing = "error.file.missing_csv" if source.is_dir() else "error.file.missing_sheet"
                problems.append(InputProblem(name, None, None, None, missing, str(source), params={"sheet": name}))
                unreadable_sheets.add(name)
            continue
        header, body = raw_sheets[name]
        read = _parse_sheet(sheet, header, body, str(source))
        problems.extend(read.problems)
        unreadable_cells |= read.unreadable_cells
        if not read.readable:
            unreadable_sheets.add(name)
            continue
        records[name], rows[name] = read.records, read.rows
    dataset = with_year(Dataset.from_records(records, rows), dt.date.today().year if year is None else year,
                        unread=unreadable_cells)
    if callable(stored):
        stored = stored(dataset)
    kept = kept_years(stored, dataset) if stored is not None else None
    found = check_dataset(dataset, unreadable_cells=unreadable_cells, unreadable_sheets=unreadable_sheets,
                          known_plans=() if kept is None else set(kept.plans["code"]))
    if stored is not None:
        found += check_years(dataset, stored, unreadable_sheets=unreadable_sheets)
    problems += [replace(p, source=str(source)) for p in found]
    if problems:
        raise DatasetError(sorted(problems, key=_problem_order))
    return InputRead(dataset, notices)


def read_dataset(path: str | os.PathLike[str]) -> Dataset:
    """Read a workbook or a CSV folder, check it, and return the dataset (see :func:`read_input`)."""
    return read_input(path).dataset


@contextlib.contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` that replaces it only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600; the user expects an ordinary file
    try:
        yield Path(temporary)
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _sheet_rows(records: list[dict[str, object]], sheet: Sheet, *, for_csv: bool) -> Iterable[list[object]]:
    for record in records:
        yield [format_cell(c, record[c.name], for_csv=for_csv) for c in sheet.columns]


def _write_xlsx(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[object]]]], target: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        worksheet = workbook.create_sheet(title)
        worksheet.append(list(header))
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        for r, values in enumerate(rows, start=2):
            for c, value in enumerate(values, start=1):
                cell = worksheet.cell(row=r, column=c, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text that looks like a formula stays text
        worksheet.freeze_panes = "A2"
        for index, name in enumerate(header, start=1):
            letter = worksheet.cell(row=1, column=index).column_letter
            worksheet.column_dimensions[letter].width = max(12, min(48, len(str(name)) + 4))
    with replacing(target) as temporary:
        workbook.save(temporary)


def write_dataset(dataset: Dataset, path: str | os.PathLike[str]) -> Path:
    """Write every sheet: a workbook when ``path`` ends in ``.xlsx``, else a folder of CSV files."""
    target = Path(path)
    records = dataset.to_records()
    if target.suffix.lower() == ".xlsx":
        _write_xlsx(
            ((s.name, s.column_names, _sheet_rows(records[s.name], s, for_csv=False)) for s in SHEETS.values()),
            target,
        )
        return target
    if target.exists() and not target.is_dir():
        raise DatasetError([InputProblem(None, None, None, None, "error.file.not_a_folder", str(target))])
    target.mkdir(parents=True, exist_ok=True)
    # Every file is written in a scratch folder first, so a failure leaves the old files as they were.
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.", dir=target.parent) as scratch:
        for sheet in SHEETS.values():
            with (Path(scratch) / f"{sheet.name}.csv").open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(sheet.column_names)
                writer.writerows(_sheet_rows(records[sheet.name], sheet, for_csv=True))
        for sheet in SHEETS.values():
            os.replace(Path(scratch) / f"{sheet.name}.csv", target / f"{sheet.name}.csv")
    return target


def write_template(path: str | os.PathLike[str]) -> Path:
    """Write the empty input workbook: a README sheet, then every sheet with its headers and no rows."""
    from chainplan.io.template import readme_rows

    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise DatasetError([InputProblem(None, None, None, None, "error.file.template_xlsx", str(target))])
    sheets: list[tuple[str, Sequence[str], Iterable[Sequence[object]]]] = [
        ("README", ["sheet", "column", "required", "kind", "Tiếng Việt", "English", "example"], readme_rows())
    ]
    sheets += [(s.name, s.column_names, ()) for s in SHEETS.values()]
    _write_xlsx(sheets, target)
    return target


def _cell_for_excel(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()  # numpy scalars
    if isinstance(value, list | tuple | dict | set):
        return "; ".join(map(str, value)) if not isinstance(value, dict) else "; ".join(
            f"{k}: {v}" for k, v in value.items())
    return value


def write_frames(frames: Mapping[str, pd.DataFrame], path: str | os.PathLike[str]) -> Path:
    """Write report tables (one sheet per frame) to an ``.xlsx`` workbook, replacing it only when complete."""
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise DatasetError([InputProblem(None, None, None, None, "error.file.report_xlsx", str(target))])
    _write_xlsx(
        ((name, [str(c) for c in frame.columns],
          ([_cell_for_excel(v) for v in row] for row in frame.itertuples(index=False, name=None)))
         for name, frame in frames.items()),
        target,
    )
    return target
