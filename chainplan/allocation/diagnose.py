"""Why a scenario with hard targets is infeasible, and by how much each rule would have to move.

CBC has no irreducible-infeasible-set tool, so the model is rebuilt with elastic (slack) variables on the hard
targets, the budget lines and the regional rules, and solved for the least total relative slack. Every rule
that needed slack is reported with the amount: a target to lower, a line to raise, a cap or share to relax.

In a robust scenario the slack of a counted target moves the bound of its chance row (μ − zσ ≥ min − s), with
the same outer-approximation cuts as the allocation (:mod:`chainplan.allocation.chance`), so the amount is how
far the minimum (or maximum) must move at the scenario's confidence. The confidence itself can move instead:
the diagnosis also finds, by bisection on full checked solves, the highest confidence at which the scenario is
feasible with every bound as written (feasibility only shrinks as the confidence rises), or says that none
above one half is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chainplan.allocation.data import AllocationInput
from chainplan.allocation.model import VND_UNIT, AllocationModel, build_model, cut_broken_chance_rows
from chainplan.allocation.solve import Deadline, SolveOutcome, relaxation_rounds, solve_model, solve_verified
from chainplan.allocation.targets import TOLERANCE
from chainplan.allocation.wording import LANGS, diagnosis_sentence, target_name
from chainplan.wording import Money, Number, Phrase, Share, text

__all__ = ["CONFIDENCE_STEP", "diagnose_infeasibility", "highest_feasible_confidence"]

_MINIMUM_SLACK = 1e-6
#: The bisection on the confidence stops when the feasible and the infeasible level are this close.
CONFIDENCE_STEP = 0.005


def _sentence(rule: str, subject: str, amount: float, inp: AllocationInput, lang: str) -> str:
    """How far one rule must move, in ``lang`` (targets by their codes in English, as the scenario file writes
    them, and by name in Vietnamese)."""
    targets = dict(inp.scenario.targets.items())
    target = target_name(subject, lang) if lang == "vi" else subject
    if rule == "target_min":
        bound = targets[subject].min or 0.0
        if subject == "e_stamp_share":
            return text("diagnosis.target_min_share", lang, target=target, bound=Share(bound, 0),
                        amount=Number(amount, 2))
        return text("diagnosis.target_min", lang, target=target, bound=Number(bound, 6),
                    reach=Number(bound - amount, 2), amount=Number(amount, 2))
    if rule == "target_max":
        return text("diagnosis.target_max", lang, target=target, bound=Number(targets[subject].max or 0.0, 6),
                    amount=Number(amount, 2))
    if rule == "budget_line":
        return text("diagnosis.budget_line", lang, line=subject, amount=Money(round(amount)))
    if rule == "max_plans_per_region":
        return text("diagnosis.max_plans_per_region", lang, region=subject, count=Number(amount, 0))
    if rule in ("min_region_share", "max_region_share"):
        return text(f"diagnosis.{rule}", lang, region=subject, amount=Money(round(amount)))
    return f"{rule} {subject}: {amount:g}"


def _chance_entry(rule: str, subject: str, amount: float, inp: AllocationInput) -> dict[str, Any]:
    bound = dict(inp.scenario.targets.items())[subject]
    kind = rule.removeprefix("chance_")
    params = {"target": subject, "bound": (bound.min if kind == "min" else bound.max) or 0.0, "amount": amount,
              "confidence": inp.scenario.confidence}
    words = {lang: diagnosis_sentence(rule, params, lang) for lang in LANGS}
    return {"rule": rule, "subject": subject, "amount": amount, "unit": "expected count",
            "explanation": words["en"], "explanation_vi": words["vi"]}


def _solve_elastic(model: AllocationModel, solver: str, deadline: Deadline) -> SolveOutcome:
    """Solve the elastic model; in a robust scenario add chance-row cuts (with the rows' slack) until the answer
    meets every chance row once its slack is counted, or the time runs out."""
    seen: set[frozenset[str]] = set()
    relaxation_rounds(model, solver, deadline)
    while True:
        remaining = deadline.remaining()
        if remaining <= 0:
            return SolveOutcome("time_limit", None, {}, None, 0.0, solver,
                                Phrase("solve.diagnosis_out_of_time"))
        outcome = solve_model(model, solver, time_limit_s=remaining)
        if outcome.objective is None or not model.chance:
            return outcome
        point = frozenset(outcome.funded)
        broken, added = cut_broken_chance_rows(model, outcome.funded, TOLERANCE)
        if not broken or not added or point in seen or deadline.remaining() <= 0:
            # The amounts below are then measured on this answer, so they stay true for it.
            return outcome
        seen.add(point)


def highest_feasible_confidence(inp: AllocationInput, *, solver: str, deadline: Deadline,
                                pool: Mapping[str, list[dict[str, float]]] | None = None
                                ) -> tuple[float | None, float, bool]:
    """The highest confidence (within :data:`CONFIDENCE_STEP`) at which the robust scenario has a valid
    allocation with every bound as written: (feasible level, infeasible level, search finished).

    The feasible level is ``None`` when even one half (the expected-value rows) admits no allocation: then no
    confidence helps (or, with the search unfinished, when no level was found feasible before the time ran out).
    Each level is a checked solve (:func:`solve_verified`, stopping at the first valid allocation) with the chance
    rows at that confidence; feasibility can only shrink as the confidence rises, so bisection applies. The cuts'
    linear under-estimates of √V hold at any confidence, so each level starts with those of the levels before
    (and ``pool``'s).
    """
    shared = {target: list(found) for target, found in (pool or {}).items()}

    def feasible(level: float) -> bool | None:
        model = build_model(inp, confidence=level, pool=shared)
        outcome = solve_verified(model, inp, solver, deadline=deadline, any_valid=True)
        shared.update(model.pool)
        if outcome.objective is not None:
            return True
        return False if outcome.status == "infeasible" else None  # None: the time ran out or both solvers failed

    low, high = 0.5, inp.scenario.confidence
    while high - low > CONFIDENCE_STEP:
        middle = (low + high) / 2
        answer = feasible(middle)
        if answer is None:
            return (low if low > 0.5 else None), high, False
        low, high = (middle, high) if answer else (low, middle)
    if low > 0.5:
        return low, high, True
    # Nothing above one half was feasible: at one half itself the rows are the expected-value rows.
    answer = feasible(0.5)
    return (0.5 if answer else None), high, answer is not None


def _confidence_entry(inp: AllocationInput, solver: str, deadline: Deadline,
                      pool: Mapping[str, list[dict[str, float]]]) -> dict[str, Any]:
    low, high, finished = highest_feasible_confidence(inp, solver=solver, deadline=deadline, pool=pool)
    params = {"low": low or 0.5, "high": high, "confidence": inp.scenario.confidence}
    code = "confidence_none" if low is None else "confidence_feasible"
    if not finished:
        code += "_unfinished"
    words = {lang: diagnosis_sentence(code, params, lang) for lang in LANGS}
    return {"rule": "confidence", "subject": "confidence", "amount": low, "unit": "probability",
            "infeasible_at": high, "explanation": words["en"], "explanation_vi": words["vi"]}


def diagnose_infeasibility(inp: AllocationInput, *, solver: str, time_limit_s: float = 60.0,
                           deadline: Deadline | None = None,
                           pool: Mapping[str, list[dict[str, float]]] | None = None) -> list[dict[str, Any]]:
    """Rules that must move for the scenario to become feasible, each with its amount and a sentence.

    ``deadline`` is the run's (``time_limit_s`` from now when not given). In a robust scenario the chance rows
    are among the rules (``chance_min``, ``chance_max``: how far the bound must move at the scenario's
    confidence), and one more entry (``confidence``) gives the highest confidence at which the scenario is
    feasible as written. ``pool`` (the allocation model's) seeds the chance rows with the cuts already found.
    """
    deadline = deadline or Deadline(time_limit_s)
    model = build_model(inp, elastic=True, pool=pool)
    outcome = _solve_elastic(model, solver, deadline)
    if outcome.status not in ("optimal", "feasible", "time_limit") or outcome.objective is None:
        return [{"rule": "unknown", "subject": "", "amount": None, "unit": "",
                 "explanation": text("diagnosis.unsolvable", "en", message=outcome.said),
                 "explanation_vi": text("diagnosis.unsolvable", "vi", message=outcome.said)}]
    funded = outcome.funded
    chance = {(entry.row.target, entry.row.kind): entry.row for entry in model.chance}
    found = []
    for slack in model.slacks:
        amount = model.column_value(slack.column)
        if slack.rule.startswith("chance_"):
            # Measured on the answer itself: exactly how far its chance row is from holding.
            row = chance[(slack.subject, slack.rule.removeprefix("chance_"))]
            amount = max(0.0, row.breach(funded))
        if slack.unit == "VND":
            amount *= VND_UNIT  # money rows are written in VND_UNIT
        if amount > _MINIMUM_SLACK * max(1.0, slack.scale * VND_UNIT if slack.unit == "VND" else 1.0):
            if slack.rule.startswith("chance_"):
                found.append(_chance_entry(slack.rule, slack.subject, amount, inp))
            else:
                found.append({"rule": slack.rule, "subject": slack.subject, "amount": amount, "unit": slack.unit,
                              "explanation": _sentence(slack.rule, slack.subject, amount, inp, "en"),
                              "explanation_vi": _sentence(slack.rule, slack.subject, amount, inp, "vi")})
    if model.chance:
        found.append(_confidence_entry(inp, solver, deadline, model.pool))
    return found
