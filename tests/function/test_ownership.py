"""One name, one owner: races, other namespaces, other scopes, and kinds the cluster does not serve.

Driven through tests/function/engine.py, which runs the requirements loop and applies the
result the way Crossplane does, over a cluster whose CRDs are the real ones in ../shared/crds.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from crossplane.function import resource
from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from function import conflicts
from tests.conftest import spy_needs_python
from tests.core.sovereign import SETTINGS
from tests.function.engine import Cluster, Composite, Engine, UnservedKindError, load_crd, settings_config
from tests.function.requests import fatal, xr

HOST = "web.acme.aws.omantel.example"
ROUTE53_CRDS = ["aws/route53.aws.upbound.io_records.yaml", "aws/route53.aws.m.upbound.io_records.yaml"]
CLOUDFLARE_CRDS = ["cloudflare-upjet/dns.cloudflare.crossplane.io_dnsrecords.yaml",
                   "cloudflare-upjet/dns.cloudflare.m.cloudflare.com_dnsrecords.yaml"]
# One tenant with two namespaces: on Crossplane v2 their namespaced MRs never collide by name.
TWO_NAMESPACES = {**SETTINGS, "tenants": [{"namespaces": ["acme-prod", "acme-stage"],
                                           "suffixes": ["acme.omantel.example", "acme.aws.omantel.example"]}]}


def _cluster(crds: list[str]) -> Cluster:
    cluster = Cluster([load_crd(p) for p in crds])
    cluster.objects[("apiextensions.crossplane.io/v1beta1", "EnvironmentConfig", "", "catalyst-dns")] = (
        settings_config(TWO_NAMESPACES))
    return cluster


def _route(namespace: str, address: str, host: str = HOST) -> Composite:
    return Composite(xr("DNSRoute", {"hostnames": [host], "targets": {"addresses": [address]}},
                        namespace=namespace, name="web"))


def _stored(engine: Engine, xr: Composite) -> list[dict[str, Any]]:
    return [engine.cluster.objects[key] for key in xr.composed.values()]


def _condition(rsp: fnv1.RunFunctionResponse | None, kind: str = "DNSOwnership") -> fnv1.Condition:
    assert rsp is not None
    return next(c for c in rsp.conditions if c.type == kind)


def _race(engine: Engine, first: Composite, second: Composite) -> None:
    """Both composites reconcile against the same empty cluster, then both apply: nobody saw anybody."""
    rsp_first, rsp_second = engine.run_pipeline(first), engine.run_pipeline(second)
    assert fatal(rsp_first) is None and fatal(rsp_second) is None
    engine.apply(first, rsp_first)
    engine.apply(second, rsp_second)


def test_composites_racing_in_two_namespaces_end_with_one_writer() -> None:
    engine = Engine(_cluster(ROUTE53_CRDS))
    prod, stage = _route("acme-prod", "203.0.113.10"), _route("acme-stage", "198.51.100.7")
    _race(engine, prod, stage)  # same second: the smaller owner reference wins the tie
    engine.mark_ready(prod)
    engine.mark_ready(stage)  # Ready does not end the check: both were written, one must stop

    engine.reconcile(prod)
    engine.reconcile(stage)
    assert _condition(prod.last).status == fnv1.STATUS_CONDITION_TRUE
    lost = _condition(stage.last)
    assert (lost.status, lost.reason) == (fnv1.STATUS_CONDITION_FALSE, "Conflict")
    assert lost.message.startswith(f"spec.hostnames[0]: '{HOST}' is also written by dnsroute/acme-prod/web, "
                                   "which wrote it first (Record a-web-acme-aws-omantel-example-")
    assert "set to managementPolicies [Observe] until that owner lets go" in lost.message
    assert any(r.severity == fnv1.SEVERITY_WARNING and r.reason == "Conflict" for r in stage.last.results)
    # Its parked MRs may report Ready (they observe the winner's records); the composite does not:
    # Crossplane takes the function's readiness over the composed resources' (composite/reconciler.go).
    assert stage.last is not None and prod.last is not None
    assert stage.last.desired.composite.ready == fnv1.READY_FALSE
    assert prod.last.desired.composite.ready == fnv1.READY_UNSPECIFIED
    # The loser's MRs (the A record set and its ownership TXT) stay, observe-only: they neither
    # write nor, on deletion, delete the record set the winner writes.
    assert [o["spec"].get("managementPolicies") for o in _stored(engine, stage)] == [["Observe"], ["Observe"]]
    assert all("managementPolicies" not in o["spec"] for o in _stored(engine, prod))

    # The winner lets go: the loser takes over on its next reconcile.
    engine.delete(prod)
    engine.reconcile(stage)
    assert _condition(stage.last).status == fnv1.STATUS_CONDITION_TRUE
    assert stage.last is not None and stage.last.desired.composite.ready == fnv1.READY_UNSPECIFIED
    assert all("managementPolicies" not in o["spec"] for o in _stored(engine, stage))


def test_the_earlier_writer_wins_whatever_its_name() -> None:
    engine = Engine(_cluster(ROUTE53_CRDS))
    stage, prod = _route("acme-stage", "198.51.100.7"), _route("acme-prod", "203.0.113.10")
    rsp_stage, rsp_prod = engine.run_pipeline(stage), engine.run_pipeline(prod)  # nobody sees anybody
    engine.apply(stage, rsp_stage)
    engine.cluster.second += 1
    engine.apply(prod, rsp_prod)  # created a second later
    engine.reconcile(stage)
    engine.reconcile(prod)
    assert _condition(stage.last).status == fnv1.STATUS_CONDITION_TRUE
    assert _condition(prod.last).reason == "Conflict"


def test_a_newcomer_is_refused_before_it_writes() -> None:
    engine = Engine(_cluster(ROUTE53_CRDS))
    prod, stage = _route("acme-prod", "203.0.113.10"), _route("acme-stage", "198.51.100.7")
    engine.reconcile(prod)
    rsp = engine.reconcile(stage)
    message = fatal(rsp)
    assert message is not None and message.startswith(
        f"spec.hostnames[0]: '{HOST}' is already written by dnsroute/acme-prod/web (A record set, Record ")
    assert not stage.composed
    # The refusal is a condition too: Crossplane gives a Fatal to the composite only (Synced=False),
    # but keeps the response's conditions for the claim, whose owner may not read the composite.
    refused = _condition(rsp, "DNSRecordsReady")
    assert (refused.status, refused.reason, refused.message, refused.target) == (
        fnv1.STATUS_CONDITION_FALSE, "Refused", message, fnv1.TARGET_COMPOSITE_AND_CLAIM)


def test_a_race_lost_at_many_names_is_reported_in_bounded_text() -> None:
    """Crossplane bounds neither a condition's message nor the events of a response's results."""
    hosts = [f"w{i:02d}.acme.aws.omantel.example" for i in range(12)]

    def route(namespace: str, address: str) -> Composite:
        return Composite(xr("DNSRoute", {"hostnames": hosts, "targets": {"addresses": [address]}},
                            namespace=namespace, name="web"))

    engine = Engine(_cluster(ROUTE53_CRDS))
    prod, stage = route("acme-prod", "203.0.113.10"), route("acme-stage", "198.51.100.7")
    _race(engine, prod, stage)
    engine.reconcile(stage)
    lost = _condition(stage.last)
    assert lost.reason == "Conflict" and lost.message.endswith("; and 2 more names lost the same way")
    assert lost.message.count("is also written by") == 10
    assert stage.last is not None
    assert sum(r.severity == fnv1.SEVERITY_WARNING for r in stage.last.results) == 10


def test_cloudflare_loser_removes_only_its_own_records() -> None:
    host = "web.acme.omantel.example"
    engine = Engine(_cluster(CLOUDFLARE_CRDS))
    prod, stage = _route("acme-prod", "203.0.113.10", host), _route("acme-stage", "198.51.100.7", host)
    _race(engine, prod, stage)
    engine.reconcile(prod)
    engine.reconcile(stage)
    assert "are removed until that owner lets go" in _condition(stage.last).message
    assert not stage.composed  # each DNSRecord holds its own record by id: deleting it deletes only that
    assert len(prod.composed) == 2
    # From then on the loser is a newcomer, refused before writing anything.
    assert fatal(engine.reconcile(stage)) is not None


def test_only_served_kinds_are_asked_about() -> None:
    # A v2 cluster with only the namespaced Route53 kind installed: asking Crossplane to list the
    # cluster-scoped kind would fail the whole reconcile ("no matches for kind").
    engine = Engine(_cluster(["aws/route53.aws.m.upbound.io_records.yaml"]))
    rsp = engine.reconcile(_route("acme-prod", "203.0.113.10"))
    assert fatal(rsp) is None
    asked = {(s.api_version, s.kind) for s in rsp.requirements.resources.values()}
    assert ("route53.aws.upbound.io/v1beta2", "Record") not in asked
    assert ("apiextensions.k8s.io/v1", "CustomResourceDefinition") in asked


def test_each_probe_is_listed_once_per_reconcile() -> None:
    """Crossplane fetches every requirement again on each turn of its loop, and each probe is a
    LIST its cache filters over every MR of the kind: the probes are asked on one turn only, the
    one after the CRD answers (here both scopes' kinds are served, so both are probed)."""
    engine = Engine(_cluster(ROUTE53_CRDS))
    prod = _route("acme-prod", "203.0.113.10")
    for _ in range(2):  # a first composition, then a reconcile of what it composed
        engine.cluster.fetched.clear()
        calls = len(engine.calls)
        assert fatal(engine.reconcile(prod)) is None
        lists = Counter((s.api_version, s.kind, s.match_labels.labels["dns.openova.io/name"])
                        for s in engine.cluster.fetched if s.WhichOneof("match") == "match_labels")
        assert {api for api, _, _ in lists} == {"route53.aws.m.upbound.io/v1beta1", "route53.aws.upbound.io/v1beta2"}
        assert set(lists.values()) == {1}, lists
        assert len(engine.calls) - calls == 4  # settings; CRDs; every probe; the same again (stable)


def test_the_engine_fails_on_unserved_kinds_like_crossplane() -> None:
    selector = fnv1.ResourceSelector(api_version="route53.aws.upbound.io/v1beta2", kind="Record")
    with pytest.raises(UnservedKindError):
        _cluster(["aws/route53.aws.m.upbound.io_records.yaml"]).fetch(selector)


def test_a_legacy_cluster_xr_and_a_namespaced_xr_are_checked_across_scopes() -> None:
    engine = Engine(_cluster(ROUTE53_CRDS))
    legacy = Composite(xr("XDNSRoute", {"hostnames": [HOST], "targets": {"addresses": ["203.0.113.10"]}},
                          namespace=None, name="web-x1", labels={"crossplane.io/claim-namespace": "acme-prod",
                                                                 "crossplane.io/claim-name": "web"}))
    engine.reconcile(legacy)
    message = fatal(engine.reconcile(_route("acme-stage", "198.51.100.7")))
    assert message is not None and "is already written by dnsroute/acme-prod/web" in message


def test_a_composite_at_rest_keeps_checking() -> None:
    engine = Engine(_cluster(ROUTE53_CRDS))
    prod = _route("acme-prod", "203.0.113.10")
    engine.reconcile(prod)
    engine.mark_ready(prod)
    rsp = engine.reconcile(prod)
    assert all(r.ready == fnv1.READY_TRUE for r in rsp.desired.resources.values())
    assert [k for k in rsp.requirements.resources if k.startswith("owner-of-")]
    body = resource.struct_to_dict(rsp.desired.composite.resource)
    assert body["status"]["fqdns"] == [HOST]


def test_a_writer_that_names_no_owner_is_a_rival() -> None:
    """An MR at our name without an owner annotation (made by hand, or by another tool) is not ours:
    the claim is refused, not composed beside it."""
    scratch = Engine(_cluster(ROUTE53_CRDS))
    scratch.reconcile(_route("acme-prod", "203.0.113.10"))
    (api, kind, _, name), ours = next((key, obj) for key, obj in scratch.cluster.objects.items()
                                      if obj["metadata"].get("labels", {}).get("dns.openova.io/type") == "a")
    stray = {**ours, "metadata": {"name": "hand-made", "namespace": "acme-stage",
                                  "labels": ours["metadata"]["labels"], "creationTimestamp": "2025-01-01T00:00:00Z"}}
    engine = Engine(_cluster(ROUTE53_CRDS))
    engine.cluster.objects[(api, kind, "acme-stage", "hand-made")] = stray
    message = fatal(engine.reconcile(_route("acme-prod", "203.0.113.10")))
    assert message is not None and name != "hand-made"
    assert message.startswith(f"spec.hostnames[0]: '{HOST}' is already written by an unknown owner (A record set, "
                              f"{kind} hand-made)"), message


def test_a_claim_at_rest_is_decided_by_its_owners_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every probe answer of a claim at rest is its own MR: the owner annotation decides, and no MR
    is read as a writer (for a 1,000-hostname claim, 2,001 of them on the last call of every reconcile)."""
    spy_needs_python()
    engine = Engine(_cluster(ROUTE53_CRDS))
    claim = _route("acme-prod", "203.0.113.10")
    assert fatal(engine.reconcile(claim)) is None

    def no_writer(*_: Any) -> Any:
        raise AssertionError("an MR of our own was read as a writer")

    monkeypatch.setattr(conflicts, "_writer", no_writer)
    engine.calls.clear()
    assert fatal(engine.reconcile(claim)) is None
    last = engine.calls[-1][0]
    assert [k for k in last.required_resources if k.startswith("owner-of-") and last.required_resources[k].items]


def _legacy(claim: str, address: str) -> Composite:
    return Composite(xr("XDNSRoute", {"hostnames": [HOST], "targets": {"addresses": [address]}},
                        namespace=None, name=f"{claim}-x1", labels={"crossplane.io/claim-namespace": "acme-prod",
                                                                   "crossplane.io/claim-name": claim}))


def _apply_only(engine: Engine, xr: Composite, rsp: fnv1.RunFunctionResponse, prefix: str) -> None:
    """Crossplane applies composed resources one at a time: this composite got only those named ``prefix``…"""
    partial = fnv1.RunFunctionResponse()
    partial.CopyFrom(rsp)
    for name in [n for n in partial.desired.resources if not n.startswith(prefix)]:
        del partial.desired.resources[name]
    engine.apply(xr, partial)


def test_legacy_claims_that_each_got_half_of_a_record_set_agree_on_one_winner() -> None:
    # Cluster-scoped MRs have one deterministic name per record set, and the ownership TXT is a
    # second MR: two claims created at once can each get one of the pair (seen on a real
    # Crossplane, tests/cluster). Deciding per name, each then found the other at a name it had
    # not written and both were refused for good; decided as one unit, exactly one wins.
    engine = Engine(_cluster(ROUTE53_CRDS))
    first, second = _legacy("web", "203.0.113.10"), _legacy("web2", "198.51.100.7")
    rsp_first, rsp_second = engine.run_pipeline(first), engine.run_pipeline(second)
    _apply_only(engine, first, rsp_first, "a-")  # the A record set
    engine.cluster.second += 1
    _apply_only(engine, second, rsp_second, "txt-")  # its ownership record, a second later

    rsp_first, rsp_second = engine.run_pipeline(first), engine.run_pipeline(second)
    assert fatal(rsp_first) is None and fatal(rsp_second) is None
    assert _condition(rsp_first).status == fnv1.STATUS_CONDITION_TRUE
    lost = _condition(rsp_second)
    assert (lost.status, lost.reason) == (fnv1.STATUS_CONDITION_FALSE, "Conflict")
    assert lost.message.startswith(f"spec.hostnames[0]: '{HOST}' is also written by dnsroute/acme-prod/web, ")
    # The loser releases both: the winner's object is not its to touch, its own TXT is deleted.
    assert not rsp_second.desired.resources
    engine.apply(second, rsp_second)
    assert not second.composed
    engine.reconcile(first)
    assert len(first.composed) == 2 and _condition(first.last).status == fnv1.STATUS_CONDITION_TRUE
    # From then on the loser is a newcomer, refused before it writes.
    assert fatal(engine.reconcile(second)) is not None


AZURE_CRDS = [f"azure/network.azure{scope}.upbound.io_dns{kind}records.yaml"
              for scope in ("", ".m") for kind in ("a", "aaaa", "txt", "cname")]
AZURE_HOST = "web.acme.az.omantel.example"
AZURE_TENANTS = {**SETTINGS, "tenants": [{"namespaces": ["acme-prod", "acme-stage"],
                                          "suffixes": ["acme.az.omantel.example"]}]}


def _azure_cluster() -> Cluster:
    cluster = Cluster([load_crd(p) for p in AZURE_CRDS])
    cluster.objects[("apiextensions.crossplane.io/v1beta1", "EnvironmentConfig", "", "catalyst-dns")] = (
        settings_config(AZURE_TENANTS))
    return cluster


def _kinds(engine: Engine, xr: Composite) -> list[tuple[str, list[str] | None]]:
    """Each stored MR's kind and its management policies (None: the default, writing), sorted."""
    return sorted(((o["kind"], o["spec"].get("managementPolicies")) for o in _stored(engine, xr)), key=str)


def test_a_dual_stack_name_lost_in_a_race_parks_both_of_its_record_sets() -> None:
    """Azure writes A and AAAA at one name as two MRs of two kinds (and an ownership TXT for
    each): a loss parks all four, not the first of them alone."""
    engine = Engine(_azure_cluster())
    addresses = ["203.0.113.10", "2001:db8::10"]
    prod = _route("acme-prod", "", AZURE_HOST)
    stage = _route("acme-stage", "", AZURE_HOST)
    prod.manifest["spec"]["targets"]["addresses"] = addresses
    stage.manifest["spec"]["targets"]["addresses"] = ["198.51.100.7", "2001:db8::7"]
    _race(engine, prod, stage)
    assert [kind for kind, _ in _kinds(engine, stage)] == ["DNSAAAARecord", "DNSARecord", "DNSTXTRecord",
                                                           "DNSTXTRecord"]
    engine.reconcile(prod)
    engine.reconcile(stage)
    assert _condition(stage.last).reason == "Conflict"
    assert all(policies == ["Observe"] for _, policies in _kinds(engine, stage))
    assert all(policies is None for _, policies in _kinds(engine, prod))


@pytest.mark.parametrize("first", ["dual-stack", "aaaa-only"])
def test_a_rival_at_a_dual_stack_name_is_judged_against_both_types(first: str) -> None:
    """One composite writes A and AAAA at the name, the other AAAA only: whichever comes second
    is refused, naming the AAAA record set (the dual-stack one must judge the rival against
    both of its types, not the first alone)."""
    engine = Engine(_azure_cluster())
    dual = _route("acme-prod", "", AZURE_HOST)
    dual.manifest["spec"]["targets"]["addresses"] = ["203.0.113.10", "2001:db8::10"]
    single = _route("acme-stage", "2001:db8::7", AZURE_HOST)
    earlier, newcomer = (dual, single) if first == "dual-stack" else (single, dual)
    engine.reconcile(earlier)
    assert len(earlier.composed) == (4 if earlier is dual else 2)  # a record set and its ownership TXT each
    message = fatal(engine.reconcile(newcomer))
    owner = "acme-prod" if earlier is dual else "acme-stage"
    assert message is not None and message.startswith(
        f"spec.hostnames[0]: '{AZURE_HOST}' is already written by dnsroute/{owner}/web (AAAA record set")
    assert not newcomer.composed
