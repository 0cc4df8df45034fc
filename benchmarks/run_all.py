"""Run every benchmark script and print one JSON document per script (make benchmarks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in ("chains_national.py", "allocation_demo.py", "allocation_national.py", "sweeps.py", "ui.py",
               "sign_in.py"):
    subprocess.run([sys.executable, str(HERE / script)], check=True)
