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
- ``chance_cut_n`` (``objective: robust``): outer-approximation cuts added during the solve, each valid for every
  allocation that meets its target's chance row (:mod:`chainplan.allocation.chance`)

With ``elastic=True`` (infeasibility diagnosis) the budget, region and hard target rows get slack variables
and the objective becomes the least total relative slack.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulp

from chainplan.allocation.chance import ChanceRow, chance_rows
from chainplan.allocation.data import AllocationInput
from chainplan.allocation.targets import TargetRow, target_rows

__all__ = ["VND_UNIT", "AllocationModel", "ChanceEntry", "Slack", "add_chance_cut", "add_inner_rows",
           "add_relaxation_cuts", "build_model", "cut_broken_chance_rows", "deviation_value", "remove_rows"]

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


@dataclass(frozen=True)
class ChanceEntry:
    """A chance row in the model: the row, and the shortfall, excess or slack variable that moves its bound."""

    row: ChanceRow
    deviation: pulp.LpVariable | None


@dataclass
class AllocationModel:
    """The PuLP problem and the handles the solve, the results and the explanations need."""

    problem: pulp.LpProblem
    fund: dict[str, pulp.LpVariable]
    budget_rows: dict[str, pulp.LpConstraint] = field(default_factory=dict)
    shortfall: dict[str, pulp.LpVariable] = field(default_factory=dict)
    slacks: list[Slack] = field(default_factory=list)
    elastic: bool = False
    #: The confidence of the chance rows (robust scenarios), ``None`` when targets count expected values.
    confidence: float | None = None
    chance: list[ChanceEntry] = field(default_factory=list)
    chance_cuts: int = 0
    #: Whether the LP rounds of chance-row cuts have run (once per model; the cuts stay valid).
    relaxation_cut: bool = False
    #: Per counted target, the linear under-estimates of √V behind the cuts so far: valid for any bound and any
    #: confidence, so another model of the same scenario (the diagnosis) starts with them.
    pool: dict[str, list[dict[str, float]]] = field(default_factory=dict)
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


def define_target_constraints(model: AllocationModel, inp: AllocationInput) -> list[pulp.LpVariable]:
    """Target rows; returns the shortfall and excess variables the soft mode penalises.

    In a robust scenario each counted target's row is kept in expectation (valid: the chance row implies it)
    and recorded in ``model.chance`` with its shortfall, excess or slack variable; the solve then adds
    outer-approximation cuts (:func:`add_chance_cut`) until every chance row holds.
    """
    soft = inp.scenario.target_mode == "soft" and not model.elastic
    chance = {(row.target, row.kind): row for row in chance_rows(inp, model.confidence)}
    penalised: list[pulp.LpVariable] = []
    for position, row in enumerate(target_rows(inp)):
        for sense, bound in ((pulp.LpConstraintGE, row.minimum), (pulp.LpConstraintLE, row.maximum)):
            if bound is None:
                continue
            expression, offset = _target_expression(model, row, bound if row.is_share else None)
            rhs = offset if row.is_share else float(bound)
            kind = "min" if sense == pulp.LpConstraintGE else "max"
            name = f"target_{kind}_{position}"
            robust = chance.get((row.name, kind))
            deviation: pulp.LpVariable | None = None
            if soft:
                label = "short" if kind == "min" else "excess"
                deviation = model.problem.add_variable(f"{label}_{position}", lowBound=0)
                model.shortfall[f"{row.name}.{kind}"] = deviation
                penalised.append(deviation)
                expression = expression + deviation if kind == "min" else expression - deviation
                model.problem += pulp.LpConstraint(expression, sense=sense, rhs=rhs, name=name)
            else:
                unit = "stamped products" if row.is_share else "expected count"
                _add(model, name, expression, sense, rhs, rule=f"{'chance' if robust else 'target'}_{kind}",
                     subject=row.name, unit=unit,
                     scale=max(1.0, abs(float(bound)) if not row.is_share else row.base[1] or 1.0))
                if model.elastic:
                    deviation = model.slacks[-1].variable
            if robust is not None:
                model.chance.append(ChanceEntry(robust, deviation))
    return penalised


