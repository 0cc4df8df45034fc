"""Refusals and problems that carry a catalogue code and parameters, never a sentence.

Every exception a person may see derives from :class:`ChainplanError`. It holds the code of its message in the
catalogue (:mod:`chainplan.wording`) and the parameters as values; each entry point writes it in its own
language with :meth:`ChainplanError.message`. ``str(exc)`` is the English sentence, which the command line
prints as documented.

A refusal that lists problems (a workbook, a scenario file) keeps each one as an
:class:`~chainplan.dataset.InputProblem` with its place (file, sheet, row, column, key, value) and its own code.

Examples
--------
>>> exc = ChainplanError("error.product.unknown", product="NOPE")
>>> str(exc), exc.message("vi")
("unknown product code 'NOPE'", "Không có sản phẩm mã 'NOPE'.")
>>> text_of(ValueError("plain"), "vi"), text_of(exc, "vi")
('plain', "Không có sản phẩm mã 'NOPE'.")
>>> exact_number(0.25), exact_number(1e15)
(Number(value=0.25, decimals=6), 1000000000000000)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chainplan.wording import NameBook, Number

# Nothing of chainplan.wording is imported at the top: its numbers module raises a ChainplanError itself.

__all__ = ["ChainplanError", "EditConflict", "exact_number", "text_of"]


class ChainplanError(Exception):
    """A refusal with a catalogue ``code`` and its ``params`` (values, written per language on demand)."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        self.params: Mapping[str, Any] = params
        super().__init__(code)

    def message(self, lang: str, names: NameBook | None = None) -> str:
        """The sentence in ``lang`` (``vi`` or ``en``), with dataset names when ``names`` is given."""
        from chainplan.wording import text

        return text(self.code, lang, names=names, **self.params)

    def __str__(self) -> str:
        return self.message("en")

    def __reduce__(self) -> tuple[Any, ...]:
        # A refusal raised in a worker process (a sweep, a Dask task) crosses back by pickle: rebuild it from its
        # attributes, since the subclasses' constructors take other arguments than ``args``.
        return _restored, (type(self), self.args), self.__dict__


class EditConflict(ChainplanError, ValueError):
    """A form opened on an older version of a row: someone else saved it since. The message names who and when;
    ``version`` is the stored version now (a form that takes it over may save again, knowingly)."""

    def __init__(self, code: str, /, *, version: int, **params: Any) -> None:
        self.version = version
        super().__init__(code, **params)


def _restored(cls: type[ChainplanError], args: tuple[Any, ...]) -> ChainplanError:
    exc = cls.__new__(cls)
    exc.args = args
    return exc


def text_of(exc: BaseException, lang: str = "en", names: NameBook | None = None) -> str:
    """What a person reads for ``exc``: its catalogue message in ``lang`` for a refusal, else its own text (an
    unexpected failure, such as a database that cannot be reached, has no code)."""
    return exc.message(lang, names) if isinstance(exc, ChainplanError) else str(exc)


def exact_number(value: float) -> int | Number:
    """A number parameter written as the person wrote it: a whole number without decimals, a fraction with as
    many decimals as it has (at most six), in the language's separators."""
    from chainplan.wording import Number

    number = float(value)
    if math.isfinite(number) and number.is_integer():
        return int(number)
    return Number(number, 6)  # written without trailing zeros
