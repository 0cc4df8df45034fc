"""Benchmark: how long a sign-in takes by the kind of name, on Flask's test client over SQLite. Prints JSON.

A sign-in for an unknown or a disabled name must take as long as one for a known name with a wrong password (one
scrypt each), so that the time does not tell which names exist; a refused sign-in while locked (429) costs no
scrypt. Each kind is timed ``ROUNDS`` times from distinct addresses (so the address lock never starts), the name's
failures are forgotten between rounds (so the name lock never starts), and medians are reported in milliseconds.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chainplan import services  # noqa: E402
from dash_app.app import create_app  # noqa: E402
from models.uow import SqlAlchemyUnitOfWork  # noqa: E402

PASSWORD = "benchmark password"
ROUNDS = 15


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="chainplan-signin-"))
    os.environ["CHAINPLAN_SECRET_KEY"] = "benchmark"
    db = f"sqlite:///{folder / 'bench.db'}"
    services.add_user(SqlAlchemyUnitOfWork(db), "known", role="viewer", password=PASSWORD)
    services.add_user(SqlAlchemyUnitOfWork(db), "disabled", role="viewer", password=PASSWORD)
    services.add_user(SqlAlchemyUnitOfWork(db), "admin", role="admin", password=PASSWORD)
    services.change_user(SqlAlchemyUnitOfWork(db), "disabled", active=False)
    app = create_app(db)
    kinds = {"known name, wrong password": ("known", "wrong password"),
             "unknown name": ("nobody-here", "wrong password"),
             "disabled name, right password": ("disabled", PASSWORD),
             "known name, right password": ("known", PASSWORD)}
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    statuses: dict[str, set[int]] = {kind: set() for kind in kinds}
    address = 0
    for round_ in range(ROUNDS):
        for kind, (name, password) in kinds.items():
            name = f"{name}-{round_}" if name == "nobody-here" else name  # a new unknown name each round
            client = app.server.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            address += 1
            started = time.perf_counter()
            answer = client.post("/login", data={"username": name, "password": password, "next": "/",
                                                 "csrf_token": token},
                                 environ_base={"REMOTE_ADDR": f"10.{address // 250}.{address % 250}.1"})
            timings[kind].append(1000 * (time.perf_counter() - started))
            statuses[kind].add(answer.status_code)
            if not name.startswith("nobody-here"):
                services.unlock_user(SqlAlchemyUnitOfWork(db), name)
    # Locked: five failures, then the time of a refusal (no scrypt).
    client = app.server.test_client()
    locked: list[float] = []
    for attempt in range(5 + ROUNDS):
        token = re.search(r'name="csrf_token" value="([^"]+)"',  # type: ignore[union-attr]
                          client.get("/login").get_data(as_text=True)).group(1)
        started = time.perf_counter()
        answer = client.post("/login", data={"username": "admin", "password": "wrong", "next": "/",
                                             "csrf_token": token}, environ_base={"REMOTE_ADDR": f"10.200.0.{attempt}"})
        if attempt >= 5:
            assert answer.status_code == 429
            locked.append(1000 * (time.perf_counter() - started))
    report = {kind: {"median_ms": round(statistics.median(values), 1), "min_ms": round(min(values), 1),
                     "max_ms": round(max(values), 1), "status": sorted(statuses[kind])}
              for kind, values in timings.items()}
    report["locked (429)"] = {"median_ms": round(statistics.median(locked), 1), "min_ms": round(min(locked), 1),
                              "max_ms": round(max(locked), 1), "status": [429]}
    known = statistics.median(timings["known name, wrong password"])
    unknown = statistics.median(timings["unknown name"])
    print(json.dumps({"benchmark": "sign_in", "rounds": ROUNDS, "kinds": report,
                      "unknown_over_known": round(unknown / known, 3)}, indent=2))


if __name__ == "__main__":
    main()
