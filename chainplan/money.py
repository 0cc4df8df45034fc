"""Money is whole VND: how it is read (workbook cells and scenario files alike), bounded, scaled and written.

One reader serves the workbook, the CSV folder and the scenario files, so ``1.500.000.000`` means the same
thing wherever a planner writes it.

Examples
--------
>>> parse_vnd("1.500.000.000"), parse_vnd("1 500 000 000 đ"), parse_vnd(1500000000.0)
(1500000000, 1500000000, 1500000000)
>>> parse_vnd("300.5")
Traceback (most recent call last):
...
chainplan.money.MoneyError: must be a whole amount of VND, e.g. 1500000000 or 1.500.000.000
>>> scale_vnd(10_000_000_001, 0.7), format_vnd(7_000_000_000)
(7000000000, '7.000.000.000 VND')
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from chainplan.errors import ChainplanError
from chainplan.wording import Money
from chainplan.wording.numbers import format_money, format_number  # one home for numbers people read

__all__ = ["MAX_VND", "MoneyError", "exact_decimal", "format_money", "format_number", "format_vnd", "parse_vnd",
           "scale_vnd"]

#: The largest amount accepted in one cell or key: 10^15 VND (a million billion), several times the whole
#: national NTM programme for 2021-2025. Sums over many plans are kept in Python integers, never wrapped.
MAX_VND = 10**15

# Whole VND with optional thousands separators ('.', ',' or spaces, used consistently) and an optional unit.
_MONEY = re.compile(r"^(?P<sign>-?)(?P<digits>\d{1,3}(?:(?P<sep>[.,\s])\d{3})?(?:(?P=sep)\d{3})*|\d+)$")
_UNIT_SUFFIX = re.compile(r"\s*(vnd|vnđ|đồng|đ|d)$", re.IGNORECASE)


class MoneyError(ChainplanError, ValueError):
    """A value that is not a whole amount of VND within :data:`MAX_VND`; the code names the reason."""


def _too_large() -> MoneyError:
    return MoneyError("error.money.too_large", maximum=Money(MAX_VND))


def _bounded(value: int) -> int:
    if abs(value) > MAX_VND:
        raise _too_large()
    return value


def parse_vnd(raw: object) -> int:
    """Read whole VND from a number or from text with ``.``, ``,`` or spaces as thousands separators."""
    if isinstance(raw, bool):
        raise MoneyError("error.money.not_whole")
    if isinstance(raw, int):
        return _bounded(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise MoneyError("error.money.not_finite")
        if not raw.is_integer():
            raise MoneyError("error.money.fraction")
        return _bounded(int(raw))
    text = _UNIT_SUFFIX.sub("", str(raw).strip().replace("\u00a0", " ")).strip()
    match = _MONEY.match(text)
    if not match:
        raise MoneyError("error.money.bad_text")
    digits = re.sub(r"[.,\s]", "", match.group("digits"))
    if len(digits.lstrip("0")) > 16:  # refuse before building a huge integer (Python caps int() at 4,300 digits)
        raise _too_large()
    value = int(digits)
    return _bounded(-value if match.group("sign") else value)


def exact_decimal(value: float) -> Fraction:
    """The number the person wrote: ``0.06`` is exactly 6/100 (its shortest decimal form), not its binary twin."""
    return Fraction(repr(float(value)))


def scale_vnd(amount: int, factor: float) -> int:
    """``amount × factor`` rounded down to whole VND, computed exactly."""
    exact = exact_decimal(factor)
    return (int(amount) * exact.numerator) // exact.denominator


def format_vnd(amount: int | float) -> str:
    """Whole VND with Vietnamese thousands separators: ``1.500.000.000 VND``."""
    return f"{round(amount):,}".replace(",", ".") + " VND"
