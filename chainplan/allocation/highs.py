"""HiGHS given the whole model in three calls, from arrays, instead of a call per column and per row.

Two hand-overs share one piece of code (:meth:`ArrayHiGHS._hand_over`):

- :meth:`ArrayHiGHS.solve_matrix` takes the model as the allocation writes it (:mod:`chainplan.allocation.matrix`)
  and builds no PuLP object at all: the usual solve of a scenario;
- :meth:`ArrayHiGHS.buildSolverModel` takes a PuLP problem (once the model has been changed through PuLP: a
  repair, a chance-row cut, a raised line, a relaxation). PuLP's own ``HiGHS`` adds each column with ``addCol``
  and ``changeColIntegrality`` and each row with ``addRow``, and lists the problem's variables three times per
  solve (each time walking every row); on the national model (16,000 columns, 5,000 rows) that was about 0.8 s
  of Python around a 2 s solve. This lists the variables once and passes the columns, the integrality and the
  rows each as one array (``addCols``, ``changeColsIntegrality``, ``addRows``); the values are read back into
  PuLP's variables (``varValue``, ``dj``) and rows (``slack``, ``pi``).

Either way HiGHS receives the model PuLP's interface would give it: the columns in PuLP's order (variables
sorted by name), the same costs (negated for a maximisation, as PuLP does, zeros signed as PuLP signs them),
bounds and integrality, the rows in the problem's order with the same nonzero coefficients. HiGHS stores the
matrix by column either way, so the hand-overs give the same internal model and the solver takes the same path
(``tests/unit/test_highs_arrays.py`` compares them bit for bit, and the answers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

import numpy as np
import pulp
from pulp import constants

from chainplan.allocation.matrix import ModelMatrix

__all__ = ["ArrayHiGHS", "MatrixAnswer"]

_index = attrgetter("index")


@dataclass(frozen=True)
class MatrixAnswer:
    """What :meth:`ArrayHiGHS.solve_matrix` read: PuLP's status pair, each column's value (by the matrix's column
    position) and the HiGHS object (its ``getInfo`` holds the gap)."""

    status: int
    sol_status: int
    values: np.ndarray
    highs: Any


class ArrayHiGHS(pulp.HiGHS):
    """PuLP's HiGHS interface with the model handed over in bulk (same options, same results).

    HiGHS keeps one thread scheduler per process, set by the first solve: a solve with another ``threads`` later
    in the same process is refused ("the scheduler has already been initialized") and reads as not solved. So
    every solve in a process asks for the same count; chainplan's all ask for one (``solve._solver``).

    Examples
    --------
    >>> x = pulp.LpVariable("x", 0, 3, cat=pulp.LpInteger)
    >>> y = pulp.LpVariable("y", 0, 1)
    >>> problem = pulp.LpProblem("example", pulp.LpMaximize)
    >>> problem += 2 * x + y
    >>> problem += pulp.LpConstraint(x + y, sense=pulp.LpConstraintLE, rhs=2.5, name="cap")
    >>> problem.solve(ArrayHiGHS(msg=False, threads=1))  # one thread, as chainplan solves (see below)
    1
    >>> x.varValue, y.varValue
    (2.0, 0.5)
    """

    def buildSolverModel(self, lp: pulp.LpProblem) -> None:
        variables = lp.variables()  # sorted by name, as PuLP hands them to HiGHS
        self._variables = variables
        for position, variable in enumerate(variables):
            variable.index = position
        count = len(variables)
        # PuLP writes obj_mult * coefficient, 0.0 for a variable outside the objective: -0.0 when maximising.
        obj_mult = -1.0 if lp.sense == constants.LpMaximize else 1.0
        costs = np.full(count, obj_mult * 0.0)
        if lp.objective:
            for variable, coefficient in lp.objective.items():
                costs[variable.index] = obj_mult * coefficient
        integers = np.array([v.index for v in variables if v.cat == constants.LpInteger], dtype=np.int32)
        constraints = list(lp._constraints.values())
        lengths = np.empty(len(constraints), dtype=np.int64)
        indices: list[int] = []
        values: list[float] = []
        for position, constraint in enumerate(constraints):
            constraint.index = position
            expression = constraint.expr
            lengths[position] = len(expression)
            indices.extend(map(_index, expression.keys()))
            values.extend(expression.values())
        self._hand_over(lp.solverModel, costs, _bounds([v.lowBound for v in variables], -np.inf),
                        _bounds([v.upBound for v in variables], np.inf), integers,
                        _bounds([c.getLb() for c in constraints], -np.inf),
                        _bounds([c.getUb() for c in constraints], np.inf), lengths,
                        np.array(indices, dtype=np.int32), np.array(values, dtype=np.float64))

    def _hand_over(self, highs: Any, costs: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                   integers: np.ndarray, row_lower: np.ndarray, row_upper: np.ndarray, lengths: np.ndarray,
                   column: np.ndarray, coefficient: np.ndarray) -> None:
        """Columns, integrality and rows in three calls (bounds as floats, ±inf where there is none). The rows'
        entries are ``column``/``coefficient`` cut into ``lengths``; zero coefficients are left out, as PuLP
        leaves them."""
        import highspy

        def checked(step: str, status: Any) -> None:
            # HiGHS refuses a whole call it finds wrong (and would then solve what it has): never go on from there.
            if status == highspy.HighsStatus.kError:
                raise pulp.PulpSolverError(f"HiGHS refused the model ({step})")

        count = len(costs)
        empty = np.array([], dtype=np.int32)
        checked("columns", highs.addCols(count, costs, lower, upper, 0, empty, empty, np.array([], dtype=np.float64)))
        if self.mip and len(integers):
            checked("integrality", highs.changeColsIntegrality(
                len(integers), integers, np.full(len(integers), highspy.HighsVarType.kInteger)))
        rows = len(lengths)
        if not rows:
            return
        kept = coefficient != 0
        row_of = np.repeat(np.arange(rows), lengths)[kept]
        starts = np.searchsorted(row_of, np.arange(rows)).astype(np.int32)
        checked("rows", highs.addRows(rows, row_lower, row_upper, int(kept.sum()), starts,
                                      column[kept].astype(np.int32), coefficient[kept]))

    def solve_matrix(self, matrix: ModelMatrix) -> MatrixAnswer:
        """Solve the model written as arrays (:mod:`chainplan.allocation.matrix`) without building it in PuLP:
        HiGHS receives what :meth:`buildSolverModel` would give it from the PuLP problem of the same arrays, with
        the same options; the answer is read as :meth:`findSolutionValues` reads it."""
        holder = SimpleNamespace(solverModel=None)
        self.createAndConfigureSolver(holder)
        highs = holder.solverModel
        used = matrix.used_columns()
        order = matrix.solver_order()
        order = order[used[order]]  # as PuLP, only the columns that a row or the objective holds
        position = np.full(matrix.columns, -1, dtype=np.int64)
        position[order] = np.arange(len(order))
        obj_mult = -1.0 if matrix.maximise else 1.0
        costs = np.full(len(order), obj_mult * 0.0)
        objective_columns, objective_coefficients = matrix.objective
        costs[position[objective_columns]] = obj_mult * objective_coefficients
        integer = np.array(matrix.integer, dtype=bool)
        integers = np.flatnonzero(integer[order]).astype(np.int32)
        lower = _bounds([matrix.lower[c] for c in order.tolist()], -np.inf)
        upper = _bounds([matrix.upper[c] for c in order.tolist()], np.inf)
        lengths, columns, coefficients, senses, rhs = matrix.stacked_rows()
        # PuLP keeps a row's right-hand side as the constant 0.0 − rhs and hands over −constant: −0.0 for 0.
        bounds = -(0.0 - rhs)
        row_lower = np.where(senses == constants.LpConstraintLE, -np.inf, bounds)
        row_upper = np.where(senses == constants.LpConstraintGE, np.inf, bounds)
        self._hand_over(highs, costs, lower, upper, integers, row_lower, row_upper, lengths, position[columns],
                        coefficients)
        if self.handed_over is not None:
            self.handed_over()
        self.callSolver(holder)  # as a PuLP problem's solve: highs.run()
        status, sol_status = _status_of(highs)
        solved = np.asarray(highs.getSolution().col_value, dtype=np.float64)
        values = np.zeros(matrix.columns)  # a column the solver did not hold is 0, as PuLP reads its None
        if len(solved) == len(order):
            values[order] = solved
        return MatrixAnswer(status, sol_status, values, highs)

    def findSolutionValues(self, lp: pulp.LpProblem) -> Any:
        solution = lp.solverModel.getSolution()
        for variable, value, dual in zip(self._variables, list(solution.col_value), list(solution.col_dual),
                                         strict=True):
            variable.varValue = value
            variable.dj = dual
        row_values, row_duals = list(solution.row_value), list(solution.row_dual)
        for constraint in lp._constraints.values():
            # As PuLP: the constant sits on the left-hand side; a <= row's slack has its sign flipped.
            slack = constraint.constant + row_values[constraint.index]
            constraint.slack = -slack if constraint.sense == constants.LpConstraintLE else slack
            constraint.pi = row_duals[constraint.index]
        return _status_of(lp.solverModel)

    #: Called once the model has been handed to HiGHS, just before HiGHS runs (``BesideTheSolver`` starts its
    #: work then, so that the hand-over, which is Python, does not share the interpreter with it).
    handed_over: Callable[[], None] | None = None

    def actualSolve(self, lp: pulp.LpProblem, **kwargs: Any) -> int:
        self.createAndConfigureSolver(lp)
        self.buildSolverModel(lp)
        if self.handed_over is not None:
            self.handed_over()
        self.callSolver(lp)
        status, sol_status = self.findSolutionValues(lp)
        for variable in self._variables:
            variable.modified = False
        for constraint in lp._constraints.values():
            constraint.modifier = False  # sic: what PuLP's HiGHS sets
        lp.assignStatus(status, sol_status)
        return status


def _bounds(values: list[float | None], infinite: float) -> np.ndarray:
    """Bounds as floats, ``infinite`` where there is none (``None``)."""
    return np.array([infinite if v is None else v for v in values], dtype=np.float64)


def _status_of(highs: Any) -> tuple[int, int]:
    """HiGHS's model status as PuLP's (status, solution status); a time or iteration limit with no solution
    found is "not solved"."""
    import highspy

    status = highs.getModelStatus()
    no_solution = highs.getObjectiveValue() == float(highspy.kHighsInf)
    if no_solution and status in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kIterationLimit):
        return constants.LpStatusNotSolved, constants.LpSolutionNoSolutionFound
    return _STATUS.get(status, (constants.LpStatusNotSolved, constants.LpSolutionNoSolutionFound))


def _status_table() -> dict[Any, tuple[int, int]]:
    """HiGHS's model status as PuLP reads it (the table of PuLP's ``HiGHS.findSolutionValues``)."""
    try:
        import highspy
    except ImportError:  # PuLP's HiGHS then reports itself unavailable; nothing to read
        return {}
    status = highspy.HighsModelStatus
    none = (constants.LpStatusNotSolved, constants.LpSolutionNoSolutionFound)
    stopped = (constants.LpStatusOptimal, constants.LpSolutionIntegerFeasible)
    return {
        status.kNotset: none, status.kLoadError: none, status.kModelError: none, status.kPresolveError: none,
        status.kSolveError: none, status.kPostsolveError: none, status.kModelEmpty: none, status.kUnknown: none,
        status.kOptimal: (constants.LpStatusOptimal, constants.LpSolutionOptimal),
        status.kInfeasible: (constants.LpStatusInfeasible, constants.LpSolutionInfeasible),
        status.kUnboundedOrInfeasible: (constants.LpStatusInfeasible, constants.LpSolutionInfeasible),
        status.kUnbounded: (constants.LpStatusUnbounded, constants.LpSolutionUnbounded),
        status.kObjectiveBound: stopped, status.kObjectiveTarget: stopped, status.kInterrupt: stopped,
        status.kTimeLimit: stopped, status.kIterationLimit: stopped,
    }


_STATUS = _status_table()
