"""Why a scenario with hard targets is infeasible, and by how much each rule would have to move.

CBC has no irreducible-infeasible-set tool, so the model is rebuilt with elastic (slack) variables on the hard
targets, the budget lines and the regional rules, and solved for the least total relative slack. Every rule
that needed slack is reported with the amount: a target to lower, a line to raise, a cap or share to relax.
"""

from __future__ import annotations

from typing import Any

from chainplan.allocation.data import AllocationInput
from chainplan.allocation.model import VND_UNIT, build_model
from chainplan.allocation.solve import solve_model

__all__ = ["diagnose_infeasibility"]

_MINIMUM_SLACK = 1e-6


def _sentence(rule: str, subject: str, amount: float, inp: AllocationInput) -> str:
    targets = dict(inp.scenario.targets.items())
    if rule == "target_min":
        bound = targets[subject].min or 0.0
        if subject == "e_stamp_share":
            return (f"Target {subject} (min {bound:.0%}) cannot be met: {amount:.2f} more stamped products rated 3★+ "
                    "would be needed; lower the share or fund stamping plans.")
        return f"Target {subject} (min {bound:g}) can reach at most {bound - amount:.2f}: lower it by {amount:.2f}."
    if rule == "target_max":
        bound = targets[subject].max or 0.0
        return f"Target {subject} (max {bound:g}) would have to rise by {amount:.2f}."
    if rule == "budget_line":
        return f"Budget line {subject} would need {round(amount):,} VND more.".replace(",", ".")
    if rule == "max_plans_per_region":
        return f"Region {subject} would need {amount:.0f} more funded plan(s) than max_plans_per_region allows."
    if rule in ("min_region_share", "max_region_share"):
        return f"The {rule.replace('_', ' ')} rule for region {subject} would have to move by {round(amount):,} VND."
    return f"{rule} {subject}: {amount:g}"


def diagnose_infeasibility(inp: AllocationInput, *, solver: str, time_limit_s: float = 60.0) -> list[dict[str, Any]]:
    """Rules that must move for the scenario to become feasible, each with its amount and a sentence."""
    model = build_model(inp, elastic=True)
    outcome = solve_model(model, solver, time_limit_s=time_limit_s)
    if outcome.status not in ("optimal", "feasible", "time_limit"):
        return [{"rule": "unknown", "subject": "", "amount": None, "unit": "",
                 "explanation": f"the diagnosis model could not be solved either ({outcome.message})"}]
    found = []
    for slack in model.slacks:
        amount = float(slack.variable.varValue or 0.0)
        if slack.unit == "VND":
            amount *= VND_UNIT  # money rows are written in VND_UNIT
        if amount > _MINIMUM_SLACK * max(1.0, slack.scale * VND_UNIT if slack.unit == "VND" else 1.0):
            found.append({"rule": slack.rule, "subject": slack.subject, "amount": amount, "unit": slack.unit,
                          "explanation": _sentence(slack.rule, slack.subject, amount, inp)})
    return found
