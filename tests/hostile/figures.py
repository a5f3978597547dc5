"""Figures the hostile and serving tests print: shown in pytest's terminal summary and kept under build/.

CI runs pytest without ``-s``, so a bare ``print`` is swallowed; the conftests of
``tests/hostile`` and ``tests/serving`` show these lines in the terminal summary instead.
"""

from __future__ import annotations

from pathlib import Path

BUILD = Path(__file__).resolve().parents[2] / "build"
FIGURES: dict[str, list[str]] = {}
_STARTED: set[str] = set()  # files written afresh by this pytest process


def record(section: str, line: str, filename: str) -> None:
    """Keep ``line`` for the terminal summary of ``section`` and append it to ``build/<filename>``."""
    FIGURES.setdefault(section, []).append(line)
    BUILD.mkdir(exist_ok=True)
    mode = "a" if filename in _STARTED else "w"
    _STARTED.add(filename)
    with (BUILD / filename).open(mode, encoding="utf-8") as out:
        out.write(line + "\n")


def summary(terminalreporter: object, section: str) -> None:
    """Write the lines of ``section`` into pytest's terminal summary."""
    lines = FIGURES.get(section)
    if not lines:
        return
    terminalreporter.write_sep("-", section)  # type: ignore[attr-defined]
    for line in lines:
        terminalreporter.write_line(line)  # type: ignore[attr-defined]
