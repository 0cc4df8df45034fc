"""``chainplan standby``: a command handed to the standby answers exactly as the same command run on its own.

Each test compares the two on a real SQLite database: the standby on its own socket, in a private folder, the
same command run with ``CHAINPLAN_STANDBY=0``; the standby's log says which commands it ran.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


@dataclass
class Standby:
    url: str
    socket: Path
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)

    def environment(self, **more: str) -> dict[str, str]:
        environment = {name: value for name, value in os.environ.items() if name != "CHAINPLAN_STANDBY"}
        return {**environment, "CHAINPLAN_STANDBY_SOCKET": str(self.socket), **more}

    def command(self, *args: str, handed: bool = True, offered: bool | None = None, cwd: Path = ROOT,
                stdin: Any = None, **environment: str) -> subprocess.CompletedProcess[str]:
        """``chainplan ARGS``, offered to the standby (by default when ``handed``, else with
        ``CHAINPLAN_STANDBY=0``); asserts that the standby ran it exactly when ``handed``."""
        before = self.ran()
        offered = handed if offered is None else offered
        more = environment if offered else {**environment, "CHAINPLAN_STANDBY": "0"}
        done = subprocess.run([sys.executable, "-m", "models.cli", *args], cwd=cwd, capture_output=True, text=True,
                              env=self.environment(**more), stdin=stdin, timeout=300)
        deadline = time.monotonic() + 10  # the log is read by a thread: give it the line written before the exit
        while handed and self.ran() == before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.ran() == before + (1 if handed else 0), (self.log, done.stderr)
        return done

    def ran(self) -> int:
        return sum(": ran " in line for line in self.log)


def _start(url: str, socket: Path, environment: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "models.cli", "--db", url, "standby"], cwd=ROOT,
                            env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def standby(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standby]:
    folder = tmp_path_factory.mktemp("standby")
    url = f"sqlite:///{folder / 'demo.db'}"
    private = folder / "socket"
    private.mkdir(mode=0o700)
    environment = {**os.environ, "CHAINPLAN_STANDBY_SOCKET": str(private / "standby.sock")}
    environment.pop("CHAINPLAN_STANDBY", None)
    loaded = subprocess.run([sys.executable, "-m", "models.cli", "--db", url, "demo", "load"], cwd=ROOT,
                            capture_output=True, text=True, env={**environment, "CHAINPLAN_STANDBY": "0"})
    assert loaded.returncode == 0, loaded.stderr
    process = _start(url, private / "standby.sock", environment)
    assert process.stderr is not None
    ready = process.stderr.readline()
    assert "ready on" in ready, ready
    running = Standby(url, private / "standby.sock", process, [ready])

    def read_log() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            running.log.append(line)

    threading.Thread(target=read_log, daemon=True).start()
    yield running
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    assert not running.socket.exists()


def _without_timings(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "run_id" and not key.endswith("_time_s")}


def test_the_socket_is_private(standby: Standby) -> None:
    assert standby.socket.stat().st_mode & 0o777 == 0o600
    assert standby.socket.parent.stat().st_mode & 0o777 == 0o700


def test_an_allocation_handed_over_is_the_one_run_on_its_own(standby: Standby) -> None:
    args = ("--db", standby.url, "allocate", str(SCENARIOS / "equity.yaml"), "--format", "json", "--no-store")
    handed = standby.command(*args)
    alone = standby.command(*args, handed=False)
    assert handed.returncode == alone.returncode == 0, handed.stderr
    assert _without_timings(json.loads(handed.stdout)) == _without_timings(json.loads(alone.stdout))
    assert handed.stderr == alone.stderr


def test_a_table_for_people_is_the_same_text(standby: Standby) -> None:
    for args in (("--db", standby.url, "years"), ("--db", standby.url, "gaps", "--tier", "provincial"),
                 ("--db", standby.url, "--help")):
        handed, alone = standby.command(*args), standby.command(*args, handed=False)
        assert (handed.returncode, handed.stdout, handed.stderr) == (alone.returncode, alone.stdout, alone.stderr)


def test_bad_input_gets_the_same_message_and_exit_code(standby: Standby, tmp_path: Path) -> None:
    args = ("--db", standby.url, "allocate", str(tmp_path / "missing.yaml"), "--format", "json")
    handed, alone = standby.command(*args), standby.command(*args, handed=False)
    assert handed.returncode == alone.returncode == 2
    assert (handed.stdout, handed.stderr) == (alone.stdout, alone.stderr)
    usage = standby.command("--db", standby.url, "allocate", "--no-such-option")
    assert usage.returncode == 2 and "No such option" in usage.stderr


def test_the_command_runs_in_the_callers_folder_environment_and_input(standby: Standby, tmp_path: Path) -> None:
    """A relative path is the caller's, the database named by the caller's environment, standard input the
    caller's (a scenario read from it)."""
    done = standby.command("allocate", "equity.yaml", "--format", "json", "--no-store", cwd=SCENARIOS,
                           CHAINPLAN_DB_URL=standby.url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] in ("optimal", "feasible")
    other = f"sqlite:///{tmp_path / 'empty.db'}"
    empty = standby.command("runs", "--format", "json", CHAINPLAN_DB_URL=other)
    assert empty.returncode == 0 and json.loads(empty.stdout) == []
    scenario = SCENARIOS / "equity.yaml"
    outputs = []
    for handed in (True, False):
        with scenario.open(encoding="utf-8") as given:
            done = standby.command("--db", standby.url, "allocate", "/dev/stdin", "--format", "json", "--no-store",
                                   handed=handed, stdin=given)
        assert done.returncode == 0, done.stderr
        outputs.append(_without_timings(json.loads(done.stdout)))
    assert outputs[0] == outputs[1]


