"""The three claim kinds, read from a composite resource (DESIGN.md §4).

Reading is strict: unknown fields, wrong types and missing fields are refused with the
field path, because a typo in a claim (``hostname:``) must not quietly compose nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from google.protobuf import struct_pb2

from catalyst_dns import fields, kubenames, names
from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import Scope
from catalyst_dns.records import CLAIM_TYPES, MAX_VALUES, RecordType, check_ttl

GROUP = "dns.openova.io"
VERSIONS = ("v1alpha1",)
CLAIM_NAMESPACE_LABEL = "crossplane.io/claim-namespace"
CLAIM_NAME_LABEL = "crossplane.io/claim-name"
# The claim API's bounds; the XRDs (apis/) declare the same, so the API server refuses what
# the function would (tests/function/test_xrd_bounds.py holds them together).
MAX_HOSTNAMES = 1000
MAX_REGIONS = 64
MAX_WEIGHT = 100


class Kind(StrEnum):
    """The claim kinds; legacy cluster XRs carry an ``X`` prefix (``XGslb``)."""

    GSLB = "Gslb"
    DNS_ROUTE = "DNSRoute"
    DNS_RECORD = "DNSRecord"


class StrategyType(StrEnum):
    """k8gb load-balancing strategies."""

    ROUND_ROBIN = "roundRobin"
    FAILOVER = "failover"
    GEOIP = "geoip"


BACKEND_KINDS = {
    "HTTPRoute": "gateway.networking.k8s.io/v1",
    "GRPCRoute": "gateway.networking.k8s.io/v1",
    "TLSRoute": "gateway.networking.k8s.io/v1alpha2",
    "Ingress": "networking.k8s.io/v1",
    "Service": "v1",
    "VirtualService": "networking.istio.io/v1",
}


@dataclass(frozen=True, slots=True)
class Composite:
    """Who is asking: the composite's identity, scope and tenancy namespace."""

    kind: Kind
    name: str
    namespace: str | None  # the XR's namespace (v2) or its claim's namespace (legacy)
    scope: Scope
    owner: str  # ExternalDNS-style resource reference: "<kind>/<namespace>/<name>"


@dataclass(frozen=True, slots=True)
class Strategy:
    """How k8gb balances a Gslb."""

    type: StrategyType
    primary_region: str | None = None
    weights: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class BackendRef:
    """What k8gb balances in each region."""

    api_version: str
    kind: str
    name: str
    namespace: str | None


@dataclass(frozen=True, slots=True)
class GslbSpec:
    """A Gslb claim."""

    hostnames: tuple[str, ...]
    regions: tuple[str, ...]
    strategy: Strategy
    ttl: int | None
    backend: BackendRef


@dataclass(frozen=True, slots=True)
class DnsRouteSpec:
    """A DNSRoute claim; exactly one of addresses, hostname, regions is set."""

    hostnames: tuple[str, ...]
    addresses: tuple[str, ...]
    hostname: str | None
    regions: tuple[str, ...]
    ttl: int | None
    proxied: bool


@dataclass(frozen=True, slots=True)
class DnsRecordSpec:
    """A DNSRecord claim."""

    name: str
    type: RecordType
    values: tuple[str, ...]
    ttl: int | None


Spec = GslbSpec | DnsRouteSpec | DnsRecordSpec


IDENTITY_METADATA = ("name", "namespace", "labels")  # the metadata keys a composite's identity is read from
# Crossplane writes these into every composite's spec (v2 under ``crossplane``, 1.x and legacy
# composites beside the claim's fields); they are not ours to read and decide nothing.
CROSSPLANE_SPEC_KEYS = frozenset({
    "compositionRef", "compositionSelector", "compositionRevisionRef", "compositionRevisionSelector",
    "compositionUpdatePolicy", "claimRef", "resourceRefs", "writeConnectionSecretToRef",
    "publishConnectionDetailsTo", "environmentConfigRefs", "crossplane",
})
_AN_OBJECT = struct_pb2.Value(struct_value=struct_pb2.Struct())  # an object part's shell: its keys follow


