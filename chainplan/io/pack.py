"""The committee pack: a comparison of funding options as a workbook and as a printable report, vi or en.

Both are drawn from the same views (:func:`pack_views`), one per question: summary, targets, plans, budget lines,
regions, cost per outcome, explanations. Each view has one column (or one group of columns) per option, titled
with the option's scenario name; plans, products, organisations, regions and budget lines are written by name
(:func:`chainplan.names.name_book`, codes kept in a column where a reader may look one up); reasons are the run's
own sentences in the pack's language; and the objective is shown with its two parts, the expected benefit and
the penalty for targets not met, and explained in a sentence.

The workbook prints as a committee reads paper: every sheet landscape A4, one page wide, its header rows repeated
on every page, the title and the date in the page header, page numbers in the footer. Text that users wrote
(scenario names, who ran a run) is written as text, never as a formula. The report is one self-contained HTML
file (charts drawn as inline SVG: no script, no network) with print CSS for A4 landscape.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from chainplan.allocation.wording import target_name, target_names
from chainplan.compare import Comparison
from chainplan.names import name_of
from chainplan.wording import (
    NameBook,
    format_date,
    format_integer,
    format_money,
    format_number,
    format_share,
    render,
    term,
    text,
)

__all__ = ["LANGUAGES", "Column", "Entry", "View", "display_name", "label", "pack_views", "write_pack_report",
           "write_pack_workbook"]

LANGUAGES = ("vi", "en")

#: Targets counted as a share of products (written as a percentage).
SHARE_TARGETS = frozenset({"e_stamp_share"})

#: How each kind of value is written in the workbook (the report writes the language's own separators).
_FORMATS = {"money": '#,##0 "₫"', "number": "#,##0.00", "count": "#,##0", "share": "0.0%", "ratio": "0.000"}
_NUMERIC = frozenset(_FORMATS)
_FUNDED = "✓"
_NO_REGION = "(none)"  # chainplan.compare's key for plans outside the scenario's region level


@dataclass(frozen=True)
class Column:
    """A column of a view: its title, the kind of its values, the option it belongs to, its width in characters.

    ``kind`` is ``text`` (wrapped), ``code``, ``money`` (whole VND), ``number``, ``count``, ``share`` (a fraction
    written as a percentage) or ``ratio`` (three decimals). ``group`` is the option's title when the option has
    several columns (the title is then written above them, once).
    """

    title: str
    kind: str = "text"
    group: str = ""
    width: float = 12.0


@dataclass(frozen=True)
class Entry:
    """A cell that is more than its value: another kind than its column's, spread over ``span`` columns (the
    same sentence in every option), or marked (funded, met)."""

    value: object
    kind: str | None = None
    span: int = 1
    mark: bool = False


@dataclass
class View:
    """One question of the pack as a table: ``rows`` hold values or :class:`Entry` cells (spans included)."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[object]]
    #: Sentences printed under the table.
    notes: list[str] = field(default_factory=list)
    #: Columns kept in view when scrolling sideways.
    frozen: int = 1


def label(key: str, lang: str) -> str:
    """A column or view title as the pack writes it (the web page uses the same words)."""
    if key in ("yes", "no"):
        return term("yes_no", key, lang)
    found = text(f"column.{key}", lang)
    return text(f"sheet.{key}", lang) if found == f"column.{key}" else found


