"""One year's slice is shared by every scenario of that year, and what is derived from a dataset alone (names,
products reaching a supermarket, fingerprint) is computed once per dataset and equals the same thing computed
afresh; ``read_ahead`` (what ``chainplan standby`` does before its first command) leaves it all computed."""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import pytest

from chainplan import services
from chainplan.chains.graph import _products_reaching_supermarket, products_reaching_supermarket
from chainplan.dataset import Dataset
from chainplan.demo import build_demo_dataset
from chainplan.names import _name_book, name_book
from chainplan.ports import UnitOfWork
from chainplan.scenario import Scenario
from chainplan.services._cache import MEMO
from chainplan.services.data import stored_dataset
from chainplan.years import data_fingerprint
from models.storage import SqlAlchemyStorage


@pytest.fixture
def uow(database_url: str) -> Iterator[UnitOfWork]:
    MEMO.clear()
    services.load_demo(SqlAlchemyStorage().unit_of_work(database_url))
    yield SqlAlchemyStorage().unit_of_work(database_url)
    MEMO.clear()


def test_what_is_derived_equals_what_is_computed_afresh() -> None:
    demo = build_demo_dataset()
    assert name_book(demo) == _name_book(build_demo_dataset())
    assert products_reaching_supermarket(demo).equals(_products_reaching_supermarket(build_demo_dataset()))
    assert demo.fingerprint() == build_demo_dataset()._fingerprint()
    assert name_book(demo) is name_book(demo)  # computed once


def test_a_changed_sheet_is_derived_again() -> None:
    demo = build_demo_dataset()
    before = products_reaching_supermarket(demo)
    cut = demo.with_records("links", [])  # a new dataset: nothing reaches a supermarket without links
    assert not products_reaching_supermarket(cut).any() and before.any()
    demo.products = demo.products.assign(name="renamed")  # a sheet given another frame on the same dataset
    assert set(name_book(demo)["product"].values()) == {"renamed"}
    assert demo.fingerprint() == demo._fingerprint() != build_demo_dataset().fingerprint()


def test_a_dataset_travels_to_a_worker_without_what_was_derived() -> None:
    demo = build_demo_dataset()
    demo.fingerprint()
    travelled = pickle.loads(pickle.dumps(demo))
    assert travelled._derived == {} and travelled.fingerprint() == demo.fingerprint()


def test_scenarios_of_one_year_share_its_slice_and_their_fingerprints_are_the_stored_ones(uow: UnitOfWork) -> None:
    first = services.prepare_scenario(uow, Scenario(name="a", budget_scale=0.8))
    second = services.prepare_scenario(uow, Scenario(name="b", budget_scale=1.2))
    assert first.dataset is second.dataset
    with uow:
        stored = stored_dataset(uow, [first.scenario.year])  # type: ignore[list-item]
    for prepared in (first, second):
        assert prepared.fingerprint == data_fingerprint(stored, prepared.scenario.model_dump())
    calibrated = services.prepare_scenario(uow, Scenario(name="c", success_probability="calibrated"))
    with uow:
        everything = stored_dataset(uow)
    assert calibrated.dataset is not first.dataset
    assert calibrated.fingerprint == data_fingerprint(everything, calibrated.scenario.model_dump())


def test_read_ahead_leaves_the_latest_years_slice_derived(uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    services.read_ahead(uow)
    computed: list[str] = []
    for name, real in (("_fingerprint", Dataset._fingerprint),):
        monkeypatch.setattr(Dataset, name, lambda self, real=real, name=name: computed.append(name) or real(self))
    prepared = services.prepare_scenario(uow, Scenario(name="after reading ahead"))
    assert prepared.fingerprint and computed == []
    assert {"fingerprint", "name book", "products reaching a supermarket"} <= set(prepared.dataset._derived)
