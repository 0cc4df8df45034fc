"""What ``prepare`` works out of the data alone is kept on the dataset, and worked out again when a sheet changes."""

from __future__ import annotations

import pandas as pd

from chainplan.allocation.data import derive_ahead, prepare
from chainplan.demo import build_demo_dataset
from chainplan.scenario import Scenario


def test_a_kept_input_equals_a_fresh_one() -> None:
    scenario = Scenario(name="demo", required_appraisals=["district", "province"], min_grant_vnd=200_000_000)
    kept = build_demo_dataset()
    derive_ahead(kept)
    first = prepare(kept, scenario)
    first.requests["amount_vnd"] *= 2  # a caller changing its own input changes no other
    second = prepare(kept, scenario)
    fresh = prepare(build_demo_dataset(), scenario)
    pd.testing.assert_frame_equal(second.plans, fresh.plans)
    pd.testing.assert_frame_equal(second.requests, fresh.requests)


def test_a_changed_sheet_is_read_again() -> None:
    ds = build_demo_dataset()
    scenario = Scenario(name="demo", required_appraisals=["province"])
    before = prepare(ds, scenario)
    code = before.eligible.index[0]
    # A request doubled: the plan's total follows.
    requests = ds.plan_requests.copy()
    requests.loc[requests["plan_code"] == code, "amount_vnd"] *= 2
    ds.plan_requests = requests
    assert prepare(ds, scenario).plans.loc[code, "total_request"] == 2 * before.plans.loc[code, "total_request"]
    # Its province appraisal failed: it is no longer eligible.
    appraisals = ds.appraisals.copy()
    appraisals.loc[(appraisals["plan_code"] == code) & (appraisals["stage"] == "province"), "status"] = "failed"
    ds.appraisals = appraisals
    assert not prepare(ds, scenario).plans.loc[code, "eligible"]
