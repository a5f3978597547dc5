"""The XRDs refuse at admission what the function would refuse: the same bounds, from one home.

A claim the API server admits but the function refuses only shows its Fatal on the composite,
which a claim's owner may not read; a bound the XRD declares and the function does not check
would let ``crossplane render`` compose what the cluster refuses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from catalyst_dns.k8gb import GEOTAG_MAX
from catalyst_dns.settings import MAX_TTL
from function import claims
from function.fn import run
from tests.function.requests import fatal, request, xr

APIS = Path(__file__).resolve().parents[2] / "apis"
DEFINITIONS = sorted(APIS.glob("*/*/definition.yaml"))


def spec_schema(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    version = doc["spec"]["versions"][0]
    props: dict[str, Any] = version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    return props


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: str(p.relative_to(APIS)))
def test_each_xrd_declares_the_functions_bounds(path: Path) -> None:
    spec = spec_schema(path)
    assert (spec["ttl"]["minimum"], spec["ttl"]["maximum"]) == (1, MAX_TTL)
    kind = path.parent.name
    if kind in ("gslb", "dnsroute"):
        assert spec["hostnames"]["maxItems"] == claims.MAX_HOSTNAMES
    regions = {"gslb": spec.get("regions"),
               "dnsroute": spec.get("targets", {}).get("properties", {}).get("regions")}.get(kind)
    if regions is not None:
        assert (regions["maxItems"], regions["x-kubernetes-list-type"]) == (claims.MAX_REGIONS, "set")
        assert regions["items"]["maxLength"] == GEOTAG_MAX
    if kind == "gslb":
        strategy = spec["strategy"]["properties"]
        weight = strategy["weights"]["additionalProperties"]
        assert (weight["minimum"], weight["maximum"]) == (0, claims.MAX_WEIGHT)
        assert strategy["weights"]["maxProperties"] == claims.MAX_REGIONS
        assert strategy["primaryRegion"]["maxLength"] == GEOTAG_MAX
    if kind == "dnsroute":
        targets = spec["targets"]["properties"]
        assert targets["addresses"]["maxItems"] == claims.MAX_VALUES
        assert targets["addresses"]["minItems"] == targets["regions"]["minItems"] == 1
    if kind == "dnsrecord":
        assert spec["values"]["maxItems"] == claims.MAX_VALUES


GSLB = {"hostnames": ["shop.acme.omantel.example"], "regions": ["fsn", "hel"],
        "strategy": {"type": "roundRobin", "weights": {"fsn": 70, "hel": 30}},
        "backendRef": {"kind": "HTTPRoute", "name": "shop"}}


@pytest.mark.parametrize(("change", "field"), [
    ({"ttl": 0}, "spec.ttl"),
    ({"ttl": MAX_TTL + 1}, "spec.ttl"),
    ({"regions": ["fsn", "fsn"]}, "spec.regions[1]"),
    ({"regions": ["fsn", "hel", "a" * (GEOTAG_MAX + 1)]}, "spec.regions[2]"),
    ({"strategy": {"type": "roundRobin", "weights": {"fsn": claims.MAX_WEIGHT + 1, "hel": 30}}},
     "spec.strategy.weights.fsn"),
])
def test_the_function_refuses_just_past_each_bound(change: dict[str, Any], field: str) -> None:
    """What the XRD now refuses at admission, the function refuses too (render, and older XRDs)."""
    assert fatal(run(request(xr("Gslb", GSLB)))) is None
    got = fatal(run(request(xr("Gslb", {**GSLB, **change}))))
    assert got is not None and got.startswith(f"{field}: "), got


def test_numbers_in_a_refusal_are_shown_as_written() -> None:
    """A claim's numbers arrive as protobuf doubles; a refusal shows the integer the user wrote."""
    got = fatal(run(request(xr("Gslb", {**GSLB, "strategy": {"type": "roundRobin", "weights": {"fsn": 0, "hel": 0}}}))))
    assert got == "spec.strategy.weights: {'fsn': 0, 'hel': 0} must give at least one region a weight above 0", got
    got = fatal(run(request(xr("DNSRecord", {"name": "t.acme.omantel.example", "type": "TXT", "values": [5]}))))
    assert got == "spec.values[0]: 5 must be a string, not a number", got
    got = fatal(run(request(xr("DNSRecord", {"name": "t.acme.omantel.example", "type": "TXT", "values": ["x"],
                                             "ttl": 1.5}))))
    assert got == "spec.ttl: 1.5 must be a whole number", got


@pytest.mark.parametrize("targets", [{"addresses": []}, {"regions": []}], ids=["addresses", "regions"])
def test_an_empty_target_is_refused_not_composed_as_nothing(targets: dict[str, Any]) -> None:
    """An empty target would compose no record and report "0 of 0 DNS resources ready"."""
    (key,) = targets
    got = fatal(run(request(xr("DNSRoute", {"hostnames": ["x.acme.omantel.example"], "targets": targets}))))
    assert got == f"spec.targets.{key}: [] must not be empty", got
