"""Stored runs and the committee's decisions: runs, runs show, adopt, audit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainplan import services
from chainplan.cli.common import FormatOption, OutputFormat, app, print_json, render_table, run, unit_of_work
from chainplan.ports import AuditEntry
from chainplan.wording import text

__all__: list[str] = []

runs_app = typer.Typer(help="Stored allocation runs, newest first, with their decision.")
app.add_typer(runs_app, name="runs")


@runs_app.callback(invoke_without_command=True)
def runs(ctx: typer.Context, output: FormatOption = OutputFormat.table) -> None:
    """Stored allocation runs, newest first: scenario, status, the data each ran on, its decision."""
    if ctx.invoked_subcommand is not None:
        return
    rows = run(output, lambda: services.runs_overview(unit_of_work(ctx)))
    if output is OutputFormat.json:
        print_json(rows)
        return
    typer.echo(render_table([{"run": r["run_id"], "year": "" if r["year"] is None else str(r["year"]),
                              "created_at": r["created_at"], "scenario": r["scenario"],
                              "by": r["created_by"], "status": r["status"],
                              # objective = expected benefit − target-shortfall penalty, the parts side by side
                              "benefit": r["expected_benefit"], "penalty": r["shortfall_penalty"],
                              "objective": r["objective"], "funded": r["funded_plans"],
                              "data": r["dataset_fingerprint"][:12],
                              "decision": "; ".join(f"{d['state']} {d['year']}" for d in r["decisions"])}
                             for r in rows]))


@runs_app.command("show")
def show(
    ctx: typer.Context,
    run_id: Annotated[int, typer.Argument(help="A run id from `chainplan runs`")],
    output: FormatOption = OutputFormat.table,
) -> None:
    """One stored run, in the same JSON as `allocate`, with who ran it, when, on which data and solver."""
    from chainplan.cli.allocation import print_allocation

    stored = run(output, lambda: services.stored_run(unit_of_work(ctx), run_id))
    document = services.run_document(stored)
    if output is OutputFormat.json:
        print_json(document)
        return
    typer.echo(f"Run {run_id}, {document['created_at']} by {document['created_by'] or 'unknown'}; data "
               f"{stored.dataset_fingerprint[:12]}; {stored.solver_version or 'no solver (baseline)'}")
    print_allocation(document, run_id)


@app.command("adopt")
def adopt(
    ctx: typer.Context,
    run_id: Annotated[int, typer.Argument(help="The run the committee adopts")],
    by: Annotated[str, typer.Option("--by", help="Who decides (a name or the committee)")],
    note: Annotated[str, typer.Option("--note", help="The decision's reference or a remark")] = "",
    year: Annotated[int | None, typer.Option("--year", min=2000, max=2100, help="Programme year (default: the "
                                             "run's year)")] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Adopt a run as the committee's decision for a year; a later adoption supersedes it. Nothing is edited."""
    entries = run(output, lambda: services.adopt_run(unit_of_work(ctx), run_id, by=by, note=note, year=year))
    rows = [_audit_row(e) for e in entries]
    if output is OutputFormat.json:
        print_json(rows)
        return
    for row in rows:
        verb = "adopted" if row["action"] == "adopt" else "superseded"
        typer.echo(f"Run {row['run_id']} {verb} for {row['year']} by {row['by']}")


def _audit_row(entry: AuditEntry) -> dict[str, object]:
    return {"at": entry.at.isoformat(timespec="seconds"), "action": entry.action, "run_id": entry.run_id,
            "year": entry.year, "by": entry.by, "note": entry.note}


@app.command("audit")
def audit(ctx: typer.Context, output: FormatOption = OutputFormat.table) -> None:
    """The append-only decision log, oldest first."""
    entries = run(output, lambda: services.audit_log(unit_of_work(ctx)))
    rows = [_audit_row(e) for e in entries]
    if output is OutputFormat.json:
        print_json(rows)
    else:
        typer.echo(render_table([{**row, "year": str(row["year"])} for row in rows]))  # a year, not 2,026


@app.command("compare")
def compare(
    ctx: typer.Context,
    run_ids: Annotated[list[int], typer.Argument(help="2 to 5 run ids from `chainplan runs`")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the committee pack workbook (.xlsx)")] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Write the printable report (.html)")] = None,
    lang: Annotated[str, typer.Option("--lang", help="vi or en, for the pack and the report")] = "vi",
    output: FormatOption = OutputFormat.table,
) -> None:
    """Compare 2 to 5 stored runs: targets, plans funded in one and not another, money per line and region, cost
    per outcome, regional spread."""
    comparison = run(output, lambda: services.compare(unit_of_work(ctx), run_ids, out=out, report=report,
                                                      lang=lang.lower()))
    document = comparison.as_dict()
    if output is OutputFormat.json:
        print_json(document)
        return
    for warning in comparison.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(render_table([{k: row[k] for k in ("run_id", "scenario", "status", "expected_benefit",
                                                  "shortfall_penalty", "objective", "funded_plans", "funded_vnd",
                                                  "targets_met", "regions_funded", "gini", "largest_region_share")}
                             for row in document["runs"]]))
    typer.echo(text("phrase.objective_explained", "en"))
    typer.echo("\nTargets:")
    typer.echo(render_table(document["targets"]))
    differing = [p for p in document["plans"] if len(p["funded_in"]) < len(run_ids)]
    typer.echo(f"\nPlans funded in some runs and not others ({len(differing)}):")
    typer.echo(render_table([{"plan": p["plan_code"], "funded in": p["funded_in"], "VND": p["amount_vnd"]}
                             for p in differing]))
    typer.echo("\nCost per outcome (VND per expected unit):")
    typer.echo(render_table(document["cost_per_outcome"]))
    for written in (out, report):
        if written is not None:
            typer.echo(f"written: {written}")


@app.command("years")
def years(ctx: typer.Context, output: FormatOption = OutputFormat.table) -> None:
    """Programme years, oldest first: plans, VND requested and available, the adopted run and the VND it funds.

    JSON: a list of {year, plans, requested_vnd, budget_vnd, adopted_run, funded_vnd}; adopted_run and funded_vnd
    are null before a decision."""
    rows = run(output, lambda: services.years_overview(unit_of_work(ctx)))
    if output is OutputFormat.json:
        print_json(rows)
        return
    typer.echo(render_table([{**row, "year": str(row["year"]),  # a year, not 2,020
                              "adopted_run": "" if row["adopted_run"] is None else str(row["adopted_run"])}
                             for row in rows]))
