"""Benchmark: a generated national-scale allocation, the whole command against a bare HiGHS solve. Prints JSON.

The instance: about 20,000 plans, 34 provinces (post-2025: province > commune), two national lines and one line
per province, a cap of plans per province, one plan per product, a minimum grant. ``--rules all`` adds regional
shares and four soft targets.

What is measured, in one run:

- ``import_s``: ``chainplan import`` of the generated dataset (a CSV folder) into a fresh SQLite file;
- per repeat, one after the other so both see the same machine:

  - ``bare_s``: ``Highs.run`` on the same MILP built independently of chainplan's allocation code, from the
    dataset's sheets straight into highspy (``benchmarks/bare_highs.py``);
  - ``command_s``: the whole ``chainplan allocate SCENARIO --format json`` in a fresh process (start-up, load
    from the database, fingerprint, prepare, build, solve, exact check, baselines, explanations, storing the
    run, printing the JSON), as a user runs it; ``command_solve_s`` is the solve inside it (PuLP handing the
    model to HiGHS included);
  - ``ratio``: ``command_s / bare_s``; ``overhead_s``: ``command_s − bare_s``;

  - ``standby_s``: the same command with a ``chainplan standby`` running for the database: the command starts
    with the standard library only and hands itself to the standby, which runs it in a forked copy of a process
    whose imports are done and whose read cache holds the loaded data (``models/standby.py``); the output is
    the command's own; ``standby_ratio`` and ``standby_overhead_s`` as above;

  - ``resident_s``: the same run (``chainplan.services.run_allocation``: load, prepare, build, solve, check,
    baselines, explanations, the document, storing the run) in a process that stays up between runs, as the web
    server's workers do: its imports are paid once and its read cache holds the loaded data while no write
    changed it, so from the second run on it carries only what every run must do; ``resident_ratio`` and
    ``resident_overhead_s`` as above (the first, cold run is reported apart as ``resident_first_s``);

- the medians over the repeats (the machine is shared: single runs vary by a second or more);
- ``same_model``: the command's funded set, valued and checked by the independent model, has the command's
  objective and breaks no rule, and the bare solve funded the same plans (same model, same path).

Usage: python benchmarks/allocation_national.py [--rules caps|all] [--mip-gap 0.01] [--time-limit 120]
[--repeats 5]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bare_highs import build_bare_model  # noqa: E402
from benchmarks.generators import national_dataset  # noqa: E402
from chainplan.io import write_dataset  # noqa: E402


def scenario_document(rules: str, mip_gap: float, time_limit: float, solver: str) -> dict[str, object]:
    document: dict[str, object] = {
        "name": f"national-{rules}", "required_appraisals": ["province"], "region_level": "province",
        "min_grant_vnd": 100_000_000, "max_plans_per_region": 400, "one_plan_per_product": True,
        "time_limit_s": time_limit, "mip_gap": mip_gap, "solver": solver,
    }
    if rules == "all":
        document |= {"min_region_share": 0.01, "max_region_share": 0.06,
                     "targets": {"new_products": {"min": 2000}, "supermarket_entries": {"min": 3000},
                                 "rated_3_to_5_stars": {"min": 1000, "max": 4000}, "e_stamp_share": {"min": 0.7}}}
    return document


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """HiGHS prints its banner from C++ on standard output: keep it out of the JSON."""
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def resident(url: str, scenario_path: str) -> None:
    """The process that stays up: one run per line read on standard input, one JSON line written per run.

    With the cyclic collector's thresholds of a served worker: ``chainplan serve`` and ``chainplan worker`` set
    :data:`chainplan.cli.COMMAND_GC_THRESHOLDS` in the process whose forks are the gunicorn and Celery workers.
    """
    import gc

    from chainplan.cli import COMMAND_GC_THRESHOLDS
    from chainplan.services import run_allocation
    from models.uow import SqlAlchemyUnitOfWork

    gc.set_threshold(*COMMAND_GC_THRESHOLDS)
    uow = SqlAlchemyUnitOfWork(url)
    for _ in sys.stdin:
        started = time.perf_counter()
        with _quiet():
            run = run_allocation(uow, scenario_path)
        took = time.perf_counter() - started
        result = run.document
        print(json.dumps({"s": took, "solve_s": result["solve_time_s"], "objective": result["objective"],
                          "funded": [plan["plan_code"] for plan in result["funded_plans"]]}), flush=True)


class Resident:
    """The process that stays up, as the web server's worker: started once, asked for one run at a time."""

    def __init__(self, url: str, scenario_path: Path) -> None:
        self.process = subprocess.Popen([sys.executable, __file__, "--resident", url, str(scenario_path)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)

    def run(self) -> dict[str, object]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the resident process ended")
        answer: dict[str, object] = json.loads(line)
        return answer

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--resident":
        resident(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", type=int, default=20_000)
    parser.add_argument("--rules", choices=["all", "caps"], default="caps")
    parser.add_argument("--mip-gap", type=float, default=0.01, help="0 asks for a proof of optimality")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    figures: dict[str, object] = {"benchmark": "allocation_national", "rules": options.rules,
                                  "mip_gap": options.mip_gap, "time_limit_s": options.time_limit,
                                  "solver": "highs", "repeats": options.repeats}
    dataset = national_dataset(plans=options.plans, trade_promotion_line=False)
    document = scenario_document(options.rules, options.mip_gap, options.time_limit, "highs")
    bare_model = build_bare_model(dataset, document)
    figures |= {"plans": len(dataset.plans), "eligible_plans": int(bare_model.plans["eligible"].sum()),
                "budget_lines": len(dataset.budget_lines),
                "model_size": {"variables": len(bare_model.columns), "constraints": len(bare_model.row_index)}}
    runs: list[dict[str, object]] = []
    # An installed package carries its bytecode; a working copy run with PYTHONDONTWRITEBYTECODE would compile
    # chainplan at every start, a cost no user pays.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "chainplan"), str(ROOT / "models")],
                   check=True)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/national.db"
        write_dataset(dataset, Path(folder) / "data")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "models.cli", "--db", url, "import", f"{folder}/data"], check=True,
                       capture_output=True)
        figures["import_s"] = round(time.perf_counter() - started, 2)
        scenario_path = Path(folder) / "national.yaml"
        scenario_path.write_text(yaml.safe_dump(document), encoding="utf-8")
        socket_folder = tempfile.mkdtemp(prefix="standby-", dir=folder)
        os.chmod(socket_folder, 0o700)
        standby_environment = {**os.environ, "CHAINPLAN_STANDBY_SOCKET": f"{socket_folder}/standby.sock"}
        fresh_environment = {**os.environ, "CHAINPLAN_STANDBY": "0"}
        standby = subprocess.Popen([sys.executable, "-m", "models.cli", "--db", url, "standby"], cwd=ROOT,
                                   env=standby_environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True)
        assert standby.stderr is not None
        if "ready" not in standby.stderr.readline():
            raise RuntimeError("the standby did not start")
        try:
            server = Resident(url, scenario_path)
            first = server.run()
            figures["resident_first_s"] = round(float(first["s"]), 2)  # type: ignore[arg-type]
            for _ in range(options.repeats):
                with _quiet():
                    bare = bare_model.solve(mip_gap=options.mip_gap, time_limit_s=options.time_limit)
                started = time.perf_counter()
                command = [sys.executable, "-m", "models.cli", "--db", url, "allocate", str(scenario_path), "--format",
                           "json"]
                completed = subprocess.run(command, capture_output=True, text=True, env=fresh_environment)
                command_s = time.perf_counter() - started
                result = json.loads(completed.stdout)
                funded = [plan["plan_code"] for plan in result["funded_plans"]]
                valued = bare_model.objective_of(funded)
                started = time.perf_counter()
                handed = subprocess.run(command, capture_output=True, text=True, env=standby_environment)
                standby_s = time.perf_counter() - started
                handed_result = json.loads(handed.stdout)
                resident_run = server.run()
                resident_s = float(resident_run["s"])  # type: ignore[arg-type]
                runs.append({
                    "resident_s": round(resident_s, 2), "resident_ratio": round(resident_s / bare.run_s, 2),
                    "resident_solve_s": round(float(resident_run["solve_s"]), 2),  # type: ignore[arg-type]
                    "resident_overhead_s": round(resident_s - bare.run_s, 2),
                    "resident_same_answer": (resident_run["objective"] == result["objective"]
                                             and resident_run["funded"] == funded),
                    "standby_s": round(standby_s, 2), "standby_ratio": round(standby_s / bare.run_s, 2),
                    "standby_overhead_s": round(standby_s - bare.run_s, 2),
                    "standby_same_answer": (handed.returncode == completed.returncode
                                            and handed_result["objective"] == result["objective"]
                                            and [p["plan_code"] for p in handed_result["funded_plans"]] == funded),
                    "bare_s": round(bare.run_s, 2), "command_s": round(command_s, 2),
                    "command_solve_s": round(result["solve_time_s"], 2), "ratio": round(command_s / bare.run_s, 2),
                    "overhead_s": round(command_s - bare.run_s, 2), "exit_code": completed.returncode,
                    "status": result["status"], "objective": result["objective"], "bare_objective": bare.objective,
                    "bare_gap": bare.gap,
                    "same_model": (abs(valued - result["objective"]) <= 1e-6 * max(1.0, abs(valued))
                                   and not bare_model.breaches(funded) and sorted(funded) == sorted(bare.funded)),
                    "funded_plans": len(funded), "repairs": len(result["repairs"]),
                })
            server.close()
        finally:
            standby.send_signal(signal.SIGINT)
            standby.wait(timeout=60)
        figures["standby_commands"] = sum(": ran " in line for line in standby.stderr.read().splitlines())
    figures["runs"] = runs
    figures["median"] = {key: round(statistics.median(float(run[key]) for run in runs), 2)  # type: ignore[arg-type]
                         for key in ("bare_s", "command_s", "command_solve_s", "ratio", "overhead_s", "standby_s",
                                     "standby_ratio", "standby_overhead_s", "resident_s", "resident_ratio",
                                     "resident_overhead_s")}
    figures["same_model"] = all(run["same_model"] and run["resident_same_answer"] and run["standby_same_answer"]
                                for run in runs)
    figures["targets"] = {"ratio": 2.0, "import_s": 60}
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
