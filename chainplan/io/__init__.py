"""Files in and out: the input workbook, the CSV folder and the template."""

from __future__ import annotations

from chainplan.io.workbook import read_dataset, write_dataset, write_template

__all__ = ["read_dataset", "write_dataset", "write_template"]
