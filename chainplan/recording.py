"""Recording one outcome of a funded plan, or one inspection of an organization, as a planner types it in a form.

An outcome is one row of the ``outcomes`` sheet (the plan's latest report: status, money disbursed, the OCOP score
awarded, what it delivered); recording one replaces the plan's row. An inspection is one row of the
``inspections`` sheet; recording one adds it. Every value is checked the way the importer checks a workbook cell,
and the refusal names the form field at fault (:class:`OutcomeRefused` and :class:`InspectionRefused` carry
``field`` and the catalogue ``code``), so nothing half-read is ever stored.

Examples
--------
>>> import datetime as dt
>>> from chainplan.demo import build_demo_dataset
>>> data = build_demo_dataset()
>>> plan = data.plans["code"].iloc[0]
>>> day = dt.date(2020, 6, 1)
>>> checked = check_outcome(data, Outcome(plan, "completed", day, "1.500.000", "72,5", new_product=True),
...                         today=day)
>>> checked.disbursed_vnd, checked.ocop_score
(1500000, 72.5)
>>> check_outcome(data, Outcome(plan, "completed", day, "1,5", None), today=day)
Traceback (most recent call last):
...
chainplan.recording.OutcomeRefused: The money disbursed must be a whole number of đồng, 0 or more.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Any

from chainplan.dataset import Dataset
from chainplan.errors import ChainplanError
from chainplan.io.cells import control_character
from chainplan.schema import INSPECTION_KINDS, INSPECTION_RESULTS, OUTCOME_STATUSES
from chainplan.wording import Ref
from chainplan.wording.numbers import DecimalError, parse_decimal

__all__ = ["DELIVERY_FLAGS", "MAX_NOTE", "Inspection", "InspectionRefused", "Outcome", "OutcomeRefused",
           "apply_inspection", "apply_outcome", "check_inspection", "check_outcome", "next_inspection_code",
           "parse_vnd"]

#: What an outcome says a plan delivered, each beside the promise of the plan it answers (``DATA_FORMAT.md``).
DELIVERY_FLAGS: dict[str, str] = {"new_product": "creates_new_product", "new_organization": "creates_organization",
                                  "entered_supermarket": "enters_supermarket", "e_stamp": "adds_e_stamp",
                                  "safe_food_chain": "joins_safe_food_chain"}
#: The longest note or finding a form keeps (a paragraph, not a report).
MAX_NOTE = 2000
#: The most a money cell may hold: PostgreSQL's BIGINT, with room to add rows.
_MAX_VND = 10**15
_GROUPED = re.compile(r"^\d{1,3}([.,  ]\d{3})+$")


class OutcomeRefused(ChainplanError, ValueError):
    """An outcome that cannot be recorded; ``field`` is the form field at fault, ``code`` the reason's."""

    def __init__(self, code: str, /, *, field: str, **params: Any):
        self.field = field
        super().__init__(code, **params)


class InspectionRefused(ChainplanError, ValueError):
    """An inspection that cannot be recorded; ``field`` is the form field at fault, ``code`` the reason's."""

    def __init__(self, code: str, /, *, field: str, **params: Any):
        self.field = field
        super().__init__(code, **params)


@dataclass(frozen=True)
class Outcome:
    """What a funded plan delivered, as a person reported it. ``disbursed_vnd`` and ``ocop_score`` may be the text
    typed in a form (``1.500.000``, ``72,5``); :func:`check_outcome` returns them as numbers, or none."""

    plan_code: str
    status: str
    reported_on: dt.date | None
    disbursed_vnd: int | str | None
    ocop_score: float | str | None
    new_product: bool = False
    new_organization: bool = False
    entered_supermarket: bool = False
    e_stamp: bool = False
    safe_food_chain: bool = False
    note: str = ""


@dataclass(frozen=True)
class Inspection:
    """One inspection as a person recorded it; a blank ``code`` is given the next free one when it is stored."""

    organization_code: str
    kind: str
    result: str
    inspected_on: dt.date | None
    finding: str = ""
    resolved_on: dt.date | None = None
    code: str = ""


