"""Whole exchanges with Crossplane 1.20 and v2.2.1: which fields carry requirements and answers.

Crossplane 1.x reads only ``requirements.extra_resources`` and sends no capabilities;
v2.2 advertises ``CAPABILITY_REQUIRED_RESOURCES`` and reads ``requirements.resources``
(see tests/function/engine.py for the source each rule comes from).
"""

from __future__ import annotations

from typing import Any

from crossplane.function import resource
from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from function.fn import run
from tests.function.engine import Cluster, Composite, Engine, load_crd, settings_config
from tests.function.requests import desired, fatal, request, xr

ROUTE = {"hostnames": ["api.acme.aws.omantel.example"], "targets": {"addresses": ["203.0.113.10"]}}
ROUTE53_CRDS = ["aws/route53.aws.upbound.io_records.yaml", "aws/route53.aws.m.upbound.io_records.yaml"]


def _cluster(crds: list[str]) -> Cluster:
    cluster = Cluster([load_crd(p) for p in crds])
    cluster.objects[("apiextensions.crossplane.io/v1beta1", "EnvironmentConfig", "", "catalyst-dns")] = (
        settings_config())
    return cluster


def _legacy(name: str, claim: str, namespace: str = "acme-prod") -> dict[str, Any]:
    return xr("XDNSRoute", ROUTE, namespace=None, name=name,
              labels={"crossplane.io/claim-namespace": namespace, "crossplane.io/claim-name": claim})


def test_crossplane_1x_exchange_uses_extra_resources_and_refuses_a_taken_name() -> None:
    cluster = _cluster(["aws/route53.aws.upbound.io_records.yaml"])  # a 1.x cluster: cluster kinds only
    engine = Engine(cluster, version="1.20")
    first = Composite(_legacy("api-abc12", "api"))
    rsp = engine.reconcile(first)
    assert fatal(rsp) is None
    # Every call asked in the deprecated field only, which is all 1.x reads.
    for req, answer in engine.calls:
        assert not req.meta.capabilities
        assert not answer.requirements.resources
        assert "sovereign-dns-settings" in answer.requirements.extra_resources
    probes = [k for k in engine.calls[-1][1].requirements.extra_resources if k.startswith("owner-of-")]
    assert probes, "the ownership probes go where 1.x reads them"
    assert {b["kind"] for b in desired(rsp).values()} == {"Record"}
    assert len(first.composed) == 2  # the A record set and its ownership TXT

    # A second claim for the same name, through the same 1.x exchange, is refused.
    engine.calls.clear()
    intruder = Composite(_legacy("api-zz999", "api-two"))
    refused = engine.reconcile(intruder)
    message = fatal(refused)
    assert message is not None
    assert message.startswith("spec.hostnames[0]: 'api.acme.aws.omantel.example' is already written by "
                              "dnsroute/acme-prod/api (A record set, Record ")
    assert not intruder.composed


def test_crossplane_2_2_exchange_uses_required_resources_only() -> None:
    engine = Engine(_cluster(ROUTE53_CRDS), version="2.2")
    rsp = engine.reconcile(Composite(xr("DNSRoute", ROUTE)))
    assert fatal(rsp) is None
    for _, answer in engine.calls:
        assert not answer.requirements.extra_resources
        assert "sovereign-dns-settings" in answer.requirements.resources
    asked = {(s.api_version, s.kind) for k, s in engine.calls[-1][1].requirements.resources.items()
             if k.startswith("owner-of-")}
    assert asked == {("route53.aws.m.upbound.io/v1beta1", "Record"), ("route53.aws.upbound.io/v1beta2", "Record")}


def test_answers_are_read_from_the_field_that_was_asked() -> None:
    # Crossplane 2.2 answers in required_resources; a settings object in extra_resources is not ours to read.
    req = request(xr("DNSRecord", {"name": "_dmarc.acme.omantel.example", "type": "TXT", "values": ["x"]}),
                  resolved=False)
    req.extra_resources["sovereign-dns-settings"].items.add().resource.update(settings_config())
    rsp = run(req)
    assert not rsp.desired.resources and fatal(rsp) is None
    assert "sovereign-dns-settings" in rsp.requirements.resources


def test_advertised_capabilities_without_required_resources_are_refused() -> None:
    req = request(xr("DNSRoute", ROUTE), resolved=False)
    del req.meta.capabilities[:]
    req.meta.capabilities.extend([fnv1.CAPABILITY_CAPABILITIES, fnv1.CAPABILITY_CONDITIONS])
    message = fatal(run(req))
    assert message is not None and message.startswith("meta.capabilities: ")
    assert "lacks CAPABILITY_REQUIRED_RESOURCES" in message


def test_a_capability_newer_than_the_sdk_is_named_by_its_number_in_the_refusal() -> None:
    """A later Crossplane may advertise capabilities this SDK has no name for; the refusal still says why."""
    req = request(xr("DNSRoute", ROUTE), resolved=False)
    del req.meta.capabilities[:]
    req.meta.capabilities.extend([fnv1.CAPABILITY_CAPABILITIES, 999])
    message = fatal(run(req))
    assert message is not None
    assert message.startswith(
        "meta.capabilities: ['999', 'CAPABILITY_CAPABILITIES'] lacks CAPABILITY_REQUIRED_RESOURCES")


def test_legacy_request_helper_matches_the_engine() -> None:
    # The request builder's 1.x form is what the engine sends: no capabilities, extra_resources answered.
    rsp = run(request(_legacy("api-abc12", "api"), legacy=True))
    assert fatal(rsp) is None and rsp.desired.resources
    assert not rsp.requirements.resources
    body = resource.struct_to_dict(next(iter(rsp.desired.resources.values())).resource)
    assert body["apiVersion"] == "route53.aws.upbound.io/v1beta2"


def test_bootstrap_answers_without_capabilities_mean_crossplane_2_0_or_2_1() -> None:
    # A Composition step's bootstrap requirements arrive in required_resources, a field only
    # Crossplane 2.x fills; 2.0 and 2.1 advertise no capabilities but read requirements.resources.
    req = request(xr("DNSRoute", ROUTE))
    del req.meta.capabilities[:]
    rsp = run(req)
    assert fatal(rsp) is None and rsp.desired.resources
    assert "sovereign-dns-settings" in rsp.requirements.resources
    assert not rsp.requirements.extra_resources
