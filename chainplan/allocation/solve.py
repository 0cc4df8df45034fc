"""Calling the solver, keeping standard output clean, reading the status honestly, and checking the answer.

PuLP reports a time-limited CBC or HiGHS run that found an incumbent as ``status == Optimal`` with
``sol_status == IntegerFeasible``: that is reported here as ``time_limit`` with the gap, never as optimal.

No answer is taken on trust (:func:`solve_verified`). Solvers accept a binary within 10⁻⁶–10⁻⁷ of 1 as 1; with
requests of tens of billions of VND that is thousands of VND over a line, and CBC can even set its cutoff from
such a point, reject it later and call a feasible model infeasible (seen on two-plan knapsacks). So:

1. every allocation a solver returns is checked exactly (:func:`~chainplan.allocation.verify.verify_allocation`);
   one that breaks a rule is cut off by a row that excludes that 0/1 point and no other, and the model is solved
   again, so the optimum over valid allocations is kept; each repair is reported with the result;
2. in a robust scenario the chance rows are met by outer approximation (:mod:`chainplan.allocation.chance`):
   cuts at the LP relaxation's points first, then, while an answer breaks a chance row, cuts at that answer
   (each valid for every allocation that meets the row, and equal to the row at the answer) and a new solve:
   the loop ends on the chance-constrained optimum;
3. "infeasible" is believed only when it can be true: when funding nothing (or an allocation already found)
   satisfies every rule it is a solver failure; otherwise the other solver must confirm it. If the other solver
   runs out of time the status is ``time_limit``, if it fails ``error``: never an unconfirmed ``infeasible``;
4. a solver that fails is replaced by the other one; when both fail the status is ``error``; an optimum CBC
   claims is put to HiGHS on the same model (CBC 2.10 can call a worse set optimal, and the exact check sees
   broken rules, not a missed optimum): the better checked allocation is reported, with a note;
5. the time limit is the whole search's (:class:`Deadline`): each solve, repair, round of cuts, fallback and
   confirmation gets the time that is left, and when it runs out the best allocation that passed every check is
   reported with status ``time_limit`` and its gap to the last proven bound.

Work that does not need the answer may run while the solver works (:class:`BesideTheSolver`): HiGHS and CBC
leave Python's lock free while they solve, so a second core does it without delaying the answer.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import pulp

from chainplan.allocation.data import AllocationInput
from chainplan.allocation.highs import ArrayHiGHS, MatrixAnswer
from chainplan.allocation.model import (
    AllocationModel,
    add_inner_rows,
    add_relaxation_cuts,
    cut_broken_chance_rows,
    remove_rows,
)
from chainplan.allocation.targets import TOLERANCE, objective_value
from chainplan.allocation.verify import verify_allocation
from chainplan.wording import Joined, Money, Number, Phrase, Ref, Share, Term, render

__all__ = [
    "RELAXATION_ROUNDS",
    "SOLVERS",
    "BesideTheSolver",
    "Deadline",
    "Repair",
    "SolveOutcome",
    "quiet_stdout",
    "relaxation_rounds",
    "solve_model",
    "solve_relaxation",
    "solve_verified",
    "solver_version",
]

SOLVERS = ("highs", "cbc")
_GAP_TOLERANCE = 1e-6
#: Answers cut off before a solver is given up on (each costs a solve; tolerance breaches are rare).
MAX_REPAIRS = 8


def _clock() -> float:
    return time.monotonic()


class Deadline:
    """The time a whole run may take (the scenario's ``time_limit_s``): each solve is given what is left.

    Examples
    --------
    >>> deadline = Deadline(60.0)
    >>> 59.0 < deadline.remaining() <= 60.0
    True
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = _clock() + seconds

    def remaining(self) -> float:
        """Seconds left (0 once the time is up)."""
        return max(0.0, self.ends - _clock())

    def extend(self, seconds: float) -> None:
        """Give back ``seconds`` that were not the run's (waiting for work done beside the solver)."""
        self.ends += max(0.0, seconds)


@dataclass(frozen=True)
class Repair:
    """A solver's answer broke a rule by ``over_by`` (in ``unit``); that one allocation was cut off and the model
    re-solved."""

    solver: str
    rule: str
    subject: str
    over_by: float
    unit: str
    plans_in_answer: int

    def phrase(self) -> Phrase:
        """What happened, as the catalogue writes it (``repair.excluded``)."""
        return Phrase("repair.excluded", {"solver": self.solver, "rule": Term("rule", self.rule),
                                          "subject": _subject(self.rule, self.subject),
                                          "over": _over(self.over_by, self.unit)})

    def as_dict(self) -> dict[str, Any]:
        return {"solver": self.solver, "rule": self.rule, "subject": self.subject, "over_by": self.over_by,
                "unit": self.unit, "plans_in_answer": self.plans_in_answer}


#: What kind of thing a rule's subject is, so that a sentence can write it by its name.
_SUBJECT_KIND = {"budget_line": "line", "min_region_share": "region", "max_region_share": "region",
                 "max_plans_per_region": "region", "one_plan_per_product": "product", "requires_plan": "plan",
                 "excludes_plans": "plan", "not_eligible": "plan"}


def _over(amount: float, unit: str) -> Any:
    """By how much a rule is broken: whole VND, plans, or an expected count (to 6 decimals, as checked)."""
    if unit == "VND":
        return Money(round(amount))
    if unit == "plans":
        return Phrase("repair.over_plans", {"count": Number(amount, 0)})
    return Phrase("repair.over_expected", {"amount": Number(amount, 6)})


def _distinct(first: float, second: float) -> tuple[Number, Number]:
    """Two objectives with as many decimals (2 to 9) as it takes for them not to read the same."""
    decimals = 2
    while decimals < 9 and round(first, decimals) == round(second, decimals):
        decimals += 1
    return Number(first, decimals), Number(second, decimals)


def _subject(rule: str, subject: str) -> Any:
    """A rule's subject for a sentence: a plan, product, region or line by reference, a target by its term."""
    if rule in _SUBJECT_KIND:
        return Ref(_SUBJECT_KIND[rule], subject)
    return Term("target", subject) if rule.startswith(("target_", "chance_")) else subject


@dataclass(frozen=True)
class SolveOutcome:
    """``status`` is one of optimal, feasible, time_limit, infeasible, error.

    After :func:`solve_verified`, ``solver`` is the solver whose answer was kept, ``repairs`` lists the answers
    cut off because they broke a rule, and ``notes`` says what else happened (a solver failed and was replaced).
    """

    status: str
    objective: float | None
    values: dict[str, float]
    gap: float | None
    solve_time_s: float
    solver: str
    #: Why the solve ended as it did, when not plainly optimal (a catalogue phrase; :attr:`message` in English).
    said: Phrase | None = None
    repairs: tuple[Repair, ...] = ()
    #: What else happened on the way (a solver replaced, a confirmation), as catalogue phrases.
    notes: tuple[Phrase, ...] = ()

    @property
    def message(self) -> str:
        """:attr:`said` in English ('' when nothing was said), as the command line and the JSON document give it."""
        return render(self.said, "en")

    @property
    def funded(self) -> list[str]:
        return [code for code, value in self.values.items() if value > 0.5]


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 while a solver runs: HiGHS prints a banner from C++ even with ``msg=False``,
    and ``--format json`` must print nothing but its document. Solver errors still reach PuLP's status."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real file descriptor (some embedded hosts): nothing to protect
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _solver(name: str, time_limit_s: float, mip_gap: float, mip: bool = True, preprocess: bool = False
            ) -> pulp.LpSolver:
    if name == "highs":
        # The model goes to HiGHS in three array calls (chainplan.allocation.highs), not one call per column and row.
        return ArrayHiGHS(msg=False, timeLimit=time_limit_s, gapRel=mip_gap, mip=mip, threads=1)
    if name == "cbc":
        with warnings.catch_warnings():
            # PuLP 3 warns that its bundled CBC leaves in PuLP 4; pyproject pins pulp < 4.
            warnings.simplefilter("ignore", DeprecationWarning)
            # CBC 2.10 takes a binary within 1e-7 of 1 as 1; with requests of 5e10 VND a set 1 VND over a line is
            # 2e-11 away. It then sets its cutoff from that point and ends "infeasible", and its preprocessing can
            # fix a variable wrongly and return a worse set called optimal (both found on 2- and 3-plan knapsacks).
            # With these two settings, 400 near-miss knapsacks gave no wrong optimum, only false "infeasible"s,
            # which solve_verified detects and hands to HiGHS (benchmarks/README.md).
            options = ["integerTolerance 1e-12"] + ([] if preprocess else ["preprocess off"])
            return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, gapRel=mip_gap, mip=mip, threads=1,
                                     options=options)
    raise ValueError(f"unknown solver {name!r}; use one of {', '.join(SOLVERS)}")