def display_name(code: str, lang: str) -> str:
    """A target, outcome or status as a committee reads it."""
    if code in target_names(lang):
        return target_name(code, lang)
    return term("status", code, lang)


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _when(value: object, lang: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return "" if value is None else str(value)
    return f"{format_date(moment, lang)} {moment:%H:%M}"


def _bound_kind(value: Any, share: bool) -> str:
    if share:
        return "share"
    return "count" if isinstance(value, int | float) and float(value).is_integer() else "number"


def _bounds_text(low: Any, high: Any, share: bool, lang: str) -> str:
    """``≥ 50``, ``≤ 40`` or ``30 – 40`` (``''`` without bounds)."""
    def written(value: Any) -> str:
        return format_share(float(value), lang, 1) if share else format_number(float(value), lang,
                                                                                0 if float(value).is_integer() else 2)
    if low is not None and high is not None:
        return f"{written(low)} – {written(high)}"
    if low is not None:
        return f"≥ {written(low)}"
    return f"≤ {written(high)}" if high is not None else ""


class _Options:
    """The compared runs in order, each with its column title (the scenario's name and the run)."""

    def __init__(self, comparison: Comparison, lang: str) -> None:
        runs = _records(comparison.runs)
        self.ids: list[int] = [int(r["run_id"]) for r in runs]
        self.rows = {int(r["run_id"]): r for r in runs}
        scenario = "scenario_vi" if lang == "vi" else "scenario"
        self.titles = {int(r["run_id"]): text("phrase.option_title", lang,
                                              scenario=str(r.get(scenario) or r["scenario"]), run=str(r["run_id"]))
                       for r in runs}


def _summary(comparison: Comparison, options: _Options, lang: str) -> View:
    def penalty_per_unit(r: dict[str, Any]) -> Any:
        if r.get("target_mode", "soft") == "hard":
            return Entry(term("target_mode", "hard", lang), kind="text")
        per_unit = r.get("penalty_per_unit")
        return Entry(per_unit, kind=_bound_kind(per_unit, False))

    rows: list[tuple[str, str, Callable[[dict[str, Any]], Any]]] = [
        ("status", "text", lambda r: term("status", str(r["status"]), lang)),
        ("total_benefit", "number", lambda r: r.get("total_benefit")),
        ("shortfall_penalty", "number", lambda r: r.get("shortfall_penalty")),
        ("objective", "number", lambda r: r.get("objective")),
        ("penalty_per_unit", "number", penalty_per_unit),
        ("targets_met", "text", lambda r: text("phrase.count_of", lang, count=int(r["targets_met"]),
                                               total=int(r.get("targets") or 0))),
        ("funded_plans", "count", lambda r: r.get("funded_plans")),
        ("funded_vnd", "money", lambda r: r.get("funded_vnd")),
        ("regions_funded", "count", lambda r: r.get("regions_funded")),
        ("gini", "ratio", lambda r: r.get("gini")),
        ("largest_region_share", "share", lambda r: r.get("largest_region_share")),
        ("created_by", "text", lambda r: "" if r.get("created_by") is None else str(r["created_by"])),
        ("created_at", "text", lambda r: _when(r.get("created_at"), lang)),
        ("dataset_fingerprint", "code", lambda r: str(r.get("dataset_fingerprint") or "")[:12]),
    ]
    columns = [Column(label("measure", lang), "text", width=34)]
    columns += [Column(options.titles[i], "text", width=20) for i in options.ids]
    def entry(value: Any, kind: str) -> Entry:
        return value if isinstance(value, Entry) else Entry(value, kind=kind)

    body = [[label(key, lang), *(entry(get(options.rows[i]), kind) for i in options.ids)] for key, kind, get in rows]
    notes = [text("phrase.objective_explained", lang), text("phrase.gini_explained", lang),
             *(render(notice, lang) for notice in comparison.notices)]
    return View("summary", text("sheet.summary", lang), columns, body, notes)


def _targets(comparison: Comparison, options: _Options, lang: str) -> View:
    records = _records(comparison.targets)
    order = list(dict.fromkeys(r["target"] for r in records))
    by = {(r["target"], int(r["run_id"])): r for r in records}
    same_bounds = all(len({(r["min"], r["max"]) for r in records if r["target"] == t}) == 1 for t in order)
    columns = [Column(label("target", lang), "text", width=30)]
    if same_bounds:
        columns += [Column(label("min", lang), "number", width=10), Column(label("max", lang), "number", width=10)]
    for i in options.ids:
        if not same_bounds:
            columns.append(Column(label("bounds", lang), "text", options.titles[i], 11))
        columns += [Column(label("achieved", lang), "number", options.titles[i], 11),
                    Column(label("met", lang), "text", options.titles[i], 8)]
    body = []
    for target in order:
        share = target in SHARE_TARGETS
        row: list[object] = [display_name(target, lang)]
        first = next(r for r in records if r["target"] == target)
        if same_bounds:
            row += [Entry(first[end], kind=_bound_kind(first[end], share)) for end in ("min", "max")]
        for i in options.ids:
            found = by.get((target, i))
            if found is None:
                row += [None] * (2 if same_bounds else 3)
                continue
            if not same_bounds:
                row.append(_bounds_text(found["min"], found["max"], share, lang))
            met = bool(found["met"])
            row += [Entry(found["achieved"], kind="share" if share else "number", mark=met),
                    Entry(term("met", "met" if met else "not_met", lang), mark=met)]
        body.append(row)
    return View("targets", text("sheet.targets", lang), columns, body, [text("phrase.targets_explained", lang)])


def _funded_in_order(funded_in: Sequence[int], count: int) -> tuple[bool, bool]:
    """Plans the options treat differently first, then those every option funds."""
    return len(funded_in) == count, len(funded_in) == 0


def _plans(comparison: Comparison, options: _Options, lang: str, names: NameBook | None) -> View:
    columns = [Column(label("plan_name", lang), "text", width=44), Column(label("plan_code", lang), "code", width=9),
               Column(label("region_code", lang), "text", width=16),
               Column(label("amount_vnd", lang), "money", width=17),
               *(Column(options.titles[i], "text", width=14) for i in options.ids)]
    records = sorted(_records(comparison.plans), key=lambda r: (
        _funded_in_order(r["funded_in"], len(options.ids)), [i not in r["funded_in"] for i in options.ids],
        r["plan_code"]))
    body = [[name_of(names, "plan", r["plan_code"]), r["plan_code"], _region(names, r.get("region_code"), lang),
             r["amount_vnd"], *(Entry(_FUNDED, mark=True) if i in r["funded_in"] else "" for i in options.ids)]
            for r in records]
    return View("plans", text("sheet.plans", lang), columns, body, [text("phrase.plans_explained", lang)])


def _region(names: NameBook | None, code: object, lang: str) -> str:
    return text("phrase.no_region", lang) if code == _NO_REGION else name_of(names, "region", code)


def _lines(comparison: Comparison, options: _Options, lang: str, names: NameBook | None) -> View:
    records = _records(comparison.lines)
    order = list(dict.fromkeys(r["line"] for r in records))
    by = {(r["line"], int(r["run_id"])): r for r in records}
    same = all(len({by.get((line, i), {}).get("available") for i in options.ids}) == 1 for line in order)
    columns = [Column(label("line", lang), "text", width=36), Column(label("line_code", lang), "code", width=11)]
    if same:
        columns.append(Column(label("available", lang), "money", width=17))
        columns += [Column(options.titles[i], "money", width=17) for i in options.ids]
    else:
        for i in options.ids:
            columns += [Column(label("available", lang), "money", options.titles[i], 17),
                        Column(label("used", lang), "money", options.titles[i], 17)]
    body = []
    for line in order:
        stored = next((r.get("name") for r in records if r["line"] == line and r.get("name")), None)
        row: list[object] = [stored or name_of(names, "line", line), line]
        if same:
            row.append(next(r["available"] for r in records if r["line"] == line))
            row += [by.get((line, i), {}).get("used") for i in options.ids]
        else:
            for i in options.ids:
                found = by.get((line, i), {})
                row += [found.get("available"), found.get("used")]
        body.append(row)
    notes = [text("phrase.lines_explained", lang)] if same else []
    return View("lines", text("sheet.lines", lang), columns, body, notes)


def _regions(comparison: Comparison, options: _Options, lang: str, names: NameBook | None) -> View:
    records = _records(comparison.regions)
    by = {(r["region_code"], int(r["run_id"])): r for r in records}
    codes = sorted({r["region_code"] for r in records},
                   key=lambda c: (c == _NO_REGION, _region(names, c, lang).casefold()))
    columns = [Column(label("region_code", lang), "text", width=26)]
    for i in options.ids:
        columns += [Column(label("amount_vnd", lang), "money", options.titles[i], 17),
                    Column(label("plan_count", lang), "count", options.titles[i], 9)]
    body = []
    for code in codes:
        row: list[object] = [_region(names, code, lang)]
        for i in options.ids:
            found = by.get((code, i))
            row += [found["amount_vnd"], found["plans"]] if found else [0, 0]
        body.append(row)
    return View("regions", text("sheet.regions", lang), columns, body)


def _costs(comparison: Comparison, options: _Options, lang: str) -> View:
    records = _records(comparison.cost_per_outcome)
    order = list(dict.fromkeys(r["outcome"] for r in records))
    by = {(r["outcome"], int(r["run_id"])): r for r in records}
    columns = [Column(label("outcome", lang), "text", width=30)]
    for i in options.ids:
        columns += [Column(label("units", lang), "number", options.titles[i], 10),
                    Column(label("vnd_per_unit", lang), "money", options.titles[i], 17)]
    body = []
    for outcome in order:
        row: list[object] = [display_name(outcome, lang)]
        for i in options.ids:
            found = by.get((outcome, i), {})
            row += [found.get("units"), found.get("vnd_per_unit")]
        body.append(row)
    return View("cost_per_outcome", text("sheet.cost_per_outcome", lang), columns, body,
                [text("phrase.cost_explained", lang)])


def _explanations(comparison: Comparison, options: _Options, lang: str, names: NameBook | None) -> View:
    said = "explanation_vi" if lang == "vi" else "explanation"
    records = _records(comparison.explanations)
    by = {(r["plan_code"], int(r["run_id"])): r for r in records}
    codes = list(dict.fromkeys(r["plan_code"] for r in records))
    funded = {code: [i for i in options.ids if (by.get((code, i)) or {}).get("funded")] for code in codes}
    codes.sort(key=lambda c: (_funded_in_order(funded[c], len(options.ids)),
                              [i not in funded[c] for i in options.ids], c))
    columns = [Column(label("plan_name", lang), "text", width=34), Column(label("plan_code", lang), "code", width=9),
               *(Column(options.titles[i], "text", width=36) for i in options.ids)]
    body = []
    for code in codes:
        found = [by.get((code, i)) for i in options.ids]
        sentences = [None if r is None else str(r[said] or r["explanation"] or "") for r in found]
        row: list[object] = [name_of(names, "plan", code), code]
        if len(set(sentences)) == 1 and sentences[0] is not None and len(options.ids) > 1:
            row.append(Entry(sentences[0], span=len(options.ids), mark=bool(funded[code])))
        else:
            row += [Entry(s, mark=bool(r and r["funded"])) for s, r in zip(sentences, found, strict=True)]
        body.append(row)
    return View("explanations", text("sheet.explanations", lang), columns, body, [text("phrase.explanations_explained",
                                                                                   lang)], frozen=2)


def pack_views(comparison: Comparison, lang: str = "vi", names: NameBook | None = None) -> list[View]:
    """The pack's views in order: summary, targets, plans, lines, regions, cost per outcome, explanations.

    ``names`` is a name book (:func:`chainplan.names.name_book`); without it codes are shown.
    """
    options = _Options(comparison, lang)
    return [_summary(comparison, options, lang), _targets(comparison, options, lang),
            _plans(comparison, options, lang, names), _lines(comparison, options, lang, names),
            _regions(comparison, options, lang, names), _costs(comparison, options, lang),
            _explanations(comparison, options, lang, names)]


def _cells(view: View, row: Sequence[object]) -> Iterable[tuple[int, Column, Entry]]:
    """(first column index, its column, the entry) for each cell of a row."""
    position = 0
    for cell in row:
        entry = cell if isinstance(cell, Entry) else Entry(cell)
        yield position, view.columns[position], entry
        position += entry.span


def _shown(value: object, kind: str, lang: str) -> str:
    """A value as the report writes it."""
    if value is None or value == "":
        return ""
    if kind in _NUMERIC and isinstance(value, int | float) and not isinstance(value, bool):
        if kind == "money":
            return format_money(int(value), lang)
        if kind == "count":
            return format_integer(int(value), lang)
        if kind == "share":
            return format_share(float(value), lang, 1)
        return format_number(float(value), lang, 3 if kind == "ratio" else 2)
    return str(value)


# --- the workbook -------------------------------------------------------------------------------------------

#: Arial in Excel, its metric twin Liberation Sans in LibreOffice: both have every Vietnamese letter.
_FONT = "Arial"
_BODY_POINTS = 10
_LINE_HEIGHT = 13.0  # points per line of 10-point text, with LibreOffice's and Excel's leading


def _line_count(value: str, width: float) -> int:
    """Lines a wrapped text takes in a column ``width`` characters wide (10-point text, word wrap)."""
    per_line = max(4.0, width * 1.38 - 2)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in value.split("\n"))


