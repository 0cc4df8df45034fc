"""Use cases: each takes plain values and a unit of work, and returns plain values or result objects.

The command line and the web pages call these and nothing below them, so both behave the same.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import math
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainplan.allocation import METHODS, AllocationResult, allocate
from chainplan.allocation.results import objective_parts
from chainplan.allocation.solve import solver_version
from chainplan.appraisal import Appraisal, check_appraisal
from chainplan.chains import (
    ChainNetwork,
    Gap,
    LinkCandidate,
    ProductTrace,
    UnknownProduct,
    chain_indicators,
    gap_report,
    linkage_candidates,
    trace_product,
)
from chainplan.compare import CompareRefused, Comparison, compare_runs
from chainplan.dataset import Dataset, InputProblem
from chainplan.decisions import DecisionRefused, UnknownRun, adopted_run, adoption_entries, decision_states
from chainplan.demo import build_demo_dataset
from chainplan.io import read_input, write_dataset, write_template
from chainplan.io.pack import LANGUAGES, write_pack_report, write_pack_workbook
from chainplan.names import name_book
from chainplan.ports import AuditEntry, StoredRun, UnitOfWork, User
from chainplan.register import plan_register
from chainplan.risk import RiskRefused, simulate, target_bounds
from chainplan.runview import AllocationView
from chainplan.runview import allocation_view as _allocation_view
from chainplan.scenario import Scenario, ScenarioError, load_scenario
from chainplan.summary import summarize
from chainplan.sweep import Frontier, Progress, Sensitivity, budget_scales, frontier, run_tasks, sensitivity
from chainplan.users import ROLES, UserRefused, check_password, check_user_name
from chainplan.yeartargets import year_targets as target_table

__all__ = [
    "AllocationRun",
    "ChainView",
    "ImportReport",
    "OutputNotWritable",
    "ScenarioChoice",
    "YearTargets",
    "allocation_view",
    "chain_gaps",
    "chain_trace",
    "chain_view",
    "check_writable",
    "compare",
    "dataset_summary",
    "ensure_demo_admin",
    "export_dataset",
    "gap_candidates",
    "import_dataset",
    "indicators",
    "list_users",
    "load_dataset",
    "load_demo",
    "make_template",
    "plans_register",
    "record_appraisal",
    "run_allocation",
    "run_document",
    "run_risk",
    "runs_overview",
    "scenario_choices",
    "scenario_for",
    "stored_run",
    "stored_runs",
    "weight_sensitivity",
    "write_demo_workbook",
    "year_targets",
]


@dataclass(frozen=True)
class ImportReport:
    """Rows per sheet before and after an import, and the fingerprint of what is now stored."""

    source: str
    before: dict[str, int]
    after: dict[str, int]
    fingerprint: str
    unchanged: bool
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "before": self.before, "after": self.after,
                "fingerprint": self.fingerprint, "unchanged": self.unchanged, "warnings": list(self.warnings)}


def _replace(uow: UnitOfWork, dataset: Dataset, source: str, warnings: tuple[str, ...] = ()) -> ImportReport:
    with uow:
        before = uow.repository.counts()
        unchanged = uow.repository.load().fingerprint() == dataset.fingerprint()
        if not unchanged:
            uow.repository.replace(dataset)
            uow.commit()
        return ImportReport(source, before, uow.repository.counts(), dataset.fingerprint(), unchanged, warnings)


def import_dataset(path: str | os.PathLike[str], uow: UnitOfWork) -> ImportReport:
    """Read, check and store a workbook or CSV folder; it replaces the stored dataset as a whole.

    Raises :class:`~chainplan.dataset.DatasetError` with every problem, before anything is written.
    """
    read = read_input(path)
    return _replace(uow, read.dataset, str(path), tuple(read.warnings))


def load_demo(uow: UnitOfWork) -> ImportReport:
    """Store the generated Quảng Ninh demo dataset."""
    return _replace(uow, build_demo_dataset(), "demo:quang-ninh")


def write_demo_workbook(path: str | os.PathLike[str]) -> Path:
    """Write the demo dataset as a workbook or CSV folder without touching any database."""
    return write_dataset(build_demo_dataset(), path)


def export_dataset(path: str | os.PathLike[str], uow: UnitOfWork) -> Path:
    """Write the stored dataset as a workbook (``.xlsx``) or a CSV folder."""
    return write_dataset(load_dataset(uow), path)


def make_template(path: str | os.PathLike[str]) -> Path:
    """Write the empty input workbook with its README sheet."""
    return write_template(path)


def load_dataset(uow: UnitOfWork) -> Dataset:
    with uow:
        return uow.repository.load()


def dataset_summary(uow: UnitOfWork) -> dict[str, Any]:
    """Counts by region, tier, stars and appraisal state."""
    return summarize(load_dataset(uow))


def _network(uow: UnitOfWork) -> ChainNetwork:
    return ChainNetwork.from_dataset(load_dataset(uow))


def chain_gaps(
    uow: UnitOfWork, *, product: str | None = None, tier: str | None = None, concentration_threshold: float = 0.7
) -> list[Gap]:
    """The gap report, for one product, one tier or every product.

    Raises :class:`~chainplan.chains.UnknownProduct` for a product code that is not stored.
    """
    network = _network(uow)
    if product is not None and product not in network.products:
        raise UnknownProduct(product)
    return gap_report(network, products=[product] if product else None, tier=tier,
                      concentration_threshold=concentration_threshold)


@dataclass(frozen=True)
class ChainView:
    """One product's chain as a manager reads it: who is in it, the links, the gaps, the paths, the fixes."""

    product: dict[str, Any]
    organizations: list[dict[str, Any]]
    links: list[dict[str, Any]]
    gaps: list[Gap]
    trace: ProductTrace
    candidates: list[LinkCandidate]
    #: Names of every organization the page mentions, candidates' partners outside the chain included.
    names: dict[str, str]


