"""Several processes and threads writing at once: every unit of work sees one consistent database and every
write lands whole, on SQLite (WAL, busy timeout, real transactions) and PostgreSQL (REPEATABLE READ)."""

from __future__ import annotations

import threading

from chainplan import services
from chainplan.dataset import Dataset
from chainplan.ports import StoredRun
from models.storage import SqlAlchemyStorage


def test_readers_never_see_a_half_replaced_dataset(database_url: str, demo: Dataset) -> None:
    storage = SqlAlchemyStorage()
    empty = Dataset.empty()
    services.load_demo(storage.unit_of_work(database_url))
    whole = {demo.fingerprint(), empty.fingerprint()}
    seen: list[str] = []
    problems: list[BaseException] = []
    importing = threading.Event()

    def read() -> None:
        try:
            while importing.is_set():
                seen.append(services.load_dataset(storage.unit_of_work(database_url)).fingerprint())
        except BaseException as exc:  # reported below, with the thread's own traceback
            problems.append(exc)

    importing.set()
    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        # Each import deletes every table and writes them again: a reader between two of its statements would
        # see regions without plans, or plans without appraisals.
        for dataset in (empty, demo, empty, demo):
            with storage.unit_of_work(database_url) as uow:
                uow.repository.replace(dataset)
                uow.commit()
    finally:
        importing.clear()
        for reader in readers:
            reader.join(60)
    assert not problems, problems
    assert seen and set(seen) <= whole, set(seen) - whole


def test_runs_stored_at_once_get_distinct_ids_and_are_stored_whole(database_url: str) -> None:
    storage = SqlAlchemyStorage()
    storage.upgrade(database_url)
    document = {"plans": [{"plan_code": f"KH{i:04d}", "amount_vnd": 10**9 + i} for i in range(2_000)]}
    ids: list[int] = []
    problems: list[BaseException] = []
    start = threading.Barrier(6)

    def store(writer: int) -> None:
        try:
            start.wait(30)
            with storage.unit_of_work(database_url) as uow:
                ids.append(uow.repository.add_run(StoredRun(
                    scenario_name=f"writer-{writer}", scenario={}, dataset_fingerprint="f", method="milp",
                    status="optimal", objective=float(writer), result={**document, "writer": writer})))
                uow.commit()
        except BaseException as exc:
            problems.append(exc)

    writers = [threading.Thread(target=store, args=(n,)) for n in range(6)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(120)
    assert not problems, problems
    assert len(set(ids)) == 6
    with storage.unit_of_work(database_url) as uow:
        stored = {run.id: run for run in uow.repository.list_runs()}
    assert set(stored) == set(ids)
    for run in stored.values():
        assert run.result == {**document, "writer": int(run.scenario_name.split("-")[1])}
