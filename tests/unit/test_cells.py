from __future__ import annotations

import datetime as dt

import pytest

from chainplan.io.cells import CellError, format_cell, parse_cell
from chainplan.schema import SHEETS

AMOUNT = SHEETS["budget_lines"].column("amount_vnd")
REQUEST = SHEETS["plan_requests"].column("amount_vnd")
FLAG = SHEETS["organizations"].column("is_new")
STARS = SHEETS["products"].column("stars")
SCORE = SHEETS["products"].column("ocop_score")
LEVEL = SHEETS["regions"].column("level")
CODE = SHEETS["regions"].column("code")
LIST = SHEETS["plans"].column("excludes_plans")
DATE = SHEETS["appraisals"].column("appraised_on")


@pytest.mark.parametrize("raw", ["1.500.000.000", "1,500,000,000", "1 500 000 000", "1500000000",
                                 1500000000, 1500000000.0, "1.500.000.000 đ", "1500000000 VND"])
def test_money_accepts_every_written_form(raw: object) -> None:
    assert parse_cell(AMOUNT, raw) == 1_500_000_000


@pytest.mark.parametrize("raw", ["1.5", "1.500,000", "12.34.567", "abc", 1.5, True, "1,5 tỷ"])
def test_money_rejects_ambiguous_or_fractional_amounts(raw: object) -> None:
    with pytest.raises(CellError):
        parse_cell(AMOUNT, raw)


def test_money_ceiling_is_ten_to_the_fifteen_exactly() -> None:
    assert parse_cell(AMOUNT, 10**15) == parse_cell(AMOUNT, "1.000.000.000.000.000") == 10**15
    for raw in (10**15 + 1, "1.000.000.000.000.001", "1000000000000001 đ"):
        with pytest.raises(CellError, match="at most"):
            parse_cell(AMOUNT, raw)


@pytest.mark.parametrize(("raw", "accepted"), [(0, True), (-0.5, False), (100, True), (100.5, False)])
def test_a_score_is_read_up_to_its_bounds_and_not_a_hair_beyond(raw: float, accepted: bool) -> None:
    if accepted:
        assert parse_cell(SCORE, raw) == raw
    else:
        with pytest.raises(CellError, match=r"at (least 0|most 100)"):
            parse_cell(SCORE, raw)


def test_money_ranges() -> None:
    with pytest.raises(CellError, match="at least 0"):
        parse_cell(AMOUNT, "-5")
    with pytest.raises(CellError, match="greater than 0"):
        parse_cell(REQUEST, 0)
    assert parse_cell(AMOUNT, 0) == 0


@pytest.mark.parametrize(("raw", "expected"), [
    ("true", True), ("FALSE", False), ("1", True), (0, False), ("yes", True), ("no", False),
    ("có", True), ("Không", False), ("x", True), ("X", True), (True, True), ("", None), (None, None),
])
def test_booleans(raw: object, expected: object) -> None:
    assert parse_cell(FLAG, raw) is expected


def test_boolean_rejects_other_words() -> None:
    with pytest.raises(CellError, match="true/false"):
        parse_cell(FLAG, "maybe")


def test_integer_and_number_ranges() -> None:
    assert parse_cell(STARS, 4.0) == 4
    with pytest.raises(CellError, match="whole number"):
        parse_cell(STARS, 3.5)
    with pytest.raises(CellError, match="at most 100"):
        parse_cell(SCORE, 120)
    assert parse_cell(SCORE, "72,5") == 72.5
    with pytest.raises(CellError, match="finite"):
        parse_cell(SCORE, "nan")


def test_required_enum_code_list_and_date() -> None:
    with pytest.raises(CellError, match="required"):
        parse_cell(CODE, "  ")
    assert parse_cell(CODE, 101.0) == "101"
    assert parse_cell(LEVEL, " District ") == "district"
    with pytest.raises(CellError, match="one of"):
        parse_cell(LEVEL, "ward")
    assert parse_cell(LIST, "KH1; KH2;;") == ["KH1", "KH2"]
    assert parse_cell(DATE, "15/04/2020") == dt.date(2020, 4, 15)
    assert parse_cell(DATE, dt.datetime(2020, 4, 15, 0, 0)) == dt.date(2020, 4, 15)
    with pytest.raises(CellError, match="at most 64"):
        parse_cell(CODE, "x" * 65)


def test_format_then_parse_is_identity() -> None:
    for column, value in [(AMOUNT, 30_000_000_000), (FLAG, True), (SCORE, 72.5), (LIST, ["a", "b"]),
                          (DATE, dt.date(2020, 1, 2)), (CODE, "Mã-ĐT")]:
        for for_csv in (True, False):
            assert parse_cell(column, format_cell(column, value, for_csv=for_csv)) == value
