"""Reading and writing single cells the way ``DATA_FORMAT.md`` says.

Examples
--------
>>> from chainplan.schema import SHEETS
>>> amount = SHEETS["budget_lines"].column("amount_vnd")
>>> parse_cell(amount, "1.500.000.000"), parse_cell(amount, 1500000000.0)
(1500000000, 1500000000)
>>> parse_cell(SHEETS["organizations"].column("is_new"), "có")
True
>>> parse_cell(SHEETS["products"].column("stars"), 7)
Traceback (most recent call last):
...
chainplan.io.cells.CellError: must be at most 5
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from chainplan.errors import ChainplanError, exact_number
from chainplan.money import MoneyError, parse_vnd
from chainplan.schema import Column
from chainplan.wording import Joined

__all__ = ["MAX_CODE_LENGTH", "MAX_QUANTITY", "CellError", "control_character", "format_cell", "is_blank",
           "parse_cell"]

#: Codes are keys in storage (``VARCHAR(64)``).
MAX_CODE_LENGTH = 64
#: Quantities (capacities, outputs, demand, points) above this are refused: they are typing errors, and they
#: would turn flows and benefits into infinities downstream.
MAX_QUANTITY = 1e15
_TRUE = {"true", "1", "yes", "có", "co", "x", "y"}
_FALSE = {"false", "0", "no", "không", "khong", "n"}


class CellError(ChainplanError, ValueError):
    """A cell's value cannot be read; the code names the reason shown to the user."""


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "") or (
        isinstance(raw, float) and math.isnan(raw)
    )


def control_character(text: str, *, allow_line_breaks: bool = False) -> str | None:
    r"""The first control character (or lone surrogate) in ``text``, as ``U+XXXX``; ``None`` when clean.

    NUL and the other C0/C1 controls cannot be stored by PostgreSQL or shown in a workbook; line breaks and tabs
    are allowed in free text only.

    Examples
    --------
    >>> control_character("Chè Ba Chẽ"), control_character("A\x00B"), control_character("a\nb", allow_line_breaks=True)
    (None, 'U+0000', None)
    """
    for character in text:
        point = ord(character)
        if point < 32 or 127 <= point < 160 or 0xD800 <= point <= 0xDFFF:
            if allow_line_breaks and character in "\t\n\r":
                continue
            return f"U+{point:04X}"
    return None


def _clean_text(raw: object, *, allow_line_breaks: bool = False) -> str:
    text = _as_text(raw)
    found = control_character(text, allow_line_breaks=allow_line_breaks)
    if found:
        raise CellError("error.value.control_character", point=found)
    return text


def _as_text(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime | dt.date):
        return raw.isoformat()
    return str(raw).strip()


def _number(raw: object) -> float:
    if isinstance(raw, bool):
        raise CellError("error.value.not_a_number")
    if isinstance(raw, int | float):
        try:
            value = float(raw)
        except OverflowError:  # an integer too large for a float
            raise CellError("error.value.at_most", maximum=exact_number(MAX_QUANTITY)) from None
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # Vietnamese decimal comma: 72,5
        try:
            value = float(text)
        except ValueError:
            raise CellError("error.value.not_a_number") from None
    if math.isnan(value) or math.isinf(value):
        raise CellError("error.value.not_finite")
    return value


def _money(raw: object) -> int:
    try:
        return parse_vnd(raw)
    except MoneyError as exc:
        raise CellError(exc.code, **exc.params) from None


def _bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("error.value.not_bool")


def _date(raw: object) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError("error.value.not_date")


def _check_range(column: Column, value: float) -> None:
    def bound(limit: float) -> Any:
        # A year is written as a year (2000), not as a quantity (2,000).
        return str(int(limit)) if column.name == "year" else exact_number(limit)

    if column.minimum is not None:
        if column.minimum_exclusive and value <= column.minimum:
            raise CellError("error.value.greater_than", minimum=bound(column.minimum))
        if value < column.minimum:
            raise CellError("error.value.at_least", minimum=bound(column.minimum))
    if column.maximum is not None and value > column.maximum:
        raise CellError("error.value.at_most", maximum=bound(column.maximum))


def parse_cell(column: Column, raw: object) -> object:
    """Turn one raw cell (from openpyxl or CSV) into the column's value; blanks give ``None``.

    Raises
    ------
    CellError
        With the reason, when the value is not of the column's kind or outside its range.
    """
    if is_blank(raw):
        if column.required:
            raise CellError("error.value.required")
        return None
    kind = column.kind
    if kind == "code":
        code = _clean_text(raw)
        if len(code) > MAX_CODE_LENGTH:
            raise CellError("error.value.code_too_long", most=MAX_CODE_LENGTH)
        return code
    if kind == "text":
        return _clean_text(raw, allow_line_breaks=True)
    if kind == "enum":
        text = _clean_text(raw).lower()
        if text not in column.choices:
            raise CellError("error.value.one_of", choices=Joined(column.choices))
        return text
    if kind == "bool":
        return _bool(raw)
    if kind == "money":
        amount = _money(raw)
        _check_range(column, amount)
        return amount
    if kind == "number":
        value = _number(raw)
        _check_range(column, value)
        if abs(value) > MAX_QUANTITY:
            raise CellError("error.value.at_most", maximum=exact_number(MAX_QUANTITY))
        return value
    if kind == "integer":
        value = _number(raw)
        if not value.is_integer():
            raise CellError("error.value.not_whole")
        _check_range(column, value)
        return int(value)
    if kind == "list":
        return [part.strip() for part in _clean_text(raw).split(";") if part.strip()]
    if kind == "date":
        return _date(raw)
    raise AssertionError(f"unknown column kind {kind}")


def format_cell(column: Column, value: object, *, for_csv: bool) -> object:
    """The value to write for a cell: native types for a workbook, text for CSV; ``None`` is a blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "" if for_csv else None
    if column.kind == "bool":
        return ("true" if value else "false") if for_csv else bool(value)
    if column.kind == "list":
        return ";".join(value)  # type: ignore[arg-type]
    if column.kind == "number":
        number = float(value)  # type: ignore[arg-type]
        if number.is_integer():
            return str(int(number)) if for_csv else int(number)
        return repr(number) if for_csv else number
    if column.kind == "date":
        return value.isoformat() if for_csv else value  # type: ignore[attr-defined]
    if for_csv:
        return str(value)
    return value
