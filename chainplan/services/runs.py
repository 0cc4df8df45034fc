"""Use cases on allocation runs and the committee's decisions: run, store, list, read, adopt."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from typing import Any

from chainplan.allocation import METHODS, AllocationResult, allocate
from chainplan.allocation.results import objective_parts
from chainplan.allocation.solve import solver_version
from chainplan.decisions import (
    DecisionRefused,
    UnknownRun,
    adopted_run,
    adoption_entries,
    decision_standing,
    overall_state,
    programme_year,
)
from chainplan.errors import ChainplanError
from chainplan.io.cells import control_character
from chainplan.ports import AuditEntry, EncodedDocument, StoredRun, UnitOfWork
from chainplan.runview import AllocationView
from chainplan.runview import allocation_view as _allocation_view
from chainplan.scenario import Scenario, load_scenario
from chainplan.services._cache import remembered, remembered_run
from chainplan.services._common import (
    OutputNotWritable,
    _system_user,
    check_writable,
    encoded_document,
    json_document,
)
from chainplan.services.data import stored_dataset, stored_plan_years
from chainplan.services.programme import prepare_scenario, year_data
from chainplan.wording import Term
from chainplan.years import data_fingerprint, years_read
from chainplan.years import years_overview as _years_overview

__all__ = [
    "AllocationRun",
    "RunRefused",
    "adopt_run",
    "allocation_view",
    "audit_log",
    "run_allocation",
    "run_document",
    "runs_overview",
    "store_run",
    "stored_run",
    "stored_runs",
    "year_data",
    "years_overview",
]


class RunRefused(ChainplanError, ValueError):
    """A run that is not started: who runs it is not a name that pages and workbooks can show."""


@dataclass(frozen=True)
class AllocationRun:
    """An allocation result and the id under which it was stored (``None`` when not stored)."""

    result: AllocationResult
    run_id: int | None
    dataset_fingerprint: str
    #: The result's JSON document (as stored), built and encoded once: storage writes its text, the command line
    #: prints it.
    document: EncodedDocument




def run_allocation(
    uow: UnitOfWork,
    scenario: str | os.PathLike[str] | Scenario,
    *,
    method: str = "milp",
    solver: str | None = None,
    store: bool = True,
    out: str | os.PathLike[str] | None = None,
    marginal_values: bool = False,
    by: str | None = None,
) -> AllocationRun:
    """Run a scenario (a file or a :class:`~chainplan.scenario.Scenario`) on the stored data, store the run.

    Raises :class:`~chainplan.scenario.ScenarioError` for a bad scenario (nothing is stored then).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    found = control_character(by) if by else None
    if found:  # before solving: nothing is stored under a name the runs table and the pack cannot hold
        raise RunRefused("error.run.by_control_character", point=found)
    chosen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if out is not None:
        check_writable(out, suffix=".xlsx")  # before solving and storing: nothing is stored for a run we cannot write
    started = time.perf_counter()
    prepared = prepare_scenario(uow, chosen)  # the year's plans and lines, calibrated, targets from the phase
    chosen, dataset = prepared.scenario, prepared.dataset
    loaded = time.perf_counter()
    # The solve runs outside any transaction: a minute-long solve must not hold the shared database. The data's
    # fingerprint, which only the stored run needs, is computed while the solver works.
    result = allocate(dataset, chosen, method=method, solver=solver, marginal_values=marginal_values,
                      alongside=prepared.deferred_fingerprint)
    fingerprint = prepared.fingerprint
    finished = time.perf_counter()
    run_id = None
    document = encoded_document(result.as_dict())
    if store:
        timings = {"load_s": round(loaded - started, 3), "build_s": round(result.build_time_s, 3),
                   "solve_s": round(result.solve_time_s, 3), "allocate_s": round(finished - loaded, 3)}
        run_id = store_run(uow, chosen, fingerprint, method, result, document, by=by or _system_user(),
                           timings=timings)
    if out is not None:
        try:
            result.to_excel(out)
        except OSError as exc:  # the disk filled up between the check and the write: name the user's path
            raise OutputNotWritable("error.output.write_failed", path=str(out),
                                    detail=exc.strerror or str(exc)) from None
    return AllocationRun(result, run_id, fingerprint, document)


