"""The plan register: every production plan with what it asks for, where it stands in appraisal, and whether a
scenario could fund it.

Columns of :func:`plan_register`: ``plan_code``, ``product``, ``product_code``, ``organization``, ``region``
(names), ``purpose``, ``requested_vnd`` (all lines), one ``line:<code>`` column of VND per budget line,
one ``appraisal:<stage>`` column per stage (``pending`` / ``passed`` / ``failed``, or ``None`` when not appraised
at that stage), ``score`` (the furthest stage's score), ``eligible`` and ``reasons`` (why not, as a list, in the
language asked for).
"""

from __future__ import annotations

import pandas as pd

from chainplan.allocation.data import eligibility_reasons
from chainplan.dataset import Dataset
from chainplan.runview import names_of
from chainplan.scenario import Scenario
from chainplan.schema import APPRAISAL_STAGES

__all__ = ["plan_register"]


def plan_register(dataset: Dataset, scenario: Scenario, *, lang: str = "en") -> pd.DataFrame:
    """One row per plan, in the order of the ``plans`` sheet; eligibility under ``scenario``, reasons in ``lang``.

    Examples
    --------
    >>> from chainplan.demo import build_demo_dataset
    >>> data = build_demo_dataset()
    >>> register = plan_register(data, Scenario(name="x"))
    >>> len(register) == len(data.plans), int(register["requested_vnd"].sum()) == int(
    ...     data.plan_requests["amount_vnd"].sum())
    (True, True)
    >>> bool(register.loc[register["eligible"], "appraisal:province"].eq("passed").all())
    True
    """
    names = names_of(dataset)
    plans = dataset.plans
    codes = plans["code"].astype(str)
    requests = dataset.plan_requests.pivot_table(index="plan_code", columns="budget_line_code", values="amount_vnd",
                                                 aggfunc="sum", fill_value=0)
    lines = [str(code) for code in dataset.budget_lines["code"]]
    requests = requests.reindex(index=codes, columns=lines, fill_value=0).fillna(0).astype("int64")
    register = pd.DataFrame({
        "plan_code": codes.to_numpy(),
        "product": [names.product(p) for p in plans["product_code"]],
        "product_code": plans["product_code"].astype(str).to_numpy(),
        "organization": [names.organization(o) for o in plans["organization_code"]],
        "region": [names.region(names.organization_region.get(str(o))) for o in plans["organization_code"]],
        "purpose": plans["purpose"].to_numpy(),
        "requested_vnd": requests.sum(axis=1).to_numpy(dtype="int64"),
    })
    for line in lines:
        register[f"line:{line}"] = requests[line].to_numpy(dtype="int64")
    appraisals = dataset.appraisals.drop_duplicates(["plan_code", "stage"], keep="last")
    status = appraisals.pivot(index="plan_code", columns="stage", values="status").reindex(codes)
    for stage in APPRAISAL_STAGES:
        column = status[stage] if stage in status.columns else pd.Series(None, index=codes, dtype=object)
        register[f"appraisal:{stage}"] = column.astype(object).where(column.notna(), None).to_numpy()
    order = {stage: i for i, stage in enumerate(APPRAISAL_STAGES)}
    scored = appraisals.dropna(subset=["score"]).assign(rank=lambda f: f["stage"].map(order))
    furthest = scored.sort_values("rank").drop_duplicates("plan_code", keep="last").set_index("plan_code")["score"]
    register["score"] = furthest.reindex(codes).to_numpy(dtype=float)
    reasons = eligibility_reasons(dataset, scenario, lang=lang).reindex(codes)
    register["reasons"] = [list(r) if isinstance(r, list) else [] for r in reasons]
    register["eligible"] = register["reasons"].map(lambda r: not r).astype(bool)
    return register
