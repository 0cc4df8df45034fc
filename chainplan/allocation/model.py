"""The allocation MILP: one ``define_*`` function per family of variables or constraints (as PyPSA does).

The model is written as arrays (:mod:`chainplan.allocation.matrix`), each family of rows from the input's
columns at once: the fund column of the i-th eligible plan is column i, and column names are positional
(``fund_17``) and never parsed back. HiGHS takes the arrays as they are; the PuLP problem is built from them
when CBC or a change to the model needs it. Cuts added during the solve are written into PuLP, with
:class:`pulp.LpAffineExpression` from lists, never by repeated ``+=``.

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

import numpy as np
import pandas as pd
import pulp

from chainplan.allocation.chance import ChanceRow, chance_rows
from chainplan.allocation.data import AllocationInput
from chainplan.allocation.matrix import EQ, GE, LE, ModelMatrix
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

    column: str
    rule: str
    subject: str
    unit: str
    scale: float


@dataclass(frozen=True)
class ChanceEntry:
    """A chance row in the model: the row, and the shortfall, excess or slack column that moves its bound."""

    row: ChanceRow
    deviation: str | None


@dataclass
class AllocationModel:
    """The model as arrays (:class:`~chainplan.allocation.matrix.ModelMatrix`), the handles the solve, the
    results and the explanations need, and the PuLP problem once something asks for it.

    The PuLP problem (:attr:`problem`, :attr:`fund`) is built from the arrays when first read: by CBC, and by
    whatever changes the model after it is built (repairs, chance-row cuts, a raised line, the relaxation's
    duals). A HiGHS solve of the model as built needs no PuLP (:meth:`ArrayHiGHS.solve_matrix
    <chainplan.allocation.highs.ArrayHiGHS.solve_matrix>`); its values are kept (:meth:`remember`) and passed
    on to the PuLP variables if they are built later, so both always hold the last solve's values.
    """

    matrix: ModelMatrix
    #: The eligible plans' codes: the fund column of ``codes[i]`` is column ``i``.
    codes: list[str]
    #: Per budget line, the name of its row.
    budget_rows: dict[str, str] = field(default_factory=dict)
    #: Per soft target bound (``"new_products.min"``), the name of its shortfall or excess column.
    shortfall: dict[str, str] = field(default_factory=dict)
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
    _problem: pulp.LpProblem | None = field(default=None, repr=False)
    _variables: dict[str, pulp.LpVariable] = field(default_factory=dict, repr=False)
    _fund: dict[str, pulp.LpVariable] = field(default_factory=dict, repr=False)
    _values: np.ndarray | None = field(default=None, repr=False)

    @property
    def materialised(self) -> bool:
        """Whether the PuLP problem has been built (from then on every change and solve goes through it)."""
        return self._problem is not None

    @property
    def problem(self) -> pulp.LpProblem:
        if self._problem is None:
            problem, variables = self.matrix.to_pulp("ocop_allocation")
            if self._values is not None:
                for variable, value in zip(variables, self._values.tolist(), strict=True):
                    variable.varValue = value
            self._variables = {variable.name: variable for variable in variables}
            self._fund = dict(zip(self.codes, variables, strict=False))  # the fund columns come first
            self._problem = problem
        return self._problem

    @property
    def fund(self) -> dict[str, pulp.LpVariable]:
        """The fund variables by plan code (builds the PuLP problem)."""
        self.problem  # noqa: B018
        return self._fund

    def variable(self, name: str) -> pulp.LpVariable:
        """A PuLP variable by its column name (builds the PuLP problem)."""
        self.problem  # noqa: B018
        return self._variables[name]

    def row(self, name: str) -> pulp.LpConstraint:
        """A PuLP row by name (builds the PuLP problem)."""
        return self.problem._constraints[name]

    def remember(self, values: np.ndarray) -> None:
        """Keep the values of a solve of the arrays (by column), for :meth:`column_value`."""
        self._values = values

    def column_value(self, name: str) -> float:
        """The last solve's value of a column (0 before any solve)."""
        if self._problem is not None:
            return float(self._variables[name].varValue or 0.0)
        if self._values is None:
            return 0.0
        return float(self._values[self.matrix.position(name)])

    @property
    def size(self) -> dict[str, int]:
        if self._problem is not None:
            return {"variables": self._problem.numVariables(), "constraints": self._problem.numConstraints()}
        return {"variables": self.matrix.columns, "constraints": self.matrix.rows}


