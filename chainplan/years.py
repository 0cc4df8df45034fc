"""Programme years: one dataset holds every year's plans and money; a run reads one year of it.

``plans`` and ``budget_lines`` carry a ``year``; ``plan_requests`` and ``appraisals`` belong to their plan's year.
The other sheets (regions, organizations, products, links, demand, channel requirements, outcomes, inspections)
are the province's current state, shared by every year. An import replaces only the years it contains
(:func:`merge_years`); an allocation reads one year (:func:`dataset_for_year`), and the fingerprint stored with a
run covers what that year's allocation reads (:func:`data_fingerprint`), so importing another year leaves this
year's runs adoptable.

A row without a year exists only in a dataset built in memory (an import gives every row one): it belongs to every
year, so a dataset without years reads as it did before programme years.

Examples
--------
>>> ds = Dataset.from_records({
...     "budget_lines": [{"code": "L19", "name": "a", "source": "local", "amount_vnd": 5, "year": 2019},
...                      {"code": "L20", "name": "b", "source": "local", "amount_vnd": 7, "year": 2020}],
...     "plans": [{"code": "P19", "product_code": "X", "organization_code": "O", "purpose": "other", "year": 2019},
...               {"code": "P20", "product_code": "X", "organization_code": "O", "purpose": "other", "year": 2020}],
...     "plan_requests": [{"plan_code": "P19", "budget_line_code": "L19", "amount_vnd": 5},
...                       {"plan_code": "P20", "budget_line_code": "L20", "amount_vnd": 7}]})
>>> programme_years(ds), latest_year(ds)
([2019, 2020], 2020)
>>> year_2019 = dataset_for_year(ds, 2019)
>>> year_2019.plans["code"].tolist(), year_2019.plan_requests["plan_code"].tolist()
(['P19'], ['P19'])
>>> data_fingerprint(ds, {"year": 2019}) == data_fingerprint(dataset_for_year(ds, 2019), {"year": 2019})
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd

from chainplan.dataset import Dataset, InputProblem
from chainplan.schema import SHEETS
from chainplan.wording import Ref

__all__ = [
    "CURRENT_STATE_SHEETS",
    "ROWS_PER_YEAR",
    "YEARLY_SHEETS",
    "check_years",
    "data_fingerprint",
    "dataset_for_year",
    "kept_years",
    "latest_year",
    "merge_years",
    "plans_of_year",
    "programme_years",
    "row_years",
    "with_year",
    "year_position",
    "years_in",
    "years_overview",
    "years_read",
]

#: The sheets that belong to a year: an import replaces them year by year.
YEARLY_SHEETS: tuple[str, ...] = ("budget_lines", "plans", "plan_requests", "appraisals")
#: The province's current state: an import replaces each of these as a whole.
CURRENT_STATE_SHEETS: tuple[str, ...] = tuple(name for name in SHEETS if name not in YEARLY_SHEETS)
#: The sheets of the contract before programme years (what a run stored before then was fingerprinted on).
_LEGACY_SHEETS = tuple(name for name in SHEETS if name not in ("outcomes", "inspections"))
#: Rows of one year of one sheet (storage places each year's rows in its own block of positions).
ROWS_PER_YEAR = 10_000_000


def row_years(dataset: Dataset, sheet: str) -> pd.Series:
    """The year of each row of a yearly sheet (nullable ``Int64``, same index): a request's or an appraisal's is
    its plan's; a row whose plan is unknown, or without a year, is ``<NA>``."""
    frame = dataset.frame(sheet)
    if sheet in ("plans", "budget_lines"):
        return frame["year"].astype("Int64")
    if sheet in ("plan_requests", "appraisals"):
        year_of = pd.Series(dataset.plans["year"].astype("Int64").to_numpy(), index=dataset.plans["code"].to_numpy())
        year_of = year_of[~year_of.index.duplicated()]
        return pd.Series(frame["plan_code"].map(year_of).astype("Int64").to_numpy(), index=frame.index,
                         dtype="Int64")
    raise ValueError(f"{sheet} is not a yearly sheet")


def _years(series: pd.Series) -> set[int]:
    return {int(y) for y in series.dropna().unique()}


