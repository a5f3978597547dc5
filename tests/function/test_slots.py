"""A changed Cloudflare value updates its MR in place (issue 9 point 7).

Crossplane deletes a composed resource that leaves desired state and creates one that
appears — delete first — so an MR named by its value turns an address change into a
moment with no record at all. Driven through tests/function/engine.py, which applies
desired state as Crossplane does.
"""

from __future__ import annotations

from typing import Any

from function.fn import run
from tests.function.engine import Cluster, Composite, Engine, load_crd, settings_config
from tests.function.requests import desired, fatal, request, xr

HOST = "api.acme.omantel.example"  # a Cloudflare zone


def _engine() -> Engine:
    cluster = Cluster([load_crd(p) for p in ("cloudflare-upjet/dns.cloudflare.crossplane.io_dnsrecords.yaml",
                                             "cloudflare-upjet/dns.cloudflare.m.cloudflare.com_dnsrecords.yaml")])
    cluster.objects[("apiextensions.crossplane.io/v1beta1", "EnvironmentConfig", "", "catalyst-dns")] = (
        settings_config())
    return Engine(cluster)


def _route(*addresses: str) -> dict[str, Any]:
    return xr("DNSRoute", {"hostnames": [HOST], "targets": {"addresses": list(addresses)}}, name="api")


def _a_records(engine: Engine, xr_: Composite) -> dict[str, str]:
    """MR name -> content of the composite's A records, as stored."""
    return {key[3]: engine.cluster.objects[key]["spec"]["forProvider"]["content"]
            for key in xr_.composed.values() if engine.cluster.objects[key]["spec"]["forProvider"]["type"] == "A"}


def test_a_changed_address_updates_the_same_mr() -> None:
    engine = _engine()
    api = Composite(_route("203.0.113.10"))
    engine.reconcile(api)
    before = dict(api.composed)
    created = {k: engine.cluster.objects[k]["metadata"]["creationTimestamp"] for k in before.values()}
    engine.cluster.second += 5
    api.manifest = _route("203.0.113.99")
    assert fatal(engine.reconcile(api)) is None
    assert api.composed == before  # nothing deleted, nothing created
    assert list(_a_records(engine, api).values()) == ["203.0.113.99"]
    assert {k: engine.cluster.objects[k]["metadata"]["creationTimestamp"] for k in before.values()} == created


def test_value_order_does_not_matter() -> None:
    first = desired(run(request(_route("203.0.113.10", "203.0.113.11", "203.0.113.12"))))
    again = desired(run(request(_route("203.0.113.12", "203.0.113.10", "203.0.113.11"))))
    assert first == again


def test_growing_and_shrinking_create_and_delete_only_the_last_slot() -> None:
    engine = _engine()
    api = Composite(_route("203.0.113.10", "203.0.113.20"))
    engine.reconcile(api)
    two = set(_a_records(engine, api))
    api.manifest = _route("203.0.113.10", "203.0.113.20", "203.0.113.30")
    engine.reconcile(api)
    three = _a_records(engine, api)
    assert two < set(three) and len(three) == 3
    api.manifest = _route("203.0.113.10", "203.0.113.30")  # the middle value goes
    engine.reconcile(api)
    assert set(_a_records(engine, api)) == two  # the third slot went; the second now holds .30
    assert sorted(_a_records(engine, api).values()) == ["203.0.113.10", "203.0.113.30"]


def test_slots_of_different_record_sets_never_share_a_name() -> None:
    hosts = [f"h{i}.acme.omantel.example" for i in range(20)]
    spec = {"hostnames": hosts, "targets": {"addresses": ["203.0.113.10", "203.0.113.11", "2001:db8::1"]}}
    docs = desired(run(request(xr("DNSRoute", spec))))
    names = [d["metadata"]["name"] for d in docs.values()]
    assert len(names) == len(set(names)) == 20 * 3 + 20 * 2  # one per value, one TXT per record set
