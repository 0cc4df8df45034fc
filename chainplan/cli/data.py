"""Data commands: the schema, the demo, the template, import, export and the summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainplan import services
from chainplan.cli.common import (
    FormatOption,
    OutputFormat,
    app,
    database_option,
    db_app,
    demo_app,
    print_json,
    render_table,
    reported_errors,
    run,
    storage,
    unit_of_work,
)

__all__: list[str] = []


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or upgrade the database schema to the newest migration."""
    with reported_errors():
        url = storage().upgrade(database_option(ctx))
    typer.echo(f"schema is up to date: {url}")


#: Rows listed per sheet, year and kind of change in the table output (JSON lists them all).
_LISTED = 12


def _keys_text(keys: list[dict[str, str]]) -> str:
    shown = [" / ".join(key.values()) for key in keys[:_LISTED]]
    more = f" and {len(keys) - _LISTED:,} more" if len(keys) > _LISTED else ""
    return ", ".join(shown) + more


def _report(report: services.ImportReport, output: OutputFormat) -> None:
    if output is OutputFormat.json:
        print_json(report.as_dict())
        return
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if report.dry_run:
        verb = "dry run, nothing written; " + ("no change" if report.unchanged else "the import would change:")
    else:
        verb = "unchanged (same data as stored)" if report.unchanged else "imported"
    years = ", ".join(map(str, report.preview.years)) if report.preview is not None else ""
    typer.echo(f"{report.source}: {verb}" + (f" (years in the file: {years})" if years else ""))
    if report.preview is not None and not report.preview.unchanged:
        typer.echo(render_table([{**row, "year": "" if row["year"] is None else str(row["year"])}
                                 for row in report.preview.counts()]))
        if report.dry_run:
            for change in report.preview.as_dict()["changes"]:
                where = change["sheet"] + ("" if change["year"] is None else f" {change['year']}")
                for kind in ("added", "changed", "removed"):
                    if change[kind]:
                        typer.echo(f"  {where} {kind}: {_keys_text(change[kind])}")
    if report.preview is not None and report.preview.overwritten:
        typer.echo(f"\nRecorded in the tool since the last import and overwritten by this file "
                   f"({len(report.preview.overwritten)}):")
        for row in report.preview.overwritten:
            typer.echo(f"  - {row.describe('en')} ({row.change})")
        if report.dry_run:
            typer.echo("Importing needs --yes to replace them.")
    if not report.dry_run:
        typer.echo(render_table([{"sheet": s, "before": report.before[s], "after": n}
                                 for s, n in report.after.items()]))


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
    year: Annotated[int | None, typer.Option(
        "--year", min=2000, max=2100,
        help="The programme year of plans and budget lines whose `year` cell is blank (default: this year)")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Write nothing; list per sheet and year the rows that would be added, changed and "
                          "removed, and the appraisals and outcomes recorded in the tool that would be overwritten")
    ] = False,
    yes: Annotated[bool, typer.Option(
        "--yes", help="Replace appraisals and outcomes recorded in the tool since the last import (without it the "
                      "import is refused, exit 2, when the file would overwrite any)")] = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Import a workbook or CSV folder; all or nothing, every error reported.

    For each year the file contains (a plan's or budget line's `year`; blank: --year, else this year), that year's
    budget lines, plans, requests and appraisals are replaced; other years are kept. Regions, organizations,
    products, links, demand, channel requirements, outcomes and inspections are replaced as a whole."""
    _report(run(output, lambda: services.import_dataset(path, unit_of_work(ctx), year=year, overwrite=yes,
                                                        dry_run=dry_run)), output)


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


