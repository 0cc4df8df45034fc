"""The programme's memory drawn for people: a phase's progress (delivered, expected from adopted decisions,
remaining) as bars, a year's results (what each funded plan was given, disbursed and delivered against what it
promised; the targets expected against delivered), the calibration per purpose as a table and a reliability
chart (stated chance against realised rate), and the form a planner records an outcome with.

Charts are HTML, like the overview's bars: light, readable by a screen reader, no plotly on these pages. A panel
takes what a service returned and calls no service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from chainplan.allocation.wording import target_name
from chainplan.money import format_money, format_number
from chainplan.names import name_of
from chainplan.recording import DELIVERY_FLAGS
from chainplan.schema import OUTCOME_STATUSES
from chainplan.wording import format_share, term
from dash_app.components import Column, card, dropdown, grid, table
from dash_app.i18n import t

__all__ = ["calibration_section", "outcome_form", "progress_chart", "results_panel"]

#: Colours of the progress bars: delivered, expected from adopted decisions, still to find.
DELIVERED, EXPECTED, REMAINING = "#2a7f62", "#8cc7a8", "#eef2f5"


def _capital(word: str) -> str:
    return word[:1].upper() + word[1:]


def _number(value: float | None, lang: str) -> str:
    if value is None or value != value:
        return "—"
    return format_number(value, lang, 0 if float(value).is_integer() else 1)


def progress_chart(title: str, rows: Sequence[Mapping[str, Any]], lang: str, chart_id: str) -> html.Figure:
    """Per target of a phase, one bar: delivered (solid), expected from the adopted decisions (light), what
    remains to the phase's minimum (empty, framed), with a line at the minimum and the figures in words.

    ``rows`` are :func:`chainplan.services.phase_progress` rows (``target, min, max, delivered, expected,
    remaining``); a share target (no count from outcomes) is left out.
    """
    lines = []
    for row in rows:
        if row["delivered"] is None or row["delivered"] != row["delivered"]:
            continue
        done, coming = float(row["delivered"] or 0), float(row["expected"] or 0)
        goal = None if row["min"] is None or row["min"] != row["min"] else float(row["min"])
        left = float(row["remaining"] or 0) if row["remaining"] == row["remaining"] else 0.0
        scale = max(done + coming + left, goal or 0.0, 1.0) * 1.05

        def width(value: float, scale: float = scale) -> str:
            return f"{100 * value / scale:.2f}%"

        segments = [html.Div(className="cp-progress-done", style={"width": width(done), "background": DELIVERED}),
                    html.Div(className="cp-progress-expected", style={"width": width(coming),
                                                                       "background": EXPECTED}),
                    html.Div(className="cp-progress-left", style={"width": width(left)})]
        marker = [] if goal is None else [html.Div(className="cp-progress-goal", style={"left": width(goal)})]
        words = t("progress_words", lang).format(delivered=_number(done, lang), expected=_number(coming, lang),
                                                 remaining=_number(left, lang), goal=_number(goal, lang))
        lines.append(html.Div([
            html.Span(target_name(str(row["target"]), lang), className="cp-progress-name"),
            html.Div([*segments, *marker], className="cp-progress-track", role="img", **{"aria-label": words}),
            html.Span(words, className="cp-progress-words"),
        ], className="cp-progress-row", id=f"progress-{row['target']}"))
    legend = html.Div([html.Span([html.Span(className="cp-swatch", style={"background": colour}), label],
                                 className="cp-legend-item")
                       for colour, label in ((DELIVERED, t("delivered", lang)), (EXPECTED, t("expected", lang)),
                                             (REMAINING, t("remaining", lang)))], className="cp-legend")
    return html.Figure([html.Figcaption(title, className="visually-hidden"), legend, *lines], id=chart_id,
                       className="cp-progress")


def _amount(target: str, value: float | None, lang: str) -> str:
    """A target's figure: a share (the e-stamp share) in per cent, a count as a number."""
    if target == "e_stamp_share" and value is not None and value == value:
        return format_share(float(value), lang)
    return _number(value, lang)


def _promises(row: Mapping[str, Any], lang: str) -> str:
    """What a plan promised, each marked delivered (✓) or not (✗), and the stars: awarded against expected."""
    delivered = set(row.get("delivered") or [])
    reported = row["status"] != "not_reported"
    parts = [f"{t('promise_' + flag, lang)} {('✓' if flag in delivered else '✗') if reported else '…'}"
             for flag in row.get("promised") or []]
    if row.get("expected_score") is not None:
        awarded = row.get("ocop_score")
        parts.append(t("score_against", lang).format(
            awarded="—" if awarded is None else format_number(awarded, lang, 1),
            expected=format_number(row["expected_score"], lang, 1)))
    return "; ".join(parts) or "—"


