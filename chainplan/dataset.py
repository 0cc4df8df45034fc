"""The province's data as typed tables, and the consistency checks that guard it.

A :class:`Dataset` holds one pandas frame per sheet of ``DATA_FORMAT.md``. A frame's index is the row number
that the spreadsheet shows for that record (the header is row 1), so every problem found later can point the
user back to the cell. :func:`check_dataset` collects *every* problem instead of stopping at the first.

Examples
--------
>>> ds = Dataset.from_records({
...     "regions": [{"code": "QN", "name": "Quảng Ninh", "level": "province"},
...                 {"code": "BC", "name": "Ba Chẽ", "level": "district", "parent_code": "QN"}],
... })
>>> ds.regions.loc[3, "name"]
'Ba Chẽ'
>>> [p.reason for p in check_dataset(ds)]
[]
>>> region_ancestors(ds.regions)["BC"]
('BC', 'QN')
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from chainplan.errors import ChainplanError, exact_number
from chainplan.schema import REGION_LEVELS, REQUIREMENT_FLAGS, SHEETS, Column, Sheet
from chainplan.wording import Joined, NameBook, Ref, Term, text

if TYPE_CHECKING:  # networkx is imported where a graph is built: commands that build none (an allocation)
    pass  # start without it

__all__ = [
    "Dataset",
    "DatasetError",
    "InputProblem",
    "RequirementError",
    "check_dataset",
    "frame_columns",
    "parse_requirement",
    "problems_message",
    "records_by_row",
    "region_ancestors",
    "region_at_level",
    "validated",
]

T = TypeVar("T")


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with the user's input, located as precisely as it can be.

    The place is kept as fields (``source``, ``sheet``, ``row``, ``column``, ``key``, ``value``); the reason is a
    catalogue ``code`` with its ``params`` (values), written in a language by :meth:`message`. ``reason`` is the
    English one, which the command line prints and its JSON documents carry.

    Examples
    --------
    >>> problem = InputProblem("appraisals", 4, "score", "abc", "error.value.not_a_number")
    >>> str(problem)
    "sheet 'appraisals', row 4, column 'score' (value 'abc'): must be a number"
    >>> problem.located("vi")
    "trang tính 'appraisals', dòng 4, cột 'score' (giá trị 'abc'): phải là một số"
    """

    sheet: str | None
    row: int | None
    column: str | None
    value: object
    code: str
    source: str | None = None
    key: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def reason(self) -> str:
        """The reason in English (the command line's words)."""
        return self.message("en")

    def message(self, lang: str, names: NameBook | None = None) -> str:
        """The reason in ``lang``, without the place (a table shows the place in its own columns)."""
        return text(self.code, lang, names=names, **self.params)

    def located(self, lang: str, names: NameBook | None = None) -> str:
        """The place and the reason in ``lang``: ``file, sheet 'plans', row 5, column 'code' (value 'x'): ...``."""
        where = []
        if self.source:
            where.append(str(self.source))
        if self.sheet:
            where.append(text("phrase.where.sheet", lang, sheet=self.sheet))
        if self.row is not None:
            where.append(text("phrase.where.row", lang, row=str(self.row)))  # a row number, not a quantity
        if self.column:
            where.append(text("phrase.where.column", lang, column=self.column))
        if self.key:
            where.append(text("phrase.where.key", lang, key=self.key))
        shown = "" if self.value is None or self.value == "" else text("phrase.where.value", lang,
                                                                       value=repr(self.value))
        return f"{', '.join(where) or text('phrase.where.input', lang)}{shown}: {self.message(lang, names)}"

    def __str__(self) -> str:
        return self.located("en")

    def as_dict(self) -> dict[str, Any]:
        value = self.value
        if not isinstance(value, str | int | float | bool) and value is not None:
            value = str(value)
        return {"source": self.source, "sheet": self.sheet, "row": self.row, "column": self.column,
                "value": value, "reason": self.reason, "code": self.code, "key": self.key}


def problems_message(heading: str, problems: Sequence[InputProblem], lang: str,
                     names: NameBook | None = None) -> str:
    """A heading (``error.dataset.problems``, ``error.scenario.problems``) and one line per problem, in ``lang``;
    at most 200 lines, then how many more."""
    lines = [f"  - {p.located(lang, names)}" for p in problems[:200]]
    if len(problems) > 200:
        lines.append(f"  {text('error.dataset.more', lang, more=len(problems) - 200)}")
    return "\n".join([text(heading, lang, count=len(problems)), *lines])