def parse_vnd(given: int | str | None) -> int | None:
    """Whole đồng as a person types them: digits, optionally grouped by threes with dots, commas or spaces
    (``1.500.000``, ``1,500,000``, ``1 500 000``); blank is none. Anything else raises :class:`ValueError`:
    ``1,5`` is not read as fifteen đồng.

    Examples
    --------
    >>> parse_vnd("1.500.000"), parse_vnd("1,500,000"), parse_vnd(" 2500 "), parse_vnd(""), parse_vnd(7)
    (1500000, 1500000, 2500, None, 7)
    """
    if given is None or (isinstance(given, str) and not given.strip()):
        return None
    if isinstance(given, bool):
        raise ValueError(given)
    if isinstance(given, int):
        amount = given
    else:
        written = str(given).strip()
        if written.isdigit():
            amount = int(written)
        elif _GROUPED.match(written) and len({c for c in written if not c.isdigit()}) == 1:
            amount = int("".join(c for c in written if c.isdigit()))
        else:
            raise ValueError(given)
    if not 0 <= amount <= _MAX_VND:
        raise ValueError(given)
    return amount


def _free_text(value: str, *, limit: int = MAX_NOTE) -> str | None:
    """``value`` stripped, or ``None`` when it is too long or holds a control character."""
    kept = (value or "").strip()
    return None if len(kept) > limit or control_character(kept, allow_line_breaks=True) else kept


def check_outcome(dataset: Dataset, outcome: Outcome, *, today: dt.date | None = None) -> Outcome:
    """The outcome as it will be stored, or :class:`OutcomeRefused` naming the field and the reason.

    A report dated in the future is refused; no date means today. A score awarded to a plan that is still in
    progress is kept (a product can be rated before the plan closes).
    """
    today = today or dt.date.today()
    code = (outcome.plan_code or "").strip()
    if code not in set(dataset.plans["code"]):
        raise OutcomeRefused("error.outcome.unknown_plan", field="plan_code", plan=Ref("plan", code))
    if outcome.status not in OUTCOME_STATUSES:
        raise OutcomeRefused("error.outcome.unknown_status", field="status")
    when = outcome.reported_on or today
    if when > today:
        raise OutcomeRefused("error.outcome.future_date", field="reported_on", date=when)
    try:
        disbursed = parse_vnd(outcome.disbursed_vnd)
    except ValueError:
        raise OutcomeRefused("error.outcome.bad_money", field="disbursed_vnd") from None
    score = _score(outcome.ocop_score)
    note = _free_text(outcome.note)
    if note is None:
        raise OutcomeRefused("error.outcome.bad_note", field="note", most=MAX_NOTE)
    flags = {flag: getattr(outcome, flag) for flag in DELIVERY_FLAGS}
    if any(not isinstance(value, bool) for value in flags.values()):
        raise OutcomeRefused("error.outcome.bad_flag", field=next(f for f, v in flags.items()
                                                                 if not isinstance(v, bool)))
    return replace(outcome, plan_code=code, reported_on=when, disbursed_vnd=disbursed, ocop_score=score, note=note)


def _score(given: float | str | None) -> float | None:
    if given is None or (isinstance(given, str) and not given.strip()):
        return None
    try:
        score = parse_decimal(given)
    except DecimalError:
        raise OutcomeRefused("error.outcome.score_range", field="ocop_score") from None
    if not 0 <= score <= 100:
        raise OutcomeRefused("error.outcome.score_range", field="ocop_score")
    return score


