"""The web app reaches storage through :class:`chainplan.ports.Storage`, wired in once by ``create_app``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chainplan import services
from chainplan.demo import build_demo_dataset
from dash_app import state
from dash_app.app import create_app
from models.uow import engine_for
from tests.conftest import FakeUnitOfWork


class FakeStorage:
    """A storage in memory: every unit of work shares one repository, as one database would."""

    errors: tuple[type[Exception], ...] = ()

    def __init__(self, folder: Path) -> None:
        self.shared = FakeUnitOfWork()
        self.asked: list[str | None] = []
        self.folder = folder

    def unit_of_work(self, url: str | None) -> FakeUnitOfWork:
        self.asked.append(url)
        return self.shared

    def upgrade(self, url: str | None) -> str:
        return self.url(url)

    def url(self, explicit: str | None) -> str:
        return explicit or f"sqlite:///{self.folder / 'fake.db'}"


def test_pages_use_the_storage_the_entry_point_wires_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHAINPLAN_SECRET_KEY", raising=False)
    storage = FakeStorage(tmp_path)
    services.load_demo(storage.shared)
    app = create_app(storage=storage)
    with app.server.test_request_context("/"):
        summary = services.dataset_summary(state.unit_of_work())
    assert state.storage() is storage
    # No URL given anywhere: the storage's own default names the database, and the files beside it follow it.
    assert storage.asked == [f"sqlite:///{tmp_path / 'fake.db'}"]
    assert (tmp_path / "fake.db.secret").exists()
    assert summary == services.dataset_summary(storage.shared)


def test_a_forked_background_job_drops_the_connections_it_inherits(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fork.db'}"
    create_app(url)  # the default storage: SQLAlchemy
    services.load_demo(state.unit_of_work(url))
    assert services.load_dataset(state.unit_of_work(url)).fingerprint() == build_demo_dataset().fingerprint()
    pool = engine_for(url).pool
    assert pool.checkedin() >= 1  # the parent keeps a pooled connection
    pid = os.fork()
    if pid == 0:  # the child: what a background solve sees
        os._exit(0 if engine_for(url).pool.checkedin() == 0 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert pool.checkedin() >= 1  # the parent's own connections are untouched
    engine_for(url).dispose()
    engine_for.cache_clear()