class DatasetError(ChainplanError, ValueError):
    """Raised with every problem found in the user's input; nothing has been written when it is raised."""

    def __init__(self, problems: Sequence[InputProblem]):
        self.problems = list(problems)
        super().__init__("error.dataset.problems", count=len(self.problems))

    def message(self, lang: str, names: NameBook | None = None) -> str:
        return problems_message(self.code, self.problems, lang, names)


class RequirementError(ChainplanError, ValueError):
    """A channel requirement that cannot be read (see :func:`parse_requirement`)."""


def _dtype(column: Column) -> str:
    if _nullable_integer(column):
        return "Int64"
    return {"bool": "bool", "money": "int64", "integer": "int64", "number": "float64"}.get(column.kind, "object")


def _nullable_integer(column: Column) -> bool:
    """A whole-number column whose blank means "not given" (a row's ``year``), held as pandas' nullable Int64."""
    return column.kind == "integer" and column.default is None and not column.required


def _normalise(column: Column, value: object) -> object:
    """Fill a blank with the column's default and give lists and dates one canonical form."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        value = column.default
    if column.kind == "list":
        return list(value) if value is not None else []  # type: ignore[call-overload]
    if column.kind == "number":
        return math.nan if value is None else float(value)  # type: ignore[arg-type]
    if column.kind in ("money", "integer"):
        if value is None or value is pd.NA:
            return None if _nullable_integer(column) else 0
        return int(value)  # type: ignore[call-overload]
    if column.kind == "bool":
        return bool(value)
    if column.kind == "date" and isinstance(value, dt.datetime):
        return value.date()
    if column.kind in ("code", "text", "enum") and value is not None:
        return str(value)
    return value


def _column_values(column: Column, values: Sequence[object] | np.ndarray) -> Sequence[object] | np.ndarray:
    """:func:`_normalise` over a whole column (the common kinds without a call per value).

    A numpy array of the column's own dtype (object for text) is taken as it is: the caller (storage) has typed it
    and given blanks their default already.
    """
    if isinstance(values, np.ndarray) and _nullable_integer(column):
        return values  # whole numbers with no blank (storage found every value)
    if isinstance(values, np.ndarray) and values.dtype == np.dtype(_dtype(column)) and column.kind not in ("list",
                                                                                                        "date"):
        return values
    default = column.default
    kind = column.kind
    if kind in ("code", "text", "enum"):
        return [default if v is None else v if type(v) is str else _normalise(column, v) for v in values]
    if kind in ("money", "integer") and default is None and not _nullable_integer(column):
        return [0 if v is None else v if type(v) is int else _normalise(column, v) for v in values]
    if kind == "bool":
        return [bool(default) if v is None else v if type(v) is bool else _normalise(column, v) for v in values]
    if kind == "list":
        return [list(v) if type(v) is list else _normalise(column, v) for v in values]
    return [_normalise(column, v) for v in values]


def _frame_from_columns(sheet: Sheet, columns: Mapping[str, Sequence[object] | np.ndarray], length: int,
                        rows: Sequence[int] | None) -> pd.DataFrame:
    index = pd.Index(list(rows) if rows is not None else range(2, length + 2), name="row", dtype="int64")
    blank: list[object] = [None] * length
    return pd.DataFrame(
        {c.name: pd.Series(_column_values(c, columns.get(c.name, blank)), index=index, dtype=_dtype(c))
         for c in sheet.columns},
        index=index,
    )


def _frame(sheet: Sheet, records: Sequence[Mapping[str, object]], rows: Sequence[int] | None) -> pd.DataFrame:
    columns = {c.name: [record.get(c.name) for record in records] for c in sheet.columns}
    return _frame_from_columns(sheet, columns, len(records), rows)


def _plain_column(column: Column, series: pd.Series) -> list[object]:
    """A column as plain Python values (what storage, export and the fingerprint read)."""
    if column.kind == "number":
        return [None if math.isnan(v) else v for v in series.astype(float).tolist()]
    if _nullable_integer(column):
        return [None if v is pd.NA else int(v) for v in series.tolist()]
    if column.kind in ("money", "integer"):
        return [int(v) for v in series.tolist()]
    if column.kind == "bool":
        return [bool(v) for v in series.tolist()]
    if column.kind == "list":
        return [list(v) for v in series.tolist()]
    return series.tolist()


def frame_columns(sheet: str, frame: pd.DataFrame) -> dict[str, list[object]]:
    """A frame of ``sheet`` (or some of its rows) as plain Python values, column by column."""
    return {c.name: _plain_column(c, frame[c.name]) for c in SHEETS[sheet].columns}


@dataclass
class Dataset:
    """Every sheet of the contract as a pandas frame (index = spreadsheet row number).

    Frames are treated as immutable: a change is a new dataset (:meth:`with_records`), so what is computed from a
    dataset alone can be kept on it (:meth:`derived`).
    """

    regions: pd.DataFrame
    organizations: pd.DataFrame
    products: pd.DataFrame
    links: pd.DataFrame
    demand: pd.DataFrame
    channel_requirements: pd.DataFrame
    budget_lines: pd.DataFrame
    plans: pd.DataFrame
    plan_requests: pd.DataFrame
    appraisals: pd.DataFrame
    outcomes: pd.DataFrame
    inspections: pd.DataFrame
    #: What :meth:`derived` computed, with the frames it was computed from.
    _derived: dict[str, tuple[tuple[pd.DataFrame, ...], Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, key: str, compute: Callable[[Dataset], T]) -> T:
        """``compute(self)``, computed once per dataset while its sheets are the frames it was computed from (a
        sheet given another frame computes it again). For what depends on the data alone and is read often: the
        names, the products reaching a supermarket, the fingerprint. Callers must not change what it returns.

        Examples
        --------
        >>> ds = Dataset.from_records({"regions": [{"code": "HL", "name": "Hạ Long", "level": "district"}]})
        >>> calls = []
        >>> count = lambda d: calls.append(1) or len(d.regions)
        >>> ds.derived("regions", count), ds.derived("regions", count), len(calls)
        (1, 1, 1)
        >>> ds.regions = ds.regions.iloc[:0]
        >>> ds.derived("regions", count), len(calls)
        (0, 2)
        """
        frames = tuple(self.frame(name) for name in SHEETS)
        found = self._derived.get(key)
        if found is not None and all(now is then for now, then in zip(frames, found[0], strict=True)):
            return found[1]
        value = compute(self)
        self._derived[key] = (frames, value)
        return value

    def __getstate__(self) -> dict[str, Any]:
        # A dataset sent to a worker process (a sweep, a Dask task) travels without what was derived from it.
        return {**self.__dict__, "_derived": {}}

    @classmethod
    def from_records(
        cls,
        records: Mapping[str, Sequence[Mapping[str, object]]],
        rows: Mapping[str, Sequence[int]] | None = None,
    ) -> Dataset:
        """Build a dataset from plain dicts per sheet; missing sheets are empty, blanks take defaults."""
        frames = {
            name: _frame(sheet, records.get(name, ()), (rows or {}).get(name)) for name, sheet in SHEETS.items()
        }
        return cls(**frames)

    @classmethod
    def from_columns(cls, columns: Mapping[str, Mapping[str, Sequence[object] | np.ndarray]]) -> Dataset:
        """Build a dataset from per-sheet columns of equal length (what storage reads); blanks take defaults.

        A column may be a numpy array of its own dtype (``bool``, ``int64``, ``float64``; ``object`` holding text)
        with blanks already filled: it is then taken as it is."""
        frames = {}
        for name, sheet in SHEETS.items():
            given = columns.get(name, {})
            length = len(next(iter(given.values()))) if given else 0
            frames[name] = _frame_from_columns(sheet, given, length, None)
        return cls(**frames)

    @classmethod
    def empty(cls) -> Dataset:
        return cls.from_records({})

    def frame(self, sheet: str) -> pd.DataFrame:
        frame: pd.DataFrame = getattr(self, sheet)
        return frame

    def to_records(self) -> dict[str, list[dict[str, object]]]:
        """Plain Python values per sheet, in sheet order: the form storage and export write."""
        out: dict[str, list[dict[str, object]]] = {}
        for name, sheet in SHEETS.items():
            names = sheet.column_names
            columns = self.to_columns(name)
            out[name] = [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]
        return out

    def to_columns(self, sheet: str) -> dict[str, list[object]]:
        """One sheet as plain Python values, column by column."""
        return frame_columns(sheet, self.frame(sheet))

    def counts(self) -> dict[str, int]:
        return {name: len(self.frame(name)) for name in SHEETS}

    def fingerprint(self) -> str:
        """SHA-256 of the dataset's canonical JSON (sheet -> column -> values): equal data, equal fingerprint
        (computed once per dataset: :meth:`derived`)."""
        return self.derived("fingerprint", Dataset._fingerprint)

    def _fingerprint(self) -> str:
        payload = json.dumps({name: self.to_columns(name) for name in SHEETS}, sort_keys=True, ensure_ascii=False,
                             default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def with_records(self, sheet: str, records: Sequence[Mapping[str, object]]) -> Dataset:
        """A copy with one sheet replaced (the others are shared, frames are treated as immutable)."""
        frames = {name: self.frame(name) for name in SHEETS}
        frames[sheet] = _frame(SHEETS[sheet], records, None)
        return Dataset(**frames)


def records_by_row(frame: pd.DataFrame) -> list[tuple[int, dict[str, Any]]]:
    """``(row number, record)`` pairs with plain values (``iterrows`` would turn ``None`` into ``NaN``)."""
    return list(zip(frame.index.tolist(), frame.to_dict("records"), strict=True))


def region_ancestors(regions: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Map each region code to itself followed by its ancestors, nearest first.

    A broken hierarchy (unknown parent, cycle) is cut where it breaks; :func:`check_dataset` reports it.
    """
    parent = dict(zip(regions["code"], regions["parent_code"], strict=True))
    out: dict[str, tuple[str, ...]] = {}
    for code in parent:
        chain = [code]
        seen = {code}
        current = parent.get(code)
        while current and current in parent and current not in seen:
            chain.append(current)
            seen.add(current)
            current = parent.get(current)
        out[code] = tuple(chain)
    return out


