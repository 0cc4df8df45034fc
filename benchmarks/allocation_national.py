"""Benchmark: a generated national-scale allocation (about 20,000 plans, 34 provinces, 3 national lines plus one
line per province, every rule on) with HiGHS and CBC. Prints JSON.

Targets (issue 4): model building under 2 s; proven optimal in under 15 s; the gap each solver reaches in 60 s.
Usage: python benchmarks/allocation_national.py [--time-limit 60] [--plans 20000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generators import national_dataset
from chainplan.allocation import build_model, prepare, solve_model
from chainplan.scenario import Scenario


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--plans", type=int, default=20_000)
    parser.add_argument("--solvers", default="highs,cbc")
    parser.add_argument("--mip-gaps", default="0,0.0001", help="relative gaps to try (0 = prove optimality)")
    parser.add_argument("--rules", choices=["all", "caps"], default="all",
                        help="all: caps, shares, targets; caps: budget lines, caps, one plan per product")
    options = parser.parse_args()
    started = time.perf_counter()
    dataset = national_dataset(plans=options.plans)
    generated = time.perf_counter() - started
    rules: dict[str, object] = {
        "name": "national", "required_appraisals": ["province"], "region_level": "province",
        "min_grant_vnd": 100_000_000, "max_plans_per_region": 400, "one_plan_per_product": True,
        "time_limit_s": options.time_limit,
    }
    if options.rules == "all":
        rules |= {"min_region_share": 0.01, "max_region_share": 0.06,
                  "targets": {"new_products": {"min": 2000}, "supermarket_entries": {"min": 3000},
                              "rated_3_to_5_stars": {"min": 1000, "max": 4000}, "e_stamp_share": {"min": 0.7}}}
    scenario = Scenario.model_validate(rules)
    started = time.perf_counter()
    inp = prepare(dataset, scenario)
    prepared = time.perf_counter() - started
    figures: dict[str, object] = {
        "benchmark": "allocation_national", "plans": len(dataset.plans),
        "eligible_plans": int(inp.plans["eligible"].sum()),
        "budget_lines": len(dataset.budget_lines), "provinces": 34, "generate_s": round(generated, 2),
        "prepare_s": round(prepared, 2), "time_limit_s": options.time_limit, "rules": options.rules,
        "runs": [],
    }
    runs: list[dict[str, object]] = []
    for solver in options.solvers.split(","):
        for gap in (float(g) for g in options.mip_gaps.split(",")):
            model = build_model(inp)
            figures["model_size"] = model.size
            outcome = solve_model(model, solver, time_limit_s=options.time_limit, mip_gap=gap)
            runs.append({"solver": solver, "mip_gap": gap, "build_s": round(model.build_time_s, 3),
                         "status": outcome.status, "solve_s": round(outcome.solve_time_s, 2),
                         "objective": outcome.objective, "gap_reached": outcome.gap})
    figures["runs"] = runs
    figures["targets"] = {"build_s": 2, "proven_optimal_s": 15}
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
