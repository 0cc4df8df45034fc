"""Small allocation instances written by hand: each plan's benefit is its ``priority_points``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chainplan.allocation import solve as solve_module
from chainplan.allocation.solve import SolveOutcome
from chainplan.dataset import Dataset
from chainplan.scenario import Scenario

ONLY_PRIORITY = {name: 0.0 for name in (
    "score_gain", "star_upgrade", "new_product", "new_organization", "supermarket_entry", "national_5_star",
    "safe_food_chain", "e_stamp", "gap_closed")} | {"priority_points": 1.0}


def instance(plans: list[dict[str, Any]], lines: dict[str, int | tuple[int, str]],
             products: list[dict[str, Any]] | None = None) -> Dataset:
    """``plans``: code, benefit, requests {line: vnd}; optional region (A or B), product, appraisal, flags."""
    regions = [{"code": "QN", "name": "QN", "level": "province"},
               {"code": "A", "name": "A", "level": "district", "parent_code": "QN"},
               {"code": "B", "name": "B", "level": "district", "parent_code": "QN"}]
    organizations = [{"code": "OA", "name": "OA", "role": "producer", "region_code": "A"},
                     {"code": "OB", "name": "OB", "role": "producer", "region_code": "B"}]
    product_rows = products or []
    known = {p["code"] for p in product_rows}
    plan_rows, request_rows, appraisal_rows = [], [], []
    for plan in plans:
        region = plan.get("region", "A")
        product = plan.get("product", f"SP-{plan['code']}")
        if product not in known:
            product_rows.append({"code": product, "name": product, "group": "food", "producer_code": f"O{region}",
                                 "region_code": region})
            known.add(product)
        flags = {k: v for k, v in plan.items() if k not in ("code", "benefit", "requests", "region", "product",
                                                           "appraisal")}
        plan_rows.append({"code": plan["code"], "product_code": product, "organization_code": f"O{region}",
                          "purpose": "other", "priority_points": plan.get("benefit", 0.0), **flags})
        for line, amount in plan.get("requests", {}).items():
            request_rows.append({"plan_code": plan["code"], "budget_line_code": line, "amount_vnd": amount})
        if "appraisal" in plan:
            appraisal_rows.append({"plan_code": plan["code"], "stage": "province", "status": plan["appraisal"]})
    line_rows = []
    for code, value in lines.items():
        amount, region = value if isinstance(value, tuple) else (value, None)
        line_rows.append({"code": code, "name": code, "source": "other", "amount_vnd": amount, "region_code": region})
    return Dataset.from_records({"regions": regions, "organizations": organizations, "products": product_rows,
                                 "plans": plan_rows, "plan_requests": request_rows, "budget_lines": line_rows,
                                 "appraisals": appraisal_rows})


def scenario(**options: Any) -> Scenario:
    """No appraisal required, benefit = priority points, one plan per product off unless asked."""
    document: dict[str, Any] = {"name": "test", "required_appraisals": [], "one_plan_per_product": False,
                                "weights": ONLY_PRIORITY}
    document.update(options)
    return Scenario.model_validate(document)


def read_mknap1(path: str) -> list[tuple[list[float], list[list[int]], list[int], float]]:
    """OR-Library mknap1: (profits, weights per dimension, capacities, optimum) per instance."""
    with open(path, encoding="utf-8") as handle:
        numbers = handle.read().split()
    position = 0

    def take() -> str:
        nonlocal position
        position += 1
        return numbers[position - 1]

    instances = []
    for _ in range(int(take())):
        n, m, optimum = int(take()), int(take()), float(take())
        profits = [float(take()) for _ in range(n)]
        weights = [[int(float(take())) for _ in range(n)] for _ in range(m)]
        capacities = [int(float(take())) for _ in range(m)]
        instances.append((profits, weights, capacities, optimum))
    return instances


def scripted_solver(script: list[SolveOutcome | None]) -> Any:
    """A ``solve_model`` stand-in that returns the scripted outcomes in turn (``None``: call the real one)."""
    real = solve_module.solve_model
    calls: list[str] = []

    def fake(model: Any, solver: str, **options: Any) -> SolveOutcome:
        calls.append(solver)
        step = script.pop(0) if script else None
        return real(model, solver, **options) if step is None else replace(step, solver=solver)

    fake.calls = calls  # type: ignore[attr-defined]
    return fake
