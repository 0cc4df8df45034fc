"""What a run says beside its figures reaches a page in the page's language: an answer cut off and solved again,
a solver replaced or confirmed, why a run ended without an optimum, why nothing could be funded.

Before, these were English sentences stored once and printed as they were on Vietnamese pages. Each case here is
made to happen (a solver scripted to give a broken answer or a false "infeasible"), stored as a run document,
and drawn by the run panel in Vietnamese; the English sentence must not be on the page, its Vietnamese one must.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from chainplan.allocation import allocate
from chainplan.allocation import solve as solve_module
from chainplan.allocation.results import AllocationResult
from chainplan.allocation.solve import SolveOutcome
from chainplan.dataset import Dataset
from chainplan.ports import StoredRun
from chainplan.runview import allocation_view
from chainplan.wording import Phrase, term
from dash_app.panels.run import render_run
from tests.allocation_helpers import instance, scenario, scripted_solver

NEAR = [{"code": "A", "benefit": 10, "requests": {"L1": 40_000_000_001}},
        {"code": "B", "benefit": 9, "requests": {"L1": 20_000_000_000}},
        {"code": "C", "benefit": 1, "requests": {"L1": 1_000_000_000}}]
NEAR_LINES = {"L1": 60_000_000_000}
#: Words both languages share here: solver names, codes of the tiny instance.
SHARED = {"highs", "cbc", "L1"}


def _strings(component: Any) -> list[str]:
    """Every string a Dash component tree holds, in children and in properties (a grid's rows)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif hasattr(value, "to_plotly_json"):
            walk(value.to_plotly_json().get("props", {}))

    walk(component)
    return found


def _page(result: AllocationResult, ds: Dataset, lang: str) -> list[str]:
    document = result.as_dict()
    stored = StoredRun("test", {"name": "test"}, ds.fingerprint(), "milp", result.status, result.objective, document,
                       id=1, created_by="tester")
    return _strings(render_run(stored, allocation_view(document, ds, fingerprint=ds.fingerprint()), lang))


def _english_words(sentence: str) -> set[str]:
    return {word for word in re.findall(r"[A-Za-z]{4,}", sentence) if word not in SHARED}


def _assert_read_in_vietnamese(english: str, vietnamese: str, page: list[str]) -> None:
    assert english and vietnamese and english != vietnamese
    assert _english_words(english), "the English sentence has no word to look for: the test would prove nothing"
    assert not _english_words(english) & set(re.findall(r"[A-Za-z]{4,}", vietnamese)), vietnamese
    text = "\n".join(page)
    assert vietnamese in text and english not in text


def test_an_answer_cut_off_and_solved_again_is_told_in_vietnamese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solve_module, "solve_model", scripted_solver(
        [SolveOutcome("optimal", 19.0, {"A": 1.0, "B": 1.0, "C": 0.0}, 0.0, 0.01, "highs")]))
    ds = instance(NEAR, NEAR_LINES)
    result = allocate(ds, scenario(), compare_baselines=False)
    document = result.as_dict()
    [english], [vietnamese] = document["warnings"], document["warnings_vi"]
    # The line and the amount as each language writes them: one VND over line L1.
    assert "budget line L1 by 1 VND" in english and "nguồn vốn L1, vượt 1 ₫" in vietnamese
    _assert_read_in_vietnamese(english, vietnamese, _page(result, ds, "vi"))
    assert english in "\n".join(_page(result, ds, "en"))


def test_a_solver_replaced_after_a_false_infeasible_is_told_in_vietnamese(monkeypatch: pytest.MonkeyPatch) -> None:
    infeasible = SolveOutcome("infeasible", None, {}, None, 0.01, "cbc", Phrase("solve.infeasible"))
    monkeypatch.setattr(solve_module, "solve_model", scripted_solver([infeasible]))
    ds = instance(NEAR, NEAR_LINES)
    result = allocate(ds, scenario(solver="cbc"), compare_baselines=False)
    assert result.status == "optimal" and result.solver == "highs"
    document = result.as_dict()
    [english], [vietnamese] = document["warnings"], document["warnings_vi"]
    assert english == document["solver_notes"][0] + "."
    _assert_read_in_vietnamese(english, vietnamese, _page(result, ds, "vi"))


