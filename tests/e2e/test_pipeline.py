"""A pipeline with steps before ours, through the real ``crossplane render`` (issue 9 point 8).

The earlier steps are the real functions, pinned Go tools built by
scripts/build-peer-functions.sh: function-patch-and-transform v0.10.7 composes a ConfigMap
and copies a field of its observed state into the XR's status; function-auto-ready v0.7.0
runs next. What they put in the desired composite and desired resources must survive our
step (Crossplane passes each step's desired state to the next and keeps the last one).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import xprender
import yaml

HERE = Path(__file__).parent / "pipeline"
ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def _serving(binary: str, log: Path) -> Iterator[str]:
    """Run a Go function (function-sdk-go flags) on a free loopback port; stop it on exit."""
    port = xprender.free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen([binary, "--insecure", f"--address=127.0.0.1:{port}"], stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, f"{binary} not listening:\n{log.read_text()}"
            time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def peers() -> dict[str, str]:
    """The peer binaries by function name (built once; the script prints their paths)."""
    out = subprocess.run([str(ROOT / "scripts" / "build-peer-functions.sh")], check=True, capture_output=True,
                         text=True).stdout.split()
    return {Path(p).name.rsplit("-v", 1)[0]: p for p in out}


def test_earlier_steps_status_and_resources_survive_our_step(
        cli: Path, function: xprender.RunningFunction, peers: dict[str, str], tmp_path: Path) -> None:
    with _serving(peers["function-patch-and-transform"], tmp_path / "pt.log") as pt, \
            _serving(peers["function-auto-ready"], tmp_path / "ar.log") as ar:
        targets = {"function-patch-and-transform": pt, "function-auto-ready": ar,
                   "function-catalyst-dns": function.target}
        functions = list(yaml.safe_load_all((HERE / "functions.yaml").read_text()))
        for fn in functions:
            fn["metadata"]["annotations"][xprender.DEVELOPMENT_TARGET] = targets[fn["metadata"]["name"]]
        functions_file = tmp_path / "functions.yaml"
        functions_file.write_text(yaml.safe_dump_all(functions))
        proc = subprocess.run(
            [str(cli), "render", str(HERE / "xr.yaml"), str(HERE / "composition.yaml"), str(functions_file),
             "-e", str(xprender.ENVIRONMENT), "-o", str(HERE / "observed.yaml"), "-x", "-r", "--timeout=30s"],
            cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    xr = next(d for d in docs if d["kind"] == "DNSRoute")
    # patch-and-transform's status field and ours, side by side.
    assert xr["status"]["fromEarlierStep"] == "set by patch-and-transform"
    assert xr["status"]["fqdns"] == ["api-pipeline.acme.omantel.example"]
    # patch-and-transform's ConfigMap and our records, side by side.
    composed = [d for d in docs if d.get("metadata", {}).get("annotations", {}).get(
        "crossplane.io/composition-resource-name")]
    names = {d["metadata"]["annotations"]["crossplane.io/composition-resource-name"] for d in composed}
    assert "marker" in names
    assert {d["kind"] for d in composed} == {"ConfigMap", "DNSRecord"}
    assert not [d for d in docs if d["kind"] == "Result" and d.get("severity") == "SEVERITY_FATAL"]
