import copy
import datetime
import hashlib
import re
from typing import Any

import pytest
from crossplane.function import resource
from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from hypothesis import given, settings
from hypothesis import strategies as st

from catalyst_dns.errors import DnsInputError
from function import claims
from function.fn import SETTINGS_REQUIREMENT, respond, response_ttl, run
from tests.core.sovereign import SETTINGS
from tests.function.engine import all_answered, answer_crds, crds_answered
from tests.function.requests import desired, fatal, memo_key, request, xr

GSLB = {"hostnames": ["shop.acme.omantel.example"], "regions": ["fsn", "hel"],
        "strategy": {"type": "failover", "primaryRegion": "fsn"}, "ttl": 30,
        "backendRef": {"kind": "HTTPRoute", "name": "shop"}}
ROUTE = {"hostnames": ["api.acme.aws.omantel.example"], "targets": {"addresses": ["203.0.113.10", "2001:db8::10"]}}
RECORD = {"name": "_dmarc.acme.gcp.omantel.example", "type": "TXT", "values": ["v=DMARC1; p=reject"]}


def kinds(rsp: fnv1.RunFunctionResponse) -> list[tuple[str, str]]:
    return sorted((d["apiVersion"], d["kind"]) for d in desired(rsp).values())


def test_first_call_asks_for_settings_and_composes_nothing() -> None:
    rsp = run(request(xr("DNSRecord", RECORD), resolved=False))
    assert fatal(rsp) is None
    assert not rsp.desired.resources
    # Crossplane 2.2 advertises CAPABILITY_REQUIRED_RESOURCES: asked there only; 1.x reads extra_resources.
    legacy = run(request(xr("DNSRecord", RECORD), resolved=False, legacy=True))
    for selectors, other in ((rsp.requirements.resources, rsp.requirements.extra_resources),
                             (legacy.requirements.extra_resources, legacy.requirements.resources)):
        selector = selectors[SETTINGS_REQUIREMENT]
        assert (selector.api_version, selector.kind, selector.match_name) == (
            "apiextensions.crossplane.io/v1beta1", "EnvironmentConfig", "catalyst-dns")
        assert SETTINGS_REQUIREMENT not in other


def test_environment_config_name_comes_from_input() -> None:
    rsp = run(request(xr("DNSRecord", RECORD), resolved=False,
                      fn_input={"environmentConfigName": "sovereign-omantel"}))
    assert rsp.requirements.resources[SETTINGS_REQUIREMENT].match_name == "sovereign-omantel"


def test_legacy_extra_resources_answer_is_read() -> None:
    req = request(xr("DNSRecord", RECORD), resolved=False, legacy=True)
    item = req.extra_resources[SETTINGS_REQUIREMENT].items.add()
    item.resource.update({"kind": "EnvironmentConfig", "data": SETTINGS})
    rsp = run(req)
    assert fatal(rsp) is None and len(rsp.desired.resources) == 2


def test_gslb_composes_cnames_ownership_and_k8gb_objects() -> None:
    rsp = run(request(xr("Gslb", GSLB), fn_input={"k8gb": {"enabled": True}}))
    assert fatal(rsp) is None
    docs = desired(rsp)
    cname = next(d for d in docs.values() if d["metadata"]["labels"].get("dns.openova.io/type") == "cname")
    content = cname["spec"]["forProvider"]["content"]
    assert content.startswith("shop-acme-") and content.endswith(".gslb.omantel.example")
    assert len(content.split(".")[0]) == len("shop-acme-") + 6
    assert cname["spec"]["forProvider"]["proxied"] is False
    assert cname["spec"]["forProvider"]["ttl"] == 60  # Cloudflare's floor, above the Gslb's 30
    txt = next(d for d in docs.values() if d["metadata"]["labels"].get("dns.openova.io/type") == "txt")
    assert txt["spec"]["forProvider"]["name"] == "_externaldns.cname-shop.acme.omantel.example"
    assert txt["spec"]["forProvider"]["content"] == (  # quoted: ExternalDNS writes it so, Cloudflare reads TXT so
        '"heritage=external-dns,external-dns/owner=catalyst-dns,external-dns/resource=gslb/acme-prod/example"')
    objects = [d for d in docs.values() if d["kind"] == "Object"]
    assert sorted(o["spec"]["providerConfigRef"]["name"] for o in objects) == ["fsn-dmz", "hel-dmz"]
    gslb = objects[0]["spec"]["forProvider"]["manifest"]
    assert gslb["apiVersion"] == "k8gb.io/v1beta1"
    assert gslb["spec"]["strategy"] == {"type": "failover", "primaryGeoTag": "fsn", "dnsTtlSeconds": 30}
    assert gslb["spec"]["resourceRef"]["kind"] == "HTTPRoute"


