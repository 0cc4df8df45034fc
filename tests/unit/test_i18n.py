"""The one language layer: every text a person reads exists in both languages, with the same parameters, and
every code the code asks for exists. A missing key would show its code to a user; a missing parameter would crash."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chainplan.wording import LANGUAGES, Catalogue, catalogue, terms, text
from dash_app.i18n import interface, t

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "dash_app").rglob("*.py"), *(ROOT / "chainplan").rglob("*.py")])
DASH_SOURCES = [p for p in SOURCES if "dash_app" in p.parts]
LITERAL_T = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)["']""")
LITERAL_TERM = re.compile(r"""\bterm\(\s*["']([a-z0-9_]+)["']\s*,\s*["']([a-z0-9_]+)["']""")
FAMILY_TERM = re.compile(r"""\bterms?\(\s*["']([a-z0-9_]+)["']""")
LITERAL_TEXT = re.compile(r"""\btext\(\s*["']([a-z0-9_.]+)["']""")
PREFIX_TEXT = re.compile(r"""\btext\(\s*f["']([a-z0-9_.]+)\{""")
ERROR_CODE = re.compile(r"""Error\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']"""
                        r"""|Refused\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']""")


def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("book", [catalogue(), interface()], ids=["domain", "interface"])
def test_every_message_exists_in_both_languages_with_the_same_parameters(book: Catalogue) -> None:
    codes = book.codes()
    assert len(codes) > 50, "the catalogue did not load: the test would prove nothing"
    for code in codes:
        for lang in LANGUAGES:
            assert (book.get(code, lang) or "").strip(), f"{code} has no {lang} text"
        assert book.placeholders(code, "vi") == book.placeholders(code, "en"), code


def test_every_message_renders_in_both_languages() -> None:
    book = catalogue()
    for code in book.codes():
        for lang in LANGUAGES:
            params = {name: 1 for name in book.placeholders(code, lang)}
            assert "{" not in text(code, lang, **params), code


def test_a_title_has_one_home() -> None:
    shared = {code.split(".", 1)[1] for code in catalogue().codes() if code.startswith("column.")}
    assert sorted(shared & interface().codes()) == []


def test_every_literal_label_a_page_asks_for_exists() -> None:
    used = {key for path in DASH_SOURCES for key in LITERAL_T.findall(_source(path)) if not key.endswith("_")}
    assert used, "the pattern found no keys: the test would prove nothing"
    assert sorted(key for key in used if t(key, "vi") == key) == []


def test_every_literal_code_and_term_exists() -> None:
    codes = catalogue().codes()
    used = {code for path in SOURCES for code in LITERAL_TEXT.findall(_source(path))}
    used |= {a or b for path in SOURCES for a, b in ERROR_CODE.findall(_source(path))}
    assert used
    assert sorted(code for code in used if code not in codes) == []
    pairs = {pair for path in SOURCES for pair in LITERAL_TERM.findall(_source(path))}
    assert sorted(f"term.{f}.{c}" for f, c in pairs if f"term.{f}.{c}" not in codes) == []
    families = {family for path in SOURCES for family in FAMILY_TERM.findall(_source(path))}
    assert sorted(f for f in families if not terms(f, "vi")) == []
    prefixes = {prefix for path in SOURCES for prefix in PREFIX_TEXT.findall(_source(path))}
    assert sorted(p for p in prefixes if not any(code.startswith(p) for code in codes)) == []


def test_the_families_from_the_data_contract_are_complete() -> None:
    from chainplan.allocation.optimize import METHODS
    from chainplan.allocation.solve import _SOLVER_STATUSES
    from chainplan.chains.gaps import GAP_TYPES
    from chainplan.schema import APPRAISAL_STAGES
    from chainplan.users import ROLES

    families = {
        "method": METHODS, "stage_level": APPRAISAL_STAGES, "stage": APPRAISAL_STAGES, "user_role": ROLES,
        "appraisal_stage": APPRAISAL_STAGES, "gap": GAP_TYPES, "solver_status": _SOLVER_STATUSES,
        "status": ("optimal", "feasible", "time_limit", "infeasible", "error"),
        "purpose": ("new_product", "upgrade", "linkage", "certification", "trade_promotion", "e_commerce", "other"),
        "reason": ("funded", "not_eligible", "below_min_grant", "excluded_by", "needs_plan", "one_plan_per_product",
                   "region_cap", "region_share", "no_benefit", "value_for_money", "other_rules",
                   "infeasible", "no_solution"),  # every plan of a run without an allocation
        "org_role": ("producer", "processor", "distributor", "retailer"),
        "severity": ("high", "medium", "low"), "tier": ("district", "provincial", "national", "none"),
        "appraisal_status": ("pending", "passed", "failed"),
        "target": ("new_products", "new_organizations", "supermarket_entries", "rated_3_to_5_stars",
                   "national_5_star", "safe_food_chain", "e_stamp_share"),
    }
    for family, members in families.items():
        for lang in LANGUAGES:
            have = terms(family, lang)
            assert [m for m in members if m not in have] == [], (family, lang)