def results_panel(document: Mapping[str, Any], names: Mapping[str, Mapping[str, str]], lang: str) -> html.Div:
    """A year's results: figures, every funded plan (allocated, disbursed, status, promised against delivered),
    and the targets expected against delivered."""
    plans = list(document["plans"])
    allocated = sum(int(p["allocated_vnd"]) for p in plans)
    disbursed = sum(int(p["disbursed_vnd"] or 0) for p in plans)
    finished = [p for p in plans if p["succeeded"] is not None]
    succeeded = sum(1 for p in finished if p["succeeded"])
    cards = html.Div([
        card(t("funded_plans", lang), format_number(len(plans), lang, 0), "results-funded"),
        card(t("allocated", lang), format_money(allocated, lang), "results-allocated"),
        card(t("disbursed", lang), format_money(disbursed, lang), "results-disbursed"),
        card(t("finished_plans", lang), format_number(len(finished), lang, 0), "results-finished"),
        card(t("succeeded_plans", lang), format_number(succeeded, lang, 0), "results-succeeded"),
    ], className="cp-cards")
    rows = [{"plan_code": p["plan_code"], "plan": name_of(names, "plan", p["plan_code"]),
             "allocated_vnd": int(p["allocated_vnd"]),
             "disbursed_vnd": None if p["disbursed_vnd"] is None else int(p["disbursed_vnd"]),
             "disbursed_share": (None if p["disbursed_vnd"] is None or not p["allocated_vnd"]
                                 else int(p["disbursed_vnd"]) / int(p["allocated_vnd"])),
             "status": _capital(term("outcome_status", p["status"], lang)),
             "succeeded": "—" if p["succeeded"] is None else _capital(term("yes_no", "yes" if p["succeeded"] else "no",
                                                                          lang)),
             "promises": _promises(p, lang)} for p in plans]
    plan_grid = grid("results-table", [Column("plan_code", t("plan", lang), width=115),
                                       Column("plan", t("product_and_owner", lang), width=240, flex=3),
                                       Column("allocated_vnd", t("allocated", lang), "money", 150),
                                       Column("disbursed_vnd", t("disbursed", lang), "money", 150),
                                       Column("disbursed_share", t("disbursed_share", lang), "percent", 100,
                                              digits=0),
                                       Column("status", t("outcome_status", lang), width=130),
                                       Column("succeeded", t("succeeded", lang), width=100),
                                       Column("promises", t("promised_delivered", lang), width=300, flex=3)],
                     rows, lang, height="auto" if len(rows) <= 15 else "460px", csv_name="results.csv",
                     row_id="plan_code")
    targets: Any = table([t("target", lang), t("expected_by_decision", lang), t("delivered", lang)],
                         [[target_name(str(r["target"]), lang), _amount(r["target"], r["expected"], lang),
                           _amount(r["target"], r["delivered"], lang)] for r in document["targets"]],
                         "results-targets", empty=t("results_no_targets", lang))
    return html.Div([
        html.P(t("results_intro", lang).format(year=document["year"], run=document["run_id"]), id="results-intro"),
        cards,
        html.H3(t("results_plans", lang)), plan_grid,
        html.H3(t("results_targets", lang)), targets,
    ])


def _reliability_chart(records: Sequence[Mapping[str, Any]], lang: str) -> html.Figure:
    """Stated chance (across) against realised rate (up), one dot per purpose sized by its finished plans; on the
    diagonal the stated chances were right, below it producers promised more than they delivered."""
    most = max([int(r["finished"]) for r in records] or [1])
    dots = []
    for r in records:
        stated, realised = float(r["mean_stated_probability"]), float(r["success_rate"])
        size = 10 + 16 * (int(r["finished"]) / most) ** 0.5
        label = term("purpose", str(r["purpose"]), lang)
        said = t("reliability_dot", lang).format(purpose=label, stated=format_share(stated, lang),
                                                realised=format_share(realised, lang),
                                                finished=format_number(int(r["finished"]), lang, 0))
        # A label right of a dot past the middle would run off a phone's screen: it goes on the dot's left.
        side = "cp-dot-label cp-dot-label-left" if stated > 0.5 else "cp-dot-label"
        dots.append(html.Div(html.Span(label, className=side), className="cp-dot", title=said,
                             role="img", **{"aria-label": said},
                             style={"left": f"calc({100 * stated:.2f}% - {size / 2:.1f}px)",
                                    "bottom": f"calc({100 * realised:.2f}% - {size / 2:.1f}px)",
                                    "width": f"{size:.1f}px", "height": f"{size:.1f}px"}))
    ticks = [html.Span(format_share(v, lang), className="cp-tick-x", style={"left": f"{100 * v:.0f}%"})
             for v in (0, 0.25, 0.5, 0.75, 1)]
    ticks += [html.Span(format_share(v, lang), className="cp-tick-y", style={"bottom": f"{100 * v:.0f}%"})
              for v in (0, 0.25, 0.5, 0.75, 1)]
    return html.Figure([
        html.Figcaption(t("reliability_title", lang), className="cp-figure-title"),
        html.Div("↑ " + t("realised_rate", lang), className="cp-axis-y"),
        html.Div([html.Div(className="cp-diagonal"), *dots, *ticks], className="cp-reliability-plot"),
        html.Div(t("stated_probability", lang) + " →", className="cp-axis-x"),
        html.P(t("reliability_hint", lang), className="cp-muted small"),
    ], id="reliability-chart", className="cp-reliability")


