"""What every command group shares: the Typer app, one error handler, one JSON printer, text tables.

Exit codes: 0 success; 1 the work ran and gives no answer (an infeasible scenario under hard targets, a solver
error); 2 bad input (the message names the file, sheet, row, column or key and the reason).
"""

from __future__ import annotations

import enum
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from chainplan.dataset import DatasetError, InputProblem
from chainplan.errors import ChainplanError
from chainplan.ports import EncodedDocument, Storage, StorageSlot, UnitOfWork
from chainplan.scenario import ScenarioError

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_NO",
    "FormatOption",
    "OutputFormat",
    "TableFormat",
    "UsageProblem",
    "app",
    "database_option",
    "db_app",
    "demo_app",
    "print_document",
    "print_json",
    "print_usage_refusal",
    "render_table",
    "reported_errors",
    "run",
    "storage",
    "unit_of_work",
    "use_storage",
]

app = typer.Typer(
    name="chainplan", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="OCOP supply-chain linkage and NTM support allocation.",
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
demo_app = typer.Typer(no_args_is_help=True, help="The Quảng Ninh demo dataset.")
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")

EXIT_NO = 1
EXIT_BAD_INPUT = 2


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"


class TableFormat(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class SolverName(enum.StrEnum):
    highs = "highs"
    cbc = "cbc"


class Baseline(enum.StrEnum):
    rank_by_appraisal_score = "rank_by_appraisal_score"
    greedy_benefit_per_vnd = "greedy_benefit_per_vnd"


class Tier(enum.StrEnum):
    district = "district"
    provincial = "provincial"
    national = "national"
    none = "none"


class UsageProblem(ChainplanError):
    """Bad input that is not a data file or a stored record: what the command line itself was given (a password
    on standard input)."""


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table (for people) or json")]


def _json_default(value: object) -> object:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def print_json(document: object) -> None:
    """One JSON document on standard output. Compact: the C encoder writes a national result (8 MB) in a fraction
    of a second where an indented dump takes seconds; ``| python -m json.tool`` indents it for reading."""
    typer.echo(json.dumps(document, ensure_ascii=False, default=_json_default))


def print_usage_refusal(exc: Exception, argv: Sequence[str]) -> None:
    """What the option parser refused (an option that cannot be read, a choice that does not exist), as the JSON
    document of a refusal when ``argv`` asks for ``--format json``: the parser writes its usage text on standard
    error, and standard output must still hold one JSON document. The parser's message names the option.

    Examples
    --------
    >>> class Refused(Exception):
    ...     param = type("Option", (), {"opts": ["--seed"]})()
    ...     def format_message(self):
    ...         return "Invalid value for '--seed': 'abc' is not a valid integer."
    >>> print_usage_refusal(Refused(), ["risk", "4", "--format", "json"])  # doctest: +ELLIPSIS
    {"error": "Invalid value for '--seed': 'abc' is not a valid integer.", "problems": [{..., "key": "--seed"}]}
    >>> print_usage_refusal(Refused(), ["risk", "4"])
    """
    words = list(argv)
    asks_json = "--format=json" in words or any(
        word == "--format" and following == "json" for word, following in itertools.pairwise(words))
    if not asks_json:
        return
    param = getattr(exc, "param", None)
    key = (param.opts[0] if getattr(param, "opts", None) else getattr(param, "name", None)) if param else None
    detail = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    problem = InputProblem(None, None, None, None, "error.cli.usage", None, key=key, params={"detail": detail})
    print_json({"error": detail, "problems": [problem.as_dict()]})


def print_document(document: dict[str, Any], **more: object) -> None:
    """A document and ``more`` keys after its own, as :func:`print_json` prints ``{**document, **more}``; an
    :class:`~chainplan.ports.EncodedDocument` is not encoded again: its text is printed with the keys added."""
    if not isinstance(document, EncodedDocument) or any(key in document for key in more) \
            or not document.text.endswith("}"):
        print_json({**document, **more})
        return
    if not more or not document:
        typer.echo(document.text if not more else json.dumps(more, ensure_ascii=False, default=_json_default))
        return
    added = json.dumps(more, ensure_ascii=False, default=_json_default)
    typer.echo(f"{document.text[:-1]}, {added[1:]}")  # '{...}' and '{"run_id": 3}' -> '{..., "run_id": 3}'


def render_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Rows as an aligned text table (no dependency beyond the standard library)."""
    if not rows:
        return "(none)"
    names = list(columns or rows[0].keys())
    cells = [[_cell_text(row.get(name)) for name in names] for row in rows]
    widths = [max(len(name), *(len(r[i]) for r in cells)) for i, name in enumerate(names)]
    line = "  ".join(name.ljust(w) for name, w in zip(names, widths, strict=True))
    body = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body])


def _cell_text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if not value.is_integer() else f"{int(value):,}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    return "" if value is None else str(value)


def database_option(ctx: typer.Context) -> str | None:
    return ctx.obj.get("db") if ctx.obj else None


_slot = StorageSlot("models.cli:main")


def use_storage(storage: Storage) -> None:
    """Set the storage the commands work on (the entry point does, once: ``models.cli``)."""
    _slot.use(storage)


def storage() -> Storage:
    """The storage the entry point wired in."""
    return _slot.get()


def unit_of_work(ctx: typer.Context) -> UnitOfWork:
    return storage().unit_of_work(database_option(ctx))


@contextmanager
def reported_errors(output: OutputFormat | TableFormat = OutputFormat.table) -> Iterator[None]:
    """Turn the user's mistakes into a clear message and exit code 2, never a traceback."""
    problems: list[dict[str, Any]] | None = None
    storage_errors = _slot.current.errors if _slot.current is not None else ()
    try:
        yield
        return
    except (DatasetError, ScenarioError) as exc:
        message = str(exc)
        problems = [p.as_dict() for p in exc.problems]
    except ChainplanError as exc:  # every refusal: the command line writes it in English, as documented
        message = str(exc)
    except storage_errors as exc:
        message = f"cannot use the database: {str(exc).splitlines()[0]}"
    except (OSError, PermissionError) as exc:
        message = f"{exc.strerror or exc}: {exc.filename}" if getattr(exc, "filename", None) else str(exc)
    typer.echo(f"error: {message}", err=True)
    if output == "json":
        print_json({"error": message, "problems": problems or []})
    raise typer.Exit(EXIT_BAD_INPUT)


def run(output: OutputFormat | TableFormat, work: Callable[[], Any]) -> Any:
    """Run one service call, turning the user's mistakes into exit code 2."""
    with reported_errors(output):
        return work()


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL (default: $CHAINPLAN_DB_URL, else "
                                           "sqlite:///chainplan.db)")] = None,
) -> None:
    ctx.obj = {"db": db}

