"""What an import will change, before it changes it: rows added, changed and removed per sheet and year, and the
appraisals and outcomes recorded in the tool since the last import that the file would overwrite.

One function, :func:`import_preview`, serves the command line (``import --dry-run``, and the refusal without
``--yes``) and the upload on the plans page, so both show the same thing.

Rows are matched by their sheet's key (``code``; ``plan_code`` + ``stage`` for appraisals, ...). Yearly sheets
compare the years the file contains; the current-state sheets compare as a whole (an import replaces them whole).

Examples
--------
>>> from chainplan.dataset import Dataset
>>> def plan(code, year, score=None):
...     return {"code": code, "product_code": "X", "organization_code": "O", "purpose": "other", "year": year,
...             "expected_score": score}
>>> stored = Dataset.from_records({"plans": [plan("A", 2019), plan("B", 2020), plan("C", 2020)],
...                                "appraisals": [{"plan_code": "B", "stage": "district", "status": "passed"}]})
>>> incoming = Dataset.from_records({"plans": [plan("B", 2020, 70), plan("D", 2020)]})
>>> at = dt.datetime(2020, 5, 1, 9, 30)
>>> preview = import_preview(stored, incoming, [ToolRecord("appraisals", ("B", "district"), at, "lan")])
>>> [(c.sheet, c.year, c.added, c.changed, c.removed) for c in preview.changes if not c.empty]
[('plans', 2020, (('D',),), (('B',),), (('C',),)), ('appraisals', 2020, (), (), (('B', 'district'),))]
>>> [(o.sheet, o.key, o.change) for o in preview.overwritten]
[('appraisals', ('B', 'district'), 'removed')]
>>> preview.overwritten[0].describe("en")
'the district appraisal of B, recorded by lan on 1 May 2020'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainplan.dataset import Dataset, frame_columns
from chainplan.schema import SHEETS
from chainplan.wording import NameBook, Phrase, Ref, Term, text
from chainplan.years import CURRENT_STATE_SHEETS, YEARLY_SHEETS, row_years, years_in

__all__ = ["RECORDED_SHEETS", "ImportPreview", "Overwritten", "SheetChange", "ToolRecord", "import_preview"]

#: The sheets whose rows a person also records in the tool (the appraisal form, the outcome form).
RECORDED_SHEETS: tuple[str, ...] = ("appraisals", "outcomes")

Key = tuple[str, ...]


@dataclass(frozen=True)
class ToolRecord:
    """A row recorded in the tool (a web form or the command line) since the last import that replaced it:
    the sheet, the row's key (``(plan_code, stage)`` for an appraisal, ``(plan_code,)`` for an outcome), when, by
    whom."""

    sheet: str
    key: Key
    at: dt.datetime
    by: str = ""


@dataclass(frozen=True)
class SheetChange:
    """The rows of one sheet and year (``None``: a current-state sheet) that an import adds, changes, removes."""

    sheet: str
    year: int | None
    added: tuple[Key, ...]
    changed: tuple[Key, ...]
    removed: tuple[Key, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def as_dict(self) -> dict[str, Any]:
        columns = SHEETS[self.sheet].key

        def keyed(keys: tuple[Key, ...]) -> list[dict[str, str]]:
            return [dict(zip(columns, key, strict=True)) for key in keys]

        return {"sheet": self.sheet, "year": self.year, "added": keyed(self.added), "changed": keyed(self.changed),
                "removed": keyed(self.removed)}


@dataclass(frozen=True)
class Overwritten:
    """A row recorded in the tool that the import would change or remove (``change``)."""

    sheet: str
    key: Key
    change: str
    at: dt.datetime
    by: str

    @property
    def plan_code(self) -> str:
        return self.key[0]

    def phrase(self) -> Phrase:
        """The row in words, as a :class:`~chainplan.wording.Phrase` (a plan by name when written with names)."""
        if self.sheet == "appraisals":
            return Phrase("phrase.import.overwritten_appraisal", {"stage": Term("stage", self.key[1]),
                                                                  "plan": Ref("plan", self.plan_code),
                                                                  "by": self.by or "?", "at": self.at.date()})
        return Phrase("phrase.import.overwritten_outcome", {"plan": Ref("plan", self.plan_code),
                                                            "by": self.by or "?", "at": self.at.date()})

    def describe(self, lang: str, names: NameBook | None = None) -> str:
        """"the district appraisal of KH001 (by name with ``names``), recorded by lan on 1 May 2020"."""
        phrase = self.phrase()
        return text(phrase.code, lang, names=names, **phrase.params)

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, **dict(zip(SHEETS[self.sheet].key, self.key, strict=True)),
                "change": self.change, "recorded_at": self.at.isoformat(timespec="seconds"), "recorded_by": self.by}


@dataclass(frozen=True)
class ImportPreview:
    """Everything an import would change: per sheet and year (only those with a change), and what it would
    overwrite of what was recorded in the tool."""

    years: tuple[int, ...]
    changes: tuple[SheetChange, ...]
    overwritten: tuple[Overwritten, ...]

    @property
    def unchanged(self) -> bool:
        return all(change.empty for change in self.changes)

    def counts(self) -> list[dict[str, Any]]:
        """One row per sheet and year that changes: ``sheet, year, added, changed, removed`` (numbers of rows)."""
        return [{"sheet": c.sheet, "year": c.year, "added": len(c.added), "changed": len(c.changed),
                 "removed": len(c.removed)} for c in self.changes if not c.empty]

    def as_dict(self) -> dict[str, Any]:
        return {"years": list(self.years), "unchanged": self.unchanged,
                "changes": [c.as_dict() for c in self.changes if not c.empty],
                "overwritten": [o.as_dict() for o in self.overwritten]}


def _keyed_rows(dataset: Dataset, sheet: str, mask: Sequence[bool] | None = None) -> dict[Key, tuple[object, ...]]:
    """``{key: row values}`` of a sheet (the rows ``mask`` selects), in plain values."""
    frame = dataset.frame(sheet)
    if mask is not None:
        frame = frame.loc[np.asarray(mask, dtype=bool).reshape(-1)]
    columns = frame_columns(sheet, frame)
    keys = list(zip(*(map(str, columns[k]) for k in SHEETS[sheet].key), strict=True))
    rows = list(zip(*(_comparable(v) for v in columns.values()), strict=True)) if len(frame) else []
    return dict(zip(keys, rows, strict=True))


def _comparable(values: list[object]) -> list[object]:
    # Lists are unhashable and compare as they are; NaN never equals itself, None does.
    return [tuple(v) if isinstance(v, list) else v for v in values]


def _compare(sheet: str, year: int | None, before: dict[Key, tuple[object, ...]],
             after: dict[Key, tuple[object, ...]]) -> SheetChange:
    added = tuple(k for k in after if k not in before)
    removed = tuple(k for k in before if k not in after)
    changed = tuple(k for k in after if k in before and before[k] != after[k])
    return SheetChange(sheet, year, added, changed, removed)


def import_preview(stored: Dataset, incoming: Dataset, recorded: Iterable[ToolRecord] = ()) -> ImportPreview:
    """What importing ``incoming`` (already read and checked, every row with its year) over ``stored`` changes.

    ``recorded`` are the rows recorded in the tool since the last import that replaced them; those the file would
    change or remove are the preview's ``overwritten`` (a row the file carries unchanged is not overwritten).
    """
    years = sorted(years_in(incoming))
    changes: list[SheetChange] = []
    for sheet in YEARLY_SHEETS:
        held = row_years(stored, sheet)
        given = row_years(incoming, sheet)
        for year in years:
            before = _keyed_rows(stored, sheet, (held == year).fillna(False).tolist())
            after = _keyed_rows(incoming, sheet, (given == year).fillna(False).tolist())
            changes.append(_compare(sheet, year, before, after))
    for sheet in CURRENT_STATE_SHEETS:
        changes.append(_compare(sheet, None, _keyed_rows(stored, sheet), _keyed_rows(incoming, sheet)))
    touched: dict[tuple[str, Key], str] = {}
    for change in changes:
        if change.sheet in RECORDED_SHEETS:
            touched.update({(change.sheet, key): "changed" for key in change.changed})
            touched.update({(change.sheet, key): "removed" for key in change.removed})
    overwritten = tuple(
        Overwritten(r.sheet, tuple(r.key), touched[(r.sheet, tuple(r.key))], r.at, r.by)
        for r in sorted(recorded, key=lambda r: (r.sheet, r.key)) if (r.sheet, tuple(r.key)) in touched
    )
    return ImportPreview(tuple(years), tuple(changes), overwritten)