def region_at_level(regions: pd.DataFrame, level: str) -> dict[str, str | None]:
    """Map each region code to its ancestor (or itself) at ``level``; ``None`` where there is none.

    Examples
    --------
    >>> regions = pd.DataFrame({"code": ["QN", "DT", "MK"], "level": ["province", "district", "commune"],
    ...                         "parent_code": [None, "QN", "DT"]})
    >>> region_at_level(regions, "district")
    {'QN': None, 'DT': 'DT', 'MK': 'DT'}
    """
    level_of = dict(zip(regions["code"], regions["level"], strict=True))
    return {
        code: next((c for c in chain if level_of.get(c) == level), None)
        for code, chain in region_ancestors(regions).items()
    }


def parse_requirement(item: str) -> tuple[str, int | None]:
    """Split a channel requirement into (flag, minimum stars).

    Examples
    --------
    >>> parse_requirement("min_stars:3")
    ('min_stars', 3)
    >>> parse_requirement("barcode")
    ('barcode', None)
    """
    written = item.strip()
    if written.startswith("min_stars:"):
        number = written.split(":", 1)[1].strip()
        if not number.isdigit() or not 0 <= int(number) <= 5:
            raise RequirementError("error.dataset.bad_stars", number=repr(number))
        return "min_stars", int(number)
    if written not in REQUIREMENT_FLAGS:
        raise RequirementError("error.dataset.unknown_requirement", item=repr(written),
                               flags=Joined(REQUIREMENT_FLAGS))
    return written, None


