"""HiGHS given the whole PuLP problem in three calls, from arrays, instead of a call per column and per row.

PuLP stays the modelling layer: the rows, the names, the values read back into the variables (``varValue``,
``dj``) and the rows (``slack``, ``pi``) are PuLP's. Only the hand-over changes. PuLP's own ``HiGHS`` adds each
column with ``addCol`` and ``changeColIntegrality`` and each row with ``addRow``, and lists the problem's variables
three times per solve (each time walking every row); on the national model (16,000 columns, 5,000 rows) that
was about 0.8 s of Python around a 2 s solve. :class:`ArrayHiGHS` lists the variables once and passes the
columns, the integrality and the rows each as one array (``addCols``, ``changeColsIntegrality``, ``addRows``).

HiGHS receives the same model: the columns in PuLP's order (variables sorted by name), the same costs (negated
for a maximisation, as PuLP does), bounds and integrality, the rows in the problem's order with the same nonzero
coefficients in the same order. HiGHS stores the matrix by column either way, so both hand-overs give the same
internal model and the solver takes the same path (``tests/unit/test_highs_arrays.py`` compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

import numpy as np
import pulp
from pulp import constants

__all__ = ["ArrayHiGHS"]

_index = attrgetter("index")


class ArrayHiGHS(pulp.HiGHS):
    """PuLP's HiGHS interface with the model handed over in bulk (same options, same results).

    Examples
    --------
    >>> x = pulp.LpVariable("x", 0, 3, cat=pulp.LpInteger)
    >>> y = pulp.LpVariable("y", 0, 1)
    >>> problem = pulp.LpProblem("example", pulp.LpMaximize)
    >>> problem += 2 * x + y
    >>> problem += pulp.LpConstraint(x + y, sense=pulp.LpConstraintLE, rhs=2.5, name="cap")
    >>> problem.solve(ArrayHiGHS(msg=False))
    1
    >>> x.varValue, y.varValue
    (2.0, 0.5)
    """

    def buildSolverModel(self, lp: pulp.LpProblem) -> None:
        import highspy

        inf = highspy.kHighsInf
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
        lower = np.array([-inf if v.lowBound is None else v.lowBound for v in variables], dtype=np.float64)
        upper = np.array([inf if v.upBound is None else v.upBound for v in variables], dtype=np.float64)
        empty = np.array([], dtype=np.int32)
        lp.solverModel.addCols(count, costs, lower, upper, 0, empty, empty, np.array([], dtype=np.float64))
        if self.mip:
            integers = np.array([v.index for v in variables if v.cat == constants.LpInteger], dtype=np.int32)
            if len(integers):
                lp.solverModel.changeColsIntegrality(
                    len(integers), integers, np.full(len(integers), highspy.HighsVarType.kInteger))

        constraints = list(lp._constraints.values())
        lengths = np.empty(len(constraints), dtype=np.int64)
        indices: list[int] = []
        values: list[float] = []
        row_lower = np.empty(len(constraints), dtype=np.float64)
        row_upper = np.empty(len(constraints), dtype=np.float64)
        for position, constraint in enumerate(constraints):
            constraint.index = position
            expression = constraint.expr
            lengths[position] = len(expression)
            indices.extend(map(_index, expression.keys()))
            values.extend(expression.values())
            low, up = constraint.getLb(), constraint.getUb()
            row_lower[position] = -inf if low is None else low
            row_upper[position] = inf if up is None else up
        column = np.array(indices, dtype=np.int32)
        coefficient = np.array(values, dtype=np.float64)
        # PuLP passes only the nonzero coefficients of each row, in the row's order.
        kept = coefficient != 0
        row_of = np.repeat(np.arange(len(constraints)), lengths)[kept]
        starts = np.searchsorted(row_of, np.arange(len(constraints))).astype(np.int32)
        if len(constraints):
            lp.solverModel.addRows(len(constraints), row_lower, row_upper, int(kept.sum()), starts, column[kept],
                                   coefficient[kept])

    def findSolutionValues(self, lp: pulp.LpProblem) -> Any:
        import highspy

        status = lp.solverModel.getModelStatus()
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
        no_solution = lp.solverModel.getObjectiveValue() == float(highspy.kHighsInf)
        if no_solution and status in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kIterationLimit):
            return constants.LpStatusNotSolved, constants.LpSolutionNoSolutionFound
        return _STATUS.get(status, (constants.LpStatusNotSolved, constants.LpSolutionNoSolutionFound))

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
