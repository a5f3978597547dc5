"""Plan: from a claim to the record sets and k8gb intents it needs — no managed resources.

Planning checks everything that can refuse a claim — tenancy, zones, values, provider
rules, conflicts between record sets — and only then returns; translating a plan into
managed resources (``function.compose``) can no longer fail, so a claim is either written
whole or not at all.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from catalyst_dns import k8gb, kubenames, names, registry, rules, tenancy
from catalyst_dns.addresses import parse_address
from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import provider_for
from catalyst_dns.rdata import Address, Host, Rdata
from catalyst_dns.records import RecordSet, RecordType, make_record_set, parse_rdata
from catalyst_dns.settings import Region, SovereignSettings, Zone
from function.claims import (
    Composite,
    DnsRecordSpec,
    DnsRouteSpec,
    GslbSpec,
    Spec,
    StrategyType,
)
from function.input import FunctionInput

K8GB_DEFAULT_TTL = 30
# A GSLB name's hash: 6 hex characters tell apart the few dash-and-dot spellings of one readable
# name (``a-b.c``, ``a.b-c``); a readable part cut to fit the label needs 16, since everything
# past the cut is the claimant's to choose, and 24 bits fall to a search in seconds (another
# tenant's hostname would then share the GSLB name, and its k8gb would answer for both).
GSLB_HASH_CHARS = 6
GSLB_CUT_HASH_CHARS = 16
# Where the settings sit in what Crossplane sends (the EnvironmentConfig's data): a refusal
# that names a settings field names it from here, as the settings parser does.
SETTINGS_FIELD = "EnvironmentConfig.data"


@dataclass(frozen=True, slots=True)
class K8gbIntent:
    """A k8gb ``Gslb`` to place in one region's cluster (translated into a provider-kubernetes Object)."""

    geotag: str
    provider_config: str
    manifest: dict[str, Any] = field(hash=False)
    hostname: str | None = None  # the one GSLB name it serves, for a backend without host names


@dataclass
class Plan:
    """What one composite writes: record sets (with the claim field each came from) and k8gb intents."""

    record_sets: list[tuple[RecordSet, str]] = field(default_factory=list)
    ownership: list[tuple[RecordSet, str]] = field(default_factory=list)
    gslb_names: list[str] = field(default_factory=list)
    k8gb: list[K8gbIntent] = field(default_factory=list)


@functools.lru_cache(maxsize=32)
def _reservation_index(settings: SovereignSettings) -> tenancy.ReservationIndex:
    return tenancy.index(settings)