class _Collector:
    """Collects problems, leaving out those that rest on a cell or a sheet that could not be read."""

    def __init__(self, unreadable_cells: Collection[tuple[str, int, str]] = (),
                 unreadable_sheets: Collection[str] = ()) -> None:
        self.problems: list[InputProblem] = []
        self.unreadable_cells = set(unreadable_cells)
        self.unreadable_sheets = set(unreadable_sheets)

    def readable(self, sheet: str, row: object, *columns: str) -> bool:
        return not any((sheet, row, column) in self.unreadable_cells for column in columns)

    def add(self, sheet: str, row: object, column: str | None, value: object, code: str, /,
            **params: Any) -> None:
        if column is not None and not self.readable(sheet, row, column):
            return  # the cell's own problem is already reported
        self.problems.append(InputProblem(sheet, int(row), column, value, code,  # type: ignore[call-overload]
                                          params=params))


def _known(frame: pd.DataFrame) -> set[str]:
    return set(frame["code"])


def _check_keys(ds: Dataset, out: _Collector) -> None:
    for name, sheet in SHEETS.items():
        frame = ds.frame(name)
        if frame.empty:
            continue
        # str() of each value: pandas' astype(str) keeps a blank (an unreadable cell) as NaN.
        keys = [" / ".join(map(str, values)) for values in zip(*(frame[k] for k in sheet.key), strict=True)]
        first_row: dict[str, object] = {}
        for row, key in zip(frame.index, keys, strict=True):
            if not out.readable(name, row, *sheet.key):
                continue
            if key in first_row:
                out.add(name, row, sheet.key[-1] if len(sheet.key) == 1 else None, key,
                        "error.dataset.duplicate_key", columns=" + ".join(sheet.key), first=str(first_row[key]))
            else:
                first_row[key] = row


