"""The committee pack: a comparison of funding options as a workbook and as a printable report, vi or en.

The workbook has one sheet per view (summary, targets, plans, lines, regions, explanations) with money as numbers
in a VND number format, frozen headers and fitted columns. The report is one self-contained HTML file (plotly
charts embedded, print CSS for A4) with the same views in the same language.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from pathlib import Path

import pandas as pd

from chainplan.allocation.wording import target_name, target_names
from chainplan.compare import Comparison
from chainplan.wording import format_money, format_number, term, text

__all__ = ["LANGUAGES", "display_name", "label", "write_pack_report", "write_pack_workbook"]

LANGUAGES = ("vi", "en")

_NAMED_COLUMNS = {"target", "outcome", "status"}
_MONEY_COLUMNS = {"funded_vnd", "amount_vnd", "available", "used", "vnd_per_unit"}
_VND_FORMAT = '#,##0 "₫"'


def _word(key: str, lang: str) -> str:
    if key in ("yes", "no"):
        return term("yes_no", key, lang)
    found = text(f"column.{key}", lang)
    return text(f"sheet.{key}", lang) if found == f"column.{key}" else found


def _explanations(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The explanations in the pack's language (one ``explanation`` column)."""
    if lang == "vi":
        frame = frame.assign(explanation=frame["explanation_vi"])
    return frame.drop(columns=["explanation_vi"])


def _views(comparison: Comparison, lang: str) -> dict[str, pd.DataFrame]:
    summary = comparison.runs[["run_id", "scenario", "status", "objective", "total_benefit", "funded_plans",
                               "funded_vnd", "targets_met", "regions_funded", "gini", "largest_region_share",
                               "created_by", "created_at"]]
    plans = comparison.plans.assign(funded_in=comparison.plans["funded_in"].map(
        lambda ids: ", ".join(str(i) for i in ids)))
    return {"summary": summary, "targets": comparison.targets, "plans": plans, "lines": comparison.lines,
            "regions": comparison.regions, "cost_per_outcome": comparison.cost_per_outcome,
            "explanations": _explanations(comparison.explanations, lang)}


def _name(code: str, lang: str) -> str:
    if code in target_names(lang):
        return target_name(code, lang)
    return term("status", code, lang)


