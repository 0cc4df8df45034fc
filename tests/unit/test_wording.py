"""Decisions and eligibility read the same in both languages: every sentence exists in each, and a Vietnamese
sentence is not the English one left untranslated."""

from __future__ import annotations

from chainplan.allocation import allocate
from chainplan.allocation.data import eligibility_reasons
from chainplan.allocation.wording import decision_sentence, eligibility_sentence
from chainplan.dataset import Dataset
from chainplan.scenario import Scenario


def test_every_decision_has_a_vietnamese_sentence_that_is_not_the_english_one(demo: Dataset) -> None:
    scenario = Scenario(name="wording", min_grant_vnd=300_000_000, max_plans_per_region=4, max_region_share=0.2)
    decisions = allocate(demo, scenario).decisions
    assert decisions["explanation_vi"].map(bool).all()
    assert (decisions["explanation_vi"] != decisions["explanation"]).all()
    seen = set(decisions["reason"])
    assert {"funded", "not_eligible"} <= seen and len(seen) >= 4  # the case covers several kinds of decision
    for english in ("Funded", "Not eligible", "Lost on", "VND per", "ranks", "appraisal"):
        assert not decisions["explanation_vi"].str.contains(english).any(), english


def test_eligibility_reasons_name_the_same_stage_in_both_languages() -> None:
    data = Dataset.from_records({
        "plans": [{"code": "A", "product_code": "P", "organization_code": "O", "purpose": "upgrade"},
                  {"code": "B", "product_code": "P", "organization_code": "O", "purpose": "upgrade",
                   "requires_plan": "A"}],
        "appraisals": [{"plan_code": "A", "stage": "district", "status": "failed"},
                       {"plan_code": "B", "stage": "district", "status": "passed"},
                       {"plan_code": "B", "stage": "province", "status": "passed"}]})
    scenario = Scenario(name="x")
    english = eligibility_reasons(data, scenario)
    vietnamese = eligibility_reasons(data, scenario, lang="vi")
    assert english["A"] == ["failed the district appraisal", "not appraised at province level"]
    assert vietnamese["A"] == ["không đạt thẩm định cấp huyện", "chưa được thẩm định cấp tỉnh"]
    assert english["B"] == ["needs plan A (P — O), which is not eligible"]
    assert vietnamese["B"] == ["cần kế hoạch A (P — O), nhưng kế hoạch này chưa đủ điều kiện"]


def test_money_in_a_reason_is_written_the_way_each_language_writes_it() -> None:
    params = {"total": 1_234_567, "minimum": 2_000_000}
    assert eligibility_sentence("below_min_grant", params, "en").startswith("asks for 1,234,567 VND")
    assert eligibility_sentence("below_min_grant", params, "vi") == (
        "tổng đề nghị 1.234.567 ₫, dưới mức hỗ trợ tối thiểu 2.000.000 ₫")
    assert decision_sentence("region_cap", {"region": "HL", "cap": 3}, "vi").startswith("Địa bàn HL đã có 3")


def test_explanations_read_names_and_the_languages_numbers_not_codes() -> None:
    import re
    from pathlib import Path

    from chainplan.demo import build_demo_dataset
    from chainplan.names import name_book
    from chainplan.scenario import load_scenario
    from chainplan.years import dataset_for_year, latest_year

    demo = build_demo_dataset()
    dataset = dataset_for_year(demo, latest_year(demo))  # what a run of the scenario reads: its year
    book = name_book(dataset)
    scenario = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "concentrate.yaml")
    decisions = allocate(dataset, scenario, compare_baselines=False).decisions
    by_reason = {reason: group for reason, group in decisions.groupby("reason")}
    assert {"funded", "value_for_money", "region_cap", "one_plan_per_product"} <= set(by_reason)
    line_codes = set(book["line"])
    for vi, en in zip(decisions["explanation_vi"], decisions["explanation"], strict=True):
        assert "VND" not in vi and not re.search(r"\d\.\d\d\b", vi), vi  # ₫, and a decimal comma
        assert "₫" not in en, en
        assert not any(f"nguồn {code}" in vi or f"line {code}" in en for code in line_codes), (vi, en)
    for row in by_reason["region_cap"].itertuples():
        assert any(name in row.explanation_vi for name in book["region"].values()), row.explanation_vi
    for row in by_reason["one_plan_per_product"].itertuples():
        assert any(name in row.explanation_vi for name in book["product"].values()), row.explanation_vi
    funded = by_reason["funded"].iloc[0]
    assert re.search(r"lợi ích kỳ vọng \d+,\d\d", funded["explanation_vi"]), funded["explanation_vi"]