def _header_text(value: str) -> str:
    """Text for a page header or footer: ``&`` starts a code there."""
    return value.replace("&", "&&")


def _put(cell: Any, value: object) -> None:
    """A value into a cell; text stays text (a name such as ``=HYPERLINK(...)`` is never a formula)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value


def _write_sheet(workbook: Any, view: View, lang: str, title: str, today: dt.date) -> None:
    """One view as a printable sheet: its notes first (how to read it), then the table."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins

    sheet = workbook.create_sheet(view.title[:31])
    thin = Side(style="thin", color="B8C2CC")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill, mark_fill = PatternFill("solid", fgColor="E6ECF2"), PatternFill("solid", fgColor="E2F0E2")
    head_font, body_font = Font(name=_FONT, bold=True, size=_BODY_POINTS), Font(name=_FONT, size=_BODY_POINTS)
    columns = view.columns
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width

    # The notes go above the table: read before it, and never left alone on a last page (LibreOffice paginates
    # a sheet's last rows differently from how it draws them and printed an empty page after a note at the end).
    total_width = sum(c.width for c in columns)
    for note_row, note in enumerate(view.notes, start=1):
        cell = sheet.cell(row=note_row, column=1)
        _put(cell, note)
        cell.font = Font(name=_FONT, italic=True, size=_BODY_POINTS)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        if len(columns) > 1:
            sheet.merge_cells(start_row=note_row, start_column=1, end_row=note_row, end_column=len(columns))
        sheet.row_dimensions[note_row].height = _line_count(note, total_width) * _LINE_HEIGHT + 3
    top = len(view.notes) + 2 if view.notes else 1
    if view.notes:
        sheet.row_dimensions[top - 1].height = 6

    grouped = any(c.group for c in columns)
    header_rows = 2 if grouped else 1

    def header(row: int, col: int, value: str, *, across: int = 1, down: int = 1) -> None:
        for r in range(row, row + down):
            for c in range(col, col + across):
                cell = sheet.cell(row=r, column=c)
                cell.fill, cell.border, cell.font = head_fill, border, head_font
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        _put(sheet.cell(row=row, column=col), value)
        if across > 1 or down > 1:
            sheet.merge_cells(start_row=row, start_column=col, end_row=row + down - 1, end_column=col + across - 1)

    heights = [1] * header_rows
    for index, group, members in _header_groups(columns):
        if group:
            header(top, index + 1, group, across=len(members))
            heights[0] = max(heights[0], _line_count(group, sum(c.width for c in members)))
            for offset, member in enumerate(members):
                header(top + 1, index + offset + 1, member.title)
                heights[1] = max(heights[1], _line_count(member.title, member.width))
        else:
            [column] = members
            header(top, index + 1, column.title, down=header_rows)
            lines = _line_count(column.title, column.width)
            heights = [max(h, math.ceil(lines / header_rows)) for h in heights]
    for offset, lines in enumerate(heights):
        sheet.row_dimensions[top + offset].height = lines * _LINE_HEIGHT + 4

    first = top + header_rows
    # A body cell has one of a few looks. Styling a cell attribute by attribute makes openpyxl look each style up
    # in the workbook's lists (most of the pack's time, and seconds for a large comparison on a busy server), so
    # each look is built once and later cells take a copy of its style indices.
    looks: dict[tuple[str | None, bool, bool], Any] = {}
    for row_number, row in enumerate(view.rows, start=first):
        lines = 1
        for position, column, entry in _cells(view, row):
            kind = entry.kind or column.kind
            cell = sheet.cell(row=row_number, column=position + 1)
            _put(cell, entry.value)
            numeric = kind in _NUMERIC and isinstance(entry.value, int | float)
            centred = entry.value == _FUNDED
            look = (_FORMATS[kind] if numeric else None, centred, bool(entry.mark))
            if look in looks:
                cell._style = copy.copy(looks[look])
            else:
                if numeric:
                    cell.number_format = _FORMATS[kind]
                cell.alignment = Alignment(vertical="top", wrap_text=not numeric,
                                           horizontal="center" if centred else None)
                cell.font, cell.border = body_font, border
                if entry.mark:
                    cell.fill = mark_fill
                looks[look] = copy.copy(cell._style)
            if entry.span > 1:
                for extra in range(position + 2, position + entry.span + 1):
                    sheet.cell(row=row_number, column=extra).border = border
                sheet.merge_cells(start_row=row_number, start_column=position + 1, end_row=row_number,
                                  end_column=position + entry.span)
            if isinstance(entry.value, str) and not numeric:
                width = sum(c.width for c in columns[position:position + entry.span])
                lines = max(lines, _line_count(entry.value, width))
        sheet.row_dimensions[row_number].height = lines * _LINE_HEIGHT + 3

    sheet.freeze_panes = sheet.cell(row=first, column=min(view.frozen, len(columns)) + 1)
    sheet.print_title_rows = f"{top}:{first - 1}"
    setup = sheet.page_setup
    setup.orientation, setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.75, bottom=0.6, header=0.3, footer=0.3)
    sheet.oddHeader.left.text = _header_text(view.title)
    sheet.oddHeader.center.text = _header_text(title)
    sheet.oddHeader.center.font = f"{_FONT},Bold"
    sheet.oddHeader.right.text = _header_text(text("phrase.made_on", lang, date=today))
    sheet.oddFooter.center.text = text("phrase.page_of", lang, page="&P", pages="&N")


