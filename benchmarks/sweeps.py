"""Benchmark: the 21-point demo frontier and a 10,000-draw Monte Carlo, on 1 local worker, 2 local workers and a
Dask cluster of 2 workers (started here, as an existing cluster would be), side by side. Prints JSON.

Target (issue 8): the frontier under 10 s with 2 workers. The results must be identical on all three.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chainplan import services  # noqa: E402
from chainplan.demo import build_demo_dataset  # noqa: E402
from chainplan.scenario import load_scenario  # noqa: E402
from chainplan.sweep import budget_scales, frontier  # noqa: E402
from models.uow import SqlAlchemyUnitOfWork  # noqa: E402

SCENARIO = ROOT / "scenarios" / "baseline-2020.yaml"


def main() -> None:
    from distributed import LocalCluster

    dataset, scenario = build_demo_dataset(), load_scenario(SCENARIO)
    scales = budget_scales(0.5, 1.5, 21)
    folder = tempfile.mkdtemp(prefix="chainplan-bench-")
    uow = SqlAlchemyUnitOfWork(f"sqlite:///{folder}/sweeps.db")
    services.load_demo(uow)
    run_id = services.run_allocation(uow, scenario).run_id
    assert run_id is not None
    figures: dict[str, object] = {"benchmark": "sweeps", "frontier_points": len(scales), "draws": 10_000,
                                  "targets": {"frontier_2_workers_s": 10}}
    results: dict[str, object] = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        for label, options in (("local_1", {"workers": 1}), ("local_2", {"workers": 2}),
                               ("dask_2", {"dask": cluster.scheduler_address})):
            started = time.perf_counter()
            points = frontier(dataset, scenario, scales, **options).as_dict()  # type: ignore[arg-type]
            figures[f"frontier_{label}_s"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            risk = services.run_risk(uow, run_id, draws=10_000, seed=1, **options)  # type: ignore[arg-type]
            figures[f"monte_carlo_{label}_s"] = round(time.perf_counter() - started, 2)
            results[label] = (points, risk)
    figures["identical_results"] = results["local_1"] == results["local_2"] == results["dask_2"]
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
