"""The ``chainplan`` command line.

Exit codes: 0 success; 1 the work ran and the answer is "no" (an infeasible scenario under hard targets);
2 bad input (the message names the file, sheet, row, column or key and the reason).
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from chainplan import services
from chainplan.chains import GAP_TYPES, UnknownProduct, gaps_frame
from chainplan.dataset import DatasetError
from chainplan.scenario import ScenarioError

__all__ = ["app", "main"]

app = typer.Typer(
    name="chainplan", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="OCOP supply-chain linkage and NTM support allocation.",
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
demo_app = typer.Typer(no_args_is_help=True, help="The Quảng Ninh demo dataset.")
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")

EXIT_NO = 1
EXIT_BAD_INPUT = 2


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"


class TableFormat(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class SolverName(enum.StrEnum):
    highs = "highs"
    cbc = "cbc"


class Baseline(enum.StrEnum):
    rank_by_appraisal_score = "rank_by_appraisal_score"
    greedy_benefit_per_vnd = "greedy_benefit_per_vnd"


class Tier(enum.StrEnum):
    district = "district"
    provincial = "provincial"
    national = "national"
    none = "none"


class UsageProblem(Exception):
    """Bad input that is not a data file: a bad database URL, an unknown code, a wrong option."""


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table (for people) or json")]


def _json_default(value: object) -> object:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def print_json(document: object) -> None:
    """One JSON document on standard output. Compact: the C encoder writes a national result (8 MB) in a fraction
    of a second where an indented dump takes seconds; ``| python -m json.tool`` indents it for reading."""
    typer.echo(json.dumps(document, ensure_ascii=False, default=_json_default))


def render_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Rows as an aligned text table (no dependency beyond the standard library)."""
    if not rows:
        return "(none)"
    names = list(columns or rows[0].keys())
    cells = [[_cell_text(row.get(name)) for name in names] for row in rows]
    widths = [max(len(name), *(len(r[i]) for r in cells)) for i, name in enumerate(names)]
    line = "  ".join(name.ljust(w) for name, w in zip(names, widths, strict=True))
    body = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body])


def _cell_text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if not value.is_integer() else f"{int(value):,}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    return "" if value is None else str(value)


def _db(ctx: typer.Context) -> str | None:
    return ctx.obj.get("db") if ctx.obj else None


def unit_of_work(ctx: typer.Context) -> Any:
    from models.uow import SqlAlchemyUnitOfWork

    return SqlAlchemyUnitOfWork(_db(ctx))


@contextmanager
def reported_errors(output: OutputFormat | TableFormat = OutputFormat.table) -> Iterator[None]:
    """Turn the user's mistakes into a clear message and exit code 2, never a traceback."""
    from sqlalchemy.exc import ArgumentError, OperationalError

    problems: list[dict[str, Any]] | None = None
    try:
        yield
        return
    except (DatasetError, ScenarioError) as exc:
        message = str(exc)
        problems = [p.as_dict() for p in exc.problems]
    except (UsageProblem, UnknownProduct, services.OutputNotWritable) as exc:
        message = str(exc)
    except (ArgumentError, OperationalError) as exc:
        message = f"cannot use the database: {str(exc).splitlines()[0]}"
    except (OSError, PermissionError) as exc:
        message = f"{exc.strerror or exc}: {exc.filename}" if getattr(exc, "filename", None) else str(exc)
    typer.echo(f"error: {message}", err=True)
    if output == "json":
        print_json({"error": message, "problems": problems or []})
    raise typer.Exit(EXIT_BAD_INPUT)


