"""The array hand-overs to HiGHS give HiGHS the very model PuLP's own interface gives it, and the same answers:
:class:`ArrayHiGHS` from a PuLP problem, and :meth:`ArrayHiGHS.solve_matrix` from the model's arrays without
PuLP."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pulp
import pytest

from benchmarks.allocation_national import scenario_document
from benchmarks.generators import national_dataset
from chainplan.allocation import prepare
from chainplan.allocation.highs import ArrayHiGHS
from chainplan.allocation.model import AllocationModel, build_model
from chainplan.allocation.solve import quiet_stdout
from chainplan.demo import build_demo_dataset
from chainplan.scenario import Scenario, load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


def _model_in_highs(problem: pulp.LpProblem | object) -> dict[str, np.ndarray]:
    """What HiGHS holds of the problem after a solve: costs, bounds, integrality and the matrix by column."""
    highs = problem.solverModel if isinstance(problem, pulp.LpProblem) else problem
    lp = highs.getLp()
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
        problem.solve(ArrayHiGHS(msg=False, threads=1))
    assert problem.status == pulp.LpStatusInfeasible


def _matrix_against_pulp(model: AllocationModel, **options: object) -> None:
    """Solve the model's arrays directly, then the PuLP problem built from them with PuLP's own HiGHS interface:
    HiGHS must hold the same model bit for bit, and the answers (status, every column's value, the objective
    as PuLP sums it) must be the same."""
    assert not model.materialised
    with quiet_stdout():
        answer = ArrayHiGHS(msg=False, threads=1, **options).solve_matrix(model.matrix)
    direct = _model_in_highs(answer.highs)
    problem = model.problem
    with quiet_stdout():
        problem.solve(pulp.HiGHS(msg=False, threads=1, **options))
    expected = _model_in_highs(problem)
    for key, values in expected.items():
        assert direct[key].dtype == values.dtype, key
        assert np.array_equal(direct[key], values), key
        assert np.array_equal(np.signbit(direct[key]), np.signbit(values)), key
    assert (answer.status, answer.sol_status) == (problem.status, problem.sol_status)
    by_name = {v.name: v.varValue for v in problem.variables()}
    # A column PuLP does not hand over (in no row, not in the objective) is read as 0, as its None is.
    assert answer.values.tolist() == [by_name.get(name, 0.0) for name in model.matrix.names]
    assert model.matrix.objective_value(answer.values) == pulp.value(problem.objective)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
@pytest.mark.parametrize("elastic", [False, True], ids=["allocation", "diagnosis"])
def test_the_arrays_reach_highs_as_pulp_hands_them(path: Path, elastic: bool) -> None:
    model = build_model(prepare(build_demo_dataset(), load_scenario(path)), elastic=elastic)
    _matrix_against_pulp(model)


@pytest.mark.parametrize("rules", ["caps", "all"])
@pytest.mark.parametrize("mode", ["hard", "soft"])
def test_the_arrays_of_a_national_model_reach_highs_as_pulp_hands_them(rules: str, mode: str) -> None:
    """Every family of rows at once: lines, caps, shares both ways (with the total-funded column), one plan per
    product, targets with a share, soft shortfall and excess columns."""
    scenario = Scenario.model_validate({**scenario_document(rules, 0.05, 60.0, "highs"), "target_mode": mode})
    inp = prepare(national_dataset(plans=1500, trade_promotion_line=False), scenario)
    _matrix_against_pulp(build_model(inp), mip_rel_gap=0.05)


def test_an_infeasible_matrix_is_read_as_infeasible() -> None:
    from chainplan.allocation.matrix import GE, ModelMatrix

    matrix = ModelMatrix(maximise=True)
    x = matrix.add_column("x", lower=0, upper=1, integer=True)
    matrix.add_row("too_much", np.array([x]), np.array([1.0]), GE, 2.0)
    matrix.objective = (np.array([x]), np.array([1.0]))
    with quiet_stdout():
        answer = ArrayHiGHS(msg=False, threads=1).solve_matrix(matrix)
    assert answer.status == pulp.LpStatusInfeasible


def test_a_column_in_no_row_is_left_out_as_pulp_leaves_it() -> None:
    """A plan with no request has a fund column that no row of the diagnosis model holds: PuLP hands HiGHS no such
    column, and neither do the arrays."""
    dataset = build_demo_dataset()
    inp = prepare(dataset, load_scenario(SCENARIOS[0]))
    lonely = inp.eligible.index[0]
    dataset.plan_requests = dataset.plan_requests[dataset.plan_requests["plan_code"] != lonely]
    scenario = load_scenario(SCENARIOS[0]).model_copy(update={"min_grant_vnd": 0, "max_plans_per_region": None,
                                                              "one_plan_per_product": False, "targets": {}})
    model = build_model(prepare(dataset, scenario), elastic=True)
    position = model.codes.index(lonely)
    assert not model.matrix.used_columns()[position]
    _matrix_against_pulp(model)


def test_a_column_given_twice_in_a_row_counts_as_pulp_counts_it() -> None:
    """Given twice, a column is kept once with its last coefficient (a PuLP expression from the same pairs)."""
    from chainplan.allocation.matrix import LE, ModelMatrix

    matrix = ModelMatrix(maximise=True)
    x, y = matrix.add_columns(["x", "y"], lower=0, upper=1, integer=True)
    matrix.add_rows(["first", "second"], np.array([3, 2]), np.array([x, y, x, y, y]),
                    np.array([5.0, 1.0, 2.0, 1.0, 3.0]), LE, np.array([2.5, 2.0]))
    matrix.objective = (np.array([x, y]), np.array([1.0, 1.0]))
    problem, (vx, vy) = matrix.to_pulp("twice")
    pairs = pulp.LpAffineExpression([(vx, 5.0), (vy, 1.0), (vx, 2.0)])
    assert dict(problem.get_constraint_by_name("first").items()) == dict(pairs.items()) == {vx: 2.0, vy: 1.0}
    assert dict(problem.get_constraint_by_name("second").items()) == {vy: 3.0}
    _matrix_against_pulp(AllocationModel(matrix, []))


def test_a_model_with_no_objective_goes_through_pulp() -> None:
    """PuLP gives such a problem an extra column (``__dummy``) the arrays lack: it is solved through PuLP."""
    from chainplan.allocation.matrix import LE, ModelMatrix
    from chainplan.allocation.solve import solve_model

    matrix = ModelMatrix(maximise=False)
    x = matrix.add_column("fund_0", lower=0, upper=1, integer=True)
    matrix.add_row("cap", np.array([x]), np.array([1.0]), LE, 1.0)
    assert not matrix.directly_solvable
    model = AllocationModel(matrix, ["P1"])
    outcome = solve_model(model, "highs")
    assert outcome.status == "optimal" and model.materialised


def test_a_call_highs_refuses_stops_the_solve() -> None:
    """HiGHS refuses a whole call it finds wrong and would solve what it has: the hand-over raises instead."""
    import highspy

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    with pytest.raises(pulp.PulpSolverError, match="rows"):
        ArrayHiGHS(msg=False)._hand_over(highs, np.zeros(1), np.zeros(1), np.ones(1), np.array([], dtype=np.int32),
                                         np.array([-np.inf]), np.array([1.0]), np.array([1]), np.array([7]),
                                         np.array([1.0]))


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_the_relaxation_behind_a_gap_leaves_the_answer_in_the_variables(solver: str) -> None:
    """A gap measured against the LP relaxation must not leave the relaxation's values where the answer's are read
    (a soft chance row's shortfall is read from them next)."""
    from chainplan.allocation.solve import _relaxation_gap, solve_model

    model = build_model(prepare(build_demo_dataset(), load_scenario(SCENARIOS[0])))
    outcome = solve_model(model, solver)
    assert outcome.objective is not None
    before = {name: model.column_value(name) for name in model.matrix.names}
    assert _relaxation_gap(model, solver, outcome.objective, 60.0) is not None
    assert {name: model.column_value(name) for name in model.matrix.names} == before
