"""The XRDs refuse at admission what the function refuses, on the same field (Gslb strategies, empty DNSRoute targets).

A claim the API server admits but the function refuses shows its Fatal on the composite and
its refusal condition on the claim only after a reconcile; what the XRD's CEL rules refuse,
``kubectl apply`` refuses there and then. ``crossplane beta validate`` runs the XRD's schema
and CEL rules offline as the API server does (the cluster tests apply such a claim to the real
one); the function must refuse each case too (``crossplane render`` and older XRDs), and must
compose every strategy the rules admit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import xprender
import yaml

from function.fn import run
from tests.function.requests import fatal, request, xr

VERSIONS = ("legacy", "v2")
BASE = {"hostnames": ["shop.acme.omantel.example"], "regions": ["fsn", "hel"],
        "backendRef": {"kind": "HTTPRoute", "name": "shop"}}

# name: (strategy, the field both refuse, the XRD's words)
REFUSED: dict[str, tuple[dict[str, Any], str, str]] = {
    "failover-without-primary": ({"type": "failover"}, "spec.strategy.primaryRegion",
                                 "is required for a failover strategy"),
    "empty-primary": ({"type": "failover", "primaryRegion": ""}, "spec.strategy.primaryRegion",
                      "must be one of spec.regions"),
    "primary-outside-regions": ({"type": "failover", "primaryRegion": "ams"}, "spec.strategy.primaryRegion",
                                "must be one of spec.regions"),
    "primary-on-round-robin": ({"type": "roundRobin", "primaryRegion": "fsn"}, "spec.strategy.primaryRegion",
                               "applies to the failover strategy only"),
    "weights-on-geoip": ({"type": "geoip", "weights": {"fsn": 10}}, "spec.strategy.weights",
                         "apply to the roundRobin strategy only"),
    "weights-on-failover": ({"type": "failover", "primaryRegion": "fsn", "weights": {"fsn": 10}},
                            "spec.strategy.weights", "apply to the roundRobin strategy only"),
    "weight-outside-regions": ({"type": "roundRobin", "weights": {"fsn": 10, "ams": 5}}, "spec.strategy.weights",
                               "may only name regions of spec.regions"),
    "all-weights-zero": ({"type": "roundRobin", "weights": {"fsn": 0, "hel": 0}}, "spec.strategy.weights",
                         "must give at least one region a weight above 0"),
    "no-weights": ({"type": "roundRobin", "weights": {}}, "spec.strategy.weights",
                   "must give at least one region a weight above 0"),
    "empty-weights-on-geoip": ({"type": "geoip", "weights": {}}, "spec.strategy.weights",
                               "apply to the roundRobin strategy only"),
    "empty-primary-on-round-robin": ({"type": "roundRobin", "primaryRegion": ""}, "spec.strategy.primaryRegion",
                                     "applies to the failover strategy only"),
}
ADMITTED: dict[str, dict[str, Any]] = {
    "failover": {"type": "failover", "primaryRegion": "hel"},
    "round-robin": {"type": "roundRobin"},
    "round-robin-weighted": {"type": "roundRobin", "weights": {"fsn": 0, "hel": 30}},
    "geoip": {"type": "geoip"},
}


def _validate(cli: Path, tmp: Path, version: str, kind: str, specs: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Each named claim of ``kind`` through ``crossplane beta validate`` against the XRD of that
    version (the composite itself for legacy, ``X<kind>``): its output lines, by name."""
    definition = xprender.ROOT / "apis" / version / kind.lower() / "definition.yaml"
    docs = []
    for name, spec in specs.items():
        metadata: dict[str, Any] = {"name": name} if version == "legacy" else {"name": name, "namespace": "acme-prod"}
        docs.append({"apiVersion": "dns.openova.io/v1alpha1", "kind": f"X{kind}" if version == "legacy" else kind,
                     "metadata": metadata, "spec": spec})
    claims = tmp / f"{version}.yaml"
    claims.write_text(yaml.safe_dump_all(docs))
    check = xprender.validate(cli, [definition], [claims], tmp)
    assert f"Total {len(docs)} resources" in check.output, check.output
    return {name: "\n".join(line for line in check.output.splitlines() if f", {name} " in line + " ")
            for name in specs}


def _gslbs(strategies: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: {**BASE, "strategy": strategy} for name, strategy in strategies.items()}


@pytest.mark.parametrize("version", VERSIONS)
def test_the_xrd_refuses_each_strategy_the_function_refuses(cli: Path, tmp_path: Path, version: str) -> None:
    lines = _validate(cli, tmp_path, version, "Gslb", _gslbs({name: case[0] for name, case in REFUSED.items()}))
    for name, (_, field, words) in REFUSED.items():
        assert f"{field}: " in lines[name] and words in lines[name], (name, lines[name])
        assert lines[name].startswith("[x]"), (name, lines[name])
        assert lines[name].count("Invalid value") == 1, f"{name}: one message per mistake, as the function gives"


@pytest.mark.parametrize("version", VERSIONS)
def test_the_xrd_admits_every_strategy_the_function_composes(cli: Path, tmp_path: Path, version: str) -> None:
    lines = _validate(cli, tmp_path, version, "Gslb", _gslbs(ADMITTED))
    for name, line in lines.items():
        assert line.startswith("[✓]") and "validated successfully" in line, (name, line)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_function_refuses_the_same_field(name: str) -> None:
    strategy, field, _ = REFUSED[name]
    got = fatal(run(request(xr("Gslb", {**BASE, "strategy": strategy}))))
    assert got is not None and got.startswith((f"{field}: ", f"{field}.")), got  # the field, or a key of it


@pytest.mark.parametrize("name", sorted(ADMITTED))
def test_the_function_composes_what_the_xrd_admits(name: str) -> None:
    assert fatal(run(request(xr("Gslb", {**BASE, "strategy": ADMITTED[name]})))) is None


@pytest.mark.parametrize("version", VERSIONS)
def test_the_xrd_refuses_an_empty_dnsroute_target(cli: Path, tmp_path: Path, version: str) -> None:
    lines = _validate(cli, tmp_path, version, "DNSRoute",
                      {key: {"hostnames": ["x.acme.omantel.example"], "targets": {key: []}}
                       for key in ("addresses", "regions")})
    for key, line in lines.items():
        assert line.startswith("[x]") and f"spec.targets.{key} in body should have at least 1 items" in line, line