def _add_cut(model: AllocationModel, entry: ChanceEntry, under: Mapping[str, float]) -> None:
    """With ``under`` a linear under-estimate of √V on allocations (Σ underᵢ·xᵢ ≤ √V(x)), add
    z·Σ underᵢ·xᵢ − μ(x) − s ≤ −min (minimum) or z·Σ underᵢ·xᵢ + μ(x) − s ≤ max (maximum), and keep the
    under-estimate in the model's pool, for other models of the same scenario."""
    row = entry.row
    sign = -1.0 if row.kind == "min" else 1.0
    pairs = [(variable, sign * row.mean.get(code, 0.0) + row.z * under.get(code, 0.0))
             for code, variable in model.fund.items() if code in under or code in row.mean]
    pairs = [(variable, value) for variable, value in pairs if value]
    if entry.deviation is not None:
        pairs.append((entry.deviation, -1.0))
    rhs = -row.bound if row.kind == "min" else row.bound
    model.problem += pulp.LpConstraint(_expression(pairs), sense=pulp.LpConstraintLE, rhs=rhs,
                                       name=f"chance_cut_{model.chance_cuts}")
    model.chance_cuts += 1
    kept = model.pool.setdefault(row.target, [])
    if under not in kept:  # a target's min and max rows share their under-estimates
        kept.append(dict(under))


def add_chance_cut(model: AllocationModel, entry: ChanceEntry, funded: list[str]) -> bool:
    """Add the cuts of ``entry`` at the funded set x* (see :mod:`chainplan.allocation.chance`).

    Two cuts, each valid for every allocation that meets the row and each equal to the row at x*: the
    outer-approximation cut z·Σ_{i∈x*} wᵢ/√V*·xᵢ ≤ μ(x) − min (+ s), and the extended polymatroid cut along
    x*'s plans first, then the others by decreasing variance (it also charges plans outside x*, which the first
    leaves free, so fewer rounds are needed). Mirrored for a maximum. Returns ``False`` when V* = 0 or z = 0: no
    cut exists there (the row at that point is the expected-value row the model already holds).
    """
    row = entry.row
    tangent = row.tangent(funded)
    if tangent is None or row.z <= 0:
        return False
    _add_cut(model, entry, tangent)
    chosen = set(funded)
    rest = sorted((c for c in row.variance if c not in chosen and c in model.fund), key=lambda c: -row.variance[c])
    _add_cut(model, entry, row.greedy([*(c for c in funded if c in row.variance), *rest]))
    return True


def add_relaxation_cuts(model: AllocationModel, tolerance: float) -> int:
    """Add, for each chance row, the extended polymatroid cut that the LP relaxation's point x̄ (the variables'
    current values) breaks most: plans in decreasing order of x̄ (Edmonds' greedy order). Returns how many were
    broken by more than ``tolerance`` and added.

    The cuts are valid for every allocation that meets the row (:meth:`ChanceRow.greedy`); added before the
    integer rounds they give the MILP a close polyhedral picture of the rows at the cost of LP solves.
    """
    values = {code: min(1.0, max(0.0, float(variable.varValue or 0.0))) for code, variable in model.fund.items()}
    added = 0
    for entry in model.chance:
        row = entry.row
        if row.z <= 0:
            continue
        under = row.greedy(sorted((c for c in row.variance if values.get(c, 0.0) > 0), key=lambda c: -values[c]))
        sign = -1.0 if row.kind == "min" else 1.0
        left = math.fsum([*(row.z * under[c] * values[c] for c in under),
                          *(sign * m * values.get(c, 0.0) for c, m in row.mean.items()), -deviation_value(entry)])
        if left > (-row.bound if row.kind == "min" else row.bound) + tolerance:
            _add_cut(model, entry, under)
            added += 1
    return added


def cut_broken_chance_rows(model: AllocationModel, funded: list[str], tolerance: float) -> tuple[int, int]:
    """Check every chance row at the funded set, with the model's shortfall, excess or slack values, and add the
    outer-approximation cut of each row broken by more than ``tolerance``. Returns (rows broken, cuts added)."""
    broken = [entry for entry in model.chance
              if entry.row.breach(funded, deviation_value(entry)) > tolerance]
    added = sum(add_chance_cut(model, entry, funded) for entry in broken)
    return len(broken), added


