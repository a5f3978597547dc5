"""One real control plane per engine for the whole session (DESIGN.md §12).

The function runs from its runtime image (build/package-<version>/image.tar, the artefact a
Sovereign installs, rebuilt by scripts/build-package.sh only when an input changed), exported
and run under unshare + chroot as its own user, its TLS certificates mounted at /tls/server as
a pod's secret is (tests/package/image.py): what Crossplane dials is what ships.

Cost is bounded on purpose: the v2 stack (Crossplane v2.2.1, apis/v2) serves every
namespaced test and is stopped before the legacy part starts; the legacy part then runs on
Crossplane v2.2.1 with apis/legacy and on Crossplane v1.20.1 (the 1.x protocol), one stack
each. Binaries come from scripts/build-control-plane.sh (built once, keyed by version).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.cluster import ROOT, Stack, main
from tests.cluster.helpers import SECTION, FunctionImage, figure, stack_figures
from tests.hostile import figures
from tests.package import image

STATE = ROOT / "build" / "cluster-test"
ENGINES = {"v2.2.1": "v2", "v1.20.1": "v1"}


def built(flavour: str) -> Path:
    """The bin folder of the pinned control plane (building it the first time: minutes)."""
    start = time.monotonic()
    out = subprocess.run([str(ROOT / "scripts" / "build-control-plane.sh"), flavour], check=True,
                         stdout=subprocess.PIPE, text=True).stdout.strip()
    took = time.monotonic() - start
    if took > 10:
        figure(f"control plane {flavour}: built in {took:.0f} s")
    return Path(out)


@pytest.fixture(scope="session")
def function_image(tmp_path_factory: pytest.TempPathFactory) -> FunctionImage:
    if os.geteuid() != 0:
        pytest.fail("the cluster suite runs the function from its image: it needs root (unshare, chroot), "
                    "as CI runs it")
    start = time.monotonic()
    package = image.build()
    rootfs = image.export_rootfs(package.image_tar, tmp_path_factory.mktemp("function-image") / "rootfs")
    figure(f"function image {package.image_digest[:19]}: built and exported in {time.monotonic() - start:.0f} s")
    return FunctionImage(rootfs, image.read_config(package.image_tar))


def start(name: str, apis: str, crossplane: str, function: FunctionImage) -> Stack:
    state_dir = STATE / name
    if (state_dir / "pids").exists():  # a previous session died without teardown: stop its processes
        main(["--state-dir", str(state_dir), "down"])
    bins = built("v2")
    stack = Stack(state_dir=state_dir, bin_dir=bins, python=sys.executable,
                  crossplane_dir=built("v1") if crossplane == "v1" else None,
                  function_command=function.command, function_user=image.user_ids(function.config))
    stack.up(apis=apis)
    t = stack.timings
    figure(f"{name}: stack up in {t['up']:.1f} s "
           f"(kube-apiserver ready {t['kube-apiserver']:.1f} s, Crossplane {t['crossplane']:.1f} s)")
    return stack


@pytest.fixture(scope="module")
def v2_stack(function_image: FunctionImage) -> Iterator[Stack]:
    """Crossplane v2.2.1 with apis/v2 (namespaced XRs)."""
    stack = start("v2", "v2", "v2", function_image)
    try:
        yield stack
    finally:
        stack_figures(stack, "v2")
        stack.down()


@pytest.fixture(scope="module", params=list(ENGINES), ids=[f"crossplane-{v}" for v in ENGINES])
def legacy_stack(request: pytest.FixtureRequest, function_image: FunctionImage) -> Iterator[Stack]:
    """apis/legacy (cluster XRs with claims) on Crossplane v2.2.1, then on Crossplane v1.20.1."""
    version: str = request.param
    name = f"legacy-{version}"
    stack = start(name, "legacy", ENGINES[version], function_image)
    try:
        yield stack
    finally:
        stack_figures(stack, name)
        stack.down()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the namespaced (v2) module before the legacy one, within the slots tests/cluster has."""
    slots = [i for i, item in enumerate(items) if "tests/cluster/" in item.nodeid]
    ours = [items[i] for i in slots]
    ours.sort(key=lambda item: 0 if "test_namespaced" in item.nodeid else 1)
    for slot, item in zip(slots, ours, strict=True):
        items[slot] = item


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    figures.summary(terminalreporter, SECTION)