def check_inspection(dataset: Dataset, inspection: Inspection, *, today: dt.date | None = None) -> Inspection:
    """The inspection as it will be stored (with its code), or :class:`InspectionRefused` naming the field.

    A violation needs what was found; a resolution date belongs to a violation, and falls between the inspection
    and today.
    """
    today = today or dt.date.today()
    organization = (inspection.organization_code or "").strip()
    if organization not in set(dataset.organizations["code"]):
        raise InspectionRefused("error.inspection.unknown_organization", field="organization_code",
                                organization=Ref("organization", organization))
    if inspection.kind not in INSPECTION_KINDS:
        raise InspectionRefused("error.inspection.unknown_kind", field="kind")
    if inspection.result not in INSPECTION_RESULTS:
        raise InspectionRefused("error.inspection.unknown_result", field="result")
    when = inspection.inspected_on or today
    if when > today:
        raise InspectionRefused("error.inspection.future_date", field="inspected_on", date=when)
    finding = _free_text(inspection.finding)
    if finding is None:
        raise InspectionRefused("error.inspection.bad_finding", field="finding", most=MAX_NOTE)
    if inspection.result == "violation" and not finding:
        raise InspectionRefused("error.inspection.violation_needs_finding", field="finding")
    resolved = inspection.resolved_on
    if resolved is not None:
        if inspection.result != "violation":
            raise InspectionRefused("error.inspection.resolved_not_violation", field="resolved_on")
        if not when <= resolved <= today:
            raise InspectionRefused("error.inspection.resolved_outside", field="resolved_on", inspected=when,
                                    today=today)
    code = (inspection.code or "").strip() or next_inspection_code(dataset)
    if code in set(dataset.inspections["code"]) or control_character(code) or len(code) > 64:
        raise InspectionRefused("error.inspection.code_taken", field="code", code=code)
    return replace(inspection, code=code, organization_code=organization, inspected_on=when, finding=finding)


def next_inspection_code(dataset: Dataset) -> str:
    """The next free code of the form ``KTnnn`` (after the highest such code stored).

    Examples
    --------
    >>> next_inspection_code(Dataset.empty())
    'KT001'
    """
    codes = set(dataset.inspections["code"])
    numbers = [int(code[2:]) for code in codes if code.startswith("KT") and code[2:].isdigit()]
    number = max(numbers, default=0) + 1
    while f"KT{number:03d}" in codes:
        number += 1
    return f"KT{number:03d}"


def _outcome_record(outcome: Outcome) -> dict[str, object]:
    return {"plan_code": outcome.plan_code, "reported_on": outcome.reported_on, "status": outcome.status,
            "disbursed_vnd": outcome.disbursed_vnd, "ocop_score": outcome.ocop_score,
            **{flag: bool(getattr(outcome, flag)) for flag in DELIVERY_FLAGS}, "note": outcome.note}


def apply_outcome(dataset: Dataset, outcome: Outcome) -> Dataset:
    """``dataset`` with ``outcome`` in place of the plan's row (appended when there is none); the row keeps its
    place, as the database does.

    Examples
    --------
    >>> import datetime as dt
    >>> from chainplan.demo import build_demo_dataset
    >>> after = apply_outcome(build_demo_dataset(), Outcome("KH001", "abandoned", dt.date(2020, 5, 1), 0, None))
    >>> after.outcomes.loc[after.outcomes["plan_code"] == "KH001", "status"].tolist()
    ['abandoned']
    """
    records = dataset.to_records()
    row = _outcome_record(outcome)
    rows = records["outcomes"]
    at = next((i for i, r in enumerate(rows) if r["plan_code"] == outcome.plan_code), None)
    records["outcomes"] = [*rows, row] if at is None else [*rows[:at], row, *rows[at + 1:]]
    return Dataset.from_records(records)


def apply_inspection(dataset: Dataset, inspection: Inspection) -> Dataset:
    """``dataset`` with ``inspection`` added as the last row of the ``inspections`` sheet."""
    records = dataset.to_records()
    records["inspections"] = [*records["inspections"], {
        "code": inspection.code, "organization_code": inspection.organization_code,
        "inspected_on": inspection.inspected_on, "kind": inspection.kind, "result": inspection.result,
        "finding": inspection.finding, "resolved_on": inspection.resolved_on}]
    return Dataset.from_records(records)
