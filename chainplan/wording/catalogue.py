"""The catalogue: every sentence and term a person reads, by code, in Vietnamese and English.

The texts live in gettext catalogues (``locale/<lang>/LC_MESSAGES/<domain>.po`` beside this file), so a
Vietnamese official can correct a wording with Poedit or Weblate without touching Python, and a tool (not a
reader) finds a missing translation. A message id is a dotted code (``decision.funded``, ``term.status.optimal``,
``error.scenario.unknown_key``); its text is a whole sentence with named parameters (``{plan}``, ``{amount}``),
so word order may differ between the languages.

Parameters are values, not text: :func:`text` writes each in the language asked for. A ``float`` or an ``int``
follows the language's separators; :class:`Money` is whole VND; :class:`Share` a percentage; :class:`Ref` a
plan, product, organization, region or budget line, written by its name when a :data:`NameBook` is given and by
its code otherwise; :class:`Term` a term of the catalogue (``Term("stage", "district")``); :class:`Phrase` a
nested message; :class:`Joined` a list.

Examples
--------
>>> text("decision.needs_plan", "vi", need=Ref("plan", "KH002"))
'Cần kế hoạch KH002, nhưng kế hoạch này không được hỗ trợ.'
>>> text("decision.needs_plan", "en", need=Ref("plan", "KH002"), names={"plan": {"KH002": "Chè Đường Hoa"}})
'Needs plan Chè Đường Hoa, which is not funded.'
>>> term("status", "time_limit", "vi")
'Dừng do hết thời gian'
>>> text("eligibility.below_min_grant", "vi", total=Money(250_000_000), minimum=Money(500_000_000))
'tổng đề nghị 250.000.000 ₫, dưới mức hỗ trợ tối thiểu 500.000.000 ₫'
"""

from __future__ import annotations

import datetime as dt
import functools
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from chainplan.wording.numbers import format_date, format_integer, format_money, format_number, format_share

__all__ = ["LANGUAGES", "Catalogue", "Joined", "Money", "NameBook", "Number", "Phrase", "Ref", "Share", "Term",
           "catalogue", "joined", "language", "render", "term", "terms", "text"]

LANGUAGES = ("vi", "en")

#: Names by kind and code (``{"plan": {"KH001": "..."}, "product": {...}}``): how a :class:`Ref` is written.
NameBook = Mapping[str, Mapping[str, str]]

_HERE = Path(__file__).resolve().parent / "locale"


def language(value: object) -> str:
    """``vi`` or ``en`` from what a person or a URL said (case-insensitive); Vietnamese by default.

    Examples
    --------
    >>> language("EN"), language(None), language("fr")
    ('en', 'vi', 'vi')
    """
    lowered = value.strip().lower() if isinstance(value, str) else ""
    return lowered if lowered in LANGUAGES else "vi"


@dataclass(frozen=True)
class Money:
    """Whole VND, written ``1.500.000.000 ₫`` or ``1,500,000,000 VND``."""

    amount: int


@dataclass(frozen=True)
class Share:
    """A share in [0, 1], written as a percentage."""

    value: float
    decimals: int = 1


@dataclass(frozen=True)
class Number:
    """A number with a chosen count of decimals (a plain ``float`` gets two)."""

    value: float
    decimals: int = 2


@dataclass(frozen=True)
class Ref:
    """A thing of the dataset by its code: written by its name when the name book has it."""

    kind: str
    code: str


@dataclass(frozen=True)
class Term:
    """A term of the catalogue: ``term.<family>.<code>``."""

    family: str
    code: str


@dataclass(frozen=True)
class Phrase:
    """A nested message with its own parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Joined:
    """A list written with the language's separator (``", "``) or ``and``."""

    items: tuple[Any, ...]
    last: str = ", "  # "and" joins the last two with the catalogue's word for and


class Catalogue:
    """One gettext domain in both languages, read from its ``.po`` files."""

    def __init__(self, folder: Path, domain: str) -> None:
        self.folder = folder
        self.domain = domain
        self.messages: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            with (folder / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
                po = read_po(handle, locale=lang)
            self.messages[lang] = {str(m.id): str(m.string) for m in po if m.id and m.string}

    def codes(self) -> set[str]:
        """Every code either language has."""
        return set(self.messages["vi"]) | set(self.messages["en"])

    def get(self, code: str, lang: str) -> str | None:
        return self.messages.get(lang, self.messages["en"]).get(code)

    def placeholders(self, code: str, lang: str) -> set[str]:
        """The parameter names a message uses."""
        message = self.get(code, lang) or ""
        return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(message) if name}


@functools.cache
def catalogue() -> Catalogue:
    """The domain catalogue (``chainplan.po``)."""
    return Catalogue(_HERE, "chainplan")


def render(value: Any, lang: str, names: NameBook | None = None) -> str:
    """One parameter written in ``lang`` (see the module's description)."""
    if isinstance(value, bool):
        return term("yes_no", "yes" if value else "no", lang)
    if isinstance(value, int):
        return format_integer(value, lang)
    if isinstance(value, float):
        return format_number(value, lang, 2)
    if isinstance(value, Money):
        return format_money(value.amount, lang)
    if isinstance(value, Share):
        return format_share(value.value, lang, value.decimals)
    if isinstance(value, Number):
        return format_number(value.value, lang, value.decimals)
    if isinstance(value, Ref):
        return (names or {}).get(value.kind, {}).get(value.code) or value.code
    if isinstance(value, Term):
        return term(value.family, value.code, lang)
    if isinstance(value, Phrase):
        return text(value.code, lang, names=names, **value.params)
    if isinstance(value, Joined):
        parts = [render(item, lang, names) for item in value.items]
        if value.last == "and" and len(parts) > 1:
            return ", ".join(parts[:-1]) + text("phrase.and", lang) + parts[-1]
        return value.last.join(parts)
    if isinstance(value, dt.date):
        return format_date(value, lang)
    return "" if value is None else str(value)


def text(code: str, lang: str, /, names: NameBook | None = None, **params: Any) -> str:
    """The message ``code`` in ``lang`` with its parameters written in that language.

    A code the catalogue lacks is shown as the code itself (visible in a test, never a crash on a page).
    """
    message = catalogue().get(code, lang)
    if message is None:
        return code
    if not params:
        return message
    return message.format(**{key: render(value, lang, names) for key, value in params.items()})


def term(family: str, code: str, lang: str) -> str:
    """A term by family and code (``term("purpose", "upgrade", "vi")``); the code itself when unknown."""
    found = catalogue().get(f"term.{family}.{code}", lang)
    return code if found is None else found


def terms(family: str, lang: str) -> dict[str, str]:
    """Every term of a family, by code."""
    prefix = f"term.{family}."
    return {key[len(prefix):]: value for key, value in catalogue().messages[lang].items() if key.startswith(prefix)}


def joined(items: Iterable[Any]) -> Joined:
    """``Joined`` of any iterable, joined with ``and`` before the last item."""
    return Joined(tuple(items), "and")
