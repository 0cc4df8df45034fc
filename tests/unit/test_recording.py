"""Recording an outcome and an inspection: every value checked, the refusal names the field, nothing half-written;
and the same through the services on the in-memory unit of work and on SQLite (the repository's own writes)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chainplan import services
from chainplan.demo import build_demo_dataset
from chainplan.ports import UnitOfWork
from chainplan.recording import (
    Inspection,
    InspectionRefused,
    Outcome,
    OutcomeRefused,
    check_inspection,
    check_outcome,
    next_inspection_code,
    parse_vnd,
)
from tests.conftest import FakeUnitOfWork

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DAY = dt.date(2020, 6, 30)


@pytest.mark.parametrize(("typed", "amount"), [("0", 0), ("1500000", 1500000), ("1.500.000", 1500000),
                                               ("1,500,000", 1500000), ("1 500 000", 1500000), (" 25 ", 25),
                                               ("", None), (None, None), (12, 12)])
def test_money_is_read_as_whole_dong_grouped_by_threes(typed: object, amount: int | None) -> None:
    assert parse_vnd(typed) == amount  # type: ignore[arg-type]


@pytest.mark.parametrize("typed", ["1,5", "1.5", "-3", "1.500,000", "12.34.567", "abc", "1e6", "10000000000000000",
                                   True])
def test_money_that_is_not_whole_dong_is_refused_never_guessed(typed: object) -> None:
    with pytest.raises(ValueError):
        parse_vnd(typed)  # type: ignore[arg-type]


def test_an_outcome_is_checked_field_by_field() -> None:
    data = build_demo_dataset()
    plan = str(data.plans["code"].iloc[0])
    good = Outcome(plan, "completed", DAY, "2.000.000", "55,5", new_product=True, note="  Đã nghiệm thu  ")
    checked = check_outcome(data, good, today=DAY)
    assert (checked.disbursed_vnd, checked.ocop_score, checked.note, checked.new_product) == (
        2_000_000, 55.5, "Đã nghiệm thu", True)
    assert check_outcome(data, Outcome(plan, "in_progress", None, "", ""), today=DAY).reported_on == DAY
    cases = {
        "plan_code": Outcome("NOPE", "completed", DAY, 0, None),
        "status": Outcome(plan, "done", DAY, 0, None),
        "reported_on": Outcome(plan, "completed", DAY + dt.timedelta(days=1), 0, None),
        "disbursed_vnd": Outcome(plan, "completed", DAY, "-5", None),
        "ocop_score": Outcome(plan, "completed", DAY, 0, "100,5"),
        "note": Outcome(plan, "completed", DAY, 0, None, note="a\x00b"),
    }
    for field, outcome in cases.items():
        with pytest.raises(OutcomeRefused) as caught:
            check_outcome(data, outcome, today=DAY)
        assert caught.value.field == field
        assert caught.value.message("vi") != caught.value.message("en")  # both languages say it


def test_an_inspection_is_checked_and_given_the_next_free_code() -> None:
    data = build_demo_dataset()
    org = str(data.organizations["code"].iloc[0])
    checked = check_inspection(data, Inspection(org, "label_use", "violation", DAY, " Dùng nhãn OCOP hết hạn "),
                               today=DAY)
    assert (checked.code, checked.finding, checked.resolved_on) == (
        next_inspection_code(data), "Dùng nhãn OCOP hết hạn", None)
    cases = {
        "organization_code": Inspection("NOPE", "facility", "compliant", DAY),
        "kind": Inspection(org, "kitchen", "compliant", DAY),
        "result": Inspection(org, "facility", "ok", DAY),
        "inspected_on": Inspection(org, "facility", "compliant", DAY + dt.timedelta(days=2)),
        "finding": Inspection(org, "facility", "violation", DAY, "   "),
        "resolved_on": Inspection(org, "facility", "compliant", DAY, resolved_on=DAY),
    }
    for field, inspection in cases.items():
        with pytest.raises(InspectionRefused) as caught:
            check_inspection(data, inspection, today=DAY)
        assert caught.value.field == field
    before = Inspection(org, "facility", "violation", DAY, "x", resolved_on=DAY - dt.timedelta(days=1))
    with pytest.raises(InspectionRefused) as caught:
        check_inspection(data, before, today=DAY)
    assert caught.value.field == "resolved_on"


def _adopted_demo(uow: UnitOfWork) -> list[str]:
    """The demo with the baseline adopted for 2020; the funded plans' codes."""
    services.load_demo(uow)
    run = services.run_allocation(uow, SCENARIOS / "baseline-2020.yaml")
    assert run.run_id is not None
    services.adopt_run(uow, run.run_id, by="Ban Chỉ đạo", year=2020)
    return [plan["plan_code"] for plan in run.document["funded_plans"]]


