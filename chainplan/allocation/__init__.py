"""Allocating NTM money over appraised plans: data -> formulation -> solve -> results -> explanations."""

from __future__ import annotations

from chainplan.allocation.baselines import BASELINES, greedy_benefit_per_vnd, rank_by_appraisal_score
from chainplan.allocation.data import OUTCOMES, AllocationInput, plan_outcomes, prepare, stars_for_score
from chainplan.allocation.diagnose import diagnose_infeasibility
from chainplan.allocation.model import AllocationModel, build_model
from chainplan.allocation.optimize import METHODS, allocate, optimise
from chainplan.allocation.results import AllocationResult, assemble_result
from chainplan.allocation.solve import SOLVERS, SolveOutcome, solve_model
from chainplan.allocation.targets import objective_value, target_attainment

__all__ = [
    "BASELINES",
    "METHODS",
    "OUTCOMES",
    "SOLVERS",
    "AllocationInput",
    "AllocationModel",
    "AllocationResult",
    "SolveOutcome",
    "allocate",
    "assemble_result",
    "build_model",
    "diagnose_infeasibility",
    "greedy_benefit_per_vnd",
    "objective_value",
    "optimise",
    "plan_outcomes",
    "prepare",
    "rank_by_appraisal_score",
    "solve_model",
    "stars_for_score",
    "target_attainment",
]
