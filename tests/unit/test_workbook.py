"""Workbook and CSV folder: template -> fill -> import -> export -> import, all errors at once, no tracebacks."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from chainplan.dataset import Dataset, DatasetError
from chainplan.io import read_dataset, write_dataset, write_template
from chainplan.io.cells import format_cell
from chainplan.schema import SHEETS
from chainplan.years import with_year
from tests.unit.test_dataset_checks import BASE


def fill_template(path: Path, records: dict[str, list[dict[str, object]]]) -> None:
    """Type the records into the template's sheets as a planner would: text, Vietnamese money format."""
    workbook = load_workbook(path)
    for name, sheet in SHEETS.items():
        worksheet = workbook[name]
        header = [c.value for c in worksheet[1]]
        assert header == sheet.column_names
        for record in records.get(name, []):
            row = []
            for column in sheet.columns:
                value = record.get(column.name)
                if column.kind == "money" and value is not None:
                    row.append(f"{value:,}".replace(",", "."))
                else:
                    row.append(format_cell(column, value, for_csv=True) if value is not None else None)
            worksheet.append(row)
    workbook.save(path)


def test_template_has_every_sheet_header_and_a_bilingual_readme(tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx")
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["README", *SHEETS]
    readme = [[c.value for c in row] for row in workbook["README"].iter_rows()]
    described = {(r[0], r[1]) for r in readme[1:] if r[1]}
    assert described == {(s.name, c.name) for s in SHEETS.values() for c in s.columns}
    assert all(r[4] and r[5] for r in readme[1:] if r[1]), "every column has Vietnamese and English help"
    for name in SHEETS:
        assert workbook[name].max_row == 1
    assert read_dataset(path).counts() == {name: 0 for name in SHEETS}


@pytest.mark.parametrize("second", ["again.xlsx", "again_csv"])
def test_template_fill_import_export_import_round_trips(tmp_path: Path, second: str) -> None:
    records = copy.deepcopy(BASE)
    records["regions"][1]["name"] = "Huyện Ba Chẽ – Đồng bào Dao, Tày, Sán Chỉ ắ ặ ỹ"
    records["appraisals"][0].update(score=74.5, appraised_on=dt.date(2020, 4, 15), appraiser="Phòng NN&PTNT")
    records["plans"][1]["excludes_plans"] = ["A"]
    records["budget_lines"][0]["amount_vnd"] = 1_500_000_000
    path = write_template(tmp_path / "filled.xlsx")
    fill_template(path, records)
    first = read_dataset(path)
    assert first.regions.loc[3, "name"] == records["regions"][1]["name"]
    assert first.budget_lines.loc[2, "amount_vnd"] == 1_500_000_000
    exported = write_dataset(first, tmp_path / second)
    again = read_dataset(exported)
    assert again.to_records() == first.to_records()
    assert again.fingerprint() == first.fingerprint()
    # Byte for byte: the UTF-8 encoding of the Vietnamese text is unchanged.
    assert again.regions.loc[3, "name"].encode() == records["regions"][1]["name"].encode()


def test_demo_round_trips_through_both_formats(tmp_path: Path, demo: Dataset) -> None:
    for target in (tmp_path / "demo.xlsx", tmp_path / "demo_csv"):
        assert read_dataset(write_dataset(demo, target)).to_records() == demo.to_records()


def test_a_name_that_looks_like_a_formula_is_exported_as_text_and_read_back_the_same(tmp_path: Path,
                                                                                    demo: Dataset) -> None:
    records = demo.to_records()
    formula = '=HYPERLINK("http://example.invalid","click")'
    records["products"][0]["name"] = formula
    dataset = Dataset.from_records(records)
    target = write_dataset(dataset, tmp_path / "formula.xlsx")
    sheet = load_workbook(target)["products"]
    column = [cell.value for cell in sheet[1]].index("name") + 1
    cell = sheet.cell(row=2, column=column)
    assert (cell.value, cell.data_type) == (formula, "s")
    assert read_dataset(target).to_records() == dataset.to_records()


TEN_ERRORS = [
    ("regions", 3, "level", "ward", "must be one of"),
    ("organizations", 2, "is_new", "perhaps", "true/false"),
    ("organizations", 4, "role", "farmer", "must be one of"),
    ("products", 2, "stars", "7", "at most 5"),
    ("products", 2, "ocop_score", "-3", "at least 0"),
    ("links", 3, "capacity", "lots", "must be a number"),
    ("budget_lines", 2, "amount_vnd", "1,5 tỷ", "whole amount of VND"),
    ("plans", 3, "success_probability", "1.2", "at most 1"),
    ("plan_requests", 2, "amount_vnd", "0", "greater than 0"),
    ("appraisals", 2, "appraised_on", "yesterday", "must be a date"),
]


def _break_csv(folder: Path, sheet: str, row: int, column: str, value: str) -> None:
    file = folder / f"{sheet}.csv"
    with file.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[row - 1][rows[0].index(column)] = value
    with file.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def _break_xlsx(path: Path, sheet: str, row: int, column: str, value: str) -> None:
    workbook = load_workbook(path)
    worksheet = workbook[sheet]
    header = [c.value for c in worksheet[1]]
    worksheet.cell(row=row, column=header.index(column) + 1, value=value)
    workbook.save(path)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_ten_errors_on_different_sheets_are_all_reported(tmp_path: Path, kind: str) -> None:
    target = tmp_path / ("bad.xlsx" if kind == "xlsx" else "bad")
    write_dataset(Dataset.from_records(BASE), target)
    for sheet, row, column, value, _ in TEN_ERRORS:
        (_break_xlsx if kind == "xlsx" else _break_csv)(target, sheet, row, column, value)
    with pytest.raises(DatasetError) as caught:
        read_dataset(target)
    found = {(p.sheet, p.row, p.column): p for p in caught.value.problems}
    assert len(caught.value.problems) == 10
    for sheet, row, column, value, reason in TEN_ERRORS:
        problem = found[(sheet, row, column)]
        assert reason in problem.reason
        assert str(problem.value) == value
        assert problem.source == str(target)


def test_missing_sheet_column_and_unreadable_files(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    write_dataset(Dataset.from_records(BASE), folder)
    (folder / "plans.csv").unlink()
    (folder / "links.csv").write_text("from_code,to_code\nP,D\n", encoding="utf-8")
    (folder / "demand.csv").unlink()  # optional sheet: fine
    with pytest.raises(DatasetError) as caught:
        read_dataset(folder)
    reasons = {(p.sheet, p.column, p.reason) for p in caught.value.problems}
    assert ("plans", None, "plans.csv is missing") in reasons
    assert ("links", "product_code", "required column is missing") in reasons
    assert ("links", "capacity", "required column is missing") in reasons
    (folder / "regions.csv").write_bytes("code,name\n\xff\xfe".encode("latin-1"))
    with pytest.raises(DatasetError, match="not UTF-8"):
        read_dataset(folder)
    not_a_workbook = tmp_path / "x.xlsx"
    not_a_workbook.write_text("hello", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"cannot be read as an \.xlsx workbook"):
        read_dataset(not_a_workbook)
    with pytest.raises(DatasetError, match="no such file"):
        read_dataset(tmp_path / "absent.xlsx")


def test_consistency_errors_carry_the_file(tmp_path: Path) -> None:
    records = copy.deepcopy(BASE)
    records["links"][0]["to_code"] = "NOPE"
    folder = write_dataset(Dataset.from_records(records), tmp_path / "c")
    with pytest.raises(DatasetError) as caught:
        read_dataset(folder)
    [problem] = caught.value.problems
    assert (problem.source, problem.sheet, problem.row, problem.column) == (str(folder), "links", 2, "to_code")


def test_vietnamese_headers_with_stars_and_blank_rows_are_tolerated(tmp_path: Path) -> None:
    folder = write_dataset(Dataset.from_records(BASE), tmp_path / "c")
    text = (folder / "regions.csv").read_text(encoding="utf-8").replace("code,name", "Code*, Name ", 1)
    (folder / "regions.csv").write_text(text + ",,,\n", encoding="utf-8-sig")
    assert len(read_dataset(folder).regions) == 3


_SHEET_COLUMNS = [(s.name, c.name) for s in SHEETS.values() for c in s.columns]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cell=st.sampled_from(_SHEET_COLUMNS),
    row=st.integers(min_value=2, max_value=4),
    value=st.one_of(st.text(max_size=30), st.sampled_from(["-1", "1e309", "nan", "x" * 70, "a>b>c", "=1+1",
                                                           "min_stars:9", "31/02/2020", "1.2.3", ";;"])),
)
def test_random_bad_cells_never_raise_anything_but_dataset_error(
    tmp_path_factory: pytest.TempPathFactory, cell: tuple[str, str], row: int, value: str
) -> None:
    base = tmp_path_factory.getbasetemp() / "hypothesis-base"
    if not base.exists():
        write_dataset(Dataset.from_records(BASE), base)
    folder = tmp_path_factory.mktemp("bad")
    shutil.copytree(base, folder, dirs_exist_ok=True)
    sheet, column = cell
    rows = list(csv.reader((folder / f"{sheet}.csv").open(encoding="utf-8")))
    while len(rows) <= row - 1:
        rows.append([""] * len(rows[0]))
    rows[row - 1][rows[0].index(column)] = value.replace("\x00", "")
    with (folder / f"{sheet}.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    try:
        dataset = read_dataset(folder)
    except DatasetError as exc:
        assert exc.problems and all(p.reason for p in exc.problems)
    else:
        # What reads must be consistent and must survive a write and a second read unchanged.
        from chainplan.dataset import check_dataset

        assert check_dataset(dataset) == []
        again = read_dataset(write_dataset(dataset, tmp_path_factory.mktemp("again") / "data"))
        assert again.to_records() == dataset.to_records()


def test_vietnamese_headers_are_accepted(tmp_path: Path) -> None:
    import unicodedata

    from chainplan.schema import VIETNAMESE_HEADERS

    folder = write_dataset(Dataset.from_records(BASE), tmp_path / "vi")
    for sheet in SHEETS.values():
        file = folder / f"{sheet.name}.csv"
        lines = file.read_text(encoding="utf-8").split("\n", 1)
        header = [VIETNAMESE_HEADERS[sheet.name][c] for c in lines[0].split(",")]
        # Decomposed Unicode (NFD), upper case and a required-star, as a spreadsheet may save them.
        written = ",".join(unicodedata.normalize("NFD", h.upper()) + "*" for h in header)
        file.write_text(written + "\n" + lines[1], encoding="utf-8")
    # BASE gives no year: its plans and lines take the current one, as an import without --year gives them.
    assert read_dataset(folder).to_records() == with_year(Dataset.from_records(BASE),
                                                          dt.date.today().year).to_records()


def test_every_column_has_one_vietnamese_header_per_sheet() -> None:
    from chainplan.schema import VIETNAMESE_HEADERS

    for name, sheet in SHEETS.items():
        assert set(VIETNAMESE_HEADERS[name]) == set(sheet.column_names), name
        assert len(set(VIETNAMESE_HEADERS[name].values())) == len(sheet.columns), name


def test_the_template_explains_year_outcomes_and_inspections_in_both_languages(tmp_path: Path) -> None:
    from chainplan.schema import VIETNAMESE_HEADERS

    workbook = load_workbook(write_template(tmp_path / "template.xlsx"), read_only=True)
    readme = [row for row in workbook["README"].iter_rows(values_only=True)][1:]
    for sheet in ("outcomes", "inspections"):
        assert sheet in workbook.sheetnames
        [about] = [row for row in readme if row[0] == sheet and not row[1]]
        assert about[4] == SHEETS[sheet].help_vi + " (optional / không bắt buộc)" and about[5].startswith(
            SHEETS[sheet].help_en)
        for column in SHEETS[sheet].columns:
            [row] = [r for r in readme if r[0] == sheet and r[1] == column.name]
            assert column.help_vi in row[4] and VIETNAMESE_HEADERS[sheet][column.name] in row[4]
            assert row[5] == column.help_en
    for sheet in ("plans", "budget_lines"):
        [row] = [r for r in readme if r[0] == sheet and r[1] == "year"]
        assert '"năm"' in row[4] and "2000" in row[3] and "2100" in row[3] and "year" in row[5].lower()


def test_a_year_out_of_range_is_refused_with_the_year_written_as_a_year() -> None:
    from chainplan.io.cells import CellError, parse_cell
    from chainplan.schema import SHEETS

    [column] = [c for c in SHEETS["plans"].columns if c.name == "year"]
    with pytest.raises(CellError) as low:
        parse_cell(column, 1999)
    with pytest.raises(CellError) as high:
        parse_cell(column, 2101)
    assert "2000" in low.value.message("en") and "2,000" not in low.value.message("en")
    assert "2100" in high.value.message("vi") and "2.100" not in high.value.message("vi")


def test_a_year_that_cannot_be_read_is_one_problem_not_a_default_year_that_breaks_others(
        tmp_path: Path, demo: Dataset) -> None:
    # A plan of 2017 with its year mistyped as 1999: before, the reader gave it this calendar year, and its requests
    # on 2017's budget lines were reported as of another year too.
    folder = tmp_path / "data"
    write_dataset(demo, folder)
    path = folder / "plans.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    year = rows[0].index("year")
    rows[1][year] = "1999"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(DatasetError) as refused:
        read_dataset(folder)
    assert [(p.sheet, p.row, p.column) for p in refused.value.problems] == [("plans", 2, "year")]
