"""Programme years on a hand-built history whose answers are worked out by hand below: outcomes judged, results
against the adopted run, calibration (Brier included), the posterior p', a phase's progress and the year's share of
it, the calibrated allocation choosing other plans than the stated one, and unresolved violations.

The history (every plan its own product, rated 0★ today, so each counts toward what it promises):

====  ====  ============  ===  ======  ==========================  ================================
plan  year  purpose       p    score   promises                    outcome
====  ====  ============  ===  ======  ==========================  ================================
A     2018  new_product   0.8  60      new product                 completed, new product, score 65
B     2018  new_product   0.9  —       new product                 completed, no new product, 45
C     2018  upgrade       0.5  72      —                           abandoned
D     2019  new_product   0.7  —       new product                 completed, new product, score 40
E     2019  upgrade       0.6  55      —                           in progress, score 58
F     2020  new_product   0.9  —       new product                 —
H     2020  linkage       0.85 —       new product                 —
G     2020  upgrade       0.5  75      —                           — (asks more than the year has)
====  ====  ============  ===  ======  ==========================  ================================
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from chainplan.allocation import allocate
from chainplan.dataset import Dataset
from chainplan.io import write_dataset
from chainplan.programme.calibration import calibrated_probabilities, calibration_table, with_calibrated_probabilities
from chainplan.programme.outcomes import PROMISES, delivered, judged_outcomes, stars, year_results
from chainplan.programme.phases import Phase, PhaseError, PhaseRefused, load_phase, phase_progress, year_targets
from chainplan.scenario import Scenario, ScenarioError, Targets, load_scenario, scenario_from_mapping
from chainplan.services.programme import _year_slice
from models.cli import main

REGIONS = [{"code": "QN", "name": "Quảng Ninh", "level": "province"},
           {"code": "BC", "name": "Ba Chẽ", "level": "district", "parent_code": "QN"}]
ORGANIZATIONS = [{"code": "HTX1", "name": "HTX Ba Chẽ", "role": "producer", "region_code": "BC"},
                 {"code": "HTX2", "name": "HTX Đồng Tâm", "role": "producer", "region_code": "BC"},
                 {"code": "GO", "name": "GO! Hạ Long", "role": "retailer", "kind": "supermarket_chain",
                  "region_code": "QN"}]
LINES = [{"code": f"L{year}", "name": f"NTM {year}", "source": "ntm_provincial", "amount_vnd": amount, "year": year}
         for year, amount in ((2018, 1_000_000_000), (2019, 1_000_000_000), (2020, 100_000_000))]
#: code: (year, purpose, p, expected_score, creates_new_product, amount asked in VND)
PLANS: dict[str, tuple[int, str, float, float | None, bool, int]] = {
    "A": (2018, "new_product", 0.8, 60, True, 100_000_000),
    "B": (2018, "new_product", 0.9, None, True, 200_000_000),
    "C": (2018, "upgrade", 0.5, 72, False, 300_000_000),
    "D": (2019, "new_product", 0.7, None, True, 150_000_000),
    "E": (2019, "upgrade", 0.6, 55, False, 250_000_000),
    "F": (2020, "new_product", 0.9, None, True, 100_000_000),
    "H": (2020, "linkage", 0.85, None, True, 100_000_000),
    "G": (2020, "upgrade", 0.5, 75, False, 500_000_000),
}
OUTCOMES = [
    {"plan_code": "A", "reported_on": "2018-12-15", "status": "completed", "disbursed_vnd": 100_000_000,
     "ocop_score": 65, "new_product": True},
    {"plan_code": "B", "reported_on": "2018-12-15", "status": "completed", "disbursed_vnd": 150_000_000,
     "ocop_score": 45},
    {"plan_code": "C", "reported_on": "2018-10-01", "status": "abandoned", "disbursed_vnd": 50_000_000},
    {"plan_code": "D", "reported_on": "2019-12-15", "status": "completed", "disbursed_vnd": 150_000_000,
     "ocop_score": 40, "new_product": True},
    {"plan_code": "E", "reported_on": "2019-12-15", "status": "in_progress", "disbursed_vnd": 100_000_000,
     "ocop_score": 58},
]


def history(**changes: Any) -> dict[str, list[dict[str, Any]]]:
    plans = [{"code": code, "product_code": f"SP{code}", "organization_code": "HTX1", "purpose": purpose,
              "success_probability": p, "expected_score": score, "creates_new_product": new, "year": year}
             for code, (year, purpose, p, score, new, _amount) in PLANS.items()]
    records: dict[str, list[dict[str, Any]]] = {
        "regions": REGIONS, "organizations": ORGANIZATIONS,
        "products": [{"code": f"SP{code}", "name": f"Sản phẩm {code}", "group": "food", "producer_code": "HTX1",
                      "region_code": "BC"} for code in PLANS],
        "budget_lines": LINES, "plans": plans,
        "plan_requests": [{"plan_code": code, "budget_line_code": f"L{year}", "amount_vnd": amount}
                          for code, (year, _purpose, _p, _score, _new, amount) in PLANS.items()],
        "outcomes": [{**row, "reported_on": dt.date.fromisoformat(row["reported_on"])} for row in OUTCOMES],
    }
    return {**records, **changes}


@pytest.fixture
def data() -> Dataset:
    return Dataset.from_records(history())


# --- outcomes ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("score", "expected"), [(0, 1), (29.99, 1), (30, 2), (49, 2), (49.99, 2), (50, 3), (69, 3),
                                                 (69.99, 3), (70, 4), (89, 4), (89.99, 4), (90, 5), (100, 5)])
def test_stars_at_the_boundaries(score: float, expected: int) -> None:
    assert stars(score) == expected


@pytest.mark.parametrize(("expected_score", "awarded", "succeeded"), [
    (29.99, 29.99, True), (30, 29.99, False), (30, 30, True), (50, 49, False), (50, 50, True), (69, 50, True),
    (70, 69, False), (70, 70, True), (89, 70, True), (90, 89, False), (90, 90, True), (None, 10, True),
    (60, None, False),  # an expected score and no awarded one: the stars promised were not shown
])
def test_succeeded_needs_the_stars_of_the_expected_score(expected_score: float | None, awarded: float | None,
                                                        succeeded: bool) -> None:
    ds = Dataset.from_records({
        "plans": [{"code": "P", "product_code": "X", "organization_code": "O", "purpose": "upgrade",
                   "expected_score": expected_score}],
        "outcomes": [{"plan_code": "P", "reported_on": "2020-12-01", "status": "completed", "ocop_score": awarded}]})
    assert bool(judged_outcomes(ds).loc["P", "succeeded"]) is succeeded


@pytest.mark.parametrize(("promise", "shown"), PROMISES)
def test_a_promise_not_delivered_is_not_a_success(promise: str, shown: str) -> None:
    every = {name: True for _promise, name in PROMISES}
    plan = {"code": "P", "product_code": "X", "organization_code": "O", "purpose": "other", promise: True}
    kept = {"plan_code": "P", "reported_on": "2020-12-01", "status": "completed", **every}
    broken = {**kept, shown: False}
    assert bool(judged_outcomes(Dataset.from_records({"plans": [plan], "outcomes": [kept]})).loc["P", "succeeded"])
    judged = judged_outcomes(Dataset.from_records({"plans": [plan], "outcomes": [broken]})).loc["P"]
    assert bool(judged["finished"]) and not bool(judged["succeeded"])
    # A flag delivered that was never promised does not matter; a promise kept while in progress is no success yet.
    unpromised = {**plan, promise: False}
    assert bool(judged_outcomes(Dataset.from_records({"plans": [unpromised], "outcomes": [broken]})).loc["P",
                                                                                                       "succeeded"])
    running = {**kept, "status": "in_progress"}
    judged = judged_outcomes(Dataset.from_records({"plans": [plan], "outcomes": [running]})).loc["P"]
    assert not bool(judged["finished"]) and not bool(judged["succeeded"])


def test_judged_history(data: Dataset) -> None:
    judged = judged_outcomes(data)
    assert judged["finished"].to_dict() == {"A": True, "B": True, "C": True, "D": True, "E": False}
    assert judged["succeeded"].to_dict() == {"A": True, "B": False, "C": False, "D": True, "E": False}
    # Delivered counts every outcome, finished or not: E's 58 is a 3-5 star product already.
    assert delivered(data.outcomes) == {"new_products": 2, "new_organizations": 0, "supermarket_entries": 0,
                                        "rated_3_to_5_stars": 2, "national_5_star": 0, "safe_food_chain": 0,
                                        "e_stamp_share": None}


def test_year_results_by_hand(data: Dataset) -> None:
    run = {"funded_plans": [{"plan_code": code, "total_vnd": PLANS[code][5]} for code in ("A", "B", "C")],
           "targets": {"new_products": {"achieved": 1.7}, "rated_3_to_5_stars": {"achieved": 1.3}}}
    result = year_results(data, 2018, 4, run)
    assert (result["year"], result["run_id"]) == (2018, 4)
    assert [{k: p[k] for k in ("plan_code", "allocated_vnd", "disbursed_vnd", "status", "succeeded")}
            for p in result["plans"]] == [
        {"plan_code": "A", "allocated_vnd": 100_000_000, "disbursed_vnd": 100_000_000, "status": "completed",
         "succeeded": True},
        {"plan_code": "B", "allocated_vnd": 200_000_000, "disbursed_vnd": 150_000_000, "status": "completed",
         "succeeded": False},
        {"plan_code": "C", "allocated_vnd": 300_000_000, "disbursed_vnd": 50_000_000, "status": "abandoned",
         "succeeded": False}]
    assert result["targets"] == [{"target": "new_products", "expected": 1.7, "delivered": 1},
                                 {"target": "rated_3_to_5_stars", "expected": 1.3, "delivered": 1}]
    # A funded plan with no report: not_reported, nothing disbursed known, success unknown.
    later = year_results(data, 2020, 9, {"funded_plans": [{"plan_code": "F", "amounts": {"L2020": 100}}],
                                         "targets": {}})
    assert {k: later["plans"][0][k] for k in ("allocated_vnd", "disbursed_vnd", "status", "succeeded")} == {
        "allocated_vnd": 100, "disbursed_vnd": None, "status": "not_reported", "succeeded": None}


# --- calibration ------------------------------------------------------------------------------------------------


def test_calibration_table_by_hand(data: Dataset) -> None:
    table = calibration_table(data).set_index("purpose")
    assert list(table.index) == ["new_product", "upgrade"]
    new = table.loc["new_product"]
    # A (0.8, success), B (0.9, failure), D (0.7, success): Brier (0.2² + 0.9² + 0.3²) / 3 = 0.94 / 3.
    assert (new["finished"], new["succeeded"]) == (3, 2)
    assert new["mean_stated_probability"] == pytest.approx(0.8)
    assert new["success_rate"] == pytest.approx(2 / 3)
    assert new["brier"] == pytest.approx(0.94 / 3)
    upgrade = table.loc["upgrade"]  # C only (E is still running): 0.5 against a failure
    assert (upgrade["finished"], upgrade["succeeded"], upgrade["brier"]) == (1, 0, pytest.approx(0.25))


@pytest.mark.parametrize(("year", "strength", "expected"), [
    # 2020: new_product n = 3 (A, B, D), s = 2; upgrade n = 1 (C), s = 0; linkage none.
    (2020, 5, {"F": (2 + 5 * 0.9) / 8, "H": 0.85, "G": (0 + 5 * 0.5) / 6}),
    (2020, 1, {"F": (2 + 0.9) / 4, "H": 0.85, "G": 0.5 / 2}),
    # 2019: only 2018 is history: new_product n = 2 (A, B), s = 1; D is not its own history.
    (2019, 5, {"D": (1 + 5 * 0.7) / 7, "E": (0 + 5 * 0.6) / 6}),
    # 2018: no earlier year, p' = p.
    (2018, 5, {"A": 0.8, "B": 0.9, "C": 0.5}),
])
def test_posterior_by_hand(data: Dataset, year: int, strength: float, expected: dict[str, float]) -> None:
    plans = data.plans[data.plans["year"] == year].set_index("code")
    found = calibrated_probabilities(data, plans, year=year, strength=strength)
    assert found.to_dict() == pytest.approx(expected)


def test_plans_without_a_year_are_no_history() -> None:
    records = history()
    records["plans"] = [{**plan, "year": None} if plan["code"] in ("A", "B") else plan for plan in records["plans"]]
    ds = Dataset.from_records(records)
    plans = ds.plans[ds.plans["code"] == "F"]
    assert calibrated_probabilities(ds, plans, year=2020, strength=5).tolist() == pytest.approx([(1 + 4.5) / 6])


def _tiny_2020(data: Dataset, **keys: Any) -> Scenario:
    return Scenario.model_validate({"name": "tiny", "year": 2020, "required_appraisals": [],
                                    "one_plan_per_product": False, "weights": {"score_gain": 0, "star_upgrade": 0},
                                    **keys})


def test_calibrated_allocation_changes_the_choice(data: Dataset) -> None:
    """2020 has money for one plan of 100,000,000 VND; F and H each bring one new product (value 10), G asks for
    more than the year has. Stated: F 0.9 × 10 = 9.0 beats H 0.85 × 10 = 8.5. Calibrated (k = 5): the
    province's new-product record (2 of 3) brings F to 0.8125, 8.125, below H (no linkage record, 0.85): H."""
    year = _year_slice(data, 2020)
    stated = allocate(year, _tiny_2020(data), compare_baselines=False)
    assert stated.funded_codes == ["F"] and stated.objective == pytest.approx(9.0)
    scenario = _tiny_2020(data, success_probability="calibrated")
    calibrated = allocate(with_calibrated_probabilities(year, data, year=2020, strength=5), scenario,
                          compare_baselines=False)
    assert calibrated.funded_codes == ["H"] and calibrated.objective == pytest.approx(8.5)
    document = calibrated.as_dict()
    probabilities = {row["plan_code"]: (row["stated_probability"], row["success_probability"])
                     for row in document["probabilities"]}
    assert probabilities == {"F": (0.9, 0.8125), "H": (0.85, 0.85), "G": (0.5, pytest.approx(0.416667))}
    assert document["funded_plans"][0]["stated_probability"] == 0.85
    sentences = calibrated.decisions.set_index("plan_code")
    assert "stated: 0.90" in sentences.loc["F", "explanation"] and "0.81" in sentences.loc["F", "explanation"]
    assert "tự đánh giá: 0,90" in sentences.loc["F", "explanation_vi"]
    assert "stated" not in sentences.loc["H", "explanation"]  # the record did not move it
    # A strength of 1,000 plans makes the record weigh little: F's 0.8995 beats H again.
    strong = allocate(with_calibrated_probabilities(year, data, year=2020, strength=1000),
                      _tiny_2020(data, success_probability="calibrated", calibration_strength=1000),
                      compare_baselines=False)
    assert strong.funded_codes == ["F"]