def test_a_run_without_an_answer_says_why_in_vietnamese(monkeypatch: pytest.MonkeyPatch) -> None:
    infeasible = SolveOutcome("infeasible", None, {}, None, 0.01, "cbc", Phrase("solve.infeasible"))
    monkeypatch.setattr(solve_module, "solve_model", scripted_solver([infeasible, infeasible]))
    ds = instance(NEAR, NEAR_LINES)
    result = allocate(ds, scenario(), compare_baselines=False)
    assert result.status == "error"
    document = result.as_dict()
    assert document["message"].startswith("no solver returned a valid allocation")
    page = _page(result, ds, "vi")
    _assert_read_in_vietnamese(document["message"], document["message_vi"], page)
    # Every plan's reason says the same, within the Vietnamese sentence.
    explanations = set(result.decisions["explanation_vi"])
    assert len(explanations) == 1 and document["message_vi"] in explanations.pop()
    # The reason column names the reason, not its code.
    assert set(result.decisions["reason"]) == {"no_solution"}
    assert term("reason", "no_solution", "vi") in page and "no_solution" not in page


def test_nothing_eligible_under_hard_targets_is_diagnosed_in_vietnamese() -> None:
    ds = instance([{"code": "A", "benefit": 1, "requests": {"L1": 5}, "appraisal": "failed"}], {"L1": 10})
    result = allocate(ds, scenario(required_appraisals=["province"], target_mode="hard",
                                   targets={"new_products": {"min": 1}}), compare_baselines=False)
    assert result.status == "infeasible"
    [diagnosis] = result.diagnosis
    page = _page(result, ds, "vi")
    _assert_read_in_vietnamese(diagnosis["explanation"], diagnosis["explanation_vi"], page)
    _assert_read_in_vietnamese(result.message, result.as_dict()["message_vi"], page)


def test_every_plan_of_an_infeasible_run_gives_its_reason_by_name() -> None:
    # The plan that creates a product asks for more than the line holds: new_products >= 1 cannot be met.
    ds = instance([{"code": "P0", "benefit": 1, "requests": {"L1": 10}, "creates_new_product": True},
                   {"code": "P1", "benefit": 1, "requests": {"L1": 5}}], {"L1": 5})
    result = allocate(ds, scenario(target_mode="hard", targets={"new_products": {"min": 1}}), compare_baselines=False)
    assert result.status == "infeasible" and set(result.decisions["reason"]) == {"infeasible"}
    page = _page(result, ds, "vi")
    assert term("reason", "infeasible", "vi") in page and "infeasible" not in page


def test_a_solver_that_keeps_breaking_a_rule_is_named_with_the_rule_and_by_how_much(
        monkeypatch: pytest.MonkeyPatch) -> None:
    over = SolveOutcome("optimal", 19.0, {"A": 1.0, "B": 1.0, "C": 0.0}, 0.0, 0.01, "highs")
    monkeypatch.setattr(solve_module, "solve_model", scripted_solver([over] * (2 * solve_module.MAX_REPAIRS + 2)))
    ds = instance(NEAR, NEAR_LINES)
    result = allocate(ds, scenario(), compare_baselines=False)
    assert result.status == "error"
    document = result.as_dict()
    assert "kept returning allocations that break the rules: budget line L1 over by 1 VND" in document["message"]
    assert "nguồn vốn L1 vượt 1 ₫" in document["message_vi"]
    _assert_read_in_vietnamese(document["message"], document["message_vi"], _page(result, ds, "vi"))


def test_minimum_shares_that_add_up_to_more_than_everything_are_said_in_both_languages(demo: Dataset) -> None:
    # min_region_share 0.2 over 13 districts is 260 %: only funding nothing meets it, and the run said "optimal"
    # with not a word.
    from chainplan.allocation.data import prepare
    from chainplan.allocation.results import assemble_result
    from chainplan.scenario import Scenario
    from chainplan.wording import render

    def said(share: float) -> list[Any]:
        # The notice is the data's and the scenario's, whatever the solver does: the result of funding nothing.
        inp = prepare(demo, Scenario(name="shares", min_region_share=share))
        result = assemble_result(inp, [], method="milp", status="optimal")
        return [notice for notice in result.notices if notice.code == "warning.min_share_unreachable"]

    assert said(0.01) == []
    [notice] = said(0.9)
    regions = notice.params["regions"]
    assert regions >= 2 and said(1 / regions + 1e-9) and not said(1 / regions - 1e-9)
    for lang in ("vi", "en"):
        assert "{" not in render(notice, lang) and "90" in render(notice, lang)