def chain_view(uow: UnitOfWork, product: str, *, candidates_per_gap: int = 3) -> ChainView:
    """Everything the chain page shows for one product, from one load of the data.

    Raises :class:`~chainplan.chains.UnknownProduct`.
    """
    network = _network(uow)
    G = network.product_graph(product)
    gaps = gap_report(network, products=[product])
    organizations = [{"code": code, "name": data.get("name") or code, "role": data.get("role"),
                      "kind": data.get("kind"), "region_code": data.get("region_code")}
                     for code, data in G.nodes(data=True)]
    links = [{"from_code": u, "to_code": v, "capacity": float(d.get("capacity", 0.0)),
              "volume": float(d.get("volume", 0.0)), "contract": bool(d.get("contract", False))}
             for u, v, d in G.edges(data=True)]
    record = dict(network.products[product])
    candidates = linkage_candidates(network, gaps, limit=candidates_per_gap)
    mentioned = {o["code"] for o in organizations} | {c.from_code for c in candidates} | {c.to_code for c in candidates}
    names = {code: network.organizations.get(code, {}).get("name") or code for code in mentioned}
    return ChainView(record, organizations, links, gaps, trace_product(G), candidates, names)


def chain_trace(uow: UnitOfWork, product: str) -> ProductTrace:
    """Every path from the product's producer to each supermarket chain, with bottlenecks and flows."""
    return trace_product(_network(uow).product_graph(product))


def gap_candidates(uow: UnitOfWork, *, product: str | None = None, limit: int = 5) -> list[LinkCandidate]:
    """Ranked links that would close each gap (of one product, or of all)."""
    network = _network(uow)
    if product is not None and product not in network.products:
        raise UnknownProduct(product)
    gaps = gap_report(network, products=[product] if product else None)
    return linkage_candidates(network, gaps, limit=limit)


