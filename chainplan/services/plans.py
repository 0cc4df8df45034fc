"""Use cases on production plans: appraisals, the register, scenario choices, the year's targets."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainplan.appraisal import Appraisal, check_appraisal
from chainplan.dataset import Dataset, InputProblem
from chainplan.decisions import adopted_run
from chainplan.imports import ToolRecord
from chainplan.ports import EditStamp, StoredRun, UnitOfWork
from chainplan.register import plan_register
from chainplan.scenario import Scenario, ScenarioError, load_scenario
from chainplan.services._cache import remembered, remembered_file
from chainplan.services._common import edit_conflict
from chainplan.services.data import load_dataset, stored_dataset
from chainplan.services.programme import year_slice
from chainplan.services.runs import runs_overview, stored_run
from chainplan.wording import Ref, Term, term
from chainplan.years import latest_year
from chainplan.yeartargets import year_targets as target_table

__all__ = [
    "RegisterView",
    "ScenarioChoice",
    "YearTargets",
    "appraisal_version",
    "plan_choices",
    "plans_register",
    "record_appraisal",
    "register_view",
    "scenario_choices",
    "scenario_for",
    "year_targets",
]


def appraisal_version(uow: UnitOfWork, plan_code: str, stage: str) -> int:
    """The version of the plan's appraisal at ``stage`` a form opens on (0: none recorded yet)."""
    with uow:
        stamp = uow.repository.appraisal_stamp(plan_code, stage)
    return 0 if stamp is None else stamp.version


def record_appraisal(uow: UnitOfWork, appraisal: Appraisal, *, opened_version: int | None = None,
                     by: str = "") -> Appraisal:
    """Check and store one appraisal (it replaces the plan's row for that stage); returns it as stored.

    A form passes the ``opened_version`` it was opened on (:func:`appraisal_version`): when someone saved that
    appraisal since, nothing is written and :class:`~chainplan.errors.EditConflict` names who and when. The check
    is one conditional write, so it holds between processes. The row is marked as recorded in the tool, by ``by``
    (default: the appraiser) and now, so that an import's preview names it if a file would overwrite it.

    Raises :class:`~chainplan.appraisal.AppraisalRefused` naming the field; nothing is written then.
    """
    with uow:
        checked = check_appraisal(stored_dataset(uow), appraisal)
        saved = uow.repository.save_appraisal(checked, expected_version=opened_version, by=by or checked.appraiser)
        if saved:
            uow.repository.mark_recorded(ToolRecord("appraisals", (checked.plan_code, checked.stage),
                                                    dt.datetime.now(dt.UTC), by or checked.appraiser))
            uow.commit()
            return checked
    # Refused, nothing written. Who saved since is read in a new snapshot: when two saves race, the refused one's own
    # snapshot (REPEATABLE READ on PostgreSQL) still shows the version both forms were opened on.
    with uow:
        stamp = uow.repository.appraisal_stamp(checked.plan_code, checked.stage) or EditStamp(0)
    raise edit_conflict("error.conflict.appraisal", stamp.version, stamp.changed_by, stamp.changed_at,
                        plan=Ref("plan", checked.plan_code), stage=Term("stage_level", checked.stage))


def plans_register(uow: UnitOfWork, scenario: Scenario, *, lang: str = "en") -> Any:
    """Every plan of the scenario's year (default: the latest year with plans) with names, requests per line,
    appraisal states and eligibility under ``scenario``."""
    return _register(uow, scenario, lang).register.copy()


@dataclass(frozen=True)
class RegisterView:
    """The plan register under a scenario (:func:`~chainplan.register.plan_register`), the budget lines' names by
    code, and how many plans the scenario could fund."""

    register: Any
    line_names: dict[str, str]
    eligible: int


def register_view(uow: UnitOfWork, key: str | None, folder: str | os.PathLike[str] | None, *,
                  lang: str = "en", year: int | None = None) -> RegisterView:
    """The register under the scenario ``key`` names (:func:`scenario_for`; none: the default rules), read once,
    for ``year`` (default: the scenario's year, else the latest year with plans).

    Raises :class:`~chainplan.scenario.ScenarioError` for a scenario that cannot be read.
    """
    scenario = scenario_for(uow, key, folder) if key else Scenario(name="default")
    if year is not None:
        scenario = scenario.model_copy(update={"year": year})
    view = _register(uow, scenario, lang)
    # The caller's own frame and names: what is remembered stays as it was.
    return RegisterView(view.register.copy(), dict(view.line_names), view.eligible)


def _register(uow: UnitOfWork, scenario: Scenario, lang: str) -> RegisterView:
    """The register of the scenario's year under it, once per data generation, scenario content and language
    (keyed by the scenario's whole content, so an edited file or another run's rules never share a register)."""
    with uow:
        dataset = stored_dataset(uow)
        return remembered(uow, "dataset", ("register", scenario.model_dump_json(), lang),
                          lambda: _register_of(dataset, scenario, lang))


def _register_of(stored: Dataset, scenario: Scenario, lang: str) -> RegisterView:
    chosen, dataset = year_slice(stored, scenario)
    register = plan_register(dataset, chosen, lang=lang)
    names = {str(code): str(name) for code, name in zip(dataset.budget_lines["code"], dataset.budget_lines["name"],
                                                         strict=True)}
    return RegisterView(register, names, int(register["eligible"].sum()))


