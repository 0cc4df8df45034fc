"""The command line as a user runs it: exit codes, JSON on stdout only, clear errors, nothing half-written."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from chainplan.dataset import Dataset
from chainplan.demo import build_demo_dataset
from chainplan.io import write_dataset
from models.cli import main
from tests.unit.test_dataset_checks import BASE
from tests.unit.test_workbook import TEN_ERRORS, _break_xlsx, fill_template


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_demo_load_and_summary_json(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "--db", database_url, "demo", "load")[0] == 0
    code, out, _ = cli(capsys, "--db", database_url, "summary", "--format", "json")
    assert code == 0
    summary = json.loads(out)
    assert summary["districts"] == 13
    assert [summary["products_by_tier"][k] for k in ("district", "provincial", "national")] == [31, 12, 6]
    states = {state.split(":")[1] for state in summary["plans_by_appraisal_state"] if ":" in state}
    assert states == {"pending", "passed", "failed"}


def test_template_fill_import_export_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    template = tmp_path / "template.xlsx"
    assert cli(capsys, "template", str(template))[0] == 0
    fill_template(template, BASE)
    assert cli(capsys, "--db", db, "import", str(template))[0] == 0
    assert cli(capsys, "--db", db, "export", str(tmp_path / "out.xlsx"))[0] == 0
    code, out, _ = cli(capsys, "--db", db, "import", str(tmp_path / "out.xlsx"), "--format", "json")
    assert code == 0 and json.loads(out)["unchanged"] is True
    exported = load_workbook(tmp_path / "out.xlsx")
    assert exported["plans"].max_row == 3


BASE_CODES = [r["code"] for sheet in ("regions", "organizations", "products") for r in BASE[sheet]]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_ten_errors_exit_2_and_leave_the_database_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    from tests.unit.test_workbook import _break_csv

    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert cli(capsys, "--db", db, "demo", "load")[0] == 0
    before = json.loads(cli(capsys, "--db", db, "summary", "--format", "json")[1])["counts"]
    target = tmp_path / ("bad.xlsx" if kind == "xlsx" else "bad")
    write_dataset(Dataset.from_records(BASE), target)
    for sheet, row, column, value, _ in TEN_ERRORS:
        (_break_xlsx if kind == "xlsx" else _break_csv)(target, sheet, row, column, value)
    code, out, err = cli(capsys, "--db", db, "import", str(target), "--format", "json")
    assert code == 2
    document = json.loads(out)
    # Besides the file's own ten, every product, organization or region the demo's kept years (2017-2020: the file
    # is of this year) name and the file lacks, once each.
    # And NS-BC, a budget line of the demo's 2020, which BASE uses for this year: codes are unique across years.
    across = {"error.dataset.kept_year_needs", "error.dataset.code_in_other_year"}
    own = [p for p in document["problems"] if p["code"] not in across]
    kept = [p for p in document["problems"] if p["code"] == "error.dataset.kept_year_needs"]
    assert [(p["sheet"], p["value"]) for p in document["problems"]
            if p["code"] == "error.dataset.code_in_other_year"] == [("budget_lines", "NS-BC")]
    demo = build_demo_dataset()
    needed = {*demo.plans["product_code"], *demo.plans["organization_code"],
              *demo.budget_lines["region_code"].dropna()} - {*BASE_CODES}
    assert len(own) == 10 and sorted(p["value"] for p in kept) == sorted(needed)
    assert {(p["sheet"], p["row"], p["column"]) for p in own} == {(s, r, c) for s, r, c, _, _ in TEN_ERRORS}
    assert f"{11 + len(kept)} problem(s)" in err and "Traceback" not in err
    after = json.loads(cli(capsys, "--db", db, "summary", "--format", "json")[1])["counts"]
    assert after == before


def test_bad_database_url_and_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "--db", "nosuchdriver://x", "summary")
    assert code == 2 and "cannot use the database" in err
    code, _, err = cli(capsys, "--db", f"sqlite:///{tmp_path / 'd.db'}", "import", str(tmp_path / "none.xlsx"))
    assert code == 2 and "no such file" in err
    code, out, err = cli(capsys, "summary", "--format", "yaml")
    assert code == 2 and "yaml" in err and out == ""


def test_db_upgrade_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'u.db'}"
    assert cli(capsys, "--db", db, "db", "upgrade")[0] == 0
    assert cli(capsys, "--db", db, "db", "upgrade")[0] == 0


def test_installed_script_prints_only_json_on_stdout(tmp_path: Path) -> None:
    env_db = f"sqlite:///{tmp_path / 's.db'}"
    script = Path(sys.executable).with_name("chainplan")
    subprocess.run([str(script), "--db", env_db, "demo", "load"], check=True, capture_output=True)
    result = subprocess.run([str(script), "--db", env_db, "summary", "--format", "json"],
                            check=True, capture_output=True, text=True)
    assert json.loads(result.stdout)["counts"]["plans"] > 0


@pytest.fixture
def demo_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    assert cli(capsys, "--db", db, "demo", "load")[0] == 0
    return db


def test_gaps_json_follows_the_contract(demo_db: str, demo: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    from chainplan.chains import GAP_TYPES

    code, out, _ = cli(capsys, "--db", demo_db, "gaps", "--format", "json")
    assert code == 0
    gaps = json.loads(out)
    assert isinstance(gaps, list) and gaps
    # An unresolved violation needs inspections: a demo without them cannot show one (the years work adds them).
    assert {g["type"] for g in gaps} == set(GAP_TYPES) - ({"unresolved_violation"} if demo.inspections.empty
                                                          else set())
    for gap in gaps:
        assert set(gap) == {"product_code", "type", "severity", "detail", "nodes", "edges"}
        assert gap["severity"] in ("high", "medium", "low")
    code, out, _ = cli(capsys, "--db", demo_db, "gaps", "--tier", "national", "--format", "json")
    national = json.loads(out)
    assert national and len(national) < len(gaps)
    product = gaps[0]["product_code"]
    code, out, _ = cli(capsys, "--db", demo_db, "gaps", "--product", product, "--format", "csv")
    lines = out.strip().splitlines()
    assert lines[0] == "product_code,type,severity,detail,nodes,edges"
    assert len(lines) - 1 == sum(g["product_code"] == product for g in gaps)


def test_trace_and_indicators(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "--db", demo_db, "trace", "SP002", "--format", "json")
    assert code == 0
    trace = json.loads(out)
    assert trace["paths"] and all(p["nodes"][0] == trace["producer"] for p in trace["paths"])
    assert trace["flow_to_demand"] <= trace["demand"]
    code, out, _ = cli(capsys, "--db", demo_db, "indicators", "--format", "json")
    assert code == 0 and json.loads(out)["by_tier"]["key_chains"]["products"] == 49
    code, out, _ = cli(capsys, "--db", demo_db, "candidates", "--product", "SP002", "--format", "json")
    candidates = json.loads(out)
    assert code == 0 and candidates
    assert {c["product_code"] for c in candidates} == {"SP002"}
    assert all(c["from_code"] != c["to_code"] for c in candidates)


def test_unknown_product_exits_2(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["trace", "NOPE"], ["gaps", "--product", "NOPE"], ["candidates", "--product", "NOPE"]):
        code, _, err = cli(capsys, "--db", demo_db, *args)
        assert code == 2 and "unknown product code 'NOPE'" in err


def test_empty_database_gives_an_empty_gap_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "--db", f"sqlite:///{tmp_path / 'e.db'}", "gaps", "--format", "json")
    assert code == 0 and json.loads(out) == []


SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
CONTRACT_KEYS = {"status", "objective", "funded_plans", "budget", "targets", "explanations"}


def test_allocate_baseline_2020_on_the_demo(demo_db: str, capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    out = tmp_path / "result.xlsx"
    code, stdout, _ = cli(capsys, "--db", demo_db, "allocate", str(SCENARIOS / "baseline-2020.yaml"),
                          "--format", "json", "--out", str(out))
    assert code == 0
    document = json.loads(stdout)
    assert set(document) >= CONTRACT_KEYS
    assert document["status"] == "optimal"
    for plan in document["funded_plans"]:
        assert set(plan) >= {"plan_code", "amounts", "benefit"}
    for line in document["budget"].values():
        assert {"available", "used"} <= set(line) and line["used"] <= line["available"]
    for target in document["targets"].values():
        assert {"target", "achieved", "met"} <= set(target)
    funded = {p["plan_code"] for p in document["funded_plans"]}
    assert funded.isdisjoint(document["explanations"])
    assert len(funded) + len(document["explanations"]) == 210
    assert document["run_id"] is not None
    assert load_workbook(out).sheetnames[:3] == ["summary", "funded_plans", "budget"]


def test_allocate_every_shipped_scenario_and_a_baseline(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for path in sorted(SCENARIOS.glob("*.yaml")):
        code, stdout, _ = cli(capsys, "--db", demo_db, "allocate", str(path), "--format", "json", "--no-store")
        assert code == 0 and json.loads(stdout)["status"] == "optimal", path.name
    code, stdout, _ = cli(capsys, "--db", demo_db, "allocate", str(SCENARIOS / "baseline-2020.yaml"),
                          "--baseline", "rank_by_appraisal_score", "--format", "json")
    assert code == 0 and json.loads(stdout)["method"] == "rank_by_appraisal_score"
    code, stdout, _ = cli(capsys, "--db", demo_db, "allocate", str(SCENARIOS / "concentrate.yaml"))
    assert code == 0 and "Budget lines:" in stdout
    # The table writes money as the rest of the command line does, in English: 1,500,000,000, never 1.500.000.000.
    _, as_json, _ = cli(capsys, "--db", demo_db, "allocate", str(SCENARIOS / "concentrate.yaml"), "--format",
                        "json", "--no-store")
    first = json.loads(as_json)["funded_plans"][0]
    assert f"{first['total_vnd']:,}" in stdout and f"{first['total_vnd']:,}".replace(",", ".") not in stdout


def test_allocate_infeasible_exits_1_with_a_diagnosis(demo_db: str, capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    scenario = tmp_path / "hard.yaml"
    scenario.write_text("name: hard\ntarget_mode: hard\ntargets: {new_products: {min: 500}}\n", encoding="utf-8")
    code, stdout, _ = cli(capsys, "--db", demo_db, "allocate", str(scenario), "--format", "json")
    assert code == 1
    document = json.loads(stdout)
    assert document["status"] == "infeasible"
    assert [d["subject"] for d in document["diagnosis"]] == ["new_products"]


def test_allocate_bad_scenario_exits_2_naming_the_key(demo_db: str, capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("name: bad\nbudget_lines: {NOPE: 5}\ntargets: {e_stamp_share: {min: 2}}\n", encoding="utf-8")
    code, _, err = cli(capsys, "--db", demo_db, "allocate", str(scenario))
    assert code == 2 and "targets.e_stamp_share.min" in err and "Traceback" not in err
    scenario.write_text("name: bad\nbudget_lines: {NOPE: 5}\n", encoding="utf-8")
    code, _, err = cli(capsys, "--db", demo_db, "allocate", str(scenario))
    assert code == 2 and "budget_lines.NOPE" in err and "unknown budget line" in err
    code, _, err = cli(capsys, "--db", demo_db, "allocate", str(tmp_path / "none.yaml"))
    assert code == 2 and "no such scenario file" in err


def test_allocate_json_stdout_is_clean_with_highs(demo_db: str, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("chainplan")
    result = subprocess.run([str(script), "--db", demo_db, "allocate", str(SCENARIOS / "baseline-2020.yaml"),
                             "--format", "json", "--solver", "highs", "--no-store"],
                            check=True, capture_output=True, text=True)
    assert json.loads(result.stdout)["solver"] == "highs"
    assert "HiGHS" not in result.stdout


def test_runs_lists_stored_allocations(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = str(SCENARIOS / "concentrate.yaml")
    assert cli(capsys, "--db", demo_db, "allocate", scenario, "--format", "json")[0] == 0
    assert cli(capsys, "--db", demo_db, "allocate", scenario, "--baseline", "greedy_benefit_per_vnd")[0] == 0
    code, out, _ = cli(capsys, "--db", demo_db, "runs", "--format", "json")
    listed = json.loads(out)
    history = [r for r in listed if r["decision"] == "adopted"]  # the demo's adopted past years, oldest last
    listed = listed[:2]
    assert code == 0 and [r["method"] for r in listed] == ["greedy_benefit_per_vnd", "milp"]
    assert [r["year"] for r in history] == [2019, 2018, 2017] and [r["year"] for r in listed] == [2020, 2020]
    assert listed[0]["scenario"] == "concentrate" and listed[0]["decision"] is None
    assert {"run_id", "scenario", "year", "created_at", "status", "objective", "dataset_fingerprint", "decision",
            "decisions"} <= set(listed[0])
    assert listed[0]["decisions"] == []
    from chainplan import services
    from chainplan.years import dataset_for_year
    from models.uow import SqlAlchemyUnitOfWork

    stored = dataset_for_year(services.load_dataset(SqlAlchemyUnitOfWork(demo_db)), 2020).fingerprint()
    assert [r["dataset_fingerprint"] for r in listed] == [stored, stored]  # what a 2020 run reads


@pytest.mark.parametrize("args", [
    ["risk", "1", "--draws", "100", "--seed", "-1"],
    ["risk", "1", "--draws", "100", "--seed", str(2**32)],
    ["risk", "1", "--draws", "0"],
    ["risk", "1", "--draws", "1000001"],
    ["sensitivity", str(SCENARIOS / "concentrate.yaml"), "--seed", "-1"],
    ["sensitivity", str(SCENARIOS / "concentrate.yaml"), "--samples", "0"],
    ["frontier", str(SCENARIOS / "concentrate.yaml"), "--steps", "0"],
])
def test_a_seed_or_count_out_of_range_is_bad_input(demo_db: str, capsys: pytest.CaptureFixture[str],
                                                    args: list[str]) -> None:
    assert cli(capsys, "--db", demo_db, "allocate", str(SCENARIOS / "concentrate.yaml"))[0] == 0
    code, out, err = cli(capsys, "--db", demo_db, *args, "--format", "json")
    assert code == 2, (args, out, err)
    document = json.loads(out)  # one JSON document on standard output, nothing else
    assert document["error"].startswith("--") and "Traceback" not in err


@pytest.mark.parametrize("args", [
    ["risk", "abc"],
    ["frontier", str(SCENARIOS / "concentrate.yaml"), "--from", "abc"],
    ["allocate", str(SCENARIOS / "concentrate.yaml"), "--solver", "gurobi"],
    ["gaps", "--tier", "foo"],
    ["results", "--year", "1999"],
])
def test_an_option_the_parser_refuses_is_still_one_json_document(demo_db: str, capsys: pytest.CaptureFixture[str],
                                                                 args: list[str]) -> None:
    code, out, err = cli(capsys, "--db", demo_db, *args, "--format", "json")
    assert code == 2, (args, out, err)
    document = json.loads(out)
    [problem] = document["problems"]
    assert problem["code"] == "error.cli.usage" and problem["reason"] == document["error"]
    assert "Invalid value" in document["error"] and "Traceback" not in err
    code, out, _ = cli(capsys, "--db", demo_db, *args)  # a table asked for: the parser's words, nothing on stdout
    assert code == 2 and out == ""


def test_the_objective_is_said_in_words_with_its_two_parts(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "--db", demo_db, "allocate", str(SCENARIOS / "baseline-2020.yaml"))
    assert code == 0
    number = r"(-?[\d,]+(?:\.\d+)?)"
    said = re.search(rf"objective {number} = expected benefit {number} − target-shortfall penalty {number}", out)
    assert said, out.splitlines()[0]
    objective, benefit, penalty = (float(v.replace(",", "")) for v in said.groups())
    assert benefit - penalty == pytest.approx(objective, abs=0.01) and penalty > 0
    # The rule with more benefit is seen paying for its shortfall on the targets.
    greedy = re.search(rf"greedy_benefit_per_vnd: objective {number} = expected benefit {number} − "
                       rf"target-shortfall penalty {number}", out)
    assert greedy and float(greedy.group(2).replace(",", "")) > benefit
    code, out, _ = cli(capsys, "--db", demo_db, "runs", "--format", "json")
    run = json.loads(out)[0]  # the newest
    assert run["expected_benefit"] - run["shortfall_penalty"] == pytest.approx(run["objective"], abs=1e-6)
    code, out, _ = cli(capsys, "--db", demo_db, "runs")
    assert code == 0 and "benefit" in out.splitlines()[0] and "penalty" in out.splitlines()[0]


@pytest.mark.parametrize("args", [["export", "{missing}/data.xlsx"], ["export", "{missing}/csv"],
                                  ["template", "{missing}/template.xlsx"], ["demo", "workbook", "{missing}/demo.xlsx"],
                                  ["demo", "workbook", "{missing}/csv"]])
def test_a_file_is_written_only_into_a_folder_that_exists(demo_db: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    # As allocate --out and compare --out: a mistyped folder is refused, not made.
    missing = tmp_path / "no-such-folder"
    code, _, err = cli(capsys, "--db", demo_db, *(a.format(missing=missing) for a in args))
    assert code == 2 and f"the folder {missing} does not exist" in err
    assert not missing.exists()


def test_a_robust_run_prints_each_targets_chance_beside_the_expectation(demo_db: str,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    robust = str(SCENARIOS / "robust.yaml")
    _, as_json, _ = cli(capsys, "--db", demo_db, "allocate", robust, "--format", "json", "--no-store")
    rows = json.loads(as_json)["robust"]["rows"]
    code, table, _ = cli(capsys, "--db", demo_db, "allocate", robust, "--no-store")
    assert code == 0 and "met at 90 %" in table
    for row in rows:
        line = next(line for line in table.splitlines() if line.startswith(row["target"] + " "))
        assert f"{100 * row['probability']:.1f} %" in line
        assert line.rstrip().endswith("yes" if row["met"] else "no")