_NO_COLUMNS = np.array([], dtype=np.int64)


def _expression(pairs: list[tuple[pulp.LpVariable, float]], constant: float = 0.0) -> pulp.LpAffineExpression:
    return pulp.LpAffineExpression(pairs, constant=constant)


def _add(model: AllocationModel, name: str, columns: np.ndarray, coefficients: np.ndarray, sense: int, rhs: float,
         *, rule: str, subject: str, unit: str, scale: float) -> None:
    """Add ``Σ coefficients · x[columns] (sense) rhs``; in elastic mode with a slack that moves the right-hand
    side."""
    if model.elastic:
        slack = f"slack_{len(model.slacks)}"
        position = model.matrix.add_column(slack, lower=0)
        model.slacks.append(Slack(slack, rule, subject, unit, max(scale, 1e-9)))
        # <= rows may grow their right-hand side, >= rows may lower it.
        columns = np.append(columns, position)
        coefficients = np.append(coefficients, -1.0 if sense == LE else 1.0)
    model.matrix.add_row(name, columns, coefficients, sense, rhs)


def define_fund_variables(model: AllocationModel, inp: AllocationInput) -> None:
    model.matrix.add_columns([f"fund_{position}" for position in range(len(model.codes))], lower=0, upper=1,
                             integer=True)


def define_budget_constraints(model: AllocationModel, inp: AllocationInput) -> None:
    requests = inp.requests
    columns = pd.Index(model.codes).get_indexer(requests["plan_code"])
    kept = columns >= 0
    columns = columns[kept]
    amounts = requests["amount_vnd"].to_numpy()[kept].astype(np.float64) / VND_UNIT
    # Each line's requests in the order of the request sheet.
    grouped = pd.Series(np.arange(len(columns))).groupby(requests["budget_line_code"].to_numpy()[kept]).indices
    for position, (line, available) in enumerate(inp.lines["available"].items()):
        members = grouped.get(line)
        if members is None or not len(members):
            continue
        name = f"budget_{position}"
        _add(model, name, columns[members], amounts[members], LE, float(available) / VND_UNIT,
             rule="budget_line", subject=str(line), unit="VND",
             scale=max(float(available) / VND_UNIT, 1.0 / VND_UNIT))
        model.budget_rows[line] = name


def define_region_constraints(model: AllocationModel, inp: AllocationInput, eligible: pd.DataFrame) -> None:
    scenario = inp.scenario
    regions = eligible.groupby("region").indices  # positions in the eligible plans = fund columns
    shares = scenario.min_region_share > 0 or scenario.max_region_share < 1
    total_of = eligible["total_request"].to_numpy(dtype=float) / VND_UNIT
    total_funded = -1
    if shares:
        # One variable for the total funded amount keeps each share row as long as its region, not the country.
        total_funded = model.matrix.add_column("total_funded", lower=0)
        model.matrix.add_row("total_funded", np.append(np.arange(len(model.codes)), total_funded),
                             np.append(total_of, -1.0), EQ, 0.0)
    budget = float(inp.lines["available"].sum()) / VND_UNIT
    for position, (region, members) in enumerate(sorted(regions.items())):
        if scenario.max_plans_per_region is not None:
            _add(model, f"region_cap_{position}", members, np.ones(len(members)), LE,
                 float(scenario.max_plans_per_region), rule="max_plans_per_region", subject=str(region),
                 unit="plans", scale=max(1.0, float(scenario.max_plans_per_region)))
        columns = np.append(members, total_funded)
        if shares and scenario.min_region_share > 0:
            _add(model, f"region_min_share_{position}", columns,
                 np.append(total_of[members], -scenario.min_region_share), GE, 0.0, rule="min_region_share",
                 subject=str(region), unit="VND", scale=max(budget, 1.0 / VND_UNIT))
        if shares and scenario.max_region_share < 1:
            _add(model, f"region_max_share_{position}", columns,
                 np.append(total_of[members], -scenario.max_region_share), LE, 0.0, rule="max_region_share",
                 subject=str(region), unit="VND", scale=max(budget, 1.0 / VND_UNIT))