def test_gslb_without_k8gb_input_emits_only_dns() -> None:
    rsp = run(request(xr("Gslb", GSLB)))
    assert {d["kind"] for d in desired(rsp).values()} == {"DNSRecord"}


def test_dns_route_addresses_make_a_and_aaaa_on_route53() -> None:
    rsp = run(request(xr("DNSRoute", ROUTE)))
    records = {d["spec"]["forProvider"]["type"]: d["spec"]["forProvider"] for d in desired(rsp).values()
               if not d["spec"]["forProvider"]["name"].startswith("_externaldns")}
    assert records["A"]["records"] == ["203.0.113.10"]
    assert records["AAAA"]["records"] == ["2001:db8::10"]


def test_dns_route_regions_use_ingress_addresses() -> None:
    spec = {"hostnames": ["www.acme.hz.omantel.example"], "targets": {"regions": ["fsn", "hel"]}}
    docs = desired(run(request(xr("DNSRoute", spec))))
    a = next(d for d in docs.values() if d["spec"]["forProvider"]["type"] == "A")
    assert a["spec"]["forProvider"]["records"] == [{"value": "198.51.100.10"}, {"value": "203.0.113.10"}]


def test_legacy_cluster_xr_gets_cluster_scoped_mrs_and_claim_tenancy() -> None:
    composite = xr("XDNSRecord", RECORD, namespace=None, name="dmarc-x7k2p",
                   labels={"crossplane.io/claim-namespace": "acme-prod", "crossplane.io/claim-name": "dmarc"})
    rsp = run(request(composite))
    assert fatal(rsp) is None
    assert {k for k in kinds(rsp)} == {("dns.gcp.upbound.io/v1beta2", "RecordSet")}
    doc = next(iter(desired(rsp).values()))
    assert doc["spec"]["providerConfigRef"] == {"name": "gcp"}
    assert doc["metadata"]["annotations"]["dns.openova.io/owner"] == "dnsrecord/acme-prod/dmarc"