def write_pack_workbook(comparison: Comparison, path: str | os.PathLike[str], *, lang: str = "vi",
                        names: NameBook | None = None, today: dt.date | None = None) -> Path:
    """Write the committee pack workbook; it replaces ``path`` only when complete.

    ``names`` is the name book of the data (:func:`chainplan.names.name_book`); ``today`` the date printed in the
    page header (default: today).
    """
    from openpyxl import Workbook

    from chainplan.io.workbook import replacing

    workbook = Workbook()
    workbook.remove(workbook.active)
    title = text("sheet.title", lang)
    for view in pack_views(comparison, lang, names):
        _write_sheet(workbook, view, lang, title, today or dt.date.today())
    workbook.properties.title = title
    target = Path(path)
    with replacing(target) as temporary:
        workbook.save(temporary)
    return target


# --- the report ---------------------------------------------------------------------------------------------

_COLOURS = ("#2a6f97", "#d9822b", "#4d9a4a", "#8e5ea2", "#b23a48")
_LABEL_PX, _BAR_PX, _VALUE_PX, _BAR_HEIGHT = 250, 430, 110, 11


def _clip(value: str, limit: int = 44) -> str:
    return value if len(value) <= limit else value[:limit - 1] + "…"


def _svg_bars(title: str, groups: Sequence[tuple[str, Sequence[tuple[float | None, str, str]]]], *,
              legend: Sequence[tuple[str, str]] = (), reference: tuple[float, str] | None = None) -> str:
    """A horizontal bar chart as inline SVG: per group a label and bars ``(value, value as written, colour)``."""
    values = [v for _, bars in groups for v, _, _ in bars if v is not None]
    top = max([*values, reference[0] if reference else 0.0, 1e-9]) * 1.02
    width = _LABEL_PX + _BAR_PX + _VALUE_PX
    parts, y = [], 8
    if legend:
        x = _LABEL_PX
        for name, colour in legend:
            shown = _clip(name, 36)
            parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>'
                         f'<text x="{x + 14}" y="{y + 9}" font-size="11">{html.escape(shown)}</text>')
            x += 24 + 6 * len(shown)
            if x > width - 150:
                x, y = _LABEL_PX, y + 16
        y += 22
    first = y
    for name, bars in groups:
        height = len(bars) * (_BAR_HEIGHT + 2)
        parts.append(f'<text x="{_LABEL_PX - 8}" y="{y + height / 2 + 4:.1f}" font-size="11" text-anchor="end">'
                     f'{html.escape(_clip(name))}</text>')
        for value, shown, colour in bars:
            length = 0.0 if value is None else max(0.0, value) / top * _BAR_PX
            parts.append(f'<rect x="{_LABEL_PX}" y="{y}" width="{length:.1f}" height="{_BAR_HEIGHT}" '
                         f'fill="{colour}"/><text x="{_LABEL_PX + length + 4:.1f}" y="{y + _BAR_HEIGHT - 2}" '
                         f'font-size="10">{html.escape(shown)}</text>')
            y += _BAR_HEIGHT + 2
        y += 7
    if reference is not None:
        at = _LABEL_PX + reference[0] / top * _BAR_PX
        parts.append(f'<line x1="{at:.1f}" y1="{first - 4}" x2="{at:.1f}" y2="{y - 4}" stroke="#444" '
                     f'stroke-dasharray="4 3"/><text x="{at:.1f}" y="{first - 6}" font-size="10" '
                     f'text-anchor="middle">{html.escape(reference[1])}</text>')
    return (f'<figure class="chart"><figcaption>{html.escape(title)}</figcaption>'
            f'<svg role="img" viewBox="0 0 {width} {y}" width="{width}" height="{y}" '
            f'xmlns="http://www.w3.org/2000/svg" font-family="Noto Sans, Arial, sans-serif">'
            f'<title>{html.escape(title)}</title>{"".join(parts)}</svg></figure>')