def solver_version(name: str) -> str:
    """What a stored run records of its solver: the package versions that produced the answer."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        if name == "highs":
            return f"HiGHS {version('highspy')} (highspy), PuLP {version('pulp')}"
        if name == "cbc":
            return f"CBC bundled with PuLP {version('pulp')}"
    except PackageNotFoundError:
        return f"{name} (version unknown)"
    return name


def _highs_gap(problem: pulp.LpProblem) -> float | None:
    return _info_gap(getattr(problem, "solverModel", None))


def _info_gap(highs: Any) -> float | None:
    """The relative gap HiGHS reports, ``None`` when it has none."""
    if highs is None:
        return None
    try:
        gap = float(highs.getInfo().mip_gap)
    except (AttributeError, TypeError, ValueError):
        return None
    return gap if math.isfinite(gap) else None


def solve_relaxation(model: AllocationModel, solver: str, time_limit_s: float) -> float | None:
    """Solve the LP relaxation and return its objective (``None`` unless optimal).

    The rows' ``pi`` then hold the relaxation's duals until the next solve; the variables get their
    categories back whatever happens.
    """
    categories = {v: v.cat for v in model.problem.variables()}
    try:
        for variable in categories:
            variable.cat = pulp.LpContinuous
        with quiet_stdout():
            model.problem.solve(_solver(solver, time_limit_s, 0.0, mip=False))
    except pulp.PulpSolverError:
        return None
    finally:
        for variable, category in categories.items():
            variable.cat = category
    if model.problem.status != pulp.LpStatusOptimal:
        return None
    value = pulp.value(model.problem.objective)
    return None if value is None else float(value)


def _relaxation_gap(model: AllocationModel, solver: str, incumbent: float, time_limit_s: float) -> float | None:
    """Gap against the LP relaxation's bound (an upper bound of the true gap): CBC does not report its own.

    The variables keep the answer's values: what reads them next (a chance row's shortfall) is about the answer,
    not the relaxation."""
    answer = {variable: variable.varValue for variable in model.problem.variables()}
    try:
        bound = solve_relaxation(model, solver, time_limit_s)
    finally:
        for variable, value in answer.items():
            variable.varValue = value
    if bound is None:
        return None
    return abs(float(bound) - incumbent) / max(abs(incumbent), 1e-9)


_T = TypeVar("_T")


class BesideTheSolver:
    """Work that does not need the solver's answer, done on a second thread while the solver works, and only then.

    The first solve given this object (:func:`solve_model`'s ``beside``) starts the work on a worker thread when
    HiGHS has been handed the model and starts its run (CBC: as the solver is called), and waits for all of it
    when the solver returns. Meanwhile the calling thread only waits for the solver (with CBC it also hands the
    PuLP model over): it reads no frame the work reads, so no pandas object is ever read by two threads at once
    (pandas does not promise that this is safe). Starting at HiGHS's run rather than at the call keeps the
    hand-over, which is Python, from sharing the interpreter with the work (0.04-0.28 s on the national model).
    :meth:`finish` does at once, on the calling thread, whatever no solve started (no solve ran, say), and raises
    the first failure of the work.

    The time the calling thread waits for the work after the solver returned is not the solver's nor the run's:
    it is left out of the solve's time and given back to ``deadline`` (so the repairs, confirmations and re-solves
    that follow keep the time the scenario allows them). A Ctrl-C stops the work between its items.

    Examples
    --------
    >>> beside = BesideTheSolver()
    >>> total = beside.add(sum, [1, 2, 3])
    >>> beside.run(lambda: "the solver's answer")
    "the solver's answer"
    >>> beside.finish(); total.result()
    6
    """

    def __init__(self, deadline: Deadline | None = None) -> None:
        self._work: list[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = []
        self._started = False
        self._cancelled = False
        self.deadline = deadline
        #: Seconds the calling thread waited for the work after the solver had returned.
        self.waited_s = 0.0

    def add(self, work: Callable[..., _T], *args: Any) -> Future[_T]:
        """Add ``work(*args)``; its result (or exception) is the returned future's once the work has run."""
        if self._started:
            raise RuntimeError("the work beside the solver has already run")
        future: Future[_T] = Future()
        self._work.append((future, work, args))
        return future

    def run(self, solve: Callable[[], _T], *, solver: object | None = None) -> _T:
        """``solve()``, with the work on a second thread the first time; returns once both have ended.

        With ``solver`` an :class:`~chainplan.allocation.highs.ArrayHiGHS` the work starts when it has handed the
        model to HiGHS (its ``handed_over``), else at once; a solve that never ran HiGHS (nothing to solve) has
        the work started when it returns."""
        if self._started or not self._work:
            return solve()
        self._started = True
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="beside-solver") as pool:
            submitted: list[Future[None]] = []

            def start() -> None:
                if not submitted:
                    submitted.append(pool.submit(self._do_all))

            deferred = isinstance(solver, ArrayHiGHS)
            if deferred:
                solver.handed_over = start  # type: ignore[union-attr]
            else:
                start()
            try:
                answer = solve()
            except BaseException:
                self._cancelled = True  # a Ctrl-C or a failed solve waits only for the item under way
                if not submitted:
                    for future, _work, _args in self._work:
                        future.cancel()
                raise
            finally:
                if deferred:
                    solver.handed_over = None  # type: ignore[union-attr]
            returned = time.perf_counter()
            start()
        self.waited_s = time.perf_counter() - returned
        if self.deadline is not None:
            self.deadline.extend(self.waited_s)
        return answer

    def finish(self) -> None:
        """Do the work that has not run (on this thread), then raise the first failure of any of it."""
        if not self._started:
            self._started = True
            self._do_all()
        for future, _work, _args in self._work:
            future.result()

    def _do_all(self) -> None:
        for future, work, args in self._work:
            if self._cancelled:
                future.cancel()
                continue
            try:
                future.set_result(work(*args))
            except BaseException as exc:  # handed to whoever reads the future, on the calling thread
                future.set_exception(exc)