def run(output: OutputFormat | TableFormat, work: Callable[[], Any]) -> Any:
    """Run one service call, turning the user's mistakes into exit code 2."""
    with reported_errors(output):
        return work()


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL (default: $CHAINPLAN_DB_URL, else "
                                           "sqlite:///chainplan.db)")] = None,
) -> None:
    ctx.obj = {"db": db}


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or upgrade the database schema to the newest migration."""
    from models.uow import database_url, engine_for

    with reported_errors():
        url = database_url(_db(ctx))
        engine_for(url)
    typer.echo(f"schema is up to date: {url}")


def _report(report: services.ImportReport, output: OutputFormat) -> None:
    if output is OutputFormat.json:
        print_json(report.as_dict())
        return
    verb = "unchanged (same data as stored)" if report.unchanged else "imported"
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(f"{report.source}: {verb}")
    typer.echo(render_table([{"sheet": s, "before": report.before[s], "after": n} for s, n in report.after.items()]))


@demo_app.command("load")
def demo_load(ctx: typer.Context, output: FormatOption = OutputFormat.table) -> None:
    """Load the Quảng Ninh demo dataset (real regions and chains, synthetic figures)."""
    _report(run(output, lambda: services.load_demo(unit_of_work(ctx))), output)


@demo_app.command("workbook")
def demo_workbook(path: Annotated[Path, typer.Argument(help="PATH.xlsx, or a folder for CSV files")]) -> None:
    """Write the demo dataset as an input workbook (what scenarios/data/ ships)."""
    with reported_errors():
        written = services.write_demo_workbook(path)
    typer.echo(f"demo written: {written}")


@app.command("template")
def template(path: Annotated[Path, typer.Argument(help="Where to write the .xlsx template")]) -> None:
    """Write an empty input workbook with every sheet, its headers and a README sheet (vi/en)."""
    with reported_errors():
        written = services.make_template(path)
    typer.echo(f"template written: {written}")


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="An .xlsx workbook or a folder of <sheet>.csv files")],
    output: FormatOption = OutputFormat.table,
) -> None:
    """Import a workbook or CSV folder; all or nothing, every error reported."""
    _report(run(output, lambda: services.import_dataset(path, unit_of_work(ctx))), output)


@app.command("export")
def export(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="PATH.xlsx for a workbook, else a folder of CSV files")],
) -> None:
    """Export the whole dataset in the same sheets and columns as the import."""
    with reported_errors():
        written = services.export_dataset(path, unit_of_work(ctx))
    typer.echo(f"exported: {written}")


@app.command("summary")
def summary(ctx: typer.Context, output: FormatOption = OutputFormat.table) -> None:
    """Counts by region, tier, stars and appraisal state."""
    document = run(output, lambda: services.dataset_summary(unit_of_work(ctx)))
    if output is OutputFormat.json:
        print_json(document)
        return
    typer.echo(render_table([{"sheet": k, "rows": v} for k, v in document["counts"].items()]))
    typer.echo("\nRegions by level: " + ", ".join(f"{k} {v}" for k, v in document["regions_by_level"].items()))
    typer.echo("Chain products by tier: " + ", ".join(f"{k} {v}" for k, v in document["products_by_tier"].items()))
    typer.echo("Products by stars: " + ", ".join(f"{k}★ {v}" for k, v in document["products_by_stars"].items()))
    typer.echo("\nAppraisals:")
    typer.echo(render_table([{"stage": stage, **statuses} for stage, statuses in document["appraisals"].items()]))
    typer.echo("\nPlans by furthest appraisal:")
    typer.echo(render_table([{"state": k, "plans": v} for k, v in document["plans_by_appraisal_state"].items()]))
    typer.echo(f"\nBudget available: {document['budget_available_vnd']:,} VND; "
               f"requested: {document['requested_vnd']:,} VND")
    if document["by_region"]:
        typer.echo(f"\nBy {document['region_level']}:")
        typer.echo(render_table(document["by_region"]))


@app.command("gaps")
def gaps(
    ctx: typer.Context,
    product: Annotated[str | None, typer.Option("--product", help="Only this product code")] = None,
    tier: Annotated[Tier | None, typer.Option("--tier", help="Only products of this chain tier")] = None,
    threshold: Annotated[float, typer.Option("--concentration-threshold", min=0.0, max=1.0,
                                             help="Share of volume one buyer may take")] = 0.7,
    output: Annotated[TableFormat, typer.Option("--format", help="table, json or csv")] = TableFormat.table,
) -> None:
    """Supply-chain gaps: no_supermarket_path, missing_processing, capacity_shortfall, single_point_of_failure,
    buyer_concentration, compliance_gap, unlinked_producer."""
    found = run(output, lambda: services.chain_gaps(
        unit_of_work(ctx), product=product, tier=tier.value if tier else None, concentration_threshold=threshold))
    if output is TableFormat.json:
        print_json([{k: v for k, v in g.as_dict().items() if k not in ("measures", "detail_vi")} for g in found])
    elif output is TableFormat.csv:
        typer.echo(gaps_frame(found).to_csv(index=False), nl=False)
    else:
        counts = {kind: sum(g.type == kind for g in found) for kind in GAP_TYPES}
        typer.echo(render_table([{"product": g.product_code, "type": g.type, "severity": g.severity,
                                  "detail": g.detail} for g in found]))
        typer.echo("\n" + ", ".join(f"{kind} {n}" for kind, n in counts.items()))


@app.command("trace")
def trace(
    ctx: typer.Context,
    product: Annotated[str, typer.Argument(help="Product code")],
    output: FormatOption = OutputFormat.table,
) -> None:
    """Every path from the product's producer to each supermarket chain, with bottlenecks and max flow."""
    result = run(output, lambda: services.chain_trace(unit_of_work(ctx), product))
    document = result.as_dict()
    if output is OutputFormat.json:
        print_json(document)
        return
    typer.echo(f"{product}: producer {result.producer}; supermarket chains reached: "
               f"{', '.join(result.chains_reached) or 'none'}")
    typer.echo(render_table([{"path": " -> ".join(p.nodes), "bottleneck": p.bottleneck,
                              "weakest link": " -> ".join(p.weakest_link)} for p in result.paths]))
    if result.other_paths:
        typer.echo("\nOther channels:")
        typer.echo(render_table([{"path": " -> ".join(p.nodes), "bottleneck": p.bottleneck}
                                 for p in result.other_paths]))
    typer.echo(f"\nMax flow to the chains: {document['max_flow_to_chains']:,.0f}; demand {document['demand']:,.0f}; "
               f"deliverable against demand {document['flow_to_demand']:,.0f}; unmet {document['unmet_demand']:,.0f}")


