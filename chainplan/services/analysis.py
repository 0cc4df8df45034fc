"""Use cases that analyse stored runs or scenarios: compare, budget frontier, weight sensitivity, risk."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from chainplan.compare import CompareRefused, Comparison, compare_runs
from chainplan.compareview import ComparisonView
from chainplan.compareview import comparison_view as _comparison_view
from chainplan.decisions import UnknownRun
from chainplan.io.pack import LANGUAGES, write_pack_report, write_pack_workbook
from chainplan.io.workbook import replacing
from chainplan.names import NameBook, name_book
from chainplan.ports import UnitOfWork
from chainplan.risk import RiskRefused, simulate, target_bounds
from chainplan.runview import names_of
from chainplan.scenario import Scenario, load_scenario
from chainplan.services._cache import remembered
from chainplan.services._common import check_writable
from chainplan.services.data import load_dataset, stored_dataset
from chainplan.services.programme import prepare_scenario
from chainplan.services.runs import stored_run
from chainplan.sweep import Frontier, Progress, Sensitivity, budget_scales, frontier, run_tasks, sensitivity
from chainplan.wording import Joined

__all__ = [
    "budget_frontier",
    "compare",
    "comparison_view",
    "run_risk",
    "weight_sensitivity",
]


def compare(
    uow: UnitOfWork,
    run_ids: list[int],
    *,
    out: str | os.PathLike[str] | None = None,
    report: str | os.PathLike[str] | None = None,
    lang: str = "vi",
) -> Comparison:
    """Compare 2 to 5 stored runs; optionally write the committee pack workbook and the printable report.

    Raises :class:`~chainplan.compare.CompareRefused`, :class:`~chainplan.decisions.UnknownRun` or
    :class:`OutputNotWritable` before anything is written.
    """
    if lang not in LANGUAGES:
        raise CompareRefused("error.compare.bad_lang", lang=lang, languages=Joined(LANGUAGES))
    if out is not None:
        check_writable(out, suffix=".xlsx")
    if report is not None:
        check_writable(report, suffix=".html")
    with uow:
        runs = []
        for run_id in run_ids:
            run = uow.repository.get_run(run_id)
            if run is None:
                raise UnknownRun(run_id)
            runs.append(run)
        comparison = compare_runs(runs)
        today = dt.date.today()
        # Stored runs never change and the names come from the dataset: a pack is written once per selection of
        # runs, language, day and data generation, and every committee member who asks for it gets the same bytes.
        for target, suffix in ((out, ".xlsx"), (report, ".html")):
            if target is not None:

                def written(suffix: str = suffix) -> bytes:
                    return _written(suffix, comparison, lang, name_book(stored_dataset(uow)), today)

                document = remembered(uow, "dataset", (suffix, tuple(run_ids), lang, today.isoformat()), written)
                with replacing(Path(target)) as temporary:
                    temporary.write_bytes(document)
    return comparison


def _written(suffix: str, comparison: Comparison, lang: str, names: NameBook, today: dt.date) -> bytes:
    """The committee pack's workbook (``.xlsx``) or printable report (``.html``), as bytes."""
    write = write_pack_workbook if suffix == ".xlsx" else write_pack_report
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"pack{suffix}"
        write(comparison, path, lang=lang, names=names, today=today)
        return path.read_bytes()


def comparison_view(uow: UnitOfWork, run_ids: list[int]) -> ComparisonView:
    """2 to 5 stored runs compared, with the names of the data stored now, as tables by item (the compare page).

    Raises as :func:`compare`.
    """
    comparison = compare(uow, run_ids)
    scenario_vi = {run_id: str(stored_run(uow, run_id).scenario.get("name_vi") or "") for run_id in run_ids}
    return _comparison_view(comparison, names_of(load_dataset(uow)), run_ids, scenario_vi)


def budget_frontier(
    uow: UnitOfWork,
    scenario: str | os.PathLike[str] | Scenario,
    *,
    start: float = 0.5,
    stop: float = 1.5,
    steps: int = 21,
    workers: int | None = None,
    dask: str | None = None,
    progress: Progress | None = None,
) -> Frontier:
    """Re-optimise a scenario at each budget scale from ``start`` to ``stop`` (``steps`` points, each a full solve).

    Raises :class:`~chainplan.sweep.SweepRefused` for a bad range or an unreachable Dask scheduler.
    """
    scales = budget_scales(start, stop, steps)
    prepared = prepare_scenario(uow, scenario if isinstance(scenario, Scenario) else load_scenario(scenario))
    return frontier(prepared.dataset, prepared.scenario, scales, workers=workers, dask=dask, progress=progress)


def weight_sensitivity(
    uow: UnitOfWork,
    scenario: str | os.PathLike[str] | Scenario,
    *,
    weights_range: float = 0.2,
    samples: int = 50,
    seed: int = 0,
    workers: int | None = None,
    dask: str | None = None,
    progress: Progress | None = None,
) -> Sensitivity:
    """The robust core: plans funded whatever the weights within ±``weights_range``."""
    prepared = prepare_scenario(uow, scenario if isinstance(scenario, Scenario) else load_scenario(scenario))
    return sensitivity(prepared.dataset, prepared.scenario, weights_range=weights_range, samples=samples, seed=seed,
                       workers=workers, dask=dask, progress=progress)


def run_risk(
    uow: UnitOfWork,
    run_id: int,
    *,
    draws: int,
    seed: int = 0,
    workers: int | None = None,
    dask: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Monte Carlo over the success of a stored run's funded plans (seeded, the same on any number of workers)."""
    if draws < 1:
        raise RiskRefused("error.risk.draws")
    stored = stored_run(uow, run_id)
    plans = stored.result.get("funded_plans", [])
    if any("success_probability" not in plan for plan in plans):
        raise RiskRefused("error.risk.old_run", run=str(run_id))

    def blocks(function: Any, payload: Any, tasks: list[Any]) -> list[Any]:
        return run_tasks(function, payload, tasks, workers=workers, dask=dask, progress=progress)

    base = stored.result.get("stamp_base") or (0.0, 0.0)
    summary = simulate(plans, target_bounds(stored.result), draws=draws, seed=seed,
                       stamp_base=(float(base[0]), float(base[1])), run_blocks=blocks)
    return {"run_id": run_id, "scenario": stored.scenario_name, **summary}