def solve_model(model: AllocationModel, solver: str, *, time_limit_s: float = 60.0, mip_gap: float = 0.0,
                beside: BesideTheSolver | None = None) -> SolveOutcome:
    """Solve and read the values of the fund variables (1.0 = funded); ``beside``'s work runs while the solver
    works (the first time only).

    CBC 2.10.3 with preprocessing off crashes (a segmentation fault, no answer) when its bound tightening finds
    the model integer infeasible: it is then asked again with preprocessing on, and only an "infeasible" from
    that second run is taken (an answer from it could be one of the wrong optima the setting avoids). Any other
    abnormal end is an ``error``.
    """
    started = time.perf_counter()
    # The model as built goes to HiGHS as arrays, without PuLP; once the PuLP problem exists (CBC, a repair, a cut,
    # a raised line) every solve goes through it.
    direct = solver == "highs" and not model.materialised and model.matrix.directly_solvable
    answer: MatrixAnswer | None = None
    try:
        with quiet_stdout():
            # The solver object is made before the work starts: making it changes the process's warning filters.
            chosen = _solver(solver, time_limit_s, mip_gap)

            def solve() -> MatrixAnswer | None:
                if direct:
                    assert isinstance(chosen, ArrayHiGHS)
                    return chosen.solve_matrix(model.matrix)
                model.problem.solve(chosen)
                return None

            if beside is None:
                answer = solve()
            else:
                waited = beside.waited_s
                answer = beside.run(solve, solver=chosen)
                started += beside.waited_s - waited  # waiting for the work is not the solver's time
    except pulp.PulpSolverError as exc:
        failure = SolveOutcome("error", None, {}, None, time.perf_counter() - started, solver,
                               Phrase("solve.stopped_abnormally", {"solver": solver, "detail": str(exc)}))
        if solver != "cbc":
            return failure
        try:
            with quiet_stdout():
                model.problem.solve(_solver(solver, time_limit_s, mip_gap, preprocess=True))
        except pulp.PulpSolverError:
            return failure
        if model.problem.status != pulp.LpStatusInfeasible:
            return failure
        return SolveOutcome("infeasible", None, {}, None, time.perf_counter() - started, solver,
                            Phrase("solve.infeasible_preprocessed"))
    elapsed = time.perf_counter() - started
    if answer is not None:
        model.remember(answer.values)
        status, sol_status = answer.status, answer.sol_status
    else:
        status, sol_status = model.problem.status, model.problem.sol_status
    if status == pulp.LpStatusInfeasible or sol_status == pulp.LpSolutionInfeasible:
        return SolveOutcome("infeasible", None, {}, None, elapsed, solver, Phrase("solve.infeasible"))
    if sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        if elapsed >= time_limit_s * 0.95:
            return SolveOutcome("time_limit", None, {}, None, elapsed, solver, Phrase("solve.nothing_in_time"))
        return SolveOutcome("error", None, {}, None, elapsed, solver,
                            Phrase("solve.ended_with", {"solver_status": _solver_status(status)}))
    if answer is not None:
        fund_values = answer.values[:len(model.codes)].tolist()  # the fund columns come first
        values = {code: float(round(value)) for code, value in zip(model.codes, fund_values, strict=True)}
        objective = model.matrix.objective_value(answer.values)
        gap = _info_gap(answer.highs)
    else:
        values = {code: float(round(v.varValue or 0.0)) for code, v in model.fund.items()}
        objective = float(pulp.value(model.problem.objective) or 0.0)
        gap = _highs_gap(model.problem) if solver == "highs" else None
    if sol_status == pulp.LpSolutionIntegerFeasible:
        if gap is None:
            gap = _relaxation_gap(model, solver, objective, time_limit_s)
        return SolveOutcome("time_limit", objective, values, gap, elapsed, solver,
                            Phrase("solve.time_limit_unproven"))
    if mip_gap > 0 and (gap is None or gap > _GAP_TOLERANCE):
        if gap is None:
            gap = _relaxation_gap(model, solver, objective, time_limit_s)
        if gap is not None and gap > _GAP_TOLERANCE:
            return SolveOutcome("feasible", objective, values, gap, elapsed, solver,
                                Phrase("solve.within_gap", {"gap": Share(mip_gap, 2)}))
    return SolveOutcome("optimal", objective, values, 0.0 if gap is None else gap, elapsed, solver)


