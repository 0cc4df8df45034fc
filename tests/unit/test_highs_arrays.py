"""The array hand-over to HiGHS gives HiGHS the very model PuLP's own interface gives it, and the same answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pulp
import pytest

from chainplan.allocation import prepare
from chainplan.allocation.highs import ArrayHiGHS
from chainplan.allocation.model import build_model
from chainplan.allocation.solve import quiet_stdout
from chainplan.demo import build_demo_dataset
from chainplan.scenario import load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


def _model_in_highs(problem: pulp.LpProblem) -> dict[str, np.ndarray]:
    """What HiGHS holds of the problem after a solve: costs, bounds, integrality and the matrix by column."""
    lp = problem.solverModel.getLp()
    matrix = lp.a_matrix_
    return {"cost": np.asarray(lp.col_cost_), "col_lower": np.asarray(lp.col_lower_),
            "col_upper": np.asarray(lp.col_upper_), "row_lower": np.asarray(lp.row_lower_),
            "row_upper": np.asarray(lp.row_upper_), "start": np.asarray(matrix.start_),
            "index": np.asarray(matrix.index_), "value": np.asarray(matrix.value_),
            "integrality": np.array([int(v) for v in lp.integrality_])}


def _answer(problem: pulp.LpProblem) -> dict[str, object]:
    return {"status": (problem.status, problem.sol_status),
            "values": [(v.name, v.varValue, v.dj) for v in problem.variables()],
            "rows": [(name, c.slack, c.pi) for name, c in problem.constraints.items()],
            "objective": pulp.value(problem.objective)}


def _solve_both(problem: pulp.LpProblem, **options: object) -> None:
    """Solve with PuLP's HiGHS, then with the array hand-over; both must hand HiGHS the same model (bit for bit,
    the signs of zeros included) and read back the same answer."""
    with quiet_stdout():
        problem.solve(pulp.HiGHS(msg=False, threads=1, **options))
    expected_model, expected = _model_in_highs(problem), _answer(problem)
    with quiet_stdout():
        problem.solve(ArrayHiGHS(msg=False, threads=1, **options))
    got_model, got = _model_in_highs(problem), _answer(problem)
    for key, values in expected_model.items():
        assert got_model[key].dtype == values.dtype, key
        assert np.array_equal(got_model[key], values), key
        assert np.array_equal(np.signbit(got_model[key]), np.signbit(values)), key
    assert got == expected


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
@pytest.mark.parametrize("mip", [True, False], ids=["milp", "relaxation"])
def test_demo_scenarios_reach_highs_unchanged(path: Path, mip: bool) -> None:
    model = build_model(prepare(build_demo_dataset(), load_scenario(path)))
    _solve_both(model.problem, mip=mip)


def test_every_kind_of_row_and_column() -> None:
    """Free, bounded, integer and continuous columns, a column in no row, =, <= and >= rows, a zero coefficient
    (left out, as PuLP does), a row with no variable, a maximisation."""
    x = pulp.LpVariable("x", 0, 4, cat=pulp.LpInteger)
    y = pulp.LpVariable("y", None, 3)
    z = pulp.LpVariable("z", -2, None)
    b = pulp.LpVariable("b", cat=pulp.LpBinary)
    idle = pulp.LpVariable("idle", 0, 1)
    problem = pulp.LpProblem("kinds", pulp.LpMaximize)
    problem += 3 * x + 2 * y - z + 5 * b + 0 * idle
    problem += pulp.LpConstraint(pulp.LpAffineExpression([(x, 1.0), (y, 1.0), (z, 0.0)]),
                                 sense=pulp.LpConstraintLE, rhs=5.5, name="cap")
    problem += pulp.LpConstraint(pulp.LpAffineExpression([(y, 1.0), (z, -1.0)]), sense=pulp.LpConstraintGE,
                                 rhs=-1.0, name="floor")
    problem += pulp.LpConstraint(pulp.LpAffineExpression([(x, 1.0), (b, 2.0), (idle, 1.0)]),
                                 sense=pulp.LpConstraintEQ, rhs=4.0, name="exact")
    problem += pulp.LpConstraint(pulp.LpAffineExpression([(z, 1.0)]), sense=pulp.LpConstraintLE, rhs=0.0,
                                 name="z_at_most_0")
    problem += pulp.LpConstraint(pulp.LpAffineExpression([(idle, 0.0)]), sense=pulp.LpConstraintLE, rhs=1.0,
                                 name="nothing")
    _solve_both(problem)
    assert (x.varValue, b.varValue) == (2.0, 1.0)
    _solve_both(problem, mip=False)


def test_an_infeasible_model_is_read_as_infeasible() -> None:
    x = pulp.LpVariable("x", 0, 1, cat=pulp.LpBinary)
    problem = pulp.LpProblem("none", pulp.LpMaximize)
    problem += x
    problem += pulp.LpConstraint(pulp.LpAffineExpression([(x, 1.0)]), sense=pulp.LpConstraintGE, rhs=2.0,
                                 name="too_much")
    with quiet_stdout():
        problem.solve(ArrayHiGHS(msg=False))
    assert problem.status == pulp.LpStatusInfeasible
