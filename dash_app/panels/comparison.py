"""Two to five stored runs side by side (``#compare-summary``, ``#compare-targets``, ``#compare-plans``,
``#compare-cost``): the summary, the targets, the plans funded in one option and not another, the cost per
outcome."""

from __future__ import annotations

from typing import Any

from dash import html

from chainplan.compare import Comparison
from chainplan.io.pack import display_name, label
from chainplan.money import format_money, format_number
from chainplan.runview import Names
from dash_app.components import Column, grid, table
from dash_app.figures import target_amount
from dash_app.forms import SHARE_TARGETS
from dash_app.i18n import t

__all__ = ["render_comparison"]


def render_comparison(comparison: Comparison, names: Names, ids: list[int], lang: str) -> html.Div:
    """The comparison of the runs ``ids`` (in that order), with names from ``names``."""
    run_label = {i: f"{t('run', lang)} {i}" for i in ids}
    summary = [{**row, "status": display_name(str(row["status"]), lang)}
               for row in comparison.runs.to_dict("records")]
    targets: dict[str, dict[str, Any]] = {}
    for row in comparison.targets.to_dict("records"):
        entry = targets.setdefault(row["target"], {"target": display_name(row["target"], lang),
                                                   "share": row["target"] in SHARE_TARGETS,
                                                   "min": _plain(row["min"]), "max": _plain(row["max"])})
        entry[f"run:{row['run_id']}"] = _plain(row["achieved"])
    differing = comparison.plans[comparison.plans["funded_in"].map(len) < len(ids)]
    plans = [{"plan_code": row["plan_code"], "product": names.product(row["product_code"]),
              "organization": names.organization(names.plan_organization.get(row["plan_code"])),
              "region": names.region(row["region_code"]), "amount_vnd": row["amount_vnd"],
              "funded_in": ", ".join(run_label.get(i, str(i)) for i in row["funded_in"])}
             for row in differing.to_dict("records")]
    cost: dict[str, dict[str, Any]] = {}
    for row in comparison.cost_per_outcome.to_dict("records"):
        entry = cost.setdefault(row["outcome"], {"outcome": display_name(row["outcome"], lang)})
        entry[f"run:{row['run_id']}"] = _plain(row["vnd_per_unit"])
    per_run = [Column(f"run:{i}", run_label[i], "number", 110) for i in ids]
    warnings = [html.P(w, className="cp-warning") for w in comparison.warnings]
    return html.Div([
        *warnings,
        # At most five runs and seven targets: plain tables (an AG Grid costs a fifth of a second to draw).
        html.H3(label("summary", lang)),
        table([label(key, lang) for key in SUMMARY],
              [[_summary_cell(key, row, lang) for key in SUMMARY] for row in summary], "compare-summary"),
        html.H3(label("targets", lang)),
        table([label("target", lang), label("min", lang), label("max", lang), *(run_label[i] for i in ids)],
              [[row["target"], *(target_amount(row.get(key), lang, share=row["share"])
                                 for key in ("min", "max", *(f"run:{i}" for i in ids)))]
               for row in targets.values()], "compare-targets"),
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
             list(cost.values()), lang),
    ])


SUMMARY = ("run_id", "scenario", "status", "total_benefit", "funded_plans", "funded_vnd", "targets_met",
           "regions_funded", "gini", "largest_region_share")


def _summary_cell(key: str, row: dict[str, Any], lang: str) -> str:
    value = row[key]
    if key == "funded_vnd":
        return format_money(int(value), lang)
    if key == "largest_region_share":
        return f"{format_number(float(value) * 100, lang, 1)} %"
    if key in ("total_benefit", "gini"):
        return format_number(float(value), lang, 3 if key == "gini" else 2)
    return str(value)


def _plain(value: Any) -> Any:
    """A frame's value for a grid cell: ``None`` for a missing number (NaN)."""
    return None if isinstance(value, float) and value != value else value