def programme_years(dataset: Dataset) -> list[int]:
    """Every year that has plans or budget lines, oldest first."""
    return sorted(_years(dataset.plans["year"]) | _years(dataset.budget_lines["year"]))


def years_in(dataset: Dataset) -> set[int]:
    """The years a dataset (an imported file) contains: those of its plans and budget lines."""
    return set(programme_years(dataset))


def latest_year(dataset: Dataset) -> int | None:
    """The latest year with plans (a scenario's default year); ``None`` when no plan has a year.

    Examples
    --------
    >>> latest_year(Dataset.empty()) is None
    True
    """
    years = _years(dataset.plans["year"])
    return max(years) if years else None


def _in_year(years: pd.Series, year: int) -> np.ndarray:
    return (years.isna() | (years == year)).to_numpy(dtype=bool)


def dataset_for_year(dataset: Dataset, year: int | None) -> Dataset:
    """What an allocation for ``year`` reads: that year's budget lines, plans, requests and appraisals (and rows
    without a year), with every current-state sheet. ``None`` gives the dataset as it is.

    Calibration needs earlier years' plans and outcomes: take them from the full dataset before slicing.
    """
    if year is None:
        return dataset
    frames = {name: dataset.frame(name) for name in SHEETS}
    for sheet in YEARLY_SHEETS:
        frames[sheet] = frames[sheet][_in_year(row_years(dataset, sheet), year)]
    return Dataset(**frames)


def plans_of_year(dataset: Dataset, year: int | None) -> pd.DataFrame:
    """The plans of ``year`` (and those without a year); every plan for ``None``."""
    return dataset_for_year(dataset, year).plans


def with_year(dataset: Dataset, year: int, *, unread: Collection[tuple[str, int, str]] = ()) -> Dataset:
    """``dataset`` with ``year`` given to every plan and budget line that has none (what ``import --year`` does).

    A ``year`` cell the reader could not read (``unread``: (sheet, row, column)) stays blank: the file gave a year,
    only not a valid one, and the checks that rest on it are skipped rather than run on a year it did not give.

    Examples
    --------
    >>> ds = Dataset.from_records({"budget_lines": [{"code": "L", "name": "L", "source": "local", "amount_vnd": 1}]})
    >>> with_year(ds, 2019).budget_lines["year"].tolist()
    [2019]
    >>> with_year(ds, 2019, unread=[("budget_lines", 2, "year")]).budget_lines["year"].tolist()  # row 2: the first
    [<NA>]
    """
    frames = {name: dataset.frame(name) for name in SHEETS}
    for sheet in ("plans", "budget_lines"):
        frame = frames[sheet]
        if frame["year"].isna().any():
            frame = frame.copy()
            blank = [row for unread_sheet, row, column in unread if unread_sheet == sheet and column == "year"]
            filled = frame["year"].fillna(year).astype("Int64")
            frame["year"] = filled.mask(frame.index.isin(blank))
            frames[sheet] = frame
    return Dataset(**frames)


def kept_years(stored: Dataset, incoming: Dataset) -> Dataset:
    """The stored rows an import of ``incoming`` keeps: the yearly sheets' rows of years the file does not contain
    (current-state sheets empty)."""
    years = years_in(incoming)
    frames = {name: stored.frame(name).iloc[0:0] for name in SHEETS}
    for sheet in YEARLY_SHEETS:
        held = row_years(stored, sheet)
        frames[sheet] = stored.frame(sheet)[(~held.isin(years)).to_numpy(dtype=bool) | held.isna().to_numpy()]
    return Dataset(**frames)


def _year_order(frame: pd.DataFrame, years: pd.Series) -> pd.DataFrame:
    """Rows grouped by year, oldest first (rows without a year first), each year in its own order."""
    key = years.fillna(0).astype("int64").to_numpy()
    order = np.argsort(key, kind="stable")
    ordered = frame.iloc[order]
    ordered.index = pd.RangeIndex(2, len(ordered) + 2, name="row")
    return ordered


