"""Supply-chain commands: gaps, trace, candidates and indicators."""

from __future__ import annotations

from typing import Annotated

import typer

from chainplan import services
from chainplan.chains import GAP_TYPES, gaps_frame
from chainplan.cli.common import (
    FormatOption,
    OutputFormat,
    TableFormat,
    Tier,
    app,
    print_json,
    render_table,
    run,
    unit_of_work,
)

__all__: list[str] = []


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
    buyer_concentration, compliance_gap, unlinked_producer, unresolved_violation (an inspection's violation still
    open at an organization on the chain)."""
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


