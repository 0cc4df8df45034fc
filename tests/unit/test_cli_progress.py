"""Long sweeps show a progress line on a terminal, and nothing extra with --format json or without a terminal."""

from __future__ import annotations

import io

import pytest

from chainplan.cli.common import OutputFormat
from chainplan.cli.sweeps import _progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    show = _progress("frontier", OutputFormat.table)
    assert show is not None
    show(1, 4)
    show(4, 4)
    assert terminal.getvalue().endswith("frontier [##############################] 4/4\n")
    assert _progress("frontier", OutputFormat.json) is None  # JSON: nothing but the document
    monkeypatch.setattr("sys.stderr", io.StringIO())  # not a terminal (a log file, CI)
    assert _progress("frontier", OutputFormat.table) is None
