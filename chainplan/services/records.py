"""Use cases of the programme's memory that write or that every page reads: recording what a funded plan
delivered and an inspection, which years have plans and which one a page shows, and the phase a year is in."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from chainplan.decisions import adopted_run
from chainplan.imports import ToolRecord
from chainplan.ports import EditStamp, UnitOfWork
from chainplan.programme.phases import Phase, PhaseError, load_phase
from chainplan.recording import (
    Inspection,
    InspectionRefused,
    Outcome,
    OutcomeRefused,
    check_inspection,
    check_outcome,
)
from chainplan.schema import YEAR_RANGE
from chainplan.services._common import edit_conflict
from chainplan.services.data import stored_dataset, stored_plan_years
from chainplan.wording import Ref

__all__ = [
    "OpenedOutcome",
    "YearChoice",
    "opened_outcome",
    "organization_choices",
    "phase_of_year",
    "plan_years",
    "record_inspection",
    "record_outcome",
    "year_choice",
]


def plan_years(uow: UnitOfWork) -> list[int]:
    """The years that have plans, oldest first."""
    with uow:
        return stored_plan_years(uow)


@dataclass(frozen=True)
class YearChoice:
    """The years a person can choose from (those with plans, and the one asked for) and the year shown."""

    years: list[int]
    year: int | None


def year_choice(uow: UnitOfWork, asked: int | None) -> YearChoice:
    """The year a page shows: the one asked for when it is a programme year (2000–2100), else the latest year with
    plans, else none (no plan has a year yet). The years offered are those with plans, and the one asked for."""
    years = plan_years(uow)
    if asked is not None and YEAR_RANGE[0] <= asked <= YEAR_RANGE[1]:
        return YearChoice(sorted({*years, asked}), asked)
    return YearChoice(years, years[-1] if years else None)


def _reportable_plans(uow: UnitOfWork) -> set[str]:
    """The plans funded by a run adopted now for some year (a result may be recorded for them)."""
    with uow:
        log = uow.repository.list_audit()
        runs = {run_id for year in {entry.year for entry in log}
                if (run_id := adopted_run(log, year)) is not None}
        funded = {str(plan["plan_code"]) for run_id in runs
                  if (run := uow.repository.get_run(run_id)) is not None
                  for plan in run.result.get("funded_plans", [])}
    return funded


def phase_of_year(folder: str | os.PathLike[str] | None, year: int | None) -> tuple[Path, Phase] | None:
    """The shipped phase (a file of ``folder/phases``, by name) whose years include ``year``; the latest-starting
    one when several do; ``None`` when none does or there is no year. A phase file that cannot be read is passed
    over here: ``chainplan progress`` names its problems."""
    if folder is None or year is None or not (Path(folder) / "phases").is_dir():
        return None
    found: list[tuple[int, str, Path, Phase]] = []
    for path in sorted((Path(folder) / "phases").glob("*.yaml")):
        try:
            phase = load_phase(path)
        except PhaseError:
            continue
        if phase.first <= year <= phase.last:
            found.append((phase.first, path.name, path, phase))
    if not found:
        return None
    _first, _name, path, phase = max(found, key=lambda item: (item[0], item[1]))
    return path, phase


def organization_choices(uow: UnitOfWork) -> list[tuple[str, str]]:
    """Every organization's code and name, by name (a form's list of organizations)."""
    with uow:
        organizations = stored_dataset(uow).organizations
    return sorted(((str(code), str(name)) for code, name in zip(organizations["code"], organizations["name"],
                                                                   strict=True)), key=lambda item: item[1])


@dataclass(frozen=True)
class OpenedOutcome:
    """What an outcome form opens on: the plan's stored report (``None`` before the first) and its version (0:
    none yet), which the form sends back when it saves."""

    outcome: Outcome | None
    version: int


def opened_outcome(uow: UnitOfWork, plan_code: str) -> OpenedOutcome:
    """The plan's stored outcome and its version, read together: a planner editing a report sees what is stored
    and saves over that version (:func:`record_outcome`)."""
    with uow:
        stored = uow.repository.get_outcome(plan_code)
        stamp = uow.repository.outcome_stamp(plan_code) if stored is not None else None
    return OpenedOutcome(stored, 0 if stamp is None else stamp.version)


def record_outcome(uow: UnitOfWork, outcome: Outcome, *, by: str, opened_version: int | None = None) -> Outcome:
    """Check and store what a funded plan delivered (it replaces the plan's earlier report); returns it as stored.

    A form passes the ``opened_version`` it was opened on (:func:`opened_outcome`): when someone saved the plan's
    outcome since (or an import replaced it), nothing is written and :class:`~chainplan.errors.EditConflict` names
    who and when. The check is one conditional write, so it holds between processes. The row is marked as recorded
    in the tool, by ``by`` and now, so that an import's preview names it if a file would overwrite it. Raises
    :class:`~chainplan.recording.OutcomeRefused` naming the field (an unknown plan, a plan no adopted decision
    funded, a value out of range); nothing is written then.
    """
    reportable = _reportable_plans(uow)
    with uow:
        dataset = stored_dataset(uow)
        checked = check_outcome(dataset, outcome)
        if checked.plan_code not in reportable and checked.plan_code not in set(dataset.outcomes["plan_code"]):
            raise OutcomeRefused("error.outcome.not_funded", field="plan_code", plan=Ref("plan", checked.plan_code))
        now = dt.datetime.now(dt.UTC)
        if uow.repository.save_outcome(checked, expected_version=opened_version, by=by, at=now):
            uow.repository.mark_recorded(ToolRecord("outcomes", (checked.plan_code,), now, by))
            uow.commit()
            return checked
    # Refused, nothing written; who saved since is read in a new snapshot (see record_appraisal).
    with uow:
        stamp = uow.repository.outcome_stamp(checked.plan_code) or EditStamp(0)
    raise edit_conflict("error.conflict.outcome", stamp.version, stamp.changed_by, stamp.changed_at,
                        plan=Ref("plan", checked.plan_code))


def record_inspection(uow: UnitOfWork, inspection: Inspection) -> Inspection:
    """Check and store one inspection (given the next free code when it has none); returns it as stored.

    A new inspection never replaces a stored one: when another writer took the code first, an inspection without
    a code is given the next free one, one with a code is refused.

    Raises :class:`~chainplan.recording.InspectionRefused` naming the field; nothing is written then.
    """
    for _attempt in range(_INSPECTION_ATTEMPTS):
        with uow:
            checked = check_inspection(stored_dataset(uow), inspection)
            if uow.repository.save_inspection(checked):
                uow.commit()
                return checked
        if inspection.code.strip():
            break  # the code the person gave was taken meanwhile: theirs to choose another
        # Another planner's inspection took the next free code after this one was checked: the next one is free.
    raise InspectionRefused("error.inspection.code_taken", field="code", code=checked.code)


#: How many times a new inspection is given the next free code when others keep taking it first.
_INSPECTION_ATTEMPTS = 3