_SHEET_OF = {"region": "regions", "organization": "organizations", "product": "products", "plan": "plans",
             "line": "budget_lines"}


def _check_reference(
    out: _Collector, sheet: str, frame: pd.DataFrame, column: str, known: set[str], what: str
) -> None:
    if _SHEET_OF[what] in out.unreadable_sheets:
        return  # every code would look unknown: the sheet's own problem is reported
    for row, value in frame[column].items():
        if value is not None and value != "" and value not in known:
            out.add(sheet, row, column, value, f"error.dataset.unknown_{what}")


def _check_regions(ds: Dataset, out: _Collector) -> None:
    regions = ds.regions
    level_rank = {level: i for i, level in enumerate(REGION_LEVELS)}
    level_of = dict(zip(regions["code"], regions["level"], strict=True))
    # Parents must sit strictly above their children, so a hierarchy that passes this check has no cycle.
    for row, record in regions.pipe(records_by_row):
        if record["level"] is None:
            continue  # unreadable level: its cell problem says so
        parent = record["parent_code"]
        if parent is None:
            if record["level"] != REGION_LEVELS[0]:
                out.add("regions", row, "parent_code", parent, "error.dataset.needs_parent",
                        level=Term("stage", record["level"]), top=Term("stage", REGION_LEVELS[0]))
            continue
        if parent not in level_of:
            out.add("regions", row, "parent_code", parent, "error.dataset.unknown_region")
            continue
        if parent == record["code"]:
            out.add("regions", row, "parent_code", parent, "error.dataset.own_parent")
            continue
        if level_of[parent] is None:
            continue
        if level_rank[level_of[parent]] >= level_rank[record["level"]]:
            out.add("regions", row, "parent_code", parent, "error.dataset.parent_not_above",
                    parent=Term("stage", level_of[parent]), level=Term("stage", record["level"]))


def _check_organizations_and_products(ds: Dataset, out: _Collector) -> None:
    regions = _known(ds.regions)
    _check_reference(out, "organizations", ds.organizations, "region_code", regions, "region")
    _check_reference(out, "products", ds.products, "region_code", regions, "region")
    role_of = dict(zip(ds.organizations["code"], ds.organizations["role"], strict=True))
    for row, code in ds.products["producer_code"].items():
        if code not in role_of:
            if "organizations" not in out.unreadable_sheets:
                out.add("products", row, "producer_code", code, "error.dataset.unknown_organization")
        elif role_of[code] is not None and role_of[code] != "producer":
            out.add("products", row, "producer_code", code, "error.dataset.not_producer",
                    role=Term("org_role_word", role_of[code]))


def _check_links(ds: Dataset, out: _Collector) -> None:
    organizations = _known(ds.organizations)
    products = _known(ds.products)
    links = ds.links
    _check_reference(out, "links", links, "from_code", organizations, "organization")
    _check_reference(out, "links", links, "to_code", organizations, "organization")
    _check_reference(out, "links", links, "product_code", products, "product")
    for row, record in links.pipe(records_by_row):
        if record["from_code"] == record["to_code"]:
            out.add("links", row, "to_code", record["to_code"], "error.dataset.link_to_itself")
        if record["volume"] > record["capacity"]:
            out.add("links", row, "volume", record["volume"], "error.dataset.volume_above_capacity",
                    capacity=exact_number(record["capacity"]))
    role_of = dict(zip(ds.organizations["code"], ds.organizations["role"], strict=True))
    for sheet in ("demand", "channel_requirements"):
        frame = ds.frame(sheet)
        for row, code in frame["retailer_code"].items():
            if code not in role_of:
                if "organizations" not in out.unreadable_sheets:
                    out.add(sheet, row, "retailer_code", code, "error.dataset.unknown_organization")
            elif role_of[code] is not None and role_of[code] != "retailer":
                out.add(sheet, row, "retailer_code", code, "error.dataset.not_retailer",
                        role=Term("org_role_word", role_of[code]))
    _check_reference(out, "demand", ds.demand, "product_code", products, "product")
    for row, items in ds.channel_requirements["requires"].items():
        if not items:
            out.add("channel_requirements", row, "requires", "", "error.dataset.no_requirement")
        for item in items:
            try:
                parse_requirement(item)
            except RequirementError as exc:
                out.add("channel_requirements", row, "requires", item, exc.code, **exc.params)