def calibration_section(frame: Any, lang: str) -> html.Div:
    """The calibration per purpose (finished, succeeded, mean stated chance, success rate, Brier score) as a table
    and the reliability chart beside it."""
    records = frame.to_dict("records") if frame is not None else []
    if not records:
        return html.Div(html.P(t("calibration_empty", lang), id="calibration-table"), id="calibration-panel")
    rows = [[term("purpose", str(r["purpose"]), lang), format_number(int(r["finished"]), lang, 0),
             format_number(int(r["succeeded"]), lang, 0), format_share(float(r["mean_stated_probability"]), lang),
             format_share(float(r["success_rate"]), lang), format_number(float(r["brier"]), lang, 3)]
            for r in records]
    return html.Div([
        html.Div(table([t("purpose", lang), t("finished_plans", lang), t("succeeded_plans", lang),
                        t("mean_stated_probability", lang), t("success_rate", lang), t("brier", lang)], rows,
                       "calibration-table"), className="cp-panel"),
        html.Div(_reliability_chart(records, lang), className="cp-panel"),
    ], id="calibration-panel", className="cp-side-by-side")


def outcome_form(lang: str, may_record: bool, plans: Sequence[tuple[str, str]]) -> list[Any]:
    """The form a planner records what a funded plan delivered with: the plan, its status, the money disbursed,
    the OCOP score awarded, the report's date, what it delivered (boxes) and a note. Disabled for a role that may
    not (the server checks too)."""
    off = not may_record
    return [
        html.H2(t("record_outcome", lang)),
        html.P(t("outcome_hint", lang)),
        None if may_record else html.P(t("outcome_only_planner", lang), id="outcome-not-allowed"),
        html.Div([
            html.Label([t("plan", lang), dropdown(lang, [{"label": f"{code} — {name}", "value": code}
                                                         for code, name in plans], None, "outcome-plan",
                                                  disabled=off)], className="cp-field cp-field-widest"),
            html.Label([t("outcome_status", lang), dropdown(lang, [
                {"label": _capital(term("outcome_status", status, lang)), "value": status}
                for status in OUTCOME_STATUSES], "completed", "outcome-status", clearable=False, searchable=False,
                disabled=off)], className="cp-field"),
        ], className="cp-row"),
        html.Div([
            # Text, read on the server: "1.500.000" and "72,5" are how people write them.
            html.Label([t("disbursed_vnd", lang), dcc.Input(id="outcome-disbursed", type="text", inputMode="numeric",
                                                            disabled=off)], className="cp-field"),
            html.Label([t("ocop_score_awarded", lang), dcc.Input(id="outcome-score", type="text",
                                                                 inputMode="decimal", disabled=off)],
                       className="cp-field"),
            html.Label([t("reported_on", lang), dcc.Input(id="outcome-date", type="date", disabled=off,
                                                          value=dt.date.today().isoformat())], className="cp-field"),
        ], className="cp-row"),
        html.Fieldset([html.Legend(t("what_was_delivered", lang)),
                       # Bootstrap's checklist: Dash's own draws a listbox of options that each hold a
                       # checkbox, which screen readers cannot name (axe: nested-interactive).
                       dbc.Checklist(id="outcome-delivered", options=[
                           {"label": t("promise_" + flag, lang), "value": flag, "disabled": off}
                           for flag in DELIVERY_FLAGS], value=[], inline=True)]),
        html.Label([t("outcome_note", lang), dcc.Textarea(id="outcome-note", disabled=off,
                                                  style={"width": "100%", "minHeight": "3rem"})],
                   className="cp-field"),
        # The plan and the version of its stored report when the form was opened on it: a save on an older
        # version than the stored one is refused, naming who saved since and when.
        dcc.Store(id="outcome-opened", data=None),
        html.P(id="outcome-opened-note", className="cp-muted", role="status"),
        dbc.Button(t("save_outcome", lang), id="outcome-save", disabled=off),
    ]
