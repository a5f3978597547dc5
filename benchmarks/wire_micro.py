"""Micro-benchmark: today's Struct building vs function.wire, and a phase profile of a first composition.

    .venv-function/bin/python -m benchmarks.wire_micro [--workload large-gslb] [--repeat 15] [--profile-calls 10]

Prints figures only (no timing asserts). Three parts:

1. Encoding the desired state of the workload's first composition (for the large Gslb,
   2,002 composed resources, the composite's status and ~4,000 ownership probes): today's
   pieces (``function.structs.fill`` into a RunFunctionResponse, readiness, selectors,
   ``SerializeToString(deterministic=True)``) against ``function.wire`` producing the same
   bytes, generically (``encode_struct``) and with per-shape templates (``Template``: the
   parts that vary between records of one shape are holes, the rest encoded once). The
   manifests, statuses and probe selectors are computed once beforehand with today's
   planner and providers, so only encoding is timed; the template column also leaves out
   reading each record's hole values from its manifest (in the integration the provider
   hands them over directly). The bytes are checked identical before timing.
2. The same for the "all ready" form (today: parse, set ready, serialise again).
3. A sampling profile (pyinstrument) of ``function.fn.respond`` on distinct XRs of the
   workload, each sample charged to the innermost phase on its stack, plus the handler's
   unprofiled time per call.

Wall times on a shared machine move with its load; CPU time (``time.thread_time``) of this
thread is printed beside it, and ratios within one run are what count.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from google.protobuf import struct_pb2

from benchmarks.workloads import BY_NAME, Workload
from catalyst_dns.providers import provider_for
from function import fn, wire
from function.input import read_input
from function.plan import plan as plan_claim
from function.structs import fill, struct_to_python

SETTINGS_REQUIREMENT = "sovereign-dns-settings"


# --- inputs: what today's planner and providers compose ---------------------------------------


@dataclass
class Inputs:
    resources: list[tuple[str, dict[str, Any]]]  # (desired name, manifest), in composition order
    status: dict[str, Any]
    selectors: list[tuple[str, str, str, dict[str, str]]]  # (requirement, apiVersion, kind, labels)
    selector_field: int  # which Requirements map the probes went in


def request(workload: Workload, variant: int | None) -> fnv1.RunFunctionRequest:
    """The workload's request, the settings answered in both requirement channels."""
    req = workload.request(variant)
    if SETTINGS_REQUIREMENT in req.required_resources:
        req.extra_resources[SETTINGS_REQUIREMENT].CopyFrom(req.required_resources[SETTINGS_REQUIREMENT])
    return req


def inputs(workload: Workload) -> Inputs:
    """The composed manifests (from the providers), the status and probes (from a real response)."""
    req = request(workload, -1)
    composite, spec = fn._parse_claim(req)
    settings_bytes = req.required_resources[SETTINGS_REQUIREMENT].items[0].resource.SerializeToString(
        deterministic=True)
    settings = fn._settings_from_bytes(settings_bytes)
    fn_input = read_input(struct_to_python(req.input, "input"))
    planned = plan_claim(settings, composite, spec, fn_input)
    resources: list[tuple[str, dict[str, Any]]] = []
    for record_set, _ in (*planned.record_sets, *planned.ownership):
        for composed in provider_for(record_set.zone.provider).compose(record_set, composite.scope, composite.owner):
            resources.append((composed.name, composed.manifest))
    resources.extend((composed.name, composed.manifest) for composed in planned.objects)

    rsp = fn.run(req, memo=None)
    if len(rsp.desired.resources) != workload.expected_resources:
        raise SystemExit(f"unexpected response: {len(rsp.desired.resources)} resources, "
                         f"{[r.message for r in rsp.results]}")
    status = struct_to_python(rsp.desired.composite.resource).get("status", {})
    selectors = []
    selector_field = wire.REQUIREMENTS_RESOURCES
    for map_field, selected in ((wire.REQUIREMENTS_EXTRA_RESOURCES, rsp.requirements.extra_resources),
                                (wire.REQUIREMENTS_RESOURCES, rsp.requirements.resources)):
        for name, selector in selected.items():
            if selector.WhichOneof("match") == "match_labels":
                selectors.append((name, selector.api_version, selector.kind, dict(selector.match_labels.labels)))
                selector_field = map_field
    return Inputs(resources, status, selectors, selector_field)


