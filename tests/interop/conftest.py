"""Fixtures for the interop tests: every example rendered once through the real CLI and the
running function, exported to the provider-neutral record form, and the pinned ExternalDNS
test binary (tools/externaldns) that reads it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import export_records as export_records  # noqa: E402  (re-exported to the tests)
import xprender  # noqa: E402

Sets = list[tuple[str, list[export_records.Record]]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def externaldns() -> Path:
    """The compiled ExternalDNS interop test, built once per pinned version and source."""
    env = os.environ.get("EXTERNALDNS_INTEROP_TEST")
    if env:
        return Path(env)
    proc = subprocess.run([str(ROOT / "scripts" / "build-externaldns.sh")], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"scripts/build-externaldns.sh failed:\n{proc.stderr[-3000:]}")
    return Path(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def settings() -> export_records.Settings:
    """The Sovereign settings the examples render with (zones, owner id)."""
    return export_records.Settings.load(xprender.ENVIRONMENT)


@pytest.fixture(scope="session")
def function(tmp_path_factory: pytest.TempPathFactory) -> Iterator[xprender.RunningFunction]:
    log = tmp_path_factory.mktemp("function") / "function.log"
    with xprender.running_function(log) as fn:
        yield fn


@pytest.fixture(scope="session")
def rendered(function: xprender.RunningFunction) -> list[xprender.Rendered]:
    """Every example rendered once (in parallel); each must render."""
    cli = xprender.crossplane_cli()
    apis = xprender.Apis.load()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda e: xprender.render(cli, e, function.target, apis), xprender.examples()))
    failed = [f"{r.example.id}: {r.stderr.strip()[:300]}" for r in results if not r.ok]
    if failed:
        pytest.fail("examples did not render:\n" + "\n".join(failed))
    return results


@pytest.fixture(scope="session")
def sets(rendered: list[xprender.Rendered], settings: export_records.Settings) -> Sets:
    """The record sets each example rendered, in neutral form, by example id."""
    return [(r.example.id, export_records.export(r.resources, settings)) for r in rendered]


@dataclass
class Outcome:
    """One run of the ExternalDNS interop test binary."""

    returncode: int
    output: str
    report: dict[str, Any]

    @property
    def passed(self) -> bool:
        """Whether every Go test passed."""
        return self.returncode == 0

    def result(self, test: str) -> str:
        """PASS, FAIL or SKIP for one Go test function ("" if it did not run)."""
        for verdict in ("PASS", "FAIL", "SKIP"):
            if f"--- {verdict}: {test} " in self.output:
                return verdict
        return ""


def run_externaldns(binary: Path, document: dict[str, Any], workdir: Path,
                    extra_args: Sequence[str] = ()) -> Outcome:
    """Run the Go interop tests over ``document`` (the export_records JSON)."""
    workdir.mkdir(parents=True, exist_ok=True)
    records = workdir / "records.json"
    report = workdir / "report.json"
    records.write_text(json.dumps(document))
    report.unlink(missing_ok=True)
    env = {**os.environ, "EXTERNALDNS_RECORDS": str(records), "EXTERNALDNS_REPORT": str(report),
           "EXTERNALDNS_ARGS": "\n".join(extra_args)}
    proc = subprocess.run([str(binary), "-test.v", "-test.count=1"], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=600)
    data = json.loads(report.read_text()) if report.is_file() else {}
    return Outcome(proc.returncode, proc.stdout + proc.stderr, data)
