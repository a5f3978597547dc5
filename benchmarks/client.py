"""A small RunFunction load client: N concurrent streams on one channel, for a bounded time.

Every response is checked (no Fatal result, the expected number of desired composed
resources), so a broken function cannot look fast: a run with any bad response fails.

    python -m benchmarks.client --target 127.0.0.1:9443 --workload typical-gslb --streams 16
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from crossplane.function.proto.v1beta1 import run_function_pb2 as fnv1beta1

MIB = 1024 * 1024
# Each service's RunFunction method, and how its response is parsed.
METHODS: dict[str, tuple[str, Callable[[bytes], Any]]] = {
    "v1": ("/apiextensions.fn.proto.v1.FunctionRunnerService/RunFunction", fnv1.RunFunctionResponse.FromString),
    "v1beta1": ("/apiextensions.fn.proto.v1beta1.FunctionRunnerService/RunFunction",
                fnv1beta1.RunFunctionResponse.FromString),
}
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 64 * MIB),
    ("grpc.max_send_message_length", 64 * MIB),
]
FATAL = 1  # SEVERITY_FATAL in both v1 and v1beta1


class BadResponseError(AssertionError):
    """A response that a correct function would not give."""


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value ``fraction`` of the way up ``values`` (nearest rank; one value is every percentile)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Stats:
    """What one load run measured."""

    streams: int
    latencies: list[float] = field(default_factory=list)  # seconds, one per successful call
    wall: float = 0.0
    response_bytes: int = 0
    rounds: list[float] = field(default_factory=list)  # ms: each round's median, when measured in rounds

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 0.99) * 1000

    @property
    def throughput(self) -> float:
        return self.count / self.wall if self.wall else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"streams": self.streams, "count": self.count, "median_ms": self.median_ms, "p99_ms": self.p99_ms,
                "throughput": self.throughput, "response_bytes": self.response_bytes}


def check(rsp: Any, expected_resources: int) -> None:
    """Refuse a response with a Fatal result or the wrong number of composed resources."""
    for result in rsp.results:
        if result.severity == FATAL:
            raise BadResponseError(f"fatal result: {result.message}")
    got = len(rsp.desired.resources)
    if got != expected_resources:
        raise BadResponseError(f"{got} desired resources, expected {expected_resources}")


async def load(target: str, requests: Sequence[bytes], expected_resources: int, *, service: str = "v1",
               streams: int = 1, duration: float = 3.0, max_requests: int = 100_000, min_requests: int = 0,
               warmup: int = 3, on_tick: Callable[[], None] | None = None) -> Stats:
    """Drive RunFunction with ``streams`` concurrent callers until ``duration`` or ``max_requests``.

    ``requests`` are serialized requests, cycled through (one or several variants).
    ``min_requests`` keeps going past ``duration`` until that many calls have been made.
    """
    method, parse = METHODS[service]
    stats = Stats(streams=streams)
    async with grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS) as channel:
        call = channel.unary_unary(method, request_serializer=None, response_deserializer=parse)
        await asyncio.wait_for(channel.channel_ready(), timeout=30)
        for i in range(warmup):  # connection, caches and lazy imports, on every variant's first
            rsp = await call(requests[i % len(requests)], timeout=120)
            check(rsp, expected_resources)
            stats.response_bytes = rsp.ByteSize()
        issued = 0
        start = time.perf_counter()
        deadline = start + duration

        async def caller(offset: int) -> None:
            nonlocal issued
            while issued < max_requests and (time.perf_counter() < deadline or issued < min_requests):
                req = requests[(issued + offset) % len(requests)]
                issued += 1
                t0 = time.perf_counter()
                rsp = await call(req, timeout=120)
                stats.latencies.append(time.perf_counter() - t0)
                check(rsp, expected_resources)
                if not stats.response_bytes:
                    stats.response_bytes = rsp.ByteSize()
                if on_tick is not None:
                    on_tick()

        await asyncio.gather(*(caller(i) for i in range(streams)))
        stats.wall = time.perf_counter() - start
    return stats


def main(argv: Sequence[str] | None = None) -> int:
    from benchmarks.workloads import BY_NAME

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="host:port of a function serving RunFunction")
    parser.add_argument("--workload", choices=sorted(BY_NAME), required=True)
    parser.add_argument("--streams", type=int, default=1)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--go-templating", action="store_true",
                        help="send the go-templating peer's request (v1beta1, template input)")
    args = parser.parse_args(argv)
    workload = BY_NAME[args.workload]
    if args.go_templating:
        from benchmarks.peers import go_templating

        service, payload = "v1beta1", go_templating.request(workload).SerializeToString()
    else:
        service, payload = "v1", workload.request().SerializeToString()
    stats = asyncio.run(load(args.target, [payload], workload.expected_resources, service=service,
                             streams=args.streams, duration=args.duration))
    d = stats.as_dict()
    print(f"{args.workload} x{args.streams}: n={d['count']} median={d['median_ms']:.2f} ms p99={d['p99_ms']:.2f} ms "
          f"throughput={d['throughput']:.1f} req/s response={d['response_bytes']} B")
    return 0


if __name__ == "__main__":
    sys.exit(main())
