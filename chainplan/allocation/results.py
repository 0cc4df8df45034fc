"""The result of an allocation, the same shape for the optimiser and the baselines.

Frames: ``funded`` (plan, product, region, amounts per line, total, benefit), ``budget`` (per line: available,
used, left, value of one more billion VND), ``regions`` (per region: plans, amount, share), ``targets``
(required, achieved, met, shortfall) and ``decisions`` (every plan: funded or not, the reason code and a
sentence). :meth:`AllocationResult.as_dict` gives the JSON document of ``DATA_FORMAT.md``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainplan.allocation.data import TARGET_OUTCOMES, AllocationInput
from chainplan.allocation.targets import objective_value, target_attainment
from chainplan.money import exact_decimal
from chainplan.wording import Phrase, Share, Term, render

__all__ = ["COUNTED", "OUTCOME_TOTALS", "AllocationResult", "assemble_result", "objective_parts"]

#: Per funded plan, what it counts toward if it succeeds: the target outcomes and its move of the e-stamp share.
COUNTED: tuple[str, ...] = (*TARGET_OUTCOMES.values(), "stamp_numerator", "stamp_denominator")

#: What a committee buys with the money, per funded plan (expected counts): name -> outcome column.
OUTCOME_TOTALS: dict[str, str] = {
    "new_products": "new_product", "new_organizations": "new_organization",
    "supermarket_entries": "supermarket_entry", "rated_3_to_5_stars": "rated_3_to_5_stars",
    "national_5_star": "national_5_star", "safe_food_chain": "safe_food_chain", "e_stamps": "e_stamp",
    "gaps_closed": "gap_closed",
}


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def objective_parts(objective: float | None, expected_benefit: float | None) -> tuple[float | None, float | None]:
    """The objective's two parts: ``(expected_benefit, shortfall_penalty)`` with objective = benefit − penalty.

    The optimiser maximises the expected benefit of the funded plans minus ``shortfall_penalty`` (the scenario's
    key) for each product short of a soft target's minimum or above its maximum (stamped products for the e-stamp
    share; under ``objective: robust``, short of the bound that holds with the scenario's ``confidence``). The
    penalty is what the objective gives up for the targets, so a selection with more benefit can have a lower
    objective. Both are ``None`` where the run has no objective (infeasible, error).

    Examples
    --------
    >>> objective_parts(-74131.53, 1668.47)
    (1668.47, 75800.0)
    >>> objective_parts(12.5, 12.5), objective_parts(None, 0.0)
    ((12.5, 0.0), (None, None))
    """
    if objective is None or expected_benefit is None:
        return None, None
    penalty = round(float(expected_benefit) - float(objective), 6)
    # The solver's objective carries its tolerance (1e-9 relative): a hard or met scenario has no penalty.
    return float(expected_benefit), 0.0 if abs(penalty) < 1e-6 else penalty


def _plain_column(values: pd.Series) -> list[Any]:
    """A column as :func:`_plain` values (NaN as None, numpy scalars as Python's), typed columns without a
    call per value."""
    if values.dtype == object:
        return [_plain(v) for v in values.tolist()]
    if values.dtype.kind == "f":
        return values.astype(object).where(values.notna(), None).tolist()
    if values.dtype.kind in "biu":
        return values.tolist()
    return values.astype(object).where(values.notna(), None).tolist()  # text columns: NaN marks a blank


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict("records")`` with :func:`_plain` values, built column by column."""
    names = list(frame.columns)
    return [dict(zip(names, values, strict=True))
            for values in zip(*(_plain_column(frame[name]) for name in names), strict=True)]


@dataclass
class AllocationResult:
    scenario_name: str
    method: str
    status: str
    objective: float | None
    funded: pd.DataFrame
    budget: pd.DataFrame
    regions: pd.DataFrame
    targets: pd.DataFrame
    #: The decisions, or what writes them on first read (see :attr:`decisions`).
    _decisions: pd.DataFrame | Callable[[], pd.DataFrame] = field(repr=False)
    solver: str | None = None
    gap: float | None = None
    build_time_s: float = 0.0
    solve_time_s: float = 0.0
    model_size: dict[str, int] = field(default_factory=dict)
    #: Why the run ended as it did, when it has something to say (a catalogue phrase; see :attr:`message`).
    said: Phrase | None = None
    diagnosis: list[dict[str, Any]] = field(default_factory=list)
    #: Expected outcomes of the funded plans (success_probability × outcome, summed): what the money buys.
    outcomes: dict[str, float] = field(default_factory=dict)
    #: Products rated 3★+ with an e-stamp, and rated 3★+, before any plan: the base of ``e_stamp_share``.
    stamp_base: tuple[float, float] = (0.0, 0.0)
    #: For ``objective: robust``: the confidence and the reference variance of each robust target.
    robust: dict[str, Any] = field(default_factory=dict)
    rule_violations: list[str] = field(default_factory=list)
    comparison: dict[str, Any] = field(default_factory=dict)
    #: What the committee should know that is not an error (a repair, a solver replaced), as catalogue phrases.
    notices: list[Phrase] = field(default_factory=list)
    #: Solver answers cut off because they broke a rule when checked exactly (see ``chainplan.allocation.solve``).
    repairs: list[dict[str, Any]] = field(default_factory=list)
    #: What happened on the way to the answer: a solver that failed and was replaced, a confirmation.
    solver_notes: list[str] = field(default_factory=list)
    #: In a calibrated run, every plan's stated and calibrated chance of success
    #: (``{plan_code, stated_probability, success_probability}``); empty otherwise.
    probabilities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def decisions(self) -> pd.DataFrame:
        """Every plan: ``plan_code``, ``funded``, ``reason``, ``explanation``, ``explanation_vi``.

        Written when first read: the baselines the optimiser compares itself with are never explained, and at
        national scale their 40,000 sentences cost more than the comparison.
        """
        if callable(self._decisions):
            self._decisions = self._decisions()
        return self._decisions

    @property
    def message(self) -> str:
        """:attr:`said` in English ('' when nothing was said), as the command line and the JSON document give it."""
        return render(self.said, "en")  # None is written as ''.

    @property
    def warnings(self) -> list[str]:
        """The notices in English, as the command line and the JSON document give them."""
        return [render(notice, "en") for notice in self.notices]

    @property
    def funded_codes(self) -> list[str]:
        return list(self.funded["plan_code"])

    @property
    def total_benefit(self) -> float:
        return float(self.funded["benefit"].sum()) if len(self.funded) else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The JSON document: status, objective, funded_plans, budget, targets, explanations and more."""
        f = self.funded
        funded_plans = [
            {"plan_code": code, "amounts": dict(amounts), "benefit": round(benefit, 6), "product_code": product,
             "region": region, "region_code": region_code, "total_vnd": total, "success_probability": probability,
             "stated_probability": stated, "value": round(value, 6), "counts": {k: v for k, v in counts.items() if v}}
            for code, amounts, benefit, product, region, region_code, total, probability, stated, value, counts in zip(
                *(_plain_column(f[name]) for name in ("plan_code", "amounts", "benefit", "product_code", "region",
                                                      "region_code", "total_vnd", "success_probability",
                                                      "stated_probability", "value", "counts")), strict=True)
        ]
        budget = {
            r["line"]: {k: _plain(v) for k, v in r.items() if k != "line"} for r in self.budget.to_dict("records")
        }
        targets = {
            r["target"]: {"target": {"min": _plain(r["min"]), "max": _plain(r["max"])},
                          "achieved": _plain(r["achieved"]), "met": bool(r["met"]),
                          "shortfall": _plain(r["shortfall"])}
            for r in self.targets.to_dict("records")
        }
        unfunded = self.decisions[~self.decisions["funded"].astype(bool)]
        return {
            "scenario": self.scenario_name, "method": self.method, "status": self.status,
            "objective": None if self.objective is None else round(self.objective, 6),
            "total_benefit": round(self.total_benefit, 6),
            # objective = expected_benefit − shortfall_penalty (added keys; see objective_parts).
            **dict(zip(("expected_benefit", "shortfall_penalty"), objective_parts(
                None if self.objective is None else round(self.objective, 6), round(self.total_benefit, 6)),
                strict=True)),
            "solver": self.solver, "gap": self.gap, "message": self.message,
            # The sentences a person reads also in Vietnamese (the web pages, the pack), as decisions and diagnoses.
            "message_vi": render(self.said, "vi"),
            "build_time_s": round(self.build_time_s, 4), "solve_time_s": round(self.solve_time_s, 4),
            "model_size": self.model_size,
            "funded_plans": funded_plans,
            "budget": budget,
            "regions": [{k: _plain(v) for k, v in r.items()} for r in self.regions.to_dict("records")],
            "targets": targets,
            "explanations": dict(zip(unfunded["plan_code"], unfunded["explanation"], strict=True)),
            "decisions": _records(self.decisions),
            "diagnosis": self.diagnosis,
            "rule_violations": self.rule_violations,
            "comparison": self.comparison,
            "warnings": self.warnings,
            "warnings_vi": [render(notice, "vi") for notice in self.notices],
            "outcomes": {k: round(v, 6) for k, v in self.outcomes.items()},
            "stamp_base": list(self.stamp_base),
            "robust": self.robust,
            "repairs": self.repairs,
            "solver_notes": self.solver_notes,
            **({"probabilities": self.probabilities} if self.probabilities else {}),
        }

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """A workbook for the committee: summary, funded plans, budget, regions, targets, decisions."""
        from chainplan.io.workbook import write_frames

        document = self.as_dict()
        summary = pd.DataFrame([
            {"item": key, "value": document[key]}
            for key in ("scenario", "method", "status", "objective", "total_benefit", "solver", "gap", "message")
        ])
        funded = self.funded.copy()
        funded["amounts"] = funded["amounts"].map(lambda a: "; ".join(f"{k}: {v:,}" for k, v in a.items()))
        frames = {"summary": summary, "funded_plans": funded, "budget": self.budget, "regions": self.regions,
                  "targets": self.targets, "decisions": self.decisions}
        if self.diagnosis:
            frames["diagnosis"] = pd.DataFrame(self.diagnosis)
        return write_frames(frames, path)


def _amounts_by_plan(inp: AllocationInput, chosen: list[str]) -> list[dict[str, int]]:
    """Per chosen plan, in order: VND asked per line, lines in the budget's order, as Python integers.

    Sorted and split as arrays; each plan's dict is then made from its slice in one call.
    """
    requests = inp.requests[inp.requests["plan_code"].isin(chosen)]
    summed = requests.groupby(["plan_code", "budget_line_code"], sort=False)["amount_vnd"].sum()
    plan = pd.Index(chosen).get_indexer(summed.index.get_level_values("plan_code"))
    line = summed.index.get_level_values("budget_line_code")
    order = np.lexsort((inp.lines.index.get_indexer(line), plan))
    lines = line.to_numpy(dtype=object)[order].tolist()
    amounts = summed.to_numpy(dtype=np.int64)[order].tolist()
    bounds = np.searchsorted(plan[order], np.arange(len(chosen) + 1)).tolist()
    return [dict(zip(lines[a:b], amounts[a:b], strict=True)) for a, b in pairwise(bounds)]


def _used_per_line(inp: AllocationInput, chosen: list[str]) -> list[int]:
    """VND used on each budget line (in the lines' order) by the chosen plans, exactly, summed as arrays.

    Each amount is split into its low 31 bits and the rest; each part is summed in int64, which cannot overflow
    below 2^31 requests, and the two sums are joined in Python integers (a national total can pass 2^63 VND).
    """
    requests = inp.requests
    mask = requests["plan_code"].isin(chosen).to_numpy()
    line = inp.lines.index.get_indexer(requests["budget_line_code"].to_numpy()[mask])
    amounts = requests["amount_vnd"].to_numpy(dtype=np.int64)[mask]
    known = line >= 0  # a request on a line the scenario does not have is no line's use
    low, high = np.zeros(len(inp.lines), dtype=np.int64), np.zeros(len(inp.lines), dtype=np.int64)
    np.add.at(low, line[known], amounts[known] & 0x7FFFFFFF)
    np.add.at(high, line[known], amounts[known] >> 31)
    return [(h << 31) + lo for h, lo in zip(high.tolist(), low.tolist(), strict=True)]


def _notices(inp: AllocationInput) -> list[Phrase]:
    """Things the committee should know about the data that are not errors."""
    scenario = inp.scenario
    found = []
    outside = int(inp.eligible["region"].isna().sum())
    if scenario.has_regional_rules and outside:
        found.append(Phrase("warning.outside_region", {"count": outside,
                                                       "level": Term("stage", scenario.region_level)}))
    # Shares of one total add up to 100 %: a minimum share for each region that adds up to more can be met only by
    # funding nothing, which the run then calls optimal.
    regions = int(inp.eligible["region"].dropna().nunique())
    if scenario.min_region_share > 0 and regions and exact_decimal(scenario.min_region_share) * regions > 1:
        found.append(Phrase("warning.min_share_unreachable", {
            "share": Share(scenario.min_region_share), "regions": regions,
            "total": Share(scenario.min_region_share * regions), "most": Share(1 / regions, 2)}))
    return found


def assemble_result(
    inp: AllocationInput,
    funded: Iterable[str],
    *,
    method: str,
    status: str,
    objective: float | None = None,
    decisions: pd.DataFrame | None = None,
    **details: Any,
) -> AllocationResult:
    """The result frames for a set of funded plans (``objective`` is recomputed when not given)."""
    plans = inp.plans
    chosen = list(plans.index[plans.index.isin(list(funded))])  # in the plans' own order
    picked = plans.loc[chosen]
    funded_frame = pd.DataFrame({
        "plan_code": pd.Series(chosen, dtype=object),
        "product_code": picked["product_code"].to_numpy(dtype=object),
        "region": picked["region"].to_numpy(dtype=object),
        "region_code": picked["region_code"].to_numpy(dtype=object),
        "amounts": _amounts_by_plan(inp, chosen),
        "total_vnd": picked["total_request"].astype("int64").to_numpy(),
        "benefit": picked["benefit"].astype(float).to_numpy(),
        # What the plan brings if it succeeds (risk draws success with this probability, independently).
        "success_probability": picked["success_probability"].astype(float).to_numpy(),
        # As the producer stated it (equal to success_probability unless the scenario calibrates).
        "stated_probability": picked["stated_probability"].astype(float).to_numpy(),
        "value": picked["value"].astype(float).to_numpy(),
        "counts": [dict(zip(COUNTED, values, strict=True)) for values in
                   picked[list(COUNTED)].astype(float).to_numpy().tolist()],
    })
    budget = pd.DataFrame({
        "line": inp.lines.index, "name": inp.lines["name"].to_numpy(),
        "available": inp.lines["available"].astype("int64").to_numpy(),
        "used": _used_per_line(inp, chosen),
    })
    budget["left"] = budget["available"] - budget["used"]
    # Filled by the optimiser on request (the value of one more billion VND per line, see optimize.py).
    budget["value_of_one_more_billion"] = None
    budget["value_of_money_upper"] = None
    budget["value_of_money_status"] = "not_computed"
    budget["value_of_money_note"] = "not requested"
    total_amount = sum(int(v) for v in funded_frame["total_vnd"])
    # Region codes are text; an empty frame must not turn the key into floats.
    funded_frame["region"] = funded_frame["region"].astype(object)
    by_region = funded_frame.groupby("region", dropna=False).agg(funded_plans=("plan_code", "count"),
                                                                 amount_vnd=("total_vnd", "sum")).reset_index()
    by_plan = plans.assign(region=plans["region"].astype(object))
    requested = by_plan.groupby("region", dropna=False).agg(eligible_plans=("eligible", "sum"),
                                                            requested_vnd=("total_request", "sum")).reset_index()
    regions = requested.merge(by_region, on="region", how="left").fillna({"funded_plans": 0, "amount_vnd": 0})
    regions["funded_plans"] = regions["funded_plans"].astype(int)
    regions["amount_vnd"] = regions["amount_vnd"].astype("int64")
    regions["share"] = regions["amount_vnd"] / total_amount if total_amount else 0.0
    if objective is None and status in ("optimal", "feasible"):  # infeasible, error, no incumbent: no objective
        objective = objective_value(inp, chosen)
    if decisions is None:
        from chainplan.allocation.explain import explain_decisions

        # Written on first read, from this budget (the optimiser may add columns to the result's own copy).
        written: pd.DataFrame | Callable[[], pd.DataFrame] = partial(explain_decisions, inp, chosen, budget.copy())
    else:
        written = decisions
    details.setdefault("notices", _notices(inp))
    expected = picked[list(OUTCOME_TOTALS.values())].mul(picked["success_probability"], axis=0).sum()
    details["outcomes"] = {name: float(expected[column]) for name, column in OUTCOME_TOTALS.items()}
    details["stamp_base"] = inp.stamp_base
    if inp.scenario.success_probability == "calibrated":
        details["probabilities"] = _records(pd.DataFrame({
            "plan_code": plans.index.to_numpy(dtype=object),
            "stated_probability": plans["stated_probability"].astype(float).round(6).to_numpy(),
            "success_probability": plans["success_probability"].astype(float).round(6).to_numpy()}))
    return AllocationResult(
        scenario_name=inp.scenario.name, method=method, status=status, objective=objective, funded=funded_frame,
        budget=budget, regions=regions, targets=target_attainment(inp, chosen),
        _decisions=written, **details,
    )
