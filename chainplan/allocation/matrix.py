"""The allocation model as arrays: columns and rows written once, handed to HiGHS directly or built into PuLP.

:mod:`chainplan.allocation.model` writes the MILP here, each family of rows as index and coefficient arrays.
Two readers share this one definition:

- :meth:`ModelMatrix.to_pulp` builds the PuLP problem (the same names, bounds, categories, rows and order as
  when the rows were written into PuLP directly), for CBC and for everything that changes the model after it
  is built (repairs, chance-row cuts, a raised budget line, the relaxation's duals);
- :meth:`chainplan.allocation.highs.ArrayHiGHS.solve_matrix` hands the arrays to HiGHS without PuLP, in the
  order PuLP's interface would (columns sorted by name, rows in order, zero coefficients left out), so HiGHS
  receives the very model it receives through PuLP and takes the same path
  (``tests/unit/test_highs_arrays.py`` compares them bit for bit).

Building 16,000 PuLP variables and 5,000 PuLP rows, and walking them again to hand them over, cost about
0.5 s around a 1–2 s national solve; the arrays take a few hundredths of a second
(``benchmarks/README.md``).

Examples
--------
>>> matrix = ModelMatrix(maximise=True)
>>> x, y = matrix.add_columns(["x", "y"], lower=0.0, upper=1.0, integer=True)
>>> matrix.add_row("cap", np.array([x, y]), np.array([2.0, 3.0]), LE, 4.0)
>>> matrix.objective = (np.array([x, y]), np.array([1.0, 1.5]))
>>> problem, variables = matrix.to_pulp("example")
>>> [v.name for v in variables], str(problem.get_constraint_by_name("cap"))
(['x', 'y'], '2.0*x + 3.0*y <= 4.0')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pulp

__all__ = ["EQ", "GE", "LE", "ModelMatrix"]

LE, GE, EQ = pulp.LpConstraintLE, pulp.LpConstraintGE, pulp.LpConstraintEQ

_NO_COLUMNS = np.array([], dtype=np.int64)
_NO_VALUES = np.array([], dtype=np.float64)


def _as_pulp_keeps(row_of: np.ndarray, entry: np.ndarray, columns: np.ndarray, coefficients: np.ndarray,
                   count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A column given twice in a row, kept as a PuLP expression built from the same pairs keeps it: once, where it
    first came, with the coefficient it was given last."""
    _keys, first = np.unique(entry, return_index=True)
    last = len(entry) - 1 - np.unique(entry[::-1], return_index=True)[1]  # the same keys, in the same order
    order = np.argsort(first)
    first, last = first[order], last[order]
    return np.bincount(row_of[first], minlength=count).astype(np.int64), columns[first], coefficients[last]


@dataclass(frozen=True)
class _RowBlock:
    """Rows written together: row k holds the next ``lengths[k]`` entries of ``columns`` and ``coefficients``."""

    lengths: np.ndarray
    columns: np.ndarray
    coefficients: np.ndarray
    senses: np.ndarray
    rhs: np.ndarray


