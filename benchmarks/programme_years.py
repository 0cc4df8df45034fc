"""Benchmark: programme years at scale. One PostgreSQL database holds 10 years x 20,000 plans; importing one more
year and allocating one year are measured against the same operations on a database holding one year. Prints JSON.

The years: the national dataset of ``benchmarks/generators.py`` (20,000 plans, the province's current state: about
16,000 products, 10,000 organizations, their links), its plans, requests, appraisals and budget lines copied per year
with the year in their codes (codes are unique across years). Each year is a CSV folder with every sheet, as a
province would send it.

What is measured (in this process, through the services the command line calls), in two databases side by side:
the one named (``ten_years``) and a sibling created beside it (``<name>_one_year``):

- years 1 to 10 are imported into ``ten_years`` (not timed); then, ``--repeats`` times, back to back so that the
  machine's load is about the same for both: ``one_year`` is emptied and the first year imported into it
  (``import_s``), then the next year is imported into ``ten_years`` (the 11th, then the 12th...: ten years stored or
  more, ``import_s``); then ``allocate`` of that year in each (``allocate_s``: load, the year's slice and
  fingerprint, prepare, solve, check, store);
- medians over the repeats, each repeat's figures, the load average before and after each, and ``ratio``: the
  median of the per-repeat ratios (ten years over one year), for each; the target is at most 1.5.

Usage: CHAINPLAN_BENCH_POSTGRES_URL=postgresql+psycopg://USER@HOST:PORT/DB python benchmarks/programme_years.py
[--plans 20000] [--years 10] [--repeats 3] [--mip-gap 0.01] [--time-limit 120]. Both databases are emptied first
(the sibling is created when it does not exist: the user needs CREATEDB).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.generators import national_dataset  # noqa: E402
from chainplan import services  # noqa: E402
from chainplan.dataset import Dataset  # noqa: E402
from chainplan.io import write_dataset  # noqa: E402
from chainplan.scenario import Scenario  # noqa: E402
from models.uow import SqlAlchemyUnitOfWork, engine_for  # noqa: E402

FIRST_YEAR = 2011


def year_of(base: Dataset, year: int) -> Dataset:
    """``base`` as the workbook of ``year``: plan and line codes carry the year, every plan and line has it."""
    records = base.to_records()
    suffix = f"-{year}"
    lines = {line["code"] for line in records["budget_lines"]}
    for line in records["budget_lines"]:
        line["code"] = f"{line['code']}{suffix}"
        line["year"] = year
    for plan in records["plans"]:
        plan["code"] = f"{plan['code']}{suffix}"
        plan["year"] = year
        if plan["requires_plan"]:
            plan["requires_plan"] = f"{plan['requires_plan']}{suffix}"
        plan["excludes_plans"] = [f"{code}{suffix}" for code in plan["excludes_plans"]]
    for request in records["plan_requests"]:
        request["plan_code"] = f"{request['plan_code']}{suffix}"
        assert request["budget_line_code"] in lines
        request["budget_line_code"] = f"{request['budget_line_code']}{suffix}"
    for appraisal in records["appraisals"]:
        appraisal["plan_code"] = f"{appraisal['plan_code']}{suffix}"
    return Dataset.from_records(records)


def _reset(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    engine_for.cache_clear()


def _sibling(url: str, suffix: str) -> str:
    """The URL of a database beside ``url``'s, named with ``suffix``; created when it does not exist."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    given = make_url(url)
    name = f"{given.database}{suffix}"
    engine = create_engine(given, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


def _timed_import(url: str, folder: Path) -> float:
    started = time.perf_counter()
    services.import_dataset(folder, SqlAlchemyUnitOfWork(url))
    return time.perf_counter() - started


def _timed_allocation(url: str, scenario: Scenario) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    run = services.run_allocation(SqlAlchemyUnitOfWork(url), scenario, by="benchmark")
    elapsed = time.perf_counter() - started
    return elapsed, {"status": run.result.status, "funded_plans": len(run.result.as_dict()["funded_plans"]),
                     "solve_s": round(run.result.solve_time_s, 3)}


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mip-gap", type=float, default=0.01)
    parser.add_argument("--time-limit", type=float, default=120.0)
    options = parser.parse_args()
    url = os.environ.get("CHAINPLAN_BENCH_POSTGRES_URL")
    if not url:
        sys.exit("set CHAINPLAN_BENCH_POSTGRES_URL to a PostgreSQL database that may be emptied")
    one_url = _sibling(url, "_one_year")
    base = national_dataset(plans=options.plans, trade_promotion_line=False)

    def scenario(year: int) -> Scenario:
        return Scenario(name=f"national-{year}", year=year, required_appraisals=["province"],
                        max_plans_per_region=400, min_grant_vnd=100_000_000, region_level="province",
                        mip_gap=options.mip_gap, time_limit_s=options.time_limit)

    first_new = FIRST_YEAR + options.years  # the first year imported on top of ``years`` stored ones
    repeats = []
    with tempfile.TemporaryDirectory() as scratch:
        folders = {}
        for year in range(FIRST_YEAR, first_new + options.repeats):
            folders[year] = write_dataset(year_of(base, year), Path(scratch) / str(year))
        _reset(url)
        for year in range(FIRST_YEAR, first_new):
            _timed_import(url, folders[year])
        for repeat in range(options.repeats):
            year = first_new + repeat
            load_before = _load()
            _reset(one_url)
            one_import = _timed_import(one_url, folders[FIRST_YEAR])
            more_import = _timed_import(url, folders[year])
            one_allocation, one_run = _timed_allocation(one_url, scenario(FIRST_YEAR))
            more_allocation, more_run = _timed_allocation(url, scenario(year))
            repeats.append({
                "years_stored_before_import": options.years + repeat, "load_average_before": load_before,
                "load_average_after": _load(),
                "one_year": {"import_s": round(one_import, 2), "allocate_s": round(one_allocation, 2), **one_run},
                "ten_years": {"import_s": round(more_import, 2), "allocate_s": round(more_allocation, 2),
                              **more_run},
                "ratio": {"import": round(more_import / one_import, 2),
                          "allocate": round(more_allocation / one_allocation, 2)}})
            print(json.dumps(repeats[-1]), file=sys.stderr, flush=True)
    stored = services.years_overview(SqlAlchemyUnitOfWork(url))

    def median(part: str, key: str) -> float:
        return round(statistics.median(r[part][key] for r in repeats), 2)

    print(json.dumps({
        "plans_per_year": options.plans, "years_stored_before_the_first_timed_import": options.years,
        "years_after": len(stored), "plans_after": sum(row["plans"] for row in stored), "repeats": repeats,
        "median": {"one_year": {"import_s": median("one_year", "import_s"),
                                "allocate_s": median("one_year", "allocate_s")},
                   "ten_years": {"import_s": median("ten_years", "import_s"),
                                 "allocate_s": median("ten_years", "allocate_s")},
                   "ratio": {"import": median("ratio", "import"), "allocate": median("ratio", "allocate")}},
        "target_ratio": 1.5,
    }, indent=2))


if __name__ == "__main__":
    main()
