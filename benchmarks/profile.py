"""Profile our handler in-process on a workload (the large Gslb by default) with pyinstrument.

    .venv-function/bin/python -m benchmarks.profile [--workload large-gslb] [--repeat 10] [--top 30] [--warm]

Prints a flat list of the functions with the most self time and the call tree. By default
every call is a distinct XR (another name), so nothing memoised per claim answers and the
profile shows the composition work; --warm repeats one request, as reconciles of one XR do.
One call is made before profiling (imports, settings). It profiles what the server runs
(``function.fn.respond`` where it exists, else ``run``); responses are checked afterwards.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from pyinstrument import Profiler

from benchmarks.workloads import BY_NAME, as_received
from function import fn

HANDLER = getattr(fn, "respond", fn.run)


def as_message(out: Any) -> Any:
    """The response as a message, whichever form the handler returns (bytes, a message, or a wrapper)."""
    if isinstance(out, bytes | bytearray):
        rsp = fnv1.RunFunctionResponse()
        rsp.ParseFromString(out)
        return rsp
    return out.message() if hasattr(out, "message") else out


def self_times(frame: Any, out: Counter[str], parent: str = "?") -> None:
    """Accumulate self time per function over pyinstrument's frame tree.

    pyinstrument records a function's own time in synthetic ``[self]`` children: those are
    charged to the function they belong to.
    """
    if frame is None:
        return
    key = parent if frame.function.startswith("[") else f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
    out[key] += frame.total_self_time
    for child in frame.children:
        self_times(child, out, key)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", default="large-gslb", choices=sorted(BY_NAME))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--top", type=int, default=30, help="functions listed by self time")
    parser.add_argument("--warm", action="store_true", help="repeat one request (memoised work is skipped)")
    parser.add_argument("--interval", type=float, default=0.0005)
    args = parser.parse_args(argv)

    workload = BY_NAME[args.workload]
    requests = [as_received(workload.request(None if args.warm else i)) for i in range(args.repeat)]
    HANDLER(workload.request(None if args.warm else -1))  # warm-up: imports, settings cache

    profiler = Profiler(interval=args.interval)
    began = time.perf_counter()
    profiler.start()
    outs = [HANDLER(req) for req in requests]
    profiler.stop()
    per_call = (time.perf_counter() - began) / args.repeat * 1000
    for out in outs:
        rsp = as_message(out)
        if len(rsp.desired.resources) != workload.expected_resources or any(r.severity == 1 for r in rsp.results):
            raise SystemExit(f"bad response: {[r.message for r in rsp.results]}")

    print(f"{workload.name}: {args.repeat} calls to {HANDLER.__module__}.{HANDLER.__name__}, {per_call:.1f} ms per call"
          f" (profiled), {'one XR repeated' if args.warm else 'distinct XRs'}\n")
    counts: Counter[str] = Counter()
    session = profiler.last_session
    assert session is not None
    self_times(session.root_frame(), counts)
    total = sum(counts.values()) or 1.0
    print(f"Top {args.top} by self time:")
    for name, seconds in counts.most_common(args.top):
        print(f"  {seconds / args.repeat * 1000:8.2f} ms/call  {100 * seconds / total:5.1f}%  {name}")
    print("\nCall tree:")
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