def _solver_status(status: int) -> Any:
    """PuLP's status as a term of the catalogue (``Not Solved`` → ``not_solved``); an unknown one as PuLP says it."""
    said = str(pulp.LpStatus.get(status, status))
    code = said.lower().replace(" ", "_")
    return Term("solver_status", code) if code in _SOLVER_STATUSES else said


_SOLVER_STATUSES = ("not_solved", "optimal", "infeasible", "unbounded", "undefined")


_UNITS = {"budget_line": "VND", "min_region_share": "VND", "max_region_share": "VND",
          "max_plans_per_region": "plans", "one_plan_per_product": "plans"}
#: LP rounds of chance-row cuts before the integer rounds, at most (they stop earlier once no cut is broken).
RELAXATION_ROUNDS = 50


def _exclude(model: AllocationModel, funded: list[str], name: str) -> None:
    """Cut off exactly this allocation: Σ_{i funded} x_i − Σ_{i not funded} x_i ≤ |funded| − 1.

    Every other 0/1 point, supersets and subsets included, still satisfies the row, so the optimum over the
    allocations that pass the exact check is unchanged.
    """
    chosen = set(funded)
    pairs = [(variable, 1.0 if code in chosen else -1.0) for code, variable in model.fund.items()]
    model.problem.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(pairs), sense=pulp.LpConstraintLE,
                                                  rhs=float(len(chosen) - 1), name=name))


