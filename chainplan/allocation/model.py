"""The allocation MILP: one ``define_*`` function per family of variables or constraints (as PyPSA does).

Variables live in dicts keyed by plan code; names given to PuLP are positional (``fund_17``) and are never
parsed back. Sums are built with :class:`pulp.LpAffineExpression` from lists, never by repeated ``+=``.

Every funded plan receives all it requests, line by line:

- ``budget[l]``: Σ request(i, l) · fund(i) ≤ available(l)
- ``region_cap[r]``: Σ_{i in r} fund(i) ≤ max_plans_per_region
- ``region_min_share[r]`` / ``region_max_share[r]``: Σ_{i in r} total(i) · fund(i) ≥ / ≤ share · Σ_i total(i) · fund(i)
- ``one_per_product[p]``: Σ_{i of p} fund(i) ≤ 1
- ``requires[i]``: fund(i) ≤ fund(requires_plan(i)); ``excludes[i, j]``: fund(i) + fund(j) ≤ 1
- ``target_min[k]`` / ``target_max[k]``: counted(k) (+ shortfall(k)) ≥ min, counted(k) (− excess(k)) ≤ max
- objective: max Σ benefit(i) · fund(i) − shortfall_penalty · Σ (shortfall + excess)

With ``elastic=True`` (infeasibility diagnosis) the budget, region and hard target rows get slack variables
and the objective becomes the least total relative slack.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import NormalDist

import pulp

from chainplan.allocation.data import TARGET_OUTCOMES, AllocationInput
from chainplan.allocation.targets import TargetRow, target_rows

__all__ = ["VND_UNIT", "AllocationModel", "Slack", "build_model"]

#: Money rows are written in units of 100,000 VND. Raw VND (coefficients near 1e9, right-hand sides near 1e13)
#: leave the solvers badly scaled and slow; in this unit one VND (1e-5) is still ten times the solvers' feasibility
#: tolerance (1e-6), so a row that is over by a single VND is still seen as violated.
VND_UNIT = 100_000.0


@dataclass(frozen=True)
class Slack:
    """An elastic variable: which rule it relaxes, in what unit, and how its size is scaled in the objective."""

    variable: pulp.LpVariable
    rule: str
    subject: str
    unit: str
    scale: float


@dataclass
class AllocationModel:
    """The PuLP problem and the handles the solve, the results and the explanations need."""

    problem: pulp.LpProblem
    fund: dict[str, pulp.LpVariable]
    budget_rows: dict[str, pulp.LpConstraint] = field(default_factory=dict)
    shortfall: dict[str, pulp.LpVariable] = field(default_factory=dict)
    slacks: list[Slack] = field(default_factory=list)
    elastic: bool = False
    build_time_s: float = 0.0

    @property
    def size(self) -> dict[str, int]:
        return {"variables": self.problem.numVariables(), "constraints": self.problem.numConstraints()}


def _expression(pairs: list[tuple[pulp.LpVariable, float]], constant: float = 0.0) -> pulp.LpAffineExpression:
    return pulp.LpAffineExpression(pairs, constant=constant)


def _add(model: AllocationModel, name: str, expression: pulp.LpAffineExpression, sense: int, rhs: float,
         *, rule: str, subject: str, unit: str, scale: float) -> pulp.LpConstraint:
    """Add ``expression (sense) rhs``; in elastic mode with a slack that moves the right-hand side."""
    if model.elastic:
        slack = model.problem.add_variable(f"slack_{len(model.slacks)}", lowBound=0)
        model.slacks.append(Slack(slack, rule, subject, unit, max(scale, 1e-9)))
        # <= rows may grow their right-hand side, >= rows may lower it.
        expression = expression - slack if sense == pulp.LpConstraintLE else expression + slack
    constraint = pulp.LpConstraint(expression, sense=sense, rhs=rhs, name=name)
    model.problem += constraint
    return constraint


def define_fund_variables(model: AllocationModel, inp: AllocationInput) -> None:
    for position, code in enumerate(inp.eligible.index):
        model.fund[code] = model.problem.add_variable(f"fund_{position}", 0, 1, cat=pulp.LpBinary)


def define_budget_constraints(model: AllocationModel, inp: AllocationInput) -> None:
    fund = model.fund
    requests = inp.requests[inp.requests["plan_code"].isin(fund.keys())]
    grouped = {line: group for line, group in requests.groupby("budget_line_code")}
    for position, (line, available) in enumerate(inp.lines["available"].items()):
        group = grouped.get(line)
        if group is None or group.empty:
            continue
        pairs = [(fund[p], float(a) / VND_UNIT)
                 for p, a in zip(group["plan_code"], group["amount_vnd"], strict=True)]
        model.budget_rows[line] = _add(model, f"budget_{position}", _expression(pairs), pulp.LpConstraintLE,
                                       float(available) / VND_UNIT, rule="budget_line", subject=str(line),
                                       unit="VND", scale=max(float(available) / VND_UNIT, 1.0 / VND_UNIT))


def define_region_constraints(model: AllocationModel, inp: AllocationInput) -> None:
    scenario = inp.scenario
    eligible = inp.eligible
    regions = eligible.groupby("region").groups
    shares = scenario.min_region_share > 0 or scenario.max_region_share < 1
    total_funded = model.problem.add_variable("total_funded", lowBound=0) if shares else None
    if total_funded is not None:
        # One variable for the total funded amount keeps each share row as long as its region, not the country.
        pairs = [(model.fund[c], float(t) / VND_UNIT) for c, t in eligible["total_request"].items()]
        pairs.append((total_funded, -1.0))
        model.problem += pulp.LpConstraint(_expression(pairs), sense=pulp.LpConstraintEQ, rhs=0.0,
                                           name="total_funded")
    total_of = dict(zip(eligible.index, eligible["total_request"].to_numpy(dtype=float) / VND_UNIT, strict=True))
    budget = float(inp.lines["available"].sum()) / VND_UNIT
    for position, (region, members) in enumerate(sorted(regions.items())):
        if scenario.max_plans_per_region is not None:
            _add(model, f"region_cap_{position}", _expression([(model.fund[c], 1.0) for c in members]),
                 pulp.LpConstraintLE, float(scenario.max_plans_per_region), rule="max_plans_per_region",
                 subject=str(region), unit="plans", scale=max(1.0, float(scenario.max_plans_per_region)))
        share_of = [(model.fund[c], total_of[c]) for c in members]
        if total_funded is not None and scenario.min_region_share > 0:
            pairs = [*share_of, (total_funded, -scenario.min_region_share)]
            _add(model, f"region_min_share_{position}", _expression(pairs), pulp.LpConstraintGE, 0.0,
                 rule="min_region_share", subject=str(region), unit="VND", scale=max(budget, 1.0 / VND_UNIT))
        if total_funded is not None and scenario.max_region_share < 1:
            pairs = [*share_of, (total_funded, -scenario.max_region_share)]
            _add(model, f"region_max_share_{position}", _expression(pairs), pulp.LpConstraintLE, 0.0,
                 rule="max_region_share", subject=str(region), unit="VND", scale=max(budget, 1.0 / VND_UNIT))


def define_product_constraints(model: AllocationModel, inp: AllocationInput) -> None:
    if not inp.scenario.one_plan_per_product:
        return
    products = inp.eligible["product_code"]
    shared = products[products.duplicated(keep=False)]
    members_of: dict[str, list[str]] = {}
    for code, product in zip(shared.index, shared.to_numpy(), strict=True):
        members_of.setdefault(product, []).append(code)
    for position, product in enumerate(sorted(members_of)):
        pairs = [(model.fund[c], 1.0) for c in members_of[product]]
        model.problem += pulp.LpConstraint(_expression(pairs), sense=pulp.LpConstraintLE, rhs=1.0,
                                           name=f"one_per_product_{position}")


def define_dependency_constraints(model: AllocationModel, inp: AllocationInput) -> None:
    fund = model.fund
    for position, (code, needed) in enumerate(inp.eligible["requires_plan"].items()):
        if needed and needed in fund:
            model.problem += pulp.LpConstraint(_expression([(fund[code], 1.0), (fund[needed], -1.0)]),
                                               sense=pulp.LpConstraintLE, rhs=0.0, name=f"requires_{position}")
    pairs: set[tuple[str, str]] = set()
    for code, others in inp.eligible["excludes_plans"].items():
        for other in others:
            if other in fund and code in fund:
                pairs.add((min(code, other), max(code, other)))
    for position, (a, b) in enumerate(sorted(pairs)):
        model.problem += pulp.LpConstraint(_expression([(fund[a], 1.0), (fund[b], 1.0)]),
                                           sense=pulp.LpConstraintLE, rhs=1.0, name=f"excludes_{position}")


def _target_expression(model: AllocationModel, row: TargetRow, share: float | None) -> tuple[
        pulp.LpAffineExpression, float]:
    """``expression`` and ``rhs`` so that the target reads expression ≥ rhs (min) or ≤ rhs (max)."""
    fund = model.fund
    if row.denominator is None:
        pairs = [(fund[c], float(v)) for c, v in row.coefficients.items() if c in fund and v]
        return _expression(pairs), 0.0
    assert share is not None
    stamped, rated = row.base
    pairs = [(fund[c], float(row.coefficients[c] - share * row.denominator[c])) for c in fund
             if row.coefficients[c] or row.denominator[c]]
    return _expression(pairs), share * rated - stamped


def _robust_terms(inp: AllocationInput, row: TargetRow, reference: float) -> tuple[dict[str, float], float]:
    """Per plan ``k·vᵢ`` and the constant ``z·√V₀/2`` that make the row μ − zσ ≥ min hold conservatively.

    σ² = Σ vᵢ xᵢ with vᵢ = cᵢ² pᵢ(1 − pᵢ) (independent successes); √V ≤ (V + V₀)/(2√V₀) for any V₀ > 0 (the
    tangent of the concave square root at V₀), so μ − z(V + V₀)/(2√V₀) ≥ min implies μ − z√V ≥ min.
    """
    z = NormalDist().inv_cdf(inp.scenario.confidence)
    plans = inp.plans
    outcome = plans[TARGET_OUTCOMES[row.name]]
    variance = outcome * outcome * plans["success_probability"] * (1 - plans["success_probability"])
    k = z / (2 * math.sqrt(reference))
    return (k * variance).to_dict(), z * math.sqrt(reference) / 2


def define_target_constraints(model: AllocationModel, inp: AllocationInput,
                              robust: Mapping[str, float] | None = None) -> list[pulp.LpVariable]:
    """Target rows; returns the shortfall and excess variables the soft mode penalises.

    ``robust`` maps a counted target to its reference variance V₀: its rows then hold with the scenario's
    ``confidence`` under the normal approximation (see :func:`_robust_terms`).
    """
    soft = inp.scenario.target_mode == "soft" and not model.elastic
    penalised: list[pulp.LpVariable] = []
    for position, row in enumerate(target_rows(inp)):
        for sense, bound in ((pulp.LpConstraintGE, row.minimum), (pulp.LpConstraintLE, row.maximum)):
            if bound is None:
                continue
            expression, offset = _target_expression(model, row, bound if row.is_share else None)
            rhs = offset if row.is_share else float(bound)
            reference = (robust or {}).get(row.name, 0.0)
            if reference > 0 and not row.is_share:
                spread, constant = _robust_terms(inp, row, reference)
                sign = -1.0 if sense == pulp.LpConstraintGE else 1.0  # min: μ − zσ ≥ min; max: μ + zσ ≤ max
                expression = expression + _expression([(model.fund[c], sign * spread[c]) for c in model.fund
                                                       if spread.get(c)])
                rhs = rhs - sign * constant
            kind = "min" if sense == pulp.LpConstraintGE else "max"
            name = f"target_{kind}_{position}"
            if soft:
                label = "short" if kind == "min" else "excess"
                deviation = model.problem.add_variable(f"{label}_{position}", lowBound=0)
                model.shortfall[f"{row.name}.{kind}"] = deviation
                penalised.append(deviation)
                expression = expression + deviation if kind == "min" else expression - deviation
                model.problem += pulp.LpConstraint(expression, sense=sense, rhs=rhs, name=name)
            else:
                unit = "stamped products" if row.is_share else "expected count"
                _add(model, name, expression, sense, rhs, rule=f"target_{kind}", subject=row.name, unit=unit,
                     scale=max(1.0, abs(float(bound)) if not row.is_share else row.base[1] or 1.0))
    return penalised


def define_objective(model: AllocationModel, inp: AllocationInput, penalised: list[pulp.LpVariable]) -> None:
    if model.elastic:
        model.problem.sense = pulp.LpMinimize
        model.problem.setObjective(_expression([(s.variable, 1.0 / s.scale) for s in model.slacks]))
        return
    benefit = [(model.fund[c], float(b)) for c, b in inp.eligible["benefit"].items()]
    penalty = [(v, -inp.scenario.shortfall_penalty) for v in penalised]
    model.problem.setObjective(_expression(benefit + penalty))


def build_model(inp: AllocationInput, *, elastic: bool = False, robust: Mapping[str, float] | None = None
                ) -> AllocationModel:
    """check -> variables -> constraints -> objective; ``elastic`` builds the diagnosis model, ``robust`` the
    chance-constrained target rows (target -> reference variance)."""
    started = time.perf_counter()
    sense = pulp.LpMinimize if elastic else pulp.LpMaximize
    model = AllocationModel(pulp.LpProblem("ocop_allocation", sense), {}, elastic=elastic)
    define_fund_variables(model, inp)
    define_budget_constraints(model, inp)
    define_region_constraints(model, inp)
    define_product_constraints(model, inp)
    define_dependency_constraints(model, inp)
    penalised = define_target_constraints(model, inp, robust)
    define_objective(model, inp, penalised)
    model.build_time_s = time.perf_counter() - started
    return model
