"""Instructions per first composition, counted by callgrind: a figure the machine's load cannot move.

    .venv-function/bin/python -m benchmarks.instructions [--workload NAME ...] [--baseline DIR]

Why: on this shared machine one tree timed twice in a row differs by up to 1.7x (medians of
600 typical first compositions, in-process), so a change of a few percent cannot be seen in
seconds. ``valgrind --tool=callgrind`` counts the instructions executed instead: the same
count for the same code and inputs whatever else runs (two runs of one tree agree within
0.2%). Each figure runs the handler (``function.fn.respond``) in-process on N distinct XRs —
first compositions, nothing memoised answers — under callgrind twice, once making the calls
and once not, and divides the difference by N, so imports and request building cancel out.

Instructions are not time: valgrind's virtual CPU lacks some of the host's extensions (so
OpenSSL's SHA-256, for one, runs its generic code) and counts no cache misses, so C-heavy
work weighs more than it costs and memory-bound work less. Compare trees of ours with it
(``--baseline``, the same harness over another commit's ``function``), not ours with a peer.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.workloads import BY_NAME, WORKLOADS, as_received

# Distinct XRs composed per figure: enough that one call's noise (a GC pass) averages out,
# few enough that the large Gslb stays near a minute under callgrind.
CALLS = {"small-dnsrecord": 200, "typical-gslb": 200, "large-gslb": 6}
HARNESS = Path(__file__).absolute().parent.parent  # not resolved: the bench links it beside the compiled build
_COLLECTED = re.compile(rb"Collected : (\d+)")


def available() -> bool:
    """Whether valgrind is installed (every kind of this machine has it; a laptop may not)."""
    return shutil.which("valgrind") is not None


def per_call(workload: str, source: Path = HARNESS, calls: int | None = None) -> int:
    """Instructions per first composition of ``workload`` by the ``function`` package in ``source``.

    The two counts run side by side (a count does not depend on what else runs).
    """
    n = calls or CALLS[workload]
    with ThreadPoolExecutor(max_workers=2) as pool:
        with_calls, without = pool.map(lambda made: _count(source, workload, n, made), (n, 0))
    return (with_calls - without) // n


def counts(workloads: Sequence[str], baseline: Path | None = None) -> dict[tuple[str, str], int]:
    """Instructions per first composition by (workload, "ours" or "before"), the baseline's when given."""
    out: dict[tuple[str, str], int] = {}
    for workload in workloads:
        for name, source in (("ours", HARNESS), ("before", baseline)):
            if source is not None:
                print(f"  counting instructions: {workload} {name}...", file=sys.stderr, flush=True)
                out[(workload, name)] = per_call(workload, source)
    return out


def _count(source: Path, workload: str, prepared: int, made: int) -> int:
    """Instructions of a child that prepares ``prepared`` requests and answers the first ``made``."""
    # ``function`` from ``source`` (a baseline's export holds only the function's packages);
    # the harness (this module, the workloads and the settings they use) from this tree.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys([str(source), str(HARNESS)]))}
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-m",
               "benchmarks.instructions", "--child", workload, str(prepared), str(made)]
    done = subprocess.run(command, cwd=source, env=env, capture_output=True, check=True)
    found = _COLLECTED.search(done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count: {done.stderr[-500:].decode(errors='replace')}")
    return int(found.group(1))


def _child(workload_name: str, prepared: int, made: int) -> None:
    """What runs under callgrind: warm up, build ``prepared`` distinct requests, answer ``made`` of them."""
    from function import fn

    workload = BY_NAME[workload_name]
    for warm in (-1, -2):  # imports, compiled templates and the settings, before anything counts
        fn.respond(workload.request(warm))
    requests = [as_received(workload.request(500_000 + i))
                for i in range(prepared)]
    for req in requests[:made]:
        fn.respond(req)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", action="append", choices=sorted(BY_NAME), help="default: every workload")
    parser.add_argument("--baseline", type=Path, help="a source tree of ours at an earlier commit")
    parser.add_argument("--child", nargs=3, metavar=("WORKLOAD", "PREPARED", "MADE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], int(args.child[1]), int(args.child[2]))
        return 0
    if not available():
        print("valgrind is not installed: no instruction counts", file=sys.stderr)
        return 1
    names = args.workload or [w.name for w in WORKLOADS]
    counted = counts(names, args.baseline)
    for name in names:
        ours = counted[(name, "ours")]
        line = f"{name}: ours {ours:,} instructions per first composition"
        if (name, "before") in counted:
            before = counted[(name, "before")]
            line += f"; before {before:,} ({ours / before:.3f}x)"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