# --- today's pieces -----------------------------------------------------------------------------


def today_fill(data: Inputs) -> fnv1.RunFunctionResponse:
    partial = fnv1.RunFunctionResponse()
    desired = partial.desired
    for name, manifest in data.resources:
        fill(desired.resources[name].resource, manifest)
    fill(desired.composite.resource, {"status": data.status})
    return partial


def today_ready(partial: fnv1.RunFunctionResponse, ready: int) -> None:
    for item in partial.desired.resources.values():
        item.ready = ready


def today_selectors(partial: fnv1.RunFunctionResponse, data: Inputs) -> None:
    selected = (partial.requirements.extra_resources if data.selector_field == wire.REQUIREMENTS_EXTRA_RESOURCES
                else partial.requirements.resources)
    for name, api_version, kind, labels in data.selectors:
        selector = selected[name]
        selector.api_version = api_version
        selector.kind = kind
        for key, value in labels.items():
            selector.match_labels.labels[key] = value


def today_serialize(partial: fnv1.RunFunctionResponse) -> bytes:
    data: bytes = partial.SerializeToString(deterministic=True)
    return data


def today_all(data: Inputs) -> bytes:
    partial = today_fill(data)
    today_ready(partial, fnv1.READY_FALSE)
    today_selectors(partial, data)
    return today_serialize(partial)


def today_ready_form(pending: bytes) -> bytes:
    """Composition.ready today: parse the pending form, set every resource ready, serialise."""
    partial = fnv1.RunFunctionResponse()
    partial.ParseFromString(pending)
    partial.ClearField("requirements")
    today_ready(partial, fnv1.READY_TRUE)
    return today_serialize(partial)


# --- wire ------------------------------------------------------------------------------------------


def wire_selectors(data: Inputs) -> bytes:
    """Probe selectors: one ``label_selector`` per (apiVersion, kind, label), as the integration would keep."""
    by_name = {selector[0]: selector for selector in data.selectors}
    entries = []
    for name in wire.map_order(by_name):
        _, api, kind, labels = by_name[name]
        if len(labels) != 1:
            entries.append(wire.selector_entry(name, api, kind, match_labels=labels, map_field=data.selector_field))
            continue
        (label, value), = labels.items()
        key = (api, kind, label, data.selector_field)
        fast = _selectors.get(key)
        if fast is None:
            fast = _selectors[key] = wire.label_selector(api, kind, label, map_field=data.selector_field)
        entries.append(fast(name, value))
    return wire.requirements(entries)


_selectors: dict[tuple[str, str, str, int], Callable[[str, str], bytes]] = {}


def wire_generic(data: Inputs) -> bytes:
    names = wire.map_order(name for name, _ in data.resources)
    by_name = dict(data.resources)
    entries = [wire.resource_entry(name, wire.encode_struct(by_name[name]), wire.READY_FALSE) for name in names]
    composite = wire.encode_struct({"status": data.status})
    return wire.desired(composite, entries) + wire_selectors(data)


def leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaves(value, (*path, index))
    else:
        yield path, node


def shape(manifest: dict[str, Any]) -> tuple[Any, ...]:
    paths = tuple(sorted(repr(path) for path, _ in leaves(manifest)))
    return (manifest.get("apiVersion"), manifest.get("kind"), paths)


def with_holes(node: Any, holes: dict[tuple[Any, ...], str], path: tuple[Any, ...] = ()) -> Any:
    if path in holes:
        return wire.Hole(holes[path])
    if isinstance(node, dict):
        return {key: with_holes(value, holes, (*path, key)) for key, value in node.items()}
    if isinstance(node, list):
        return [with_holes(value, holes, (*path, index)) for index, value in enumerate(node)]
    return node


