"""The benchmark's requests: one small, one typical and one large composite.

The Sovereign settings and the request builder are the function tests' own
(tests/function/requests.py), so the tenancy allows every name used here
(suffixes acme.omantel.example on Cloudflare and acme.hz.omantel.example on Hetzner).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from google.protobuf import json_format

from function.fn import run
from tests.core.sovereign import SETTINGS
from tests.function.engine import Cluster, Composite, Engine, load_crd, settings_config
from tests.function.requests import request, xr

K8GB_INPUT: dict[str, Any] = {"apiVersion": "dns.fn.openova.io/v1beta1", "kind": "Input", "k8gb": {"enabled": True}}
ZONES = ("acme.omantel.example", "acme.hz.omantel.example")  # Cloudflare, Hetzner
REGIONS = ("fsn", "hel")


@dataclass(frozen=True)
class Workload:
    """One request, and what a correct answer to it holds."""

    name: str
    kind: str  # the composite's kind
    spec: dict[str, Any]
    fn_input: dict[str, Any]
    expected_resources: int  # desired composed resources in a correct response
    description: str

    @property
    def hostnames(self) -> list[str]:
        return list(self.spec.get("hostnames", [])) or [self.spec["name"]]

    @property
    def key(self) -> tuple[str, int]:
        """What the floor keys its precomputed responses by: kind and hostname count."""
        return key_of(self.kind, len(self.hostnames))

    def composite(self, variant: int | None = None) -> dict[str, Any]:
        """The composite; a ``variant`` number gives a distinct XR of the same shape.

        A distinct XR has another name and other DNS names too (``app0001.v3.acme...``), as
        the claims Crossplane composes at once after a restart do: nothing cached per name
        (a hash, a checked name) can answer for it either.
        """
        if variant is None:
            return xr(self.kind, self.spec, name=f"bench-{self.name}")
        spec = dict(self.spec)
        if "hostnames" in spec:
            spec["hostnames"] = [variant_name(host, variant) for host in spec["hostnames"]]
        else:
            spec["name"] = variant_name(spec["name"], variant)
        return xr(self.kind, spec, name=f"bench-{self.name}-{variant}")

    def request(self, variant: int | None = None) -> fnv1.RunFunctionRequest:
        """The request ours and the floor get (v1 protocol): the turn that asks every probe.

        The settings are answered, and so are the CRD lookups, as by a cluster that serves only
        the namespaced kinds (not found): the function asks its probes once those answers are
        in (``conflicts.requirements``), so this is the costliest turn of a first composition.
        """
        req = request(self.composite(variant), fn_input=self.fn_input)
        for requirement in crd_requirements(self.name):
            req.required_resources[requirement].SetInParent()
        return req


# The providers' namespaced kinds the workloads compose (Crossplane v2): the cluster of an at-rest request.
AT_REST_CRDS = ("cloudflare-upjet/dns.cloudflare.m.cloudflare.com_dnsrecords.yaml",
                "hetzner/dns.hetzner.m.crossplane.io_zonerrsets.yaml",
                "kubernetes/kubernetes.m.crossplane.io_objects.yaml")
STAMP = "2026-01-01T00:00:00Z"


@functools.cache
def at_rest_request(workload: str) -> fnv1.RunFunctionRequest:
    """The last call of a reconcile of ``workload``'s claim at rest, as Crossplane v2 sends it.

    What the first-composition request lacks and the engine sends on every later call: the
    composite with what Crossplane wrote into it (``spec.crossplane``: the composition's refs
    and a ``resourceRef`` per composed resource; the status our last answer set; identity
    metadata), every composed resource as observed, and the ownership probes' answers (each
    the MRs at one of our names: our own). Made by the requirements loop of
    ``tests/function/engine.py`` (Crossplane's, with its fetcher), over MRs as an API server
    and a provider leave them (``_as_stored``): Ready and Synced, the provider's id, the
    composer's managedFields entry. Every reconcile at rest ends with this call (its requirements
    loop makes four; the first three carry everything but the probes' answers).
    """
    shape = BY_NAME[workload]
    cluster = Cluster([load_crd(path) for path in AT_REST_CRDS])
    cluster.objects[("apiextensions.crossplane.io/v1beta1", "EnvironmentConfig", "", "catalyst-dns")] = (
        settings_config())
    engine = Engine(cluster)
    claim = Composite(shape.composite())
    engine.apply(claim, engine.run_pipeline(claim, shape.fn_input))
    for key in claim.composed.values():
        cluster.objects[key] = _as_stored(cluster.objects[key], claim.manifest["metadata"]["name"])
    assert claim.last is not None
    claim.manifest = _as_composed(claim.manifest, claim.last, sorted(claim.composed.values()))
    engine.calls.clear()
    engine.run_pipeline(claim, shape.fn_input)
    return engine.calls[-1][0]  # the last turn: every probe answered


RESTARTED_VARIANTS = 100_000  # restarted_request's variants are numbered from here: none is a distinct row's XR


def restarted_request(workload: str, variant: int) -> fnv1.RunFunctionRequest:
    """The call that composes a claim Crossplane composed before, once our function has restarted.

    A new version rolled out, say: the memo is empty, and every claim's next reconcile
    composes again. Its first call carries the composite as Crossplane keeps it
    (``_as_composed``) and every composed resource observed Ready (``_as_stored``), and asks
    for the settings; the second, this one, has them answered and composes (the CRD lookups
    and probes are asked next). ``variant``: a distinct XR with its own names, as the
    distinct-XR rows' (numbered from ``RESTARTED_VARIANTS``, so no row's XR is another's).
    """
    shape = BY_NAME[workload]
    number = RESTARTED_VARIANTS + variant
    composite = shape.composite(number)
    earlier = run(shape.request(number), memo=None)  # what the previous process composed
    namespace = composite["metadata"]["namespace"]
    observed, keys = {}, []
    for name, entry in earlier.desired.resources.items():
        body = json_format.MessageToDict(entry.resource)
        body["metadata"] = {**body["metadata"], "namespace": namespace}
        observed[name] = _as_stored(body, composite["metadata"]["name"])
        keys.append((body["apiVersion"], body["kind"], namespace, body["metadata"]["name"]))
    return request(_as_composed(composite, earlier, sorted(keys)), fn_input=shape.fn_input, observed=observed)


def _as_composed(composite: dict[str, Any], last: fnv1.RunFunctionResponse,
                 composed: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    """``composite`` as Crossplane keeps it once it has applied ``last``'s ``composed`` resources.

    Crossplane's own keys in the spec (``spec.crossplane``: the composition's refs, a
    ``resourceRef`` per composed resource, sorted), the status our answer set with
    Crossplane's conditions, and the metadata an API server adds.
    """
    refs = [{"apiVersion": api, "kind": kind, "name": name} for api, kind, _, name in composed]
    status = json_format.MessageToDict(last.desired.composite.resource).get("status", {})
    return {**composite, "metadata": _stored_metadata(composite, "composite.apiextensions.crossplane.io"),
            "spec": {**composite["spec"], "crossplane": {
                "compositionRef": {"name": "catalyst-dns"}, "compositionRevisionRef": {"name": "catalyst-dns-5f1c2a3"},
                "compositionUpdatePolicy": "Automatic", "resourceRefs": refs}},
            "status": {**status, "conditions": [_condition("Synced", "ReconcileSuccess"),
                                                _condition("Ready", "Available")]}}


def _condition(kind: str, reason: str) -> dict[str, str]:
    return {"type": kind, "status": "True", "reason": reason, "lastTransitionTime": STAMP}


def _fields_v1(doc: Any) -> dict[str, Any]:
    """A managedFields entry's ``fieldsV1`` for what ``doc`` sets (the API server's field set, leaves as {})."""
    if not isinstance(doc, dict):
        return {}
    return {f"f:{key}": _fields_v1(value) for key, value in doc.items()}


def _stored_metadata(obj: dict[str, Any], finalizer: str) -> dict[str, Any]:
    """``obj``'s metadata as the API server keeps it: uid, versions, a finalizer, the applier's managedFields."""
    uid = hashlib.sha256(repr(sorted(obj["metadata"].items())).encode()).hexdigest()
    applied = {key: value for key, value in obj.items() if key not in ("apiVersion", "kind", "status")}
    return {**obj["metadata"], "uid": f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:32]}",
            "resourceVersion": str(int(uid[:6], 16)), "generation": 1, "finalizers": [finalizer],
            "creationTimestamp": STAMP,
            "managedFields": [{"manager": "apiextensions.crossplane.io/composed", "operation": "Apply",
                               "apiVersion": obj["apiVersion"], "time": STAMP, "fieldsType": "FieldsV1",
                               "fieldsV1": _fields_v1(applied)}]}


def _as_stored(mr: dict[str, Any], composite: str) -> dict[str, Any]:
    """An MR as the API server holds it once its provider has written the record."""
    metadata = _stored_metadata(mr, "finalizer.managedresource.crossplane.io")
    metadata["labels"] = {**metadata.get("labels", {}), "crossplane.io/composite": composite}
    provider_id = metadata["uid"].replace("-", "")
    metadata["annotations"] = {**metadata.get("annotations", {}), "crossplane.io/external-name": provider_id,
                               "crossplane.io/external-create-succeeded": STAMP}
    return {**mr, "metadata": metadata, "status": {"atProvider": {"id": provider_id},
                                                   "conditions": [_condition("Ready", "Available"),
                                                                  _condition("Synced", "ReconcileSuccess")]}}


@functools.cache
def crd_requirements(workload: str) -> tuple[str, ...]:
    """The CRD lookups the function asks for a workload (they depend on its providers, not its names)."""
    shape = BY_NAME[workload]
    asked = run(request(shape.composite(), fn_input=shape.fn_input), memo=None)
    return tuple(sorted(name for name, selector in asked.requirements.resources.items()
                        if selector.kind == "CustomResourceDefinition"))


def as_received(req: fnv1.RunFunctionRequest) -> Any:
    """``req`` as the server decodes it: with the function's own request type where its tree has one.

    ``function.request`` (Crossplane's state kept as bytes until read); a tree from before it
    (a baseline) decodes into the SDK's type. The in-process figures time the handler alone.
    """
    data = req.SerializeToString()
    try:
        from function.request import parse
    except ImportError:
        return fnv1.RunFunctionRequest.FromString(data)
    return parse(data)


def variant_name(name: str, variant: int) -> str:
    """``name`` with a label for ``variant`` after its first: ``app0001.v3.acme.omantel.example``."""
    first, _, rest = name.partition(".")
    return f"{first}.v{variant}.{rest}"


def key_of(kind: str, hostnames: int) -> tuple[str, int]:
    return (kind, hostnames)


def gslb_hostnames(count: int) -> list[str]:
    """``count`` vanity names, alternating between the two zones (two providers)."""
    return [f"app{i:04d}.{ZONES[i % 2]}" for i in range(count)]


def gslb_spec(count: int) -> dict[str, Any]:
    return {"hostnames": gslb_hostnames(count), "regions": list(REGIONS),
            "strategy": {"type": "failover", "primaryRegion": "fsn"}, "ttl": 60,
            "backendRef": {"kind": "HTTPRoute", "name": "shop", "namespace": "acme-prod"}}


def gslb_expected(count: int) -> int:
    # per hostname: one CNAME and one ownership TXT; per region: one k8gb Gslb in an Object
    return 2 * count + len(REGIONS)


WORKLOADS: tuple[Workload, ...] = (
    Workload("small-dnsrecord", "DNSRecord",
             {"name": "_dmarc.acme.omantel.example", "type": "TXT", "values": ["v=DMARC1; p=reject"], "ttl": 3600},
             {"apiVersion": "dns.fn.openova.io/v1beta1", "kind": "Input"}, 2,
             "DNSRecord, one TXT on Cloudflare (+ ownership TXT)"),
    Workload("typical-gslb", "Gslb", gslb_spec(3), K8GB_INPUT, gslb_expected(3),
             "Gslb, 3 hostnames in 2 zones on Cloudflare + Hetzner, 2 regions, failover, k8gb"),
    Workload("large-gslb", "Gslb", gslb_spec(1000), K8GB_INPUT, gslb_expected(1000),
             "Gslb, 1,000 hostnames in 2 zones on Cloudflare + Hetzner, 2 regions, failover, k8gb"),
)

BY_NAME = {w.name: w for w in WORKLOADS}

__all__ = ["BY_NAME", "SETTINGS", "WORKLOADS", "Workload", "key_of"]
