"""Recording appraisals on SQLite and PostgreSQL: the row replaces the plan's row for that stage in place, a new
stage goes last, a refused appraisal writes nothing, and eligibility follows."""

from __future__ import annotations

import datetime as dt

import pytest

from chainplan import services
from chainplan.appraisal import Appraisal, AppraisalRefused
from chainplan.scenario import Scenario
from models.uow import SqlAlchemyUnitOfWork


def test_an_appraisal_replaces_its_row_and_changes_eligibility(database_url: str) -> None:
    services.load_demo(SqlAlchemyUnitOfWork(database_url))
    before = services.load_dataset(SqlAlchemyUnitOfWork(database_url))
    register = services.plans_register(SqlAlchemyUnitOfWork(database_url), Scenario(name="x"))
    plan = str(register.loc[register["eligible"], "plan_code"].iloc[0])
    rows = before.appraisals
    position = int(rows.index[(rows["plan_code"] == plan) & (rows["stage"] == "province")][0])

    stored = services.record_appraisal(SqlAlchemyUnitOfWork(database_url), Appraisal(
        plan, "province", "failed", 38.5, dt.date(2026, 11, 2), "lan", "Hồ sơ thiếu chứng nhận"))
    after = services.load_dataset(SqlAlchemyUnitOfWork(database_url))
    rows = after.appraisals
    assert len(rows) == len(before.appraisals)
    row = rows[(rows["plan_code"] == plan) & (rows["stage"] == "province")].iloc[0]
    assert (row["status"], row["score"], row["appraised_on"], row["appraiser"], row["note"]) == (
        "failed", 38.5, dt.date(2026, 11, 2), "lan", "Hồ sơ thiếu chứng nhận")
    assert int(rows.index[(rows["plan_code"] == plan) & (rows["stage"] == "province")][0]) == position
    assert stored.plan_code == plan
    register = services.plans_register(SqlAlchemyUnitOfWork(database_url), Scenario(name="x"))
    reasons = register.set_index("plan_code").loc[plan, "reasons"]
    assert reasons == ["failed the province appraisal"]

    # A stage the plan did not have is appended as the last row.
    services.record_appraisal(SqlAlchemyUnitOfWork(database_url), Appraisal(plan, "commune", "passed", None, None,
                                                                            "lan"))
    rows = services.load_dataset(SqlAlchemyUnitOfWork(database_url)).appraisals
    assert (rows.iloc[-1]["plan_code"], rows.iloc[-1]["stage"]) == (plan, "commune")
    assert rows.iloc[-1]["appraised_on"] == dt.date.today()


def test_a_refused_appraisal_writes_nothing(database_url: str) -> None:
    services.load_demo(SqlAlchemyUnitOfWork(database_url))
    before = services.load_dataset(SqlAlchemyUnitOfWork(database_url)).fingerprint()
    data = services.load_dataset(SqlAlchemyUnitOfWork(database_url))
    district = data.appraisals[data.appraisals["stage"] == "district"]
    passed = set(district.loc[district["status"] == "passed", "plan_code"])
    blocked = next(code for code in data.plans["code"] if code not in passed)
    cases = [
        (Appraisal("NO-SUCH-PLAN", "district", "passed", None, None, "lan"), "unknown_plan"),
        (Appraisal(blocked, "province", "passed", 80, None, "lan"), "district_first"),
        (Appraisal(blocked, "district", "passed", 101, None, "lan"), "score_range"),
        (Appraisal(blocked, "district", "passed", "150", None, "lan"), "score_range"),  # as typed in the form
        (Appraisal(blocked, "district", "passed", "chín mươi", None, "lan"), "score_range"),
        (Appraisal(blocked, "district", "passed", 80, dt.date.today() + dt.timedelta(days=1), "lan"), "future_date"),
        (Appraisal(blocked, "district", "maybe", 80, None, "lan"), "unknown_status"),
        (Appraisal(blocked, "district", "passed", 80, None, "  "), "no_appraiser"),
    ]
    for appraisal, code in cases:
        with pytest.raises(AppraisalRefused) as refused:
            services.record_appraisal(SqlAlchemyUnitOfWork(database_url), appraisal)
        assert refused.value.code == f"error.appraisal.{code}"
    assert services.load_dataset(SqlAlchemyUnitOfWork(database_url)).fingerprint() == before