@app.command("candidates")
def candidates(
    ctx: typer.Context,
    product: Annotated[str | None, typer.Option("--product", help="Only this product code")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Candidates per gap")] = 5,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Ranked links that would close each gap (same region first, then the province, then elsewhere)."""
    found = run(output, lambda: services.gap_candidates(unit_of_work(ctx), product=product, limit=limit))
    rows = [c.as_dict() for c in found]
    if output is OutputFormat.json:
        print_json(rows)
    else:
        typer.echo(render_table(rows))


@app.command("indicators")
def indicators(ctx: typer.Context, output: FormatOption = OutputFormat.table) -> None:
    """Products reaching supermarket chains by tier, complete chains, stamp and barcode coverage."""
    document = run(output, lambda: services.indicators(unit_of_work(ctx)))
    if output is OutputFormat.json:
        print_json(document)
        return
    typer.echo(render_table([{"tier": tier, **values} for tier, values in document["by_tier"].items()]))
    for name in ("e_stamp_coverage", "barcode_coverage"):
        item = document[name]
        share = "n/a" if item["share"] is None else f"{item['share']:.0%}"
        typer.echo(f"{name}: {share} of products rated 3★+ (target {item['target']:.0%}, "
                   f"{'met' if item['met'] else 'not met'})")
    safe = document["key_products_in_safe_food_chain"]
    typer.echo(f"key products in a safe-food chain: {safe['count']} (target {safe['target']}, "
               f"{'met' if safe['met'] else 'not met'})")


def _vnd(amount: object) -> str:
    return "" if amount is None else f"{int(amount):,}".replace(",", ".")  # type: ignore[call-overload]


def _value_of_money_text(line: dict[str, Any]) -> str:
    status = line.get("value_of_money_status")
    if status == "exact":
        return f"{line['value_of_one_more_billion']:.2f}"
    if status == "bounded":
        upper = line.get("value_of_money_upper")
        return f"{line['value_of_one_more_billion']:.2f} to {'?' if upper is None else f'{upper:.2f}'}"
    return "not computed"


def _print_allocation(document: dict[str, Any], run_id: int | None) -> None:
    gap = "" if document["gap"] in (None, 0.0) else f", gap {document['gap']:.3%}"
    typer.echo(f"Scenario {document['scenario']} ({document['method']}, {document['solver'] or 'heuristic'}): "
               f"{document['status']}{gap}; objective {document['objective']}; benefit {document['total_benefit']}"
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
    typer.echo("\nTargets:")
    typer.echo(render_table([{"target": name, "min": t["target"]["min"], "max": t["target"]["max"],
                              "achieved": None if t["achieved"] is None else round(t["achieved"], 3),
                              "met": "yes" if t["met"] else "no", "shortfall": round(t["shortfall"] or 0.0, 3)}
                             for name, t in document["targets"].items()]))
    if document["diagnosis"]:
        typer.echo("\nWhy it is infeasible:")
        for item in document["diagnosis"]:
            typer.echo(f"  - {item['explanation']}")
    if document["rule_violations"]:
        typer.echo("\nRules this baseline breaks:")
        for item in document["rule_violations"]:
            typer.echo(f"  - {item}")
    comparison = document["comparison"]
    if comparison:
        typer.echo("\nAgainst the baselines (objective / benefit):")
        for name, other in comparison.items():
            if isinstance(other, dict):
                typer.echo(f"  - {name}: objective {other['objective']:.2f} (optimiser +"
                           f"{other['objective_gain_of_optimiser']:.2f}), benefit {other['total_benefit']:.2f}, "
                           f"targets met {other['targets_met']} of {comparison['targets']} "
                           f"(optimiser {comparison['targets_met_by_optimiser']})")
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
    value_of_money: Annotated[bool, typer.Option(
        "--value-of-money", help="Also value one more billion VND on each line (a re-solve per binding line)",
    )] = False,
) -> None:
    """Allocate the budget lines over the appraised plans.

    Exit 1 when no allocation results: hard targets make it infeasible, or no solver returned a valid answer
    (status error)."""
    run_result = run(output, lambda: services.run_allocation(
        unit_of_work(ctx), scenario, method=baseline.value if baseline else "milp",
        solver=solver.value if solver else None, store=store, out=out, marginal_values=value_of_money))
    document = dict(run_result.document)
    document["run_id"] = run_result.run_id
    if output is OutputFormat.json:
        print_json(document)
    else:
        _print_allocation(document, run_result.run_id)
    if document["status"] in ("infeasible", "error"):
        raise typer.Exit(EXIT_NO)


@app.command("runs")
def runs(ctx: typer.Context, output: FormatOption = OutputFormat.table) -> None:
    """Stored allocation runs, newest first, with the fingerprint of the data each ran on."""
    stored = run(output, lambda: services.stored_runs(unit_of_work(ctx)))
    rows = [{"id": r.id, "created_at": r.created_at.isoformat(timespec="seconds"), "scenario": r.scenario_name,
             "method": r.method, "status": r.status, "objective": r.objective,
             "funded_plans": len(r.result.get("funded_plans", [])), "data": r.dataset_fingerprint[:12]}
            for r in stored]
    if output is OutputFormat.json:
        print_json(rows)
    else:
        typer.echo(render_table(rows))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chainplan`` script; returns the exit code."""
    try:
        result = app(args=list(argv) if argv is not None else None, standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except SystemExit as exc:
        return int(exc.code or 0)
    except typer.Abort:
        return EXIT_NO
    except typer.TyperException as exc:  # usage errors: unknown option, bad choice, missing argument
        show = getattr(exc, "show", None)
        if show is None:
            raise
        show()
        return EXIT_BAD_INPUT
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
