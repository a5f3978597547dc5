"""Every value of a valid claim and of valid settings swapped for one of another type: refused by name.

The fuzzers mutate at random; this sweep is exhaustive for one kind of mistake, a value of the
wrong type (a number where a string goes, a list where a mapping goes, null), at every place of
the documents, alone and with each of its siblings left out (an optional key's absence changes
which checks run: a nameserver's IPv6 address is read differently when its IPv4 one is missing).
The compiled build checks declared types when it runs (tests/conftest.py), so a wrong-typed value
that reaches a typed parameter before a check names it raises TypeError there and would surface
as an internal error; in both builds every such request must be one Fatal naming a field.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from function.fn import run
from tests.function.requests import request, xr
from tests.hostile.corpus import SETTINGS2, VALID_SPECS, req

WRONG: tuple[Any, ...] = (7, 2.5, True, "x", None, [], {}, ["x"], {"x": 1})
Path = tuple[str | int, ...]

# Base documents with every optional key present, so that each has a value to be swapped.
SETTINGS_FULL = copy.deepcopy(SETTINGS2)
SETTINGS_FULL["regions"][0]["nameserver"]["ipv6"] = "2001:db8::53"
SETTINGS_FULL["zones"][0]["providerConfigKind"] = "ClusterProviderConfig"
SETTINGS_FULL["zones"][3]["project"] = "acme-dns"
SPECS: dict[str, dict[str, Any]] = {
    "Gslb": {**VALID_SPECS["Gslb"], "backendRef": {**VALID_SPECS["Gslb"]["backendRef"], "namespace": "acme-prod",
                                                   "apiVersion": "gateway.networking.k8s.io/v1"}},
    "Gslb weighted": {"hostnames": ["shop.acme.omantel.example"], "regions": ["fsn", "hel"],
                      "strategy": {"type": "roundRobin", "weights": {"fsn": 70, "hel": 30}},
                      "backendRef": {"kind": "Service", "name": "shop", "namespace": "shop"}},
    "DNSRoute": {"hostnames": ["api.acme.omantel.example"], "targets": {"addresses": ["203.0.113.10"]},
                 "ttl": 300, "proxied": True},
    "DNSRoute hostname": {"hostnames": ["www.acme.omantel.example"], "targets": {"hostname": "edge.example.net"}},
    "DNSRoute regions": {"hostnames": ["app.acme.omantel.example"], "targets": {"regions": ["fsn", "hel"]}},
    "DNSRecord": {**VALID_SPECS["DNSRecord"], "ttl": 600},
}


def places(node: Any, path: Path = ()) -> Iterator[Path]:
    """Every place in ``node`` below its root, parents before children."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield (*path, key)
        yield from places(child, (*path, key))


def variants(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``doc`` with one place given a wrong-typed value, alone and with each sibling key removed."""
    for path in places(doc):
        parent_path, key = path[:-1], path[-1]
        parent = _at(doc, parent_path)
        dropped: list[str | None] = [None]
        if isinstance(parent, dict):
            dropped += [k for k in parent if k != key]
        for drop in dropped:
            for wrong in WRONG:
                out = copy.deepcopy(doc)
                holder = _at(out, parent_path)
                holder[key] = wrong
                if drop is not None:
                    del holder[drop]
                where = ".".join(map(str, path))
                yield f"{where}={wrong!r}" + (f" without {drop}" if drop else ""), out


def _at(doc: Any, path: Path) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def check(rsp: fnv1.RunFunctionResponse, what: str) -> None:
    messages = [r.message for r in rsp.results]
    assert not any("internal error" in m for m in messages), f"{what}: {messages}"
    fatals = [r for r in rsp.results if r.severity == fnv1.SEVERITY_FATAL]
    assert len(fatals) <= 1, f"{what}: {messages}"
    if fatals:
        assert not rsp.desired.resources, f"{what}: refused, yet {len(rsp.desired.resources)} resources composed"


@pytest.mark.parametrize("base", sorted(SPECS))
def test_wrong_typed_claim_values_are_refused_by_name(base: str) -> None:
    kind = base.split()[0]
    rsp = run(req(kind, copy.deepcopy(SPECS[base]), settings_data=SETTINGS_FULL), memo=None)
    assert rsp.desired.resources and not rsp.results, [r.message for r in rsp.results]  # the base composes
    count = 0
    for what, spec in variants(copy.deepcopy(SPECS[base])):
        check(run(req(kind, spec, settings_data=SETTINGS_FULL), memo=None), f"{base} spec.{what}")
        count += 1
    assert count >= len(WRONG) * len(list(places(SPECS[base])))


def test_wrong_typed_settings_values_are_refused_by_name() -> None:
    claim = SPECS["Gslb"]
    assert run(req("Gslb", copy.deepcopy(claim), settings_data=SETTINGS_FULL), memo=None).desired.resources
    count = 0
    for what, settings in variants(copy.deepcopy(SETTINGS_FULL)):
        check(run(req("Gslb", copy.deepcopy(claim), settings_data=settings), memo=None), f"settings {what}")
        count += 1
    assert count >= len(WRONG) * len(list(places(SETTINGS_FULL)))


def test_wrong_typed_step_input_values_are_refused_by_name() -> None:
    step_input = {"apiVersion": "dns.fn.openova.io/v1beta1", "kind": "Input",
                  "metadata": {"name": "dns"}, "environmentConfigName": "catalyst-dns", "k8gb": {"enabled": True}}
    claim = SPECS["Gslb"]
    assert run(req("Gslb", copy.deepcopy(claim), settings_data=SETTINGS_FULL, fn_input=step_input),
               memo=None).desired.resources
    for what, doc in variants(step_input):
        check(run(req("Gslb", copy.deepcopy(claim), settings_data=SETTINGS_FULL, fn_input=doc), memo=None),
              f"input {what}")


@pytest.mark.parametrize("namespace", ["acme-prod", None])
def test_wrong_typed_composite_fields_are_refused_by_name(namespace: str | None) -> None:
    # The composite around the spec: its identity, and the claim labels a cluster-scoped one carries.
    labels = None if namespace else {"crossplane.io/claim-namespace": "acme-prod", "crossplane.io/claim-name": "shop"}
    composite = xr("Gslb", copy.deepcopy(SPECS["Gslb"]), namespace=namespace, name="shop", labels=labels)
    composite["metadata"]["uid"] = "5b3c0c9e-0d5a-4b53-9a3e-1f0e8c6a2d11"
    assert run(request(composite, settings_data=SETTINGS_FULL), memo=None).desired.resources
    for what, doc in variants(composite):
        if what.startswith("spec."):
            continue  # the claim's own values: test_wrong_typed_claim_values_are_refused_by_name
        check(run(request(doc, settings_data=SETTINGS_FULL), memo=None), f"composite {what}")