@pytest.mark.parametrize(("keys", "path"), [
    ({"success_probability": "guessed"}, "success_probability"),
    ({"calibration_strength": 0}, "calibration_strength"),
    ({"calibration_strength": "lots"}, "calibration_strength"),
    ({"year": 1999}, "year"),
    ({"exclude_unresolved_violations": "maybe"}, "exclude_unresolved_violations"),
])
def test_bad_programme_keys_are_named(keys: dict[str, Any], path: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_mapping({"name": "x", **keys})
    assert [problem.key for problem in caught.value.problems] == [path]


# --- inspections ------------------------------------------------------------------------------------------------


def _violation(resolved_on: str | None) -> dict[str, Any]:
    return {"code": "KT-07", "organization_code": "HTX1", "inspected_on": "2020-03-02", "kind": "label_use",
            "result": "violation", "finding": "Dùng nhãn OCOP khi chưa được công nhận", "resolved_on": resolved_on}


@pytest.mark.parametrize("resolved_on", [None, "2020-04-01"])
def test_unresolved_violation_makes_the_organizations_plans_ineligible(resolved_on: str | None) -> None:
    records = history(inspections=[_violation(resolved_on),
                                   {**_violation(None), "code": "KT-08", "organization_code": "HTX2"}])
    records["plans"] = [{**plan, "organization_code": "HTX2"} if plan["code"] == "H" else plan
                        for plan in records["plans"]]
    year = _year_slice(Dataset.from_records(records), 2020)
    excluded = allocate(year, _tiny_2020(year, exclude_unresolved_violations=True), compare_baselines=False)
    decisions = excluded.decisions.set_index("plan_code")
    assert decisions.loc["H", "reason"] == "not_eligible"  # HTX2's violation is open in both cases
    assert "KT-08" in decisions.loc["H", "explanation"] and "HTX Đồng Tâm" in decisions.loc["H", "explanation"]
    assert "chưa khắc phục" in decisions.loc["H", "explanation_vi"]
    if resolved_on is None:
        assert decisions.loc["F", "reason"] == "not_eligible" and excluded.funded_codes == []
        assert "KT-07" in decisions.loc["F", "explanation"] and "label use" in decisions.loc["F", "explanation"]
    else:
        assert excluded.funded_codes == ["F"]
    # Without the key, inspections do not decide eligibility.
    assert allocate(year, _tiny_2020(year), compare_baselines=False).funded_codes == ["F"]


# --- phases -----------------------------------------------------------------------------------------------------

PHASE = {"name": "2018-2021", "from": 2018, "to": 2021,
         "targets": {"new_products": {"min": 6}, "rated_3_to_5_stars": {"min": 4, "max": 5},
                     "e_stamp_share": {"min": 0.9}}}


def _adopted_runs() -> dict[int, dict[str, Any]]:
    """2018 funded A, B, C; 2019 funded D and E (counts as the allocation stores them, stated chances)."""
    def funded(code: str, counts: dict[str, float]) -> dict[str, Any]:
        return {"plan_code": code, "success_probability": PLANS[code][2], "counts": counts}

    return {2018: {"funded_plans": [funded("A", {"new_product": 1.0, "rated_3_to_5_stars": 1.0}),
                                    funded("B", {"new_product": 1.0}), funded("C", {"rated_3_to_5_stars": 1.0})]},
            2019: {"funded_plans": [funded("D", {"new_product": 1.0}), funded("E", {"rated_3_to_5_stars": 1.0})]},
            2017: {"funded_plans": [funded("F", {"new_product": 1.0})]}}  # outside the phase: not counted


def test_progress_by_hand(data: Dataset) -> None:
    """Delivered over the phase's plans: new products A, D = 2; 3-5 stars A (65), E (58, running) = 2. Expected:
    only E is funded and unfinished: 0.6 × 1 toward 3-5 stars. Remaining: 6 − 2 = 4; 4 − 2 − 0.6 = 1.4."""
    progress = phase_progress(data, Phase.model_validate(PHASE), _adopted_runs()).set_index("target")
    assert progress.loc["new_products"].to_dict() == {"min": 6.0, "max": None, "delivered": 2, "expected": 0.0,
                                                      "remaining": 4.0}
    rated = progress.loc["rated_3_to_5_stars"]
    assert (rated["delivered"], rated["expected"], rated["remaining"]) == (2, pytest.approx(0.6), pytest.approx(1.4))
    share = progress.loc["e_stamp_share"]
    assert (share["delivered"], share["expected"], share["remaining"]) == (None, None, None)


def test_progress_recounts_a_run_stored_without_counts(data: Dataset) -> None:
    runs = _adopted_runs()
    runs[2019] = {"funded_plans": [{"plan_code": code, "success_probability": PLANS[code][2]} for code in "DE"]}
    progress = phase_progress(data, Phase.model_validate(PHASE), runs).set_index("target")
    assert progress.loc["rated_3_to_5_stars", "expected"] == pytest.approx(0.6)  # E: below 3★ today, expects 55


def test_phase_minimum_shared_over_the_years_left(data: Dataset) -> None:
    phase = Phase.model_validate(PHASE)
    progress = phase_progress(data, phase, _adopted_runs())
    # 2020 to 2021: two years left. new_products 4 / 2; 3-5 stars 1.4 / 2 and (5 − 2 − 0.6) / 2; the share as is;
    # national 5★ is the scenario's own and stays.
    own = Targets.model_validate({"national_5_star": {"min": 1}})
    derived = year_targets(phase, progress, year=2020, own=own)
    assert derived.new_products.min == pytest.approx(2.0) and derived.new_products.max is None
    assert (derived.rated_3_to_5_stars.min, derived.rated_3_to_5_stars.max) == (pytest.approx(0.7),
                                                                                 pytest.approx(1.2))
    assert derived.e_stamp_share.min == 0.9 and derived.national_5_star.min == 1
    # The scenario's own bound wins over the phase's.
    mine = year_targets(phase, progress, year=2021, own=Targets.model_validate({"new_products": {"min": 9}}))
    assert mine.new_products.min == 9 and mine.rated_3_to_5_stars.min == pytest.approx(1.4)
    with pytest.raises(PhaseRefused) as outside:
        year_targets(phase, progress, year=2022, own=Targets())
    assert outside.value.code == "error.phase.year_outside"


@pytest.mark.parametrize(("content", "key", "code"), [
    ("name: x\nfrom: 2020\nto: 2017\n", "", "error.phase.from_after_to"),
    ("name: x\nfrom: 2017\nto: 2020\ntarget: {}\n", "target", "error.scenario.unknown_key"),
    ("name: x\nfrom: 2017\nto: 2020\ntargets: {new_products: {min: 5, max: 2}}\n", "targets.new_products",
     "error.scenario.min_above_max"),
    ("name: x\nto: 2020\n", "from", "error.scenario.missing_key"),
    ("name: x\nfrom: 1990\nto: 2020\n", "from", "error.value.at_least"),
    ("name: [unclosed\n", None, "error.scenario.bad_yaml_at"),
])
def test_bad_phase_files_name_file_and_key(tmp_path: Path, content: str, key: str | None, code: str) -> None:
    path = tmp_path / "phase.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PhaseError) as caught:
        load_phase(path)
    [problem] = caught.value.problems
    assert problem.source == str(path) and problem.code == code
    if key is not None:
        assert (problem.key or "").removeprefix("(phase)") == key
    assert str(caught.value).startswith("1 problem(s) in the phase file")
    with pytest.raises(PhaseError):
        load_phase(tmp_path / "missing.yaml")


def test_shipped_phase_reads() -> None:
    phase = load_phase(Path(__file__).resolve().parents[2] / "scenarios" / "phases" / "2017-2020.yaml")
    assert (phase.first, phase.last) == (2017, 2020)
    assert {name for name, _bound in phase.targets.items()} >= {"new_products", "rated_3_to_5_stars"}


def test_a_scenarios_phase_is_read_relative_to_the_file_that_names_it(tmp_path: Path) -> None:
    (tmp_path / "phases").mkdir()
    (tmp_path / "phases" / "p.yaml").write_text("name: p\nfrom: 2018\nto: 2021\n", encoding="utf-8")
    (tmp_path / "base.yaml").write_text("name: base\nphase: phases/p.yaml\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "child.yaml").write_text("name: child\nextends: ../base.yaml\n", encoding="utf-8")
    assert load_scenario(tmp_path / "sub" / "child.yaml").phase == str((tmp_path / "phases" / "p.yaml").resolve())


# --- the commands on a stored history ---------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    try:
        return code, json.loads(captured.out), captured.err
    except json.JSONDecodeError:
        return code, captured.out, captured.err


def _scenario(folder: Path, name: str, **keys: Any) -> Path:
    path = folder / f"{name}.yaml"
    document = {"name": name, "required_appraisals": [], "one_plan_per_product": False, **keys}
    path.write_text(json.dumps(document), encoding="utf-8")  # JSON is YAML
    return path


def test_commands_on_a_stored_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'history.db'}"
    write_dataset(Dataset.from_records(history()), tmp_path / "data")
    assert cli(capsys, "--db", db, "import", str(tmp_path / "data"))[0] == 0
    targets = {"new_products": {"min": 2}, "rated_3_to_5_stars": {"min": 1}}
    for year in (2018, 2019):
        code, run, _ = cli(capsys, "--db", db, "allocate", str(_scenario(tmp_path, f"y{year}", year=year,
                                                                          targets=targets)), "--format", "json")
        assert code == 0 and run["status"] == "optimal"
        assert [p["plan_code"] for p in run["funded_plans"]] == (["A", "B", "C"] if year == 2018 else ["D", "E"])
        assert cli(capsys, "--db", db, "adopt", str(run["run_id"]), "--by", "BCĐ", "--year", str(year))[0] == 0

    code, results, _ = cli(capsys, "--db", db, "results", "--year", "2018", "--format", "json")
    assert code == 0 and set(results) == {"year", "run_id", "plans", "targets"}
    assert [(p["plan_code"], p["allocated_vnd"], p["disbursed_vnd"], p["status"], p["succeeded"])
            for p in results["plans"]] == [("A", 100_000_000, 100_000_000, "completed", True),
                                           ("B", 200_000_000, 150_000_000, "completed", False),
                                           ("C", 300_000_000, 50_000_000, "abandoned", False)]
    # Expected as the run computed it: new products 0.8 + 0.9; 3-5 stars A 0.8 + C 0.5. Delivered: A; A.
    assert results["targets"] == [{"target": "new_products", "expected": pytest.approx(1.7), "delivered": 1},
                                  {"target": "rated_3_to_5_stars", "expected": pytest.approx(1.3), "delivered": 1}]
    code, text, _ = cli(capsys, "--db", db, "results", "--year", "2018")
    assert code == 0 and "Sản phẩm A — HTX Ba Chẽ" in text and "100,000,000 VND" in text and "abandoned" in text
    code, refused, err = cli(capsys, "--db", db, "results", "--year", "2020", "--format", "json")
    assert code == 2 and "No run is adopted for 2020" in refused["error"] and "2020" in err
    assert cli(capsys, "--db", db, "results", "--year", "1999")[0] == 2

    code, calibration, _ = cli(capsys, "--db", db, "calibration", "--format", "json")
    assert code == 0 and [row["purpose"] for row in calibration] == ["new_product", "upgrade"]
    assert calibration[0]["brier"] == pytest.approx(0.94 / 3) and calibration[1]["success_rate"] == 0

    phase = tmp_path / "phase.yaml"
    phase.write_text(json.dumps(PHASE), encoding="utf-8")
    code, progress, _ = cli(capsys, "--db", db, "progress", str(phase), "--format", "json")
    assert code == 0
    by_target = {row["target"]: row for row in progress}
    assert by_target["new_products"]["remaining"] == pytest.approx(4.0)
    assert by_target["rated_3_to_5_stars"]["expected"] == pytest.approx(0.6)  # E, from the adopted 2019 run
    assert cli(capsys, "--db", db, "progress", str(tmp_path / "nope.yaml"))[0] == 2

    # The 2020 scenario takes its targets from the phase (two years left) and calibrates: H is funded, not F.
    scenario = _scenario(tmp_path, "y2020", year=2020, phase="phase.yaml", success_probability="calibrated",
                         weights={"score_gain": 0, "star_upgrade": 0})
    code, run, _ = cli(capsys, "--db", db, "allocate", str(scenario), "--format", "json", "--no-store")
    assert code == 0 and [p["plan_code"] for p in run["funded_plans"]] == ["H"]
    assert run["targets"]["new_products"]["target"] == {"min": pytest.approx(2.0), "max": None}
    assert run["targets"]["rated_3_to_5_stars"]["target"] == {"min": pytest.approx(0.7), "max": pytest.approx(1.2)}
    assert "stated: 0.90" in run["explanations"]["F"]
    outside = _scenario(tmp_path, "y2022", year=2022, phase="phase.yaml")
    code, refused, _ = cli(capsys, "--db", db, "allocate", str(outside), "--format", "json", "--no-store")
    assert code == 2 and "outside the phase" in refused["error"]


def test_calibration_of_no_history_is_empty() -> None:
    assert calibration_table(Dataset.empty()).empty
    assert list(calibration_table(Dataset.empty()).columns) == ["purpose", "finished", "succeeded",
                                                                "mean_stated_probability", "success_rate", "brier"]
    assert isinstance(delivered(Dataset.empty().outcomes), dict)
    assert pd.isna(pd.NA) is True  # pandas' NA is what a blank year reads as


def test_inspections_per_organization_open_violations_first(fake_uow: Any) -> None:
    from chainplan import services
    from chainplan.services.programme import ResultsRefused

    checks = [{"code": "KT-01", "organization_code": "HTX1", "inspected_on": dt.date(2019, 5, 2), "kind": "facility",
               "result": "compliant"},
              {"code": "KT-02", "organization_code": "HTX2", "inspected_on": dt.date(2019, 6, 1),
               "kind": "point_of_sale", "result": "violation", "resolved_on": dt.date(2019, 7, 1)},
              {"code": "KT-03", "organization_code": "HTX2", "inspected_on": dt.date(2020, 2, 1),
               "kind": "label_use", "result": "violation"}]
    services._replace(fake_uow, Dataset.from_records(history(inspections=checks)), "test")
    view = services.inspections_view(fake_uow)
    assert view.organizations[["organization_code", "organization", "inspections", "violations",
                               "unresolved"]].to_dict("records") == [
        {"organization_code": "HTX2", "organization": "HTX Đồng Tâm", "inspections": 2, "violations": 2,
         "unresolved": 1},
        {"organization_code": "HTX1", "organization": "HTX Ba Chẽ", "inspections": 1, "violations": 0,
         "unresolved": 0}]
    one = services.inspections_view(fake_uow, "HTX2").inspections
    assert list(one["code"]) == ["KT-03", "KT-02"] and list(one["unresolved"]) == [True, False]
    with pytest.raises(ResultsRefused) as refused:
        services.year_results(fake_uow, 2018)
    assert refused.value.message("vi").startswith("Chưa có phương án nào được thông qua cho năm 2018")