def define_product_constraints(model: AllocationModel, inp: AllocationInput, eligible: pd.DataFrame) -> None:
    if not inp.scenario.one_plan_per_product:
        return
    products = eligible["product_code"]
    shared = np.flatnonzero(products.duplicated(keep=False).to_numpy())
    keys = products.to_numpy()[shared]
    order = np.argsort(keys, kind="stable")  # by product, each product's plans in the plans' order
    keys, shared = keys[order], shared[order]
    if not len(keys):
        return
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    lengths = np.diff(np.r_[starts, len(keys)])
    model.matrix.add_rows([f"one_per_product_{position}" for position in range(len(starts))], lengths, shared,
                          np.ones(len(shared)), LE, 1.0)


def define_dependency_constraints(model: AllocationModel, inp: AllocationInput, eligible: pd.DataFrame) -> None:
    codes = pd.Index(model.codes)
    needed = eligible["requires_plan"]
    required = codes.get_indexer(needed.where(needed.astype(bool), None))  # blank: no plan needed
    plans = np.flatnonzero(required >= 0)  # positions in the eligible plans, whose fund column is the same
    model.matrix.add_rows([f"requires_{position}" for position in plans.tolist()], np.full(len(plans), 2),
                          np.column_stack([plans, required[plans]]).ravel(), np.tile([1.0, -1.0], len(plans)),
                          LE, 0.0)
    column_of = {code: position for position, code in enumerate(model.codes)}
    pairs: set[tuple[str, str]] = set()
    for code, others in eligible["excludes_plans"].items():
        for other in others:
            if other in column_of and code in column_of:
                pairs.add((min(code, other), max(code, other)))
    ordered = sorted(pairs)
    model.matrix.add_rows([f"excludes_{position}" for position in range(len(ordered))], np.full(len(ordered), 2),
                          np.array([column_of[code] for pair in ordered for code in pair], dtype=np.int64),
                          np.ones(2 * len(ordered)), LE, 1.0)


def _target_expression(inp: AllocationInput, row: TargetRow, share: float | None) -> tuple[
        np.ndarray, np.ndarray, float]:
    """Columns, coefficients and ``rhs`` so that the target reads expression ≥ rhs (min) or ≤ rhs (max)."""
    eligible = inp.plans["eligible"].to_numpy(dtype=bool)
    counted = row.coefficients.to_numpy(dtype=float)[eligible]
    columns = np.arange(len(counted))  # the eligible plans, in order: the fund columns
    if row.denominator is None:
        kept = counted != 0
        return columns[kept], counted[kept], 0.0
    assert share is not None
    stamped, rated = row.base
    denominator = row.denominator.to_numpy(dtype=float)[eligible]
    kept = (counted != 0) | (denominator != 0)
    return columns[kept], counted[kept] - share * denominator[kept], share * rated - stamped


def define_target_constraints(model: AllocationModel, inp: AllocationInput) -> list[int]:
    """Target rows; returns the shortfall and excess columns the soft mode penalises.

    In a robust scenario each counted target's row is kept in expectation (valid: the chance row implies it)
    and recorded in ``model.chance`` with its shortfall, excess or slack column; the solve then adds
    outer-approximation cuts (:func:`add_chance_cut`) until every chance row holds.
    """
    soft = inp.scenario.target_mode == "soft" and not model.elastic
    chance = {(row.target, row.kind): row for row in chance_rows(inp, model.confidence)}
    penalised: list[int] = []
    for position, row in enumerate(target_rows(inp)):
        for sense, bound in ((GE, row.minimum), (LE, row.maximum)):
            if bound is None:
                continue
            columns, coefficients, offset = _target_expression(inp, row, bound if row.is_share else None)
            rhs = offset if row.is_share else float(bound)
            kind = "min" if sense == GE else "max"
            name = f"target_{kind}_{position}"
            robust = chance.get((row.name, kind))
            deviation: str | None = None
            if soft:
                deviation = f"{'short' if kind == 'min' else 'excess'}_{position}"
                column = model.matrix.add_column(deviation, lower=0)
                model.shortfall[f"{row.name}.{kind}"] = deviation
                penalised.append(column)
                model.matrix.add_row(name, np.append(columns, column),
                                     np.append(coefficients, 1.0 if kind == "min" else -1.0), sense, rhs)
            else:
                unit = "stamped products" if row.is_share else "expected count"
                _add(model, name, columns, coefficients, sense, rhs,
                     rule=f"{'chance' if robust else 'target'}_{kind}", subject=row.name, unit=unit,
                     scale=max(1.0, abs(float(bound)) if not row.is_share else row.base[1] or 1.0))
                if model.elastic:
                    deviation = model.slacks[-1].column
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
        pairs.append((model.variable(entry.deviation), -1.0))
    rhs = -row.bound if row.kind == "min" else row.bound
    model.problem.addConstraint(pulp.LpConstraint(_expression(pairs), sense=pulp.LpConstraintLE, rhs=rhs,
                                                  name=f"chance_cut_{model.chance_cuts}"))
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
                          *(sign * m * values.get(c, 0.0) for c, m in row.mean.items()),
                          -deviation_value(model, entry)])
        if left > (-row.bound if row.kind == "min" else row.bound) + tolerance:
            _add_cut(model, entry, under)
            added += 1
    return added


