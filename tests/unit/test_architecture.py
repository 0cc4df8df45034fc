"""Imports point one way: each layer imports only the packages on its allow-list.

The lists were taken from what each layer imports today. A new import of a third-party package means adding it to
its layer's list here, on purpose; storage (``sqlalchemy``, ``models``) and UI (``dash``, ``flask``) never enter the
domain or the use cases, and the web app meets ``models`` only in its one wiring module.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import chainplan
from chainplan.schema import SHEETS
from models.tables import SHEET_TABLES

ROOT = Path(chainplan.__file__).resolve().parent.parent

#: The domain: ``chainplan/`` except the command line and the use cases.
DOMAIN = frozenset({
    "chainplan", "babel", "distributed", "networkx", "numpy", "openpyxl", "pandas", "plotly", "pulp", "pydantic",
    "yaml",
})

#: Top-level packages each layer may import, besides the standard library.
ALLOWED: dict[str, frozenset[str]] = {
    "domain": DOMAIN,
    # werkzeug: the user use cases keep passwords as its scrypt hashes.
    "use cases (chainplan/services)": DOMAIN | {"werkzeug"},
    "command line (chainplan/cli)": frozenset({"chainplan", "typer"}),
    # gunicorn serves it; celery, kombu and redis carry its jobs to workers on other machines; flask_wtf: the
    # sign-in form's CSRF token; werkzeug: ProxyFix behind reverse proxies.
    "web app (dash_app)": frozenset({
        "chainplan", "dash_app", "dash", "dash_ag_grid", "dash_bootstrap_components", "dash_cytoscape", "diskcache",
        "flask", "flask_login", "flask_wtf", "plotly", "werkzeug", "gunicorn", "celery", "kombu", "redis",
    }),
    # numpy: the repository reads typed columns in one call.
    "storage (models)": frozenset({"chainplan", "models", "alembic", "sqlalchemy", "numpy"}),
}

#: The one module per layer that may import more: the web app's entry point wires in the SQLAlchemy storage, the
#: installed script the web server (``chainplan serve``, ``chainplan worker``).
WIRING: dict[str, frozenset[str]] = {"dash_app/app.py": frozenset({"models"}), "models/cli.py": frozenset({"dash_app"}),
                                     # hands PuLP's model to HiGHS in arrays, through the binding PuLP itself uses
                                     "chainplan/allocation/highs.py": frozenset({"highspy"})}


def layer_of(relative: str) -> str:
    """The layer of a module, from its path relative to the project root."""
    if relative.startswith("chainplan/cli/"):
        return "command line (chainplan/cli)"
    if relative.startswith("chainplan/services/"):
        return "use cases (chainplan/services)"
    if relative.startswith("chainplan/"):
        return "domain"
    if relative.startswith("dash_app/"):
        return "web app (dash_app)"
    return "storage (models)"


def imported(source: str, package: str) -> Iterator[tuple[int, str]]:
    """Every module ``source`` imports (at any depth: lazy imports count), with its line; a relative import is of
    ``package``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, package if node.level else node.module or ""


def refused_imports(relative: str, source: str) -> list[str]:
    """One sentence per import of ``source`` (the module at ``relative``) that its layer may not make."""
    layer = layer_of(relative)
    allowed = ALLOWED[layer] | WIRING.get(relative, frozenset())
    return [f"{relative}:{line} imports {name!r}: the {layer} may import only the standard library and "
            f"{', '.join(sorted(allowed))}"
            for line, name in imported(source, relative.split("/")[0])
            if name.split(".")[0] not in allowed and name.split(".")[0] not in sys.stdlib_module_names]


def project_modules() -> Iterator[Path]:
    for folder in ("chainplan", "dash_app", "models"):
        yield from sorted((ROOT / folder).rglob("*.py"))


def test_every_layer_imports_only_its_allowed_packages() -> None:
    modules = list(project_modules())
    assert len(modules) > 50  # the walk found the project, not an empty folder
    refused = [sentence for path in modules
               for sentence in refused_imports(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))]
    assert not refused, "imports outside the layer's allow-list:\n" + "\n".join(refused)


def test_the_check_names_the_module_and_the_import_it_refuses() -> None:
    source = "import pandas\n\n\ndef f():\n    from sqlalchemy.orm import Session\n"
    assert refused_imports("chainplan/dataset.py", source) == [
        "chainplan/dataset.py:5 imports 'sqlalchemy.orm': the domain may import only the standard library and "
        + ", ".join(sorted(DOMAIN))]
    assert refused_imports("chainplan/services/runs.py", "import models.uow\n")
    assert refused_imports("chainplan/cli/data.py", "from models.cli import SqlAlchemyStorage\n")
    assert refused_imports("chainplan/services/users.py", "import flask\n")
    assert refused_imports("dash_app/pages/users.py", "from models.uow import SqlAlchemyUnitOfWork\n")
    assert refused_imports("dash_app/app.py", "from models.storage import SqlAlchemyStorage\n") == []
    assert refused_imports("chainplan/chains/gaps.py", "from . import network\nimport json\nimport babel\n") == []


def test_every_sheet_has_a_table_with_the_same_columns() -> None:
    assert list(SHEET_TABLES) == list(SHEETS)
    for name, table in SHEET_TABLES.items():
        # Besides the sheet's columns: the import order, and an appraisal's or outcome's version with who changed it
        # and when (optimistic locking, migrations 0005 and 0008).
        versioned = name in ("appraisals", "outcomes")
        kept = {"position"} | ({"version", "changed_by", "changed_at"} if versioned else set())
        columns = {c.name for c in table.__table__.columns}
        assert kept <= columns and columns - kept == set(SHEETS[name].column_names), name


def test_command_line_choices_follow_the_domain_lists() -> None:
    from chainplan.allocation import BASELINES, SOLVERS
    from chainplan.cli import Baseline, SolverName, Tier
    from chainplan.schema import CHAIN_TIERS

    assert {m.value for m in Tier} == set(CHAIN_TIERS)
    assert {m.value for m in SolverName} == set(SOLVERS)
    assert {m.value for m in Baseline} == set(BASELINES)