def test_a_write_by_anyone_is_read_by_the_next_handed_command(standby: Standby, tmp_path: Path) -> None:
    """The standby read the data ahead; a change made by another process (an import) is seen at once."""
    folder = tmp_path / "data"
    assert standby.command("--db", standby.url, "export", str(folder), handed=False).returncode == 0
    lines = (folder / "budget_lines.csv").read_text(encoding="utf-8").splitlines()
    column = lines[0].split(",").index("amount_vnd")
    halved = [lines[0]]
    for line in lines[1:]:  # every line of every year at half its money
        cells = line.split(",")
        cells[column] = str(int(cells[column]) // 2)
        halved.append(",".join(cells))
    (folder / "budget_lines.csv").write_text("\n".join(halved) + "\n", encoding="utf-8")
    args = ("--db", standby.url, "allocate", str(SCENARIOS / "equity.yaml"), "--format", "json", "--no-store")
    before = json.loads(standby.command(*args).stdout)
    imported = standby.command("--db", standby.url, "import", str(folder), handed=False)
    assert imported.returncode == 0, imported.stderr
    handed, alone = json.loads(standby.command(*args).stdout), json.loads(standby.command(*args, handed=False).stdout)
    assert _without_timings(handed) == _without_timings(alone)
    assert handed["budget"] != before["budget"]


def test_other_python_settings_run_on_their_own(standby: Standby) -> None:
    """A command under another hash seed is not the standby's to run: it runs on its own, with the same answer."""
    refused_before = sum("left to run on its own" in line for line in standby.log)
    done = standby.command("--db", standby.url, "years", "--format", "json", handed=False, offered=True,
                           PYTHONHASHSEED="7")
    assert done.returncode == 0 and json.loads(done.stdout)
    deadline = time.monotonic() + 10
    while sum("left to run on its own" in line for line in standby.log) == refused_before:
        assert time.monotonic() < deadline, standby.log
        time.sleep(0.05)


def test_user_commands_never_go_to_the_standby(standby: Standby) -> None:
    done = standby.command("--db", standby.url, "user", "list", handed=False, offered=True)
    assert done.returncode == 0


def _long_sweep(url: str) -> list[str]:
    """A sweep long enough (about half a minute here) to be interrupted while it runs."""
    return [sys.executable, "-m", "models.cli", "--db", url, "frontier", str(SCENARIOS / "equity.yaml"), "--from",
            "0.2", "--to", "2.0", "--steps", "400"]


def _copy_running(keeper: psutil.Process, client: subprocess.Popen[Any]) -> None:
    """Wait until the standby ``keeper`` has forked the client's command."""
    deadline = time.monotonic() + 60
    while not keeper.children():
        assert time.monotonic() < deadline and client.poll() is None
        time.sleep(0.05)


def _interrupted(standby: Standby, handed: bool) -> int:
    """The exit code of a long sweep sent Ctrl-C once it runs (in the standby's copy, or on its own)."""
    environment = standby.environment() if handed else standby.environment(CHAINPLAN_STANDBY="0")
    client = subprocess.Popen(_long_sweep(standby.url), cwd=ROOT, env=environment, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    working = psutil.Process(standby.process.pid) if handed else psutil.Process(client.pid)
    deadline = time.monotonic() + 60
    # Running: the standby has forked the copy, or the process on its own has begun solving (a pool of workers).
    while not (working.children() if handed else working.children() or working.cpu_times().user > 2.5):
        assert time.monotonic() < deadline and client.poll() is None
        time.sleep(0.05)
    time.sleep(1.0)
    copies = working.children(recursive=True) if handed else []
    client.send_signal(signal.SIGINT)
    client.communicate(timeout=60)
    for copy in copies:  # the copy and whatever it started are gone
        assert not copy.is_running() or copy.status() == psutil.STATUS_ZOMBIE
    return client.returncode


def test_ctrl_c_ends_the_command_as_it_ends_one_on_its_own_and_not_the_standby(standby: Standby) -> None:
    assert _interrupted(standby, handed=True) == _interrupted(standby, handed=False) != 0
    assert standby.command("--db", standby.url, "years").returncode == 0  # still serving


def test_a_second_standby_on_the_same_socket_is_refused(standby: Standby) -> None:
    second = subprocess.run([sys.executable, "-m", "models.cli", "--db", standby.url, "standby"], cwd=ROOT,
                            env=standby.environment(), capture_output=True, text=True, timeout=120)
    assert second.returncode == 2
    assert "already answers on" in second.stderr and str(standby.socket) in second.stderr


def test_a_folder_others_can_open_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o755)
    environment = {**os.environ, "CHAINPLAN_STANDBY_SOCKET": str(folder / "standby.sock")}
    done = subprocess.run([sys.executable, "-m", "models.cli", "--db", f"sqlite:///{tmp_path / 'x.db'}", "standby"],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "chmod 700" in done.stderr
    assert not (folder / "standby.sock").exists()


def test_a_socket_left_by_a_killed_standby_is_passed_by(tmp_path: Path) -> None:
    """A standby killed outright leaves its socket; commands run on their own, and a new standby takes it over."""
    private = tmp_path / "socket"
    private.mkdir(mode=0o700)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    environment = {**os.environ, "CHAINPLAN_STANDBY_SOCKET": str(private / "standby.sock")}
    environment.pop("CHAINPLAN_STANDBY", None)
    first = _start(url, private / "standby.sock", environment)
    assert first.stderr is not None and "ready on" in first.stderr.readline()
    first.kill()
    first.wait(timeout=30)
    assert (private / "standby.sock").exists()
    done = subprocess.run([sys.executable, "-m", "models.cli", "--db", url, "runs", "--format", "json"], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and json.loads(done.stdout) == []
    second = _start(url, private / "standby.sock", environment)
    try:
        assert second.stderr is not None and "ready on" in second.stderr.readline()
    finally:
        second.send_signal(signal.SIGINT)
        assert second.wait(timeout=60) == 0


def _own_standby(folder: Path, *args: str, cwd: Path = ROOT) -> tuple[subprocess.Popen[str], dict[str, str]]:
    private = folder / "socket"
    private.mkdir(mode=0o700)
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("CHAINPLAN_STANDBY", "CHAINPLAN_DB_URL")}
    environment["CHAINPLAN_STANDBY_SOCKET"] = str(private / "standby.sock")
    environment["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen([sys.executable, "-m", "models.cli", *args, "standby"], cwd=cwd, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    said = [process.stderr.readline()]
    while "ready on" not in said[-1]:  # a database it cannot read is said first
        assert len(said) < 5 and said[-1], said
        said.append(process.stderr.readline())
    return process, environment


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0


def test_the_default_database_is_the_callers_folders_and_one_made_again_is_upgraded(tmp_path: Path) -> None:
    """``sqlite:///chainplan.db`` is in the caller's folder, not the standby's; a database deleted and made again
    gets its schema, as a command on its own gives it."""
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    process, environment = _own_standby(tmp_path, cwd=home)
    try:
        for _ in range(2):
            done = subprocess.run([sys.executable, "-m", "models.cli", "runs", "--format", "json"], cwd=elsewhere,
                                  env=environment, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0 and json.loads(done.stdout) == [], done.stderr
            assert (elsewhere / "chainplan.db").exists()  # the standby's own is home/chainplan.db
            (elsewhere / "chainplan.db").unlink()
    finally:
        _stop(process)
    assert process.stderr is not None and process.stderr.read().count(": ran ") == 2


def test_a_command_whose_standby_is_killed_ends_and_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    loaded = subprocess.run([sys.executable, "-m", "models.cli", "--db", url, "demo", "load"], cwd=ROOT,
                            capture_output=True, text=True)
    assert loaded.returncode == 0
    process, environment = _own_standby(tmp_path, "--db", url)
    # Files, not pipes: the sweep's workers, left without their parent, may hold pipes open a while after the
    # caller has ended, as they would after a command on its own was killed.
    with (tmp_path / "out").open("w") as out, (tmp_path / "err").open("w") as err:
        client = subprocess.Popen(_long_sweep(url), cwd=ROOT, env=environment, stdout=out, stderr=err)
    keeper = psutil.Process(process.pid)
    _copy_running(keeper, client)
    time.sleep(0.5)
    copies = keeper.children(recursive=True)
    (copy,) = keeper.children()
    process.kill()
    killed = time.monotonic()
    process.wait(timeout=30)
    try:
        # At once, not when the sweep would have ended (half a minute): the command ended with its standby.
        assert client.wait(timeout=30) == 1 and time.monotonic() - killed < 10
        assert "the standby ended while it ran this command" in (tmp_path / "err").read_text(encoding="utf-8")
        assert psutil.wait_procs([copy], timeout=5)[1] == []
    finally:
        with contextlib.suppress(ProcessLookupError):  # the sweep's workers, if they outlived their parent
            os.killpg(copy.pid, signal.SIGKILL)
        for each in copies:
            with contextlib.suppress(psutil.Error):
                each.kill()


def test_a_command_sends_nothing_to_a_socket_others_can_reach(tmp_path: Path) -> None:
    """A listener in a folder other users can open (someone else's trap) gets no connection: the command runs on
    its own, its environment kept to itself."""
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o755)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(folder / "standby.sock"))
    listener.listen(1)
    listener.settimeout(0.5)
    environment = {name: value for name, value in os.environ.items() if name != "CHAINPLAN_STANDBY"}
    environment["CHAINPLAN_STANDBY_SOCKET"] = str(folder / "standby.sock")
    done = subprocess.run([sys.executable, "-m", "models.cli", "--db", f"sqlite:///{tmp_path / 'x.db'}", "runs",
                           "--format", "json"], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and json.loads(done.stdout) == []
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


def test_a_caller_killed_outright_takes_its_command_with_it(standby: Standby) -> None:
    client = subprocess.Popen(_long_sweep(standby.url), cwd=ROOT, env=standby.environment(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    keeper = psutil.Process(standby.process.pid)
    _copy_running(keeper, client)
    time.sleep(0.5)
    copies = keeper.children(recursive=True)
    client.kill()
    client.wait(timeout=30)
    psutil.wait_procs(copies, timeout=5)  # at once, not when the sweep would have ended (half a minute)
    assert not [copy for copy in copies if copy.is_running() and copy.status() != psutil.STATUS_ZOMBIE]


def _handed_sweep(standby: Standby) -> tuple[subprocess.Popen[str], list[psutil.Process]]:
    """A long sweep handed to the standby, once its copy runs: the client and the copy with its workers."""
    client = subprocess.Popen(_long_sweep(standby.url), cwd=ROOT, env=standby.environment(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    keeper = psutil.Process(standby.process.pid)
    _copy_running(keeper, client)
    time.sleep(1.0)
    return client, keeper.children(recursive=True)


def test_ctrl_z_stops_the_command_and_fg_continues_it(standby: Standby) -> None:
    client, copies = _handed_sweep(standby)
    client.send_signal(signal.SIGTSTP)
    deadline = time.monotonic() + 10
    while not all(p.status() == psutil.STATUS_STOPPED for p in [psutil.Process(client.pid), *copies]):
        assert time.monotonic() < deadline, [p.status() for p in copies]
        time.sleep(0.05)
    client.send_signal(signal.SIGCONT)
    deadline = time.monotonic() + 10
    while any(p.status() == psutil.STATUS_STOPPED for p in [psutil.Process(client.pid), *copies]):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    client.send_signal(signal.SIGINT)
    client.communicate(timeout=60)
    assert client.returncode != 0


def test_a_command_killed_outright_ends_its_caller_by_the_same_signal(standby: Standby) -> None:
    client, _copies = _handed_sweep(standby)
    (copy,) = psutil.Process(standby.process.pid).children()
    copy.kill()  # the copy itself, as the out-of-memory killer would
    try:
        assert client.wait(timeout=60) == -signal.SIGKILL  # its workers may still hold the pipes: not read here
    finally:
        with contextlib.suppress(ProcessLookupError):  # the sweep's workers, left without their parent
            os.killpg(copy.pid, signal.SIGKILL)


def test_the_log_hides_a_database_password(standby: Standby) -> None:
    url = "postgresql://planner:s3cret-word@127.0.0.1:1/ocop"
    done = standby.command("--db", url, "runs")
    assert done.returncode == 2  # no server there: the command says so, as on its own
    line = [entry for entry in standby.log if ": ran " in entry][-1]
    assert "127.0.0.1:1/ocop" in line and "s3cret-word" not in line


def test_a_standby_that_cannot_read_its_database_still_serves(tmp_path: Path) -> None:
    process, environment = _own_standby(tmp_path, "--db", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    try:
        done = subprocess.run([sys.executable, "-m", "models.cli", "--db", f"sqlite:///{tmp_path / 'y.db'}", "runs",
                               "--format", "json"], cwd=ROOT, env=environment, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0 and json.loads(done.stdout) == []
    finally:
        _stop(process)
    assert process.stderr is not None and ": ran " in process.stderr.read()


def test_a_client_that_gives_up_before_its_go_ahead_never_has_its_command_run(standby: Standby,
                                                                            tmp_path: Path) -> None:
    """The standby answers "ready" and forks only on the client's go-ahead: a client that gave up waiting (and
    runs the command itself) never has it run a second time by the standby."""
    marker = tmp_path / "never.xlsx"
    script = textwrap.dedent(f"""
        import json, os, socket, struct, sys
        from models import standby
        sys.argv = ["chainplan"]
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(str(standby.socket_path()))
        request = json.dumps({{"identity": standby.identity(),
                               "argv": ["chainplan", "--db", {standby.url!r}, "export", {str(marker)!r}],
                               "cwd": os.getcwd(), "environment": dict(os.environ), "umask": 0o22,
                               "ignored": []}}).encode()
        socket.send_fds(connection, [struct.pack("!I", len(request))], [0, 1, 2])
        connection.sendall(request)
        print(connection.recv(100).decode().strip())
        connection.close()  # no go-ahead
    """)
    before = standby.ran()
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=standby.environment(), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout) == {"ready": True}, done.stderr
    assert standby.command("--db", standby.url, "years").returncode == 0  # served the next one
    assert standby.ran() == before + 1 and not marker.exists()
