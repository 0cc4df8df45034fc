"""The command line starts without the libraries an allocation does not use (each costs start-up time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Imported only where they are used: graphs (chain analyses), statistics, charts, workbooks, the web app.
NOT_AT_START = ("networkx", "scipy", "plotly", "openpyxl", "dash", "flask", "matplotlib")


def test_the_command_line_and_an_allocation_start_without_them() -> None:
    """An allocation whose plans add no link to a chain builds no graph (the national benchmark's case)."""
    script = (
        "import sys\n"
        "from models.cli import main\n"
        "from chainplan.allocation import allocate\n"
        "from tests.allocation_helpers import instance, scenario\n"
        "plans = [{'code': 'A', 'benefit': 2.0, 'requests': {'L': 5}},\n"
        "         {'code': 'B', 'benefit': 1.0, 'requests': {'L': 5}}]\n"
        "assert allocate(instance(plans, {'L': 5}), scenario()).funded_codes == ['A']\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({NOT_AT_START!r}))))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1:] in ([], [""])


def _chainplan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "models.cli", *args], cwd=ROOT, capture_output=True, text=True)


def test_the_script_ends_with_every_line_written_and_its_exit_code(tmp_path: Path) -> None:
    """``run`` ends the process without the interpreter's teardown: the whole document still arrives, the run is
    stored, and the exit codes are main's."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert _chainplan("--db", url, "demo", "load").returncode == 0
    done = _chainplan("--db", url, "allocate", str(ROOT / "scenarios" / "equity.yaml"), "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)  # complete: the last byte was flushed
    assert len(done.stdout) > 50_000 and document["run_id"] is not None
    listed = _chainplan("--db", url, "runs", "--format", "json")
    assert listed.returncode == 0 and document["run_id"] in {r["run_id"] for r in json.loads(listed.stdout)}
    refused = _chainplan("--db", url, "allocate", str(tmp_path / "missing.yaml"), "--format", "json")
    assert refused.returncode == 2 and "error" in json.loads(refused.stdout)


def test_the_script_offers_its_command_to_a_standby_with_the_standard_library_only() -> None:
    """``models.cli`` (the installed script) and the hand-over load nothing beyond the standard library and
    ``chainplan.errors``: a command handed to ``chainplan standby`` costs Python's start and no more."""
    script = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "from models import cli, standby\n"
        "standby.identity()\n"
        "print(' '.join(sorted({m.split('.')[0] for m in set(sys.modules) - before} - set(sys.stdlib_module_names))))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert set(done.stdout.split()) <= {"models", "chainplan", "__editable___chainplan_0_1_0_finder"}, done.stdout


def test_the_end_of_a_command_waits_for_an_executor_left_open() -> None:
    """As the interpreter's own exit: the executor's exit hook runs, its work ends, then the process ends."""
    script = (
        "import concurrent.futures, time\n"
        "from models import cli\n"
        "pool = concurrent.futures.ThreadPoolExecutor(1)\n"
        "pool.submit(lambda: (time.sleep(0.3), print('work done', flush=True)))\n"
        "cli.end(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 3 and done.stdout == "work done\n"


def test_the_standbys_stamp_covers_every_file_of_the_code(tmp_path: Path) -> None:
    """A wording catalogue edited after the standby started is other code: its commands run on their own."""
    from models.standby import _code_stamp

    package = tmp_path / "package"
    (package / "locale").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    catalogue = package / "locale" / "chainplan.po"
    catalogue.write_text('msgid "a"\nmsgstr "b"\n', encoding="utf-8")
    before = _code_stamp({"package": str(package / "__init__.py")})
    catalogue.write_text('msgid "a"\nmsgstr "c"\n', encoding="utf-8")
    assert _code_stamp({"package": str(package / "__init__.py")}) != before