def cut_broken_chance_rows(model: AllocationModel, funded: list[str], tolerance: float) -> tuple[int, int]:
    """Check every chance row at the funded set, with the model's shortfall, excess or slack values, and add the
    outer-approximation cut of each row broken by more than ``tolerance``. Returns (rows broken, cuts added)."""
    broken = [entry for entry in model.chance
              if entry.row.breach(funded, deviation_value(model, entry)) > tolerance]
    added = sum(add_chance_cut(model, entry, funded) for entry in broken)
    return len(broken), added


def deviation_value(model: AllocationModel, entry: ChanceEntry) -> float:
    """The solver's value of the row's shortfall, excess or slack (0 when the row has none)."""
    return 0.0 if entry.deviation is None else max(0.0, model.column_value(entry.deviation))


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
            pairs.append((model.variable(entry.deviation), -1.0))
        constant = row.z * math.sqrt(reference) / 2
        name = f"chance_inner_{position}"
        rhs = (-row.bound if row.kind == "min" else row.bound) - constant
        model.problem.addConstraint(pulp.LpConstraint(_expression([(v, c) for v, c in pairs if c]),
                                                      sense=pulp.LpConstraintLE, rhs=rhs, name=name))
        names.append(name)
    return names


def remove_rows(model: AllocationModel, names: list[str]) -> None:
    """Take temporary rows out of the model again."""
    for name in names:
        del model.problem._constraints[name]  # PuLP 3 has no public removal; its mapping view is deprecated


def define_objective(model: AllocationModel, inp: AllocationInput, eligible: pd.DataFrame, penalised: list[int]
                     ) -> None:
    if model.elastic:
        positions = [model.matrix.position(slack.column) for slack in model.slacks]
        model.matrix.objective = (np.array(positions, dtype=np.int64),
                                  np.array([1.0 / slack.scale for slack in model.slacks], dtype=np.float64))
        return
    benefit = eligible["benefit"].to_numpy(dtype=float)
    model.matrix.objective = (np.append(np.arange(len(benefit)), np.array(penalised, dtype=np.int64)),
                              np.append(benefit, np.full(len(penalised), -inp.scenario.shortfall_penalty)))


def build_model(inp: AllocationInput, *, elastic: bool = False, confidence: float | None = None,
                pool: Mapping[str, list[dict[str, float]]] | None = None) -> AllocationModel:
    """check -> variables -> constraints -> objective; ``elastic`` builds the diagnosis model; ``confidence``
    replaces the scenario's in the chance rows of a robust scenario; ``pool`` (another model's) seeds the chance
    rows with the cuts already found."""
    started = time.perf_counter()
    if inp.scenario.objective == "robust":
        confidence = inp.scenario.confidence if confidence is None else confidence
    else:
        confidence = None
    eligible = inp.eligible
    model = AllocationModel(ModelMatrix(maximise=not elastic), list(eligible.index), elastic=elastic,
                            confidence=confidence)
    define_fund_variables(model, inp)
    define_budget_constraints(model, inp)
    define_region_constraints(model, inp, eligible)
    define_product_constraints(model, inp, eligible)
    define_dependency_constraints(model, inp, eligible)
    penalised = define_target_constraints(model, inp)
    define_objective(model, inp, eligible, penalised)
    for entry in model.chance:
        if entry.row.z > 0:
            for under in (pool or {}).get(entry.row.target, []):
                _add_cut(model, entry, under)
    model.build_time_s = time.perf_counter() - started
    return model
