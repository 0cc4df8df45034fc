"""Allocation: run a scenario with the optimiser or a baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from chainplan import services
from chainplan.allocation.results import objective_parts
from chainplan.cli.common import (
    EXIT_NO,
    Baseline,
    FormatOption,
    OutputFormat,
    SolverName,
    app,
    print_document,
    render_table,
    run,
    unit_of_work,
)
from chainplan.runview import chance_by_target
from chainplan.wording import Number, text

__all__ = ["objective_in_words", "print_allocation"]


def _vnd(amount: object) -> str:
    # English grouping, as every other figure the command line prints (it writes English).
    return "" if amount is None else f"{int(amount):,}"  # type: ignore[call-overload]


def _value_of_money_text(line: dict[str, Any]) -> str:
    status = line.get("value_of_money_status")
    if status == "exact":
        return f"{line['value_of_one_more_billion']:.2f}"
    if status == "bounded":
        upper = line.get("value_of_money_upper")
        return f"{line['value_of_one_more_billion']:.2f} to {'?' if upper is None else f'{upper:.2f}'}"
    return "not computed"


def objective_in_words(objective: float | None, benefit: float | None) -> str:
    """'objective −74,131.53 = expected benefit 1,668.47 − target-shortfall penalty 75,800.00' (English, as the
    command line speaks); 'no objective' for a run without one."""
    expected, penalty = objective_parts(objective, benefit)
    if objective is None or expected is None or penalty is None:
        return f"no objective; expected benefit {float(benefit or 0.0):,.2f}"
    return text("phrase.objective_parts", "en", objective=Number(objective), benefit=Number(expected),
                penalty=Number(penalty))


def print_allocation(document: dict[str, Any], run_id: int | None) -> None:
    gap = "" if document["gap"] in (None, 0.0) else f", gap {document['gap']:.3%}"
    typer.echo(f"Scenario {document['scenario']} ({document['method']}, {document['solver'] or 'heuristic'}): "
               f"{document['status']}{gap}; {objective_in_words(document['objective'], document['total_benefit'])}"
               + (f"; stored as run {run_id}" if run_id is not None else ""))
    if document["message"]:
        typer.echo(document["message"])
    for warning in document["warnings"]:
        typer.echo(f"Warning: {warning}")
    typer.echo(f"\nFunded plans ({len(document['funded_plans'])}):")
    typer.echo(render_table([{"plan": p["plan_code"], "product": p["product_code"], "region": p["region"],
                              "VND": _vnd(p["total_vnd"]), "benefit": round(p["benefit"], 2)}
                             for p in document["funded_plans"]]))
    typer.echo("\nBudget lines:")
    typer.echo(render_table([{"line": line, "available": _vnd(b["available"]), "used": _vnd(b["used"]),
                              "left": _vnd(b["left"]),
                              "+1 bn VND adds": _value_of_money_text(b)}
                             for line, b in document["budget"].items()]))
    # A robust run is asked for each target with its confidence: its chance rows are shown beside the expectation.
    chances = chance_by_target(document)
    confidence = f"met at {round(100 * document['robust']['confidence'])} %" if chances else ""
    typer.echo("\nTargets" + (" (achieved, met and shortfall on expected values):" if chances else ":"))
    typer.echo(render_table([{"target": name, "min": t["target"]["min"], "max": t["target"]["max"],
                              "achieved": None if t["achieved"] is None else round(t["achieved"], 3),
                              "met": "yes" if t["met"] else "no", "shortfall": round(t["shortfall"] or 0.0, 3),
                              **({"chance": f"{100 * chances[name][0]:.1f} %" if name in chances else "",
                                  confidence: ("yes" if chances[name][1] else "no") if name in chances else ""}
                                 if chances else {})}
                             for name, t in document["targets"].items()]))
    if document["diagnosis"]:
        typer.echo("\nWhy it is infeasible (the smallest changes that, made together, make it feasible):")
        for item in document["diagnosis"]:
            typer.echo(f"  - {item['explanation']}")
    if document["rule_violations"]:
        typer.echo("\nRules this baseline breaks:")
        for item in document["rule_violations"]:
            typer.echo(f"  - {item}")
    comparison = document["comparison"]
    if comparison:
        typer.echo("\nAgainst the baselines:")
        for name, other in comparison.items():
            if isinstance(other, dict):
                gain = other.get("objective_gain_of_optimiser")
                typer.echo(f"  - {name}: {objective_in_words(other['objective'], other['total_benefit'])}"
                           + ("" if gain is None else f" (optimiser +{gain:,.2f})")
                           + f"; targets met {other['targets_met']} of {comparison['targets']} "
                           f"(optimiser {comparison['targets_met_by_optimiser']})")
        typer.echo(text("phrase.objective_explained", "en"))
    reasons: dict[str, int] = {}
    for decision in document["decisions"]:
        reasons[decision["reason"]] = reasons.get(decision["reason"], 0) + 1
    typer.echo("\nDecisions: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
    typer.echo("Every plan's explanation: --format json (explanations, decisions) or --out FILE.xlsx")


@app.command("allocate")
def allocate(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML)")],
    output: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the result workbook (.xlsx)")] = None,
    solver: Annotated[SolverName | None, typer.Option("--solver", help="Override the scenario's solver")] = None,
    baseline: Annotated[Baseline | None, typer.Option("--baseline", help="Run a baseline instead")] = None,
    store: Annotated[bool, typer.Option("--store/--no-store", help="Store the run in the database")] = True,
    by: Annotated[str | None, typer.Option("--by", help="Who runs it (default: the system user)")] = None,
    value_of_money: Annotated[bool, typer.Option(
        "--value-of-money", help="Also value one more billion VND on each line (a re-solve per binding line)",
    )] = False,
) -> None:
    """Allocate the budget lines over the appraised plans.

    Exit 1 when no allocation results: hard targets make it infeasible, or no solver returned a valid answer
    (status error)."""
    run_result = run(output, lambda: services.run_allocation(
        unit_of_work(ctx), scenario, method=baseline.value if baseline else "milp",
        solver=solver.value if solver else None, store=store, out=out, marginal_values=value_of_money, by=by))
    document = run_result.document
    if output is OutputFormat.json:
        print_document(document, run_id=run_result.run_id)  # the text stored, not encoded again
    else:
        print_allocation({**document, "run_id": run_result.run_id}, run_result.run_id)
    if document["status"] in ("infeasible", "error"):
        raise typer.Exit(EXIT_NO)


