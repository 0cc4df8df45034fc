"""What each target counts, as coefficients over plans, and how far a set of funded plans gets.

The same coefficients build the MILP's target rows and measure the baselines' attainment, so the two can be
compared line by line. ``e_stamp_share`` with no product rated 3★ or more is met with ``achieved`` None (nothing
rated lacks a stamp), in the results and in the model alike. A shortfall is counted in products; for
``e_stamp_share`` it is the number of stamped, rated products missing to reach the share (``min × rated −
stamped``), which keeps every penalty in one unit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from chainplan.allocation.chance import chance_rows
from chainplan.allocation.data import TARGET_OUTCOMES, AllocationInput

__all__ = ["TOLERANCE", "TargetRow", "objective_value", "target_attainment", "target_rows"]

TOLERANCE = 1e-6


@dataclass(frozen=True)
class TargetRow:
    """A target as coefficients over plans: counted = Σ coefficient × funded (share: numerator / denominator)."""

    name: str
    minimum: float | None
    maximum: float | None
    coefficients: pd.Series
    denominator: pd.Series | None = None
    base: tuple[float, float] = (0.0, 0.0)

    @property
    def is_share(self) -> bool:
        return self.denominator is not None


def target_rows(inp: AllocationInput) -> list[TargetRow]:
    """One row per target the scenario sets, in the scenario's order."""
    plans = inp.plans
    rows = []
    for name, bound in inp.scenario.targets.items():
        if name == "e_stamp_share":
            rows.append(TargetRow(
                name, bound.min, bound.max, plans["success_probability"] * plans["stamp_numerator"],
                plans["success_probability"] * plans["stamp_denominator"], inp.stamp_base,
            ))
        else:
            coefficients = plans["success_probability"] * plans[TARGET_OUTCOMES[name]]
            rows.append(TargetRow(name, bound.min, bound.max, coefficients))
    return rows


def _shortfall_units(row: TargetRow, counted: float, denominator: float) -> float:
    """Penalty units: products short of the minimum plus products above the maximum."""
    if row.is_share:
        stamped, rated = row.base[0] + counted, row.base[1] + denominator
        short = max(0.0, (row.minimum or 0.0) * rated - stamped) if row.minimum is not None else 0.0
        above = max(0.0, stamped - row.maximum * rated) if row.maximum is not None else 0.0
        return short + above
    short = max(0.0, row.minimum - counted) if row.minimum is not None else 0.0
    above = max(0.0, counted - row.maximum) if row.maximum is not None else 0.0
    return short + above


def target_attainment(inp: AllocationInput, funded: Iterable[str]) -> pd.DataFrame:
    """Per target: min, max, achieved, met, shortfall (in the target's own unit) and penalty units."""
    chosen = list(funded)
    records = []
    for row in target_rows(inp):
        counted = float(row.coefficients.reindex(chosen, fill_value=0.0).sum())
        denominator = float(row.denominator.reindex(chosen, fill_value=0.0).sum()) if row.denominator is not None \
            else 0.0
        if row.is_share:
            rated = row.base[1] + denominator
            achieved = (row.base[0] + counted) / rated if rated > 0 else None
        else:
            achieved = counted
        if achieved is None:
            # No product rated 3★+ after the funded plans: the share is undefined and no rated product lacks a
            # stamp, so the target holds, as the model's row (stamped − share × rated ≥ 0) reads it.
            met, shortfall = True, 0.0
        else:
            low = max(0.0, row.minimum - achieved) if row.minimum is not None else 0.0
            high = max(0.0, achieved - row.maximum) if row.maximum is not None else 0.0
            shortfall = low + high
            met = shortfall <= TOLERANCE
        records.append({
            "target": row.name, "min": row.minimum, "max": row.maximum, "achieved": achieved, "met": bool(met),
            "shortfall": shortfall, "penalty_units": _shortfall_units(row, counted, denominator),
        })
    return pd.DataFrame(records, columns=["target", "min", "max", "achieved", "met", "shortfall", "penalty_units"])


def objective_value(inp: AllocationInput, funded: Iterable[str]) -> float:
    """The optimiser's objective for any set of funded plans: benefit minus the soft-target penalties.

    In a robust scenario a counted target's penalty is how far its chance rows are broken (μ − zσ below the
    minimum, μ + zσ above the maximum), as in the optimiser's model; the e-stamp share stays in expectation.
    """
    chosen = list(funded)
    benefit = float(inp.plans["benefit"].reindex(chosen, fill_value=0.0).sum())
    if inp.scenario.target_mode == "hard":
        return benefit
    attainment = target_attainment(inp, chosen)
    units = dict(zip(attainment["target"], attainment["penalty_units"].astype(float), strict=True))
    rows = chance_rows(inp)
    for name in {row.target for row in rows}:
        units[name] = 0.0
    for row in rows:
        units[row.target] += max(0.0, row.breach(chosen))
    return benefit - inp.scenario.shortfall_penalty * math.fsum(units.values())
