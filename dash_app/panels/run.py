"""One stored allocation run as a committee reads it (``#run-view``): summary cards, targets, the comparison with
the simple selection rules, and tabs with the funded plans, the plans not funded and the money."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from chainplan.io.pack import display_name
from chainplan.money import format_money, format_number
from chainplan.scenario import scenario_title
from chainplan.wording import term, text
from chainplan.wording.numbers import format_share
from dash_app.components import Column, card, grid, table
from dash_app.figures import target_amount
from dash_app.forms import SHARE_TARGETS
from dash_app.i18n import t
from dash_app.urlstate import page_search

__all__ = ["render_run"]


def _number(value: Any, lang: str) -> str:
    """A benefit, penalty or objective with two decimals; '–' where a run has none (infeasible, error)."""
    return "–" if value is None or value != value else format_number(float(value), lang, 2)


def _absent(value: object) -> bool:
    """None, or the NaN pandas puts in a float column where a row has none (a target without a chance row)."""
    return value is None or value != value


def _yes_no(value: object, lang: str) -> str:
    return "" if _absent(value) else term("yes_no", "yes" if value else "no", lang)


def render_run(stored: Any, view: Any, lang: str, *, year: int | None = None) -> html.Div:
    """One stored run for a committee: summary cards, targets, money per line and region, baselines, plans."""
    document = stored.result
    funded = view.plans[view.plans["funded"]]
    rest = view.plans[~view.plans["funded"]]
    # A robust run is asked to meet each target with its confidence: that count, not the expected one, is its card.
    robust = view.confidence is not None
    confidence = format_share(view.confidence, lang, 0) if robust else ""
    met_column = "met_with_confidence" if robust else "met"
    met = int(view.targets[met_column].fillna(False).astype(bool).sum())
    met_label = t("targets_met_with_confidence", lang).format(confidence=confidence) if robust else t("targets_met",
                                                                                                      lang)
    cards = html.Div([
        card(t("status", lang), term("status", stored.status, lang), "result-status"),
        card(t("funded_plans", lang), format_number(len(funded), lang, 0), "result-funded-plans"),
        card(t("funded_money", lang), format_money(int(funded["total_vnd"].fillna(0).sum()), lang),
             "result-funded-vnd"),
        card(t("total_benefit", lang), format_number(document.get("total_benefit") or 0, lang, 2), "result-benefit"),
        card(met_label, f"{met} / {len(view.targets)}", "result-targets-met"),
    ], className="cp-cards")
    when = stored.created_at.strftime("%d/%m/%Y %H:%M" if lang == "vi" else "%Y-%m-%d %H:%M")
    scenario = scenario_title(stored.scenario, lang)
    notes: list[Any] = [html.P(t("run_heading", lang).format(run=stored.id, scenario=scenario,
                                                             by=stored.created_by, at=when), id="result-heading")]
    if not view.same_data:
        notes.append(html.P(t("run_other_data", lang), className="cp-warning"))
    # Why the run ended as it did ("stopped within the accepted gap", "no eligible plan"). Runs stored before the
    # Vietnamese sentences were kept beside the English ones have no ``message_vi``: a Vietnamese page shows none.
    said = document.get("message_vi" if lang == "vi" else "message")
    if said:
        notes.append(html.P(str(said), className="cp-warning", id="result-message"))
    warnings = "warnings_vi" if lang == "vi" and "warnings_vi" in document else "warnings"
    for warning in document.get(warnings, []):
        notes.append(html.P(str(warning), className="cp-warning"))
    for diagnosis in document.get("diagnosis", []):
        said = (diagnosis.get("explanation_vi" if lang == "vi" else "explanation") or diagnosis.get("explanation")
                if isinstance(diagnosis, dict) else None)
        notes.append(html.P(str(said or diagnosis), className="cp-error"))
    # The links keep the programme year the page shows (``year``).
    links = html.P([dcc.Link(t("compare_this_run", lang), href="/compare" + page_search(lang, year=year,
                                                                                          runs=[stored.id])), " · ",
                    dcc.Link(t("frontier_this_run", lang), href="/frontier" + page_search(lang, year=year,
                                                                                            run=stored.id)), " · ",
                    dcc.Link(t("adopt_this_run", lang), href="/decisions" + page_search(lang, year=year))])
    line_columns = [Column(f"line:{code}", name, "money", 150) for code, name in zip(view.lines["line"],
                                                                                      view.lines["name"],
                                                                                      strict=True)]
    plan_columns = [Column("plan_code", t("plan", lang), width=90), Column("product", t("product", lang), width=200,
                                                                           flex=2),
                    Column("organization", t("organization", lang), width=200, flex=2),
                    Column("region", t("region", lang), width=130), Column("purpose", t("purpose", lang), width=130)]
    said = "explanation_vi" if lang == "vi" else "explanation"
    funded_rows = [{**row, "purpose": term("purpose", row['purpose'], lang), "explanation": row[said]}
                   for row in funded.to_dict("records")]
    rest_rows = [{**row, "purpose": term("purpose", row["purpose"], lang),
                  "reason": term("reason", row["reason"], lang),
                  "explanation": row[said]} for row in rest.to_dict("records")]
    targets = [{"target": display_name(row["target"], lang),
                **{end: target_amount(row[end], lang, share=row["target"] in SHARE_TARGETS)
                   for end in ("min", "max", "achieved")},
                "met": _yes_no(row["met"], lang),
                "chance": "" if _absent(row["chance"]) else format_share(row["chance"], lang, 1),
                "met_with_confidence": _yes_no(row["met_with_confidence"], lang)}
               for row in view.targets.to_dict("records")]
    target_columns = ["target", "min", "max", "achieved", "met"] + (["chance", "met_with_confidence"] if robust else [])
    # Expected benefit − target-shortfall penalty = objective, side by side: a rule with more benefit can still
    # have the lower objective, because it buys less progress on the targets.
    baselines = [[term("method", row['method'], lang), _number(row["total_benefit"], lang),
                  _number(row["shortfall_penalty"], lang), _number(row["objective"], lang),
                  format_number(row["funded_plans"] or 0, lang, 0),
                  format_number(row["targets_met"] or 0, lang, 0), format_number(row["rule_violations"], lang, 0)]
                 for row in view.baselines.to_dict("records")]
    funded_grid = grid("funded-table", [
        *plan_columns, Column("total_vnd", t("funded_money", lang), "money", 150), *line_columns,
        Column("benefit", t("benefit", lang), "number", 100),
        Column("success_probability", t("success_probability", lang), "percent", 100, digits=0),
        Column("explanation", t("explanation", lang), width=320, flex=3, wrap=True)],
        funded_rows, lang, height="420px", csv_name=f"run-{stored.id}-funded.csv")
    unfunded_grid = grid("unfunded-table", [*plan_columns, Column("reason", t("reason", lang), width=180),
                                            Column("explanation", t("explanation", lang), width=360, flex=3,
                                                   wrap=True)],
                         rest_rows, lang, height="420px", csv_name=f"run-{stored.id}-not-funded.csv")
    money = html.Div([
        html.H3(t("money_by_line", lang)),
        grid("result-lines", [Column("name", t("budget_line", lang), width=220, flex=2),
                              Column("available", t("available", lang), "money", 150),
                              Column("used", t("used", lang), "money", 150),
                              Column("left", t("left", lang), "money", 150),
                              Column("value_of_one_more_billion", t("value_of_money", lang), "number", 140),
                              Column("value_of_money_status", t("value_of_money_status", lang), width=140)],
             [{**row, "value_of_money_status": term("vom", row['value_of_money_status'], lang)}
              for row in view.lines.to_dict("records")], lang),
        html.H3(t("money_by_region", lang)),
        grid("result-regions", [Column("name", t("region", lang), width=160, flex=2),
                                Column("eligible_plans", t("eligible_plans", lang), "number", digits=0),
                                Column("requested_vnd", t("requested", lang), "money", 150),
                                Column("funded_plans", t("funded_plans", lang), "number", digits=0),
                                Column("amount_vnd", t("funded_money", lang), "money", 150),
                                Column("share", t("share", lang), "percent", digits=1)],
             view.regions.to_dict("records"), lang, height="360px"),
    ])
    # Tabs: only the open tab's grid is drawn, so a run opens quickly; the rest draws when its tab is chosen.
    return html.Div([
        *notes, cards, links,
        html.H3(t("targets_form", lang)),
        table([t("target", lang), t("target_min", lang), t("target_max", lang), t("achieved", lang), t("met", lang),
               *([t("chance_of_meeting", lang), t("met_with_confidence", lang).format(confidence=confidence)]
                 if robust else [])],
              [[row[key] for key in target_columns] for row in targets], "result-targets",
              empty=t("no_targets", lang)),
        html.H3(t("baselines", lang)),
        html.P(t("baselines_hint", lang)),
        table([t("method", lang), t("total_benefit", lang), t("shortfall_penalty", lang), t("objective", lang),
               t("funded_plans", lang), t("targets_met", lang), t("rule_violations", lang)], baselines,
              "result-baselines"),
        html.P(text("phrase.objective_explained", lang), id="result-objective-note"),
        dcc.Tabs([
            dcc.Tab(funded_grid, label=f"{t('funded_plans_title', lang)} ({format_number(len(funded), lang, 0)})",
                    value="funded", id="tab-funded"),
            dcc.Tab(unfunded_grid, label=f"{t('not_funded_title', lang)} ({format_number(len(rest), lang, 0)})",
                    value="unfunded", id="tab-unfunded"),
            dcc.Tab(money, label=t("money_tab", lang), value="money", id="tab-money"),
        ], value="funded", id="result-tabs"),
    ], id="run-view")
