"""Recording one appraisal of a production plan: district first, then province, each checked before it is kept.

An appraisal is one row of the ``appraisals`` sheet (plan, stage, status, score, date, appraiser). Recording one
replaces that plan's row for that stage. The checks name the field at fault, so a form can show the reason beside
it (:class:`AppraisalRefused` carries ``field`` and the catalogue ``code``).

Examples
--------
>>> from chainplan.demo import build_demo_dataset
>>> data = build_demo_dataset()
>>> plan = data.plans["code"].iloc[0]
>>> check_appraisal(data, Appraisal(plan, "district", "passed", 71.5, None, "lan")).score
71.5
>>> check_appraisal(data, Appraisal(plan, "district", "passed", "72,5", None, "lan")).score
72.5
>>> check_appraisal(data, Appraisal(plan, "district", "passed", 120, None, "lan"))
Traceback (most recent call last):
...
chainplan.appraisal.AppraisalRefused: The score must be between 0 and 100.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from chainplan.dataset import Dataset
from chainplan.errors import ChainplanError
from chainplan.io.cells import control_character
from chainplan.schema import APPRAISAL_STAGES, APPRAISAL_STATUSES
from chainplan.wording import Ref
from chainplan.wording.numbers import DecimalError, parse_decimal

__all__ = ["Appraisal", "AppraisalRefused", "apply_appraisal", "check_appraisal"]


@dataclass(frozen=True)
class Appraisal:
    """One appraisal as a person gave it; ``score`` may be the text typed in a form (``72,5`` or ``72.5``), which
    :func:`check_appraisal` reads: the appraisal it returns has the score as a number, or none."""

    plan_code: str
    stage: str
    status: str
    score: float | str | None
    appraised_on: dt.date | None
    appraiser: str
    note: str = ""


class AppraisalRefused(ChainplanError, ValueError):
    """An appraisal that cannot be recorded; ``field`` is the form field at fault, ``code`` the reason's."""

    def __init__(self, code: str, /, *, field: str, **params: Any):
        self.field = field
        super().__init__(code, **params)


def check_appraisal(dataset: Dataset, appraisal: Appraisal, *, today: dt.date | None = None) -> Appraisal:
    """The appraisal as it will be stored, or :class:`AppraisalRefused` naming the field and the reason.

    A province appraisal that passes or fails a plan needs the plan's district appraisal passed first: the province
    appraises what the district sent up. A date in the future is refused; no date means today.
    """
    today = today or dt.date.today()
    code = appraisal.plan_code.strip()
    if code not in set(dataset.plans["code"]):
        raise AppraisalRefused("error.appraisal.unknown_plan", field="plan_code", plan=Ref("plan", code))
    if appraisal.stage not in APPRAISAL_STAGES:
        raise AppraisalRefused("error.appraisal.unknown_stage", field="stage")
    if appraisal.status not in APPRAISAL_STATUSES:
        raise AppraisalRefused("error.appraisal.unknown_status", field="status")
    score = _score(appraisal.score)
    when = appraisal.appraised_on or today
    if when > today:
        raise AppraisalRefused("error.appraisal.future_date", field="appraised_on", date=when)
    note = appraisal.note.strip()
    if len(note) > 2000 or control_character(note, allow_line_breaks=True):
        raise AppraisalRefused("error.appraisal.bad_note", field="note")
    name = appraisal.appraiser.strip()
    if not name or control_character(name):
        raise AppraisalRefused("error.appraisal.no_appraiser", field="appraiser")
    if appraisal.stage == "province" and appraisal.status != "pending":
        rows = dataset.appraisals
        district = rows[(rows["plan_code"] == code) & (rows["stage"] == "district")]["status"]
        if not (district == "passed").any():
            raise AppraisalRefused("error.appraisal.district_first", field="stage")
    return replace(appraisal, plan_code=code, score=score, appraised_on=when, appraiser=name, note=note)


def _score(given: float | str | None) -> float | None:
    """The score as a number from 0 to 100 (text as a person types it; blank is no score), or a refusal: a score
    that cannot be read is never stored as no score."""
    if given is None or (isinstance(given, str) and not given.strip()):
        return None
    try:
        score = parse_decimal(given)
    except DecimalError:
        raise AppraisalRefused("error.appraisal.score_range", field="score") from None
    if not 0 <= score <= 100:
        raise AppraisalRefused("error.appraisal.score_range", field="score")
    return score


def apply_appraisal(dataset: Dataset, appraisal: Appraisal) -> Dataset:
    """``dataset`` with ``appraisal`` in place of the plan's row for that stage (appended when there is none).

    Examples
    --------
    >>> from chainplan.demo import build_demo_dataset
    >>> data = build_demo_dataset()
    >>> after = apply_appraisal(data, Appraisal("KH001", "province", "failed", 40.0, None, "lan"))
    >>> rows = after.appraisals[(after.appraisals["plan_code"] == "KH001")]
    >>> rows.loc[rows["stage"] == "province", "status"].tolist()
    ['failed']
    """
    records = dataset.to_records()
    row: dict[str, object] = {"plan_code": appraisal.plan_code, "stage": appraisal.stage, "status": appraisal.status,
           "score": appraisal.score, "appraised_on": appraisal.appraised_on, "appraiser": appraisal.appraiser,
                              "note": appraisal.note}
    kept = [r for r in records["appraisals"]
            if (r["plan_code"], r["stage"]) != (appraisal.plan_code, appraisal.stage)]
    at = next((i for i, r in enumerate(records["appraisals"])
               if (r["plan_code"], r["stage"]) == (appraisal.plan_code, appraisal.stage)), len(kept))
    records["appraisals"] = [*kept[:at], row, *kept[at:]]
    return Dataset.from_records(records)
