"""The year's targets as a committee tracks them: where the province stands today, what the adopted decision adds
(expected, each funded plan weighted by its chance of success), and the target.

Targets count what funded plans add (50 new products, 10 more products in supermarket chains, …), so the table
shows today's stock of each measure beside the addition: a committee sees both the size of the programme and
whether the decision meets the year's target. ``e_stamp_share`` is a share of the products rated 3★ or more,
today and after the decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from chainplan.chains import ChainNetwork
from chainplan.dataset import Dataset
from chainplan.scenario import Scenario

__all__ = ["TARGET_ORDER", "target_today", "year_targets"]

TARGET_ORDER = ("new_products", "new_organizations", "supermarket_entries", "rated_3_to_5_stars", "national_5_star",
                "safe_food_chain", "e_stamp_share")


def target_today(dataset: Dataset) -> dict[str, float | None]:
    """Today's stock of what each target counts.

    Examples
    --------
    >>> data = Dataset.from_records({"products": [
    ...     {"code": "A", "name": "A", "group": "food", "producer_code": "X", "region_code": "R", "stars": 3,
    ...      "e_stamp": True},
    ...     {"code": "B", "name": "B", "group": "food", "producer_code": "X", "region_code": "R", "stars": 5}]})
    >>> today = target_today(data)
    >>> today["rated_3_to_5_stars"], today["national_5_star"], today["e_stamp_share"]
    (2.0, 1.0, 0.5)
    """
    products = dataset.products
    network = ChainNetwork.from_dataset(dataset)
    stars = products["stars"].fillna(0)
    rated = stars >= 3
    reaching = sum(1 for code in products["code"] if network.reaches_supermarket(str(code)))
    return {
        "new_products": float(len(products)),
        "new_organizations": float(len(dataset.organizations)),
        "supermarket_entries": float(reaching),
        "rated_3_to_5_stars": float(rated.sum()),
        "national_5_star": float((stars >= 5).sum()),
        "safe_food_chain": float(products["safe_food_chain"].astype(bool).sum()),
        "e_stamp_share": float((rated & products["e_stamp"].astype(bool)).sum() / rated.sum()) if rated.any()
        else None,
    }


def year_targets(dataset: Dataset, scenario: Scenario, adopted: Mapping[str, Any] | None) -> pd.DataFrame:
    """One row per target ``scenario`` sets: ``target``, ``today``, ``added`` (by the adopted run, expected),
    ``after`` (today plus added; the share after the decision), ``min``, ``max``, ``met`` (``None`` without an
    adopted run) and ``is_share``.

    ``adopted`` is the adopted run's result document (``None`` when the year has no decision yet).
    """
    today = target_today(dataset)
    achieved = (adopted or {}).get("targets", {})
    rows = []
    for name in TARGET_ORDER:
        bound = getattr(scenario.targets, name)
        if bound is None:
            continue
        share = name == "e_stamp_share"
        entry = achieved.get(name)
        value = None if entry is None else entry.get("achieved")
        base = today[name]
        if share:
            added, after = None, value
        else:
            added = value
            after = None if value is None or base is None else base + float(value)
        rows.append({"target": name, "today": base, "added": added, "after": after, "min": bound.min,
                     "max": bound.max, "met": None if entry is None else bool(entry.get("met")),
                     "is_share": share})
    return pd.DataFrame(rows, columns=["target", "today", "added", "after", "min", "max", "met", "is_share"])