def test_an_outcome_is_recorded_for_a_funded_plan_only_and_replaces_the_earlier_report(
        fake_uow: FakeUnitOfWork) -> None:
    funded = _adopted_demo(fake_uow)
    data = services.load_dataset(fake_uow)
    reported = set(data.outcomes["plan_code"])
    funded = [code for code in funded if code not in reported]  # this year's: no report yet
    unfunded = next(code for code in data.plans["code"] if code not in funded and code not in reported
                    and code not in _funded_anywhere(fake_uow))
    commits = fake_uow.commits
    with pytest.raises(OutcomeRefused) as caught:
        services.record_outcome(fake_uow, Outcome(unfunded, "completed", None, 0, None), by="lan")
    assert caught.value.code == "error.outcome.not_funded" and fake_uow.commits == commits
    services.record_outcome(fake_uow, Outcome(funded[0], "in_progress", None, "1.000.000", None), by="lan")
    services.record_outcome(fake_uow, Outcome(funded[1], "abandoned", None, "0", None), by="lan")
    services.record_outcome(fake_uow, Outcome(funded[0], "completed", None, "3.000.000", "61", new_product=True),
                            by="lan")
    with fake_uow:
        marked = fake_uow.repository.tool_records()
    assert [(r.sheet, r.key, r.by) for r in marked] == [("outcomes", (funded[0],), "lan"), ("outcomes", (funded[1],),
                                                                                           "lan")]
    outcomes = services.load_dataset(fake_uow).outcomes
    # The earlier rows as they were, then the two plans' reports: the first replaced in its place, not appended.
    assert outcomes["plan_code"].tolist() == [*data.outcomes["plan_code"], funded[0], funded[1]]
    first = outcomes.iloc[len(data.outcomes)]
    assert (first["status"], int(first["disbursed_vnd"]), first["ocop_score"], bool(first["new_product"])) == (
        "completed", 3_000_000, 61.0, True)


def _funded_anywhere(uow: UnitOfWork) -> set[str]:
    """Every plan funded by any stored run (a plan none funded is surely not funded by an adopted one)."""
    return {plan["plan_code"] for run in services.stored_runs(uow) for plan in run.result["funded_plans"]}


def test_a_refused_outcome_writes_nothing(fake_uow: FakeUnitOfWork) -> None:
    funded = _adopted_demo(fake_uow)
    before = services.load_dataset(fake_uow).fingerprint()
    commits = fake_uow.commits
    with pytest.raises(OutcomeRefused):
        services.record_outcome(fake_uow, Outcome(funded[0], "completed", None, "1,5", None), by="lan")
    assert fake_uow.commits == commits and services.load_dataset(fake_uow).fingerprint() == before


def test_recorded_inspections_are_listed_per_organization_with_unresolved_violations_marked(
        fake_uow: FakeUnitOfWork) -> None:
    services.load_demo(fake_uow)
    data = services.load_dataset(fake_uow)
    before = services.inspections_view(fake_uow)
    clean = [str(code) for code in data.organizations["code"]
             if code not in set(before.organizations.loc[before.organizations["unresolved"] > 0, "organization_code"])]
    first, second = clean[:2]
    services.record_inspection(fake_uow, Inspection(first, "facility", "violation", DAY, "Nhà xưởng chưa đạt"))
    services.record_inspection(fake_uow, Inspection(second, "point_of_sale", "violation", DAY, "Sai nhãn",
                                                    resolved_on=DAY))
    services.record_inspection(fake_uow, Inspection(second, "label_use", "compliant", DAY - dt.timedelta(days=3)))
    view = services.inspections_view(fake_uow)
    listed = view.inspections
    added = listed[~listed["code"].isin(set(before.inspections["code"]))]
    assert len(added) == 3 and len(listed) == 3 + len(data.inspections)
    assert added.loc[added["unresolved"], "organization_code"].tolist() == [first]
    per_org = view.organizations.set_index("organization_code")
    assert (int(per_org.loc[first, "unresolved"]), int(per_org.loc[second, "unresolved"])) == (1, 0)
    assert per_org.loc[first, "organization"] == data.organizations.set_index("code").loc[first, "name"]