def store_run(uow: UnitOfWork, scenario: Scenario, fingerprint: str, method: str, result: AllocationResult,
              document: dict[str, Any], *, by: str, timings: dict[str, float] | None = None) -> int:
    """Store one allocation result as a run (the scenario as run, with its year) and return its id."""
    with uow:
        run_id = uow.repository.add_run(StoredRun(
            scenario_name=scenario.name, scenario=json_document(scenario.model_dump()),
            dataset_fingerprint=fingerprint, method=method, status=result.status, objective=result.objective,
            result=document, created_by=by, solver=result.solver,
            solver_version=solver_version(result.solver) if result.solver else None, timings=timings or {},
        ))
        uow.commit()
    return run_id


def stored_runs(uow: UnitOfWork) -> list[StoredRun]:
    """Every stored allocation run, newest first."""
    with uow:
        return uow.repository.list_runs()


def stored_run(uow: UnitOfWork, run_id: int) -> StoredRun:
    """One stored run. Raises :class:`~chainplan.decisions.UnknownRun`."""
    with uow:
        run = uow.repository.get_run(run_id)
    if run is None:
        raise UnknownRun(run_id)
    return run


def run_document(run: StoredRun) -> dict[str, Any]:
    """A stored run as ``allocate`` printed it, with who ran it, when, on what data and with which solver."""
    return {**run.result, "run_id": run.id, "created_at": run.created_at.isoformat(timespec="seconds"),
            "created_by": run.created_by, "dataset_fingerprint": run.dataset_fingerprint,
            "solver_version": run.solver_version, "timings": run.timings, "scenario_as_run": run.scenario}


def runs_overview(uow: UnitOfWork, year: int | None = None) -> list[dict[str, Any]]:
    """Every run (with ``year``: those a page of that programme year shows, below), newest first: ``run_id,
    scenario, year, created_at, status, objective, dataset_fingerprint, decision, decisions`` (DATA_FORMAT.md), and
    for the pages ``scenario_vi`` (the Vietnamese name or blank), ``method``, ``created_by``, ``funded_plans`` (a
    count), ``funded_vnd`` (whole VND, exact), ``targets_met`` and ``targets_total`` (the scenario's targets the run
    meets, of how many).

    ``decisions`` lists the run's standing per year, oldest year first; ``decision`` sums it up: ``adopted`` when
    the run stands for at least one year, ``superseded`` when it was adopted only for years where another run
    replaced it, else ``None``. ``year`` is the scenario's programme year, ``None`` for a scenario without one.

    With ``year``: the runs of that year, those adopted for it (a committee may adopt a run for another year than
    its scenario's, and the year's decisions must show it) and those without a year (stored before programme
    years: no year of theirs is known, so none hides them).
    """
    with uow:
        rows = remembered(uow, "runs", "overview", lambda: _overview(uow))
    # Each caller gets its own rows (and lists of decisions): what is remembered stays as it was.
    return [{**row, "decisions": [dict(d) for d in row["decisions"]]} for row in rows
            if year is None or row["year"] in (None, year) or any(d["year"] == year for d in row["decisions"])]


def _result_facts(uow: UnitOfWork, run: StoredRun) -> dict[str, Any]:
    """Inside ``with uow``: the few numbers the overview shows of a run's stored document. A run is never changed
    once stored, so they are read once per process for each run (by its id, time, data and scenario: never another
    database's run)."""
    def read() -> dict[str, Any]:
        stored = uow.repository.get_run(run.id or 0)
        result = stored.result if stored is not None else {}
        funded = result.get("funded_plans", [])
        targets = result.get("targets") or {}
        return {"funded_plans": len(funded), "funded_vnd": sum(int(p.get("total_vnd", 0)) for p in funded),
                "targets_met": sum(bool(t.get("met")) for t in targets.values()), "targets_total": len(targets),
                "total_benefit": result.get("total_benefit")}

    key = (run.id, run.created_at.isoformat(), run.dataset_fingerprint, run.scenario_name)
    return dict(remembered_run(key, read))


