"""The programme's memory over the years: what funded plans delivered, the province's record per purpose, the
inspections, and the phase's progress (``DATA_FORMAT.md``, "Programme years, results and inspections").

One module per family, each pure (pandas in, pandas or plain values out):

- :mod:`chainplan.programme.outcomes` — finished, succeeded, stars, delivered; a year's adopted run against what
  its funded plans delivered;
- :mod:`chainplan.programme.calibration` — calibration per purpose and the calibrated probabilities p';
- :mod:`chainplan.programme.inspections` — unresolved violations and inspections per organization;
- :mod:`chainplan.programme.phases` — phase files, progress, and the year's share of what the phase still needs.

Nothing is imported here: the allocation reads :mod:`~chainplan.programme.inspections` and
:mod:`~chainplan.programme.calibration`, while :mod:`~chainplan.programme.outcomes` and
:mod:`~chainplan.programme.phases` read the allocation's own counting, so each is imported by its full name.
"""

from __future__ import annotations

__all__: list[str] = []
