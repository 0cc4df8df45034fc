"""Counts a committee looks at first: regions, tiers, stars, appraisal states, money asked and available."""

from __future__ import annotations

from typing import Any

import pandas as pd

from chainplan.dataset import Dataset, region_at_level
from chainplan.schema import APPRAISAL_STAGES, APPRAISAL_STATUSES, CHAIN_TIERS, REGION_LEVELS

__all__ = ["plan_appraisal_state", "summarize"]


def plan_appraisal_state(ds: Dataset) -> pd.Series:
    """Each plan's furthest appraisal: ``"province:passed"``, ``"district:pending"``, ... or ``"not_appraised"``.

    Examples
    --------
    >>> ds = Dataset.from_records({
    ...     "plans": [{"code": "A"}, {"code": "B"}],
    ...     "appraisals": [{"plan_code": "A", "stage": "district", "status": "passed"},
    ...                    {"plan_code": "A", "stage": "province", "status": "pending"}]})
    >>> plan_appraisal_state(ds).to_dict()
    {'A': 'province:pending', 'B': 'not_appraised'}
    """
    order = {stage: i for i, stage in enumerate(APPRAISAL_STAGES)}
    furthest: dict[str, tuple[int, str]] = {}
    for plan, stage, status in zip(ds.appraisals["plan_code"], ds.appraisals["stage"], ds.appraisals["status"],
                                   strict=True):
        rank = order[stage]
        if plan not in furthest or rank > furthest[plan][0]:
            furthest[plan] = (rank, f"{stage}:{status}")
    return pd.Series(
        {code: furthest[code][1] if code in furthest else "not_appraised" for code in ds.plans["code"]},
        dtype=object,
    )


def _first_level_below_province(ds: Dataset) -> str | None:
    present = set(ds.regions["level"])
    return next((level for level in REGION_LEVELS[1:] if level in present), None)


def summarize(ds: Dataset) -> dict[str, Any]:
    """A JSON-ready summary of the dataset."""
    levels = ds.regions["level"].value_counts()
    tiers = ds.products["chain_tier"].value_counts()
    stars = ds.products["stars"].value_counts()
    appraisals = {
        stage: {status: int(((ds.appraisals["stage"] == stage) & (ds.appraisals["status"] == status)).sum())
                for status in APPRAISAL_STATUSES}
        for stage in APPRAISAL_STAGES
    }
    states = plan_appraisal_state(ds).value_counts()
    requested = ds.plan_requests.groupby("plan_code")["amount_vnd"].sum()

    level = _first_level_below_province(ds)
    by_region: list[dict[str, Any]] = []
    if level is not None:
        to_level = region_at_level(ds.regions, level)
        org_region = dict(zip(ds.organizations["code"], ds.organizations["region_code"], strict=True))
        product_area = ds.products["region_code"].map(to_level)
        org_area = ds.organizations["region_code"].map(to_level)
        plan_area = ds.plans["organization_code"].map(org_region).map(to_level)
        plan_money = ds.plans["code"].map(requested).fillna(0)
        for code, name in zip(ds.regions["code"], ds.regions["name"], strict=True):
            if to_level.get(code) != code:
                continue
            by_region.append({
                "region_code": code, "name": name,
                "organizations": int((org_area == code).sum()),
                "products": int((product_area == code).sum()),
                "chain_products": int(((product_area == code) & (ds.products["chain_tier"] != "none")).sum()),
                "plans": int((plan_area == code).sum()),
                "requested_vnd": int(plan_money[plan_area == code].sum()),
            })
    return {
        "counts": ds.counts(),
        "regions_by_level": {lv: int(levels.get(lv, 0)) for lv in REGION_LEVELS},
        "districts": int(levels.get("district", 0)),
        "products_by_tier": {tier: int(tiers.get(tier, 0)) for tier in CHAIN_TIERS},
        "products_by_stars": {str(n): int(stars.get(n, 0)) for n in range(6)},
        "appraisals": appraisals,
        "plans_by_appraisal_state": {str(k): int(v) for k, v in states.sort_index().items()},
        "budget_available_vnd": int(ds.budget_lines["amount_vnd"].sum()),
        "requested_vnd": int(ds.plan_requests["amount_vnd"].sum()),
        "region_level": level,
        "by_region": by_region,
    }