def _check_plans(ds: Dataset, out: _Collector) -> None:
    plans = ds.plans
    plan_codes = set(plans["code"])
    organizations = _known(ds.organizations)
    _check_reference(out, "plans", plans, "product_code", _known(ds.products), "product")
    _check_reference(out, "plans", plans, "organization_code", organizations, "organization")
    _check_reference(out, "budget_lines", ds.budget_lines, "region_code", _known(ds.regions), "region")
    import networkx as nx
    requires = nx.DiGraph()
    for row, record in plans.pipe(records_by_row):
        code = record["code"]
        needed = record["requires_plan"]
        if needed:
            if needed == code:
                out.add("plans", row, "requires_plan", needed, "error.dataset.requires_itself")
            elif needed not in plan_codes:
                out.add("plans", row, "requires_plan", needed, "error.dataset.unknown_plan")
            else:
                if code is not None:  # an unreadable code has no place in the graph
                    requires.add_edge(code, needed, row=row)
        for other in record["excludes_plans"]:
            if other == code:
                out.add("plans", row, "excludes_plans", other, "error.dataset.excludes_itself")
            elif other not in plan_codes:
                out.add("plans", row, "excludes_plans", other, "error.dataset.unknown_plan")
        for link in record["new_links"]:
            parts = link.split(">")
            if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
                out.add("plans", row, "new_links", link, "error.dataset.bad_new_link")
                continue
            for part in parts:
                if part.strip() not in organizations and "organizations" not in out.unreadable_sheets:
                    out.add("plans", row, "new_links", link, "error.dataset.new_link_unknown",
                            code=repr(part.strip()))
    row_of = dict(zip(plans["code"], plans.index, strict=True))
    for cycle in nx.simple_cycles(requires):
        first = min(cycle)
        start = cycle.index(first)
        cycle = cycle[start:] + cycle[:start]  # report it the same way every time
        path = " -> ".join([*cycle, first])
        out.add("plans", row_of[first], "requires_plan", plans.loc[row_of[first], "requires_plan"],
                "error.dataset.requires_cycle", path=path)

    lines = _known(ds.budget_lines)
    _check_reference(out, "plan_requests", ds.plan_requests, "plan_code", plan_codes, "plan")
    _check_reference(out, "plan_requests", ds.plan_requests, "budget_line_code", lines, "line")
    _check_reference(out, "appraisals", ds.appraisals, "plan_code", plan_codes, "plan")

    _check_same_year(ds, out)

    ancestors = region_ancestors(ds.regions)
    line_region = dict(zip(ds.budget_lines["code"], ds.budget_lines["region_code"], strict=True))
    org_region = dict(zip(ds.organizations["code"], ds.organizations["region_code"], strict=True))
    plan_org = dict(zip(plans["code"], plans["organization_code"], strict=True))
    for row, record in ds.plan_requests.pipe(records_by_row):
        restricted_to = line_region.get(record["budget_line_code"])
        org = plan_org.get(record["plan_code"])
        if (not restricted_to or restricted_to not in ancestors or org not in org_region
                or org_region[org] not in ancestors):
            continue  # unknown codes are reported once, where they are written
        if restricted_to not in ancestors.get(org_region[org], ()):
            out.add("plan_requests", row, "budget_line_code", record["budget_line_code"],
                    "error.dataset.line_restricted", region=Ref("region", restricted_to),
                    plan=Ref("plan", record["plan_code"]), organization=Ref("organization", str(org)),
                    where=Ref("region", org_region[org]))


def _year_of(value: object) -> int | None:
    return None if value is None or value is pd.NA else int(value)  # type: ignore[call-overload]


