"""The compiled MR forms write exactly the manifest the providers and ``envelope`` describe.

``compose`` never builds a manifest as dicts: it fills an envelope encoded once per kind
and provider config, and encodes ``forProvider`` through a shape compiled per provider,
type and value count, read in place: one compiled call writes the MR's whole
``desired.resources`` entry. Here every provider, scope and record type is encoded both
ways — the fast path, and the plain document (``envelope`` with the marks as a ``Marks``)
through the generic encoder and protobuf's own ``Struct`` — and they must agree byte for
byte; so must forms reused across record sets of one shape.
"""

from __future__ import annotations

import pytest
from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from google.protobuf import struct_pb2

from catalyst_dns import k8gb
from catalyst_dns.providers import PROVIDERS, Scope
from catalyst_dns.providers.base import Marks, RecordSetIds, envelope, record_set_ids
from catalyst_dns.records import RecordType
from function import compose, wire
from function.conflicts import MARK_ANNOTATIONS, MARK_LABELS, mark_values
from function.fn import run
from tests.conftest import spy_needs_python
from tests.core.test_providers import ZONES, rs
from tests.function.requests import request, xr

VALUES = {
    RecordType.A: ("203.0.113.1", "203.0.113.2"),
    RecordType.AAAA: ("2001:db8::1",),
    RecordType.CNAME: ("lb.example.com",),
    RecordType.TXT: ("v=spf1 -all", 'say "hi" \\ there', "k=" + "A" * 300),
    RecordType.MX: ("10 mail.example.com.", "20 backup.example.com."),
    RecordType.SRV: ("1 2 443 sip.example.com.",),
    RecordType.CAA: ('0 issue "letsencrypt.org"',),
}


def protobuf_bytes(document: dict) -> bytes:
    message = struct_pb2.Struct()
    message.update(document)
    serialized: bytes = message.SerializeToString(deterministic=True)
    return serialized


@pytest.mark.parametrize("scope", list(Scope))
@pytest.mark.parametrize("provider", sorted(ZONES))
@pytest.mark.parametrize("rtype", list(VALUES))
def test_compiled_form_is_the_documented_manifest(provider: str, scope: Scope, rtype: RecordType) -> None:
    # Two record sets of one shape (the form is compiled on the first, reused on the second),
    # and one of another value count.
    values = VALUES[rtype]
    record_sets = [rs(provider, rtype, "first", *values), rs(provider, rtype, "second", *values, ttl=600)]
    if len(values) > 1:
        record_sets.append(rs(provider, rtype, "third", values[0]))
    for record_set in record_sets:
        owner = f"gslb/tenant-{provider}/claim"
        ids = RecordSetIds(f"name-{record_set.name}", f"set-{record_set.name}", record_set_ids(record_set).hash)
        marks = mark_values(record_set, owner, ids)
        shape_key = (provider, scope, str(rtype), len(record_set.rdata))
        for composed in PROVIDERS[provider].compose(record_set, scope):
            documented = envelope(
                api_version=composed.api_version, kind=composed.kind, name=composed.name,
                provider_config_ref=composed.provider_config_ref, for_provider=composed.for_provider,
                marks=Marks(labels=dict(zip(MARK_LABELS, marks, strict=False)),
                            annotations=dict(zip(MARK_ANNOTATIONS, marks[len(MARK_LABELS):], strict=True))),
                annotations=composed.annotations)
            entry = compose.resource_entry(composed, shape_key, marks)
            assert entry == wire.resource_entry(composed.name, wire.encode_struct(documented), wire.READY_FALSE)
            state = fnv1.State()
            state.ParseFromString(entry)
            assert state.resources[composed.name].ready == fnv1.READY_FALSE
            fast = state.resources[composed.name].resource
            assert fast.SerializeToString(deterministic=True) == protobuf_bytes(documented)


def test_the_marks_land_where_the_conflict_check_reads_them() -> None:
    record_set = rs("azuredns", RecordType.TXT, "x", "hello")
    (composed,) = PROVIDERS["azuredns"].compose(record_set, Scope.NAMESPACED)
    ids = RecordSetIds("name-id", "set-id", record_set_ids(record_set).hash)
    marks = mark_values(record_set, "dnsrecord/ns/a", ids)
    state = fnv1.State()
    state.ParseFromString(compose.resource_entry(composed, ("azuredns", Scope.NAMESPACED, "TXT", 1), marks))
    metadata = state.resources[composed.name].resource["metadata"]
    assert dict(metadata["labels"]) == {"dns.openova.io/record-set": "set-id", "dns.openova.io/name": "name-id",
                                        "dns.openova.io/type": "txt"}
    assert dict(metadata["annotations"]) == {"dns.openova.io/fqdn": "x.az.omantel.example",
                                             "dns.openova.io/owner": "dnsrecord/ns/a",
                                             "crossplane.io/external-name": "x"}


def test_gslbs_of_every_strategy_are_written_by_their_own_compiled_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    # The Gslb manifests differ in their strategy's keys (a failover primary, weights by
    # region): each shape gets its own compiled encoder, so a claim of another strategy than
    # the first one seen is not handed to the generic encoder (which writes the same bytes, slower).
    spy_needs_python()
    strategies = [{"type": "failover", "primaryRegion": "fsn"}, {"type": "roundRobin"},
                  {"type": "roundRobin", "weights": {"fsn": 70, "hel": 30}},
                  {"type": "roundRobin", "weights": {"fsn": 100}}, {"type": "geoip"}]

    def compose_gslb(name: str, strategy: dict[str, object]) -> None:
        spec = {"hostnames": [f"{name}.acme.omantel.example"], "regions": ["fsn", "hel"], "strategy": strategy,
                "backendRef": {"kind": "HTTPRoute", "name": "shop"}}
        rsp = run(request(xr("Gslb", spec, name=name), fn_input={"k8gb": {"enabled": True}}), memo=None)
        assert not [r.message for r in rsp.results if r.severity == fnv1.SEVERITY_FATAL]
        assert len([n for n in rsp.desired.resources if n.startswith("k8gb-")]) == 2  # one Object per region

    for index, strategy in enumerate(strategies):  # each shape seen once: compiled
        compose_gslb(f"first{index}", strategy)
    generic = wire.encode_struct
    fallbacks: list[object] = []

    def spy(doc: object) -> bytes:
        if isinstance(doc, dict) and doc.get("apiVersion") == k8gb.GSLB_API_VERSION:
            fallbacks.append(doc["spec"]["strategy"])
        return generic(doc)

    monkeypatch.setattr(wire, "encode_struct", spy)
    for index, strategy in enumerate(reversed(strategies)):  # seen again, in another order
        compose_gslb(f"again{index}", strategy)
    assert fallbacks == []