def test_outcomes_and_inspections_are_stored_by_the_database(tmp_path: Path) -> None:
    from models.uow import SqlAlchemyUnitOfWork

    url = f"sqlite:///{tmp_path / 'records.db'}"
    funded = _adopted_demo(SqlAlchemyUnitOfWork(url))
    before = services.load_dataset(SqlAlchemyUnitOfWork(url))
    funded = [code for code in funded if code not in set(before.outcomes["plan_code"])]
    org = str(services.load_dataset(SqlAlchemyUnitOfWork(url)).organizations["code"].iloc[0])
    services.record_outcome(SqlAlchemyUnitOfWork(url), Outcome(funded[0], "in_progress", DAY, "5", None), by="lan")
    services.record_outcome(SqlAlchemyUnitOfWork(url), Outcome(funded[1], "completed", DAY, "7.000", "91",
                                                               e_stamp=True, note="Xong"), by="lan")
    services.record_outcome(SqlAlchemyUnitOfWork(url), Outcome(funded[0], "abandoned", DAY, "6", None), by="lan")
    first = services.record_inspection(SqlAlchemyUnitOfWork(url), Inspection(org, "facility", "violation", DAY, "x"))
    second = services.record_inspection(SqlAlchemyUnitOfWork(url), Inspection(org, "facility", "compliant", DAY))
    assert first.code == next_inspection_code(before) and second.code != first.code
    data = services.load_dataset(SqlAlchemyUnitOfWork(url))
    assert data.outcomes["plan_code"].tolist()[:len(before.outcomes)] == before.outcomes["plan_code"].tolist()
    rows = data.outcomes.to_dict("records")[len(before.outcomes):]
    assert [(r["plan_code"], r["status"], r["disbursed_vnd"]) for r in rows] == [
        (funded[0], "abandoned", 6), (funded[1], "completed", 7000)]
    assert (rows[1]["ocop_score"], rows[1]["e_stamp"], rows[1]["new_product"], rows[1]["note"]) == (91.0, True, False,
                                                                                                    "Xong")
    assert data.inspections["code"].tolist() == [*before.inspections["code"], first.code, second.code]
    assert services.year_choice(SqlAlchemyUnitOfWork(url), None).year in (None, *services.plan_years(
        SqlAlchemyUnitOfWork(url)))


def test_a_page_shows_the_year_asked_for_else_the_latest_year_with_plans(fake_uow: FakeUnitOfWork) -> None:
    from chainplan.dataset import Dataset

    services.load_demo(fake_uow)
    records = services.load_dataset(fake_uow).to_records()
    for index, plan in enumerate(records["plans"]):
        plan["year"] = (2018, 2019, None)[index % 3]
    fake_uow.committed.dataset = Dataset.from_records(records)
    assert services.plan_years(fake_uow) == [2018, 2019]
    assert services.year_choice(fake_uow, None) == services.YearChoice([2018, 2019], 2019)
    assert services.year_choice(fake_uow, 2018) == services.YearChoice([2018, 2019], 2018)
    # A year without plans can be asked for (a new year's page starts empty); one outside the programme cannot.
    assert services.year_choice(fake_uow, 2021) == services.YearChoice([2018, 2019, 2021], 2021)
    assert services.year_choice(fake_uow, 1999) == services.YearChoice([2018, 2019], 2019)
    assert services.year_choice(FakeUnitOfWork(), None) == services.YearChoice([], None)


