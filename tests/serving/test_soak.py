"""Soak on loopback: concurrent RunFunction callers with valid and hostile requests for a bounded time.

``SOAK_SECONDS`` (default 20; run it by hand with 60) and ``SOAK_STREAMS`` (default 16) bound
it. Asserts zero transport errors, every response correct (a valid request composes exactly
what the handler composes in-process, a hostile one gets its precise Fatal) and stable memory
(the server's RSS median over the last quarter is at most 1.5x that of the first quarter,
after warm-up). Throughput and latency are printed, never asserted.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import grpc
import psutil

from function.fn import run
from tests.function.requests import fatal
from tests.hostile.corpus import WIRE_CASES, req, valid
from tests.serving.conftest import Server, record_figure

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "20"))
STREAMS = int(os.environ.get("SOAK_STREAMS", "16"))
MAX_MESSAGE = 4 << 20
WARM_UP = 0.1  # share of the RSS samples left out as warm-up


@dataclass(frozen=True)
class Payload:
    """One request on the wire and what its response must be."""

    name: str
    body: bytes
    desired: bytes | None  # a valid request's desired state as the handler composes it in-process
    # (deterministic serialisation: every resource's body and readiness, not only its name)
    expect: tuple[str, ...]  # Fatal substrings for a hostile one


def payloads() -> list[Payload]:
    out = []
    big_gslb = req(
        "Gslb",
        {
            "hostnames": [f"app{i}.acme.omantel.example" for i in range(200)],
            "regions": ["fsn", "hel"],
            "strategy": {"type": "roundRobin", "weights": {"fsn": 70, "hel": 30}},
            "backendRef": {"kind": "HTTPRoute", "name": "app"},
        },
        fn_input={"k8gb": {"enabled": True}},
    )
    for name, request in [
        ("valid-gslb", valid("Gslb")),
        ("valid-route", valid("DNSRoute")),
        ("valid-record", valid("DNSRecord")),
        ("valid-gslb-200", big_gslb),
    ]:
        rsp = run(request)
        assert fatal(rsp) is None
        assert rsp.desired.resources
        out.append(Payload(name, request.SerializeToString(), rsp.desired.SerializeToString(deterministic=True), ()))
    for case in WIRE_CASES:
        body = case.build().SerializeToString()
        if len(body) < MAX_MESSAGE:
            expect = (case.expect,) if isinstance(case.expect, str) else case.expect
            out.append(Payload(case.id, body, None, expect))
    return out


def check(payload: Payload, rsp: object) -> str | None:
    """None when the response is right, else what is wrong."""
    message = fatal(rsp)  # type: ignore[arg-type]
    names = frozenset(rsp.desired.resources)  # type: ignore[attr-defined]
    if payload.desired is not None:
        if message is not None:
            return f"{payload.name}: unexpected Fatal {message[:200]}"
        same = rsp.desired.SerializeToString(deterministic=True) == payload.desired  # type: ignore[attr-defined]
        return None if same else f"{payload.name}: composed other resources ({len(names)} named)"
    if message is None or "internal error" in message or any(p not in message for p in payload.expect):
        return f"{payload.name}: wrong Fatal {str(message)[:200]}"
    return None if not names else f"{payload.name}: refused but composed {len(names)} resources"


def test_soak_concurrent_streams_zero_errors_stable_memory(tmp_path: Path) -> None:
    work = payloads()
    valid_count = sum(1 for p in work if p.desired is not None)
    # Valid requests are a third of the traffic: repeat them so the mix is not all refusals.
    mix = [p for p in work if p.desired is not None] * max(1, (len(work) - valid_count) // (2 * valid_count)) + work
    srv = Server(tmp_path, "--workers", "4", "--max-in-flight", "64", "--max-message-mib", "4")
    proc = psutil.Process(srv.process.pid)
    latencies: list[float] = []
    wrong: list[str] = []
    transport: list[str] = []
    counts = {"valid": 0, "hostile": 0}
    lock = threading.Lock()
    stop = threading.Event()
    rss: list[int] = []

    def sample() -> None:
        while not stop.is_set():
            rss.append(proc.memory_info().rss)
            stop.wait(1.0)

    def stream(index: int) -> None:
        channel = srv.open_channel()
        i = index * 7
        try:
            while not stop.is_set():
                payload = mix[i % len(mix)]
                i += 1
                started = time.perf_counter()
                try:
                    rsp = srv.run(payload.body, timeout=30, channel=channel)
                except grpc.RpcError as err:
                    with lock:
                        transport.append(f"{payload.name}: {err.code()} {err.details()}")
                    continue
                took = time.perf_counter() - started
                problem = check(payload, rsp)
                with lock:
                    latencies.append(took)
                    counts["valid" if payload.desired is not None else "hostile"] += 1
                    if problem:
                        wrong.append(problem)
        finally:
            channel.close()

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    threads = [threading.Thread(target=stream, args=(n,), daemon=True) for n in range(STREAMS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(SOAK_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started
    sampler.join(timeout=5)
    code = srv.stop()

    total = len(latencies)
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2] * 1000 if ordered else float("nan")
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else float("nan")
    mib = 1 << 20
    for line in (
        f"soak: {STREAMS} concurrent RunFunction streams for {elapsed:.1f} s (SOAK_SECONDS={SOAK_SECONDS:g}), "
        f"server --workers 4 --max-in-flight 64",
        f"soak: {total} requests ({counts['valid']} valid, {counts['hostile']} hostile from {len(work)} distinct), "
        f"{total / elapsed:.0f} req/s, latency p50 {p50:.1f} ms p99 {p99:.1f} ms",
        f"soak: {len(transport)} transport errors, {len(wrong)} wrong responses",
        f"soak: server RSS start {rss[0] / mib:.1f} MiB, peak {max(rss) / mib:.1f} MiB, end {rss[-1] / mib:.1f} MiB "
        f"({len(rss)} samples)"
        if rss
        else "soak: no RSS samples",
    ):
        print(line)
        record_figure(line)

    assert not transport, transport[:5]
    assert not wrong, wrong[:5]
    assert total > 0 and counts["valid"] and counts["hostile"]
    assert code == 0, srv.log()
    steady = rss[int(len(rss) * WARM_UP) :]
    assert len(steady) >= 4, f"too few RSS samples ({len(rss)}) for a leak check"
    quarter = max(1, len(steady) // 4)
    first, last = statistics.median(steady[:quarter]), statistics.median(steady[-quarter:])
    assert last <= 1.5 * first, f"server RSS grew from {first / mib:.1f} MiB to {last / mib:.1f} MiB"
