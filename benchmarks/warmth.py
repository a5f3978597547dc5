"""A first composition timed in-process with the CPU's caches warm, and again after they were flushed.

    .venv-function/bin/python -m benchmarks.warmth [--workload NAME ...] [--baseline DIR] [--rounds 6]

Why: in the server a typical first composition costs the handler 1.5-2x what the same call
costs in-process back to back (BENCHMARKS.md), and that gap, not the instructions, is most
of what separates the typical distinct-XR row from the floor. Between two calls in the
server the CPU runs gRPC, the client and whatever else shares this machine, so a call finds
little of its code and data in cache; back to back it finds all of it. Here each call is
timed both ways: "warm" right after the previous one, "cold" right after reading a buffer
larger than the last-level cache (one byte per cache line). The median of each, per
tree, with the trees taking turns in rounds (this machine's speed drifts over seconds).

Under ``valgrind --cache-sim`` (4 MiB last-level cache) a typical first composition after
such a flush missed the last-level cache ~9,700 times: ~3,800 lines of machine code (the
interpreter, upb, OpenSSL, libc) and ~5,800 of data (bytecode, objects, tables), about
600 KiB. What a change does to that footprint shows here, not in the instruction counts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.workloads import BY_NAME, WORKLOADS, as_received

HARNESS = Path(__file__).absolute().parent.parent  # not resolved: the bench links it beside the compiled build
# Calls per tree per round and way (warm, cold): the large Gslb takes ~60 ms a call.
CALLS = {"small-dnsrecord": 120, "typical-gslb": 120, "large-gslb": 4}
FLUSH_BYTES = 64 * 1024 * 1024  # above any last-level cache this machine's kinds have (16-32 MiB)
LINE = 64


def measure(workloads: Sequence[str], trees: dict[str, Path], rounds: int) -> dict[tuple[str, str, str], float]:
    """Median milliseconds per first composition by (workload, tree, "warm" or "cold")."""
    pooled: dict[tuple[str, str, str], list[float]] = {}
    for workload in workloads:
        for turn in range(rounds):
            order = list(trees.items()) if turn % 2 == 0 else list(reversed(trees.items()))
            for name, source in order:
                print(f"  warmth: {workload} {name} round {turn + 1}/{rounds}...", file=sys.stderr, flush=True)
                for way, times in _child_run(source, workload, CALLS[workload], offset=turn).items():
                    pooled.setdefault((workload, name, way), []).extend(times)
    return {key: statistics.median(times) * 1000 for key, times in pooled.items()}


def _child_run(source: Path, workload: str, calls: int, offset: int) -> dict[str, list[float]]:
    """Seconds per call, warm and cold, by the ``function`` package in ``source`` (in its own process)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys([str(source), str(HARNESS)]))}
    command = [sys.executable, "-m", "benchmarks.warmth", "--child", workload, str(calls), str(offset)]
    done = subprocess.run(command, cwd=source, env=env, capture_output=True, check=True, text=True)
    result: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _child(workload_name: str, calls: int, offset: int) -> None:
    """Warm up, then time ``calls`` distinct first compositions each way, interleaved; print them as JSON."""
    import gc

    from function import fn

    workload = BY_NAME[workload_name]
    for warm in (-1, -2):  # imports, compiled templates and the settings, as in a server that has served
        fn.respond(workload.request(warm))
    first = 700_000 + offset * 2 * calls
    requests = [as_received(workload.request(first + i))
                for i in range(2 * calls)]
    gc.freeze()  # as the server does once it is up
    flush = bytearray(FLUSH_BYTES)  # written once, so its pages are real (bytes(n) maps the zero page)
    times: dict[str, list[float]] = {"warm": [], "cold": []}
    fn.respond(requests[0])  # the first timed call follows one like it
    for index, req in enumerate(requests[1:], start=1):
        way = "cold" if index % 2 else "warm"
        if way == "cold":
            flush[::LINE]  # one read per cache line (clean lines: nothing to write back later)
        began = time.perf_counter()
        fn.respond(req)
        times[way].append(time.perf_counter() - began)
    print(json.dumps(times))


def section(medians: dict[tuple[str, str, str], float], tree_names: Sequence[str]) -> list[str]:
    """The medians as a markdown table: warm, cold and cold/warm per tree."""
    if not medians:
        return ["(not measured in this run)"]
    head = "| workload | " + " | ".join(f"{n} warm ms | {n} cold ms | {n} cold/warm" for n in tree_names) + " |"
    lines = [head, "|---|" + "---|---|---|" * len(tree_names)]
    for workload in WORKLOADS:
        if (workload.name, tree_names[0], "warm") not in medians:
            continue
        cells = []
        for name in tree_names:
            warm, cold = medians[(workload.name, name, "warm")], medians[(workload.name, name, "cold")]
            cells.append(f"{warm:.3f} | {cold:.3f} | {cold / warm:.2f}x")
        lines.append(f"| {workload.name} (distinct XRs) | " + " | ".join(cells) + " |")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", action="append", choices=sorted(BY_NAME), help="default: every workload")
    parser.add_argument("--baseline", type=Path, help="a source tree of ours at an earlier commit")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--child", nargs=3, metavar=("WORKLOAD", "CALLS", "OFFSET"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], int(args.child[1]), int(args.child[2]))
        return 0
    trees = {"ours": HARNESS, **({"before": args.baseline} if args.baseline else {})}
    names = args.workload or [w.name for w in WORKLOADS]
    print("\n".join(section(measure(names, trees, args.rounds), list(trees))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
