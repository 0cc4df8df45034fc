"""Programme phases (Quảng Ninh's 2017–2020): the phase's targets, how far the years got, and what is left.

A phase file is YAML with ``name``, ``from``, ``to`` (years, 2000–2100) and ``targets`` as in a scenario. Its
**progress**, per target: ``delivered`` over the outcomes of the plans of the phase's years
(:func:`chainplan.programme.outcomes.delivered`); ``expected`` = Σ success_probability × what the plan counts
toward, as the allocation counts it (:data:`chainplan.allocation.data.TARGET_OUTCOMES`), over the plans funded in
the adopted runs of the phase's years that have no finished outcome; ``remaining`` = max(0, min − delivered −
expected). ``e_stamp_share`` is a share, not a count: outcomes do not count it, so its delivered, expected and
remaining are ``None``.

A scenario's ``phase:`` key makes, for each target the scenario does not set itself, the year's minimum the
phase's ``remaining`` divided by the number of years from the scenario's year to the phase's last year (both
included), and its maximum likewise from the phase's maximum minus delivered and expected. A share target
(``e_stamp_share``) is a level to hold, not an amount to add up: the year takes the phase's bound as it is.

Examples
--------
>>> phase = Phase.model_validate({"name": "2017-2020", "from": 2017, "to": 2020,
...                               "targets": {"new_products": {"min": 200}, "rated_3_to_5_stars": {"max": 160}}})
>>> progress = pd.DataFrame([
...     {"target": "new_products", "min": 200.0, "max": None, "delivered": 120, "expected": 20.0, "remaining": 60.0},
...     {"target": "rated_3_to_5_stars", "min": None, "max": 160.0, "delivered": 100, "expected": 10.0,
...      "remaining": None}])
>>> derived = year_targets(phase, progress, year=2019, own=Targets())
>>> derived.new_products.min, derived.rated_3_to_5_stars.max
(30.0, 25.0)
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import Field, ValidationError, model_validator

from chainplan.allocation.data import TARGET_OUTCOMES, plan_outcomes
from chainplan.dataset import Dataset, InputProblem, problems_message
from chainplan.errors import ChainplanError
from chainplan.programme.outcomes import delivered, judged_outcomes
from chainplan.scenario import (
    TARGET_NAMES,
    ScenarioError,
    ScenarioValueRefused,
    Targets,
    _read,
    _read_numbers,
    _schema_problem,
    _Strict,
)
from chainplan.wording import NameBook

__all__ = ["PROGRESS_COLUMNS", "Phase", "PhaseError", "PhaseRefused", "expected_counts", "load_phase",
           "phase_progress", "year_targets"]

#: The columns of :func:`phase_progress`, as ``chainplan progress --format json`` writes them.
PROGRESS_COLUMNS = ("target", "min", "max", "delivered", "expected", "remaining")


class PhaseError(ScenarioError):
    """A phase file that cannot be used; ``problems`` name the file, the key and the reason."""

    def __init__(self, problems: list[InputProblem]):
        self.problems = list(problems)
        ChainplanError.__init__(self, "error.phase.problems", count=len(self.problems))

    def message(self, lang: str, names: NameBook | None = None) -> str:
        return problems_message(self.code, self.problems, lang, names)


class PhaseRefused(ChainplanError, ValueError):
    """A phase that cannot give this year's targets (``error.phase.year_outside``, ``error.phase.no_year``)."""


class Phase(_Strict):
    """A programme phase: its name, first and last year, and its targets (counted over the whole phase)."""

    name: str = Field(min_length=1)
    first: int = Field(alias="from", ge=2000, le=2100)
    last: int = Field(alias="to", ge=2000, le=2100)
    targets: Targets = Field(default_factory=Targets)
    description: str = ""
    name_vi: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Phase:
        if self.first > self.last:
            raise ScenarioValueRefused("error.phase.from_after_to", first=str(self.first), last=str(self.last))
        return self

    @property
    def years(self) -> range:
        return range(self.first, self.last + 1)


#: A file problem that names a scenario file, said of a phase file.
_PHASE_CODES = {"error.scenario.no_file": "error.phase.no_file", "error.scenario.is_folder": "error.phase.is_folder"}


def load_phase(path: str | os.PathLike[str]) -> Phase:
    """Read and check a phase file.

    Raises
    ------
    PhaseError
        Naming the file and each key with its reason (a missing file, bad YAML, an unknown key, ``from`` after
        ``to``, a minimum above its maximum).
    """
    source = str(path)
    problems: list[InputProblem] = []
    try:
        document = _read(Path(path).resolve(), (), problems)
    except ScenarioError as exc:
        raise PhaseError([InputProblem(p.sheet, p.row, p.column, p.value, _PHASE_CODES.get(p.code, p.code), source,
                                       key=p.key, params=p.params) for p in exc.problems]) from None
    document = _read_numbers(document, source, problems)
    try:
        phase = Phase.model_validate(document)
    except ValidationError as exc:
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "(phase)"
            value = error.get("input") if error["type"] != "missing" else None
            code, params = _schema_problem(error)
            problems.append(InputProblem(None, None, None, value if not isinstance(value, dict | list) else None,
                                         code, source, key=key, params=params))
    if problems:
        raise PhaseError(problems)
    return phase