def test_an_outcome_form_opens_on_the_stored_report_and_a_stale_save_is_refused(fake_uow: FakeUnitOfWork) -> None:
    from chainplan.errors import EditConflict

    funded = _adopted_demo(fake_uow)
    plan = next(code for code in funded if code not in set(services.load_dataset(fake_uow).outcomes["plan_code"]))
    assert services.opened_outcome(fake_uow, plan) == services.OpenedOutcome(None, 0)
    first = services.record_outcome(fake_uow, Outcome(plan, "in_progress", DAY, "2.500.000", "55,5",
                                                      e_stamp=True, note="Đang triển khai"), by="lan",
                                    opened_version=0)
    opened = services.opened_outcome(fake_uow, plan)
    # The form shows what is stored, as stored: status, money, score, what was delivered, the note.
    assert opened == services.OpenedOutcome(Outcome(plan, "in_progress", DAY, 2_500_000, 55.5, e_stamp=True,
                                                    note="Đang triển khai"), 1) and opened.outcome == first
    with pytest.raises(EditConflict):  # a second form opened before the first report: it appeared since
        services.record_outcome(fake_uow, Outcome(plan, "abandoned", DAY, "0", None), by="hoa", opened_version=0)
    # Two planners open the report; one saves, the other's save on the older version is refused.
    services.record_outcome(fake_uow, Outcome(plan, "completed", DAY, "3.000.000", "72"), by="hoa",
                            opened_version=opened.version)
    before, commits = services.load_dataset(fake_uow).fingerprint(), fake_uow.commits
    with pytest.raises(EditConflict) as refused:
        services.record_outcome(fake_uow, Outcome(plan, "abandoned", DAY, "0", None), by="lan",
                                opened_version=opened.version)
    assert services.load_dataset(fake_uow).fingerprint() == before and fake_uow.commits == commits
    assert refused.value.version == 2
    english, vietnamese = refused.value.message("en"), refused.value.message("vi")
    assert english.startswith(f"hoa saved the outcome of plan {plan}") and "nothing was saved" in english
    assert vietnamese.startswith(f"hoa đã lưu kết quả thực hiện của kế hoạch {plan}")
    assert services.opened_outcome(fake_uow, plan).outcome == Outcome(plan, "completed", DAY, 3_000_000, 72.0)
    # Saved again on the version the refusal handed over, knowingly, it replaces theirs.
    services.record_outcome(fake_uow, Outcome(plan, "abandoned", DAY, "0", None), by="lan",
                            opened_version=refused.value.version)
    assert services.opened_outcome(fake_uow, plan) == services.OpenedOutcome(
        Outcome(plan, "abandoned", DAY, 0, None), 3)


def test_a_new_inspection_never_replaces_one_another_planner_saved_first(fake_uow: FakeUnitOfWork,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from chainplan.recording import apply_inspection
    from tests.conftest import FakeRepository

    services.load_demo(fake_uow)
    data = services.load_dataset(fake_uow)
    org, other = (str(code) for code in data.organizations["code"].iloc[:2])
    theirs = Inspection(other, "facility", "compliant", DAY, code=next_inspection_code(data))
    saves = FakeRepository.save_inspection

    def raced(repository: FakeRepository, inspection: Inspection) -> bool:
        # Between this planner's check and their write, another planner's inspection took the same next code and
        # was committed: the write finds the code taken.
        stored = set(fake_uow.committed.dataset.inspections["code"])
        if inspection.code == theirs.code and theirs.code not in stored:
            fake_uow.committed.dataset = apply_inspection(fake_uow.committed.dataset, theirs)
            return False
        return inspection.code not in stored and saves(repository, inspection)

    monkeypatch.setattr(FakeRepository, "save_inspection", raced)
    mine = services.record_inspection(fake_uow, Inspection(org, "label_use", "violation", DAY, "Sai nhãn"))
    stored = services.load_dataset(fake_uow).inspections.set_index("code")
    assert mine.code not in (theirs.code, *data.inspections["code"]) and len(stored) == len(data.inspections) + 2
    assert (stored.loc[theirs.code, "organization_code"], stored.loc[mine.code, "organization_code"]) == (other, org)
    assert stored.loc[theirs.code, "kind"] == "facility"  # theirs as they saved it, not overwritten
    # With a code the person gave, taken meanwhile: refused, naming it; nothing written.
    monkeypatch.setattr(FakeRepository, "save_inspection", lambda repository, inspection: False)
    commits = fake_uow.commits
    with pytest.raises(InspectionRefused) as refused:
        services.record_inspection(fake_uow, Inspection(org, "facility", "compliant", DAY, code="KT-MOI"))
    assert refused.value.code == "error.inspection.code_taken" and "KT-MOI" in refused.value.message("en")
    assert fake_uow.commits == commits
