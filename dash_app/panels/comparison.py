"""Two to five stored runs side by side (``#compare-summary``, ``#compare-targets``, ``#compare-plans``,
``#compare-cost``): the summary, the targets, the plans funded in one option and not another, the cost per
outcome."""

from __future__ import annotations

from typing import Any

from dash import html

from chainplan.compareview import ComparisonView
from chainplan.io.pack import display_name, label
from chainplan.money import format_money, format_number
from chainplan.wording import render, text
from dash_app.components import Column, grid, table
from dash_app.figures import target_amount
from dash_app.forms import SHARE_TARGETS
from dash_app.i18n import t

__all__ = ["render_comparison"]


def render_comparison(view: ComparisonView, lang: str) -> html.Div:
    """The comparison of the runs ``view.run_ids`` (in that order), as :func:`services.comparison_view` gives it."""
    comparison, ids = view.comparison, view.run_ids
    run_label = {i: f"{t('run', lang)} {i}" for i in ids}
    summary = [{**row, "status": display_name(str(row["status"]), lang),
                "scenario": view.scenario_title(int(row["run_id"]), str(row["scenario"]), lang)}
               for row in comparison.runs.to_dict("records")]
    targets = [{"target": display_name(row["target"], lang), "share": row["target"] in SHARE_TARGETS,
                "min": row["min"], "max": row["max"], **{f"run:{i}": v for i, v in row["achieved"].items()}}
               for row in view.targets]
    plans = [{**row, "funded_in": ", ".join(run_label.get(i, str(i)) for i in row["funded_in"])}
             for row in view.differing]
    cost = [{"outcome": display_name(row["outcome"], lang), **{f"run:{i}": v for i, v in row["vnd_per_unit"].items()}}
            for row in view.cost]
    per_run = [Column(f"run:{i}", run_label[i], "number", 110) for i in ids]
    warnings = [html.P(render(notice, lang), className="cp-warning") for notice in comparison.notices]
    return html.Div([
        *warnings,
        # At most five runs and seven targets: plain tables (an AG Grid costs a fifth of a second to draw).
        html.H3(label("summary", lang)),
        table([label(key, lang) for key in SUMMARY],
              [[_summary_cell(key, row, lang) for key in SUMMARY] for row in summary], "compare-summary"),
        html.P(text("phrase.objective_explained", lang), id="compare-objective-note"),
        html.H3(label("targets", lang)),
        table([label("target", lang), label("min", lang), label("max", lang), *(run_label[i] for i in ids)],
              [[row["target"], *(target_amount(row.get(key), lang, share=row["share"])
                                 for key in ("min", "max", *(f"run:{i}" for i in ids)))]
               for row in targets], "compare-targets", empty=t("no_targets_compared", lang)),
        html.H3(t("plans_differ", lang)),
        grid("compare-plans", [Column("plan_code", t("plan", lang), width=90),
                               Column("product", t("product", lang), width=200, flex=2),
                               Column("organization", t("organization", lang), width=200, flex=2),
                               Column("region", t("region", lang), width=130),
                               Column("amount_vnd", label("amount_vnd", lang), "money", 160),
                               Column("funded_in", label("funded_in", lang), width=140)],
             plans, lang, height="320px", csv_name=f"compare-{'-'.join(map(str, ids))}-plans.csv"),
        html.H3(label("cost_per_outcome", lang)),
        html.P(t("cost_per_outcome_hint", lang)),
        grid("compare-cost", [Column("outcome", label("outcome", lang), width=220, flex=2),
                              *[Column(c.field, c.header, "money", 150) for c in per_run]],
             cost, lang),
    ])


#: The objective with its two parts side by side: expected benefit − target-shortfall penalty = objective.
SUMMARY = ("run_id", "scenario", "status", "total_benefit", "shortfall_penalty", "objective", "funded_plans",
           "funded_vnd", "targets_met", "regions_funded", "gini", "largest_region_share")


def _summary_cell(key: str, row: dict[str, Any], lang: str) -> str:
    value = row[key]
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if key == "funded_vnd":
        return format_money(int(value), lang)
    if key == "largest_region_share":
        return f"{format_number(float(value) * 100, lang, 1)} %"
    if key in ("total_benefit", "shortfall_penalty", "objective", "gini"):
        return format_number(float(value), lang, 3 if key == "gini" else 2)
    if key in ("funded_plans", "targets_met", "regions_funded"):
        return format_number(int(value), lang, 0)
    return str(value)