def indicators(uow: UnitOfWork) -> dict[str, Any]:
    """Chain indicators against the committee's targets."""
    network = _network(uow)
    return chain_indicators(network, gap_report(network))


class OutputNotWritable(ValueError):
    """A file the user asked for cannot be written there; the message names the path and the reason."""


def check_writable(path: str | os.PathLike[str], *, suffix: str) -> Path:
    """Raise :class:`OutputNotWritable` unless ``path`` can be written, before any work is done for it."""
    target = Path(path)
    if target.suffix.lower() != suffix:
        raise OutputNotWritable(f"{target}: the file must end in {suffix}")
    if target.is_dir():
        raise OutputNotWritable(f"{target}: is a folder, give a file name ending in {suffix}")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputNotWritable(f"{target}: the folder {folder} does not exist")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise OutputNotWritable(f"{target}: cannot write in {folder} ({exc.strerror or exc})") from None
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputNotWritable(f"{target}: the existing file cannot be replaced (permission denied)")
    return target


@dataclass(frozen=True)
class AllocationRun:
    """An allocation result and the id under which it was stored (``None`` when not stored)."""

    result: AllocationResult
    run_id: int | None
    dataset_fingerprint: str
    #: The result's JSON document (as stored), built once.
    document: dict[str, Any]


def json_document(value: Any) -> Any:
    """``value`` as strict JSON values: NaN and infinities become ``None`` (PostgreSQL's JSON rejects them).

    The C encoder checks a whole result in a fraction of a second; only a document it refuses is walked.
    """
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (ValueError, TypeError):
        return _json_safe(value)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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
    chosen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if out is not None:
        check_writable(out, suffix=".xlsx")  # before solving and storing: nothing is stored for a run we cannot write
    started = time.perf_counter()
    dataset = load_dataset(uow)
    fingerprint = dataset.fingerprint()
    loaded = time.perf_counter()
    # The solve runs outside any transaction: a minute-long solve must not hold the shared database.
    result = allocate(dataset, chosen, method=method, solver=solver, marginal_values=marginal_values)
    finished = time.perf_counter()
    run_id = None
    document = json_document(result.as_dict())
    if store:
        timings = {"load_s": round(loaded - started, 3), "build_s": round(result.build_time_s, 3),
                   "solve_s": round(result.solve_time_s, 3), "allocate_s": round(finished - loaded, 3)}
        with uow:
            run_id = uow.repository.add_run(StoredRun(
                scenario_name=chosen.name, scenario=json_document(chosen.model_dump()),
                dataset_fingerprint=fingerprint, method=method, status=result.status, objective=result.objective,
                result=document, created_by=by or _system_user(), solver=result.solver,
                solver_version=solver_version(result.solver) if result.solver else None, timings=timings,
            ))
            uow.commit()
    if out is not None:
        try:
            result.to_excel(out)
        except OSError as exc:  # the disk filled up between the check and the write: name the user's path
            raise OutputNotWritable(f"{out}: could not be written ({exc.strerror or exc})") from None
    return AllocationRun(result, run_id, fingerprint, document)


def stored_runs(uow: UnitOfWork) -> list[StoredRun]:
    """Every stored allocation run, newest first."""
    with uow:
        return uow.repository.list_runs()


def _system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


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


