"""Files in and out: the input workbook, the CSV folder and the template."""

from __future__ import annotations

from chainplan.io.workbook import InputRead, read_dataset, read_input, write_dataset, write_template

__all__ = ["InputRead", "read_dataset", "read_input", "write_dataset", "write_template"]
