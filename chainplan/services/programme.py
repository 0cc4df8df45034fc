"""Use cases on the programme's years: results against the adopted decision, calibration, phase progress,
inspections per organization, and the data and scenario a run reads for its year."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from chainplan.allocation.data import derive_ahead
from chainplan.chains.graph import products_reaching_supermarket
from chainplan.dataset import Dataset, InputProblem
from chainplan.decisions import adopted_run, programme_year
from chainplan.errors import ChainplanError
from chainplan.names import name_book
from chainplan.ports import UnitOfWork
from chainplan.programme.calibration import calibration_table, with_calibrated_probabilities
from chainplan.programme.inspections import inspection_list, organization_inspections
from chainplan.programme.outcomes import year_results as _year_results
from chainplan.programme.phases import Phase, load_phase, year_targets
from chainplan.programme.phases import phase_progress as _phase_progress
from chainplan.scenario import Scenario, ScenarioError
from chainplan.services._cache import remembered
from chainplan.services.data import load_dataset, stored_dataset, stored_plan_years
from chainplan.wording import Joined, NameBook
from chainplan.years import data_fingerprint, dataset_for_year, latest_year, years_read

__all__ = [
    "DeferredFingerprint",
    "InspectionsView",
    "PhaseProgress",
    "PreparedScenario",
    "ResultsRefused",
    "YearResults",
    "calibration_report",
    "inspections_view",
    "latest_plan_year",
    "phase_progress",
    "prepare_scenario",
    "read_ahead",
    "year_data",
    "year_results",
    "year_slice",
]


class ResultsRefused(ChainplanError, ValueError):
    """No results for the year: ``error.results.no_decision`` (no run adopted for it)."""


@dataclass(frozen=True)
class YearResults:
    """A year's results (``{year, run_id, plans, targets}``, see
    :func:`chainplan.programme.outcomes.year_results`) and the names a person reads in place of codes."""

    document: dict[str, Any]
    names: NameBook


def year_results(uow: UnitOfWork, year: int | str) -> YearResults:
    """The year's adopted run against what its funded plans delivered.

    Raises :class:`~chainplan.decisions.DecisionRefused` for a year that is not a whole number from 2000 to 2100,
    :class:`ResultsRefused` when no run is adopted for the year.
    """
    chosen = programme_year(year)
    with uow:
        run_id = adopted_run(uow.repository.list_audit(), chosen)
        run = uow.repository.get_run(run_id) if run_id is not None else None
        dataset = stored_dataset(uow)
    if run_id is None or run is None:
        raise ResultsRefused("error.results.no_decision", year=str(chosen))
    return YearResults(_year_results(dataset, chosen, run_id, run.result), name_book(dataset))


def calibration_report(uow: UnitOfWork) -> pd.DataFrame:
    """Per purpose over every finished plan: ``purpose, finished, succeeded, mean_stated_probability,
    success_rate, brier`` (:func:`chainplan.programme.calibration.calibration_table`)."""
    with uow:
        table = remembered(uow, "dataset", "calibration", lambda: calibration_table(stored_dataset(uow)))
    return table.copy()  # the caller's own frame: what is remembered stays as it was


@dataclass(frozen=True)
class PhaseProgress:
    """A phase, its progress per target (``target, min, max, delivered, expected, remaining``) and the years of
    the phase that have an adopted run (``{year: run_id}``)."""

    phase: Phase
    table: pd.DataFrame
    adopted: dict[int, int]


def _adopted_documents(uow: UnitOfWork, years: range) -> tuple[dict[int, int], dict[int, dict[str, Any]]]:
    """The adopted run of each year of ``years`` that has one: its id and its result document."""
    with uow:
        log = uow.repository.list_audit()
        ids = {year: run_id for year in years if (run_id := adopted_run(log, year)) is not None}
        documents = {}
        for year, run_id in ids.items():
            run = uow.repository.get_run(run_id)
            if run is not None:
                documents[year] = run.result
    return ids, documents


def phase_progress(uow: UnitOfWork, phase: str | os.PathLike[str] | Phase) -> PhaseProgress:
    """Delivered, expected from the adopted decisions, and remaining, per target of a phase (a file or a
    :class:`~chainplan.programme.phases.Phase`).

    Raises :class:`~chainplan.programme.phases.PhaseError` naming the file and key of a bad phase file.
    """
    chosen = phase if isinstance(phase, Phase) else load_phase(phase)
    ids, documents = _adopted_documents(uow, chosen.years)
    return PhaseProgress(chosen, _phase_progress(load_dataset(uow), chosen, documents), ids)


@dataclass(frozen=True)
class InspectionsView:
    """Inspections per organization (``organization_code``, ``organization``: its name, ``inspections``,
    ``violations``, ``unresolved``, ``last_inspected_on``; open violations first) and every inspection (its
    columns, ``organization``, ``unresolved``; newest first within each organization)."""

    organizations: pd.DataFrame
    inspections: pd.DataFrame


def inspections_view(uow: UnitOfWork, organization: str | None = None) -> InspectionsView:
    """Inspections per organization and one by one (of ``organization`` only, when given), with names."""
    dataset = load_dataset(uow)
    names = name_book(dataset)["organization"]
    summary = organization_inspections(dataset)
    if organization is not None:
        summary = summary[summary["organization_code"] == organization].reset_index(drop=True)
    listed = inspection_list(dataset, organization)
    for frame in (summary, listed):
        frame.insert(1, "organization", [names.get(str(code), str(code)) for code in frame["organization_code"]])
    return InspectionsView(summary, listed)




class DeferredFingerprint:
    """A fingerprint computed when first asked for, once, from whichever thread asks first.

    A national run asks for it while the solver works (:func:`~chainplan.allocation.allocate`'s ``alongside``):
    the canonical text of the whole dataset costs about half a second that the solve then hides.

    Examples
    --------
    >>> calls = []
    >>> deferred = DeferredFingerprint(lambda: calls.append(1) or "f00d")
    >>> deferred(), deferred(), len(calls)
    ('f00d', 'f00d', 1)
    """

    def __init__(self, compute: Callable[[], str]) -> None:
        self._compute: Callable[[], str] | None = compute
        self._value: str | None = None
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if self._compute is not None:
                self._value = self._compute()
                self._compute = None  # what it read (the whole dataset) is not kept alive by it any longer
            assert self._value is not None
            return self._value


@dataclass(frozen=True)
class PreparedScenario:
    """What a run reads: the scenario as run (its ``year`` filled, targets from its phase), the year's data
    (calibrated when the scenario asks), and the fingerprint of the whole stored dataset (computed when first
    read: :class:`DeferredFingerprint`)."""

    scenario: Scenario
    dataset: Dataset
    deferred_fingerprint: DeferredFingerprint = field(repr=False)

    @property
    def fingerprint(self) -> str:
        """The fingerprint stored with a run of this scenario (:func:`~chainplan.years.data_fingerprint`)."""
        return self.deferred_fingerprint()


def year_slice(dataset: Dataset, scenario: Scenario) -> tuple[Scenario, Dataset]:
    """What a run of ``scenario`` reads, from the full multi-year ``dataset``: the scenario with its ``year``
    resolved (default: the latest year with plans; ``None`` only for data without years) and that year's slice of
    the dataset (:func:`~chainplan.years.dataset_for_year`)."""
    resolved = _with_year(dataset, scenario)
    return resolved, dataset_for_year(dataset, resolved.year)


def _with_year(dataset: Dataset, scenario: Scenario) -> Scenario:
    """``scenario`` with its ``year`` resolved on ``dataset`` (default: the latest year with plans)."""
    year = scenario.year if scenario.year is not None else latest_year(dataset)
    return scenario if year == scenario.year else scenario.model_copy(update={"year": year})


def year_data(dataset: Dataset, scenario: Scenario) -> tuple[Scenario, Dataset, str]:
    """:func:`year_slice`, and the fingerprint stored with a run of the scenario
    (:func:`~chainplan.years.data_fingerprint`)."""
    resolved, data = year_slice(dataset, scenario)
    return resolved, data, data_fingerprint(dataset, resolved.model_dump())


def _remembered_year_slice(uow: UnitOfWork, stored: Dataset, years: list[int] | None,
                           scenario: Scenario) -> tuple[Scenario, Dataset]:
    """Inside ``with uow``: :func:`year_slice` of ``stored`` (the dataset read for ``years``), one slice per year
    and generation, shared by every scenario of that year: what is derived from the slice alone (its names, the
    products reaching a supermarket, its fingerprint) is then computed once for all of them."""
    resolved = _with_year(stored, scenario)
    key = ("year slice", None if years is None else tuple(years), resolved.year)
    return resolved, remembered(uow, "dataset", key, lambda: dataset_for_year(stored, resolved.year))


def _years_for(uow: UnitOfWork, scenario: Scenario) -> list[int] | None:
    """Inside ``with uow``: the years a run of ``scenario`` reads (:func:`~chainplan.years.years_read`: its year,
    and the earlier ones for calibration), with the current state (outcomes included); not the later years, which a
    national database of ten years would make slow to load. ``None`` (every year) for a phase, which reads the
    adopted runs and outcomes of all its years."""
    if scenario.phase:
        return None
    plan_years = stored_plan_years(uow)
    year = scenario.year if scenario.year is not None else (max(plan_years) if plan_years else None)
    return years_read({**scenario.model_dump(), "year": year}, plan_years)


def _check_year_has_plans(scenario: Scenario, plan_years: list[int]) -> None:
    """Refuse a scenario whose ``year`` has no plan while other years have some: its run would fund nothing,
    be stored for good and could be adopted for a year the committee never planned (``plan_years`` sorted)."""
    if scenario.year is None or not plan_years or scenario.year in plan_years:
        return
    raise ScenarioError([InputProblem(None, None, None, scenario.year, "error.scenario.year_without_plans", None,
                                      key="year", params={"year": str(scenario.year),
                                                          "years": Joined(tuple(str(y) for y in plan_years))})])


def prepare_scenario(uow: UnitOfWork, scenario: Scenario) -> PreparedScenario:
    """The scenario and data of one run: the year (the scenario's, else the latest year with plans), the phase's
    remaining targets for every target the scenario leaves out, the year's plans and lines
    (:func:`year_data`), and the calibrated probabilities (from the finished plans of earlier years) when
    ``success_probability: calibrated``.

    Raises :class:`~chainplan.programme.phases.PhaseError` for a bad phase file,
    :class:`~chainplan.programme.phases.PhaseRefused` for a year outside the phase, and
    :class:`~chainplan.scenario.ScenarioError` (key ``year``) for a year without plans while other years have some.
    """
    with uow:
        plan_years = stored_plan_years(uow)
        years = _years_for(uow, scenario)
        stored = stored_dataset(uow, years)
    year = scenario.year if scenario.year is not None else latest_year(stored)
    if scenario.phase:
        phase = load_phase(scenario.phase)
        _ids, documents = _adopted_documents(uow, phase.years)
        progress = _phase_progress(stored, phase, documents)
        scenario = scenario.model_copy(update={"targets": year_targets(phase, progress, year=year,
                                                                       own=scenario.targets)})
    _check_year_has_plans(scenario, plan_years)  # after the phase's own refusal of a year outside it

    def prepared() -> PreparedScenario:
        resolved, data = _remembered_year_slice(uow, stored, years, scenario)
        sliced = data
        if resolved.success_probability == "calibrated":
            # The full data (earlier years' plans, the outcomes) is at hand here, before only the slice is left.
            data = with_calibrated_probabilities(data, stored, year=resolved.year,
                                                 strength=resolved.calibration_strength)
        full, as_run = stored, resolved.model_dump()
        return PreparedScenario(resolved, data, DeferredFingerprint(
            lambda: data_fingerprint(full, as_run, sliced=sliced)))

    # The slice, its calibration and its fingerprint depend only on the data and the scenario as it now stands
    # (the phase's targets included), so they are kept per generation under the scenario's whole content. The
    # generation is read again here: the dataset it names was read with it, in this unit of work's snapshot.
    with uow:
        stored = stored_dataset(uow, years)
        if not plan_years and stored.plans.empty:
            # No plan in any year (a new database): the run would fund nothing and be stored, adoptable, for good.
            raise ScenarioError([InputProblem(None, None, None, None, "error.scenario.no_plans")])
        key = ("prepared", None if years is None else tuple(years), scenario.model_dump_json())
        return remembered(uow, "dataset", key, prepared)


def read_ahead(uow: UnitOfWork) -> list[int] | None:
    """Read into this process's read cache what commands and pages read first: the whole dataset, and the years a
    run of the latest year reads (:func:`prepare_scenario` of a scenario that names no year) with that year's
    slice, its names, the products reaching a supermarket and its fingerprint. Returns those years.

    ``chainplan standby`` calls it before its first command and again after each one (a generation that did not
    change costs one small query). Reading ahead changes nothing stored.
    """
    latest = Scenario(name="read ahead")
    with uow:
        stored_dataset(uow)
        years = _years_for(uow, latest)
        _resolved, data = _remembered_year_slice(uow, stored_dataset(uow, years), years, latest)
        name_book(data)
        products_reaching_supermarket(data)
        data.fingerprint()
        derive_ahead(data)
    return years


#: The latest year any plan belongs to (a scenario's default ``year``): :func:`chainplan.years.latest_year`.
latest_plan_year = latest_year
