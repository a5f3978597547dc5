"""What k8gb needs of a Gslb to serve a name, by backend kind (k8gb v0.21's reference resolvers).

A route or an Ingress lists its host names, and k8gb serves those (``refresolver``); a
Service has none, so k8gb serves the one host in the Gslb's ``k8gb.io/hostname`` annotation
and fails the Gslb without it (``lbservice.GetServers``: "LoadBalancer service GSLB %s
requires %s annotation"). A Service-backed claim of several names needs a Gslb per name.
"""

from __future__ import annotations

from typing import Any

from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from function.fn import run
from tests.function.requests import desired, fatal, request, xr

K8GB = {"k8gb": {"enabled": True}}
HOSTS = ["shop.acme.omantel.example", "cart.acme.hz.omantel.example"]


def gslb(kind: str) -> dict[str, Any]:
    return {"hostnames": HOSTS, "regions": ["fsn", "hel"], "strategy": {"type": "roundRobin"},
            "backendRef": {"kind": kind, "name": "shop"}}


def composed(kind: str) -> tuple[fnv1.RunFunctionResponse, list[dict[str, Any]], dict[str, str]]:
    """The response, its k8gb Objects, and each vanity host's CNAME target."""
    rsp = run(request(xr("Gslb", gslb(kind)), fn_input=K8GB))
    assert fatal(rsp) is None
    docs = desired(rsp).values()
    objects = [d for d in docs if d["kind"] == "Object"]
    targets = {}
    for doc in docs:
        if doc["metadata"]["labels"].get("dns.openova.io/type") == "cname":
            spec = doc["spec"]["forProvider"]
            host = spec["name"] if "content" in spec else f"{spec['name']}.{spec['zone']}"  # Cloudflare: FQDN
            targets[host] = (spec.get("content") or spec["records"][0]["value"]).rstrip(".")
    return rsp, objects, targets


def test_a_service_backend_gets_one_gslb_per_name_annotated_with_the_name_it_serves() -> None:
    rsp, objects, targets = composed("Service")
    assert len(objects) == len(HOSTS) * 2  # a Gslb per GSLB name, in each of the two regions
    served: dict[str, list[str]] = {}
    for obj in objects:
        manifest = obj["spec"]["forProvider"]["manifest"]
        assert manifest["spec"]["resourceRef"]["kind"] == "Service"
        served.setdefault(manifest["metadata"]["annotations"]["k8gb.io/hostname"], []).append(
            obj["metadata"]["labels"]["dns.openova.io/region"])
    # every vanity name's CNAME target is served, in every region, by exactly one Gslb
    assert {name: sorted(regions) for name, regions in served.items()} == {
        target: ["fsn", "hel"] for target in targets.values()}
    status_names = rsp.desired.composite.resource["status"]["gslbNames"]
    assert sorted(served) == sorted(status_names)
    # two Gslbs in one namespace must not share a name, nor two Objects
    gslb_names = {o["spec"]["forProvider"]["manifest"]["metadata"]["name"] for o in objects}
    assert len(gslb_names) == len(HOSTS)
    assert len({o["metadata"]["name"] for o in objects}) == len(objects)


def test_a_route_backend_gets_one_gslb_without_a_host_annotation() -> None:
    _, objects, targets = composed("HTTPRoute")
    assert len(targets) == len(HOSTS)
    assert len(objects) == 2  # one Gslb for every name (the route lists them), in each region
    for obj in objects:
        manifest = obj["spec"]["forProvider"]["manifest"]
        assert "annotations" not in manifest["metadata"]
        assert manifest["spec"]["resourceRef"]["kind"] == "HTTPRoute"