@dataclass
class ModelMatrix:
    """Columns (name, bounds, integrality), rows (name, columns, coefficients, sense, right-hand side) and the
    objective, in the order they were written. ``None`` bounds are infinite."""

    maximise: bool
    names: list[str] = field(default_factory=list)
    lower: list[float | None] = field(default_factory=list)
    upper: list[float | None] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    row_names: list[str] = field(default_factory=list)
    #: The objective's columns and coefficients, in the order they are summed.
    objective: tuple[np.ndarray, np.ndarray] = (_NO_COLUMNS, _NO_VALUES)
    _blocks: list[_RowBlock] = field(default_factory=list, repr=False)
    _positions: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def columns(self) -> int:
        return len(self.names)

    @property
    def rows(self) -> int:
        return len(self.row_names)

    def add_columns(self, names: list[str], *, lower: float | None, upper: float | None, integer: bool = False
                    ) -> range:
        """Add columns with the same bounds; returns their positions."""
        start = len(self.names)
        self.names.extend(names)
        self.lower.extend([lower] * len(names))
        self.upper.extend([upper] * len(names))
        self.integer.extend([integer] * len(names))
        return range(start, len(self.names))

    def add_column(self, name: str, *, lower: float | None, upper: float | None = None, integer: bool = False
                   ) -> int:
        return self.add_columns([name], lower=lower, upper=upper, integer=integer)[0]

    def position(self, name: str) -> int:
        """A column's position by its name."""
        if len(self._positions) != len(self.names):
            self._positions = {column: position for position, column in enumerate(self.names)}
        return self._positions[name]

    def add_row(self, name: str, columns: np.ndarray, coefficients: np.ndarray, sense: int, rhs: float) -> None:
        """``Σ coefficients · x[columns] (sense) rhs`` (a column given twice counts once, as PuLP counts it)."""
        self.add_rows([name], np.array([len(columns)]), columns, coefficients, sense, rhs)

    def add_rows(self, names: list[str], lengths: np.ndarray, columns: np.ndarray, coefficients: np.ndarray,
                 sense: int, rhs: float | np.ndarray) -> None:
        """Rows of one sense at once: row k is ``names[k]`` and holds the next ``lengths[k]`` entries of
        ``columns`` and ``coefficients``; ``rhs`` is one value for all or one per row."""
        if not names:
            return
        count = len(names)
        lengths = np.asarray(lengths, dtype=np.int64)
        columns = np.asarray(columns, dtype=np.int64)
        coefficients = np.asarray(coefficients, dtype=np.float64)
        row_of = np.repeat(np.arange(count), lengths)
        entry = row_of * (int(columns.max(initial=0)) + 1) + columns
        if len(np.unique(entry)) != len(entry):
            lengths, columns, coefficients = _as_pulp_keeps(row_of, entry, columns, coefficients, count)
        self.row_names.extend(names)
        self._blocks.append(_RowBlock(lengths, columns, coefficients, np.full(count, sense),
                                      np.broadcast_to(np.asarray(rhs, dtype=np.float64), (count,))))

    @property
    def directly_solvable(self) -> bool:
        """Whether a solver can take the arrays as they are: PuLP gives a problem with no objective an extra column
        (``__dummy``) that the arrays lack, so such a problem goes through PuLP."""
        return len(self.objective[0]) > 0

    def used_columns(self) -> np.ndarray:
        """Whether each column appears in a row or in the objective: PuLP hands a solver only those (a zero
        coefficient counts)."""
        used = np.zeros(len(self.names), dtype=bool)
        for block in self._blocks:
            used[block.columns] = True
        used[self.objective[0]] = True
        return used

    def stacked_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every row at once: lengths, columns, coefficients, senses and right-hand sides, in order."""
        if not self._blocks:
            return (_NO_COLUMNS, _NO_COLUMNS, _NO_VALUES, _NO_COLUMNS, _NO_VALUES)
        return tuple(np.concatenate([getattr(block, part) for block in self._blocks])  # type: ignore[return-value]
                     for part in ("lengths", "columns", "coefficients", "senses", "rhs"))

    def to_pulp(self, title: str) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
        """The PuLP problem, and its variables by column position."""
        problem = pulp.LpProblem(title, pulp.LpMaximize if self.maximise else pulp.LpMinimize)
        variables = [problem.add_variable(name, low, up, cat=pulp.LpInteger if whole else pulp.LpContinuous)
                     for name, low, up, whole in zip(self.names, self.lower, self.upper, self.integer, strict=True)]
        names = iter(self.row_names)
        for block in self._blocks:
            columns, coefficients = block.columns.tolist(), block.coefficients.tolist()
            start = 0
            for length, sense, rhs in zip(block.lengths.tolist(), block.senses.tolist(), block.rhs.tolist(),
                                          strict=True):
                expression = pulp.LpAffineExpression(
                    [(variables[c], v) for c, v in zip(columns[start:start + length],
                                                       coefficients[start:start + length], strict=True)])
                problem += pulp.LpConstraint(expression, sense=sense, rhs=rhs, name=next(names))
                start += length
        columns, coefficients = self.objective
        problem.setObjective(pulp.LpAffineExpression(
            [(variables[c], v) for c, v in zip(columns.tolist(), coefficients.tolist(), strict=True)]))
        return problem, variables

    def objective_value(self, values: np.ndarray) -> float:
        """Σ coefficient · value, summed in the objective's order, as PuLP sums it."""
        total = 0.0
        columns, coefficients = self.objective
        value_of = values.tolist()  # Python floats, as PuLP's variables hold them
        for column, coefficient in zip(columns.tolist(), coefficients.tolist(), strict=True):
            total += value_of[column] * coefficient
        return total

    def solver_order(self) -> np.ndarray:
        """The column positions in the order a solver receives them: sorted by name, as PuLP lists variables."""
        return np.array(sorted(range(len(self.names)), key=self.names.__getitem__), dtype=np.int64)
