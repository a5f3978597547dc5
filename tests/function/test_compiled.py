"""The build the suites run is the one they say: the working tree's sources, or the image's compiled modules.

``make test`` runs the unit suites twice, the second time with ``CATALYST_DNS_COMPILED`` naming
the image's wheel unpacked (``tests/conftest.py``). A pass that silently imported the working
tree would test nothing new, so each module mypyc compiles (pyproject.toml's list) is checked
to come from the build under test.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pytest

from tests.conftest import COMPILED

REPO = Path(__file__).resolve().parents[2]


def compiled_modules() -> list[str]:
    """The dotted names of the modules pyproject.toml has mypyc compile (a folder: every module in it)."""
    hook = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    paths: list[Path] = []
    for entry in hook["hooks"]["mypyc"]["include"]:
        path = REPO / entry
        assert path.exists(), f"pyproject.toml compiles {entry}, which does not exist"
        paths.extend(sorted(path.glob("*.py")) if path.is_dir() else [path])
    return [".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__") for p in paths]


MODULES = compiled_modules()


def test_the_composition_path_is_compiled() -> None:
    # The handler and what it calls per record; the server and the CLI are not (gRPC's time).
    for module in ("function.fn", "function.plan", "function.compose", "function.wire", "catalyst_dns.kubenames",
                   "catalyst_dns.providers.cloudflare"):
        assert module in MODULES
    assert "function.server" not in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_module_comes_from_the_build_under_test(name: str) -> None:
    module = importlib.import_module(name)
    where = Path(module.__file__ or "")
    if COMPILED is None:
        assert where.suffix == ".py" and where.is_relative_to(REPO), where
    else:
        assert where.name.endswith(".so") and where.is_relative_to(COMPILED), where
