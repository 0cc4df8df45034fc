"""Sweeps: the budget frontier, the robust core under weight changes, and the risk of a stored run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from chainplan import services
from chainplan.allocation.results import objective_parts
from chainplan.cli.common import FormatOption, OutputFormat, app, print_json, render_table, run, unit_of_work
from chainplan.sweep import Progress

__all__: list[str] = []

WorkersOption = Annotated[int | None, typer.Option("--workers", min=1, help="Local processes (default: one per "
                                                   "core)")]
DaskOption = Annotated[str | None, typer.Option("--dask", help="Address of a running Dask scheduler, "
                                                "tcp://HOST:PORT")]


def _progress(label: str, output: OutputFormat) -> Progress | None:
    """A progress line on a terminal; nothing when the output is JSON or not a terminal."""
    if output is OutputFormat.json or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


@app.command("frontier")
def frontier(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML)")],
    start: Annotated[float, typer.Option("--from", help="Smallest budget scale")] = 0.5,
    stop: Annotated[float, typer.Option("--to", help="Largest budget scale")] = 1.5,
    steps: Annotated[int, typer.Option("--steps", help="Points, from --from to --to inclusive")] = 21,
    workers: WorkersOption = None,
    dask: DaskOption = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Re-optimise the scenario at each budget scale: benefit and every target against the total budget."""
    result = run(output, lambda: services.budget_frontier(
        unit_of_work(ctx), scenario, start=start, stop=stop, steps=steps, workers=workers, dask=dask,
        progress=_progress("frontier", output)))
    if output is OutputFormat.json:
        print_json(result.as_dict())
        return
    rows: list[dict[str, Any]] = []
    for point in result.points:
        rows.append({"scale": point["budget_scale"], "budget VND": point["budget_vnd"], "status": point["status"],
                     # objective = benefit − penalty (the target-shortfall penalty), side by side
                     "benefit": point["total_benefit"],
                     "penalty": objective_parts(point["objective"], point["total_benefit"])[1],
                     "objective": point["objective"],
                     "plans": point["funded_plans"],
                     **{name: (round(v, 3) if v is not None else None) for name, v in point["targets"].items()}})
    typer.echo(render_table(rows))
    for name, scale in result.reachable_at.items():
        typer.echo(f"{name}: " + (f"met from budget scale {scale:g}" if scale is not None else "not met at any "
                                  "point"))


@app.command("sensitivity")
def sensitivity(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML)")],
    weights_range: Annotated[float, typer.Option("--weights-range", help="Each weight varies within ±this "
                                                 "fraction")] = 0.2,
    samples: Annotated[int, typer.Option("--samples", help="Perturbed solves")] = 50,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the perturbations")] = 0,
    workers: WorkersOption = None,
    dask: DaskOption = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """The robust core: plans funded whatever the weights within the range, those funded in some samples, none."""
    result = run(output, lambda: services.weight_sensitivity(
        unit_of_work(ctx), scenario, weights_range=weights_range, samples=samples, seed=seed, workers=workers,
        dask=dask, progress=_progress("sensitivity", output)))
    if output is OutputFormat.json:
        print_json(result.as_dict())
        return
    typer.echo(f"Core ({len(result.core)} plans funded in all {samples} samples): {', '.join(result.core)}")
    typer.echo(f"\nBorderline ({len(result.borderline)} plans, share of samples funded):")
    typer.echo(render_table([{"plan": code, "share": share} for code, share in result.borderline.items()]))
    typer.echo(f"\nExterior: {len(result.exterior)} eligible plans never funded.")


@app.command("risk")
def risk(
    ctx: typer.Context,
    run_id: Annotated[int, typer.Argument(help="A run id from `chainplan runs`")],
    draws: Annotated[int, typer.Option("--draws", help="Monte Carlo draws")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Seed (the same seed gives the same figures)")] = 0,
    workers: WorkersOption = None,
    dask: DaskOption = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Monte Carlo over the funded plans' success: P10/P50/P90 of every target and of benefit, and the chance
    each target is met."""
    document = run(output, lambda: services.run_risk(unit_of_work(ctx), run_id, draws=draws, seed=seed,
                                                      workers=workers, dask=dask,
                                                      progress=_progress("risk", output)))
    if output is OutputFormat.json:
        print_json(document)
        return
    typer.echo(f"Run {run_id} ({document['scenario']}): {draws:,} draws, seed {seed}")
    typer.echo(render_table([{"target": t["target"], "min": t["min"], "max": t["max"], "P10": t["p10"],
                              "P50": t["p50"], "P90": t["p90"], "mean": t["mean"],
                              "chance met": f"{t['prob_met']:.1%}"} for t in document["targets"]]))
    benefit = document["benefit"]
    typer.echo(f"\nBenefit: P10 {benefit['p10']}, P50 {benefit['p50']}, P90 {benefit['p90']}, mean {benefit['mean']}")
