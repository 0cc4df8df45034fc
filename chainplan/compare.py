"""Two to five stored runs side by side: what each funds, where the money goes, what it buys, how spread it is.

Everything comes from the stored results, so runs computed on different data can still be compared (with a
warning that names the fingerprints). Frames (JSON keys of ``DATA_FORMAT.md``):

- ``runs``: per run, status, objective with its two parts (``expected_benefit`` − ``shortfall_penalty``; the
  scenario's ``penalty_per_unit``, ``None`` under hard targets), benefit, plans and VND funded, targets met, regions
  funded, the Gini coefficient of the funded amount over the regions that had an eligible plan, the largest region's
  share;
- ``plans``: every plan funded in at least one run, with the runs that fund it and its amount;
- ``lines``: VND available and used per budget line and run;
- ``regions``: VND and plans per region and run, every funded VND counted once (a plan of an organization above
  the scenario's ``region_level`` under its own region), so a run's regions add up to its ``funded_vnd``;
- ``targets``: achieved, min, max, met per target and run;
- ``cost_per_outcome``: VND funded per expected unit of each outcome (``None`` where the run buys none).

``notices`` are the warnings as catalogue phrases (written in either language); ``warnings`` the same in English.

Examples
--------
>>> gini([10, 10, 10, 10]), gini([0, 0, 0, 40]), gini([])
(0.0, 0.75, 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from chainplan.allocation.results import objective_parts
from chainplan.errors import ChainplanError
from chainplan.ports import StoredRun
from chainplan.wording import Joined, Phrase, Term, render

__all__ = ["MAX_RUNS", "MIN_RUNS", "CompareRefused", "Comparison", "compare_runs", "gini"]

MIN_RUNS, MAX_RUNS = 2, 5


class CompareRefused(ChainplanError, ValueError):
    """The runs cannot be compared as asked (too few, too many, repeated); the message says why."""


def gini(amounts: Sequence[float]) -> float:
    """Gini coefficient of non-negative amounts: 0 when equal, towards 1 when one takes everything."""
    values = sorted(float(v) for v in amounts)
    count, total = len(values), sum(values)
    if count == 0 or total <= 0:
        return 0.0
    weighted = sum((2 * rank - count - 1) * value for rank, value in enumerate(values, start=1))
    return weighted / (count * total)


@dataclass
class Comparison:
    runs: pd.DataFrame
    plans: pd.DataFrame
    lines: pd.DataFrame
    regions: pd.DataFrame
    targets: pd.DataFrame
    cost_per_outcome: pd.DataFrame
    explanations: pd.DataFrame
    #: What the committee should know (different data, different region levels), as catalogue phrases.
    notices: list[Phrase] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """The notices in English, as the command line and the JSON document give them."""
        return [render(notice, "en") for notice in self.notices]

    def as_dict(self) -> dict[str, Any]:
        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]

        return {"runs": records(self.runs), "plans": records(self.plans), "lines": records(self.lines),
                "regions": records(self.regions), "targets": records(self.targets),
                "cost_per_outcome": records(self.cost_per_outcome), "warnings": self.warnings}


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _region_rows(run: StoredRun) -> list[dict[str, Any]]:
    amounts: dict[str, list[int]] = {}
    for plan in run.result.get("funded_plans", []):
        region = plan.get("region_code") or plan.get("region") or "(none)"
        amounts.setdefault(region, []).append(int(plan["total_vnd"]))
    return [{"region_code": region, "run_id": run.id, "amount_vnd": sum(values), "plans": len(values)}
            for region, values in sorted(amounts.items())]


def _spread(run: StoredRun, regions: list[dict[str, Any]]) -> tuple[int, float, float | None]:
    """Regions funded, Gini over the regions with an eligible plan (funded or not), largest region share."""
    funded = {row["region_code"]: row["amount_vnd"] for row in regions}
    with_plans = [row["region"] for row in run.result.get("regions", [])
                  if row.get("region") is not None and row.get("eligible_plans", 0) > 0]
    names = sorted(set(with_plans) | set(funded))
    total = sum(funded.values())
    largest = max(funded.values()) / total if total else None
    return sum(1 for v in funded.values() if v > 0), gini([funded.get(n, 0) for n in names]), largest


def compare_runs(runs: Sequence[StoredRun]) -> Comparison:
    """Compare 2 to 5 stored runs (in the order given).

    Raises
    ------
    CompareRefused
        For fewer than 2 or more than 5 runs, or a run given twice.
    """
    ids = [run.id for run in runs]
    if not MIN_RUNS <= len(runs) <= MAX_RUNS:
        raise CompareRefused("error.compare.run_count", least=MIN_RUNS, most=MAX_RUNS, given=len(runs))
    if len(set(ids)) != len(ids):
        raise CompareRefused("error.compare.run_twice", runs=Joined(tuple(str(i) for i in ids)))
    run_rows, plan_rows, line_rows, region_rows, target_rows, cost_rows, explanation_rows = [], [], [], [], [], [], []
    funded_in: dict[str, dict[str, Any]] = {}
    for run in runs:
        result = run.result
        funded = result.get("funded_plans", [])
        funded_vnd = sum(int(p["total_vnd"]) for p in funded)
        regions = _region_rows(run)
        region_rows += regions
        regions_funded, spread, largest = _spread(run, regions)
        targets = result.get("targets", {})
        benefit, penalty = objective_parts(run.objective, result.get("total_benefit"))
        soft = run.scenario.get("target_mode", "soft") == "soft"
        run_rows.append({
            "run_id": run.id, "scenario": run.scenario_name,
            "scenario_vi": run.scenario.get("name_vi") or run.scenario_name,  # what a Vietnamese reader sees
            "status": run.status, "objective": run.objective,
            "expected_benefit": benefit, "shortfall_penalty": penalty,
            "penalty_per_unit": run.scenario.get("shortfall_penalty") if soft else None,
            "target_mode": "soft" if soft else "hard",
            "total_benefit": result.get("total_benefit"), "funded_plans": len(funded), "funded_vnd": funded_vnd,
            "targets_met": sum(1 for t in targets.values() if t.get("met")), "targets": len(targets),
            "regions_funded": regions_funded, "gini": round(spread, 6),
            "largest_region_share": None if largest is None else round(largest, 6),
            "region_level": run.scenario.get("region_level"), "dataset_fingerprint": run.dataset_fingerprint,
            "created_at": run.created_at.isoformat(timespec="seconds"), "created_by": run.created_by,
        })
        for plan in funded:
            entry = funded_in.setdefault(plan["plan_code"], {"plan_code": plan["plan_code"], "funded_in": [],
                                                             "amount_vnd": int(plan["total_vnd"]),
                                                             "product_code": plan.get("product_code"),
                                                             "region_code": plan.get("region_code")})
            entry["funded_in"].append(run.id)
        for line, values in result.get("budget", {}).items():
            line_rows.append({"line": line, "name": values.get("name"), "run_id": run.id,
                              "available": values.get("available"), "used": values.get("used")})
        for name, values in targets.items():
            bounds = values.get("target", {})
            target_rows.append({"target": name, "run_id": run.id, "achieved": values.get("achieved"),
                                "min": bounds.get("min"), "max": bounds.get("max"), "met": values.get("met")})
        for outcome, amount in result.get("outcomes", {}).items():
            cost_rows.append({"outcome": outcome, "run_id": run.id, "units": amount,
                              "vnd_per_unit": round(funded_vnd / amount) if amount and amount > 0 else None})
        for decision in result.get("decisions", []):
            explanation_rows.append({"plan_code": decision["plan_code"], "run_id": run.id,
                                     "funded": decision["funded"], "reason": decision["reason"],
                                     "explanation": decision["explanation"],
                                     # Runs stored before the Vietnamese sentences existed keep their English one.
                                     "explanation_vi": decision.get("explanation_vi") or decision["explanation"]})
    plan_rows = [funded_in[code] for code in sorted(funded_in)]
    return Comparison(
        runs=pd.DataFrame(run_rows), plans=pd.DataFrame(plan_rows, columns=[
            "plan_code", "funded_in", "amount_vnd", "product_code", "region_code"]),
        lines=pd.DataFrame(line_rows, columns=["line", "name", "run_id", "available", "used"]),
        regions=pd.DataFrame(region_rows, columns=["region_code", "run_id", "amount_vnd", "plans"]),
        targets=pd.DataFrame(target_rows, columns=["target", "run_id", "achieved", "min", "max", "met"]),
        cost_per_outcome=pd.DataFrame(cost_rows, columns=["outcome", "run_id", "units", "vnd_per_unit"]),
        explanations=pd.DataFrame(explanation_rows, columns=["plan_code", "run_id", "funded", "reason",
                                                             "explanation", "explanation_vi"]),
        notices=_notices(runs),
    )


def _notices(runs: Sequence[StoredRun]) -> list[Phrase]:
    found = []
    by_data: dict[str, list[int | None]] = {}
    for run in runs:
        by_data.setdefault(run.dataset_fingerprint, []).append(run.id)
    if len(by_data) > 1:
        parts = Joined(tuple(Phrase("phrase.runs_on_data", {"fingerprint": fingerprint[:12],
                                                            "runs": Joined(tuple(ids))})
                             for fingerprint, ids in by_data.items()), "; ")
        found.append(Phrase("phrase.other_data", {"parts": parts}))
    levels = {run.scenario.get("region_level") for run in runs}
    if len(levels) > 1:
        found.append(Phrase("phrase.other_levels", {"levels": Joined(tuple(
            Term("stage", str(level)) for level in sorted(levels, key=str)))}))
    return found
