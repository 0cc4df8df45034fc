"""Import never tracebacks and never half-writes, on SQLite and PostgreSQL; every problem is reported at once."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainplan.dataset import Dataset, DatasetError
from chainplan.io import read_dataset, read_input, write_dataset
from chainplan.schema import SHEETS
from chainplan.years import with_year
from models.cli import main
from models.uow import SqlAlchemyUnitOfWork
from tests.unit.test_dataset_checks import BASE

SHEET_COLUMNS = [(s.name, c.name) for s in SHEETS.values() for c in s.columns]

#: Cells of every kind a person (or a broken export) may type: text in other scripts, control characters,
#: huge and negative numbers, fractions, dates, formulas.
CELL_TEXT = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Lo", "So", "Zs"]), max_size=8),
    st.sampled_from(["9223372036854775808", "1" + "0" * 30, "-1", "-9223372036854775809", "1e309", "-0", "nan",
                     "1.5", "300.000", "1,500,000,000", "2020-02-30", "31/12/2020", "0001-01-01", "=SUM(A1)",
                     "Chè Ba Chẽ", "鱼露", "ปลา", "x" * 70, "a>b", "min_stars:9", "có", ";;", "\u200b"]),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
CELL_TYPED = st.one_of(
    CELL_TEXT,
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.booleans(),
)


def _counts(url: str) -> dict[str, int]:
    with SqlAlchemyUnitOfWork(url) as uow:
        return uow.repository.counts()


def _run_import(url: str, path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["--db", url, "import", str(path), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def base_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(Dataset.from_records(BASE), tmp_path_factory.mktemp("base") / "data")


def _set_csv_cell(folder: Path, sheet: str, column: str, row: int, value: str) -> None:
    file = folder / f"{sheet}.csv"
    rows = list(csv.reader(file.open(encoding="utf-8", newline="")))
    while len(rows) <= row - 1:
        rows.append([""] * len(rows[0]))
    rows[row - 1][rows[0].index(column)] = value
    with file.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(cells=st.lists(st.tuples(st.sampled_from(SHEET_COLUMNS), st.integers(2, 4), CELL_TEXT), min_size=1,
                      max_size=3))
def test_csv_fuzz_imports_or_exits_2_and_writes_nothing(
    database_url: str, base_folder: Path, tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str], cells: list[tuple[tuple[str, str], int, str]],
) -> None:
    folder = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(base_folder, folder)
    for (sheet, column), row, value in cells:
        _set_csv_cell(folder, sheet, column, row, value)
    before = _counts(database_url)
    code, document = _run_import(database_url, folder, capsys)  # a traceback fails the test here
    assert code in (0, 2)
    if code == 2:
        assert document["problems"] and all(p["reason"] for p in document["problems"])
        assert _counts(database_url) == before


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(cells=st.lists(st.tuples(st.sampled_from(SHEET_COLUMNS), st.integers(2, 4), CELL_TYPED), min_size=1,
                      max_size=3))
def test_workbook_fuzz_with_typed_cells(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str],
    cells: list[tuple[tuple[str, str], int, object]],
) -> None:
    from openpyxl import load_workbook

    path = write_dataset(Dataset.from_records(BASE), tmp_path_factory.mktemp("xlsx") / "data.xlsx")
    workbook = load_workbook(path)
    for (sheet, column), row, value in cells:
        worksheet = workbook[sheet]
        header = [c.value for c in worksheet[1]]
        cell = worksheet.cell(row=row, column=header.index(column) + 1)
        if isinstance(value, str) and any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
            value = value.encode("unicode_escape").decode()  # openpyxl itself refuses control characters
        cell.value = value
    workbook.save(path)
    before = _counts(database_url)
    code, document = _run_import(database_url, path, capsys)
    assert code in (0, 2)
    if code == 2:
        assert document["problems"]
        assert _counts(database_url) == before


def test_a_bad_cell_and_an_unknown_code_are_reported_together(tmp_path: Path) -> None:
    records = copy.deepcopy(BASE)
    records["links"][0]["to_code"] = "NOPE"  # a consistency problem, row 2 of links
    folder = write_dataset(Dataset.from_records(records), tmp_path / "data")
    _set_csv_cell(folder, "regions", "level", 3, "county")  # a cell problem, row 3 of regions
    _set_csv_cell(folder, "organizations", "name", 2, "Hợp tác xã\x00")  # a control character
    with pytest.raises(DatasetError) as caught:
        read_dataset(folder)
    found = [(p.sheet, p.row, p.column) for p in caught.value.problems]
    assert found == [("regions", 3, "level"), ("organizations", 2, "name"), ("links", 2, "to_code")]
    assert "control character (U+0000)" in caught.value.problems[1].reason


def test_a_missing_sheet_does_not_make_every_reference_unknown(tmp_path: Path) -> None:
    folder = write_dataset(Dataset.from_records(BASE), tmp_path / "data")
    (folder / "organizations.csv").unlink()
    records = copy.deepcopy(BASE)
    with pytest.raises(DatasetError) as caught:
        read_dataset(folder)
    assert [(p.sheet, p.reason) for p in caught.value.problems] == [("organizations", "organizations.csv is missing")]
    assert records  # the other sheets were read and checked: nothing else is wrong with them


@pytest.mark.parametrize("amount", ["9223372036854775808", "1" + "0" * 30, "1000000000000001"])
def test_money_above_the_ceiling_is_a_problem_with_its_cell(tmp_path: Path, amount: str) -> None:
    folder = write_dataset(Dataset.from_records(BASE), tmp_path / "data")
    _set_csv_cell(folder, "budget_lines", "amount_vnd", 2, amount)
    with pytest.raises(DatasetError) as caught:
        read_dataset(folder)
    [problem] = caught.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("budget_lines", 2, "amount_vnd")
    assert "at most 1,000,000,000,000,000 VND" in problem.reason  # the ceiling is a money value, written per language
    assert "1.000.000.000.000.000 ₫" in problem.message("vi")


def test_files_that_are_not_sheets_are_ignored_with_a_warning(tmp_path: Path) -> None:
    folder = write_dataset(Dataset.from_records(BASE), tmp_path / "data")
    (folder / "notes.csv").write_bytes("ghi chú\n".encode("cp1258"))  # not UTF-8, and not a sheet
    (folder / "readme.txt").write_text("hello", encoding="utf-8")
    read = read_input(folder)
    # BASE gives no year: its plans and lines take the current one, as an import without --year gives them.
    assert read.dataset.to_records() == with_year(Dataset.from_records(BASE), dt.date.today().year).to_records()
    assert read.warnings == ["ignored 2 file(s) that are not sheets of the workbook: notes.csv, readme.txt"]


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "is empty: it needs at least the header row"),
    (b"\x00\x01\x02PK\x03\x04binary", "is not a text file (it contains NUL bytes); save it as CSV UTF-8"),
    (b"code,name,level\nQN,Qu\xe1ng Ninh,province\n", "is not UTF-8 text"),  # Latin-1, as old Excel saves
    (b"code,name,name,level,parent_code\nQN,A,B,province,\n", "column appears twice in the header"),
])
def test_broken_sheet_files_are_clear_problems(tmp_path: Path, content: bytes, reason: str) -> None:
    folder = write_dataset(Dataset.from_records(BASE), tmp_path / "data")
    (folder / "regions.csv").write_bytes(content)
    with pytest.raises(DatasetError) as caught:
        read_dataset(folder)
    [problem] = [p for p in caught.value.problems if p.sheet == "regions"]
    assert problem.reason.startswith(reason)
    # References to regions are not all reported as unknown because the sheet could not be read.
    assert not [p for p in caught.value.problems if "unknown region" in p.reason]