@dataclass
class _Search:
    """What one :func:`solve_verified` call has learnt so far, across its solvers.

    ``best`` is the best allocation that passed the exact check (with its objective, recomputed exactly in a
    robust scenario), ``bound`` the best any allocation can reach as far as the last solve proved (the optimum
    of the last relaxation, with its gap), ``rounds`` the integer rounds of chance-row cuts.
    """

    deadline: Deadline
    best: list[str] | None = None
    best_objective: float = -math.inf
    best_solver: str = ""
    bound: float | None = None
    rounds: int = 0
    inner_tried: bool = False

    def offer(self, funded: list[str], objective: float, solver: str) -> None:
        if self.best is None or objective > self.best_objective:
            self.best, self.best_objective, self.best_solver = list(funded), objective, solver

    def gap(self) -> float | None:
        if self.best is None or self.bound is None or not math.isfinite(self.bound):
            return None
        return max(0.0, self.bound - self.best_objective) / max(abs(self.best_objective), 1e-9)

    def settled(self) -> bool:
        """Whether the allocation in hand reaches the proven bound: no further round can beat it."""
        return (self.best is not None and self.bound is not None
                and self.best_objective >= self.bound - _GAP_TOLERANCE * max(1.0, abs(self.bound)))


def _bound_of(outcome: SolveOutcome) -> float | None:
    """The best objective the solve proved possible for its model (``None`` when it proved none)."""
    if outcome.objective is None or (outcome.status != "optimal" and outcome.gap is None):
        return None
    return outcome.objective + (outcome.gap or 0.0) * max(abs(outcome.objective), 1e-9)


