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
    services.load_demo(fake_uow)
    stored = services.load_dataset(fake_uow).fingerprint()
    commits = fake_uow.commits
    folder = services.write_demo_workbook(tmp_path / "demo")  # a real file that reads, with one bad cell
    lines = (folder / "plans.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("success_probability")] = "1.5"
    (folder / "plans.csv").write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        services.import_dataset(folder, fake_uow)
    assert [(p.sheet, p.row, p.column) for p in caught.value.problems] == [("plans", 2, "success_probability")]
    assert fake_uow.commits == commits
    assert services.load_dataset(fake_uow).fingerprint() == stored


def test_an_upload_that_is_not_a_workbook_is_refused_by_its_name_and_nothing_is_read(
        fake_uow: FakeUnitOfWork, tmp_path: Path) -> None:
    import io
    import zipfile

    services.load_demo(fake_uow)
    stored = services.load_dataset(fake_uow).fingerprint()
    commits = fake_uow.commits
    document = io.BytesIO()  # a zip, but a Word document's: not a workbook either
    with zipfile.ZipFile(document, "w") as archive:
        archive.writestr("[Content_Types].xml", '<Types><Override PartName="/word/document.xml" ContentType='
                         '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    cases = [("ghi-chu.txt", b"KH001;KH002", "error.import.not_xlsx"),
             ("ghi-chu.xlsx", b"KH001;KH002", "error.import.not_workbook"),
             ("bien-ban.xlsx", document.getvalue(), "error.import.not_workbook"),
             ("", b"", "error.import.not_workbook"),
             ("lon.xlsx", b"0" * (services.MAX_UPLOAD_BYTES + 1), "error.import.too_large")]
    for name, payload, code in cases:
        with pytest.raises(services.ImportRefused) as refused:
            services.import_upload(fake_uow, name, payload)
        assert refused.value.code == code
        assert (name or "upload.xlsx") in refused.value.message("vi")
    assert fake_uow.commits == commits and services.load_dataset(fake_uow).fingerprint() == stored
    # A workbook goes through: the same checks as an import from a file (here: the same data, unchanged).
    workbook = services.write_demo_workbook(tmp_path / "demo.xlsx")
    report = services.import_upload(fake_uow, "../../demo.xlsx", workbook.read_bytes())
    assert report.unchanged and report.source.endswith("demo.xlsx") and ".." not in report.source


def test_gap_services_reject_unknown_products(fake_uow: FakeUnitOfWork) -> None:
    from chainplan.chains import UnknownProduct

    services.load_demo(fake_uow)
    with pytest.raises(UnknownProduct):
        services.chain_gaps(fake_uow, product="NOPE")
    national = services.chain_gaps(fake_uow, tier="national")
    tiers = services.load_dataset(fake_uow).products.set_index("code")["chain_tier"]
    assert national and {tiers[g.product_code] for g in national} == {"national"}
    everything = services.chain_gaps(fake_uow)
    assert [g for g in everything if tiers[g.product_code] == "national"] == national
