"""Refusals carry a code and values, and each entry point writes them in its language: every ``error.*`` message
renders in Vietnamese and English with parameters of the kinds the code passes, every exception class a person may
see is a :class:`~chainplan.errors.ChainplanError`, and a refusal raised through its real entry reads in
Vietnamese without a word of the English text, naming the key, row or column at fault."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import pickle
import pkgutil
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import chainplan
from chainplan import services
from chainplan.appraisal import Appraisal, AppraisalRefused, check_appraisal
from chainplan.dataset import Dataset, DatasetError, InputProblem
from chainplan.decisions import UnknownRun
from chainplan.errors import ChainplanError, exact_number, text_of
from chainplan.io import read_dataset, write_dataset
from chainplan.scenario import ScenarioError, load_scenario
from chainplan.wording import LANGUAGES, Joined, Money, Phrase, Ref, Term, catalogue, render, text
from tests.conftest import FakeUnitOfWork

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "chainplan").rglob("*.py"), *(ROOT / "dash_app").rglob("*.py")])
WORD = re.compile(r"[A-Za-z]{3,}")

#: A value for every parameter an ``error.*`` message names, of the kind the raise sites pass: money as Money,
#: places in the data as Ref, levels and roles as Term, bounds as exact numbers, counts as int, ids as text.
SAMPLES: dict[str, Any] = {
    "address": "tcp://10.0.0.9:8786", "amount": Money(-5_000_000), "byte": 1_234, "capacity": exact_number(12.5),
    "choices": Joined(("producer", "processor")), "code": "'ZZ'", "column": "7", "columns": "from_code + to_code",
    "by": "minh", "count": 3, "current": "9f2c4e1a7b3d",
    "cycle": "a.yaml -> b.yaml -> a.yaml", "date": dt.date(2030, 1, 2), "detail": "Permission denied",
    "first": "2", "flags": Joined(("e_stamp", "barcode")), "folder": "/srv/out", "given": 1, "item": "'halal'",
    "lang": "fr", "last": "2100", "languages": Joined(LANGUAGES), "least": 2, "level": Term("stage", "district"),
    "levels": Joined((Term("stage", "province"), Term("stage", "commune"))), "line": "4",
    "max": exact_number(0.4), "maximum": exact_number(1e15), "min": exact_number(0.6),
    "minimum": exact_number(0.5), "minutes": 14, "more": 1_250, "most": 64, "name": "'lan nguyen'", "number": "'9'",
    "organization": Ref("organization", "HTX-01"), "parent": Term("stage", "commune"), "path": "/srv/out/pack",
    "phase": "ocop-2017-2020",
    "plan": Ref("plan", "KH001"), "point": "U+0000", "problem": "mapping values are not allowed here",
    "product": "NOPE", "range": exact_number(1.5), "region": Ref("region", "BC"),
    "role": Term("org_role_word", "processor"), "roles": Joined(("viewer", "admin")), "run": "999",
    "runs": Joined(("3", "3")), "sheet": "plans",
    "socket": "/run/user/1000/chainplan/standby.sock", "stage": Term("stage_level", "district"),
    "start": exact_number(1.2), "status": Term("status", "infeasible"),
    "stop": exact_number(0.8), "stored": "0a1b2c3d4e5f", "suffix": ".xlsx", "text": "'1.234,5'", "time": "14:05",
    "top": Term("stage", "province"), "url": "redis://queue:6379/0", "where": Ref("region", "HL"), "year": "2026",
    "other": "2019", "what": Ref("product", "SP009"), "years": Joined(("2017", "2018")),
    "records": Joined((Phrase("phrase.import.overwritten_outcome", {"plan": Ref("plan", "KH001"), "by": "lan",
                                                                    "at": dt.date(2020, 5, 4)}),), "; "),
    "inspected": dt.date(2020, 3, 4), "today": dt.date(2020, 6, 30),
}
#: Codes whose parameter of that name is of another kind than the common sample.
SAMPLE_FOR = {
    ("error.money.too_large", "maximum"): Money(10**15),
    ("error.scenario.negative_line", "line"): Ref("line", "NTM-TW"),
    ("error.scenario.bad_yaml_at", "line"): "12",
    ("error.user.unknown_role", "role"): "'boss'",
    ("error.dataset.requires_cycle", "path"): "KH001 -> KH002 -> KH001",
    ("error.decision.bad_year", "first"): "2000",
    ("error.decision.bad_year", "last"): "2100",
    ("error.risk.seed", "most"): 2**32 - 1,
    ("error.risk.draws_max", "most"): 1_000_000,
}
NAMES = {"plan": {"KH001": "Chè Đường Hoa"}, "region": {"BC": "Ba Chẽ"}}


def _errors() -> list[str]:
    return sorted(code for code in catalogue().codes() if code.startswith("error."))


def _params(code: str) -> dict[str, Any]:
    return {name: SAMPLE_FOR.get((code, name), SAMPLES[name]) for name in catalogue().placeholders(code, "en")}


def test_every_error_message_has_a_sample_for_each_parameter() -> None:
    missing = {(code, name) for code in _errors() for name in catalogue().placeholders(code, "en")
               if name not in SAMPLES and (code, name) not in SAMPLE_FOR}
    assert len(_errors()) > 100, "the catalogue lost its refusals: the test would prove little"
    assert sorted(missing) == []


@pytest.mark.parametrize("code", _errors())
def test_every_error_renders_in_both_languages_with_its_values_written_the_language_s_way(code: str) -> None:
    params = _params(code)
    written = {lang: text(code, lang, names=NAMES, **params) for lang in LANGUAGES}
    for lang, sentence in written.items():
        assert sentence != code and sentence.strip(), (code, lang)
        assert not re.search(r"\{[a-z_]*\}", sentence), (code, lang, sentence)
        for value in params.values():  # each value appears as that language writes it (money, numbers, terms)
            assert render(value, lang, NAMES) in sentence, (code, lang, value, sentence)
    assert written["vi"] != written["en"], code


def test_values_are_written_per_language_not_as_english() -> None:
    too_large = ChainplanError("error.money.too_large", maximum=Money(10**15))
    assert "1.000.000.000.000.000 ₫" in too_large.message("vi")
    assert "1,000,000,000,000,000 VND" in str(too_large)
    share = ChainplanError("error.scenario.shares", min=exact_number(0.6), max=exact_number(0.4))
    assert share.message("vi") == "min_region_share (0,6) lớn hơn max_region_share (0,4)"
    assert str(share) == "min_region_share (0.6) is above max_region_share (0.4)"
    named = InputProblem("plan_requests", 3, "budget_line_code", "L2", "error.dataset.line_restricted",
                         params={"region": Ref("region", "BC"), "plan": Ref("plan", "KH001"),
                                 "organization": Ref("organization", "P"), "where": Ref("region", "HL")})
    assert "Chè Đường Hoa" in named.message("vi", NAMES) and "KH001" in named.reason


def _exception_classes() -> list[type[BaseException]]:
    found = {}
    for info in pkgutil.walk_packages(chainplan.__path__, "chainplan."):
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__.startswith("chainplan."):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def test_every_exception_class_is_a_chainplan_error_and_keeps_its_builtin_base() -> None:
    classes = _exception_classes()
    names = {cls.__name__ for cls in classes}
    assert {"AppraisalRefused", "UserRefused", "DatasetError", "CompareRefused", "OutputNotWritable", "MoneyError",
            "ScenarioError", "UnknownProduct", "UnknownRun", "DecisionRefused", "SweepRefused", "CellError",
            "RiskRefused", "UsageProblem", "DecimalError"} <= names
    assert [cls.__name__ for cls in classes if not issubclass(cls, ChainplanError)] == []
    lookups = {"UnknownProduct", "UnknownRun"}
    plain = {"ChainplanError", "UsageProblem"}  # the base, and the command line's own (it was never a ValueError)
    for cls in classes:
        if cls.__name__ in lookups:
            assert issubclass(cls, KeyError), cls
        elif cls.__name__ not in plain:
            assert issubclass(cls, ValueError), cls  # `except ValueError` around them keeps working


def test_every_error_code_the_code_names_exists() -> None:
    codes = catalogue().codes()
    literal = re.compile(r"""["'](error\.[a-z0-9_]+\.[a-z0-9_]+)["']""")
    prefix = re.compile(r"""f["'](error\.[a-z0-9_]+\.[a-z0-9_]*)\{""")
    used = {code for path in SOURCES for code in literal.findall(path.read_text(encoding="utf-8"))}
    prefixes = {p for path in SOURCES for p in prefix.findall(path.read_text(encoding="utf-8"))}
    assert len(used) > 80 and prefixes, "the patterns found nothing: the test would prove nothing"
    assert sorted(code for code in used if code not in codes) == []
    assert sorted(p for p in prefixes if not any(code.startswith(p) for code in codes)) == []


def test_a_refusal_crosses_a_process_boundary_whole() -> None:
    problem = InputProblem(None, None, None, -1, "error.value.at_least", "a.yaml", key="budget_scale",
                           params={"minimum": 0})
    for exc in (ScenarioError([problem]), UnknownRun(7), AppraisalRefused("error.appraisal.score_range", field="score"),
                ChainplanError("error.money.too_large", maximum=Money(10**15))):
        again = pickle.loads(pickle.dumps(exc))
        assert type(again) is type(exc) and again.message("vi") == exc.message("vi") and str(again) == str(exc)
    assert pickle.loads(pickle.dumps(ScenarioError([problem]))).problems == [problem]


def _english_words(codes: list[str]) -> set[str]:
    """The words of the English catalogue text of ``codes`` (without their placeholders)."""
    return {word.lower() for code in codes
            for word in WORD.findall(re.sub(r"\{[a-z_]+\}", " ", catalogue().get(code, "en") or ""))}


def _assert_vietnamese(vietnamese: str, english: str, codes: list[str], shown: tuple[str, ...] = ()) -> None:
    """``vietnamese`` differs from ``english`` and has no word of the English texts of ``codes``, once what the
    person wrote (``shown``: a key, a value, a path) is set aside."""
    assert vietnamese != english
    for written in shown:
        vietnamese = vietnamese.replace(written, " ")
    leaked = {word.lower() for word in WORD.findall(vietnamese)} & _english_words(codes)
    assert leaked == set(), (leaked, vietnamese)


def test_a_bad_scenario_key_is_refused_in_vietnamese_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "kich-ban.yaml"
    path.write_text("name: thử\nbudget_scale: -1\nbudget_scal: 1\nmin_grant_vnd: 2,5\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    exc = caught.value
    assert {p.key for p in exc.problems} == {"budget_scale", "budget_scal", "min_grant_vnd"}
    where = ["phrase.where.key", "phrase.where.value", "error.scenario.problems"]
    shown = (str(path), *(f"'{p.key}'" for p in exc.problems), *(repr(p.value) for p in exc.problems))
    for problem in exc.problems:
        assert f"mục '{problem.key}'" in problem.located("vi")
        _assert_vietnamese(problem.located("vi"), problem.located("en"), [problem.code, *where], shown)
    assert exc.message("vi").startswith("Kịch bản có 3 lỗi:")
    _assert_vietnamese(exc.message("vi"), str(exc), [p.code for p in exc.problems] + where, shown)
    assert str(exc).startswith("3 problem(s) in the scenario:")  # the command line's English, as before


def test_the_scenario_form_writes_a_problem_of_no_knob_in_its_language() -> None:
    # A scenario naming a budget line the data lacks: no knob of the form has that key, and the line printed the
    # English reason on a Vietnamese page.
    from dash_app.panels.scenario_form import scenario_problems

    problem = InputProblem(None, None, None, "NTM-2019", "error.dataset.unknown_line", None,
                           key="budget_lines.NTM-2019")
    items = str(scenario_problems(ScenarioError([problem]), "vi")[1].to_plotly_json())
    assert problem.message("vi") in items and problem.reason not in items


def test_a_bad_money_cell_is_refused_in_vietnamese_naming_sheet_row_and_column(tmp_path: Path) -> None:
    folder = write_dataset(Dataset.from_records({
        "regions": [{"code": "QN", "name": "Quảng Ninh", "level": "province"}],
        "budget_lines": [{"code": "L1", "name": "NTM", "source": "ntm_central", "amount_vnd": 1_000_000_000,
                          "region_code": "QN"}],
    }), tmp_path / "du-lieu")
    lines = (folder / "budget_lines.csv").read_text(encoding="utf-8").replace("1000000000", "1.5")  # ambiguous: refused
    (folder / "budget_lines.csv").write_text(lines, encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        read_dataset(folder)
    [problem] = caught.value.problems
    assert (problem.sheet, problem.row, problem.column, problem.code) == (
        "budget_lines", 2, "amount_vnd", "error.money.bad_text")
    assert "trang tính 'budget_lines', dòng 2, cột 'amount_vnd'" in problem.located("vi")
    codes = [problem.code, "phrase.where.sheet", "phrase.where.row", "phrase.where.column", "phrase.where.value"]
    shown = (str(folder), "'budget_lines'", "'amount_vnd'", repr(problem.value))
    _assert_vietnamese(problem.located("vi"), problem.located("en"), codes, shown)
    assert problem.reason == "must be a whole amount of VND, e.g. 1500000000 or 1.500.000.000"


def test_an_appraisal_score_of_150_is_refused_in_vietnamese_naming_the_score(demo: Dataset) -> None:
    plan = str(demo.plans["code"].iloc[0])
    with pytest.raises(AppraisalRefused) as caught:
        check_appraisal(demo, Appraisal(plan, "district", "passed", 150, None, "lan"))
    exc = caught.value
    assert exc.field == "score" and exc.code == "error.appraisal.score_range"
    assert exc.message("vi") == "Điểm phải từ 0 đến 100."
    _assert_vietnamese(exc.message("vi"), str(exc), [exc.code])


def test_an_unknown_run_is_refused_in_vietnamese_naming_the_run(fake_uow: FakeUnitOfWork) -> None:
    for ask in (lambda: services.stored_run(fake_uow, 999), lambda: services.run_risk(fake_uow, 999, draws=10)):
        with pytest.raises(UnknownRun) as caught:
            ask()
        exc = caught.value
        assert "999" in exc.message("vi") and "unknown run id 999" in str(exc)
        _assert_vietnamese(exc.message("vi"), str(exc), [exc.code])
    assert text_of(exc, "vi") == exc.message("vi")


def test_the_allocation_page_writes_an_unknown_run_in_its_language(tmp_path: Path) -> None:
    from dash_app.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'page.db'}")
    # The page module as the app loaded it (importing dash_app.pages.allocation again would register a second
    # copy of the page in Dash's global registry, which the next app's router refuses as a duplicate path).
    import dash

    page = sys.modules[next(p["module"] for p in dash.page_registry.values() if p["path"] == "/allocation")]
    with app.server.test_request_context("/allocation?lang=vi"):
        vietnamese, english = page._run_panel(999, "vi").children, page._run_panel(999, "en").children
    assert vietnamese == UnknownRun(999).message("vi") and english == str(UnknownRun(999))


def test_the_plans_page_names_a_bad_column_as_a_vietnamese_workbook_heads_it(tmp_path: Path) -> None:
    from dash_app.app import create_app

    create_app(f"sqlite:///{tmp_path / 'page.db'}")
    import dash

    page = sys.modules[next(p["module"] for p in dash.page_registry.values() if p["path"] == "/plans")]
    problem = InputProblem("plans", 2, "expected_score", "chín mươi", "error.value.not_a_number", "kh.xlsx")
    [vietnamese], [english] = (page._problem_rows(DatasetError([problem]), lang) for lang in ("vi", "en"))
    assert vietnamese["column"] == "điểm dự kiến (expected_score)" and english["column"] == "expected_score"
    assert vietnamese["reason"] == problem.message("vi")


def test_the_command_line_keeps_english_and_json_problems_carry_their_code(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from models.cli import main

    folder = write_dataset(Dataset.from_records({"regions": [{"code": "QN", "name": "Quảng Ninh",
                                                              "level": "province"}]}), tmp_path / "data")
    regions = (folder / "regions.csv").read_text(encoding="utf-8").replace("province", "county")
    (folder / "regions.csv").write_text(regions, encoding="utf-8")
    assert main(["--db", f"sqlite:///{tmp_path / 'cli.db'}", "import", str(folder), "--format", "json"]) == 2
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    problem = next(p for p in document["problems"] if p["sheet"] == "regions")
    assert problem["code"] == "error.value.one_of" and problem["reason"].startswith("must be one of: province")
    assert (problem["row"], problem["column"], problem["value"]) == (2, "level", "county")
    assert "problem(s) in the input" in document["error"] and "error: " in captured.err