Parts = list[tuple[tuple[str, ...], Any]]  # a composite's decisive parts: each path and its protobuf Value


def decisive_parts(composite: Mapping[str, Any]) -> Parts:
    """The parts of a composite (its top-level fields: protobuf ``Value``s) that decide its composition.

    Each with its path: ``("apiVersion",)``, ``("spec", "hostnames")``, ``("metadata", "name")``.
    An object spec is its shell, an empty object at ``("spec",)`` (an empty spec is refused
    otherwise than an absent one), then its keys in order; a spec or metadata that is not an
    object is kept whole, for the reader's refusal. Not the status (on a large claim, the
    records reported last time), nor managedFields or resourceVersion, nor what Crossplane
    writes into the spec (``CROSSPLANE_SPEC_KEYS``): a composite's ``resourceRefs`` arrive after
    its first composition (two per hostname of a Gslb), and keying by them composed every claim
    twice and hashed them on every call. The claim is read from these parts and the memo is
    keyed by them: one list, so no field can decide the one and not the other.
    """
    parts: Parts = [((name,), composite[name]) for name in ("apiVersion", "kind") if name in composite]
    if "spec" in composite:
        spec = composite["spec"]
        if spec.WhichOneof("kind") != "struct_value":
            parts.append((("spec",), spec))
        else:
            given = spec.struct_value.fields
            parts.append((("spec",), _AN_OBJECT))
            parts += [(("spec", name), given[name]) for name in sorted(given) if name not in CROSSPLANE_SPEC_KEYS]
    if "metadata" in composite:
        metadata = composite["metadata"]
        if metadata.WhichOneof("kind") != "struct_value":
            parts.append((("metadata",), metadata))
        else:
            known = metadata.struct_value.fields  # no shell: an absent metadata reads as an empty one
            parts += [(("metadata", name), known[name]) for name in IDENTITY_METADATA if name in known]
    return parts


def read_composite(xr: Mapping[str, Any]) -> Composite:
    """The composite's identity from its apiVersion, kind and metadata (``IDENTITY_METADATA``)."""
    api_version = xr.get("apiVersion")
    if not isinstance(api_version, str) or api_version.split("/", 1)[0] != GROUP:
        raise DnsInputError("apiVersion", api_version, f"is not in the {GROUP} API group")
    if api_version.split("/", 1)[-1] not in VERSIONS:
        raise DnsInputError("apiVersion", api_version, f"is not a served version (served: {', '.join(VERSIONS)})")
    raw_kind = xr.get("kind")
    kind_name = raw_kind[1:] if isinstance(raw_kind, str) and raw_kind.startswith("X") else raw_kind
    try:
        kind = Kind(str(kind_name))
    except ValueError:
        raise DnsInputError("kind", raw_kind, "must be Gslb, DNSRoute or DNSRecord "
                            "(XGslb, XDNSRoute or XDNSRecord for legacy cluster composites)") from None
    metadata = fields.mapping(xr.get("metadata") or {}, "metadata")
    name = kubenames.check_object_name(fields.string(metadata, "name", "metadata"), "metadata.name")
    xr_namespace = metadata.get("namespace")
    labels = metadata.get("labels") or {}
    if not isinstance(labels, Mapping):
        raise DnsInputError("metadata.labels", labels, "must be an object")
    namespace: str | None
    if xr_namespace is not None and xr_namespace != "":
        scope, owner_name = Scope.NAMESPACED, name
        namespace = kubenames.check_namespace(xr_namespace, "metadata.namespace")
    else:
        scope = Scope.CLUSTER
        claim_ns = labels.get(CLAIM_NAMESPACE_LABEL)
        namespace = None if claim_ns is None else kubenames.check_namespace(
            claim_ns, f"metadata.labels[{CLAIM_NAMESPACE_LABEL}]")
        claim_name = labels.get(CLAIM_NAME_LABEL)
        owner_name = name if claim_name is None else kubenames.check_object_name(
            claim_name, f"metadata.labels[{CLAIM_NAME_LABEL}]")
    owner = f"{kind.value.lower()}/{namespace or ''}/{owner_name}"
    return Composite(kind=kind, name=name, namespace=namespace, scope=scope, owner=owner)


