"""The yardstick of ``allocation_national.py``: the national allocation MILP built without chainplan's allocation
code, straight from the dataset's sheets into HiGHS (highspy), and solved bare.

Nothing here imports ``chainplan.allocation``: eligibility, outcomes, benefits and rows are written again from
DOMAIN.md with pandas and numpy, for the rules the benchmark uses (required appraisals, minimum grant, lines
reserved for a region, dependencies, exclusions, budget lines, a cap of plans per region, regional shares, one
plan per product, soft targets). The columns are handed to HiGHS in the order PuLP hands chainplan's model to it
(variables sorted by name) and the rows in the model's order, with the same coefficients, so both solves take
the same path and the solver's own luck does not enter the ratio. :meth:`BareModel.objective_of` and
:meth:`BareModel.breaches` value and check any funded set independently: the benchmark uses them to confirm
that the command answered the same model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import highspy
import numpy as np
import pandas as pd

from chainplan.dataset import Dataset

__all__ = ["BareModel", "BareSolve", "build_bare_model"]

VND_UNIT = 100_000.0  # the unit of the money rows (DOMAIN.md: rows in units of 100,000 VND)
WEIGHTS = {"score_gain": 1.0, "star_upgrade": 5.0, "new_product": 10.0, "new_organization": 10.0,
           "supermarket_entry": 10.0, "national_5_star": 20.0, "safe_food_chain": 5.0, "e_stamp": 2.0,
           "gap_closed": 10.0, "priority_points": 0.0}
TARGET_OUTCOME = {"new_products": "new_product", "new_organizations": "new_organization",
                  "supermarket_entries": "supermarket_entry", "rated_3_to_5_stars": "rated_3_to_5_stars",
                  "national_5_star": "national_5_star", "safe_food_chain": "safe_food_chain"}
TARGET_ORDER = (*TARGET_OUTCOME, "e_stamp_share")


@dataclass
class BareSolve:
    status: str
    objective: float | None
    gap: float | None
    run_s: float
    funded: list[str]


@dataclass
class BareModel:
    """The plans' table (eligible, region, benefit, outcomes), the rows as CSR arrays and what checks a set."""

    plans: pd.DataFrame
    requests: pd.DataFrame
    available: dict[str, int]
    document: dict[str, Any]
    stamp_base: tuple[float, float]
    columns: list[str] = field(default_factory=list)  # variable names, in HiGHS's column order
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    row_index: list[list[int]] = field(default_factory=list)
    row_value: list[list[float]] = field(default_factory=list)
    cost: dict[str, float] = field(default_factory=dict)
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    integer: set[str] = field(default_factory=set)
    build_s: float = 0.0

    def solve(self, *, mip_gap: float, time_limit_s: float) -> BareSolve:
        """HiGHS on the model, one thread, no output; ``run_s`` is ``Highs.run`` alone."""
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", mip_gap)
        h.setOptionValue("threads", 1)
        h.setOptionValue("time_limit", float(time_limit_s))
        inf = highspy.kHighsInf
        n = len(self.columns)
        # Maximise Σ cost·x as PuLP does: minimise −cost.
        costs = np.array([-self.cost.get(name, 0.0) for name in self.columns], dtype=float)
        lower = np.array([self.bounds[name][0] for name in self.columns], dtype=float)
        upper = np.array([self.bounds[name][1] for name in self.columns], dtype=float)
        h.addCols(n, costs, lower, np.where(np.isinf(upper), inf, upper), 0, np.array([], dtype=np.int32),
                  np.array([], dtype=np.int32), np.array([], dtype=float))
        integers = np.array([i for i, name in enumerate(self.columns) if name in self.integer], dtype=np.int32)
        h.changeColsIntegrality(len(integers), integers,
                                np.array([highspy.HighsVarType.kInteger] * len(integers)))
        starts = np.cumsum([0] + [len(r) for r in self.row_index[:-1]]).astype(np.int32)
        h.addRows(len(self.row_index), np.where(np.isinf(self.row_lower), -inf, self.row_lower),
                  np.where(np.isinf(self.row_upper), inf, self.row_upper), sum(len(r) for r in self.row_index),
                  starts, np.concatenate(self.row_index).astype(np.int32), np.concatenate(self.row_value))
        started = time.perf_counter()
        h.run()
        run_s = time.perf_counter() - started
        status = h.getModelStatus()
        if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit):
            return BareSolve(h.modelStatusToString(status), None, None, run_s, [])
        values = np.asarray(h.getSolution().col_value)
        funded = sorted(name for name, value in zip(self.columns, values, strict=True)
                        if name in self.integer and value > 0.5)
        code_of = self._code_of
        codes = [code_of[name] for name in funded]
        gap = float(h.getInfo().mip_gap)
        return BareSolve("optimal" if status == highspy.HighsModelStatus.kOptimal else "time_limit",
                         -float(h.getInfo().objective_function_value), gap, run_s, codes)

    @property
    def _code_of(self) -> dict[str, str]:
        eligible = self.plans.index[self.plans["eligible"]]
        return {f"fund_{position}": code for position, code in enumerate(eligible)}

    def _targets(self) -> list[tuple[str, float | None, float | None]]:
        targets = self.document.get("targets", {})
        return [(name, targets[name].get("min"), targets[name].get("max")) for name in TARGET_ORDER
                if name in targets]

    def _penalty_units(self, chosen: pd.DataFrame) -> float:
        units = 0.0
        p = chosen["success_probability"]
        for name, low, high in self._targets():
            if name == "e_stamp_share":
                stamped = self.stamp_base[0] + float((p * chosen["stamp_numerator"]).sum())
                rated = self.stamp_base[1] + float((p * chosen["stamp_denominator"]).sum())
                units += max(0.0, (low or 0.0) * rated - stamped) if low is not None else 0.0
                units += max(0.0, stamped - high * rated) if high is not None else 0.0
                continue
            counted = float((p * chosen[TARGET_OUTCOME[name]]).sum())
            units += max(0.0, low - counted) if low is not None else 0.0
            units += max(0.0, counted - high) if high is not None else 0.0
        return units

    def objective_of(self, funded: list[str]) -> float:
        """Benefit minus the soft targets' penalty, for any set of plan codes."""
        chosen = self.plans.loc[list(funded)]
        penalty = float(self.document.get("shortfall_penalty", 1000.0))
        return float(chosen["benefit"].sum()) - penalty * self._penalty_units(chosen)

    def breaches(self, funded: list[str]) -> list[str]:
        """Every rule ``funded`` breaks, in integer VND and exact fractions (empty: the set is valid)."""
        chosen = self.plans.loc[list(funded)]
        found = [f"{code} not eligible" for code in chosen.index[~chosen["eligible"]]]
        asked = self.requests[self.requests["plan_code"].isin(set(funded))]
        used: dict[str, int] = {}
        for line, amount in zip(asked["budget_line_code"], asked["amount_vnd"], strict=True):
            used[line] = used.get(line, 0) + int(amount)
        found += [f"line {line} over" for line, spent in used.items() if spent > self.available[line]]
        cap = self.document.get("max_plans_per_region")
        counted = chosen[chosen["region"].notna()]
        if cap is not None:
            found += [f"region {r} cap" for r, n in counted.groupby("region").size().items() if n > cap]
        if self.document.get("one_plan_per_product", True):
            found += [f"product {p} twice" for p, n in chosen["product_code"].value_counts().items() if n > 1]
        chosen_set = set(funded)
        found += [f"{code} without {need}" for code, need in chosen["requires_plan"].items()
                  if need and need not in chosen_set]
        found += [f"{code} with {other}" for code, others in chosen["excludes_plans"].items() for other in others
                  if other in chosen_set]
        low = Fraction(repr(float(self.document.get("min_region_share", 0.0))))
        high = Fraction(repr(float(self.document.get("max_region_share", 1.0))))
        if low > 0 or high < 1:
            total = sum(int(t) for t in chosen["total_request"])
            amounts = {r: sum(int(t) for t in g) for r, g in counted.groupby("region")["total_request"]}
            for region in sorted(set(self.plans.loc[self.plans["eligible"], "region"].dropna())):
                share = Fraction(amounts.get(region, 0), total) if total else Fraction(0)
                if total and (share < low or share > high):
                    found.append(f"region {region} share {float(share):.4f}")
        return found


