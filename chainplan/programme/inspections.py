"""Inspections of production sites, points of sale and label use, and the violations still open.

A ``violation`` inspection with no ``resolved_on`` is **unresolved**. A scenario with
``exclude_unresolved_violations: true`` makes every plan of such an organization ineligible (reason
``unresolved_violation``, naming the inspection), and the gap report marks the organization on every chain it is
on (gap ``unresolved_violation``).

Examples
--------
>>> from chainplan.dataset import Dataset
>>> data = Dataset.from_records({"inspections": [
...     {"code": "KT1", "organization_code": "O1", "inspected_on": "2019-05-02", "kind": "label_use",
...      "result": "violation", "finding": "Tem OCOP hết hạn"},
...     {"code": "KT2", "organization_code": "O2", "inspected_on": "2019-06-10", "kind": "facility",
...      "result": "violation", "resolved_on": "2019-08-01"},
...     {"code": "KT3", "organization_code": "O2", "inspected_on": "2020-03-01", "kind": "point_of_sale",
...      "result": "compliant"}]})
>>> unresolved_violations(data)[["code", "organization_code"]].to_dict("records")
[{'code': 'KT1', 'organization_code': 'O1'}]
>>> organization_inspections(data)[["organization_code", "inspections", "violations", "unresolved"]].to_dict(
...     "records")
[{'organization_code': 'O1', 'inspections': 1, 'violations': 1, 'unresolved': 1}, \
{'organization_code': 'O2', 'inspections': 2, 'violations': 1, 'unresolved': 0}]
"""

from __future__ import annotations

import pandas as pd

from chainplan.dataset import Dataset

__all__ = ["INSPECTION_COLUMNS", "inspection_list", "organization_inspections", "unresolved_violations"]

#: The columns of one inspection as the lists give it.
INSPECTION_COLUMNS = ("code", "organization_code", "inspected_on", "kind", "result", "finding", "resolved_on")


def _unresolved(inspections: pd.DataFrame) -> pd.Series:
    return (inspections["result"] == "violation") & inspections["resolved_on"].isna()


def unresolved_violations(dataset: Dataset) -> pd.DataFrame:
    """Every violation not yet resolved, oldest first per organization: the inspection's columns."""
    inspections = dataset.inspections
    open_ = inspections[_unresolved(inspections).to_numpy(dtype=bool)]
    return open_.sort_values(["organization_code", "inspected_on", "code"], kind="stable")[
        list(INSPECTION_COLUMNS)].reset_index(drop=True)


def inspection_list(dataset: Dataset, organization: str | None = None) -> pd.DataFrame:
    """Every inspection (of ``organization`` only, when given), newest first within each organization, with
    ``unresolved`` (a violation with no ``resolved_on``)."""
    inspections = dataset.inspections
    if organization is not None:
        inspections = inspections[inspections["organization_code"] == organization]
    listed = inspections[list(INSPECTION_COLUMNS)].assign(unresolved=_unresolved(inspections).to_numpy(dtype=bool))
    listed = listed.sort_values(["inspected_on", "code"], ascending=False, kind="stable")
    return listed.sort_values("organization_code", kind="stable").reset_index(drop=True)


def organization_inspections(dataset: Dataset) -> pd.DataFrame:
    """One row per inspected organization: ``organization_code``, ``inspections``, ``violations``, ``unresolved``
    (violations open now), ``last_inspected_on``; organizations with an open violation first, then by code."""
    inspections = dataset.inspections
    frame = pd.DataFrame({"organization_code": inspections["organization_code"].to_numpy(dtype=object),
                          "violation": (inspections["result"] == "violation").to_numpy(dtype=int),
                          "unresolved": _unresolved(inspections).to_numpy(dtype=int),
                          "inspected_on": inspections["inspected_on"].to_numpy(dtype=object)})
    grouped = frame.groupby("organization_code").agg(
        inspections=("violation", "size"), violations=("violation", "sum"), unresolved=("unresolved", "sum"),
        last_inspected_on=("inspected_on", "max")).reset_index()
    for column in ("inspections", "violations", "unresolved"):
        grouped[column] = grouped[column].astype(int)
    grouped["open_first"] = grouped["unresolved"] == 0
    return grouped.sort_values(["open_first", "organization_code"], kind="stable").drop(
        columns="open_first").reset_index(drop=True)
