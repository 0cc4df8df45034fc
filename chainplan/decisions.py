"""The committee's decisions: which stored run is adopted for a year, read from an append-only log.

Nothing is edited or deleted. Adopting a run appends ``adopt``; if another run was adopted for the same year, a
``supersede`` entry for that run comes first. A run's decision is ``adopted`` while it is the latest adoption of
its year, ``superseded`` once a later adoption replaced it, and ``None`` if it was never adopted. A run stands per
year: adopted for 2026 and 2027, it stays adopted for 2027 when another run replaces it for 2026.

Examples
--------
>>> import datetime as dt
>>> log = adoption_entries([], run_id=3, year=2026, by="Ban Chỉ đạo", note="", at=dt.datetime(2026, 11, 30))
>>> log += adoption_entries(log, run_id=5, year=2026, by="Ban Chỉ đạo", note="", at=dt.datetime(2026, 12, 1))
>>> [(e.action, e.run_id) for e in log], decision_states(log)
([('adopt', 3), ('supersede', 3), ('adopt', 5)], {3: 'superseded', 5: 'adopted'})
>>> log = adoption_entries([], run_id=3, year=2026, by="BCĐ", note="", at=dt.datetime(2026, 11, 30))
>>> log += adoption_entries(log, run_id=3, year=2027, by="BCĐ", note="", at=dt.datetime(2026, 11, 30))
>>> log += adoption_entries(log, run_id=5, year=2026, by="BCĐ", note="", at=dt.datetime(2026, 12, 1))
>>> decision_standing(log)[3], decision_states(log)[3]
({2026: 'superseded', 2027: 'adopted'}, 'adopted')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from chainplan.errors import ChainplanError
from chainplan.io.cells import control_character
from chainplan.ports import AuditEntry

__all__ = ["FIRST_YEAR", "LAST_YEAR", "DecisionRefused", "UnknownRun", "adopted_run", "adoption_entries",
           "audit_notes", "decision_standing", "decision_states", "overall_state", "programme_year"]

#: The programme years the contract accepts (DATA_FORMAT.md: 2000–2100).
FIRST_YEAR, LAST_YEAR = 2000, 2100


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


def decision_standing(log: Sequence[AuditEntry]) -> dict[int, dict[int, str]]:
    """For every run that was ever adopted, its standing per year: ``{run_id: {year: state}}``, where ``state``
    is ``adopted`` while it is the latest adoption of that year and ``superseded`` once another replaced it."""
    standing: dict[int, dict[int, str]] = {}
    for entry in log:
        if entry.action == "adopt":
            standing.setdefault(entry.run_id, {})[entry.year] = "adopted"
        elif entry.action == "supersede":
            standing.setdefault(entry.run_id, {})[entry.year] = "superseded"
    return standing


def decision_states(log: Sequence[AuditEntry]) -> dict[int, str]:
    """One word per run that was ever adopted: ``adopted`` when it stands for at least one year, ``superseded``
    when every year it was adopted for has another run now."""
    return {run_id: overall_state(years) for run_id, years in decision_standing(log).items()}


def overall_state(years: Mapping[int, str]) -> str:
    """``adopted`` when a run stands for at least one of its years, else ``superseded``."""
    return "adopted" if "adopted" in years.values() else "superseded"


def programme_year(value: object) -> int:
    """A programme year as a person typed it, checked: a whole number from 2000 to 2100.

    Raises
    ------
    DecisionRefused
        ``bad_year`` for a blank, a fraction, text or a year out of range.

    Examples
    --------
    >>> programme_year(" 2026 "), programme_year(2027)
    (2026, 2027)
    >>> programme_year("1999")
    Traceback (most recent call last):
    ...
    chainplan.decisions.DecisionRefused: The year must be a whole number from 2000 to 2100.
    """
    text = str(value).strip() if value is not None else ""
    year = int(text) if text.isdigit() else None
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise DecisionRefused("error.decision.bad_year", first=str(FIRST_YEAR), last=str(LAST_YEAR))
    return year


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
    # The log is shown on pages and written to workbooks, which cannot hold control characters.
    found = control_character(by) or control_character(note, allow_line_breaks=True)
    if found:
        raise DecisionRefused("error.value.control_character", point=found)
    year = programme_year(year)
    current = adopted_run(log, year)
    if current == run_id:
        raise DecisionRefused("error.decision.already_adopted", run=str(run_id), year=str(year))
    entries = []
    if current is not None:
        # Stored in English, as the command line prints it; a page writes it in its own language (audit_notes).
        entries.append(AuditEntry("supersede", current, year, by, _superseded_note(run_id, "en"), at))
    entries.append(AuditEntry("adopt", run_id, year, by, note, at))
    return entries


def audit_notes(log: Sequence[AuditEntry], lang: str) -> list[str]:
    """What each entry's note says to a person reading ``lang``: an adoption's note is the committee's own words;
    a supersede written by :func:`adoption_entries` names the run that replaced it, in the reader's language (the
    stored note is the English the command line prints).

    Examples
    --------
    >>> at = dt.datetime(2026, 12, 1, 9, 0)
    >>> log = adoption_entries([AuditEntry("adopt", 3, 2026, "an", "vòng 1", at)], run_id=5, year=2026, by="an",
    ...                        note="vòng 2", at=at)
    >>> audit_notes(log, "vi")
    ['được thay bằng phương án 5', 'vòng 2']
    >>> audit_notes(log, "en")
    ['superseded by run 5', 'vòng 2']

    Two adoptions for different years written at the same time may interleave; each supersede still finds its own:

    >>> other = adoption_entries([AuditEntry("adopt", 4, 2027, "an", "", at)], run_id=6, year=2027, by="an",
    ...                          note="", at=at)
    >>> audit_notes([log[0], other[0], log[1], other[1]], "vi")
    ['được thay bằng phương án 5', 'được thay bằng phương án 6', 'vòng 2', '']
    """
    notes = []
    for position, entry in enumerate(log):
        # The adoption that replaced it is the next one for the same year (two adoptions for different years
        # written at once may interleave their entries).
        replacing = next((later for later in log[position + 1:] if later.action == "adopt"
                          and later.year == entry.year), None) if entry.action == "supersede" else None
        if replacing is not None and entry.note == _superseded_note(replacing.run_id, "en"):
            notes.append(_superseded_note(replacing.run_id, lang))
        else:
            notes.append(entry.note)
    return notes


def _superseded_note(run_id: int, lang: str) -> str:
    from chainplan.wording import text

    return text("decision.superseded_by", lang, run=str(run_id))
