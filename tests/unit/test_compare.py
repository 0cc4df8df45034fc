"""Comparing stored runs whose differences are known by construction, and the committee pack opened as a user would."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainplan import services
from chainplan.compare import CompareRefused, gini
from chainplan.decisions import UnknownRun
from tests.allocation_helpers import instance, scenario
from tests.conftest import FakeUnitOfWork

# Region A: P1 (60 VND, benefit 10, a new product), P2 (30 VND, benefit 6); region B: P3 (40 VND, benefit 5).
PLANS = [{"code": "P1", "benefit": 10, "requests": {"L1": 60}, "creates_new_product": True},
         {"code": "P2", "benefit": 6, "requests": {"L1": 30}},
         {"code": "P3", "benefit": 5, "requests": {"L1": 40}, "region": "B"}]


@pytest.fixture
def two_runs(fake_uow: FakeUnitOfWork) -> tuple[FakeUnitOfWork, int, int]:
    services._replace(fake_uow, instance(PLANS, {"L1": 100}), "hand-made")
    # 100 VND: P1 + P2 (90 VND, benefit 16) is best. 70 VND (and no penalty): P2 + P3 (70, benefit 11) beats P1 (10).
    full = services.run_allocation(fake_uow, scenario(name="full", targets={"new_products": {"min": 1}}))
    lean = services.run_allocation(fake_uow, scenario(name="lean", budget_scale=0.7,
                                                      targets={"new_products": {"min": 1}}, shortfall_penalty=0))
    assert full.run_id is not None and lean.run_id is not None
    return fake_uow, full.run_id, lean.run_id


def test_differences_known_by_construction(two_runs: tuple[FakeUnitOfWork, int, int]) -> None:
    uow, full, lean = two_runs
    document = services.compare(uow, [full, lean]).as_dict()
    runs = {r["run_id"]: r for r in document["runs"]}
    assert (runs[full]["funded_vnd"], runs[full]["funded_plans"]) == (90, 2)
    assert (runs[lean]["funded_vnd"], runs[lean]["funded_plans"]) == (70, 2)
    assert {p["plan_code"]: p["funded_in"] for p in document["plans"]} == {"P1": [full], "P2": [full, lean],
                                                                           "P3": [lean]}
    assert {(r["run_id"], r["available"], r["used"]) for r in document["lines"]} == {(full, 100, 90),
                                                                                    (lean, 70, 70)}
    regions = {(r["region_code"], r["run_id"]): (r["amount_vnd"], r["plans"]) for r in document["regions"]}
    assert regions == {("A", full): (90, 2), ("A", lean): (30, 1), ("B", lean): (40, 1)}
    for run_id, run in runs.items():  # every funded VND once
        assert sum(r["amount_vnd"] for r in document["regions"] if r["run_id"] == run_id) == run["funded_vnd"]
    # Full: A takes everything, B (which had an eligible plan) nothing; lean: 30 and 40.
    assert runs[full]["gini"] == pytest.approx(gini([90, 0])) == pytest.approx(0.5)
    assert runs[lean]["gini"] == pytest.approx(gini([30, 40]), abs=1e-6)  # stored to 6 decimals
    assert (runs[full]["regions_funded"], runs[full]["largest_region_share"]) == (1, 1.0)
    assert runs[lean]["largest_region_share"] == pytest.approx(40 / 70, abs=1e-6)
    targets = {(t["target"], t["run_id"]): (t["achieved"], t["met"]) for t in document["targets"]}
    assert targets == {("new_products", full): (1.0, True), ("new_products", lean): (0.0, False)}
    costs = {(c["outcome"], c["run_id"]): c["vnd_per_unit"] for c in document["cost_per_outcome"]}
    assert costs[("new_products", full)] == 90 and costs[("new_products", lean)] is None
    assert document["warnings"] == []


def test_bad_requests_are_refused(two_runs: tuple[FakeUnitOfWork, int, int]) -> None:
    uow, full, _lean = two_runs
    with pytest.raises(CompareRefused, match="compare 2 to 5 runs; 1 given"):
        services.compare(uow, [full])
    with pytest.raises(CompareRefused, match="given twice"):
        services.compare(uow, [full, full])
    with pytest.raises(UnknownRun):
        services.compare(uow, [full, 99])


def test_runs_on_different_data_are_compared_with_a_warning(fake_uow: FakeUnitOfWork) -> None:
    services._replace(fake_uow, instance(PLANS, {"L1": 100}), "first")
    first = services.run_allocation(fake_uow, scenario(name="a")).run_id
    services._replace(fake_uow, instance(PLANS, {"L1": 50}), "second")
    second = services.run_allocation(fake_uow, scenario(name="b")).run_id
    assert first is not None and second is not None
    [warning] = services.compare(fake_uow, [first, second]).warnings
    assert "different data" in warning and f"runs {first}" in warning and f"runs {second}" in warning


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_committee_pack_opens_with_every_view(two_runs: tuple[FakeUnitOfWork, int, int], tmp_path: Path,
                                                  lang: str) -> None:
    from openpyxl import load_workbook

    uow, full, lean = two_runs
    pack, report = tmp_path / "pack.xlsx", tmp_path / "pack.html"
    services.compare(uow, [full, lean], out=pack, report=report, lang=lang)
    workbook = load_workbook(pack)
    expected = (["Tổng hợp", "Chỉ tiêu", "Kế hoạch", "Nguồn vốn", "Địa bàn", "Chi phí theo kết quả", "Giải trình"]
                if lang == "vi" else ["Summary", "Targets", "Plans", "Budget lines", "Regions", "Cost per outcome",
                                      "Explanations"])
    assert workbook.sheetnames == expected
    summary = workbook[expected[0]]  # one row per figure, one column per option
    money = next(row for row in summary.iter_rows() if row[0].value == ("Kinh phí hỗ trợ (đồng)" if lang == "vi"
                                                                       else "Funded (VND)"))
    assert [c.value for c in money[1:]] == [90, 70]  # numbers, not text
    assert money[1].number_format == '#,##0 "₫"'
    first = next(row[0].row for row in summary.iter_rows() if row[0].value == ("Trạng thái" if lang == "vi"
                                                                                else "Status"))
    assert summary.freeze_panes == f"B{first}"  # below the header row, beside the figures' names
    targets = workbook[expected[1]]
    assert [row[0] for row in targets.iter_rows(values_only=True)][-1] == (
        "Sản phẩm mới" if lang == "vi" else "New products")
    explanations = workbook[expected[-1]]
    codes = [row[1] for row in explanations.iter_rows(values_only=True)]
    assert sorted(c for c in codes if c in {"P1", "P2", "P3"}) == ["P1", "P2", "P3"]  # every plan, once
    text = report.read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in text and "@page { size: A4" in text
    assert ("So sánh phương án phân bổ vốn" if lang == "vi" else "Comparison of funding options") in text
    assert ("90 ₫" if lang == "vi" else "90 VND") in text
    assert "https://" not in text.split("<body>")[0]  # self-contained: no stylesheet or script to fetch


def test_a_pack_that_cannot_be_written_is_refused_before_anything(two_runs: tuple[FakeUnitOfWork, int, int],
                                                                   tmp_path: Path) -> None:
    uow, full, lean = two_runs
    with pytest.raises(services.OutputNotWritable, match=r"must end in \.html"):
        services.compare(uow, [full, lean], report=tmp_path / "pack.pdf")
    assert list(tmp_path.iterdir()) == []
