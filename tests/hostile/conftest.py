from __future__ import annotations

import pytest

from tests.hostile import figures

FILE = "fuzz-figures.txt"
SECTION = "fuzz figures"


def record_figure(line: str) -> None:
    """A fuzz figure for the terminal summary and build/fuzz-figures.txt."""
    figures.record(SECTION, line, FILE)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    figures.summary(terminalreporter, SECTION)
