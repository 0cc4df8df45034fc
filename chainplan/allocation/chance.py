"""The chance rows of ``objective: robust``, and the cuts that make the MILP meet them exactly.

Each funded plan i succeeds with probability pᵢ, independently, and then counts aᵢ toward a target (aᵢ is the
plan's outcome: 0 or 1 for every counted target today). Under the normal approximation the count over the
funded set x ∈ {0, 1}ⁿ has mean μ(x) = Σ aᵢpᵢxᵢ and variance V(x) = Σ wᵢxᵢ with wᵢ = aᵢ²pᵢ(1 − pᵢ), and with
z = Φ⁻¹(confidence) the scenario asks, per counted target,

- for a minimum: P(count ≥ min) ≥ confidence, read as μ(x) − z√V(x) ≥ min;
- for a maximum: P(count ≤ max) ≥ confidence, read as μ(x) + z√V(x) ≤ max.

The e-stamp share is a ratio and stays in expectation.

Why the rows are convex, and the cut
------------------------------------
√V(x) = √(Σ wᵢxᵢ) is concave in x, so its tangent is an *upper* bound: a linear row built from it (the form
used before) is conservative, and shuts out allocations the chance row allows, those with V = 0 included. But
on 0/1 points xᵢ² = xᵢ, so V(x) = Σ wᵢxᵢ² = ‖Dx‖² with D = diag(√wᵢ), and ‖Dx‖ is a norm of a linear map of x:
convex. Each chance row is therefore the second-order cone constraint z‖Dx‖ ≤ μ(x) − min (z‖Dx‖ ≤ max − μ(x)
for a maximum), which agrees with the chance row on every allocation.

At any allocation x* with V* = V(x*) > 0 the Cauchy–Schwarz inequality gives, for every x ∈ ℝⁿ,

    ‖Dx‖ ≥ ⟨Dx*, Dx⟩ / ‖Dx*‖ = Σᵢ wᵢx*ᵢxᵢ / √V*,

so with z ≥ 0 every allocation that meets the chance row also meets the linear cut

    z · Σ_{i funded in x*} (wᵢ / √V*) · xᵢ ≤ μ(x) − min        (minimum)
    z · Σ_{i funded in x*} (wᵢ / √V*) · xᵢ ≤ max − μ(x)        (maximum).

The cut is *valid*: it removes no allocation that meets the chance row. At x = x* its left side is
z · V* / √V* = z√V*, so the cut *is* the chance row at x*: it removes x* exactly when x* breaks the row. (The
gradient of √(Σ wᵢxᵢ) itself, wᵢ / (2√V*) for every plan, would be an over-estimate of a concave function and
would cut off valid allocations; the norm's gradient, wᵢx*ᵢ / √V*, is zero off x* and twice as large on it, and
is what makes the cut valid.) With a shortfall or slack variable s ≥ 0 on the row (soft targets, the
infeasibility diagnosis) the constraint z‖Dx‖ ≤ μ(x) + s − min is convex in (x, s) and the same cut holds with
− s on its left side.

Outer approximation (:mod:`chainplan.allocation.solve`): solve the MILP with the expected-value rows (valid:
z√V ≥ 0) and the cuts found so far; while the answer breaks a chance row, add the cut at it and solve again.
There are finitely many allocations and none comes back once cut, so the loop ends; the last MILP is a
relaxation of the chance-constrained problem whose optimum meets every chance row, so that optimum is the
chance-constrained optimum. At V* = 0 the chance row reads μ(x*) ≥ min (≤ max), the expected-value row the
model already holds, so x* can break it only within a solver's tolerance; that one allocation is then cut off
by itself. Kelley's cutting planes and Duran and Grossmann's outer approximation (Math. Programming 36, 1986,
307–339) for convex integer programmes; the 0/1 set {x : μ(x) ± z√V(x) ≤ b} is the mean-risk (conic quadratic)
knapsack of Atamtürk and Narayanan (The submodular knapsack polytope, Discrete Optimization 6, 2009, 333–344;
Polymatroids and mean-risk minimization in discrete optimization, Oper. Res. Letters 36, 2008, 618–622).

Examples
--------
>>> row = ChanceRow("new_products", "min", 2.0, 1.0, {"A": 0.5, "B": 0.5, "S": 1.0},
...                 {"A": 0.25, "B": 0.25})
>>> round(row.value(["A", "B", "S"]), 4), round(row.breach(["A", "B", "S"]), 4)  # 2 − √0.5 against 2
(1.2929, 0.7071)
>>> row.breach(["S"]), row.tangent(["S"]) is None  # a sure plan alone: no variance, no cut needed
(1.0, True)
>>> {code: round(c, 4) for code, c in row.tangent(["A", "B"]).items()}  # wᵢ/√V* for the funded plans
{'A': 0.3536, 'B': 0.3536}
>>> {code: round(c, 4) for code, c in row.greedy(["A", "B"]).items()}  # √0.25, then √0.5 − √0.25
{'A': 0.5, 'B': 0.2071}
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import NormalDist

from chainplan.allocation.data import TARGET_OUTCOMES, AllocationInput

__all__ = ["ChanceRow", "chance_rows", "z_value"]


def z_value(confidence: float) -> float:
    """Φ⁻¹(confidence), 0 at one half (the rows are then the expected-value rows).

    Examples
    --------
    >>> round(z_value(0.9), 4), z_value(0.5)
    (1.2816, 0.0)
    """
    return NormalDist().inv_cdf(confidence)


@dataclass(frozen=True)
class ChanceRow:
    """One chance row: ``kind`` is ``min`` (μ − z√V ≥ bound) or ``max`` (μ + z√V ≤ bound).

    ``mean`` holds aᵢpᵢ and ``variance`` wᵢ = aᵢ²pᵢ(1 − pᵢ) per plan (plans with 0 left out).
    """

    target: str
    kind: str
    bound: float
    z: float
    mean: dict[str, float]
    variance: dict[str, float]

    def moments(self, funded: Iterable[str]) -> tuple[float, float]:
        """μ and V of the funded plans (summed exactly rounded, :func:`math.fsum`)."""
        chosen = set(funded)
        return (math.fsum(v for c, v in self.mean.items() if c in chosen),
                math.fsum(v for c, v in self.variance.items() if c in chosen))

    def value(self, funded: Iterable[str]) -> float:
        """μ − z√V for a minimum, μ + z√V for a maximum: the count met with the row's confidence."""
        mean, variance = self.moments(funded)
        spread = self.z * math.sqrt(variance)
        return mean - spread if self.kind == "min" else mean + spread

    def breach(self, funded: Iterable[str], deviation: float = 0.0) -> float:
        """How far the row is broken (positive) or met (≤ 0), in the target's unit, after ``deviation`` (a
        shortfall or slack that moves the bound)."""
        value = self.value(funded)
        return (self.bound - value if self.kind == "min" else value - self.bound) - deviation

    def probability(self, funded: Iterable[str]) -> float:
        """P(the row holds) under the normal approximation: Φ((μ − min)/σ) or Φ((max − μ)/σ); with σ = 0,
        1 when the expected count meets the bound, else 0."""
        mean, variance = self.moments(funded)
        room = mean - self.bound if self.kind == "min" else self.bound - mean
        if variance <= 0:
            return 1.0 if room >= 0 else 0.0
        return NormalDist().cdf(room / math.sqrt(variance))

    def tangent(self, funded: Iterable[str]) -> dict[str, float] | None:
        """The outer-approximation coefficients wᵢ/√V* at the funded set x* (``None`` when V* = 0).

        Σ tangentᵢ·xᵢ ≤ √V(x) on every allocation, with equality at x*, so the cut z·Σ tangentᵢ·xᵢ ≤ μ(x) − min
        (≤ max − μ(x) for a maximum) is met by every allocation that meets the row, and by x* exactly when x*
        meets the row (the module's docstring has the proof).
        """
        chosen = set(funded)
        weights = {c: w for c, w in self.variance.items() if c in chosen}
        total = math.fsum(weights.values())
        if total <= 0:
            return None
        norm = math.sqrt(total)
        return {c: w / norm for c, w in weights.items()}

    def greedy(self, order: Iterable[str]) -> dict[str, float]:
        """The extended polymatroid coefficients ρ = √W_k − √W_{k−1} along ``order`` (W_k the variance of its
        first k plans with a variance); plans left out of ``order`` get 0.

        F(S) = √(Σ_{i∈S} wᵢ) is submodular with F(∅) = 0 (a concave function of a non-negative sum), so for any
        set T, taking T's plans in ``order`` as t₁, t₂, …: ρ(t_j) = F(first plans up to t_j) − F(those before
        t_j) ≤ F({t₁..t_j}) − F({t₁..t_{j−1}}), and the sum telescopes to Σ_{i∈T} ρᵢ ≤ F(T) = √V(T) (Edmonds'
        greedy argument). Equality holds when T is a prefix of ``order``. So the cut z·Σ ρᵢxᵢ ≤ μ(x) − min is met
        by every allocation that meets the row, and is the row itself at the prefix (Atamtürk and Narayanan,
        2008). Unlike the tangent it also charges plans outside that prefix.
        """
        coefficients: dict[str, float] = {}
        total = 0.0
        for code in order:
            weight = self.variance.get(code, 0.0)
            if weight <= 0 or code in coefficients:
                continue
            coefficients[code] = math.sqrt(total + weight) - math.sqrt(total)
            total += weight
        return coefficients


def chance_rows(inp: AllocationInput, confidence: float | None = None) -> list[ChanceRow]:
    """The chance rows of a robust scenario (none for ``objective: expected``), in the scenario's target order.

    ``confidence`` replaces the scenario's (the diagnosis searches for the highest one that can be met).
    """
    scenario = inp.scenario
    if scenario.objective != "robust":
        return []
    z = z_value(scenario.confidence if confidence is None else confidence)
    plans = inp.plans
    p = plans["success_probability"].astype(float)
    rows = []
    for name, bound in scenario.targets.items():
        if name not in TARGET_OUTCOMES:
            continue  # the e-stamp share is a ratio, kept in expectation
        outcome = plans[TARGET_OUTCOMES[name]].astype(float)
        mean = {c: float(v) for c, v in (outcome * p).items() if v}
        variance = {c: float(v) for c, v in (outcome * outcome * p * (1 - p)).items() if v > 0}
        for kind, value in (("min", bound.min), ("max", bound.max)):
            if value is not None:
                rows.append(ChanceRow(name, kind, float(value), z, mean, variance))
    return rows