def test_readiness_follows_observed_conditions() -> None:
    first = run(request(xr("DNSRecord", RECORD)))
    names = sorted(first.desired.resources)
    observed = {names[0]: {"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
                names[1]: {"status": {"conditions": [{"type": "Ready", "status": "False"}]}}}
    rsp = run(all_answered(request(xr("DNSRecord", RECORD), observed=observed)))
    assert rsp.desired.resources[names[0]].ready == fnv1.READY_TRUE
    assert rsp.desired.resources[names[1]].ready == fnv1.READY_FALSE
    assert rsp.conditions[0].type == "DNSRecordsReady" and rsp.conditions[0].message == "1 of 2 DNS resources ready"


@pytest.mark.parametrize("legacy", [False, True], ids=["v2", "1.x"])
def test_readiness_is_read_only_on_the_call_whose_answer_crossplane_keeps(legacy: bool) -> None:
    """Crossplane keeps the answer whose requirements equal the call before's (FetchingFunctionRunner,
    v2.2.1 and 1.20.1): on a call that asks what Crossplane has not answered yet (the CRDs, then the
    probes), the observed MRs are not read; the desired resources are sent all the same, pending."""
    def asked(message: Any) -> set[str]:
        return set(message.requirements.extra_resources if legacy else message.requirements.resources)

    def answered(req: fnv1.RunFunctionRequest) -> set[str]:
        return set(req.extra_resources if legacy else req.required_resources)

    names = sorted(run(request(xr("Gslb", GSLB), legacy=legacy)).desired.resources)
    observed = {n: {"status": {"conditions": [{"type": "Ready", "status": "True"}]}} for n in names}
    turns = {"settings answered, CRDs asked": request(xr("Gslb", GSLB), observed=observed, legacy=legacy),
             "CRDs answered, probes asked": crds_answered(request(xr("Gslb", GSLB), observed=observed,
                                                                  legacy=legacy))}
    for turn, req in turns.items():
        rsp = run(req, memo=None)
        assert fatal(rsp) is None, turn
        assert sorted(rsp.desired.resources) == names, turn
        assert all(r.ready == fnv1.READY_FALSE for r in rsp.desired.resources.values()), turn
        assert asked(rsp) - answered(req), turn  # it asks again: Crossplane calls again
    last = all_answered(request(xr("Gslb", GSLB), observed=observed, legacy=legacy))
    kept = run(last, memo=None)
    assert asked(kept) == answered(last)  # the requirements stabilized: Crossplane keeps this answer
    assert all(r.ready == fnv1.READY_TRUE for r in kept.desired.resources.values())
    assert kept.conditions[0].message == f"{len(names)} of {len(names)} DNS resources ready"


BAD: list[tuple[str, str, dict[str, Any], str]] = [
    ("unknown field", "DNSRecord", {**RECORD, "valeus": ["x"]}, "spec.valeus: ['x'] is not a known field"),
    ("wrong type", "DNSRecord", {**RECORD, "values": "v=spf1 -all"}, "spec.values: 'v=spf1 -all' must be a list"),
    ("bad record type", "DNSRecord", {**RECORD, "type": "PTR"}, "spec.type: 'PTR' must be one of"),
    ("DS is no claim type", "DNSRecord", {**RECORD, "type": "DS", "values": ["12345 13 2 AB12"]},
     "spec.type: 'DS' must be one of A, AAAA, CNAME, TXT, MX, SRV, CAA, NS"),
    ("ttl not whole", "DNSRecord", {**RECORD, "ttl": 30.5}, "spec.ttl: 30.5 must be a whole number"),
    ("ttl overflow", "DNSRecord", {**RECORD, "ttl": 2**31}, "spec.ttl: 2147483648 must be between 1 and 2147483647"),
    ("invalid label", "DNSRoute", {**ROUTE, "hostnames": ["-bad.acme.aws.omantel.example"]},
     "spec.hostnames[0]: '-bad.acme.aws.omantel.example' label '-bad' is not a valid DNS label"),
    ("other tenant", "DNSRoute", {**ROUTE, "hostnames": ["api.beta.omantel.example"]},
     "spec.hostnames[0]: 'api.beta.omantel.example' is refused: namespace 'acme-prod' may only use names under"),
    ("reserved name", "DNSRoute", {**ROUTE, "hostnames": ["console.omantel.example"]},
     "is refused: console.omantel.example is a Sovereign control-plane name"),
    ("gslb zone", "DNSRecord", {**RECORD, "name": "x.gslb.omantel.example"},
     "is refused: gslb.omantel.example is the GSLB sub-zone delegated to k8gb"),
    ("ownership name", "DNSRecord", {**RECORD, "name": "_externaldns.a-api.acme.omantel.example"},
     "is an ownership (TXT registry) name"),
    ("outside every zone", "DNSRoute", {**ROUTE, "hostnames": ["api.acme.example.org"]}, "is refused"),
    ("cname beside data", "DNSRoute", {"hostnames": ["x.acme.omantel.example", "x.acme.omantel.example"],
                                        "targets": {"hostname": "lb.example.net"}}, "repeats spec.hostnames[0]"),
    ("cname loop", "DNSRecord", {"name": "x.acme.omantel.example", "type": "CNAME",
                                 "values": ["x.acme.omantel.example."]}, "is a CNAME pointing at itself"),
    ("two targets", "DNSRoute", {**ROUTE, "targets": {"addresses": ["203.0.113.1"], "hostname": "a.example"}},
     "must set exactly one of addresses, hostname or regions"),
    ("proxied off cloudflare", "DNSRoute", {**ROUTE, "proxied": True}, "spec.proxied: True is Cloudflare-only"),
    ("proxied txt", "DNSRecord", {"name": "t.acme.omantel.example", "type": "A", "values": ["1.2.3.4"],
                                  "ttl": 10}, "spec.ttl: 10 is outside Cloudflare's TTL range 60-86400"),
    ("bad mx", "DNSRecord", {"name": "acme.omantel.example", "type": "MX", "values": ["mail.example.com"]},
     "spec.values[0]: 'mail.example.com' must be '<preference> <exchange>'"),
    ("long txt string", "DNSRecord", {**RECORD, "values": ['"' + "a" * 300 + '"']}, "each string is at most 255"),
    ("unknown region", "Gslb", {**GSLB, "regions": ["fsn", "ams"]}, "spec.regions[1]: 'ams' is not a region"),
    ("failover primary", "Gslb", {**GSLB, "strategy": {"type": "failover", "primaryRegion": "ams"}},
     "spec.strategy.primaryRegion: 'ams' is not one of spec.regions"),
    ("weights", "Gslb", {**GSLB, "strategy": {"type": "roundRobin", "weights": {"fsn": 0, "hel": 0}}},
     "must give at least one region a weight above 0"),
    ("backend kind", "Gslb", {**GSLB, "backendRef": {"kind": "Pod", "name": "x"}},
     "spec.backendRef.kind: 'Pod' must be one of"),
    ("zone apex", "DNSRoute", {"hostnames": ["hz.omantel.example"], "targets": {"hostname": "lb.example"}},
     "is refused: hz.omantel.example is a zone apex, which belongs to the Sovereign"),
    ("mixed script", "DNSRoute", {**ROUTE, "hostnames": ["аpi.acme.aws.omantel.example"]}, "mixes scripts"),
    ("address as cname target", "DNSRoute", {**ROUTE, "targets": {"hostname": "203.0.113.5"}},
     "spec.targets.hostname: '203.0.113.5' is not a host name: its top-level label is numeric"),
    ("address as mx exchange", "DNSRecord", {"name": "acme.omantel.example", "type": "MX",
                                             "values": ["10 192.0.2.25"]},
     "spec.values[0]: '192.0.2.25' is not a host name: its top-level label is numeric"),
]


@pytest.mark.parametrize(("why", "kind", "spec", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_fatal_result_and_nothing_composed(why: str, kind: str, spec: dict[str, Any],
                                                             message: str) -> None:
    rsp = run(request(xr(kind, spec)))
    got = fatal(rsp)
    assert got is not None, why
    assert message in got
    assert not rsp.desired.resources


@pytest.mark.parametrize("where", ["spec", "spec.targets"])
def test_of_two_unknown_fields_the_same_one_is_named_whatever_the_map_order(where: str) -> None:
    """The first unknown field in sorted order, not in the order the protobuf map iterates."""
    messages = set()
    for extra in ({"zzz": "z", "aaa": "a"}, {"aaa": "a", "zzz": "z"}):
        spec: dict[str, Any] = {**ROUTE, **extra} if where == "spec" else {
            **ROUTE, "targets": {**ROUTE["targets"], **extra}}
        messages.add(fatal(run(request(xr("DNSRoute", spec)))))
    assert len(messages) == 1
    assert f"{where}.aaa: 'a' is not a known field" in (messages.pop() or "")


def test_of_two_unknown_input_fields_the_same_one_is_named_whatever_the_order() -> None:
    messages = {fatal(run(request(xr("DNSRecord", RECORD), fn_input={
        "apiVersion": "dns.fn.openova.io/v1beta1", "kind": "Input", **extra})))
        for extra in ({"zzz": "z", "aaa": "a"}, {"aaa": "a", "zzz": "z"})}
    assert len(messages) == 1
    assert "input.aaa: 'a' is not a known field" in (messages.pop() or "")


def test_of_two_weights_outside_the_regions_the_same_one_is_named_whatever_the_order() -> None:
    """Weights are read by region name, not in the map's order (which differs between processes)."""
    messages = set()
    for weights in ({"zzz": 1, "aaa": 2, "fsn": 1}, {"aaa": 2, "fsn": 1, "zzz": 1}):
        spec = {**GSLB, "strategy": {"type": "roundRobin", "weights": weights}}
        messages.add(read_refusal(spec))
    assert messages == {"spec.strategy.weights.aaa: 'aaa' is not one of spec.regions (fsn, hel)"}


def read_refusal(spec: dict[str, Any]) -> str:
    """The refusal of reading a Gslb ``spec`` as a Python dict, in its own key order."""
    composite = xr("Gslb", spec)
    with pytest.raises(DnsInputError) as refused:
        claims.read_spec(claims.read_composite(composite).kind, composite)
    return str(refused.value)


def test_settings_errors_name_the_environment_config_field() -> None:
    bad = {**SETTINGS, "ownerId": "openova"}
    got = fatal(run(request(xr("DNSRecord", RECORD), settings_data=bad)))
    assert got is not None and got.startswith("EnvironmentConfig.data.ownerId: 'openova' is the ExternalDNS owner id")


def test_a_region_without_a_kubernetes_provider_config_is_named_where_the_settings_hold_it() -> None:
    # Found by the fuzzer: the refusal named "settings.regions[fsn]", a path in no document.
    bad = copy.deepcopy(SETTINGS)
    del bad["regions"][1]["kubernetesProviderConfig"]
    k8gb = {"apiVersion": "dns.fn.openova.io/v1beta1", "kind": "Input", "k8gb": {"enabled": True}}
    got = fatal(run(request(xr("Gslb", GSLB), settings_data=bad, fn_input=k8gb)))
    assert got == ("EnvironmentConfig.data.regions[1].kubernetesProviderConfig: None is required to place "
                   f"k8gb Gslb resources in region {bad['regions'][1]['geotag']}")


def test_missing_environment_config_is_fatal() -> None:
    req = request(xr("DNSRecord", RECORD), resolved=False)
    req.required_resources[SETTINGS_REQUIREMENT].SetInParent()
    got = fatal(run(req))
    assert got is not None and "names no EnvironmentConfig" in got


def test_not_our_api_group_is_fatal() -> None:
    composite = xr("DNSRecord", RECORD)
    composite["apiVersion"] = "example.org/v1"
    assert "is not in the dns.openova.io API group" in (fatal(run(request(composite))) or "")


HOST_LABELS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=20)


@settings(max_examples=30, deadline=None)
@given(st.lists(HOST_LABELS, min_size=1, max_size=8, unique=True), st.sampled_from(
    ["acme.omantel.example", "acme.hz.omantel.example", "acme.aws.omantel.example", "acme.gcp.omantel.example",
     "acme.az.omantel.example"]))
def test_same_input_gives_byte_identical_output(labels: list[str], suffix: str) -> None:
    spec = {**GSLB, "hostnames": [f"{label}.{suffix}" for label in labels]}
    first = run(request(xr("Gslb", spec), fn_input={"k8gb": {"enabled": True}}))
    second = run(request(xr("Gslb", spec), fn_input={"k8gb": {"enabled": True}}))
    assert fatal(first) is None
    assert first.SerializeToString(deterministic=True) == second.SerializeToString(deterministic=True)
    # Hostname order does not change what is written.
    shuffled = {**spec, "hostnames": list(reversed(spec["hostnames"]))}
    third = run(request(xr("Gslb", shuffled), fn_input={"k8gb": {"enabled": True}}))
    assert desired(third) == desired(first)


def _probe_for(rsp: fnv1.RunFunctionResponse, body: dict[str, Any]) -> str:
    """The requirement that asks about ``body``'s name and kind."""
    name_label = body["metadata"]["labels"]["dns.openova.io/name"]
    return next(k for k, sel in rsp.requirements.resources.items()
                if sel.match_labels.labels.get("dns.openova.io/name") == name_label and sel.kind == body["kind"])


def _foreign(body: dict[str, Any], owner: str, rtype: str | None = None) -> dict[str, Any]:
    labels = dict(body["metadata"]["labels"])
    if rtype:
        labels["dns.openova.io/type"] = rtype
    return {**body, "metadata": {**body["metadata"], "labels": labels,
                                 "annotations": {"dns.openova.io/owner": owner}}}


def test_record_set_owned_by_another_composite_is_refused() -> None:
    first = run(crds_answered(request(xr("DNSRecord", RECORD))))
    body = next(r for r in desired(first).values() if r["metadata"]["name"].startswith("txt-dmarc"))
    req = request(xr("DNSRecord", RECORD, name="intruder"))
    req.required_resources[_probe_for(first, body)].items.add().resource.update(
        _foreign(body, "dnsrecord/acme-prod/original"))
    rsp = run(req)
    got = fatal(rsp)
    assert got is not None and "is already written by dnsrecord/acme-prod/original (TXT record set" in got
    assert got.startswith("spec.values: '_dmarc.acme.gcp.omantel.example'")
    assert not rsp.desired.resources


def test_record_beside_another_composites_cname_is_refused() -> None:
    route = {"hostnames": ["www.acme.az.omantel.example"], "targets": {"addresses": ["203.0.113.9"]}}
    asked = run(request(xr("DNSRoute", route)))
    served = request(xr("DNSRoute", route))
    answer_crds(served, asked)  # the CNAME kind is not ours: asked about once its CRD is seen
    first = run(served)
    a_record = next(r for r in desired(first).values() if r["kind"] == "DNSARecord")
    # Azure has a kind per type: our A record also asks about CNAME records at the name.
    name_label = a_record["metadata"]["labels"]["dns.openova.io/name"]
    cname_probe = next(k for k, sel in first.requirements.resources.items()
                       if sel.kind == "DNSCNAMERecord" and sel.api_version == "network.azure.m.upbound.io/v1beta1"
                       and sel.match_labels.labels["dns.openova.io/name"] == name_label)
    other_cname = {**_foreign(a_record, "dnsroute/acme-prod/other", "cname"), "kind": "DNSCNAMERecord"}
    req = request(xr("DNSRoute", route))
    answer_crds(req, asked)
    req.required_resources[cname_probe].items.add().resource.update(other_cname)
    got = fatal(run(req))
    assert got is not None and "is already written by dnsroute/acme-prod/other (CNAME records beside our A" in got


def test_namespaced_composites_also_ask_the_cluster_scoped_kinds() -> None:
    asked = run(request(xr("DNSRecord", RECORD)))
    crds = {sel.match_name for sel in asked.requirements.resources.values() if sel.kind == "CustomResourceDefinition"}
    assert crds == {"recordsets.dns.gcp.upbound.io"}  # served on this cluster? Crossplane shows us the CRD
    # No probe before that answer: every probe is asked on one turn, so Crossplane lists each once.
    assert not [k for k in asked.requirements.resources if k.startswith("owner-of-")]
    req = request(xr("DNSRecord", RECORD))
    answer_crds(req, asked)
    first = run(req)
    versions = {sel.api_version for k, sel in first.requirements.resources.items() if k.startswith("owner-of-")}
    assert versions == {"dns.gcp.m.upbound.io/v1beta1", "dns.gcp.upbound.io/v1beta2"}
    legacy = xr("XDNSRecord", RECORD, namespace=None, labels={"crossplane.io/claim-namespace": "acme-prod"})
    cluster = run(request(legacy))
    versions = {sel.api_version for k, sel in cluster.requirements.resources.items() if k.startswith("owner-of-")}
    assert versions == {"dns.gcp.upbound.io/v1beta2"}  # a 1.x cluster has no .m. kinds to ask about


def test_other_types_at_one_name_may_have_other_owners() -> None:
    first = run(crds_answered(request(xr("DNSRecord", RECORD))))
    body = next(r for r in desired(first).values() if r["metadata"]["name"].startswith("txt-dmarc"))
    req = request(xr("DNSRecord", RECORD))
    req.required_resources[_probe_for(first, body)].items.add().resource.update(
        _foreign(body, "dnsrecord/acme-prod/mx", "mx"))
    assert fatal(run(req)) is None


def test_own_record_set_found_again_is_not_a_conflict() -> None:
    first = run(crds_answered(request(xr("DNSRecord", RECORD))))
    body = next(r for r in desired(first).values() if r["metadata"]["name"].startswith("txt-dmarc"))
    req = request(xr("DNSRecord", RECORD))
    req.required_resources[_probe_for(first, body)].items.add().resource.update(body)
    assert fatal(run(req)) is None


def test_observed_and_ready_record_sets_are_still_asked_about() -> None:
    # Another namespace's composite may write the same record set at any time (issue 9 point 3).
    first = run(request(xr("DNSRecord", RECORD)))
    observed = {n: {"status": {"conditions": [{"type": "Ready", "status": "True"}]}} for n in first.desired.resources}
    again = run(crds_answered(request(xr("DNSRecord", RECORD), observed=observed)))
    assert [k for k in again.requirements.resources if k.startswith("owner-of-")]


def test_unserved_version_and_foreign_input_are_refused() -> None:
    composite = xr("DNSRecord", RECORD)
    composite["apiVersion"] = "dns.openova.io/v999"
    assert "apiVersion: 'dns.openova.io/v999' is not a served version" in (fatal(run(request(composite))) or "")
    got = fatal(run(request(xr("DNSRecord", RECORD), fn_input={"apiVersion": "example.org/v1", "kind": "Input"})))
    assert got is not None and got.startswith("input.apiVersion: 'example.org/v1' must be dns.fn.openova.io/v1beta1")


def test_hostnames_that_look_alike_get_distinct_gslb_names() -> None:
    spec = {**GSLB, "hostnames": ["a-b.c.acme.omantel.example", "a.b-c.acme.omantel.example"]}
    rsp = run(request(xr("Gslb", spec)))
    assert fatal(rsp) is None
    gslb_names = resource.struct_to_dict(rsp.desired.composite.resource)["status"]["gslbNames"]
    assert len(set(gslb_names)) == 2 and all(n.startswith("a-b-c-acme-") for n in gslb_names)


def _gslb_target(host: str, namespace: str, settings: dict[str, Any]) -> str:
    """The GSLB name a Gslb of one ``host`` in ``namespace`` points its CNAME at."""
    spec = {**GSLB, "hostnames": [host]}
    rsp = run(request(xr("Gslb", spec, namespace=namespace), settings_data=settings), memo=None)
    assert fatal(rsp) is None, fatal(rsp)
    names_ = resource.struct_to_dict(rsp.desired.composite.resource)["status"]["gslbNames"]
    assert len(names_) == 1
    return str(names_[0])


def test_a_gslb_name_cut_to_fit_carries_a_hash_no_search_can_match() -> None:
    """Past the cut a claimant chooses freely: with 6 hex characters, a search of seconds found a
    hostname of another tenant sharing this one's GSLB name (k8gb would answer for both)."""
    settings = copy.deepcopy(SETTINGS)
    settings["tenants"].append({"namespaces": ["b"], "suffixes": ["b.omantel.example"]})
    victim = "a" * 56 + ".acme.omantel.example"
    rival = "a" * 56 + ".11d5c55.b.omantel.example"  # the one the search found
    assert hashlib.sha256(victim.encode()).hexdigest()[:6] == hashlib.sha256(rival.encode()).hexdigest()[:6]
    mine, theirs = _gslb_target(victim, "acme-prod", settings), _gslb_target(rival, "b", settings)
    assert mine != theirs
    label = mine.split(".")[0]
    assert len(label) == 63 and label == "a" * 46 + "-" + hashlib.sha256(victim.encode()).hexdigest()[:16]


def test_a_gslb_name_that_fits_keeps_its_short_hash() -> None:
    """Names that were never cut keep the GSLB name they had (k8gb serves them; a new name would
    move every record)."""
    host = "shop.acme.omantel.example"
    assert _gslb_target(host, "acme-prod", SETTINGS) == (
        f"shop-acme-{hashlib.sha256(host.encode()).hexdigest()[:6]}.gslb.omantel.example")


@pytest.mark.parametrize(("name", "refused"), [
    ("gslb-ns-ams-gslb.omantel.example", True),  # a region the Sovereign may add later
    ("api.gslb-ns-ams-gslb.omantel.example", True),  # and below it
    ("gslb-ns-gslb.omantel.example", False),  # no geotag: not the form
    ("gslb-nsx-ams-gslb.omantel.example", False),
    ("gslb-ns-ams-gslb-x.omantel.example", False),
])
def test_names_of_the_k8gb_nameserver_form_are_kept_for_future_regions(name: str, refused: bool) -> None:
    """Only today's regions' nameserver names were reserved: a tenant holding the whole domain could
    take the name a region added later needs for its delegation's address record."""
    settings = copy.deepcopy(SETTINGS)
    settings["tenants"] = [{"namespaces": ["acme-prod"], "suffixes": ["omantel.example"]}]
    rsp = run(request(xr("DNSRecord", {"name": name, "type": "A", "values": ["203.0.113.9"]}),
                      settings_data=settings), memo=None)
    got = fatal(rsp)
    if refused:
        assert got is not None and "has the form of k8gb's nameserver names" in got, got
        assert not rsp.desired.resources
    else:
        assert got is None, got


def test_gslb_backend_in_another_namespace_is_refused() -> None:
    spec = {**GSLB, "backendRef": {"kind": "HTTPRoute", "name": "shop", "namespace": "beta-prod"}}
    got = fatal(run(request(xr("Gslb", spec), fn_input={"k8gb": {"enabled": True}})))
    assert got is not None and got.startswith(
        "spec.backendRef.namespace: 'beta-prod' is refused: a Gslb may only balance a backend in its tenant's "
        "namespaces (acme-prod)")


def test_most_specific_tenant_suffix_decides() -> None:
    settings_data = {**SETTINGS, "tenants": [
        {"namespaces": ["acme-prod"], "suffixes": ["acme.omantel.example"]},
        {"namespaces": ["beta-prod"], "suffixes": ["x.acme.omantel.example"]}]}
    spec = {"hostnames": ["y.x.acme.omantel.example"], "targets": {"addresses": ["203.0.113.1"]}}
    got = fatal(run(request(xr("DNSRoute", spec), settings_data=settings_data)))
    assert got is not None and got.startswith("spec.hostnames[0]: 'y.x.acme.omantel.example' is refused: "
                                              "x.acme.omantel.example, inside your acme.omantel.example, "
                                              "belongs to another tenant")
    assert fatal(run(request(xr("DNSRoute", spec, namespace="beta-prod"), settings_data=settings_data))) is None


def _two_tenants() -> dict[str, Any]:
    return {**SETTINGS, "tenants": [
        {"namespaces": ["acme-prod"], "suffixes": ["omantel.example"]},
        {"namespaces": ["beta-prod"], "suffixes": ["beta.omantel.example"]}]}


def test_wildcard_over_reserved_names_is_refused() -> None:
    spec = {"hostnames": ["*.omantel.example"], "targets": {"addresses": ["203.0.113.1"]}}
    got = fatal(run(request(xr("DNSRoute", spec), settings_data=_two_tenants())))
    assert got is not None and "is refused: a wildcard here would cover" in got


def test_ns_delegation_over_another_tenant_is_refused() -> None:
    spec = {"name": "x.omantel.example", "type": "NS", "values": ["ns1.evil.example"]}
    assert fatal(run(request(xr("DNSRecord", spec), settings_data=_two_tenants()))) is None
    settings_data = _two_tenants()
    settings_data["tenants"][1]["suffixes"] = ["beta.x.omantel.example"]
    got = fatal(run(request(xr("DNSRecord", spec), settings_data=settings_data)))
    assert got is not None
    assert got.startswith("spec.name: 'x.omantel.example' is refused: an NS delegation here would cover "
                          "beta.x.omantel.example, which belongs to another tenant")


def test_wildcard_inside_own_suffix_is_fine() -> None:
    spec = {"hostnames": ["*.acme.omantel.example"], "targets": {"addresses": ["203.0.113.1"]}}
    assert fatal(run(request(xr("DNSRoute", spec)))) is None


def _nested(depth: int) -> dict[str, Any]:
    doc: dict[str, Any] = {"leaf": "x"}
    for _ in range(depth):
        doc = {"a": doc}
    return doc


@pytest.mark.parametrize("change", ["name", "namespace", "labels", "spec", "kind", "metadata not an object"])
def test_every_part_the_claim_is_read_from_is_in_the_memo_key(change: str) -> None:
    """A part that decided the composition but not the key would replay another claim's answer."""
    base = xr("Gslb", GSLB)
    other = copy.deepcopy(base)
    if change in ("name", "namespace"):
        other["metadata"][change] = "other"
    elif change == "labels":
        other["metadata"]["labels"] = {"crossplane.io/claim-name": "other"}
    elif change == "spec":
        other["spec"]["ttl"] = 31
    elif change == "kind":
        other["kind"] = "XGslb"
    else:
        other["metadata"] = "x"
    assert memo_key(request(base), b"", b"") != memo_key(request(other), b"", b"")


def test_a_large_claim_asks_to_be_run_again_less_often() -> None:
    """Crossplane requeues a composite at rest after its pipeline's shortest TTL, and each run
    applies every composed resource and asks every probe: the TTL grows with the claim."""
    small = run(request(xr("Gslb", GSLB)))
    assert fatal(small) is None and len(small.desired.resources) < 100
    assert small.meta.ttl.ToTimedelta() == datetime.timedelta(minutes=1)
    hosts = [f"h{i:03d}.acme.omantel.example" for i in range(300)]
    large = run(request(xr("Gslb", {**GSLB, "hostnames": hosts})), memo=None)
    assert fatal(large) is None and len(large.desired.resources) == 600
    assert large.meta.ttl.ToTimedelta() == datetime.timedelta(minutes=6)
    assert response_ttl(2002) == 600 and response_ttl(50_000) == 600  # at most ten minutes
    refused = run(request(xr("Gslb", {**GSLB, "ttl": -1})))
    assert fatal(refused) is not None and refused.meta.ttl.ToTimedelta() == datetime.timedelta(minutes=1)


def test_status_and_managed_fields_decide_nothing() -> None:
    """Only the identity and spec are read: a status (ours from last time, or anything a later
    step wrote, nested however deep) and managedFields change neither the answer nor the memo key."""
    plain = run(request(xr("Gslb", GSLB), fn_input={"k8gb": {"enabled": True}}))
    busy = xr("Gslb", GSLB)
    busy["status"] = {"records": [{"name": "old.acme.omantel.example"}], "deep": _nested(60)}
    busy["metadata"].update({"managedFields": [{"manager": "crossplane", "fieldsV1": _nested(40)}],
                             "annotations": {"crossplane.io/composition-resource-name": "x"},
                             "resourceVersion": "12345"})
    rsp = run(request(busy, fn_input={"k8gb": {"enabled": True}}), memo=None)  # composed, not remembered
    assert fatal(rsp) is None
    assert desired(rsp) == desired(plain)
    assert memo_key(request(busy, fn_input={"k8gb": {"enabled": True}}), b"", b"") == memo_key(
        request(xr("Gslb", GSLB), fn_input={"k8gb": {"enabled": True}}), b"", b"")
    # The owner the conflict check uses comes with the composition (its identity is in the memo key).
    assert {d["metadata"]["annotations"]["dns.openova.io/owner"] for d in desired(rsp).values()
            if "dns.openova.io/owner" in d["metadata"].get("annotations", {})} == {"gslb/acme-prod/example"}


def _route(suffix: str, hosts: int, addresses: list[str]) -> dict[str, Any]:
    return {"hostnames": [f"h{i:04d}.{suffix}" for i in range(hosts)], "targets": {"addresses": addresses}}


EIGHT = [f"203.0.113.{i}" for i in range(1, 5)] + [f"2001:db8::{i}" for i in range(1, 5)]


def test_a_claim_composing_more_than_crossplane_accepts_is_refused_by_name() -> None:
    """Crossplane v2.2.1 fails a function response over 4 MiB (``received message larger than
    max (4215949 vs. 4194304)``, seen on the real cluster for this claim): refuse it, naming why."""
    req = crds_answered(request(xr("DNSRoute", _route("acme.az.omantel.example", 1000, EIGHT))))
    raw = respond(req, memo=None)
    assert len(raw) < 4096
    rsp = run(req, memo=None)
    got = fatal(rsp)
    # The turn that asks every probe (CRDs answered): the MRs and the probes make one answer.
    assert got is not None
    size = re.match(r"spec: '<4000 composed resources>' make a (\d+\.\d\d) MiB response", got)
    assert size is not None and float(size[1]) > 4.0, got
    assert "Crossplane accepts at most 4 MiB from a function" in got
    assert not rsp.desired.resources and not rsp.requirements.resources
    assert [(c.type, c.reason) for c in rsp.conditions] == [("DNSRecordsReady", "Refused")]  # only the refusal
    # The same claim composes where the bound is higher, and the whole answer is under it.
    whole = respond(req, memo=None, max_response=8 * 2**20)
    assert 4 * 2**20 < len(whole) <= 8 * 2**20
    parsed = fnv1.RunFunctionResponse()
    parsed.ParseFromString(whole)
    assert fatal(parsed) is None and len(parsed.desired.resources) == 4000


def test_the_bound_counts_the_whole_answer() -> None:
    """Just under the bound composes (1,000 hostnames, A and AAAA on Hetzner: 3.6 MiB)."""
    req = request(xr("DNSRoute", _route("acme.hz.omantel.example", 1000, ["203.0.113.10", "2001:db8::10"])))
    raw = respond(req, memo=None)
    assert len(raw) <= 4 * 2**20
    size = len(raw)
    assert fatal(run(req, memo=None)) is None
    # One byte less than the answer is refused: the bound is the serialized response, head included.
    assert fatal(run(req, memo=None, max_response=size - 1)) is not None
    assert fatal(run(req, memo=None, max_response=size)) is None
