"""Refusals and problems that carry a catalogue code and parameters, never a sentence.

Every exception a person may see derives from :class:`ChainplanError`. It holds the code of its message in the
catalogue (:mod:`chainplan.wording`) and the parameters as values; each entry point writes it in its own
language with :meth:`ChainplanError.message`. ``str(exc)`` is the English sentence, which the command line
prints as documented.

Examples
--------
>>> exc = ChainplanError("error.run.unknown", run=7)
>>> str(exc), exc.message("vi")
('There is no run 7.', 'Không có phương án 7.')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chainplan.wording import NameBook, text

__all__ = ["ChainplanError"]


class ChainplanError(Exception):
    """A refusal with a catalogue ``code`` and its ``params`` (values, written per language on demand)."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        self.params: Mapping[str, Any] = params
        super().__init__(code)

    def message(self, lang: str, names: NameBook | None = None) -> str:
        """The sentence in ``lang`` (``vi`` or ``en``), with dataset names when ``names`` is given."""
        return text(self.code, lang, names=names, **self.params)

    def __str__(self) -> str:
        return self.message("en")
