"""How likely a funding decision is to meet the targets: Monte Carlo over the funded plans' success.

Each funded plan succeeds with its ``success_probability``, independently; a plan that succeeds brings its whole
value and counts toward its targets, one that fails brings nothing. Over ``draws`` draws: P10, P50, P90 and the
mean of every target and of the benefit, and the probability that each target is met (``min ≤ achieved ≤ max``).

Draws are made in blocks of :data:`BLOCK` with one random stream per block, derived from the seed and the
block's position only, so the same seed gives the same figures on one process, many, or a Dask cluster.

Examples
--------
>>> plans = [{"success_probability": 1.0, "value": 2.0, "counts": {"new_product": 1.0}}] * 3
>>> summary = simulate(plans, {"new_products": (3.0, None)}, draws=100, seed=1)
>>> summary["targets"][0]["p10"], summary["targets"][0]["prob_met"], summary["benefit"]["p90"]
(3.0, 1.0, 6.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from chainplan.allocation.data import TARGET_OUTCOMES
from chainplan.errors import ChainplanError

__all__ = ["BLOCK", "MAX_DRAWS", "MAX_SEED", "RiskRefused", "check_seed", "simulate", "simulate_block",
           "target_bounds"]

BLOCK = 1_000
_TOLERANCE = 1e-9


#: Above this a simulation holds gigabytes for no visible gain in precision (P10-P90 move by < 0.1 %).
MAX_DRAWS = 1_000_000
#: Seeds are what numpy's SeedSequence takes and JSON readers keep exactly: 0 to 2^32 - 1.
MAX_SEED = 2**32 - 1


def check_seed(seed: int) -> int:
    """A seed from 0 to :data:`MAX_SEED`; :class:`RiskRefused` otherwise.

    Examples
    --------
    >>> check_seed(0), check_seed(2**32 - 1)
    (0, 4294967295)
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    chainplan.risk.RiskRefused: --seed must be a whole number from 0 to 4,294,967,295
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise RiskRefused("error.risk.seed", most=MAX_SEED)
    return seed


class RiskRefused(ChainplanError, ValueError):
    """The simulation cannot run as asked; the message says why."""


def target_bounds(result: Mapping[str, Any]) -> dict[str, tuple[float | None, float | None]]:
    """The targets of a stored result: name -> (min, max)."""
    return {name: (values["target"].get("min"), values["target"].get("max"))
            for name, values in result.get("targets", {}).items()}


def _arrays(plans: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    counted = [*TARGET_OUTCOMES.values(), "stamp_numerator", "stamp_denominator"]
    return {
        "p": np.array([float(p["success_probability"]) for p in plans], dtype=float),
        "value": np.array([float(p["value"]) for p in plans], dtype=float),
        **{name: np.array([float(p["counts"].get(name, 0.0)) for p in plans], dtype=float) for name in counted},
    }


def simulate_block(payload: tuple[dict[str, np.ndarray], tuple[float, float]], block: tuple[int, int, int]
                   ) -> dict[str, np.ndarray]:
    """One block of draws: ``block`` = (seed, position, draws). Returns per-draw benefit and target values."""
    arrays, (stamped, rated) = payload
    seed, position, draws = block
    rng = np.random.default_rng(np.random.SeedSequence([seed, position]))
    succeeded = rng.random((draws, arrays["p"].size)) < arrays["p"]
    out = {"benefit": succeeded @ arrays["value"]}
    for target, outcome in TARGET_OUTCOMES.items():
        out[target] = succeeded @ arrays[outcome]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["e_stamp_share"] = (stamped + succeeded @ arrays["stamp_numerator"]) / (
            rated + succeeded @ arrays["stamp_denominator"])
    return out


def _summary(values: np.ndarray) -> dict[str, float]:
    defined = values[~np.isnan(values)]
    if defined.size == 0:
        return {"mean": None, "p10": None, "p50": None, "p90": None}  # type: ignore[dict-item]
    p10, p50, p90 = np.percentile(defined, [10, 50, 90])
    return {"mean": round(float(defined.mean()), 6), "p10": round(float(p10), 6), "p50": round(float(p50), 6),
            "p90": round(float(p90), 6)}


def simulate(
    plans: Sequence[Mapping[str, Any]],
    targets: Mapping[str, tuple[float | None, float | None]],
    *,
    draws: int,
    seed: int = 0,
    stamp_base: tuple[float, float] = (0.0, 0.0),
    run_blocks: Any = None,
) -> dict[str, Any]:
    """Simulate ``draws`` outcomes of the funded ``plans``; ``run_blocks(function, payload, blocks)`` may run the
    blocks elsewhere (a process pool, Dask) and must return their results in order."""
    if draws < 1:
        raise RiskRefused("error.risk.draws")
    if draws > MAX_DRAWS:
        raise RiskRefused("error.risk.draws_max", most=MAX_DRAWS)
    check_seed(seed)
    payload = (_arrays(plans), (float(stamp_base[0]), float(stamp_base[1])))
    blocks = [(seed, position, min(BLOCK, draws - start)) for position, start in enumerate(range(0, draws, BLOCK))]
    results = (run_blocks(simulate_block, payload, blocks) if run_blocks is not None
               else [simulate_block(payload, block) for block in blocks])
    joined = {key: np.concatenate([r[key] for r in results]) for key in results[0]}
    rows = []
    for name, (low, high) in targets.items():
        values = joined[name]
        undefined = np.isnan(values)  # a share with no rated product: met, as in the optimiser
        met = undefined | (((low is None) | (values >= (low or 0) - _TOLERANCE))
                           & ((high is None) | (values <= (high if high is not None else 0) + _TOLERANCE)))
        rows.append({"target": name, **_summary(values), "prob_met": round(float(met.mean()), 6),
                     "min": low, "max": high})
    return {"draws": draws, "seed": seed, "targets": rows, "benefit": _summary(joined["benefit"])}
