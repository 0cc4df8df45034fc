"""Sweeps: many independent solves of one question, on a local process pool or an existing Dask cluster.

:func:`run_tasks` maps one module-level function over tasks, with a shared payload (the dataset and the
scenario) sent to each worker once. The same tasks give the same results wherever they run: every task is
deterministic (seeds are derived from the sweep's seed and the task's position, never from the worker), and the
results come back in task order. There is no scheduler of our own: the process pool or Dask's.

- :func:`frontier`: the scenario re-optimised at each budget scale (a full, checked solve per point), with every
  target's attainment and the first scale at which each target is met.
- :func:`sensitivity`: the weights perturbed within ±r (uniformly, independently per weight) in each sample; the
  plans funded in every sample form the robust *core*, those funded in some are *borderline* with the share of
  samples (Robust Portfolio Modeling's core index), the rest are *exterior*.

Examples
--------
>>> budget_scales(0.5, 1.5, 3)
[0.5, 1.0, 1.5]
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from chainplan.allocation import allocate
from chainplan.dataset import Dataset
from chainplan.errors import ChainplanError, exact_number
from chainplan.risk import MAX_SEED
from chainplan.scenario import Scenario

__all__ = [
    "Frontier",
    "Sensitivity",
    "SweepRefused",
    "budget_scales",
    "frontier",
    "run_tasks",
    "sensitivity",
]

Task = TypeVar("Task")
Result = TypeVar("Result")
Payload = tuple[Dataset, Scenario]
Progress = Callable[[int, int], None]


class SweepRefused(ChainplanError, ValueError):
    """A sweep that cannot run as asked (bad range, no samples, unreachable cluster); the message says why."""


_PAYLOAD: Any = None


def _install(payload: Any) -> None:
    global _PAYLOAD
    _PAYLOAD = payload


def _call(job: tuple[Callable[[Any, Any], Any], Any]) -> Any:
    function, task = job
    return function(_PAYLOAD, task)


def run_tasks(
    function: Callable[[Any, Task], Result],
    payload: Any,
    tasks: Sequence[Task],
    *,
    workers: int | None = None,
    dask: str | None = None,
    progress: Progress | None = None,
) -> list[Result]:
    """``[function(payload, task) for task in tasks]``, on ``workers`` local processes or a Dask cluster.

    ``workers=1`` runs in this process. ``dask`` is a scheduler address (``tcp://HOST:PORT``) of a cluster that
    already runs; the payload is scattered to its workers once.
    """
    total = len(tasks)
    if dask:
        return _run_on_dask(function, payload, tasks, dask, progress)
    count = max(1, min(workers or os.cpu_count() or 1, total))
    if count == 1:
        results = []
        for done, task in enumerate(tasks, start=1):
            results.append(function(payload, task))
            if progress:
                progress(done, total)
        return results
    with ProcessPoolExecutor(max_workers=count, initializer=_install, initargs=(payload,)) as pool:
        results = []
        for done, result in enumerate(pool.map(_call, [(function, task) for task in tasks]), start=1):
            results.append(result)
            if progress:
                progress(done, total)
        return results


def _run_on_dask(function: Callable[[Any, Task], Result], payload: Any, tasks: Sequence[Task], address: str,
                 progress: Progress | None) -> list[Result]:
    from distributed import Client, as_completed

    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SweepRefused("error.sweep.dask", address=address, detail=str(exc)) from None
    try:
        shared = client.scatter(payload, broadcast=True)
        futures = client.map(function, [shared] * len(tasks), list(tasks), pure=False)
        if progress:
            for done, _future in enumerate(as_completed(futures), start=1):
                progress(done, len(tasks))
        return list(client.gather(futures))
    finally:
        client.close()


def budget_scales(start: float, stop: float, steps: int) -> list[float]:
    """``steps`` scales from ``start`` to ``stop`` inclusive, rounded to 6 decimals so that runs repeat exactly."""
    if steps < 1:
        raise SweepRefused("error.sweep.steps")
    if not (math.isfinite(start) and math.isfinite(stop) and 0 <= start <= stop):
        raise SweepRefused("error.sweep.range", start=exact_number(start), stop=exact_number(stop))
    if steps == 1:
        return [round(start, 6)]
    return [round(start + (stop - start) * i / (steps - 1), 6) for i in range(steps)]


def _frontier_point(payload: Payload, scale: float) -> dict[str, Any]:
    dataset, scenario = payload
    result = allocate(dataset, scenario.model_copy(update={"budget_scale": scale}), compare_baselines=False)
    return {
        "budget_scale": scale, "budget_vnd": int(result.budget["available"].sum()), "status": result.status,
        "objective": None if result.objective is None else round(result.objective, 6),
        "total_benefit": round(result.total_benefit, 6), "funded_plans": len(result.funded),
        "funded_vnd": int(result.funded["total_vnd"].sum()) if len(result.funded) else 0,
        "targets": {row["target"]: row["achieved"] for row in result.targets.to_dict("records")},
        "targets_met": {row["target"]: bool(row["met"]) for row in result.targets.to_dict("records")},
    }


@dataclass
class Frontier:
    points: list[dict[str, Any]]
    #: Per target, the first budget scale at which it is met (``None`` when no point meets it).
    reachable_at: dict[str, float | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"points": self.points, "reachable_at": self.reachable_at}

    def frame(self) -> pd.DataFrame:
        rows = [{k: v for k, v in p.items() if k not in ("targets", "targets_met")} | p["targets"]
                for p in self.points]
        return pd.DataFrame(rows)


def frontier(dataset: Dataset, scenario: Scenario, scales: Sequence[float], *, workers: int | None = None,
             dask: str | None = None, progress: Progress | None = None) -> Frontier:
    """Re-optimise ``scenario`` at each budget scale (its own ``budget_scale`` replaced).

    Examples
    --------
    >>> from chainplan.demo import build_demo_dataset
    >>> points = frontier(build_demo_dataset(), Scenario(name="demo"), [0.5, 1.0], workers=1).points
    >>> points[0]["budget_vnd"] < points[1]["budget_vnd"], points[0]["objective"] <= points[1]["objective"]
    (True, True)
    """
    points = run_tasks(_frontier_point, (dataset, scenario), list(scales), workers=workers, dask=dask,
                       progress=progress)
    reachable: dict[str, float | None] = {name: None for name, _bound in scenario.targets.items()}
    for point in points:
        for name, met in point["targets_met"].items():
            if met and reachable.get(name) is None:
                reachable[name] = point["budget_scale"]
    return Frontier(points, reachable)


def _perturbed(scenario: Scenario, spread: float, seed: int, sample: int) -> Scenario:
    # One stream per (sweep seed, sample): the same sample draws the same weights on any worker.
    rng = np.random.default_rng(np.random.SeedSequence([seed, sample]))
    weights = scenario.weights.model_dump()
    factors = rng.uniform(1 - spread, 1 + spread, size=len(weights))
    changed = {name: value * float(f) for (name, value), f in zip(weights.items(), factors, strict=True)}
    return scenario.model_copy(update={"weights": scenario.weights.model_copy(update=changed)})


def _sensitivity_sample(payload: tuple[Dataset, Scenario, float, int], sample: int) -> list[str]:
    dataset, scenario, spread, seed = payload
    result = allocate(dataset, _perturbed(scenario, spread, seed, sample), compare_baselines=False)
    return sorted(result.funded_codes)


@dataclass
class Sensitivity:
    samples: int
    weights_range: float
    seed: int
    #: Per eligible plan: share of samples in which it is funded (its core index).
    core_index: pd.Series

    @property
    def core(self) -> list[str]:
        return sorted(self.core_index.index[self.core_index == 1.0])

    @property
    def borderline(self) -> dict[str, float]:
        mask = (self.core_index > 0) & (self.core_index < 1)
        return {code: float(v) for code, v in self.core_index[mask].sort_values(ascending=False).items()}

    @property
    def exterior(self) -> list[str]:
        return sorted(self.core_index.index[self.core_index == 0.0])

    def as_dict(self) -> dict[str, Any]:
        return {"samples": self.samples, "weights_range": self.weights_range, "seed": self.seed,
                "core": self.core, "borderline": self.borderline, "exterior": self.exterior}


def sensitivity(dataset: Dataset, scenario: Scenario, *, weights_range: float = 0.2, samples: int = 50,
                seed: int = 0, workers: int | None = None, dask: str | None = None,
                progress: Progress | None = None) -> Sensitivity:
    """Perturb every weight within ±``weights_range`` in each of ``samples`` solves; classify the plans."""
    if samples < 1:
        raise SweepRefused("error.sweep.samples")
    if not 0 <= seed <= MAX_SEED:
        raise SweepRefused("error.risk.seed", most=MAX_SEED)
    if not 0 <= weights_range < 1:
        raise SweepRefused("error.sweep.weights_range", range=exact_number(weights_range))
    funded = run_tasks(_sensitivity_sample, (dataset, scenario, weights_range, seed), list(range(samples)),
                       workers=workers, dask=dask, progress=progress)
    from chainplan.allocation import prepare

    eligible = prepare(dataset, scenario).eligible.index
    counts = pd.Series(0, index=eligible, dtype=float)
    for codes in funded:
        counts[codes] += 1
    return Sensitivity(samples, weights_range, seed, (counts / samples).round(6))