def expected_counts(funded: Sequence[Mapping[str, Any]], dataset: Dataset) -> dict[str, float]:
    """Σ success_probability × what each funded plan counts toward, per counted target, over ``funded`` (a run's
    ``funded_plans``).

    A run stores, per funded plan, what the allocation counted for it (``counts``) and the probability it used, so
    the expectation is the run's own; a plan stored without ``counts`` (a run from before they were stored) is
    counted by the allocation's :func:`~chainplan.allocation.data.plan_outcomes` on the data stored now.

    Examples
    --------
    >>> expected_counts([{"plan_code": "A", "success_probability": 0.5,
    ...                   "counts": {"new_product": 1.0, "rated_3_to_5_stars": 1.0}}], Dataset.empty())["new_products"]
    0.5
    """
    totals = dict.fromkeys(TARGET_OUTCOMES, 0.0)
    missing = [str(plan["plan_code"]) for plan in funded if "counts" not in plan]
    recounted = pd.DataFrame()
    if missing:
        known = dataset.plans[dataset.plans["code"].isin(missing)]
        recounted = plan_outcomes(dataclasses.replace(dataset, plans=known), {}) if len(known) else recounted
    for plan in funded:
        probability = float(plan.get("success_probability", 1.0))
        counts = plan.get("counts")
        if counts is None:
            code = str(plan["plan_code"])
            counts = recounted.loc[code].to_dict() if code in recounted.index else {}
        for target, outcome in TARGET_OUTCOMES.items():
            totals[target] += probability * float(counts.get(outcome, 0.0))
    return totals


def phase_progress(dataset: Dataset, phase: Phase, adopted: Mapping[int, Mapping[str, Any]]) -> pd.DataFrame:
    """Per target of the phase: ``target``, ``min``, ``max``, ``delivered``, ``expected``, ``remaining``.

    ``adopted`` maps each year of the phase that has an adopted run to that run's result document (years outside
    the phase are ignored). ``dataset`` holds every year's plans and the outcomes.
    """
    years = dataset.plans["year"].astype("Int64")
    in_phase = ((years >= phase.first) & (years <= phase.last)).fillna(False).to_numpy(dtype=bool)
    phase_plans = set(dataset.plans.loc[in_phase, "code"])
    outcomes = dataset.outcomes
    reached = delivered(outcomes[outcomes["plan_code"].isin(phase_plans).to_numpy(dtype=bool)])
    judged = judged_outcomes(dataset)
    finished = set(judged.index[judged["finished"].to_numpy(dtype=bool)])
    funded = [plan for year, document in sorted(adopted.items()) if phase.first <= year <= phase.last
              for plan in document.get("funded_plans", []) if str(plan["plan_code"]) not in finished]
    expected = expected_counts(funded, dataset)
    rows = []
    for name in TARGET_NAMES:
        bound = getattr(phase.targets, name)
        if bound is None:
            continue
        if name == "e_stamp_share":
            rows.append({"target": name, "min": bound.min, "max": bound.max, "delivered": None, "expected": None,
                         "remaining": None})
            continue
        done, coming = reached[name], round(expected[name], 9)
        remaining = None if bound.min is None else max(0.0, bound.min - float(done or 0) - coming)
        rows.append({"target": name, "min": bound.min, "max": bound.max, "delivered": done, "expected": coming,
                     "remaining": remaining})
    return pd.DataFrame(rows, columns=list(PROGRESS_COLUMNS), dtype=object)  # a blank bound stays None


def year_targets(phase: Phase, progress: pd.DataFrame, *, year: int | None, own: Targets) -> Targets:
    """``own`` (the scenario's targets) with every target it leaves out taken from the phase: minimum =
    ``remaining`` / years left, maximum = (max − delivered − expected, at least 0) / years left, years left from
    ``year`` to the phase's last year, both included.

    Raises
    ------
    PhaseRefused
        When ``year`` is ``None`` or outside the phase.
    """
    if year is None:
        raise PhaseRefused("error.phase.no_year", phase=phase.name)
    if not phase.first <= year <= phase.last:
        raise PhaseRefused("error.phase.year_outside", year=str(year), phase=phase.name, first=str(phase.first),
                           last=str(phase.last))
    left = phase.last - year + 1
    derived: dict[str, Any] = {name: bound.model_dump() for name, bound in own.items()}
    for row in progress.to_dict("records"):
        name = row["target"]
        if name in derived:
            continue
        if name == "e_stamp_share":
            derived[name] = {"min": _bound(row["min"]), "max": _bound(row["max"])}
            continue
        done = float(row["delivered"] or 0) + float(row["expected"] or 0)
        low = None if _bound(row["min"]) is None else max(0.0, float(row["min"]) - done) / left
        high = None if _bound(row["max"]) is None else max(0.0, float(row["max"]) - done) / left
        derived[name] = {"min": low, "max": high}
    return Targets.model_validate(derived)


def _bound(value: object) -> float | None:
    """A bound of a progress row: ``None`` for a blank (a frame holds NaN there)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)  # type: ignore[arg-type]