class _Planner:
    """Plans one composite against one Sovereign's settings."""

    def __init__(self, settings: SovereignSettings, composite: Composite) -> None:
        self.settings = settings
        self.composite = composite
        self.reserved = _reservation_index(settings)
        self.plan = Plan()

    def zone(self, name: str, field: str) -> Zone:
        zone = self.settings.zone_for(name)
        if zone is None:
            zones = ", ".join(z.name for z in self.settings.zones)
            raise DnsInputError(field, name, f"is not in any zone of this Sovereign ({zones})")
        return zone

    def claimable(self, name: str, field: str, rtype: RecordType | None = None) -> Zone:
        namespace = self.composite.namespace
        tenancy.check_name(self.settings, namespace, name, field, self.reserved)
        if name.startswith("*."):
            tenancy.check_subtree(self.settings, namespace, name[2:], field, "a wildcard", self.reserved)
        if rtype is RecordType.NS:
            tenancy.check_subtree(self.settings, namespace, name, field, "an NS delegation", self.reserved)
        return self.zone(name, field)

    def add(self, zone: Zone, name: str, rtype: RecordType, ttl: int, rdata: list[Rdata], field: str,
            *, proxied: bool = False) -> None:
        record_set = make_record_set(zone, name, rtype, ttl, rdata, field, proxied=proxied)
        provider_for(zone.provider).check(record_set, "spec")
        self.plan.record_sets.append((record_set, field))

    def finish(self) -> Plan:
        rules.check_record_sets(self.plan.record_sets)
        owner = registry.Owner(self.settings.owner_id, self.composite.owner)
        self.plan.ownership = registry.registry_record_sets(self.plan.record_sets, owner,
                                                             self.settings.zones_by_name)
        return self.plan

    # --- the three kinds -----------------------------------------------------------

    def gslb(self, spec: GslbSpec, fn_input: FunctionInput) -> None:
        regions = [self.region(tag, f"spec.regions[{i}]") for i, tag in enumerate(spec.regions)]
        for index, host in enumerate(spec.hostnames):
            path = f"spec.hostnames[{index}]"
            zone = self.claimable(host, path)
            target = self.gslb_name(host, path)
            provider = provider_for(zone.provider)
            ttl = provider.effective_ttl(spec.ttl or self.settings.default_ttl)
            self.add(zone, host, RecordType.CNAME, ttl, [Host(target)], path)
            self.plan.gslb_names.append(target)
        if fn_input.k8gb_enabled:
            provider_configs = [self.k8gb_provider_config(region) for region in regions]
            for hostname, manifest in self.k8gb_manifests(spec):  # each the same in every region
                for region, provider_config in zip(regions, provider_configs, strict=True):
                    self.plan.k8gb.append(K8gbIntent(region.geotag, provider_config, manifest, hostname))

    def region(self, geotag: str, field: str) -> Region:
        region = self.settings.region(geotag)
        if region is None:
            known = ", ".join(r.geotag for r in self.settings.regions) or "none"
            raise DnsInputError(field, geotag, f"is not a region of this Sovereign (regions: {known})")
        return region

    def gslb_name(self, host: str, field: str) -> str:
        """``shop.acme.<domain>`` is served as ``shop-acme-<hash>.<gslb zone>``.

        One label, as k8gb serves them; readable, and made unique by a hash of the whole
        hostname, because dashes alone are ambiguous (``a-b.c`` and ``a.b-c``) and two
        tenants must never share a GSLB name (``GSLB_CUT_HASH_CHARS`` when the readable part
        is cut).
        """
        readable = names.relative(host, self.settings.domain).replace("*", "wildcard").replace(".", "-")
        hash_chars = GSLB_HASH_CHARS
        if len(readable) > names.MAX_LABEL_OCTETS - GSLB_HASH_CHARS - 1:  # cut: a hash no search can match
            hash_chars = GSLB_CUT_HASH_CHARS
        readable = readable[: names.MAX_LABEL_OCTETS - hash_chars - 1].rstrip("-")
        return f"{readable}-{kubenames.digest(host, length=hash_chars)}.{self.settings.gslb_zone}"

    def k8gb_provider_config(self, region: Region) -> str:
        """The ProviderConfig that places k8gb resources in ``region``'s cluster."""
        if not region.kubernetes_provider_config:
            index = self.settings.regions.index(region)
            raise DnsInputError(f"{SETTINGS_FIELD}.regions[{index}].kubernetesProviderConfig", None,
                                f"is required to place k8gb Gslb resources in region {region.geotag}")
        return region.kubernetes_provider_config

    def k8gb_manifests(self, spec: GslbSpec) -> list[tuple[str | None, dict[str, Any]]]:
        """The k8gb ``Gslb``s every region gets, its backend checked against the tenant's namespaces.

        One for the whole claim when the backend lists its host names (a route, an Ingress:
        k8gb serves those, so the GSLB names go there, README); one per GSLB name, carrying
        it in k8gb's host annotation, when it has none (a Service).
        """
        namespace = self.composite.namespace
        if namespace is None:
            raise DnsInputError("spec.backendRef.namespace", None,
                                "cannot be known for a composite without a namespace or claim namespace")
        backend_namespace = spec.backend.namespace or namespace
        tenant_namespaces = tenancy.namespaces_of(self.settings, namespace)
        if backend_namespace not in tenant_namespaces:
            raise DnsInputError("spec.backendRef.namespace", backend_namespace,
                                "is refused: a Gslb may only balance a backend in its tenant's namespaces "
                                f"({', '.join(sorted(tenant_namespaces))})")
        namespace = backend_namespace
        strategy: dict[str, Any] = {"type": spec.strategy.type.value,
                                    "dnsTtlSeconds": spec.ttl or K8GB_DEFAULT_TTL}
        if spec.strategy.type is StrategyType.FAILOVER:
            strategy["primaryGeoTag"] = spec.strategy.primary_region
        if spec.strategy.weights:
            strategy["weight"] = dict(spec.strategy.weights)
        resource_ref: dict[str, Any] = {"apiVersion": spec.backend.api_version, "kind": spec.backend.kind,
                                        "name": spec.backend.name, "namespace": namespace}
        labels = {"app.kubernetes.io/managed-by": "catalyst-dns"}
        name, owner = self.composite.name, self.composite.owner
        if spec.backend.kind not in k8gb.HOSTLESS_BACKENDS:
            return [(None, k8gb.gslb_manifest(name=kubenames.resource_name("gslb", name, owner), namespace=namespace,
                                              strategy=strategy, resource_ref=resource_ref, labels=labels))]
        return [(host, k8gb.gslb_manifest(name=kubenames.resource_name("gslb", name, owner, host), namespace=namespace,
                                          strategy=strategy, resource_ref=resource_ref, labels=labels, hostname=host))
                for host in self.plan.gslb_names]

    def dns_route(self, spec: DnsRouteSpec) -> None:
        ttl = spec.ttl or self.settings.default_ttl
        v4: list[Rdata] = []
        v6: list[Rdata] = []
        for index, raw in enumerate(spec.addresses):
            address = parse_address(raw, f"spec.targets.addresses[{index}]")
            (v4 if ":" not in address else v6).append(Address(address))
        for index, tag in enumerate(spec.regions):
            region = self.region(tag, f"spec.targets.regions[{index}]")
            if not region.ingress_ipv4 and not region.ingress_ipv6:
                raise DnsInputError(f"spec.targets.regions[{index}]", tag,
                                    "has no ingress addresses in the Sovereign settings")
            v4.extend(Address(a) for a in region.ingress_ipv4)
            v6.extend(Address(a) for a in region.ingress_ipv6)
        for index, host in enumerate(spec.hostnames):
            path = f"spec.hostnames[{index}]"
            zone = self.claimable(host, path)
            if spec.hostname is not None:
                self.add(zone, host, RecordType.CNAME, ttl, [Host(spec.hostname)], path, proxied=spec.proxied)
                continue
            if v4:
                self.add(zone, host, RecordType.A, ttl, v4, path, proxied=spec.proxied)
            if v6:
                self.add(zone, host, RecordType.AAAA, ttl, v6, path, proxied=spec.proxied)

    def dns_record(self, spec: DnsRecordSpec) -> None:
        zone = self.claimable(spec.name, "spec.name", spec.type)
        rdata = [parse_rdata(spec.type, value, f"spec.values[{i}]") for i, value in enumerate(spec.values)]
        self.add(zone, spec.name, spec.type, spec.ttl or self.settings.default_ttl, rdata, "spec.values")


def plan(settings: SovereignSettings, composite: Composite, spec: Spec, fn_input: FunctionInput) -> Plan:
    """Everything ``composite`` writes, fully checked."""
    planner = _Planner(settings, composite)
    if isinstance(spec, GslbSpec):
        planner.gslb(spec, fn_input)
    elif isinstance(spec, DnsRouteSpec):
        planner.dns_route(spec)
    else:
        planner.dns_record(spec)
    return planner.finish()