def _reaches_supermarket(ds: Dataset) -> pd.Series:
    """Per product: whether a path of its links leads from its producer to a supermarket chain or trade centre."""
    kinds = ds.organizations.set_index("code")
    shops = set(kinds.index[(kinds["role"] == "retailer") & kinds["kind"].isin(["supermarket_chain", "trade_centre"])])
    following: dict[tuple[str, str], list[str]] = {}
    for source, target, product in zip(ds.links["from_code"], ds.links["to_code"], ds.links["product_code"],
                                       strict=True):
        following.setdefault((product, source), []).append(target)
    reach = {}
    for product, producer in zip(ds.products["code"], ds.products["producer_code"], strict=True):
        seen, frontier, found = {producer}, [producer], False
        while frontier and not found:
            for target in following.get((product, frontier.pop()), ()):
                if target not in seen:
                    found = found or target in shops
                    seen.add(target)
                    frontier.append(target)
        reach[product] = found
    return pd.Series(reach, dtype=bool)


def _stars(score: pd.Series) -> pd.Series:
    bins = np.select([score < 30, score < 50, score < 70, score < 90], [1, 2, 3, 4], 5)
    return pd.Series(np.where(score.isna(), 0, bins), index=score.index)


def _plans(ds: Dataset, document: dict[str, Any]) -> tuple[pd.DataFrame, tuple[float, float]]:
    plans = ds.plans.set_index("code")
    if plans["new_links"].map(len).any():
        raise ValueError("the bare model does not value closed gaps: the generated plans propose no new links")
    products = ds.products.set_index("code").loc[plans["product_code"]].set_axis(plans.index)
    requests = ds.plan_requests
    total = requests.groupby("plan_code")["amount_vnd"].sum().reindex(plans.index, fill_value=0)
    # Eligibility: every required appraisal passed, no line reserved for another province, the minimum grant,
    # and a required plan that is itself eligible (repeated until nothing changes).
    appraisals = ds.appraisals.set_index(["plan_code", "stage"])["status"]
    eligible = pd.Series(True, index=plans.index)
    for stage in document.get("required_appraisals", ["district", "province"]):
        status = appraisals.xs(stage, level="stage").reindex(plans.index) if len(appraisals) else None
        eligible &= (status == "passed") if status is not None else False
    parent = dict(zip(ds.regions["code"], ds.regions["parent_code"], strict=True))
    level = dict(zip(ds.regions["code"], ds.regions["level"], strict=True))
    org_region = plans["organization_code"].map(dict(zip(ds.organizations["code"], ds.organizations["region_code"],
                                                         strict=True)))

    def province_of(region: str | None) -> str | None:
        while region is not None and level.get(region) != document["region_level"]:
            region = parent.get(region)
        return region

    plans["region"] = org_region.map(province_of)
    reserved = requests.merge(ds.budget_lines[["code", "region_code"]], left_on="budget_line_code", right_on="code")
    reserved = reserved[reserved["region_code"].notna()]
    outside = reserved[reserved["region_code"].to_numpy() != plans.loc[reserved["plan_code"], "region"].to_numpy()]
    eligible[outside["plan_code"].unique()] = False
    eligible &= total >= document.get("min_grant_vnd", 0)
    needs = plans["requires_plan"]
    while True:
        blocked = needs.notna() & eligible & ~needs.map(eligible).fillna(True).astype(bool)
        if not blocked.any():
            break
        eligible[blocked] = False
    plans["eligible"] = eligible
    plans["total_request"] = total
    # Outcomes (DOMAIN.md), then benefit = p × Σ weight × outcome.
    expected = plans["expected_score"]
    stars_now = products["stars"].astype(int)
    stars_after = _stars(expected)
    current = products["ocop_score"].fillna(0.0)
    reach = _reaches_supermarket(ds).reindex(plans["product_code"]).to_numpy()
    outcomes = {
        "score_gain": (expected.fillna(current) - current).clip(lower=0.0),
        "star_upgrade": (stars_after - stars_now).clip(lower=0).where(expected.notna(), 0).astype(float),
        "new_product": plans["creates_new_product"].astype(float),
        "new_organization": plans["creates_organization"].astype(float),
        "supermarket_entry": (plans["enters_supermarket"] & ~reach).astype(float),
        "national_5_star": ((stars_now < 5) & (expected >= 90)).astype(float),
        "safe_food_chain": (plans["joins_safe_food_chain"] & ~products["safe_food_chain"]).astype(float),
        "e_stamp": (plans["adds_e_stamp"] & ~products["e_stamp"]).astype(float),
        "gap_closed": pd.Series(0.0, index=plans.index),
        "priority_points": plans["priority_points"].astype(float),
    }
    weights = {**WEIGHTS, **document.get("weights", {})}
    value = sum(weights[name] * outcomes[name] for name in WEIGHTS)
    plans["benefit"] = plans["success_probability"] * value
    for name, series in outcomes.items():
        plans[name] = series
    plans["rated_3_to_5_stars"] = ((stars_now < 3) & (expected >= 50)).astype(float)
    rated_before, stamped_before = stars_now >= 3, products["e_stamp"]
    rated_after, stamped_after = rated_before | (stars_after >= 3), stamped_before | plans["adds_e_stamp"]
    plans["stamp_numerator"] = ((rated_after & stamped_after).astype(float)
                                - (rated_before & stamped_before).astype(float))
    plans["stamp_denominator"] = rated_after.astype(float) - rated_before.astype(float)
    rated = ds.products["stars"] >= 3
    return plans, (float((rated & ds.products["e_stamp"]).sum()), float(rated.sum()))