def lookup(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


@dataclass
class Templated:
    names: list[str]
    calls: list[tuple[wire.Template, dict[str, Any]]]  # per resource, in map order
    templates: int
    holes_per_record: float


def templated(data: Inputs) -> Templated:
    """Per shape of manifest, one template: the leaves that vary within the shape are holes."""
    groups: dict[tuple[Any, ...], list[tuple[str, dict[str, Any]]]] = {}
    for name, manifest in data.resources:
        groups.setdefault(shape(manifest), []).append((name, manifest))
    calls: dict[str, tuple[wire.Template, dict[str, Any]]] = {}
    hole_count = 0
    for members in groups.values():
        first = dict(leaves(members[0][1]))
        varying = {path for _, manifest in members[1:] for path, value in leaves(manifest) if first[path] != value}
        holes = {path: f"h{index}" for index, path in enumerate(sorted(varying, key=repr))}
        template = wire.Template(with_holes(members[0][1], holes))
        for name, manifest in members:
            calls[name] = (template, {hole: lookup(manifest, path) for path, hole in holes.items()})
            hole_count += len(holes)
    names = wire.map_order(calls)
    return Templated(names, [calls[name] for name in names], len(groups), hole_count / max(len(calls), 1))


def wire_templated(data: Inputs, plan: Templated) -> bytes:
    entries = [wire.resource_entry(name, template(**values), wire.READY_FALSE)
               for name, (template, values) in zip(plan.names, plan.calls, strict=True)]
    composite = wire.encode_struct({"status": data.status})
    return wire.desired(composite, entries) + wire_selectors(data)


RECORD_KEYS = ("name", "type", "zone", "provider", "resource")
STATUS_RECORD = wire.Template({key: wire.Hole(key) for key in RECORD_KEYS})


def status_templated(status: dict[str, Any]) -> bytes:
    """The status as the integration would write it: its records through one template."""
    records = status.get("records", [])
    if any(set(record) != set(RECORD_KEYS) for record in records):
        return wire.encode_struct({"status": status})
    rest = {key: value for key, value in status.items() if key != "records"}
    rest["records"] = wire.Encoded(b"\x32" + wire.varint(0))  # placeholder, replaced below
    items = b"".join([b"\x0a" + wire.varint(len(v)) + v for v in (
        b"\x2a" + wire.varint(len(s)) + s for s in (STATUS_RECORD(**record) for record in records))])
    rest["records"] = wire.Encoded(b"\x32" + wire.varint(len(items)) + items)
    return wire.encode_struct({"status": rest})


# --- timing ---------------------------------------------------------------------------------------


@dataclass
class Timing:
    wall: list[float]
    cpu: list[float]

    def row(self, label: str, base: Timing | None = None) -> str:
        wall, cpu = statistics.median(self.wall) * 1e3, statistics.median(self.cpu) * 1e3
        ratio = f"  {statistics.median(base.cpu) / statistics.median(self.cpu):6.1f}x" if base else ""
        return f"  {label:<58} {min(self.wall) * 1e3:8.2f} {wall:8.2f} {cpu:8.2f}{ratio}"


def timed(call: Callable[[], object], repeat: int) -> Timing:
    call()
    walls, cpus = [], []
    for _ in range(repeat):
        began_wall, began_cpu = time.perf_counter(), time.thread_time()
        call()
        cpus.append(time.thread_time() - began_cpu)
        walls.append(time.perf_counter() - began_wall)
    return Timing(walls, cpus)


HEADER = f"  {'':<58} {'min ms':>8} {'med ms':>8} {'cpu ms':>8}  {'vs today (cpu)'}"


# --- phase profile --------------------------------------------------------------------------------

# Innermost match on the stack wins; (function name, file suffix). "" matches any file.
PHASES: tuple[tuple[str, str, str], ...] = (
    ("_parse_claim", "function/fn.py", "claims parse (struct_to_python + claims)"),
    ("_read_identity", "function/fn.py", "claims parse (struct_to_python + claims)"),
    ("_settings_from_bytes", "function/fn.py", "settings (cached parse)"),
    ("_require_settings", "function/fn.py", "settings request"),
    ("read_input", "function/fn.py", "input"),
    ("read_input", "function/input.py", "input"),
    ("key", "function/memo.py", "memo key"),
    ("get", "function/memo.py", "memo get/put"),
    ("put", "function/memo.py", "memo get/put"),
    ("plan", "function/plan.py", "plan: other"),
    ("check_name", "catalyst_dns/tenancy.py", "plan: tenancy checks"),
    ("check_subtree", "catalyst_dns/tenancy.py", "plan: tenancy checks"),
    ("zone_for", "catalyst_dns/settings.py", "plan: zone lookup"),
    ("zone", "function/plan.py", "plan: zone lookup"),
    ("gslb_name", "function/plan.py", "plan: gslb names (digest, relative)"),
    ("make_record_set", "catalyst_dns/records.py", "plan: record sets (make + provider.check)"),
    ("check", "catalyst_dns/providers/base.py", "plan: record sets (make + provider.check)"),
    ("check", "catalyst_dns/providers/cloudflare.py", "plan: record sets (make + provider.check)"),
    ("check_record_sets", "catalyst_dns/rules.py", "plan: rules across record sets"),
    ("finish", "function/plan.py", "plan: ownership TXT record sets"),
    ("registry_record_set", "catalyst_dns/ownership.py", "plan: ownership TXT record sets"),
    ("k8gb_object", "function/plan.py", "plan: k8gb objects"),
    ("build", "function/compose.py", "compose: build loop (names, status index)"),
    ("compose", "catalyst_dns/providers/", "provider translation (compose/envelope/names)"),
    ("fill", "function/structs.py", "struct building (fill/_set)"),
    ("status", "function/compose.py", "status document"),
    ("_probes", "function/compose.py", "probes (build + requirements)"),
    ("add_requirement", "function/ownership.py", "probes (build + requirements)"),
    ("probe_requirements", "function/ownership.py", "probes (build + requirements)"),
    ("requirements", "function/compose.py", "probes (build + requirements)"),
    ("other_kinds", "function/ownership.py", "probes (build + requirements)"),
    ("served_kinds", "function/ownership.py", "probes (build + requirements)"),
    ("ask_crds", "function/ownership.py", "probes (build + requirements)"),
    ("check_answers", "function/ownership.py", "ownership answers"),
    ("decide", "function/ownership.py", "ownership answers"),
    ("_emit", "function/fn.py", "emit (readiness, conditions, status merge)"),
    ("SerializeToString", "", "serialization (protobuf)"),
    ("ParseFromString", "", "parse of memoised bytes (protobuf)"),
    ("CopyFrom", "", "copy (protobuf)"),
    ("MergeFrom", "", "copy (protobuf)"),
    ("to", "crossplane/function/response.py", "response.to (head)"),
)


def phase_of(function: str, file_path: str) -> str | None:
    name = function.rsplit(".", 1)[-1]
    for phase_function, suffix, phase in PHASES:
        if name == phase_function and (not suffix or suffix in file_path):
            return phase
    return None


def charge(frame: Any, out: Counter[str], phase: str) -> None:
    if frame is None:
        return
    if not frame.function.startswith("["):
        phase = phase_of(frame.function, frame.file_path or "") or phase
    out[phase] += frame.total_self_time
    for child in frame.children:
        charge(child, out, phase)


def profile(workload: Workload, calls: int) -> None:
    from pyinstrument import Profiler

    handler = getattr(fn, "respond", fn.run)
    requests = [request(workload, 1000 + i) for i in range(calls)]
    handler(request(workload, 999))
    plain = [request(workload, 2000 + i) for i in range(calls)]
    walls, cpus = [], []
    for req in plain:
        began_wall, began_cpu = time.perf_counter(), time.thread_time()
        handler(req)
        cpus.append(time.thread_time() - began_cpu)
        walls.append(time.perf_counter() - began_wall)
    print(f"\n3. First composition of {workload.name} (distinct XRs), {handler.__module__}.{handler.__name__}:")
    print(f"   unprofiled: median {statistics.median(walls) * 1e3:.1f} ms wall, "
          f"{statistics.median(cpus) * 1e3:.1f} ms CPU per call (min {min(walls) * 1e3:.1f} ms wall), {calls} calls")

    profiler = Profiler(interval=0.0002)
    profiler.start()
    for req in requests:
        handler(req)
    profiler.stop()
    session = profiler.last_session
    assert session is not None
    counts: Counter[str] = Counter()
    charge(session.root_frame(), counts, "other")
    total = sum(counts.values()) or 1.0
    scale = statistics.median(cpus) * 1e3 / (total / calls * 1e3)
    print(f"   profiled {total / calls * 1e3:.1f} ms per call (sampling); per phase, innermost phase on the stack,"
          f" and scaled to the unprofiled CPU time:")
    for phase, seconds in counts.most_common():
        if phase == "other" and seconds / total < 0.002:
            continue
        share = seconds / calls * 1e3
        print(f"     {share:8.2f} ms  {100 * seconds / total:5.1f}%  ~{share * scale:6.2f} ms"
              f"  {phase}")


# --- main -------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", default="large-gslb", choices=sorted(BY_NAME))
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--profile-calls", type=int, default=10)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args(argv)
    workload = BY_NAME[args.workload]

    data = inputs(workload)
    plan = templated(data)
    values = sum(1 for _, manifest in data.resources for _ in leaves(manifest)) + sum(1 for _ in leaves(data.status))
    print(f"{workload.name}: {len(data.resources)} composed resources, {len(data.selectors)} probe selectors, "
          f"{values} JSON leaves; {plan.templates} templates, {plan.holes_per_record:.1f} holes per record")

    expected = today_all(data)
    pending_desired = wire_generic(data)
    as_message = fnv1.RunFunctionResponse()
    as_message.ParseFromString(expected)
    if pending_desired != expected or wire_templated(data, plan) != expected:
        raise SystemExit("wire bytes differ from protobuf's: fix function/wire.py before timing it")
    print(f"   bytes identical to SerializeToString(deterministic=True): yes ({len(expected) / 1024:.0f} KiB)")

    print("\n1. Pending desired state + probe requirements (what Composition.pending holds):")
    print(HEADER)
    partial = today_fill(data)
    today_ready(partial, fnv1.READY_FALSE)
    today_selectors(partial, data)
    base = timed(lambda: today_all(data), args.repeat)
    print(base.row("today: all (fill + ready + selectors + serialise)"))
    print(timed(lambda: today_fill(data), args.repeat).row("  fill resources + status into Structs"))
    print(timed(lambda: today_ready(partial, fnv1.READY_FALSE), args.repeat).row("  set ready on every resource"))
    print(timed(lambda: today_selectors(fnv1.RunFunctionResponse(), data), args.repeat).row(
        "  probe selectors into Requirements"))
    print(timed(lambda: today_serialize(partial), args.repeat).row("  SerializeToString(deterministic=True)"))
    print(timed(lambda: wire_generic(data), args.repeat).row("wire, generic: encode_struct per resource", base))
    print(timed(lambda: wire_templated(data, plan), args.repeat).row("wire, templates: one per shape, holes per record",
                                                                       base))
    print(timed(lambda: [t(**v) for t, v in plan.calls], args.repeat).row("  templates alone (resource Structs)"))
    print(timed(lambda: wire.encode_struct({"status": data.status}), args.repeat).row(
        "  status alone (encode_struct)"))
    print(timed(lambda: wire_selectors(data), args.repeat).row("  probe selectors alone (label_selector)"))
    print(timed(lambda: status_templated(data.status), args.repeat).row(
        "  status alone (a template per status record)"))
    if status_templated(data.status) != wire.encode_struct({"status": data.status}):
        raise SystemExit("templated status differs")
    status_struct = struct_pb2.Struct()
    print(timed(lambda: fill(status_struct, {"status": data.status}), args.repeat).row("  today: status alone (fill)"))

    print("\n2. The all-ready form (Composition.ready):")
    print(HEADER)
    pending = today_all(data)
    ready_base = timed(lambda: today_ready_form(pending), args.repeat)
    print(ready_base.row("today: parse pending, set ready, serialise"))
    names = wire.map_order(name for name, _ in data.resources)
    by_name = dict(data.resources)
    entries = [wire.resource_entry(name, wire.encode_struct(by_name[name]), wire.READY_FALSE) for name in names]
    composite = wire.encode_struct({"status": data.status})
    if wire.desired(composite, [wire.with_ready(e, wire.READY_TRUE) for e in entries]) != today_ready_form(pending):
        raise SystemExit("ready form differs")
    print(timed(lambda: wire.desired(composite, [wire.with_ready(e, wire.READY_TRUE) for e in entries]),
                args.repeat).row("wire: with_ready per memoised entry + join", ready_base))

    if not args.no_profile:
        profile(workload, args.profile_calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
