"""Imports point one way: the domain never imports storage or UI code."""

from __future__ import annotations

import ast
from pathlib import Path

import chainplan
from chainplan.schema import SHEETS
from models.tables import SHEET_TABLES

FORBIDDEN = {"sqlalchemy", "dash", "flask", "models", "alembic", "psycopg"}
EDGE_PACKAGES = ("services/",)


def test_domain_modules_import_no_storage_or_ui() -> None:
    root = Path(chainplan.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if path.relative_to(root).as_posix().startswith(EDGE_PACKAGES):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_services_do_not_import_storage_either() -> None:
    for path in (Path(chainplan.__file__).parent / "services").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "sqlalchemy" not in source and "from models" not in source, path.name


def test_every_sheet_has_a_table_with_the_same_columns() -> None:
    assert list(SHEET_TABLES) == list(SHEETS)
    for name, table in SHEET_TABLES.items():
        columns = {c.name for c in table.__table__.columns} - {"position"}
        assert columns == set(SHEETS[name].column_names), name


def test_command_line_choices_follow_the_domain_lists() -> None:
    from chainplan.allocation import BASELINES, SOLVERS
    from chainplan.cli import Baseline, SolverName, Tier
    from chainplan.schema import CHAIN_TIERS

    assert {m.value for m in Tier} == set(CHAIN_TIERS)
    assert {m.value for m in SolverName} == set(SOLVERS)
    assert {m.value for m in Baseline} == set(BASELINES)