def merge_years(stored: Dataset, incoming: Dataset) -> Dataset:
    """The dataset after importing ``incoming``: for each year it contains, its budget lines, plans, requests and
    appraisals replace that year's; other years stay as stored; the current-state sheets are ``incoming``'s.

    Yearly rows are grouped by year, oldest first, each year in its file's order (storage keeps the same order, so
    importing the years in any order, or an export of them, gives the same dataset).

    Examples
    --------
    >>> def plan(code, year):
    ...     return {"code": code, "product_code": "X", "organization_code": "O", "purpose": "other", "year": year}
    >>> stored = Dataset.from_records({"plans": [plan("A", 2019), plan("B", 2020)]})
    >>> merged = merge_years(stored, Dataset.from_records({"plans": [plan("C", 2020), plan("D", 2018)]}))
    >>> merged.plans["code"].tolist()
    ['D', 'A', 'C']
    """
    kept = kept_years(stored, incoming)
    both = {sheet: pd.concat([kept.frame(sheet), incoming.frame(sheet)], ignore_index=True) for sheet in YEARLY_SHEETS}
    combined = Dataset(**{**{name: incoming.frame(name) for name in SHEETS}, **both})
    ordered = {sheet: _year_order(both[sheet], row_years(combined, sheet)) for sheet in YEARLY_SHEETS}
    return Dataset(**{**{name: incoming.frame(name) for name in SHEETS}, **ordered})


def year_position(year: object, index: int) -> int:
    """Where storage places row ``index`` of a yearly sheet's ``year``: each year in its own block, oldest first,
    so that loading by position gives :func:`merge_years`' order.

    Examples
    --------
    >>> year_position(None, 3), year_position(2019, 0) < year_position(2020, 0)
    (3, True)
    """
    block = 0 if year is None or year is pd.NA else int(year) - 1999  # type: ignore[call-overload]
    return block * ROWS_PER_YEAR + index


def check_years(incoming: Dataset, stored: Dataset, *, unreadable_sheets: Collection[str] = ()) -> list[InputProblem]:
    """What an import of ``incoming`` would break in the years it keeps of ``stored``.

    - a plan or budget-line code already stored for another year (codes are unique across years): the problem
      names both years;
    - a kept plan or budget line naming a product, an organization or a region the file no longer has.

    Examples
    --------
    >>> line = {"code": "L", "name": "L", "source": "local", "amount_vnd": 1}
    >>> stored = Dataset.from_records({"budget_lines": [{**line, "year": 2019}]})
    >>> [p.reason for p in check_years(Dataset.from_records({"budget_lines": [{**line, "year": 2020}]}), stored)]
    ['the code is already used in 2019 (this row is of 2020); codes are unique across years']
    """
    kept = kept_years(stored, incoming)
    problems: list[InputProblem] = []
    for sheet in ("plans", "budget_lines"):
        other_year = dict(zip(kept.frame(sheet)["code"], kept.frame(sheet)["year"], strict=True))
        frame = incoming.frame(sheet)
        for row, code, year in zip(frame.index, frame["code"], frame["year"], strict=True):
            if code in other_year:
                held = other_year[code]
                problems.append(InputProblem(sheet, int(row), "code", code, "error.dataset.code_in_other_year",
                                             params={"year": _year_text(year), "other": _year_text(held)}))
    needs = (("plans", "product_code", "products", "product"), ("plans", "organization_code", "organizations",
                                                                  "organization"),
             ("budget_lines", "region_code", "regions", "region"))
    for sheet, column, target, kind in needs:
        if target in unreadable_sheets:
            continue
        known = set(incoming.frame(target)["code"])
        frame = kept.frame(sheet)
        missing: dict[str, tuple[str, object]] = {}
        for code, needed, year in zip(frame["code"], frame[column], frame["year"], strict=True):
            if needed and needed not in known and needed not in missing:
                missing[needed] = (code, year)
        for needed, (code, year) in missing.items():
            problems.append(InputProblem(target, None, "code", needed, "error.dataset.kept_year_needs",
                                         params={"what": Ref(kind, needed), "sheet": sheet, "code": code,
                                                 "year": _year_text(year)}))
    return problems


def _year_text(year: object) -> str:
    return "" if year is None or year is pd.NA else str(int(year))  # type: ignore[call-overload]