def runs_overview(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every run, newest first: ``run_id, scenario, created_at, status, objective, dataset_fingerprint, decision``."""
    with uow:
        runs = uow.repository.list_runs()
        states = decision_states(uow.repository.list_audit())
    return [{"run_id": r.id, "scenario": r.scenario_name, "created_at": r.created_at.isoformat(timespec="seconds"),
             "status": r.status, "objective": r.objective, "dataset_fingerprint": r.dataset_fingerprint,
             "decision": states.get(r.id or 0), "method": r.method, "created_by": r.created_by,
             "funded_plans": len(r.result.get("funded_plans", [])),
             **dict(zip(("expected_benefit", "shortfall_penalty"),
                        objective_parts(r.objective, r.result.get("total_benefit")), strict=True))} for r in runs]


def adopt_run(uow: UnitOfWork, run_id: int, *, by: str, note: str = "", year: int | None = None) -> list[AuditEntry]:
    """Record the committee's decision: ``run_id`` is adopted for ``year`` (default: this year).

    Raises :class:`~chainplan.decisions.UnknownRun`, or :class:`~chainplan.decisions.DecisionRefused` when the run
    was computed on other data than what is stored now, or is already the adopted decision for that year.
    """
    when = dt.datetime.now(dt.UTC)
    year = year or when.year
    with uow:
        run = uow.repository.get_run(run_id)
        if run is None:
            raise UnknownRun(run_id)
        current = uow.repository.load().fingerprint()
        if run.dataset_fingerprint != current:
            raise DecisionRefused(
                f"run {run_id} was computed on other data (fingerprint {run.dataset_fingerprint[:12]}) than what is "
                f"stored now ({current[:12]}): re-run the scenario on the current data and adopt that run",
                "other_data")
        if run.status not in ("optimal", "feasible", "time_limit"):
            raise DecisionRefused(f"run {run_id} has status {run.status}: it funds nothing to adopt", "nothing_funded")
        entries = adoption_entries(uow.repository.list_audit(), run_id=run_id, year=year, by=by, note=note, at=when)
        for entry in entries:
            uow.repository.add_audit(entry)
        uow.commit()
    return entries


def compare(
    uow: UnitOfWork,
    run_ids: list[int],
    *,
    out: str | os.PathLike[str] | None = None,
    report: str | os.PathLike[str] | None = None,
    lang: str = "vi",
) -> Comparison:
    """Compare 2 to 5 stored runs; optionally write the committee pack workbook and the printable report.

    Raises :class:`~chainplan.compare.CompareRefused`, :class:`~chainplan.decisions.UnknownRun` or
    :class:`OutputNotWritable` before anything is written.
    """
    if lang not in LANGUAGES:
        raise CompareRefused(f"--lang {lang}: use one of {', '.join(LANGUAGES)}")
    if out is not None:
        check_writable(out, suffix=".xlsx")
    if report is not None:
        check_writable(report, suffix=".html")
    with uow:
        runs = []
        for run_id in run_ids:
            run = uow.repository.get_run(run_id)
            if run is None:
                raise UnknownRun(run_id)
            runs.append(run)
        names = name_book(uow.repository.load()) if out is not None or report is not None else None
    comparison = compare_runs(runs)
    if out is not None:
        write_pack_workbook(comparison, out, lang=lang, names=names)
    if report is not None:
        write_pack_report(comparison, report, lang=lang, names=names)
    return comparison


def budget_frontier(
    uow: UnitOfWork,
    scenario: str | os.PathLike[str] | Scenario,
    *,
    start: float = 0.5,
    stop: float = 1.5,
    steps: int = 21,
    workers: int | None = None,
    dask: str | None = None,
    progress: Progress | None = None,
) -> Frontier:
    """Re-optimise a scenario at each budget scale from ``start`` to ``stop`` (``steps`` points, each a full solve).

    Raises :class:`~chainplan.sweep.SweepRefused` for a bad range or an unreachable Dask scheduler.
    """
    scales = budget_scales(start, stop, steps)
    chosen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return frontier(load_dataset(uow), chosen, scales, workers=workers, dask=dask, progress=progress)


def weight_sensitivity(
    uow: UnitOfWork,
    scenario: str | os.PathLike[str] | Scenario,
    *,
    weights_range: float = 0.2,
    samples: int = 50,
    seed: int = 0,
    workers: int | None = None,
    dask: str | None = None,
    progress: Progress | None = None,
) -> Sensitivity:
    """The robust core: plans funded whatever the weights within ±``weights_range``."""
    chosen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return sensitivity(load_dataset(uow), chosen, weights_range=weights_range, samples=samples, seed=seed,
                       workers=workers, dask=dask, progress=progress)


def run_risk(
    uow: UnitOfWork,
    run_id: int,
    *,
    draws: int,
    seed: int = 0,
    workers: int | None = None,
    dask: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Monte Carlo over the success of a stored run's funded plans (seeded, the same on any number of workers)."""
    if draws < 1:
        raise RiskRefused("--draws must be at least 1")
    stored = stored_run(uow, run_id)
    plans = stored.result.get("funded_plans", [])
    if any("success_probability" not in plan for plan in plans):
        raise RiskRefused(f"run {run_id} was stored before runs recorded each plan's success data: run its "
                          "scenario again and simulate the new run")

    def blocks(function: Any, payload: Any, tasks: list[Any]) -> list[Any]:
        return run_tasks(function, payload, tasks, workers=workers, dask=dask, progress=progress)

    base = stored.result.get("stamp_base") or (0.0, 0.0)
    summary = simulate(plans, target_bounds(stored.result), draws=draws, seed=seed,
                       stamp_base=(float(base[0]), float(base[1])), run_blocks=blocks)
    return {"run_id": run_id, "scenario": stored.scenario_name, **summary}


def audit_log(uow: UnitOfWork) -> list[AuditEntry]:
    """The decision log, oldest first."""
    with uow:
        return uow.repository.list_audit()


def add_user(uow: UnitOfWork, name: str, *, role: str, password: str) -> User:
    """Create a user; the password is kept only as a scrypt hash.

    Raises :class:`~chainplan.users.UserRefused` for a taken or bad name, an unknown role or a short password.
    """
    from werkzeug.security import generate_password_hash

    name = check_user_name(name)
    if role not in ROLES:
        raise UserRefused(f"role {role!r}: use one of {', '.join(ROLES)}")
    check_password(password)
    user = User(name, role, generate_password_hash(password, method="scrypt"))
    with uow:
        if uow.repository.get_user(name) is not None:
            raise UserRefused(f"user {name!r} already exists")
        uow.repository.add_user(user)
        uow.commit()
    return user


def list_users(uow: UnitOfWork) -> list[User]:
    with uow:
        return uow.repository.list_users()


def change_user(uow: UnitOfWork, name: str, *, role: str | None = None, active: bool | None = None) -> User:
    """Set a user's role or disable (``active=False``) or enable them. The last active admin is kept."""
    if role is not None and role not in ROLES:
        raise UserRefused(f"role {role!r}: use one of {', '.join(ROLES)}")
    with uow:
        user = uow.repository.get_user(name)
        if user is None:
            raise UserRefused(f"no user named {name!r}")
        admins = [u for u in uow.repository.list_users() if u.role == "admin" and u.active]
        losing_admin = user.role == "admin" and user.active and (role not in (None, "admin") or active is False)
        if losing_admin and len(admins) == 1:
            raise UserRefused(f"{name} is the last active admin: add another admin first")
        uow.repository.update_user(name, role=role, active=active)
        uow.commit()
        changed = uow.repository.get_user(name)
    assert changed is not None
    return changed


def authenticate(uow: UnitOfWork, name: str, password: str) -> User | None:
    """The active user with that name and password, else ``None`` (the same answer for every kind of failure)."""
    from werkzeug.security import check_password_hash

    with uow:
        user = uow.repository.get_user(name.strip())
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


def ensure_demo_admin(uow: UnitOfWork, password: str | None = None) -> tuple[str, str | None]:
    """For ``make run``: an ``admin`` user when nobody can manage users yet. Returns the name and the password
    when it was just created (``None`` when an admin existed already, so the password is printed only once)."""
    import secrets

    with uow:
        if any(u.role == "admin" and u.active for u in uow.repository.list_users()):
            return "admin", None
    chosen = password or secrets.token_urlsafe(12)
    add_user(uow, "admin", role="admin", password=chosen)
    return "admin", chosen


def record_appraisal(uow: UnitOfWork, appraisal: Appraisal) -> Appraisal:
    """Check and store one appraisal (it replaces the plan's row for that stage); returns it as stored.

    Raises :class:`~chainplan.appraisal.AppraisalRefused` naming the field; nothing is written then.
    """
    with uow:
        checked = check_appraisal(uow.repository.load(), appraisal)
        uow.repository.save_appraisal(checked)
        uow.commit()
    return checked


def plans_register(uow: UnitOfWork, scenario: Scenario, *, lang: str = "en") -> Any:
    """Every plan with names, requests per line, appraisal states and eligibility under ``scenario``."""
    return plan_register(load_dataset(uow), scenario, lang=lang)


@dataclass(frozen=True)
class ScenarioChoice:
    """A scenario a planner can start from: a shipped file (``file:NAME.yaml``) or a stored run's (``run:ID``)."""

    key: str
    name: str
    run_id: int | None = None
    created_at: str | None = None


def scenario_choices(uow: UnitOfWork, folder: str | os.PathLike[str] | None) -> list[ScenarioChoice]:
    """The scenario files in ``folder`` (by file name), then every stored run's scenario, newest first."""
    choices = []
    if folder is not None and Path(folder).is_dir():
        choices = [ScenarioChoice(f"file:{path.name}", path.stem) for path in sorted(Path(folder).glob("*.yaml"))]
    for run in runs_overview(uow):
        choices.append(ScenarioChoice(f"run:{run['run_id']}", run["scenario"], run["run_id"], run["created_at"]))
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
    raise ScenarioError([InputProblem(None, None, None, key, "no such scenario file or stored run", key="scenario")])


def _scenario_as_run(run: StoredRun) -> Scenario:
    """The scenario a stored run was computed with (its ``extends`` was already followed when it ran)."""
    return Scenario.model_validate({key: value for key, value in run.scenario.items() if key != "extends"})


def allocation_view(uow: UnitOfWork, run_id: int) -> tuple[StoredRun, AllocationView]:
    """A stored run and its frames with names from the data stored now. Raises :class:`UnknownRun`."""
    run = stored_run(uow, run_id)
    dataset = load_dataset(uow)
    document = {**run.result, "dataset_fingerprint": run.dataset_fingerprint}
    return run, _allocation_view(document, dataset, fingerprint=dataset.fingerprint())


@dataclass(frozen=True)
class YearTargets:
    """The year's targets: which year, the adopted run (``None`` before a decision), whose targets, the table."""

    year: int
    run_id: int | None
    scenario: str
    table: Any


def year_targets(uow: UnitOfWork, folder: str | os.PathLike[str] | None, year: int | None = None) -> YearTargets:
    """Today, with the adopted decision, and the target, for ``year`` (default: the latest year with a decision,
    else this year). The targets are the adopted run's; before a decision, the seed document's
    (``baseline-2020.yaml`` in ``folder``)."""
    with uow:
        log = uow.repository.list_audit()
    years = [entry.year for entry in log if entry.action == "adopt" and entry.year is not None]
    chosen = year if year is not None else (max(years) if years else dt.date.today().year)
    run_id = adopted_run(log, chosen)
    document: dict[str, Any] | None = None
    if run_id is not None:
        run = stored_run(uow, run_id)
        scenario = _scenario_as_run(run)
        document = run.result
    elif folder is not None and (Path(folder) / "baseline-2020.yaml").is_file():
        scenario = load_scenario(Path(folder) / "baseline-2020.yaml")
    else:
        scenario = Scenario(name="none")
    table = target_table(load_dataset(uow), scenario, document)
    return YearTargets(chosen, run_id, scenario.name, table)
