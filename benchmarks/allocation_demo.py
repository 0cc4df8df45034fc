"""Benchmark: the demo scenario end to end (load from the database, prepare, build, solve, explain, store).

Target (issue 4): under 2 s. Prints JSON.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chainplan import services
from chainplan.allocation import build_model, prepare, solve_model
from models.uow import SqlAlchemyUnitOfWork

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "baseline-2020.yaml"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        services.load_demo(SqlAlchemyUnitOfWork(url))
        figures: dict[str, object] = {"benchmark": "allocation_demo", "scenario": SCENARIO.name}
        for label, marginal in (("end_to_end_s", True), ("end_to_end_without_value_of_money_s", False)):
            started = time.perf_counter()
            run = services.run_allocation(SqlAlchemyUnitOfWork(url), SCENARIO, marginal_values=marginal)
            figures[label] = round(time.perf_counter() - started, 3)
        figures["status"] = run.result.status
        figures["funded_plans"] = len(run.result.funded)
        dataset = services.load_dataset(SqlAlchemyUnitOfWork(url))
        from chainplan.scenario import load_scenario

        inp = prepare(dataset, load_scenario(SCENARIO))
        for solver in ("highs", "cbc"):
            model = build_model(inp)
            outcome = solve_model(model, solver)
            figures[f"{solver}_build_s"] = round(model.build_time_s, 4)
            figures[f"{solver}_solve_s"] = round(outcome.solve_time_s, 4)
            figures[f"{solver}_objective"] = outcome.objective
        figures["target_s"] = 2.0
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