def _legacy_fingerprint(dataset: Dataset) -> str:
    """The fingerprint as stored with runs before programme years (no ``year`` column, no outcomes or
    inspections), so such a run can still be adopted on the data it ran on."""
    payload = json.dumps({name: {k: v for k, v in dataset.to_columns(name).items() if k != "year"}
                          for name in _LEGACY_SHEETS}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def years_read(scenario: Mapping[str, Any], plan_years: Collection[int]) -> list[int] | None:
    """The years a run of ``scenario`` (a mapping, its ``year`` resolved) reads, given the years that have plans:
    its own year, and every earlier one when ``success_probability`` is ``calibrated`` (calibration reads earlier
    years' plans); ``None`` (every year) for a scenario without a year.

    Examples
    --------
    >>> years_read({"year": 2020}, [2018, 2019, 2020, 2021]), years_read({"year": 2020,
    ...     "success_probability": "calibrated"}, [2018, 2019, 2020, 2021])
    ([2020], [2018, 2019, 2020])
    """
    year = scenario.get("year")
    if year is None:
        return None
    if scenario.get("success_probability") == "calibrated":
        return sorted({int(y) for y in plan_years if int(y) <= int(year)} | {int(year)})
    return [int(year)]


def data_fingerprint(dataset: Dataset, scenario: Mapping[str, Any], *, sliced: Dataset | None = None) -> str:
    """The fingerprint of what a run of ``scenario`` (a scenario as run, a mapping) reads of ``dataset``.

    With a ``year``: that year's budget lines, plans, requests and appraisals and every current-state sheet, plus,
    when ``success_probability`` is ``calibrated``, the plans of every earlier year (calibration reads them with the
    outcomes). ``year`` null: the whole dataset. No ``year`` key at all (a run stored before programme years): the
    fingerprint those runs stored. ``sliced``, when given, is ``dataset_for_year(dataset, year)`` already made
    (its fingerprint is then the one it may already hold).
    """
    if "year" not in scenario:
        return _legacy_fingerprint(dataset)
    year = scenario.get("year")
    if year is None:
        return dataset.fingerprint()
    sliced = sliced if sliced is not None else dataset_for_year(dataset, int(year))
    if scenario.get("success_probability") == "calibrated":
        years = row_years(dataset, "plans")
        earlier = dataset.plans[(years < int(year)).fillna(False).to_numpy(dtype=bool)]
        sliced = Dataset(**{**{n: sliced.frame(n) for n in SHEETS}, "plans": pd.concat([earlier, sliced.plans])})
    return sliced.fingerprint()


def years_overview(dataset: Dataset, adopted: Mapping[int, tuple[int, int]]) -> list[dict[str, Any]]:
    """Per year, oldest first: ``{year, plans, requested_vnd, budget_vnd, adopted_run, funded_vnd}``.

    ``adopted`` maps a year to its adopted run and the VND that run funds; a year without a decision has
    ``adopted_run`` and ``funded_vnd`` null. Money is summed in Python integers (exact beyond 2^63).

    Examples
    --------
    >>> ds = Dataset.from_records({
    ...     "budget_lines": [{"code": "L", "name": "L", "source": "local", "amount_vnd": 9, "year": 2020}],
    ...     "plans": [{"code": "P", "product_code": "X", "organization_code": "O", "purpose": "other",
    ...                "year": 2020}],
    ...     "plan_requests": [{"plan_code": "P", "budget_line_code": "L", "amount_vnd": 4}]})
    >>> years_overview(ds, {2020: (3, 4)})
    [{'year': 2020, 'plans': 1, 'requested_vnd': 4, 'budget_vnd': 9, 'adopted_run': 3, 'funded_vnd': 4}]
    """
    plan_years = row_years(dataset, "plans")
    request_years = row_years(dataset, "plan_requests")
    line_years = row_years(dataset, "budget_lines")
    rows = []
    for year in sorted(set(programme_years(dataset)) | set(adopted)):
        requested = dataset.plan_requests["amount_vnd"][(request_years == year).fillna(False).to_numpy(dtype=bool)]
        budget = dataset.budget_lines["amount_vnd"][(line_years == year).fillna(False).to_numpy(dtype=bool)]
        run = adopted.get(year)
        rows.append({"year": year, "plans": int((plan_years == year).fillna(False).sum()),
                     "requested_vnd": sum(int(v) for v in requested.tolist()),
                     "budget_vnd": sum(int(v) for v in budget.tolist()),
                     "adopted_run": None if run is None else run[0], "funded_vnd": None if run is None else run[1]})
    return rows