def _overview(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Inside ``with uow``: the overview's rows; only the documents of runs not seen before are read."""
    runs = uow.repository.list_runs(results=False)
    standing = decision_standing(uow.repository.list_audit())
    rows = []
    for r in runs:
        facts = _result_facts(uow, r)
        years = standing.get(r.id or 0, {})
        decisions = [{"year": decided, "state": state} for decided, state in sorted(years.items())]
        decision = overall_state(years) if years else None
        run_year = r.scenario.get("year")
        run_year = run_year if isinstance(run_year, int) else None
        rows.append({"run_id": r.id, "scenario": r.scenario_name, "scenario_vi": str(r.scenario.get("name_vi") or ""),
                     "year": run_year,
                     "created_at": r.created_at.isoformat(timespec="seconds"), "status": r.status,
                     "objective": r.objective, "dataset_fingerprint": r.dataset_fingerprint, "decision": decision,
                     "decisions": decisions, "method": r.method, "created_by": r.created_by,
                     "funded_plans": facts["funded_plans"], "funded_vnd": facts["funded_vnd"],
                     "targets_met": facts["targets_met"], "targets_total": facts["targets_total"],
                     **dict(zip(("expected_benefit", "shortfall_penalty"),
                                objective_parts(r.objective, facts["total_benefit"]), strict=True))})
    return rows


def _data_fingerprint(uow: UnitOfWork, years: list[int] | None, scenario: dict[str, Any]) -> str:
    """Inside ``with uow``: :func:`~chainplan.years.data_fingerprint` of the stored data (of ``years``, else every
    year) for a scenario as run, once per generation and what the fingerprint reads of the scenario."""
    key = ("data fingerprint", None if years is None else tuple(sorted(years)), "year" in scenario,
           scenario.get("year"), scenario.get("success_probability"))
    return remembered(uow, "dataset", key, lambda: data_fingerprint(stored_dataset(uow, years), scenario))


def adopt_run(uow: UnitOfWork, run_id: int, *, by: str, note: str = "", year: int | str | None = None
              ) -> list[AuditEntry]:
    """Record the committee's decision: ``run_id`` is adopted for ``year`` (default: the run's year, else this year).

    Raises :class:`~chainplan.decisions.UnknownRun`, or :class:`~chainplan.decisions.DecisionRefused` when the run
    was computed on other data than what is stored now, or is already the adopted decision for that year.
    """
    when = dt.datetime.now(dt.UTC)
    with uow:
        run = uow.repository.get_run(run_id)
        if run is None:
            raise UnknownRun(run_id)
        # None is the run's own year (this year for a run without one); anything a person typed is checked.
        run_year = run.scenario.get("year")
        year = (run_year if isinstance(run_year, int) else when.year) if year is None else programme_year(year)
        scenario_year = run.scenario.get("year") if "year" in run.scenario else None
        read = years_read(run.scenario, stored_plan_years(uow)) if scenario_year is not None else None
        current = _data_fingerprint(uow, None if read is None else sorted(read), run.scenario)
        if run.dataset_fingerprint != current:
            raise DecisionRefused("error.decision.other_data", run=str(run_id), stored=run.dataset_fingerprint[:12],
                                  current=current[:12])
        if run.status not in ("optimal", "feasible", "time_limit"):
            raise DecisionRefused("error.decision.nothing_funded", run=str(run_id), status=Term("status", run.status))
        entries = adoption_entries(uow.repository.list_audit(), run_id=run_id, year=year, by=by, note=note, at=when)
        for entry in entries:
            uow.repository.add_audit(entry)
        uow.commit()
    return entries


def audit_log(uow: UnitOfWork) -> list[AuditEntry]:
    """The decision log, oldest first."""
    with uow:
        return uow.repository.list_audit()


def allocation_view(uow: UnitOfWork, run_id: int) -> tuple[StoredRun, AllocationView]:
    """A stored run and its frames with names from the data stored now. Raises :class:`UnknownRun`."""
    run = stored_run(uow, run_id)
    with uow:
        dataset, fingerprint = stored_dataset(uow), _data_fingerprint(uow, None, run.scenario)
    document = {**run.result, "dataset_fingerprint": run.dataset_fingerprint}
    return run, _allocation_view(document, dataset, fingerprint=fingerprint)



def years_overview(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Per programme year, oldest first: ``{year, plans, requested_vnd, budget_vnd, adopted_run, funded_vnd}``
    (DATA_FORMAT.md, ``chainplan years``); ``adopted_run`` and ``funded_vnd`` are null before a decision."""
    with uow:
        dataset = stored_dataset(uow)
        log = uow.repository.list_audit()
        adopted: dict[int, tuple[int, int]] = {}
        for year in sorted({entry.year for entry in log}):
            run_id = adopted_run(log, year)
            run = uow.repository.get_run(run_id) if run_id is not None else None
            if run is not None:
                funded = sum(int(amount) for plan in run.result.get("funded_plans", [])
                             for amount in (plan.get("amounts") or {}).values())
                adopted[year] = (run_id, funded)  # type: ignore[assignment]
    return _years_overview(dataset, adopted)
