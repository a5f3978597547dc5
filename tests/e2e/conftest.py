"""Session fixtures for the end-to-end render tests: the pinned Crossplane CLI, the function
running on a free loopback port, and every example rendered once through it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import xprender  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def shared() -> Path:
    try:
        return xprender.shared_dir()
    except xprender.HarnessError as err:
        pytest.fail(str(err))


@pytest.fixture(scope="session")
def cli() -> Path:
    return xprender.crossplane_cli()


@pytest.fixture(scope="session")
def apis() -> xprender.Apis:
    return xprender.Apis.load()


@pytest.fixture(scope="session")
def function(tmp_path_factory: pytest.TempPathFactory) -> Iterator[xprender.RunningFunction]:
    log = tmp_path_factory.mktemp("function") / "function.log"
    with xprender.running_function(log) as fn:
        yield fn


@pytest.fixture(scope="session")
def rendered(cli: Path, function: xprender.RunningFunction, apis: xprender.Apis
             ) -> dict[str, xprender.Rendered]:
    """Every example rendered once (in parallel), by example id."""
    chosen = xprender.examples()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda e: xprender.render(cli, e, function.target, apis), chosen))
    return {r.example.id: r for r in results}


@pytest.fixture(scope="session")
def schemas(shared: Path, apis: xprender.Apis) -> list[Path]:
    return [*apis.definitions, *xprender.provider_schemas(shared)]
