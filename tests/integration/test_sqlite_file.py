"""A SQLite database is one file once a command has ended: what the command wrote is in the file itself, not
only in its write-ahead log, so a copy of the file alone (a backup, a file sent to a colleague) holds it all."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path


def _command(db: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CHAINPLAN_STANDBY": "0"}
    return subprocess.run([sys.executable, "-m", "models.cli", "--db", f"sqlite:///{db}", *arguments],
                          capture_output=True, text=True, env=environment, check=False)


def test_a_copy_of_the_database_file_alone_has_what_the_commands_wrote(tmp_path: Path) -> None:
    db = tmp_path / "chainplan.db"
    assert _command(db, "demo", "load").returncode == 0
    stored = _command(db, "allocate", "scenarios/baseline-2020.yaml", "--format", "json")
    assert stored.returncode == 0
    run_id = json.loads(stored.stdout)["run_id"]
    log = Path(f"{db}-wal")
    assert not log.exists() or log.stat().st_size == 0, "the command left its writes in the log"
    copy = tmp_path / "copy" / "chainplan.db"
    copy.parent.mkdir()
    shutil.copyfile(db, copy)
    runs = json.loads(_command(copy, "runs", "--format", "json").stdout)
    assert run_id in [run["run_id"] for run in runs]
    years = json.loads(_command(copy, "years", "--format", "json").stdout)
    assert years and all(row["plans"] > 0 for row in years)