def build_bare_model(ds: Dataset, document: dict[str, Any]) -> BareModel:
    """The MILP of the scenario ``document`` (as in its YAML file) on ``ds``."""
    started = time.perf_counter()
    plans, stamp_base = _plans(ds, document)
    available = {code: int(amount) for code, amount in zip(ds.budget_lines["code"], ds.budget_lines["amount_vnd"],
                                                            strict=True)}
    available |= {code: int(amount) for code, amount in document.get("budget_lines", {}).items()}
    model = BareModel(plans, ds.plan_requests, available, document, stamp_base)
    eligible = plans[plans["eligible"]]
    fund = {code: f"fund_{position}" for position, code in enumerate(eligible.index)}
    names: list[str] = list(fund.values())
    rows: list[tuple[float, float, list[tuple[str, float]]]] = []
    inf = float("inf")
    requests = ds.plan_requests[ds.plan_requests["plan_code"].isin(fund)]
    for line in ds.budget_lines["code"]:
        asked = requests[requests["budget_line_code"] == line]
        if len(asked):
            rows.append((-inf, available[line] / VND_UNIT,
                         [(fund[p], a / VND_UNIT) for p, a in zip(asked["plan_code"], asked["amount_vnd"].astype(float),
                                                                  strict=True)]))
    low, high = float(document.get("min_region_share", 0.0)), float(document.get("max_region_share", 1.0))
    shares = low > 0 or high < 1
    if shares:
        names.append("total_funded")
        rows.append((0.0, 0.0, [*((fund[c], t / VND_UNIT) for c, t in eligible["total_request"].astype(float).items()),
                                ("total_funded", -1.0)]))
    cap = document.get("max_plans_per_region")
    for _region, members in sorted(eligible.groupby("region").groups.items()):
        if cap is not None:
            rows.append((-inf, float(cap), [(fund[c], 1.0) for c in members]))
        amounts = [(fund[c], float(eligible.at[c, "total_request"]) / VND_UNIT) for c in members]
        if shares and low > 0:
            rows.append((0.0, inf, [*amounts, ("total_funded", -low)]))
        if shares and high < 1:
            rows.append((-inf, 0.0, [*amounts, ("total_funded", -high)]))
    if document.get("one_plan_per_product", True):
        shared = eligible[eligible["product_code"].duplicated(keep=False)]
        for _product, members in sorted(shared.groupby("product_code", sort=False).groups.items()):
            rows.append((-inf, 1.0, [(fund[c], 1.0) for c in members]))
    for code, need in eligible["requires_plan"].items():
        if need and need in fund:
            rows.append((-inf, 0.0, [(fund[code], 1.0), (fund[need], -1.0)]))
    pairs = sorted({(min(a, b), max(a, b)) for a, others in eligible["excludes_plans"].items() for b in others
                    if b in fund})
    rows += [(-inf, 1.0, [(fund[a], 1.0), (fund[b], 1.0)]) for a, b in pairs]
    p = eligible["success_probability"]
    penalty = float(document.get("shortfall_penalty", 1000.0))
    deviations: list[str] = []
    for position, (name, minimum, maximum) in enumerate(model._targets()):
        for kind, bound in (("min", minimum), ("max", maximum)):
            if bound is None:
                continue
            if name == "e_stamp_share":
                c, d = p * eligible["stamp_numerator"], p * eligible["stamp_denominator"]
                terms = [(fund[code], float(c[code] - bound * d[code])) for code in eligible.index
                         if c[code] or d[code]]
                rhs = bound * stamp_base[1] - stamp_base[0]
            else:
                counted = p * eligible[TARGET_OUTCOME[name]]
                terms = [(fund[code], float(v)) for code, v in counted.items() if v]
                rhs = float(bound)
            deviation = f"{'short' if kind == 'min' else 'excess'}_{position}"
            deviations.append(deviation)
            names.append(deviation)
            terms.append((deviation, 1.0 if kind == "min" else -1.0))
            rows.append((rhs, inf, terms) if kind == "min" else (-inf, rhs, terms))
    model.cost = {fund[code]: float(b) for code, b in eligible["benefit"].items()}
    model.cost |= {name: -penalty for name in deviations}
    model.bounds = {name: (0.0, 1.0) if name.startswith("fund_") else (0.0, inf) for name in names}
    model.integer = set(fund.values())
    model.columns = sorted(names)  # PuLP's order
    position = {name: i for i, name in enumerate(model.columns)}
    for lower, upper, terms in rows:
        model.row_lower.append(lower)
        model.row_upper.append(upper)
        model.row_index.append([position[name] for name, _ in terms])
        model.row_value.append([value for _, value in terms])
    model.build_s = time.perf_counter() - started
    return model
