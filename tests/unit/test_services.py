"""Services on the in-memory unit of work."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainplan import services
from chainplan.dataset import DatasetError
from chainplan.scenario import ScenarioError
from tests.conftest import FakeUnitOfWork

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_demo_then_allocation_is_stored_with_the_data_fingerprint(fake_uow: FakeUnitOfWork) -> None:
    report = services.load_demo(fake_uow)
    run = services.run_allocation(fake_uow, SCENARIOS / "baseline-2020.yaml")
    assert run.run_id == 1 and run.dataset_fingerprint == report.fingerprint
    [stored] = services.stored_runs(fake_uow)
    assert stored.scenario_name == "baseline-2020" and stored.status == run.result.status
    assert stored.result["funded_plans"] == run.result.as_dict()["funded_plans"]


def test_a_bad_scenario_stores_nothing(fake_uow: FakeUnitOfWork, tmp_path: Path) -> None:
    services.load_demo(fake_uow)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nbudget_lines: {NOPE: 1}\n", encoding="utf-8")
    with pytest.raises(ScenarioError):
        services.run_allocation(fake_uow, bad)
    assert services.stored_runs(fake_uow) == []


def test_a_failed_import_commits_nothing(fake_uow: FakeUnitOfWork, tmp_path: Path) -> None:
    with pytest.raises(DatasetError):
        services.import_dataset(tmp_path / "missing.xlsx", fake_uow)
    assert fake_uow.commits == 0


def test_gap_services_reject_unknown_products(fake_uow: FakeUnitOfWork) -> None:
    from chainplan.chains import UnknownProduct

    services.load_demo(fake_uow)
    with pytest.raises(UnknownProduct):
        services.chain_gaps(fake_uow, product="NOPE")
    assert services.chain_gaps(fake_uow, tier="national")
