"""How reliable the producers' stated chances of success have been, and probabilities calibrated on that record.

**Calibration** per ``purpose``, over every finished plan (:mod:`chainplan.programme.outcomes`): how many finished
and succeeded, the mean stated ``success_probability``, the success rate, and the Brier score (the mean of
(p − 1{succeeded})², 0 for perfect forecasts, 0.25 for always saying one half).

**Calibrated probability** (a scenario's ``success_probability: calibrated``): each plan's p becomes

    p' = (s + k·p) / (n + k)

where n is the number of finished plans of earlier years (plan year below the scenario's year) with the same
``purpose``, s how many of them succeeded, and k the scenario's ``calibration_strength``. This is the mean of a
Beta(k·p, k·(1 − p)) prior, centred on the stated probability and worth k plans, updated with s successes in n
trials: with no history p' = p; as the record grows, p' moves toward the record's rate s / n.

Examples
--------
>>> from chainplan.dataset import Dataset
>>> plan = {"product_code": "X", "organization_code": "O", "purpose": "upgrade", "success_probability": 0.9}
>>> data = Dataset.from_records({
...     "plans": [{**plan, "code": "A", "year": 2018}, {**plan, "code": "B", "year": 2018},
...               {**plan, "code": "C", "year": 2020, "success_probability": 0.8}],
...     "outcomes": [{"plan_code": "A", "reported_on": "2018-12-01", "status": "completed"},
...                  {"plan_code": "B", "reported_on": "2018-12-01", "status": "abandoned"}]})
>>> calibration_table(data).to_dict("records")
[{'purpose': 'upgrade', 'finished': 2, 'succeeded': 1, 'mean_stated_probability': 0.9, 'success_rate': 0.5, \
'brier': 0.41}]
>>> calibrated_probabilities(data, data.plans[data.plans["year"] == 2020], year=2020, strength=2).round(6).tolist()
[0.65]
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from chainplan.dataset import Dataset
from chainplan.schema import PLAN_PURPOSES

__all__ = ["CALIBRATION_COLUMNS", "calibrated_probabilities", "calibration_table", "purpose_record",
           "with_calibrated_probabilities"]

#: The columns of :func:`calibration_table`, as ``chainplan calibration --format json`` writes them.
CALIBRATION_COLUMNS = ("purpose", "finished", "succeeded", "mean_stated_probability", "success_rate", "brier")


def _finished(dataset: Dataset) -> pd.DataFrame:
    from chainplan.programme.outcomes import judged_outcomes  # outcomes reads the allocation, which reads us

    judged = judged_outcomes(dataset)
    return judged[judged["finished"].to_numpy(dtype=bool)]


def calibration_table(dataset: Dataset) -> pd.DataFrame:
    """Per purpose with at least one finished plan (in the contract's order of purposes): ``finished``,
    ``succeeded``, ``mean_stated_probability``, ``success_rate`` and ``brier``."""
    finished = _finished(dataset)
    outcome = finished["succeeded"].to_numpy(dtype=float)
    stated = finished["success_probability"].to_numpy(dtype=float)
    frame = pd.DataFrame({"purpose": finished["purpose"].to_numpy(dtype=object), "succeeded": outcome,
                          "stated": stated, "error": (stated - outcome) ** 2})
    grouped = frame.groupby("purpose", sort=False).agg(finished=("succeeded", "size"), succeeded=("succeeded", "sum"),
                                                       mean_stated_probability=("stated", "mean"),
                                                       success_rate=("succeeded", "mean"), brier=("error", "mean"))
    order = [p for p in PLAN_PURPOSES if p in grouped.index] + sorted(set(grouped.index) - set(PLAN_PURPOSES))
    table = grouped.reindex(order).reset_index()
    table["finished"] = table["finished"].astype(int)
    table["succeeded"] = table["succeeded"].astype(int)
    for column in ("mean_stated_probability", "success_rate", "brier"):
        table[column] = table[column].astype(float).round(12)  # sums of floats: 0.41 stays 0.41
    return table[list(CALIBRATION_COLUMNS)]


def purpose_record(dataset: Dataset, year: int | None) -> pd.DataFrame:
    """Per purpose, the finished plans of years before ``year`` (``n``) and how many succeeded (``s``); plans
    without a year are nobody's history. Empty when ``year`` is ``None``."""
    finished = _finished(dataset)
    if year is None:
        finished = finished.iloc[0:0]
    years = finished["year"].astype("Int64")
    earlier = finished[(years < year).fillna(False).to_numpy(dtype=bool)] if year is not None else finished
    return earlier.groupby("purpose").agg(n=("succeeded", "size"), s=("succeeded", "sum")).astype(float)


def calibrated_probabilities(history: Dataset, plans: pd.DataFrame, *, year: int | None,
                             strength: float) -> pd.Series:
    """p' for each row of ``plans`` (same index): ``(s + k·p) / (n + k)`` from ``history``'s record for the plan's
    purpose in the years before ``year`` (:func:`purpose_record`); p where there is none."""
    record = purpose_record(history, year)
    n = plans["purpose"].map(record["n"]).fillna(0.0).to_numpy(dtype=float)
    s = plans["purpose"].map(record["s"]).fillna(0.0).to_numpy(dtype=float)
    p = plans["success_probability"].to_numpy(dtype=float)
    calibrated = (s + strength * p) / (n + strength)
    return pd.Series(np.where(n > 0, calibrated, p), index=plans.index, dtype=float)


def with_calibrated_probabilities(year_data: Dataset, history: Dataset, *, year: int | None,
                                  strength: float) -> Dataset:
    """``year_data`` whose plans carry the calibrated p' as ``success_probability`` and the stated p in an added
    column ``stated_probability``, which the allocation reports beside p'.

    The added column is not a sheet column: storage, export and the fingerprint read only the contract's columns,
    so it lives only in the prepared data a run reads.
    """
    plans = year_data.plans.copy()
    plans["stated_probability"] = plans["success_probability"].astype(float)
    plans["success_probability"] = calibrated_probabilities(history, plans, year=year, strength=strength)
    return dataclasses.replace(year_data, plans=plans)
