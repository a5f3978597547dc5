"""Which build of the function the suites run: the working tree, or the image's compiled modules.

``CATALYST_DNS_COMPILED=<folder>`` names the function image's wheel unpacked
(``scripts/build-wheel.sh --tree``): its modules, most of them compiled with mypyc, go first on
the path before any test imports them, so the same tests hold the code the image runs to the
same rules. ``make test`` runs the unit suites both ways. Compiled code checks declared types
at run time and binds calls between its modules when it is built, so a difference between
the two builds fails a test here instead of a claim in a cluster.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
COMPILED = os.environ.get("CATALYST_DNS_COMPILED") or None
if COMPILED is not None:
    COMPILED = str(Path(COMPILED).resolve())
    if "function" in sys.modules or "catalyst_dns" in sys.modules:
        raise RuntimeError("CATALYST_DNS_COMPILED: the working tree's modules were imported before the compiled ones")
    sys.path.insert(0, COMPILED)
    # Imported now: pytest puts the working tree first on the path again for each test module,
    # but a package's modules are looked up in the package's own folder once it is imported.
    import catalyst_dns
    import function

    for package in (catalyst_dns, function):
        if not str(package.__file__).startswith(COMPILED):
            raise RuntimeError(f"CATALYST_DNS_COMPILED: {package.__name__} was imported from {package.__file__}")


def spy_needs_python() -> None:
    """Skip a test whose spy replaces a module's function: compiled callers of it never look it up.

    Calls between compiled modules are bound when they are built, so in the compiled pass such
    a spy would see no call and the test would pass having checked nothing; the pure pass runs it.
    """
    if COMPILED is not None:
        pytest.skip("a spy on a module's function cannot see its compiled callers; checked in the pure pass")


def compiled_modules() -> list[str]:
    """The dotted names of the modules pyproject.toml has mypyc compile (a folder: every module in it)."""
    hook = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    paths: list[Path] = []
    for entry in hook["hooks"]["mypyc"]["include"]:
        path = REPO / entry
        assert path.exists(), f"pyproject.toml compiles {entry}, which does not exist"
        paths.extend(sorted(path.glob("*.py")) if path.is_dir() else [path])
    return [".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__") for p in paths]
