"""The ``chainplan`` command line: one module per command group, one error handler and one JSON printer.

Exit codes: 0 success; 1 the work ran and gives no answer (an infeasible scenario under hard targets, a solver
error); 2 bad input (the message names the file, sheet, row, column or key and the reason).
"""

from __future__ import annotations

from collections.abc import Sequence

import typer

from chainplan.cli import allocation, chains, data, runs, sweeps, users  # noqa: F401 - each registers its commands
from chainplan.cli.common import EXIT_BAD_INPUT, EXIT_NO, Baseline, SolverName, Tier, app, use_storage
from chainplan.ports import Storage

__all__ = ["Baseline", "SolverName", "Tier", "app", "main"]


def main(argv: Sequence[str] | None = None, *, storage: Storage) -> int:
    """Run the command line on ``storage`` and return the exit code (``models.cli:main`` is the installed script)."""
    use_storage(storage)
    try:
        result = app(args=list(argv) if argv is not None else None, standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except SystemExit as exc:
        return int(exc.code or 0)
    except typer.Abort:
        return EXIT_NO
    except typer.TyperException as exc:  # usage errors: unknown option, bad choice, missing argument
        show = getattr(exc, "show", None)
        if show is None:
            raise
        show()
        return EXIT_BAD_INPUT
    return result if isinstance(result, int) else 0