def _best_outcome(model: AllocationModel, search: _Search, status: str, elapsed: float, said: Phrase | None,
                  repairs: list[Repair]) -> SolveOutcome:
    """The best verified allocation so far as an outcome."""
    chosen = set(search.best or [])
    values = {code: 1.0 if code in chosen else 0.0 for code in model.codes}
    return SolveOutcome(status, search.best_objective, values, search.gap(), elapsed, search.best_solver, said,
                        tuple(repairs))


def _out_of_time(model: AllocationModel, search: _Search, solver: str, elapsed: float, repairs: list[Repair]
                 ) -> SolveOutcome:
    rounds = {"rounds": search.rounds} if search.rounds else {}
    suffix = "_rounds" if search.rounds else ""
    if search.best is None:
        return SolveOutcome("time_limit", None, {}, None, elapsed, solver,
                            Phrase(f"solve.nothing_in_time{suffix}", rounds), tuple(repairs))
    return _best_outcome(model, search, "time_limit", elapsed, Phrase(f"solve.best_after_time{suffix}", rounds),
                         repairs)


def relaxation_rounds(model: AllocationModel, solver: str, deadline: Deadline) -> float:
    """Once per model: solve the LP relaxation and add the chance-row cuts its point breaks, until none is broken
    (or :data:`RELAXATION_ROUNDS`, or the time is up). Returns the time taken (0 when already done, or when the
    model has no chance row)."""
    if model.relaxation_cut or not model.chance:
        return 0.0
    model.relaxation_cut = True
    started = time.perf_counter()
    for _ in range(RELAXATION_ROUNDS):
        remaining = deadline.remaining()
        if remaining <= 0 or solve_relaxation(model, solver, remaining) is None:
            break
        if not add_relaxation_cuts(model, TOLERANCE):
            break
    return time.perf_counter() - started


def _try_inner(model: AllocationModel, inp: AllocationInput, solver: str, funded: list[str], search: _Search, *,
               mip_gap: float, available: Mapping[str, int] | None) -> float:
    """Solve once with conservative rows (tangents at this answer's variances) for an answer that is valid
    whatever happens next: the fallback when time runs out before the cuts converge. Returns the time taken."""
    search.inner_tried = True
    remaining = search.deadline.remaining()
    if remaining <= 0:
        return 0.0
    references = {}
    for position, entry in enumerate(model.chance):
        variance = entry.row.moments(funded)[1]
        references[position] = variance if variance > 0 else entry.row.moments(model.codes)[1]
    names = add_inner_rows(model, references)
    try:
        outcome = solve_model(model, solver, time_limit_s=remaining, mip_gap=mip_gap)
    finally:
        remove_rows(model, names)
    if outcome.objective is not None and not verify_allocation(inp, outcome.funded, available=available,
                                                               confidence=model.confidence):
        search.offer(outcome.funded, objective_value(inp, outcome.funded), solver)
    return outcome.solve_time_s