def _charts(comparison: Comparison, lang: str) -> str:
    options = _Options(comparison, lang)
    colour = {run: _COLOURS[n % len(_COLOURS)] for n, run in enumerate(options.ids)}
    funded = [(options.titles[i], [(float(options.rows[i]["funded_vnd"]) / 1e9,
                                    format_number(float(options.rows[i]["funded_vnd"]) / 1e9, lang, 2), colour[i])])
              for i in options.ids]
    money = _svg_bars(text("phrase.chart_funded", lang), funded)
    groups = []
    records = _records(comparison.targets)
    for target in dict.fromkeys(r["target"] for r in records):
        bars = []
        for i in options.ids:
            found = next((r for r in records if r["target"] == target and int(r["run_id"]) == i), None)
            if found is None or not found["min"] or found["achieved"] is None:
                continue
            ratio = float(found["achieved"]) / float(found["min"]) * 100
            bars.append((ratio, f"{format_number(ratio, lang, 0)} %", colour[i]))
        if bars:
            groups.append((display_name(target, lang), bars))
    if not groups:
        return money
    attainment = _svg_bars(text("phrase.chart_attainment", lang), groups,
                           legend=[(options.titles[i], colour[i]) for i in options.ids],
                           reference=(100.0, "100 %"))
    return money + attainment