def plan_choices(uow: UnitOfWork) -> list[tuple[str, str]]:
    """Every plan's code and its product's name, in the order of the ``plans`` sheet (a form's list of plans)."""
    with uow:
        return list(remembered(uow, "dataset", "plan choices", lambda: _plan_choices(stored_dataset(uow))))


def _plan_choices(data: Dataset) -> list[tuple[str, str]]:
    products = data.products.set_index("code")["name"].to_dict()
    return [(str(code), str(products.get(product, product)))
            for code, product in zip(data.plans["code"], data.plans["product_code"], strict=True)]


@dataclass(frozen=True)
class ScenarioChoice:
    """A scenario a planner can start from: a shipped file (``file:NAME.yaml``) or a stored run's (``run:ID``);
    ``name_vi`` is its Vietnamese name (blank when it has none)."""

    key: str
    name: str
    run_id: int | None = None
    created_at: str | None = None
    name_vi: str = ""

    def title(self, lang: str) -> str:
        """The name a person reads in ``lang``: the Vietnamese one where it exists."""
        return self.name_vi if lang == "vi" and self.name_vi else self.name


def _file_choice(path: Path) -> ScenarioChoice:
    return ScenarioChoice(f"file:{path.name}", path.stem, name_vi=remembered_file(path, _name_vi))


def _name_vi(path: Path) -> str:
    """A scenario file's Vietnamese name (read again only when the file changes)."""
    try:
        return load_scenario(path).name_vi
    except ScenarioError:  # listed all the same: choosing it shows its problems
        return ""


def scenario_choices(uow: UnitOfWork, folder: str | os.PathLike[str] | None) -> list[ScenarioChoice]:
    """The scenario files in ``folder`` (by file name), then every stored run's scenario, newest first."""
    choices = []
    if folder is not None and Path(folder).is_dir():
        choices = [_file_choice(path) for path in sorted(Path(folder).glob("*.yaml"))]
    for run in runs_overview(uow):
        choices.append(ScenarioChoice(f"run:{run['run_id']}", run["scenario"], run["run_id"], run["created_at"],
                                      run["scenario_vi"]))
    return choices


def scenario_for(uow: UnitOfWork, key: str, folder: str | os.PathLike[str] | None) -> Scenario:
    """The scenario a :class:`ScenarioChoice` key names.

    Raises :class:`~chainplan.scenario.ScenarioError` (a broken file, or a key that names no file or run).
    """
    kind, _, value = key.partition(":")
    if kind == "file" and folder is not None and value and "/" not in value and "\\" not in value \
            and value.endswith(".yaml") and (Path(folder) / value).is_file():
        return load_scenario(Path(folder) / value)
    if kind == "run" and value.isdigit():
        with uow:
            run = uow.repository.get_run(int(value))
        if run is not None:
            return _scenario_as_run(run)
    raise ScenarioError([InputProblem(None, None, None, key, "error.scenario.no_choice", key="scenario")])


def _scenario_as_run(run: StoredRun) -> Scenario:
    """The scenario a stored run was computed with (its ``extends`` was already followed when it ran)."""
    return Scenario.model_validate({key: value for key, value in run.scenario.items() if key != "extends"})


@dataclass(frozen=True)
class YearTargets:
    """The year's targets: which year, the adopted run (``None`` before a decision), whose targets, the table."""

    year: int
    run_id: int | None
    scenario: str
    table: Any
    scenario_vi: str = ""

    def scenario_title(self, lang: str) -> str:
        """The scenario's name in ``lang``: the Vietnamese one where it exists."""
        return self.scenario_vi if lang == "vi" and self.scenario_vi else self.scenario


def year_targets(uow: UnitOfWork, folder: str | os.PathLike[str] | None, year: int | None = None) -> YearTargets:
    """Today, with the adopted decision, and the target, for ``year`` (default: the latest year with plans, else
    the latest year with a decision, else this year). The targets are the adopted run's; before a decision, the
    seed document's (``baseline-2020.yaml`` in ``folder``)."""
    with uow:
        log = uow.repository.list_audit()
    years = [entry.year for entry in log if entry.action == "adopt" and entry.year is not None]
    current = latest_year(load_dataset(uow)) if year is None else None  # the programme's current year
    chosen = year if year is not None else current if current is not None else (
        max(years) if years else dt.date.today().year)
    run_id = adopted_run(log, chosen)
    document: dict[str, Any] | None = None
    if run_id is not None:
        run = stored_run(uow, run_id)
        scenario = _scenario_as_run(run)
        document = run.result
    elif folder is not None and (Path(folder) / "baseline-2020.yaml").is_file():
        scenario = load_scenario(Path(folder) / "baseline-2020.yaml")
    else:  # no seed document where the scenarios should be: said so, in either language
        scenario = Scenario(name=term("scenario", "none", "en"), name_vi=term("scenario", "none", "vi"))
    table = target_table(load_dataset(uow), scenario, document)
    return YearTargets(chosen, run_id, scenario.name, table, scenario.name_vi)