def deviation_value(entry: ChanceEntry) -> float:
    """The solver's value of the row's shortfall, excess or slack (0 when the row has none)."""
    return 0.0 if entry.deviation is None else max(0.0, float(entry.deviation.varValue or 0.0))


def add_inner_rows(model: AllocationModel, references: Mapping[int, float]) -> list[str]:
    """Conservative linear rows that imply the chance rows: √V ≤ (V + V₀)/(2√V₀) for any V₀ > 0 (the tangent of
    the concave square root lies above it), so μ − z(V + V₀)/(2√V₀) ≥ min implies μ − z√V ≥ min, and likewise for
    a maximum. ``references`` maps a position in ``model.chance`` to its V₀. Any allocation that meets these rows
    and the others is valid; the solve uses one such answer as a fallback when time runs out. Returns the rows'
    names, for :func:`remove_rows`.
    """
    names = []
    for position, entry in enumerate(model.chance):
        reference = references.get(position, 0.0)
        if reference <= 0:
            continue
        row = entry.row
        slope = row.z / (2 * math.sqrt(reference))
        sign = -1.0 if row.kind == "min" else 1.0
        pairs = [(variable, sign * row.mean.get(code, 0.0) + slope * row.variance.get(code, 0.0))
                 for code, variable in model.fund.items() if code in row.mean or code in row.variance]
        if entry.deviation is not None:
            pairs.append((entry.deviation, -1.0))
        constant = row.z * math.sqrt(reference) / 2
        name = f"chance_inner_{position}"
        rhs = (-row.bound if row.kind == "min" else row.bound) - constant
        model.problem += pulp.LpConstraint(_expression([(v, c) for v, c in pairs if c]), sense=pulp.LpConstraintLE,
                                           rhs=rhs, name=name)
        names.append(name)
    return names


def remove_rows(model: AllocationModel, names: list[str]) -> None:
    """Take temporary rows out of the model again."""
    for name in names:
        del model.problem._constraints[name]  # PuLP 3 has no public removal; its mapping view is deprecated


def define_objective(model: AllocationModel, inp: AllocationInput, penalised: list[pulp.LpVariable]) -> None:
    if model.elastic:
        model.problem.sense = pulp.LpMinimize
        model.problem.setObjective(_expression([(s.variable, 1.0 / s.scale) for s in model.slacks]))
        return
    benefit = [(model.fund[c], float(b)) for c, b in inp.eligible["benefit"].items()]
    penalty = [(v, -inp.scenario.shortfall_penalty) for v in penalised]
    model.problem.setObjective(_expression(benefit + penalty))


def build_model(inp: AllocationInput, *, elastic: bool = False, confidence: float | None = None,
                pool: Mapping[str, list[dict[str, float]]] | None = None) -> AllocationModel:
    """check -> variables -> constraints -> objective; ``elastic`` builds the diagnosis model; ``confidence``
    replaces the scenario's in the chance rows of a robust scenario; ``pool`` (another model's) seeds the chance
    rows with the cuts already found."""
    started = time.perf_counter()
    sense = pulp.LpMinimize if elastic else pulp.LpMaximize
    if inp.scenario.objective == "robust":
        confidence = inp.scenario.confidence if confidence is None else confidence
    else:
        confidence = None
    model = AllocationModel(pulp.LpProblem("ocop_allocation", sense), {}, elastic=elastic, confidence=confidence)
    define_fund_variables(model, inp)
    define_budget_constraints(model, inp)
    define_region_constraints(model, inp)
    define_product_constraints(model, inp)
    define_dependency_constraints(model, inp)
    penalised = define_target_constraints(model, inp)
    for entry in model.chance:
        if entry.row.z > 0:
            for under in (pool or {}).get(entry.row.target, []):
                _add_cut(model, entry, under)
    define_objective(model, inp, penalised)
    model.build_time_s = time.perf_counter() - started
    return model
