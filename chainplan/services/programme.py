"""Use cases on the programme's years: results against the adopted decision, calibration, phase progress,
inspections per organization, and the data and scenario a run reads for its year."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

import pandas as pd

from chainplan.dataset import Dataset
from chainplan.decisions import adopted_run, programme_year
from chainplan.errors import ChainplanError
from chainplan.names import name_book
from chainplan.ports import UnitOfWork
from chainplan.programme.calibration import calibration_table, with_calibrated_probabilities
from chainplan.programme.inspections import inspection_list, organization_inspections
from chainplan.programme.outcomes import year_results as _year_results
from chainplan.programme.phases import Phase, load_phase, year_targets
from chainplan.programme.phases import phase_progress as _phase_progress
from chainplan.scenario import Scenario
from chainplan.services.data import load_dataset
from chainplan.wording import NameBook

__all__ = [
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
    "year_results",
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
        dataset = uow.repository.load()
    if run_id is None or run is None:
        raise ResultsRefused("error.results.no_decision", year=str(chosen))
    return YearResults(_year_results(dataset, chosen, run_id, run.result), name_book(dataset))


def calibration_report(uow: UnitOfWork) -> pd.DataFrame:
    """Per purpose over every finished plan: ``purpose, finished, succeeded, mean_stated_probability,
    success_rate, brier`` (:func:`chainplan.programme.calibration.calibration_table`)."""
    return calibration_table(load_dataset(uow))


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


def latest_plan_year(dataset: Dataset) -> int | None:
    """The latest year any plan belongs to (a scenario's default ``year``); ``None`` when no plan has a year.

    Examples
    --------
    >>> plan = {"product_code": "X", "organization_code": "O", "purpose": "other"}
    >>> latest_plan_year(Dataset.from_records({"plans": [{**plan, "code": "A", "year": 2019},
    ...                                                  {**plan, "code": "B", "year": 2020}, {**plan, "code": "C"}]}))
    2020
    """
    years = dataset.plans["year"].dropna()
    return int(years.max()) if len(years) else None


def _year_slice(dataset: Dataset, year: int | None) -> Dataset:
    """The plans and budget lines of ``year`` (with their requests and appraisals); every other sheet as it is.

    A minimal stand-in for the years work's own selection (the lead unifies the two on merge): data whose plans
    carry no year at all is read whole, as before programme years.
    """
    if year is None or dataset.plans["year"].isna().all():
        return dataset
    plans = dataset.plans[(dataset.plans["year"] == year).fillna(False).to_numpy(dtype=bool)]
    lines = dataset.budget_lines[(dataset.budget_lines["year"] == year).fillna(False).to_numpy(dtype=bool)]
    codes = set(plans["code"])
    return dataclasses.replace(
        dataset, plans=plans, budget_lines=lines,
        plan_requests=dataset.plan_requests[dataset.plan_requests["plan_code"].isin(codes).to_numpy(dtype=bool)],
        appraisals=dataset.appraisals[dataset.appraisals["plan_code"].isin(codes).to_numpy(dtype=bool)])


@dataclass(frozen=True)
class PreparedScenario:
    """What a run reads: the scenario as run (its ``year`` filled, targets from its phase), the year's data
    (calibrated when the scenario asks), and the fingerprint of the whole stored dataset."""

    scenario: Scenario
    dataset: Dataset
    fingerprint: str


def prepare_scenario(uow: UnitOfWork, scenario: Scenario) -> PreparedScenario:
    """The scenario and data of one run: the year (the scenario's, else the latest year with plans), the phase's
    remaining targets for every target the scenario leaves out, the year's plans and lines, and the calibrated
    probabilities (from the finished plans of earlier years) when ``success_probability: calibrated``.

    Raises :class:`~chainplan.programme.phases.PhaseError` for a bad phase file and
    :class:`~chainplan.programme.phases.PhaseRefused` for a year outside the phase.
    """
    stored = load_dataset(uow)
    year = scenario.year if scenario.year is not None else latest_plan_year(stored)
    if scenario.phase:
        phase = load_phase(scenario.phase)
        _ids, documents = _adopted_documents(uow, phase.years)
        progress = _phase_progress(stored, phase, documents)
        scenario = scenario.model_copy(update={"targets": year_targets(phase, progress, year=year,
                                                                       own=scenario.targets)})
    if year is not None and scenario.year is None:
        scenario = scenario.model_copy(update={"year": year})
    data = _year_slice(stored, year)
    if scenario.success_probability == "calibrated":
        data = with_calibrated_probabilities(data, stored, year=year, strength=scenario.calibration_strength)
    return PreparedScenario(scenario, data, stored.fingerprint())
