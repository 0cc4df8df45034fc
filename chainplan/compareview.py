"""A comparison of runs as a committee reads it: names instead of codes, and one row per target and per outcome
with a value per run (a :class:`~chainplan.compare.Comparison` keeps one row per run and item).

Examples
--------
>>> from chainplan.compare import Comparison
>>> import pandas as pd
>>> frame = pd.DataFrame
>>> comparison = Comparison(
...     runs=frame(), lines=frame(), regions=frame(), explanations=frame(),
...     plans=frame({"plan_code": ["KH1", "KH2"], "product_code": ["SP1", "SP2"], "region_code": ["HL", "HL"],
...                  "amount_vnd": [5, 7], "funded_in": [[1, 2], [2]]}),
...     targets=frame({"run_id": [1, 2], "target": ["new_products", "new_products"], "min": [3.0, 3.0],
...                    "max": [None, None], "achieved": [2.5, 3.5]}),
...     cost_per_outcome=frame({"run_id": [1, 2], "outcome": ["new_product", "new_product"],
...                             "vnd_per_unit": [10.0, float("nan")]}))
>>> names = Names({"SP2": "Chè"}, {}, {"HL": "Hạ Long"}, {}, {"KH2": "SP2"}, {"KH2": "HTX"}, {}, {})
>>> view = comparison_view(comparison, names, [1, 2])
>>> view.differing
[{'plan_code': 'KH2', 'product': 'Chè', 'organization': 'HTX', 'region': 'Hạ Long', 'amount_vnd': 7, 'funded_in': [2]}]
>>> view.targets
[{'target': 'new_products', 'min': 3.0, 'max': None, 'achieved': {1: 2.5, 2: 3.5}}]
>>> view.cost
[{'outcome': 'new_product', 'vnd_per_unit': {1: 10.0, 2: None}}]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chainplan.compare import Comparison
from chainplan.runview import Names

__all__ = ["ComparisonView", "comparison_view"]


@dataclass(frozen=True)
class ComparisonView:
    """The comparison, the names of the data stored now, and its tables by item.

    - ``differing``: the plans funded in some runs and not all, in the comparison's order: ``plan_code``,
      ``product``, ``organization``, ``region`` (names), ``amount_vnd``, ``funded_in`` (run ids);
    - ``targets``: per target ``target``, ``min``, ``max`` and ``achieved`` (run id -> value);
    - ``cost``: per outcome ``outcome`` and ``vnd_per_unit`` (run id -> VND, ``None`` where nothing was bought);
    - ``scenario_vi``: each run's scenario by its Vietnamese name, where it has one.
    """

    comparison: Comparison
    run_ids: list[int]
    names: Names
    differing: list[dict[str, Any]]
    targets: list[dict[str, Any]]
    cost: list[dict[str, Any]]
    scenario_vi: dict[int, str] = field(default_factory=dict)

    def scenario_title(self, run_id: int, name: str, lang: str) -> str:
        """Run ``run_id``'s scenario (called ``name``) as a person reads it in ``lang``."""
        return (self.scenario_vi.get(run_id) or name) if lang == "vi" else name


def _plain(value: Any) -> Any:
    """A frame's value for a person: ``None`` for a missing number (NaN)."""
    return None if isinstance(value, float) and value != value else value


def comparison_view(comparison: Comparison, names: Names, run_ids: list[int],
                    scenario_vi: dict[int, str] | None = None) -> ComparisonView:
    """``comparison`` of ``run_ids`` as tables by item, with ``names`` (:func:`chainplan.runview.names_of`) and the
    runs' scenarios' Vietnamese names (``scenario_vi``, by run id)."""
    differing = comparison.plans[comparison.plans["funded_in"].map(len) < len(run_ids)]
    plans = [{"plan_code": row["plan_code"], "product": names.product(row["product_code"]),
              "organization": names.organization(names.plan_organization.get(row["plan_code"])),
              "region": names.region(row["region_code"]), "amount_vnd": row["amount_vnd"],
              "funded_in": list(row["funded_in"])}
             for row in differing.to_dict("records")]
    targets: dict[str, dict[str, Any]] = {}
    for row in comparison.targets.to_dict("records"):
        entry = targets.setdefault(row["target"], {"target": row["target"], "min": _plain(row["min"]),
                                                   "max": _plain(row["max"]), "achieved": {}})
        entry["achieved"][row["run_id"]] = _plain(row["achieved"])
    cost: dict[str, dict[str, Any]] = {}
    for row in comparison.cost_per_outcome.to_dict("records"):
        entry = cost.setdefault(row["outcome"], {"outcome": row["outcome"], "vnd_per_unit": {}})
        entry["vnd_per_unit"][row["run_id"]] = _plain(row["vnd_per_unit"])
    return ComparisonView(comparison, list(run_ids), names, plans, list(targets.values()), list(cost.values()),
                          {run: title for run, title in (scenario_vi or {}).items() if title})
