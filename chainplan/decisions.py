"""The committee's decisions: which stored run is adopted for a year, read from an append-only log.

Nothing is edited or deleted. Adopting a run appends ``adopt``; if another run was adopted for the same year, a
``supersede`` entry for that run comes first. A run's decision is ``adopted`` while it is the latest adoption of
its year, ``superseded`` once a later adoption replaced it, and ``None`` if it was never adopted.

Examples
--------
>>> import datetime as dt
>>> log = adoption_entries([], run_id=3, year=2026, by="Ban Chỉ đạo", note="", at=dt.datetime(2026, 11, 30))
>>> log += adoption_entries(log, run_id=5, year=2026, by="Ban Chỉ đạo", note="", at=dt.datetime(2026, 12, 1))
>>> [(e.action, e.run_id) for e in log], decision_states(log)
([('adopt', 3), ('supersede', 3), ('adopt', 5)], {3: 'superseded', 5: 'adopted'})
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from chainplan.errors import ChainplanError
from chainplan.ports import AuditEntry

__all__ = ["DecisionRefused", "UnknownRun", "adopted_run", "adoption_entries", "decision_states"]


class UnknownRun(ChainplanError, KeyError):
    """No stored run has this id (``run_id``)."""

    def __init__(self, run_id: object):
        self.run_id = run_id
        super().__init__("error.run.unknown", run=str(run_id))  # an id, written without thousands separators


class DecisionRefused(ChainplanError, ValueError):
    """The adoption cannot be recorded; ``code`` names the reason (``error.decision.no_name``,
    ``already_adopted``, ``other_data``, ``nothing_funded``)."""


def adopted_run(log: Sequence[AuditEntry], year: int) -> int | None:
    """The run adopted for ``year`` now (the latest adoption), or ``None``."""
    adoptions = [entry.run_id for entry in log if entry.action == "adopt" and entry.year == year]
    return adoptions[-1] if adoptions else None


def decision_states(log: Sequence[AuditEntry]) -> dict[int, str]:
    """``adopted`` or ``superseded`` for every run that was ever adopted."""
    states: dict[int, str] = {}
    for entry in log:
        if entry.action == "adopt":
            states[entry.run_id] = "adopted"
        elif entry.action == "supersede":
            states[entry.run_id] = "superseded"
    return states


def adoption_entries(log: Sequence[AuditEntry], *, run_id: int, year: int, by: str, note: str,
                     at: dt.datetime) -> list[AuditEntry]:
    """The entries to append for adopting ``run_id`` for ``year``: a supersede of the current one, then adopt.

    Raises
    ------
    DecisionRefused
        When the run is already the adopted decision for that year, or no name is given.
    """
    if not by.strip():
        raise DecisionRefused("error.decision.no_name")
    current = adopted_run(log, year)
    if current == run_id:
        raise DecisionRefused("error.decision.already_adopted", run=str(run_id), year=str(year))
    entries = []
    if current is not None:
        entries.append(AuditEntry("supersede", current, year, by, f"superseded by run {run_id}", at))
    entries.append(AuditEntry("adopt", run_id, year, by, note, at))
    return entries
