"""What funded plans delivered, judged as ``DATA_FORMAT.md`` defines it.

- A plan **finished** when its outcome is ``completed`` or ``abandoned``.
- It **succeeded** when its outcome is ``completed``, every promise it made was delivered (each of
  ``creates_new_product``, ``creates_organization``, ``enters_supermarket``, ``adds_e_stamp``,
  ``joins_safe_food_chain`` that is true on the plan is true on the outcome as ``new_product``,
  ``new_organization``, ``entered_supermarket``, ``e_stamp``, ``safe_food_chain``) and, when the plan has an
  ``expected_score``, the stars of the awarded ``ocop_score`` are at least the stars of the expected score. A plan
  with an expected score and no awarded score did not show the stars it promised: it did not succeed.
- **Delivered** counts over a set of outcomes (any status: what was delivered so far): ``new_products`` with
  ``new_product``, ``new_organizations`` with ``new_organization``, ``supermarket_entries`` with
  ``entered_supermarket``, ``safe_food_chain`` with ``safe_food_chain``, ``rated_3_to_5_stars`` an awarded score of
  50 or more, ``national_5_star`` 90 or more; ``e_stamp_share`` is not counted from outcomes (``None``).

Examples
--------
>>> from chainplan.dataset import Dataset
>>> data = Dataset.from_records({
...     "plans": [{"code": "A", "product_code": "X", "organization_code": "O", "purpose": "upgrade",
...                "expected_score": 72, "adds_e_stamp": True},
...               {"code": "B", "product_code": "X", "organization_code": "O", "purpose": "upgrade",
...                "expected_score": 72}],
...     "outcomes": [{"plan_code": "A", "reported_on": "2020-12-01", "status": "completed", "ocop_score": 70,
...                   "e_stamp": True},
...                  {"plan_code": "B", "reported_on": "2020-12-01", "status": "completed", "ocop_score": 69.5}]})
>>> judged = judged_outcomes(data)
>>> judged["succeeded"].to_dict()
{'A': True, 'B': False}
>>> delivered(data.outcomes)["rated_3_to_5_stars"], delivered(data.outcomes)["e_stamp_share"]
(2, None)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from chainplan.allocation.data import stars_for_score
from chainplan.dataset import Dataset
from chainplan.scenario import TARGET_NAMES

__all__ = [
    "FINISHED_STATUSES",
    "NOT_REPORTED",
    "PROMISES",
    "delivered",
    "judged_outcomes",
    "stars",
    "year_results",
]

#: An outcome status that ends a plan.
FINISHED_STATUSES: tuple[str, ...] = ("completed", "abandoned")
#: The status a funded plan has in the results while no outcome is reported for it.
NOT_REPORTED = "not_reported"
#: Each promise of a plan and the outcome column that shows it delivered.
PROMISES: tuple[tuple[str, str], ...] = (
    ("creates_new_product", "new_product"),
    ("creates_organization", "new_organization"),
    ("enters_supermarket", "entered_supermarket"),
    ("adds_e_stamp", "e_stamp"),
    ("joins_safe_food_chain", "safe_food_chain"),
)
#: The targets counted from an outcome's flags (the stars targets read the awarded score).
_FLAG_TARGETS: dict[str, str] = {
    "new_products": "new_product",
    "new_organizations": "new_organization",
    "supermarket_entries": "entered_supermarket",
    "safe_food_chain": "safe_food_chain",
}


def stars(score: float | None) -> int:
    """OCOP stars of a score: below 30 → 1, 30–49 → 2, 50–69 → 3, 70–89 → 4, 90 and above → 5 (0: no score).

    Examples
    --------
    >>> [stars(s) for s in (29.99, 30, 49, 49.99, 50, 69, 70, 89, 90, 100)]
    [1, 2, 2, 2, 3, 3, 4, 4, 5, 5]
    """
    return stars_for_score(score)


def _stars(scores: pd.Series) -> np.ndarray:
    """:func:`stars` over a column (0 where blank), in one array operation."""
    values = scores.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return np.select([np.isnan(values), values < 30, values < 50, values < 70, values < 90], [0, 1, 2, 3, 4], 5)


def judged_outcomes(dataset: Dataset) -> pd.DataFrame:
    """Every outcome whose plan the dataset has, judged, indexed by plan code.

    Columns: the outcome's own (``status``, ``disbursed_vnd``, ``ocop_score``, the delivered flags), the plan's
    ``purpose``, ``year``, ``success_probability`` and ``expected_score``, then ``finished``, ``succeeded`` (False
    until finished), ``promises_kept`` (every promised flag delivered) and ``stars_kept`` (awarded stars at least
    the expected ones, True without an expected score). An outcome of a plan the dataset lacks cannot be judged
    (its promises are unknown) and is left out.
    """
    plans = dataset.plans.set_index("code")
    outcomes = dataset.outcomes.drop_duplicates("plan_code", keep="last").set_index("plan_code")
    outcomes = outcomes[outcomes.index.isin(plans.index)]
    plan = plans.loc[outcomes.index]
    frame = outcomes.copy()
    for column in ("purpose", "year", "success_probability", "expected_score"):
        frame[column] = plan[column].to_numpy()
    frame["year"] = plan["year"].astype("Int64").to_numpy()
    kept = np.ones(len(frame), dtype=bool)
    for promise, shown in PROMISES:
        kept &= ~plan[promise].to_numpy(dtype=bool) | outcomes[shown].to_numpy(dtype=bool)
    expected = plan["expected_score"].to_numpy(dtype=float)
    stars_kept = np.isnan(expected) | (_stars(outcomes["ocop_score"]) >= _stars(plan["expected_score"]))
    status = outcomes["status"].to_numpy(dtype=object)
    frame["finished"] = np.isin(status, FINISHED_STATUSES)
    frame["promises_kept"] = kept
    frame["stars_kept"] = stars_kept
    frame["succeeded"] = (status == "completed") & kept & stars_kept
    return frame


def delivered(outcomes: pd.DataFrame) -> dict[str, int | None]:
    """What a set of outcome rows delivered, per target (``e_stamp_share``: ``None``).

    Examples
    --------
    >>> rows = pd.DataFrame({"new_product": [True, False], "new_organization": [False, False],
    ...                      "entered_supermarket": [True, True], "safe_food_chain": [False, True],
    ...                      "ocop_score": [90.0, float("nan")]})
    >>> delivered(rows)
    {'new_products': 1, 'new_organizations': 0, 'supermarket_entries': 2, 'rated_3_to_5_stars': 1, \
'national_5_star': 1, 'safe_food_chain': 1, 'e_stamp_share': None}
    """
    scores = outcomes["ocop_score"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        counted: dict[str, int | None] = {
            "rated_3_to_5_stars": int(np.sum(scores >= 50)),
            "national_5_star": int(np.sum(scores >= 90)),
        }
    for target, column in _FLAG_TARGETS.items():
        counted[target] = int(outcomes[column].to_numpy(dtype=bool).sum())
    counted["e_stamp_share"] = None
    return {name: counted[name] for name in TARGET_NAMES}


def _plain(value: Any) -> Any:
    """A frame's value as JSON: NaN and pandas' NA as ``None``, numpy scalars as Python's."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def year_results(dataset: Dataset, year: int, run_id: int, document: Mapping[str, Any]) -> dict[str, Any]:
    """A year's adopted run against what its funded plans delivered: ``{year, run_id, plans, targets}``.

    ``plans``, one per funded plan in the run's order: ``plan_code``, ``allocated_vnd`` (what the run gave it),
    ``disbursed_vnd`` (the outcome's; ``None`` without an outcome), ``status`` (the outcome's, ``not_reported``
    without one), ``succeeded`` (``None`` until finished); and, for a page that shows promises against deliveries,
    ``promised`` and ``delivered`` (outcome flags), ``expected_score`` and ``ocop_score``. ``targets``, one per
    target of the run: ``target``, ``expected`` (as the run computed it) and ``delivered`` (over the outcomes of
    the run's funded plans). ``document`` is the stored run's result.

    Examples
    --------
    >>> data = Dataset.from_records({
    ...     "plans": [{"code": "A", "product_code": "X", "organization_code": "O", "purpose": "new_product",
    ...                "creates_new_product": True}],
    ...     "outcomes": [{"plan_code": "A", "reported_on": "2020-12-01", "status": "in_progress",
    ...                   "disbursed_vnd": 400_000_000, "new_product": True}]})
    >>> run = {"funded_plans": [{"plan_code": "A", "total_vnd": 500_000_000}],
    ...        "targets": {"new_products": {"achieved": 0.8}}}
    >>> result = year_results(data, 2020, 7, run)
    >>> result["plans"][0]["status"], result["plans"][0]["succeeded"], result["targets"]
    ('in_progress', None, [{'target': 'new_products', 'expected': 0.8, 'delivered': 1}])
    """
    judged = judged_outcomes(dataset)
    reported = dataset.outcomes.drop_duplicates("plan_code", keep="last").set_index("plan_code")
    plans = dataset.plans.set_index("code")
    funded: Sequence[Mapping[str, Any]] = document.get("funded_plans", [])
    rows = []
    for entry in funded:  # a year's funded plans (hundreds), each looked up once in indexed frames
        code = str(entry["plan_code"])
        allocated = entry.get("total_vnd")
        if allocated is None:
            allocated = sum(int(v) for v in (entry.get("amounts") or {}).values())
        row: dict[str, Any] = {"plan_code": code, "allocated_vnd": int(allocated), "disbursed_vnd": None,
                               "status": NOT_REPORTED, "succeeded": None, "promised": [], "delivered": [],
                               "expected_score": None, "ocop_score": None}
        if code in plans.index:
            plan = plans.loc[code]
            row["promised"] = [shown for promise, shown in PROMISES if bool(plan[promise])]
            row["expected_score"] = _plain(plan["expected_score"])
        if code in reported.index:
            outcome = reported.loc[code]
            row["disbursed_vnd"] = _plain(outcome["disbursed_vnd"])
            row["status"] = str(outcome["status"])
            row["delivered"] = [shown for _promise, shown in PROMISES if bool(outcome[shown])]
            row["ocop_score"] = _plain(outcome["ocop_score"])
            if code in judged.index and bool(judged.loc[code, "finished"]):
                row["succeeded"] = bool(judged.loc[code, "succeeded"])
        rows.append(row)
    codes = [row["plan_code"] for row in rows]
    counted = delivered(reported[reported.index.isin(codes)])
    achieved: Mapping[str, Any] = document.get("targets", {})
    targets = [{"target": name, "expected": _plain((achieved[name] or {}).get("achieved")),
                "delivered": counted[name]} for name in TARGET_NAMES if name in achieved]
    return {"year": year, "run_id": run_id, "plans": rows, "targets": targets}