def _solve_and_repair(model: AllocationModel, inp: AllocationInput, solver: str, search: _Search, *,
                      mip_gap: float, available: Mapping[str, int] | None, any_valid: bool = False,
                      beside: BesideTheSolver | None = None) -> SolveOutcome:
    """Solve; add chance-row cuts while the answer breaks a chance row, and cut off an answer that breaks another
    rule; solve again until an answer passes every check. The no-good cuts are removed after; the chance-row cuts
    are valid for good and stay.

    Each solve is given the time left of the whole search; when it runs out, the best allocation that passed
    every check is returned with status ``time_limit``.
    """
    cuts: list[str] = []
    repairs: list[Repair] = []
    seen: set[frozenset[str]] = set()
    robust = bool(model.chance)
    hard = inp.scenario.target_mode == "hard"
    # A soft chance row moves the objective by the penalty times its shortfall: check it that much finer.
    tolerance = TOLERANCE if hard else TOLERANCE / max(1.0, inp.scenario.shortfall_penalty)
    elapsed = relaxation_rounds(model, solver, search.deadline)
    try:
        while True:
            remaining = search.deadline.remaining()
            if remaining <= 0:
                return _out_of_time(model, search, solver, elapsed, repairs)
            outcome = solve_model(model, solver, time_limit_s=remaining, mip_gap=mip_gap, beside=beside)
            elapsed += outcome.solve_time_s
            if outcome.objective is None:
                if outcome.status == "time_limit":
                    return _out_of_time(model, search, solver, elapsed, repairs)
                return replace(outcome, solve_time_s=elapsed, repairs=tuple(repairs))
            funded = outcome.funded
            breaches = verify_allocation(inp, funded, available=available, confidence=model.confidence)
            exact = objective_value(inp, funded) if robust else outcome.objective
            if not breaches:
                search.offer(funded, exact, solver)
            search.bound = _bound_of(outcome)
            point = frozenset(funded)
            broken, added = cut_broken_chance_rows(model, funded, tolerance) if robust else (0, 0)
            if not breaches and (not broken or (not hard and (point in seen or not added))):
                # A soft row's shortfall that comes back within the solvers' tolerance is valid as it is: the
                # allocation is kept with its exact objective.
                if search.best_objective > exact + _GAP_TOLERANCE * max(1.0, abs(exact)):
                    # A time-limited answer worse than one found earlier: report the better one.
                    return _best_outcome(model, search, outcome.status, elapsed, outcome.said, repairs)
                return replace(outcome, objective=exact, solve_time_s=elapsed, repairs=tuple(repairs))
            if added and point not in seen:
                seen.add(point)
                search.rounds += 1
                if hard and not search.inner_tried:
                    elapsed += _try_inner(model, inp, solver, funded, search, mip_gap=mip_gap, available=available)
                if any_valid and search.best is not None:
                    return _best_outcome(model, search, "feasible", elapsed, Phrase("solve.valid_exists"),
                                         repairs)
                if search.settled():
                    return _best_outcome(model, search, outcome.status, elapsed, outcome.said, repairs)
                continue
            if len(cuts) == MAX_REPAIRS:
                rules = Joined(tuple(Phrase("repair.rule", {
                    "rule": Term("rule", b.rule), "subject": _subject(b.rule, b.subject),
                    "over": _over(b.excess, _UNITS.get(b.rule, "expected count"))})
                    for b in breaches) or (Term("rule", "chance_row"),), "; ")
                return SolveOutcome("error", None, {}, None, elapsed, solver,
                                    Phrase("solve.kept_breaking", {"solver": solver, "rules": rules}), tuple(repairs))
            name = f"exact_check_cut_{len(cuts)}"
            _exclude(model, funded, name)
            cuts.append(name)
            repairs += [Repair(solver, b.rule, b.subject, b.excess, _UNITS.get(b.rule, "expected count"),
                               len(funded)) for b in breaches]
    finally:
        remove_rows(model, cuts)


def _better_than_cbc(model: AllocationModel, inp: AllocationInput, claimed: SolveOutcome, search: _Search, *,
                     mip_gap: float, available: Mapping[str, int] | None) -> tuple[SolveOutcome | None, float]:
    """HiGHS on the same model after CBC called an allocation optimal: CBC 2.10 can call a worse set optimal on
    money rows where the best pair misses a line by a few VND (``tests/unit/test_money_exact.py``), and the exact
    check sees broken rules, not a missed optimum. Returns HiGHS's checked outcome when it beats CBC's (else
    ``None``: HiGHS confirms it, no time is left, or HiGHS is not installed) and the seconds HiGHS took."""
    if search.deadline.remaining() <= 0 or not ArrayHiGHS().available():
        return None, 0.0
    assert claimed.objective is not None
    check = _solve_and_repair(model, inp, "highs", search, mip_gap=mip_gap, available=available)
    margin = _GAP_TOLERANCE * max(1.0, abs(claimed.objective))
    better = check.objective is not None and check.objective > claimed.objective + margin
    return (check if better else None), check.solve_time_s