def _when(value: str, lang: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return moment.strftime("%d/%m/%Y %H:%M" if lang == "vi" else "%Y-%m-%d %H:%M")


def label(key: str, lang: str) -> str:
    """A column or view title as the pack writes it (the web page uses the same words)."""
    return _word(key, lang)


def display_name(code: str, lang: str) -> str:
    """A target, outcome or status as a committee reads it."""
    return _name(code, lang)


def _cell(value: object, lang: str) -> object:
    if isinstance(value, bool):
        return _word("yes" if value else "no", lang)
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def write_pack_workbook(comparison: Comparison, path: str | os.PathLike[str], *, lang: str = "vi") -> Path:
    """Write the committee pack workbook; it replaces ``path`` only when complete."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from chainplan.io.workbook import replacing

    workbook = Workbook()
    workbook.remove(workbook.active)
    for key, frame in _views(comparison, lang).items():
        sheet = workbook.create_sheet(_word(key, lang)[:31])
        sheet.append([_word(str(c), lang) for c in frame.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_name(str(v), lang) if column in _NAMED_COLUMNS else _cell(v, lang)
                          for column, v in zip(frame.columns, row, strict=True)])
        for index, column in enumerate(frame.columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            if column in _MONEY_COLUMNS:
                for cell in sheet[letter][1:]:
                    cell.number_format = _VND_FORMAT
            longest = max([len(str(_word(str(column), lang)))] + [len(str(v)) for v in frame[column].head(200)])
            sheet.column_dimensions[letter].width = max(10, min(60, longest + 4))
        sheet.freeze_panes = "A2"
    if comparison.warnings:
        sheet = workbook.create_sheet(_word("warnings", lang))
        for warning in comparison.warnings:
            sheet.append([warning])
    target = Path(path)
    with replacing(target) as temporary:
        workbook.save(temporary)
    return target


def _money(value: object, lang: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return format_money(int(value), lang)  # type: ignore[call-overload]


def _table(frame: pd.DataFrame, lang: str, limit: int = 500) -> str:
    head = "".join(f"<th>{html.escape(_word(str(c), lang))}</th>" for c in frame.columns)
    body = []
    for row in frame.head(limit).itertuples(index=False, name=None):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            if column in _MONEY_COLUMNS:
                shown: object = _money(value, lang)
            elif column in _NAMED_COLUMNS:
                shown = _name(str(value), lang)
            elif column == "created_at":
                shown = _when(str(value), lang)
            else:
                shown = _cell(value, lang)
            if isinstance(shown, float):
                shown = format_number(shown, lang, 3)
            cells.append(f"<td>{html.escape('' if shown is None else str(shown))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p>… {len(frame) - limit}</p>" if len(frame) > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def write_pack_report(comparison: Comparison, path: str | os.PathLike[str], *, lang: str = "vi") -> Path:
    """Write the self-contained printable report (charts embedded, A4 print CSS)."""
    import plotly.graph_objects as go

    from chainplan.io.workbook import replacing

    runs = comparison.runs
    names = [f"{_word('run_id', lang)} {r} ({s})" for r, s in zip(runs["run_id"], runs["scenario"], strict=True)]
    billions = runs["funded_vnd"] / 1e9
    money = go.Figure(go.Bar(x=names, y=billions, marker_color="#2a6f97",
                             text=[format_number(round(v, 2), lang, 3) for v in billions], textposition="outside"))
    money.update_layout(title="Kinh phí hỗ trợ (tỷ đồng)" if lang == "vi" else "Funded (billion VND)", height=320,
                        margin={"l": 60, "r": 20, "t": 50, "b": 40}, separators=",." if lang == "vi" else ".,")
    targets = comparison.targets.assign(ratio=comparison.targets.apply(
        lambda r: (r["achieved"] / r["min"]) if r["min"] and r["achieved"] is not None else None, axis=1))
    chart = go.Figure([go.Bar(name=f"{_word('run_id', lang)} {run_id}",
                              x=[_name(t, lang) for t in group["target"]], y=group["ratio"] * 100)
                       for run_id, group in targets.groupby("run_id", sort=False)])
    chart.update_layout(title="Mức đạt so với chỉ tiêu tối thiểu (%)" if lang == "vi"
                        else "Attainment of each minimum target (%)", barmode="group", height=380,
                        margin={"l": 60, "r": 20, "t": 50, "b": 110}, separators=",." if lang == "vi" else ".,")
    chart.add_hline(y=100, line_dash="dot", line_color="#555")
    config = {"displayModeBar": False, "staticPlot": True}
    charts = money.to_html(full_html=False, include_plotlyjs=True, config=config) + chart.to_html(
        full_html=False, include_plotlyjs=False, config=config)
    views = _views(comparison, lang)
    side_by_side = comparison.targets.pivot_table(index="target", columns="run_id", values="achieved",
                                                  aggfunc="first", sort=False)
    bounds = comparison.targets.drop_duplicates("target").set_index("target")[["min", "max"]]
    views["targets"] = bounds.join(side_by_side.rename(columns=lambda r: f"{_word('run_id', lang)} {r}")) \
        .reset_index()
    sections = "".join(f"<section><h2>{html.escape(_word(key, lang))}</h2>{_table(frame, lang)}</section>"
                       for key, frame in views.items())
    warnings = "".join(f"<li>{html.escape(w)}</li>" for w in comparison.warnings)
    document = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(_word('title', lang))}</title>
<style>
@page {{ size: A4; margin: 15mm; }}
body {{ font-family: "Noto Sans", Arial, sans-serif; font-size: 10pt; color: #1d2733; margin: 0 auto;
       max-width: 180mm; }}
h1 {{ font-size: 16pt; }} h2 {{ font-size: 12pt; margin-top: 1.2em; border-bottom: 1px solid #ccd; }}
table {{ border-collapse: collapse; width: 100%; font-size: 8.5pt; }}
th, td {{ border: 1px solid #ccd; padding: 2px 4px; text-align: left; vertical-align: top; }}
th {{ background: #eef2f6; }}
section {{ page-break-inside: auto; }} tr {{ page-break-inside: avoid; }}
@media print {{ .chart {{ page-break-inside: avoid; }} }}
</style></head>
<body><h1>{html.escape(_word('title', lang))}</h1>
{f'<h2>{html.escape(_word("warnings", lang))}</h2><ul>{warnings}</ul>' if warnings else ''}
<div class="chart">{charts}</div>
{sections}
</body></html>"""
    target = Path(path)
    with replacing(target) as temporary:
        temporary.write_text(document, encoding="utf-8")
    return target
