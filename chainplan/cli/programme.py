"""The programme's years: results of a year's decision, calibration per purpose, a phase's progress."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from chainplan import services
from chainplan.cli.common import FormatOption, OutputFormat, app, print_json, render_table, run, unit_of_work
from chainplan.names import name_of
from chainplan.wording import format_money, format_number, term

__all__: list[str] = []


def _money(amount: int | None) -> str:
    return "" if amount is None else format_money(amount, "en")


def _amount(value: float | None) -> str:
    return "" if value is None else format_number(float(value), "en", 2)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else term("yes_no", "yes" if value else "no", "en")


@app.command("results")
def results(
    ctx: typer.Context,
    year: Annotated[int, typer.Option("--year", min=2000, max=2100, help="The programme year")],
    output: FormatOption = OutputFormat.table,
) -> None:
    """The year's adopted run against what its funded plans delivered: money allocated and disbursed, each plan's
    status and success, each target expected and delivered. Exit 2 for a year without an adopted run."""
    found = run(output, lambda: services.year_results(unit_of_work(ctx), year))
    document = found.document
    if output is OutputFormat.json:
        print_json(document)
        return
    plans = document["plans"]
    typer.echo(f"Results of {document['year']}: run {document['run_id']} as adopted, {len(plans)} funded plan(s)")
    typer.echo(render_table([{
        "plan": plan["plan_code"], "what": name_of(found.names, "plan", plan["plan_code"]),
        "allocated": _money(plan["allocated_vnd"]), "disbursed": _money(plan["disbursed_vnd"]),
        "status": term("outcome_status", plan["status"], "en"), "succeeded": _yes_no(plan["succeeded"]),
    } for plan in plans]))
    allocated = sum(int(plan["allocated_vnd"]) for plan in plans)
    disbursed = sum(int(plan["disbursed_vnd"] or 0) for plan in plans)
    share = f" ({format_number(100 * disbursed / allocated, 'en', 1)}%)" if allocated else ""
    typer.echo(f"Disbursed {_money(disbursed)} of {_money(allocated)} allocated{share}")
    typer.echo("\nTargets (expected as the run computed it, delivered as reported):")
    typer.echo(render_table([{"target": term("target", row["target"], "en"), "expected": _amount(row["expected"]),
                              "delivered": "" if row["delivered"] is None else str(row["delivered"])}
                             for row in document["targets"]]))


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{key: (None if value != value else value) for key, value in row.items()}  # NaN as None
            for row in frame.to_dict("records")]


@app.command("calibration")
def calibration(ctx: typer.Context, output: FormatOption = OutputFormat.table) -> None:
    """Per purpose, over every finished plan: stated chance of success against the success rate, and the Brier
    score (the mean of (p − 1 if succeeded else 0)²)."""
    table = run(output, lambda: services.calibration_report(unit_of_work(ctx)))
    rows = _records(table)
    if output is OutputFormat.json:
        print_json(rows)
        return
    typer.echo(render_table([{
        "purpose": term("purpose", row["purpose"], "en"), "finished": row["finished"], "succeeded": row["succeeded"],
        "mean stated": _amount(row["mean_stated_probability"]), "success rate": _amount(row["success_rate"]),
        "brier": format_number(row["brier"], "en", 3)} for row in rows]))


@app.command("progress")
def progress(
    ctx: typer.Context,
    phase: Annotated[Path, typer.Argument(help="Phase file (YAML): name, from, to, targets")],
    output: FormatOption = OutputFormat.table,
) -> None:
    """A phase's progress per target: delivered by the funded plans, expected from the adopted decisions of plans
    not finished, and what remains."""
    found = run(output, lambda: services.phase_progress(unit_of_work(ctx), phase))
    rows = _records(found.table)
    if output is OutputFormat.json:
        print_json(rows)
        return
    adopted = ", ".join(f"{year}: run {run_id}" for year, run_id in sorted(found.adopted.items())) or "none"
    typer.echo(f"Phase {found.phase.name} ({found.phase.first}-{found.phase.last}); adopted decisions: {adopted}")
    typer.echo(render_table([{
        "target": term("target", row["target"], "en"), "min": _amount(row["min"]), "max": _amount(row["max"]),
        "delivered": "" if row["delivered"] is None else str(row["delivered"]), "expected": _amount(row["expected"]),
        "remaining": _amount(row["remaining"])} for row in rows]))
