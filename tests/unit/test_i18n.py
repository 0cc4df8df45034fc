"""Every interface text a page asks for exists in both languages: a missing key would show its code to a user."""

from __future__ import annotations

import re
from pathlib import Path

from dash_app.i18n import LANGUAGES, TEXT

SOURCES = sorted((Path(__file__).resolve().parents[2] / "dash_app").rglob("*.py"))
#: t("key", ...) with a literal key; keys built at run time (t(f"status_{...}")) are checked by their prefixes below.
LITERAL = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)["']""")
PREFIXED = re.compile(r"""\bt\(\s*f["']([a-z0-9_]+)\{""")


def test_every_literal_key_is_translated() -> None:
    # A literal ending in "_" is a prefix joined with a value (t("role_" + role)): checked with the families.
    used = {key for path in SOURCES for key in LITERAL.findall(path.read_text(encoding="utf-8"))
            if not key.endswith("_")}
    assert used, "the pattern found no keys: the test would prove nothing"
    missing = sorted(key for key in used if key not in TEXT)
    assert missing == []
    for key in used:
        assert set(TEXT[key]) == set(LANGUAGES) and all(TEXT[key][lang].strip() for lang in LANGUAGES), key


def test_every_key_family_built_at_run_time_has_translations() -> None:
    prefixes = {prefix for path in SOURCES for prefix in PREFIXED.findall(path.read_text(encoding="utf-8"))}
    assert {"status_", "purpose_", "reason_", "method_", "stage_", "role_"} <= prefixes
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in TEXT), prefix
    # The families whose members come from the data contract are complete.
    from chainplan.allocation.optimize import METHODS
    from chainplan.schema import APPRAISAL_STAGES
    from chainplan.users import ROLES

    families = {"method_": METHODS, "stage_": APPRAISAL_STAGES, "role_": ROLES,
                "status_": ("optimal", "feasible", "time_limit", "infeasible", "error"),
                "purpose_": ("new_product", "upgrade", "linkage", "certification", "trade_promotion", "e_commerce",
                             "other"),
                "reason_": ("funded", "not_eligible", "below_min_grant", "excluded_by", "needs_plan",
                            "one_plan_per_product", "region_cap", "region_share", "no_benefit", "value_for_money",
                            "other_rules")}
    for prefix, members in families.items():
        assert [m for m in members if prefix + m not in TEXT] == [], prefix
