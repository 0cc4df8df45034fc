"""Services on the in-memory unit of work."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainplan import services
from chainplan.dataset import DatasetError
from chainplan.scenario import Scenario, ScenarioError
from chainplan.wording import term
from chainplan.years import data_fingerprint, dataset_for_year, latest_year
from tests.conftest import FakeUnitOfWork

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_demo_then_allocation_is_stored_with_the_data_fingerprint(fake_uow: FakeUnitOfWork) -> None:
    services.load_demo(fake_uow)
    history = services.stored_runs(fake_uow)  # the demo's adopted past years
    run = services.run_allocation(fake_uow, SCENARIOS / "baseline-2020.yaml")
    [stored, *earlier] = services.stored_runs(fake_uow)
    assert earlier == history and run.run_id == len(history) + 1 and stored.id == run.run_id
    # The run reads the latest year's data, and its fingerprint is of what it read.
    data = services.load_dataset(fake_uow)
    assert stored.scenario["year"] == latest_year(data) == 2020
    assert run.dataset_fingerprint == data_fingerprint(data, stored.scenario) == dataset_for_year(
        data, 2020).fingerprint() != data.fingerprint()
    assert stored.scenario_name == "baseline-2020" and stored.status == run.result.status
    assert stored.result["funded_plans"] == run.result.as_dict()["funded_plans"]


def test_a_bad_scenario_stores_nothing(fake_uow: FakeUnitOfWork, tmp_path: Path) -> None:
    services.load_demo(fake_uow)
    history = services.stored_runs(fake_uow)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nbudget_lines: {NOPE: 1}\n", encoding="utf-8")
    with pytest.raises(ScenarioError):
        services.run_allocation(fake_uow, bad)
    assert services.stored_runs(fake_uow) == history


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


def test_the_pages_views_come_from_the_services(fake_uow: FakeUnitOfWork) -> None:
    """What the plans, chains and compare pages computed in their callbacks, now in services: checked against the
    data by another road."""
    from chainplan.dataset import region_at_level

    services.load_demo(fake_uow)
    data = services.load_dataset(fake_uow)
    view = services.register_view(fake_uow, "file:baseline-2020.yaml", SCENARIOS, lang="vi")
    year = dataset_for_year(data, 2020)  # the scenario's year (the latest with plans)
    assert view.eligible == 139 and len(view.register) == len(year.plans)  # the README's figures for the demo
    assert set(view.line_names) == set(year.budget_lines["code"])
    default = services.plans_register(fake_uow, Scenario(name="default"))  # no scenario chosen: the default rules
    assert services.register_view(fake_uow, None, SCENARIOS).eligible == int(default["eligible"].sum())
    choices = services.plan_choices(fake_uow)
    assert [code for code, _ in choices] == list(data.plans["code"])
    assert all(name and not name.startswith("SP") for _, name in choices)

    catalogue = services.chain_catalogue(fake_uow)
    district = region_at_level(data.regions, "district")
    assert len(catalogue.products) == len(data.products)
    assert [d["label"] for d in catalogue.districts] == sorted(d["label"] for d in catalogue.districts)
    for region in ("HL", "DT"):
        inside = {code for code, own in zip(data.products["code"], data.products["region_code"], strict=True)
                  if (district.get(own) or own) == region}
        every = services.chain_gaps(fake_uow)
        assert services.chain_gaps(fake_uow, region=region) == [g for g in every if g.product_code in inside]
        assert {p["code"] for p in catalogue.products if p["region"] == region} == inside

    first = services.run_allocation(fake_uow, SCENARIOS / "baseline-2020.yaml").run_id
    second = services.run_allocation(fake_uow, SCENARIOS / "concentrate.yaml").run_id
    assert first is not None and second is not None
    compared = services.comparison_view(fake_uow, [first, second])
    funded = [{p["plan_code"] for p in services.stored_run(fake_uow, i).result["funded_plans"]}
              for i in (first, second)]
    assert {row["plan_code"] for row in compared.differing} == funded[0] ^ funded[1]
    assert all(row["product"] != data.plans.set_index("code").loc[row["plan_code"], "product_code"]
               for row in compared.differing)  # names, not codes
    assert {row["target"] for row in compared.targets} and all(
        set(row["achieved"]) == {first, second} for row in compared.targets)


def test_scenarios_are_offered_by_their_name_in_the_readers_language(fake_uow: FakeUnitOfWork) -> None:
    from chainplan.scenario import load_scenario

    services.load_demo(fake_uow)
    files = {path.name: load_scenario(path) for path in SCENARIOS.glob("*.yaml")}
    run = services.run_allocation(fake_uow, SCENARIOS / "concentrate.yaml").run_id
    choices = {choice.key: choice for choice in services.scenario_choices(fake_uow, SCENARIOS)}
    for name, scenario in files.items():
        choice = choices[f"file:{name}"]
        assert (choice.title("vi"), choice.title("en")) == (scenario.title("vi"), name.removesuffix(".yaml"))
    assert choices[f"run:{run}"].title("vi") == files["concentrate.yaml"].name_vi != "concentrate"
    assert choices[f"run:{run}"].title("en") == "concentrate"
    [row] = [r for r in services.runs_overview(fake_uow) if r["run_id"] == run]
    assert row["scenario_vi"] == files["concentrate.yaml"].name_vi
    targets = services.year_targets(fake_uow, SCENARIOS, 2040)  # no decision: the seed document's targets
    assert targets.scenario_title("vi") == files["baseline-2020.yaml"].name_vi
    assert targets.scenario_title("en") == "baseline-2020"
    # Without the scenario folder there is no seed document: the page says so in its language.
    without = services.year_targets(fake_uow, None, 2040)
    assert without.scenario_title("vi") == term("scenario", "none", "vi") != without.scenario_title("en")
    other = services.run_allocation(fake_uow, SCENARIOS / "equity.yaml").run_id
    assert run is not None and other is not None
    view = services.comparison_view(fake_uow, [run, other])
    assert view.scenario_title(other, "equity", "vi") == files["equity.yaml"].name_vi
    assert view.scenario_title(other, "equity", "en") == "equity"
    # Renamed on the form, a scenario keeps none of the base's titles: its English description would otherwise be
    # what a Vietnamese page shows for it.
    from chainplan.scenario import scenario_with_changes

    base = files["baseline-2020.yaml"]
    assert base.description and base.description_vi
    renamed = scenario_with_changes(base, {"name": "Phương án thử của tổ"})
    assert (renamed.title("vi"), renamed.summary("vi"), renamed.summary("en")) == ("Phương án thử của tổ", "", "")
    assert scenario_with_changes(base, {"budget_scale": 0.9}).summary("vi") == base.description_vi


def test_a_scenario_for_a_year_without_plans_is_refused_and_nothing_is_stored(fake_uow: FakeUnitOfWork) -> None:
    services.load_demo(fake_uow)
    before = len(services.runs_overview(fake_uow))
    with pytest.raises(ScenarioError) as refused:
        services.run_allocation(fake_uow, Scenario(name="thu-2015", year=2015))
    [problem] = refused.value.problems
    assert problem.key == "year" and problem.value == 2015
    assert "2015" in problem.message("vi") and "2020" in problem.message("vi")  # the years that have plans
    assert len(services.runs_overview(fake_uow)) == before
