"""How many people one server holds: ``chainplan serve --workers 4`` on PostgreSQL, driven by locust on loopback.

    .venv/bin/python benchmarks/load.py --db postgresql://postgres@127.0.0.1:5432/chainplan_load \\
        [--users 10,25,50] [--duration 60] [--workers 4] [--profile folder]

The database gets the demo dataset (as ``chainplan demo load``), one account per simulated person (viewers,
planners, committee members: ``benchmarks/load_users.py`` says what each does) and, when it has fewer, one stored
run of each shipped scenario (something to compare and to read the risk of). ``chainplan serve`` then runs in a
subprocess (``tests/serving.py``'s server, which the serving tests use), and for each number of users a locust
child process spawns them, waits until every one has signed in and opened its first page, and measures for
``--duration`` seconds. Printed, as JSON: per level the users held, requests per second, p50/p95/p99 and errors
per kind of request (pages, page callbacks, solves apart) and per request, the load average of the machine and
the CPU time the server and locust used. ``--profile DIR`` also samples one gunicorn worker with py-spy during the
largest level (``DIR/worker.txt``: collapsed stacks; ``DIR/top.json``: the functions most often on the stack).

The target (issue 14): 50 users, no errors, p95 of page callbacks under 1.5 s (solves excepted).
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chainplan import services  # noqa: E402 - after the repository is on the path, as the other benchmarks
from models.storage import SqlAlchemyStorage  # noqa: E402
from tests.serving import ChainplanServer, server_environment  # noqa: E402

#: Share of each kind among the users (locust's weights in ``load_users.py``: 6, 2, 2).
KINDS = {"viewer": 0.6, "planner": 0.2, "committee": 0.2}
PASSWORD = "load-test-password-1"
#: Page callbacks must answer within this at the 95th percentile (solves excepted).
TARGET_P95_MS = 1500


def prepare(db_url: str, most_users: int) -> dict[str, list[list[str]]]:
    """The demo dataset, the accounts, a stored run of each shipped scenario; the accounts by role."""
    storage = SqlAlchemyStorage()
    storage.upgrade(db_url)
    services.load_demo(storage.unit_of_work(db_url))
    existing = {user.name for user in services.list_users(storage.unit_of_work(db_url))}
    accounts: dict[str, list[list[str]]] = {}
    for role, share in KINDS.items():
        accounts[role] = []
        for number in range(1, math.ceil(most_users * share) + 3):
            name = f"load-{role}-{number:02d}"
            if name not in existing:
                services.add_user(storage.unit_of_work(db_url), name, role=role, password=PASSWORD)
            accounts[role].append([name, PASSWORD])
    if len(services.stored_runs(storage.unit_of_work(db_url))) < 2:
        for scenario in sorted((ROOT / "scenarios").glob("*.yaml")):
            services.run_allocation(storage.unit_of_work(db_url), scenario, by="load-test")
    return accounts


def kind_of(name: str) -> str:
    """The kind a request is reported under: ``whole solve`` (from pressing "run" to the answer), ``solve request``
    (starting or polling a background solve), ``callback`` (a page callback), ``page``, ``sign-in``."""
    method, request = name.split(" ", 1)
    if method == "SOLVE":
        return "whole solve"
    if request.startswith("solve"):
        return "solve request"
    if request.startswith("callback "):
        return "callback"
    if request.startswith("sign-in"):
        return "sign-in"
    if request.endswith(" failed"):
        return "failed task"
    return "page"


def percentile(times: dict[int, int], share: float) -> int:
    """The response time (ms, as locust rounds them) below which ``share`` of the requests answered."""
    total = sum(times.values())
    if not total:
        return 0
    seen = 0
    for value in sorted(times):
        seen += times[value]
        if seen >= share * total:
            return value
    return max(times)


def summarise(level: dict[str, Any]) -> dict[str, Any]:
    """Per kind of request: requests, rps, p50/p95/p99 (ms) and failures; and the errors as reported."""
    kinds: dict[str, dict[str, Any]] = {}
    for name, entry in level["requests"].items():
        kind = kinds.setdefault(kind_of(name), {"requests": 0, "failures": 0, "times": collections.Counter()})
        kind["requests"] += entry["requests"]
        kind["failures"] += entry["failures"]
        kind["times"].update({int(k): v for k, v in entry["response_times"].items()})
    seconds = level["seconds"] or 1
    by_kind = {kind: {"requests": k["requests"], "rps": round(k["requests"] / seconds, 2),
                      "p50_ms": percentile(k["times"], 0.5), "p95_ms": percentile(k["times"], 0.95),
                      "p99_ms": percentile(k["times"], 0.99), "failures": k["failures"]}
               for kind, k in sorted(kinds.items()) if k["requests"]}
    per_request = {name: {key: entry[key] for key in ("requests", "failures", "p50_ms", "p95_ms", "p99_ms",
                                                      "max_ms")}
                   for name, entry in sorted(level["requests"].items()) if entry["requests"]}
    total = sum(k["requests"] for k in kinds.values())
    errors = sum(e["occurrences"] for e in level["errors"]) + sum(e["count"] for e in level["exceptions"])
    callbacks = by_kind.get("callback", {})
    return {
        "users": level["users"], "users_held": level["users_running"], "users_by_kind": level["users_by_kind"],
        "sign_in": {key: level["sign_in"][key] for key in ("requests", "failures", "p50_ms", "p95_ms")},
        "seconds": level["seconds"], "rps": round(total / seconds, 2), "errors": errors,
        "target_met": errors == 0 and level["users_running"] == level["users"]
        and callbacks.get("p95_ms", 0) < TARGET_P95_MS,
        "by_kind": by_kind, "per_request": per_request, "error_list": level["errors"] + level["exceptions"],
    }


def cpu_seconds(process: psutil.Process) -> float:
    """CPU time of a process and its children (user + system), gone children included as far as psutil sees."""
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        try:
            times = each.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def run_level(host: str, users: int, duration: float, accounts: Path, folder: Path, server: psutil.Process,
              spawn_rate: float) -> dict[str, Any]:
    out = folder / f"level-{users}.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "load_users.py"), "--host", host, "--users", str(users),
               "--duration", str(duration), "--accounts", str(accounts), "--out", str(out),
               "--spawn-rate", str(spawn_rate)]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    load_before, server_before = os.getloadavg(), cpu_seconds(server)
    started = time.monotonic()
    log = folder / f"locust-{users}.log"
    with open(log, "wb") as errors:
        child = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=errors)
    locust_cpu = 0.0
    peak_load = 0.0
    while child.poll() is None:
        try:
            locust_cpu = cpu_seconds(psutil.Process(child.pid))
        except psutil.NoSuchProcess:
            break
        peak_load = max(peak_load, os.getloadavg()[0])
        time.sleep(1)
    if child.returncode != 0 or not out.exists():
        return {"users": users, "failed": log.read_text()[-3000:]}
    level = summarise(json.loads(out.read_text()))
    level["machine"] = {"load_average_before": [round(x, 2) for x in load_before],
                        "load_average_after": [round(x, 2) for x in os.getloadavg()],
                        "peak_1min_load": round(peak_load, 2),
                        "server_cpu_s": round(cpu_seconds(server) - server_before, 1),
                        "locust_cpu_s": round(locust_cpu, 1), "wall_s": round(time.monotonic() - started, 1)}
    return level


def profile_worker(server: psutil.Process, seconds: float, folder: Path) -> subprocess.Popen[bytes] | None:
    """py-spy on the busiest gunicorn worker, for ``seconds`` (collapsed stacks in ``folder/worker.txt``)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("py-spy not found: pip install -e '.[bench]'", file=sys.stderr)
        return None
    worker = server.children()[0]
    return subprocess.Popen([spy, "record", "--pid", str(worker.pid), "--duration", str(int(seconds)), "--rate",
                             "50", "--format", "raw", "--nonblocking", "--output", str(folder / "worker.txt")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def top_functions(collapsed: Path, count: int = 25) -> dict[str, Any]:
    """From py-spy's collapsed stacks: the share of samples in which each function is on the stack (cumulative)
    and on top (self), the most frequent first."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        samples = int(number)
        frames = [frame.split(" (")[0] + " (" + frame.split(" (")[-1].split(":")[0].split("/")[-1] + ")"
                  for frame in stack.split(";")]
        total += samples
        for frame in set(frames):
            inclusive[frame] += samples
        own[frames[-1]] += samples
    share = {frame: round(samples / total, 3) for frame, samples in inclusive.most_common(count)}
    return {"samples": total, "on_stack": share,
            "on_top": {frame: round(samples / total, 3) for frame, samples in own.most_common(count)}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=os.environ.get("CHAINPLAN_LOAD_DB_URL"),
                        help="PostgreSQL URL to load the demo into (default: $CHAINPLAN_LOAD_DB_URL)")
    parser.add_argument("--users", default="10,25,50")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured at each level")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--spawn-rate", type=float, default=2.0, help="users started per second")
    parser.add_argument("--profile", type=Path, default=None, help="folder for py-spy's samples of one worker")
    parser.add_argument("--label", default="", help="a note kept with the figures (what is being measured)")
    options = parser.parse_args(argv)
    if not options.db:
        parser.error("--db (or CHAINPLAN_LOAD_DB_URL) is needed: a PostgreSQL database the test may fill")
    levels = [int(n) for n in options.users.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="chainplan-load-"))
    accounts = folder / "accounts.json"
    accounts.write_text(json.dumps(prepare(options.db, max(levels))))
    os.environ.setdefault("CHAINPLAN_SCENARIOS", str(ROOT / "scenarios"))
    server = ChainplanServer(options.db, folder, workers=options.workers).start()
    results: list[dict[str, Any]] = []
    profile: dict[str, Any] | None = None
    try:
        process = psutil.Process(server.process.pid if server.process else 0)
        for users in levels:
            spy = None
            if options.profile is not None and users == max(levels):
                options.profile.mkdir(parents=True, exist_ok=True)
                ramp = users / options.spawn_rate + 10
                spy = profile_worker(process, ramp + options.duration, options.profile)
            results.append(run_level(server.base, users, options.duration, accounts, folder, process,
                                     options.spawn_rate))
            print(json.dumps({key: results[-1].get(key) for key in ("users", "users_held", "rps", "errors",
                                                                     "by_kind", "machine", "failed")}),
                  file=sys.stderr, flush=True)
            if spy is not None:
                spy.wait(120)
                if (options.profile / "worker.txt").exists():
                    profile = top_functions(options.profile / "worker.txt")
                    (options.profile / "top.json").write_text(json.dumps(profile, indent=1, ensure_ascii=False))
    finally:
        server.stop()
    print(json.dumps({
        "label": options.label, "raw": str(folder), "server": {"workers": options.workers, "threads_per_worker": 4,
                                           "database": "postgresql" if "postgres" in options.db else options.db},
        "cores": os.cpu_count(), "duration_s": options.duration, "levels": results, "profile": profile,
        "server_environment": {k: v for k, v in server_environment().items() if k.startswith("CHAINPLAN_")
                               and "SECRET" not in k},
    }, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