def solve_verified(model: AllocationModel, inp: AllocationInput, solver: str, *, time_limit_s: float = 60.0,
                   mip_gap: float = 0.0, available: Mapping[str, int] | None = None,
                   fallback: bool = True, deadline: Deadline | None = None, any_valid: bool = False,
                   beside: BesideTheSolver | None = None) -> SolveOutcome:
    """Solve and return only an answer that passes the exact check (see the module's rules).

    ``available`` overrides the VND per line that the check uses, for a model whose lines were raised.
    ``deadline`` is the whole run's (``time_limit_s`` from now when not given): every solve, repair, round of
    chance-row cuts, fallback and confirmation is given only the time left. ``fallback=False`` keeps a failed
    solver from being replaced; an "infeasible" is still put to the other solver for confirmation.
    ``any_valid`` asks only whether a valid allocation exists: the first one found is returned (``feasible``).
    ``beside``'s work runs while the first solve's solver works (:class:`BesideTheSolver`); what has not run when
    this returns is for the caller to :meth:`~BesideTheSolver.finish`.
    """
    search = _Search(deadline or Deadline(time_limit_s))
    order = [solver] + [other for other in SOLVERS if other != solver]
    # Asked only when a solver says infeasible (funding nothing then proves it wrong); checked once.
    empty_is_valid = functools.cache(lambda: not verify_allocation(inp, [], available=available,
                                                                   confidence=model.confidence))
    notes: list[Phrase] = []
    infeasible: SolveOutcome | None = None
    elapsed = 0.0
    for position, name in enumerate(order):
        if position > 0 and not fallback and infeasible is None:
            break
        outcome = _solve_and_repair(model, inp, name, search, mip_gap=mip_gap, available=available,
                                    any_valid=any_valid, beside=beside)
        elapsed += outcome.solve_time_s
        if outcome.objective is not None:
            if name == "cbc" and position == 0 and outcome.status == "optimal" and not any_valid:
                # (CBC as the fallback of a HiGHS that failed on this model: HiGHS is not asked again.)
                better, seconds = _better_than_cbc(model, inp, outcome, search, mip_gap=mip_gap,
                                                   available=available)
                elapsed += seconds
                if better is not None and better.objective is not None:
                    claimed, found = _distinct(outcome.objective, better.objective)
                    note = Phrase("note.cbc_worse", {"claimed": claimed, "found": found})
                    return replace(better, solve_time_s=elapsed, notes=(*notes, *outcome.notes, note))
            return replace(outcome, solve_time_s=elapsed, notes=(*notes, *outcome.notes))
        if outcome.status == "infeasible":
            if empty_is_valid() or search.best is not None:
                valid = "empty" if empty_is_valid() else "earlier"
                notes.append(Phrase(f"note.infeasible_but_{valid}_valid", {"solver": name}))
                continue
            if infeasible is not None:  # two solvers agree
                return replace(infeasible, solve_time_s=elapsed,
                               notes=(*notes, Phrase("note.confirms_infeasible", {"solver": name})))
            infeasible = outcome
            notes.append(Phrase("note.reported_infeasible", {"solver": name}))
            continue
        if outcome.status == "time_limit":
            if infeasible is not None:
                said = Phrase("solve.unconfirmed_in_time", {"first": infeasible.solver, "second": name})
                return SolveOutcome("time_limit", None, {}, None, elapsed, name, said, outcome.repairs,
                                    (*notes, said))
            return replace(outcome, solve_time_s=elapsed, notes=tuple(notes))
        notes.append(Phrase("note.solver_said", {"solver": name, "message": outcome.said}))
    if search.best is not None:
        return _best_outcome(model, search, "feasible", elapsed, Phrase("solve.no_optimum"), [])
    if infeasible is not None:
        said = Phrase("solve.unconfirmed", {"solver": infeasible.solver, "notes": Joined(tuple(notes), "; ")})
        return SolveOutcome("error", None, {}, None, elapsed, infeasible.solver, said, notes=tuple(notes))
    return SolveOutcome("error", None, {}, None, elapsed, solver,
                        Phrase("solve.no_valid", {"notes": Joined(tuple(notes), "; ")}), notes=tuple(notes))