_GSLB_KEYS = frozenset({"hostnames", "regions", "strategy", "ttl", "backendRef"})
_ROUTE_KEYS = frozenset({"hostnames", "targets", "ttl", "proxied"})
_RECORD_KEYS = frozenset({"name", "type", "values", "ttl"})


def _own_keys(spec: Mapping[str, Any], known: frozenset[str]) -> None:
    fields.no_unknown_keys(spec, known, "spec", CROSSPLANE_SPEC_KEYS)


def _ttl(spec: Mapping[str, Any]) -> int | None:
    return None if spec.get("ttl") is None else check_ttl(spec["ttl"], "spec.ttl")


def _hostnames(spec: Mapping[str, Any]) -> tuple[str, ...]:
    raw = fields.strings(spec, "hostnames", "spec", limit=MAX_HOSTNAMES)
    seen: dict[str, int] = {}
    for index, host in enumerate(raw):
        name = names.normalise(host, f"spec.hostnames[{index}]", wildcard=True)
        if name in seen:
            raise DnsInputError(f"spec.hostnames[{index}]", name,
                                f"repeats spec.hostnames[{seen[name]}] (the same name once normalised)")
        seen[name] = index
    return tuple(seen)


def _geotags(doc: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    tags = fields.strings(doc, key, path, limit=MAX_REGIONS)
    for index, tag in enumerate(tags):
        if tags.index(tag) != index:
            raise DnsInputError(f"{path}.{key}[{index}]", tag, "is listed twice")
    return tuple(tags)


def _strategy(spec: Mapping[str, Any], regions: tuple[str, ...]) -> Strategy:
    doc = fields.mapping(spec.get("strategy"), "spec.strategy") if "strategy" in spec else None
    if doc is None:
        raise DnsInputError("spec.strategy", None, "is required")
    fields.no_unknown_keys(doc, frozenset({"type", "primaryRegion", "weights"}), "spec.strategy")
    raw_type = fields.string(doc, "type", "spec.strategy")
    try:
        stype = StrategyType(raw_type)
    except ValueError:
        raise DnsInputError("spec.strategy.type", raw_type, "must be roundRobin, failover or geoip") from None
    primary = fields.optional_string(doc, "primaryRegion", "spec.strategy")
    if stype is StrategyType.FAILOVER:
        if primary is None:
            raise DnsInputError("spec.strategy.primaryRegion", None, "is required for a failover strategy")
        if primary not in regions:
            raise DnsInputError("spec.strategy.primaryRegion", primary,
                                f"is not one of spec.regions ({', '.join(regions)})")
    elif primary is not None:
        raise DnsInputError("spec.strategy.primaryRegion", primary, "applies to the failover strategy only")
    weights: list[tuple[str, int]] = []
    raw_weights = fields.optional_mapping(doc, "weights", "spec.strategy")
    if raw_weights is not None:
        if stype is not StrategyType.ROUND_ROBIN:
            raise DnsInputError("spec.strategy.weights", dict(sorted(raw_weights.items())),
                                "apply to the roundRobin strategy only")
        for region in sorted(raw_weights, key=str):  # by name: a map's order differs between processes
            weight = raw_weights[region]
            path = f"spec.strategy.weights.{region}"
            if region not in regions:
                raise DnsInputError(path, region, f"is not one of spec.regions ({', '.join(regions)})")
            weights.append((region, fields.integer(weight, path, low=0, high=MAX_WEIGHT)))
        if not any(w for _, w in weights):
            raise DnsInputError("spec.strategy.weights", dict(sorted(raw_weights.items())),
                                "must give at least one region a weight above 0")
        weights.sort()
    return Strategy(type=stype, primary_region=primary, weights=tuple(weights))


def _backend(spec: Mapping[str, Any]) -> BackendRef:
    doc = spec.get("backendRef")
    if doc is None:
        raise DnsInputError("spec.backendRef", None, "is required: the HTTPRoute or Service k8gb balances")
    doc = fields.mapping(doc, "spec.backendRef")
    fields.no_unknown_keys(doc, frozenset({"kind", "name", "namespace", "apiVersion"}), "spec.backendRef")
    kind = fields.string(doc, "kind", "spec.backendRef")
    if kind not in BACKEND_KINDS:
        raise DnsInputError("spec.backendRef.kind", kind, f"must be one of {', '.join(BACKEND_KINDS)}")
    return BackendRef(
        api_version=fields.string(doc, "apiVersion", "spec.backendRef", default=BACKEND_KINDS[kind]),
        kind=kind,
        name=kubenames.check_object_name(fields.string(doc, "name", "spec.backendRef"), "spec.backendRef.name"),
        namespace=None if doc.get("namespace") is None
        else kubenames.check_namespace(doc["namespace"], "spec.backendRef.namespace"),
    )


def read_gslb(spec: Mapping[str, Any]) -> GslbSpec:
    """A Gslb spec."""
    _own_keys(spec, _GSLB_KEYS)
    regions = _geotags(spec, "regions", "spec")
    return GslbSpec(hostnames=_hostnames(spec), regions=regions, strategy=_strategy(spec, regions),
                    ttl=_ttl(spec), backend=_backend(spec))


def read_dns_route(spec: Mapping[str, Any]) -> DnsRouteSpec:
    """A DNSRoute spec."""
    _own_keys(spec, _ROUTE_KEYS)
    hostnames = _hostnames(spec)
    targets = spec.get("targets")
    if targets is None:
        raise DnsInputError("spec.targets", None, "is required: one of addresses, hostname or regions")
    targets = fields.mapping(targets, "spec.targets")
    fields.no_unknown_keys(targets, frozenset({"addresses", "hostname", "regions"}), "spec.targets")
    given = [k for k in ("addresses", "hostname", "regions") if targets.get(k) is not None]
    if len(given) != 1:
        raise DnsInputError("spec.targets", sorted(targets), "must set exactly one of addresses, hostname or regions")
    hostname = None
    if given[0] == "hostname":
        hostname = names.host_target(fields.string(targets, "hostname", "spec.targets"), "spec.targets.hostname")
    return DnsRouteSpec(
        hostnames=hostnames,
        # The chosen target must list something: an empty one would compose nothing and report ready.
        addresses=tuple(fields.strings(targets, "addresses", "spec.targets", limit=MAX_VALUES))
        if given[0] == "addresses" else (),
        hostname=hostname,
        regions=_geotags(targets, "regions", "spec.targets") if given[0] == "regions" else (),
        ttl=_ttl(spec),
        proxied=fields.boolean(spec, "proxied", "spec", default=False),
    )


# The claim types by name, in RecordType's order (the order the refusal lists them in).
CLAIM_TYPES_BY_NAME = {t.value: t for t in RecordType if t in CLAIM_TYPES}  # spec.type's values, in model order


def read_dns_record(spec: Mapping[str, Any]) -> DnsRecordSpec:
    """A DNSRecord spec."""
    _own_keys(spec, _RECORD_KEYS)
    raw_type = fields.string(spec, "type", "spec")
    rtype = CLAIM_TYPES_BY_NAME.get(raw_type)
    if rtype is None:
        raise DnsInputError("spec.type", raw_type, f"must be one of {', '.join(CLAIM_TYPES_BY_NAME)}")
    return DnsRecordSpec(
        name=names.normalise(fields.string(spec, "name", "spec"), "spec.name", underscore=True, wildcard=True),
        type=rtype,
        values=tuple(fields.strings(spec, "values", "spec", limit=MAX_VALUES)),
        ttl=_ttl(spec),
    )


def read_spec(kind: Kind, xr: Mapping[str, Any]) -> Spec:
    """The typed spec of a composite of ``kind``."""
    spec = fields.mapping(xr.get("spec"), "spec")
    if kind is Kind.GSLB:
        return read_gslb(spec)
    if kind is Kind.DNS_ROUTE:
        return read_dns_route(spec)
    return read_dns_record(spec)