def _check_same_year(ds: Dataset, out: _Collector) -> None:
    """A year's allocation reads only that year's plans and lines, so what ties them must be of one year: a
    request's budget line, a plan's ``requires_plan`` and ``excludes_plans``. A row without a year (a dataset
    built in memory) goes with every year."""
    plan_year = {code: _year_of(y) for code, y in zip(ds.plans["code"], ds.plans["year"], strict=True)}
    line_year = {code: _year_of(y) for code, y in zip(ds.budget_lines["code"], ds.budget_lines["year"],
                                                      strict=True)}

    def differ(a: int | None, b: int | None) -> bool:
        return a is not None and b is not None and a != b

    for row, record in ds.plan_requests.pipe(records_by_row):
        plan, line = record["plan_code"], record["budget_line_code"]
        if plan in plan_year and line in line_year and differ(plan_year[plan], line_year[line]):
            out.add("plan_requests", row, "budget_line_code", line, "error.dataset.line_other_year",
                    plan=Ref("plan", plan), year=str(plan_year[plan]), other=str(line_year[line]))
    for row, record in ds.plans.pipe(records_by_row):
        year = _year_of(record["year"])
        for column, others in (("requires_plan", [record["requires_plan"]]), ("excludes_plans",
                                                                              record["excludes_plans"])):
            for other in others:
                if other in plan_year and other != record["code"] and differ(year, plan_year[other]):
                    out.add("plans", row, column, other, "error.dataset.plan_other_year", year=str(year),
                            other=str(plan_year[other]))


def _check_results(ds: Dataset, out: _Collector, known_plans: Collection[str]) -> None:
    plans = set(ds.plans["code"]) | set(known_plans)
    _check_reference(out, "outcomes", ds.outcomes, "plan_code", plans, "plan")
    _check_reference(out, "inspections", ds.inspections, "organization_code", _known(ds.organizations),
                     "organization")


def check_dataset(
    ds: Dataset,
    *,
    unreadable_cells: Collection[tuple[str, int, str]] = (),
    unreadable_sheets: Collection[str] = (),
    known_plans: Collection[str] = (),
) -> list[InputProblem]:
    """Every consistency problem of a dataset, in sheet order.

    Checks duplicate keys, unknown codes, the region hierarchy (each parent above its child, no cycles),
    roles (a product's producer is a producer, demand names a retailer), links to self and volumes above
    capacity, channel requirements, new-link syntax, ``requires_plan`` cycles, and requests on budget lines
    restricted to another region. Ranges and kinds of single cells are checked when the file is read.

    ``unreadable_cells`` ((sheet, row, column)) and ``unreadable_sheets`` name what the reader could not read: the
    checks that rest on them are skipped, every other check runs, so a file's problems are reported at once.
    ``known_plans`` are plan codes stored for other years, which an outcome may name (an import of one year
    replaces the outcomes of every year). A request's budget line, a plan's ``requires_plan`` and
    ``excludes_plans`` must be of the plan's year; an outcome names a plan, an inspection an organization.

    Examples
    --------
    >>> ds = Dataset.from_records({"plans": [
    ...     {"code": "P1", "product_code": "X", "organization_code": "O", "purpose": "other",
    ...      "requires_plan": "P2"},
    ...     {"code": "P2", "product_code": "X", "organization_code": "O", "purpose": "other",
    ...      "requires_plan": "P1"}]})
    >>> [p.reason for p in check_dataset(ds) if p.column == "requires_plan"]
    ['requires_plan forms a cycle: P1 -> P2 -> P1']
    """
    out = _Collector(unreadable_cells, unreadable_sheets)
    _check_keys(ds, out)
    _check_regions(ds, out)
    _check_organizations_and_products(ds, out)
    _check_links(ds, out)
    _check_plans(ds, out)
    _check_results(ds, out, known_plans)
    order = {name: i for i, name in enumerate(SHEETS)}
    return sorted(out.problems, key=lambda p: (order.get(p.sheet or "", 99), p.row or 0, p.column or ""))


def validated(ds: Dataset, problems: Iterable[InputProblem] = ()) -> Dataset:
    """Return ``ds`` if it is consistent; raise :class:`DatasetError` with every problem otherwise."""
    found = [*problems, *check_dataset(ds)]
    if found:
        raise DatasetError(found)
    return ds
