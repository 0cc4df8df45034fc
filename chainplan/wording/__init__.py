"""One language layer: every sentence and term a person reads, from a code and parameters, in Vietnamese and
English, with numbers, money, shares and dates written the language's way.

The pages, the command line, the committee pack and the report all read this package; ``dash_app`` keeps only
its interface labels (buttons, headings), in a catalogue of the same kind.

Examples
--------
>>> from chainplan.wording import Money, text
>>> text("decision.nothing_funded", "en", why="the budget is 0")
'Nothing is funded: the budget is 0.'
>>> format_money(1_500_000_000, "vi")
'1.500.000.000 ₫'
"""

from __future__ import annotations

from chainplan.wording.catalogue import (
    LANGUAGES,
    Catalogue,
    Joined,
    Money,
    NameBook,
    Number,
    Phrase,
    Ref,
    Share,
    Term,
    catalogue,
    joined,
    language,
    render,
    term,
    terms,
    text,
)
from chainplan.wording.numbers import (
    DecimalError,
    format_date,
    format_integer,
    format_money,
    format_number,
    format_share,
    parse_decimal,
)

__all__ = ["LANGUAGES", "Catalogue", "DecimalError", "Joined", "Money", "NameBook", "Number", "Phrase", "Ref", "Share",
           "Term", "catalogue", "format_date", "format_integer", "format_money", "format_number", "format_share",
           "joined", "language", "parse_decimal", "render", "term", "terms", "text"]
