"""A stored allocation run as a committee reads it: names instead of codes, one frame per question.

A run's document holds codes (plans, products, lines, regions). People read names, so :func:`allocation_view`
joins the document with the names of the data stored now. A code the current data no longer has keeps its code
(a run computed on other data is still shown, and ``same_data`` says so).

Frames:

- ``plans``: every plan the run decided on, funded first: ``plan_code``, ``product``, ``organization``, ``region``,
  ``purpose``, ``funded``, ``reason`` (a code), ``explanation`` and ``explanation_vi``, ``total_vnd``, ``benefit``,
  ``success_probability``, and one ``line:<code>`` column of VND per budget line (0 where the plan asks nothing);
- ``lines``: ``line``, ``name``, ``available``, ``used``, ``left``, ``value_of_one_more_billion``,
  ``value_of_money_upper``, ``value_of_money_status``;
- ``regions``: ``region``, ``name``, ``eligible_plans``, ``requested_vnd``, ``funded_plans``, ``amount_vnd``,
  ``share``;
- ``targets``: ``target``, ``min``, ``max``, ``achieved``, ``met`` (on expected values), ``shortfall``, and for a
  robust run ``chance`` (the normal approximation's probability of meeting the target, the lower of a min and a
  max row) and ``met_with_confidence`` (every chance row of the target met); ``None`` for a target without one;
- ``baselines``: ``method`` (``milp`` first, then each baseline), ``objective``, ``total_benefit``,
  ``shortfall_penalty`` (objective = total_benefit − shortfall_penalty), ``funded_plans``, ``targets_met``,
  ``rule_violations`` (a count).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from chainplan.allocation.results import objective_parts
from chainplan.dataset import Dataset
from chainplan.names import name_book

__all__ = ["AllocationView", "Names", "allocation_view", "chance_by_target", "names_of"]


@dataclass(frozen=True)
class Names:
    """Code -> name for what a person reads, from one dataset."""

    products: dict[str, str]
    organizations: dict[str, str]
    regions: dict[str, str]
    lines: dict[str, str]
    plan_product: dict[str, str]
    plan_organization: dict[str, str]
    plan_purpose: dict[str, str]
    organization_region: dict[str, str]

    def product(self, code: object) -> str:
        return self.products.get(str(code), str(code)) if code is not None else ""

    def organization(self, code: object) -> str:
        return self.organizations.get(str(code), str(code)) if code is not None else ""

    def region(self, code: object) -> str:
        return self.regions.get(str(code), str(code)) if code is not None else ""

    def line(self, code: object) -> str:
        return self.lines.get(str(code), str(code)) if code is not None else ""


def _mapping(frame: pd.DataFrame, key: str, value: str) -> dict[str, str]:
    return dict(zip(frame[key].astype(str), frame[value].astype(str), strict=True))


def names_of(dataset: Dataset) -> Names:
    """The names of ``dataset``'s products, organizations, regions and lines, and each plan's product and owner.

    Examples
    --------
    >>> from chainplan.demo import build_demo_dataset as demo_dataset
    >>> names = names_of(demo_dataset())
    >>> names.product("SP001") != "SP001", names.product("NO-SUCH-CODE")
    (True, 'NO-SUCH-CODE')
    """
    book = name_book(dataset)
    return Names(
        products=book["product"], organizations=book["organization"], regions=book["region"], lines=book["line"],
        plan_product=_mapping(dataset.plans, "code", "product_code"),
        plan_organization=_mapping(dataset.plans, "code", "organization_code"),
        plan_purpose=_mapping(dataset.plans, "code", "purpose"),
        organization_region=_mapping(dataset.organizations, "code", "region_code"),
    )


@dataclass(frozen=True)
class AllocationView:
    plans: pd.DataFrame
    lines: pd.DataFrame
    regions: pd.DataFrame
    targets: pd.DataFrame
    baselines: pd.DataFrame
    #: Whether the run was computed on the data stored now.
    same_data: bool
    #: A robust run's confidence (0.9 for 90 %); ``None`` for a run on expected values.
    confidence: float | None = None


def chance_by_target(document: Mapping[str, Any]) -> dict[str, tuple[float, bool]]:
    """A robust run's chance rows per target: the lower probability of its rows and whether every row is met.

    A robust run's ``targets`` say whether each target is met on expected values; what its committee asked for
    is each target met with the run's confidence, which only the chance rows tell.

    Examples
    --------
    >>> chance_by_target({"robust": {"rows": [
    ...     {"target": "new_products", "kind": "min", "probability": 0.95, "met": True},
    ...     {"target": "new_products", "kind": "max", "probability": 0.6, "met": False}]}})
    {'new_products': (0.6, False)}
    >>> chance_by_target({"robust": {}})
    {}
    """
    found: dict[str, tuple[float, bool]] = {}
    for row in (document.get("robust") or {}).get("rows", []):
        probability, met = float(row["probability"]), bool(row["met"])
        if row["target"] in found:
            before = found[row["target"]]
            probability, met = min(before[0], probability), before[1] and met
        found[row["target"]] = (probability, met)
    return found


def _plans(document: Mapping[str, Any], names: Names, line_codes: list[str]) -> pd.DataFrame:
    funded = {entry["plan_code"]: entry for entry in document.get("funded_plans", [])}
    rows = []
    for decision in document.get("decisions", []):
        code = str(decision["plan_code"])
        entry = funded.get(code, {})
        product = entry.get("product_code") or names.plan_product.get(code)
        organization = names.plan_organization.get(code)
        region = entry.get("region_code") or names.organization_region.get(str(organization))
        amounts = entry.get("amounts", {})
        rows.append({
            "plan_code": code, "product": names.product(product), "organization": names.organization(organization),
            "region": names.region(region), "purpose": names.plan_purpose.get(code, ""),
            "funded": bool(decision.get("funded")), "reason": decision.get("reason", ""),
            "explanation": decision.get("explanation", ""),
            # Runs stored before the Vietnamese sentences existed keep their English one.
            "explanation_vi": decision.get("explanation_vi") or decision.get("explanation", ""),
            "total_vnd": int(entry["total_vnd"]) if "total_vnd" in entry else None,
            "benefit": entry.get("benefit"), "success_probability": entry.get("success_probability"),
            **{f"line:{line}": int(amounts.get(line, 0)) for line in line_codes},
        })
    columns = ["plan_code", "product", "organization", "region", "purpose", "funded", "reason", "explanation",
               "explanation_vi", "total_vnd", "benefit", "success_probability",
               *(f"line:{line}" for line in line_codes)]
    # Typed even when empty: indexing with an empty object column would select columns, not rows.
    frame = pd.DataFrame(rows, columns=columns).astype({"funded": bool})
    if frame.empty:
        return frame
    # Funded first, largest grant first; then the rest by plan code: the order a committee reads them in.
    frame["_order"] = frame["total_vnd"].fillna(-1)
    return frame.sort_values(["funded", "_order", "plan_code"], ascending=[False, False, True], kind="stable") \
        .drop(columns="_order").reset_index(drop=True)


def allocation_view(document: Mapping[str, Any], dataset: Dataset, *, fingerprint: str | None = None
                    ) -> AllocationView:
    """The frames a committee reads for one run's ``document`` (as ``allocate`` printed it or as stored).

    ``fingerprint`` is the fingerprint of ``dataset``; when it differs from the run's, ``same_data`` is false.

    Examples
    --------
    >>> from chainplan.demo import build_demo_dataset as demo_dataset
    >>> from chainplan.scenario import Scenario
    >>> from chainplan.allocation import allocate
    >>> data = demo_dataset()
    >>> result = allocate(data, Scenario(name="demo"))
    >>> view = allocation_view(result.as_dict(), data)
    >>> int(view.plans.loc[view.plans["funded"], "total_vnd"].sum()) == sum(
    ...     int(p["total_vnd"]) for p in result.as_dict()["funded_plans"])
    True
    """
    names = names_of(dataset)
    budget = document.get("budget", {})
    line_codes = list(budget)
    lines = pd.DataFrame([{
        "line": code, "name": entry.get("name") or names.line(code), "available": entry.get("available"),
        "used": entry.get("used"), "left": entry.get("left"),
        "value_of_one_more_billion": entry.get("value_of_one_more_billion"),
        "value_of_money_upper": entry.get("value_of_money_upper"),
        "value_of_money_status": entry.get("value_of_money_status", "not_computed"),
    } for code, entry in budget.items()], columns=["line", "name", "available", "used", "left",
                                                    "value_of_one_more_billion", "value_of_money_upper",
                                                    "value_of_money_status"])
    regions = pd.DataFrame([{**entry, "name": names.region(entry.get("region"))}
                            for entry in document.get("regions", [])],
                           columns=["region", "name", "eligible_plans", "requested_vnd", "funded_plans",
                                    "amount_vnd", "share"])
    chances = chance_by_target(document)
    targets = pd.DataFrame([{
        "target": name, "min": (entry.get("target") or {}).get("min"), "max": (entry.get("target") or {}).get("max"),
        "achieved": entry.get("achieved"), "met": entry.get("met"), "shortfall": entry.get("shortfall"),
        "chance": chances[name][0] if name in chances else None,
        "met_with_confidence": chances[name][1] if name in chances else None,
    } for name, entry in document.get("targets", {}).items()],
        columns=["target", "min", "max", "achieved", "met", "shortfall", "chance", "met_with_confidence"])
    comparison = document.get("comparison", {})
    met = sum(1 for entry in document.get("targets", {}).values() if entry.get("met"))
    baseline_rows = [{"method": document.get("method", "milp"), "objective": document.get("objective"),
                      "total_benefit": document.get("total_benefit"),
                      "shortfall_penalty": objective_parts(document.get("objective"),
                                                           document.get("total_benefit"))[1],
                      "funded_plans": len(document.get("funded_plans", [])), "targets_met": met,
                      "rule_violations": len(document.get("rule_violations", []))}]
    for method, entry in comparison.items():
        if isinstance(entry, dict):
            baseline_rows.append({"method": method, "objective": entry.get("objective"),
                                  "total_benefit": entry.get("total_benefit"),
                                  "shortfall_penalty": objective_parts(entry.get("objective"),
                                                                       entry.get("total_benefit"))[1],
                                  "funded_plans": entry.get("funded_plans"), "targets_met": entry.get("targets_met"),
                                  "rule_violations": len(entry.get("rule_violations", []))})
    baselines = pd.DataFrame(baseline_rows, columns=["method", "objective", "total_benefit", "shortfall_penalty",
                                                     "funded_plans", "targets_met", "rule_violations"])
    same = fingerprint is None or document.get("dataset_fingerprint") in (None, fingerprint)
    confidence = (document.get("robust") or {}).get("confidence") if chances else None
    return AllocationView(_plans(document, names, line_codes), lines, regions, targets, baselines, same,
                          None if confidence is None else float(confidence))
