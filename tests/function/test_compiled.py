"""The build the suites run is the one they say: the working tree's sources, or the image's compiled modules.

``make test`` runs the unit suites twice, the second time with ``CATALYST_DNS_COMPILED`` naming
the image's wheel unpacked (``tests/conftest.py``). A pass that silently imported the working
tree would test nothing new, so each module mypyc compiles (pyproject.toml's list) is checked
to come from the build under test.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.conftest import COMPILED, REPO, compiled_modules

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