def _header_groups(columns: Sequence[Column]) -> list[tuple[int, str, list[Column]]]:
    """The header's cells, left to right: ``(first column's position, group title or '', its columns)``; a run of
    columns with the same group shares one cell above their own titles, the workbook's and the report's alike."""
    cells: list[tuple[int, str, list[Column]]] = []
    for index, column in enumerate(columns):
        if column.group and cells and cells[-1][1] == column.group:
            cells[-1][2].append(column)
        else:
            cells.append((index, column.group, [column]))
    return cells


def _html_table(view: View, lang: str) -> str:
    columns = view.columns
    grouped = any(c.group for c in columns)
    first, second = [], []
    for _index, group, members in _header_groups(columns):
        if group:
            first.append(f'<th colspan="{len(members)}">{html.escape(group)}</th>')
            second += [f"<th>{html.escape(c.title)}</th>" for c in members]
        else:
            rowspan = ' rowspan="2"' if grouped else ""
            first.append(f"<th{rowspan}>{html.escape(members[0].title)}</th>")
    head = "<tr>" + "".join(first) + "</tr>" + ("<tr>" + "".join(second) + "</tr>" if grouped else "")
    total = sum(c.width for c in columns)
    widths = "".join(f'<col style="width:{c.width / total * 100:.1f}%">' for c in columns)
    body = []
    for row in view.rows:
        cells = []
        for _position, column, entry in _cells(view, row):
            kind = entry.kind or column.kind
            classes = [name for name, on in (("num", kind in _NUMERIC and isinstance(entry.value, int | float)),
                                             ("mark", entry.mark), ("centre", entry.value == _FUNDED),
                                             ("code", kind == "code")) if on]
            attributes = (f' colspan="{entry.span}"' if entry.span > 1 else "") + \
                (f' class="{" ".join(classes)}"' if classes else "")
            cells.append(f"<td{attributes}>{html.escape(_shown(entry.value, kind, lang))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    notes = "".join(f'<p class="note">{html.escape(note)}</p>' for note in view.notes)
    return (f'<section id="{view.key}"><h2>{html.escape(view.title)}</h2>{notes}<table><colgroup>{widths}'
            f"</colgroup><thead>{head}</thead><tbody>{''.join(body)}</tbody></table></section>")


_STYLE = """
@page { size: A4 landscape; margin: 10mm 12mm; }
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; font-size: 9.5pt; color: #1d2733;
       margin: 0 auto; max-width: 100%; }
h1 { font-size: 15pt; margin: 0 0 0.2em; } h2 { font-size: 12pt; margin: 1.2em 0 0.4em;
     border-bottom: 1px solid #ccd; break-after: avoid; }
.made { color: #555; margin: 0 0 1em; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 8pt; }
th, td { border: 1px solid #c4ccd4; padding: 2px 4px; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: #e6ecf2; text-align: center; vertical-align: middle; }
td.num { text-align: right; white-space: nowrap; } td.centre { text-align: center; }
td.code { color: #555; font-size: 8pt; } td.mark { background: #e2f0e2; }
thead { display: table-header-group; } tr { break-inside: avoid; }
.note { font-style: italic; margin: 0.4em 0; } .warning { color: #8a5a00; }
figure.chart { margin: 0.8em 0; break-inside: avoid; } figure.chart svg { max-width: 100%; height: auto; }
figcaption { font-weight: bold; margin-bottom: 0.3em; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
"""


def write_pack_report(comparison: Comparison, path: str | os.PathLike[str], *, lang: str = "vi",
                      names: NameBook | None = None, today: dt.date | None = None) -> Path:
    """Write the self-contained printable report (inline SVG charts, print CSS for A4 landscape)."""
    from chainplan.io.workbook import replacing

    title = text("sheet.title", lang)
    views = pack_views(comparison, lang, names)
    warnings = "".join(f'<p class="warning">{html.escape(render(notice, lang))}</p>'
                       for notice in comparison.notices)
    # The summary first, then the charts, then the other views: the order a committee reads them in.
    sections = _html_table(views[0], lang) + _charts(comparison, lang) + "".join(
        _html_table(view, lang) for view in views[1:])
    made = text("phrase.made_on", lang, date=today or dt.date.today())
    document = (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
                f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n"
                f'<body><h1>{html.escape(title)}</h1><p class="made">{html.escape(made)}</p>{warnings}'
                f"{sections}</body></html>\n")
    target = Path(path)
    with replacing(target) as temporary:
        temporary.write_text(document, encoding="utf-8")
    return target
