"""The ``chainplan`` command line: one module per command group, one error handler and one JSON printer.

Exit codes: 0 success; 1 the work ran and gives no answer (an infeasible scenario under hard targets, a solver
error); 2 bad input (the message names the file, sheet, row, column or key and the reason).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence

import typer

from chainplan.cli import (  # noqa: F401 - each registers its commands
    allocation,
    chains,
    data,
    programme,
    runs,
    serving,
    sweeps,
    users,
)
from chainplan.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_NO,
    Baseline,
    SolverName,
    Tier,
    app,
    print_usage_refusal,
    use_storage,
)
from chainplan.ports import Storage, WebServer

__all__ = ["COMMAND_GC_THRESHOLDS", "Baseline", "SolverName", "Tier", "app", "main"]

#: The cyclic collector's thresholds while a command runs. With CPython's defaults (700, 10, 10) a national
#: allocation (a million objects read, prepared, explained and printed, almost none in cycles) ran 1,800
#: collections for 1.3 s of CPU; collecting the youngest generation every 50,000 new objects instead leaves about
#: twenty (0.25 s) and the same peak memory (benchmarks/README.md).
COMMAND_GC_THRESHOLDS = (50_000, 20, 20)


def main(argv: Sequence[str] | None = None, *, storage: Storage, web: WebServer | None = None) -> int:
    """Run the command line on ``storage`` and return the exit code (``models.cli:run`` is the installed script);
    ``web`` is what ``chainplan serve`` and ``chainplan worker`` start."""
    use_storage(storage)
    if web is not None:
        serving.use_web_server(web)
    thresholds = gc.get_threshold()
    gc.set_threshold(*COMMAND_GC_THRESHOLDS)
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
        print_usage_refusal(exc, list(argv) if argv is not None else sys.argv[1:])
        return EXIT_BAD_INPUT
    finally:
        gc.set_threshold(*thresholds)
    return result if isinstance(result, int) else 0


