"""The Sovereign DNS settings: the Day-0 -> Day-2 hand-off (DESIGN.md §5).

Pulumi writes these after ``pulumi up``; the function reads them from an EnvironmentConfig.
Both sides go through ``parse_settings`` / ``SovereignSettings.to_data`` so the shape can
only drift in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from catalyst_dns import fields, k8gb, kubenames, names
from catalyst_dns.addresses import parse_address
from catalyst_dns.errors import DnsInputError
from catalyst_dns.zones import closest_in, parent_of_gslb

PROVIDERS = ("cloudflare", "route53", "clouddns", "azuredns", "hetzner")
# ExternalDNS on the host clusters owns records under this id; we must never claim it.
EXTERNALDNS_OWNER_ID = "openova"
MAX_TTL = 2_147_483_647  # RFC 2181 §8


@dataclass(frozen=True, slots=True)
class Zone:
    """A public zone the function may write into, and how its provider reaches it."""

    name: str
    provider: str
    zone_id: str
    provider_config: str
    provider_config_kind: str = "ClusterProviderConfig"
    resource_group: str | None = None  # azuredns only
    project: str | None = None  # clouddns only; the ProviderConfig's project otherwise

    def to_data(self) -> dict[str, Any]:
        """The settings-document form of this zone."""
        data: dict[str, Any] = {
            "name": self.name,
            "provider": self.provider,
            "zoneId": self.zone_id,
            "providerConfig": self.provider_config,
        }
        if self.provider_config_kind != "ClusterProviderConfig":
            data["providerConfigKind"] = self.provider_config_kind
        if self.resource_group is not None:
            data["resourceGroup"] = self.resource_group
        if self.project is not None:
            data["project"] = self.project
        return data


@dataclass(frozen=True, slots=True)
class Region:
    """A region of the Sovereign: its DMZ ingress, its k8gb nameserver, its DMZ cluster."""

    geotag: str
    ingress_ipv4: tuple[str, ...] = ()
    ingress_ipv6: tuple[str, ...] = ()
    nameserver_ipv4: str | None = None
    nameserver_ipv6: str | None = None
    kubernetes_provider_config: str | None = None

    def to_data(self) -> dict[str, Any]:
        """The settings-document form of this region."""
        data: dict[str, Any] = {"geotag": self.geotag}
        ingress: dict[str, Any] = {}
        if self.ingress_ipv4:
            ingress["ipv4"] = list(self.ingress_ipv4)
        if self.ingress_ipv6:
            ingress["ipv6"] = list(self.ingress_ipv6)
        if ingress:
            data["ingress"] = ingress
        nameserver: dict[str, Any] = {}
        if self.nameserver_ipv4:
            nameserver["ipv4"] = self.nameserver_ipv4
        if self.nameserver_ipv6:
            nameserver["ipv6"] = self.nameserver_ipv6
        if nameserver:
            data["nameserver"] = nameserver
        if self.kubernetes_provider_config:
            data["kubernetesProviderConfig"] = self.kubernetes_provider_config
        return data


@dataclass(frozen=True, slots=True)
class Tenant:
    """Which namespaces may claim names under which suffixes."""

    namespaces: tuple[str, ...]
    suffixes: tuple[str, ...]

    def to_data(self) -> dict[str, Any]:
        """The settings-document form of this tenant."""
        return {"namespaces": list(self.namespaces), "suffixes": list(self.suffixes)}


@dataclass(frozen=True, slots=True)
class SovereignSettings:
    """Everything the function needs to know about one Sovereign's DNS."""

    domain: str
    owner_id: str
    default_ttl: int
    zones: tuple[Zone, ...]
    gslb_zone: str
    regions: tuple[Region, ...]
    tenants: tuple[Tenant, ...] = ()
    reserved: tuple[str, ...] = ()
    _by_name: dict[str, Zone] = field(default_factory=dict, repr=False, compare=False)  # first zone of each name
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, Zone] = {}
        for zone in self.zones:
            by_name.setdefault(zone.name, zone)
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_hash", hash((self.domain, self.owner_id, self.default_ttl, self.zones,
                                                self.gslb_zone, self.regions, self.tenants, self.reserved)))

    def __hash__(self) -> int:
        """The hash computed once, in ``__post_init__``.

        Settings key a cache (the reservation index) on every call, and the generated hash
        walked every zone, region and tenant each time.
        """
        return self._hash

    @property
    def zones_by_name(self) -> Mapping[str, Zone]:
        """The zones by name: what ``zone_for`` walks a name's suffixes in."""
        return self._by_name

    def zone_for(self, name: str) -> Zone | None:
        """The longest Sovereign zone that contains ``name`` (normal form), if any (DESIGN.md §4)."""
        return closest_in(name, self._by_name)

    def region(self, geotag: str) -> Region | None:
        """The region with this geotag, if the Sovereign has it."""
        for region in self.regions:
            if region.geotag == geotag:
                return region
        return None

    @property
    def gslb_parent(self) -> Zone | None:
        """The zone that delegates the GSLB sub-zone (it holds the NS and glue records)."""
        return self.zone_for(parent_of_gslb(self.gslb_zone))

    def to_data(self) -> dict[str, Any]:
        """The EnvironmentConfig ``data`` document (DESIGN.md §5), as Pulumi exports it."""
        data: dict[str, Any] = {
            "domain": self.domain,
            "ownerId": self.owner_id,
            "defaultTtl": self.default_ttl,
            "zones": [z.to_data() for z in self.zones],
            "gslb": {"zone": self.gslb_zone},
            "regions": [r.to_data() for r in self.regions],
            "tenants": [t.to_data() for t in self.tenants],
        }
        if self.reserved:
            data["reserved"] = list(self.reserved)
        return data


_SETTINGS_KEYS = frozenset(
    {"domain", "ownerId", "defaultTtl", "zones", "gslb", "regions", "tenants", "reserved"}
)
_ZONE_KEYS = frozenset(
    {"name", "provider", "zoneId", "providerConfig", "providerConfigKind", "resourceGroup", "project"}
)
_REGION_KEYS = frozenset({"geotag", "ingress", "nameserver", "kubernetesProviderConfig"})
_TENANT_KEYS = frozenset({"namespaces", "suffixes"})


def _owner_id(doc: Mapping[str, Any], path: str) -> str:
    owner = fields.string(doc, "ownerId", path)
    if owner == EXTERNALDNS_OWNER_ID:
        raise DnsInputError(f"{path}.ownerId", owner,
                            "is the ExternalDNS owner id of the host clusters; "
                            "catalyst-dns needs an owner id of its own")
    if not all(c.isascii() and (c.isalnum() or c in "-.") for c in owner) or len(owner) > 63:
        raise DnsInputError(f"{path}.ownerId", owner,
                            "must be at most 63 characters of letters, digits, '-' and '.'")
    return owner


def _zone(doc: Any, path: str) -> Zone:
    doc = fields.mapping(doc, path)
    fields.no_unknown_keys(doc, _ZONE_KEYS, path)
    name = names.normalise(fields.string(doc, "name", path), f"{path}.name")
    provider = fields.string(doc, "provider", path)
    if provider not in PROVIDERS:
        raise DnsInputError(f"{path}.provider", provider, f"must be one of {', '.join(PROVIDERS)}")
    zone_id = doc.get("zoneId")
    if isinstance(zone_id, int | float) and not isinstance(zone_id, bool):
        zone_id = str(fields.integer(zone_id, f"{path}.zoneId", low=0, high=2**63))
    kind = fields.string(doc, "providerConfigKind", path, default="ClusterProviderConfig")
    if kind not in ("ClusterProviderConfig", "ProviderConfig"):
        raise DnsInputError(f"{path}.providerConfigKind", kind,
                            "must be ClusterProviderConfig or ProviderConfig")
    resource_group = fields.optional_string(doc, "resourceGroup", path)
    if provider == "azuredns" and resource_group is None:
        raise DnsInputError(f"{path}.resourceGroup", None, "is required for an azuredns zone")
    if provider != "azuredns" and resource_group is not None:
        raise DnsInputError(f"{path}.resourceGroup", resource_group, "applies to azuredns zones only")
    project = fields.optional_string(doc, "project", path)
    if project is not None and provider != "clouddns":
        raise DnsInputError(f"{path}.project", project, "applies to clouddns zones only")
    return Zone(
        name=name,
        provider=provider,
        zone_id=fields.string({"zoneId": zone_id}, "zoneId", path),
        provider_config=fields.string(doc, "providerConfig", path),
        provider_config_kind=kind,
        resource_group=resource_group,
        project=project,
    )


def _region(doc: Any, path: str) -> Region:
    doc = fields.mapping(doc, path)
    fields.no_unknown_keys(doc, _REGION_KEYS, path)
    geotag = k8gb.check_geotag(fields.string(doc, "geotag", path), f"{path}.geotag")
    ingress = fields.optional_mapping(doc, "ingress", path) or {}
    fields.no_unknown_keys(ingress, frozenset({"ipv4", "ipv6"}), f"{path}.ingress")
    ipv4 = tuple(parse_address(a, f"{path}.ingress.ipv4[{i}]", 4)
                 for i, a in enumerate(fields.sequence(ingress, "ipv4", f"{path}.ingress", required=False)))
    ipv6 = tuple(parse_address(a, f"{path}.ingress.ipv6[{i}]", 6)
                 for i, a in enumerate(fields.sequence(ingress, "ipv6", f"{path}.ingress", required=False)))
    nameserver = fields.optional_mapping(doc, "nameserver", path) or {}
    fields.no_unknown_keys(nameserver, frozenset({"ipv4", "ipv6"}), f"{path}.nameserver")
    ns4 = nameserver.get("ipv4")
    ns6 = nameserver.get("ipv6")
    ns6 = None if ns6 is None else parse_address(ns6, f"{path}.nameserver.ipv6", 6)
    if ns6 is not None and ns4 is None:  # the function needs no nameserver; one given must work for k8gb
        k8gb.check_nameserver_address(geotag, None, ns6, "the GSLB zone", f"{path}.nameserver")
    return Region(
        geotag=geotag,
        ingress_ipv4=ipv4,
        ingress_ipv6=ipv6,
        nameserver_ipv4=None if ns4 is None else parse_address(ns4, f"{path}.nameserver.ipv4", 4),
        nameserver_ipv6=ns6,
        kubernetes_provider_config=fields.optional_string(doc, "kubernetesProviderConfig", path),
    )


def _tenant(doc: Any, path: str) -> Tenant:
    doc = fields.mapping(doc, path)
    fields.no_unknown_keys(doc, _TENANT_KEYS, path)
    namespaces = tuple(kubenames.check_namespace(n, f"{path}.namespaces[{i}]")
                       for i, n in enumerate(fields.strings(doc, "namespaces", path)))
    suffixes = tuple(
        names.normalise(s, f"{path}.suffixes[{i}]")
        for i, s in enumerate(fields.strings(doc, "suffixes", path))
    )
    return Tenant(namespaces=namespaces, suffixes=suffixes)


def parse_settings(doc: Any, path: str = "settings") -> SovereignSettings:
    """Read and check a settings document; every error names its field under ``path``."""
    doc = fields.mapping(doc, path)
    fields.no_unknown_keys(doc, _SETTINGS_KEYS, path)
    domain = names.normalise(fields.string(doc, "domain", path), f"{path}.domain")
    default_ttl = fields.integer(doc.get("defaultTtl", 300), f"{path}.defaultTtl", low=1, high=MAX_TTL)
    zones = tuple(_zone(z, f"{path}.zones[{i}]") for i, z in enumerate(fields.sequence(doc, "zones", path)))
    seen: dict[str, int] = {}
    for index, zone in enumerate(zones):
        if zone.name in seen:
            raise DnsInputError(f"{path}.zones[{index}].name", zone.name,
                                f"is listed twice (also zones[{seen[zone.name]}])")
        seen[zone.name] = index
        if not names.is_within(zone.name, domain):
            raise DnsInputError(f"{path}.zones[{index}].name", zone.name,
                                f"is not the Sovereign domain {domain} or below it")
    gslb = fields.optional_mapping(doc, "gslb", path) or {}
    gslb_zone = names.normalise(fields.string(gslb, "zone", f"{path}.gslb", default=f"gslb.{domain}"),
                                f"{path}.gslb.zone")
    if not gslb_zone.endswith("." + domain):
        raise DnsInputError(f"{path}.gslb.zone", gslb_zone, f"must be a sub-zone of {domain}")
    regions = tuple(_region(r, f"{path}.regions[{i}]")
                    for i, r in enumerate(fields.sequence(doc, "regions", path, required=False)))
    tags = [r.geotag for r in regions]
    for index, tag in enumerate(tags):
        if tags.index(tag) != index:
            raise DnsInputError(f"{path}.regions[{index}].geotag", tag, "is listed twice")
    settings = SovereignSettings(
        domain=domain,
        owner_id=_owner_id(doc, path),
        default_ttl=default_ttl,
        zones=zones,
        gslb_zone=gslb_zone,
        regions=regions,
        tenants=tuple(_tenant(t, f"{path}.tenants[{i}]")
                      for i, t in enumerate(fields.sequence(doc, "tenants", path, required=False))),
        reserved=tuple(names.normalise(r, f"{path}.reserved[{i}]", wildcard=True)
                       for i, r in enumerate(fields.strings(doc, "reserved", path, required=False))),
    )
    if settings.gslb_parent is None:
        raise DnsInputError(f"{path}.gslb.zone", gslb_zone,
                            "has no parent among the zones; the zone that delegates it must be listed")
    for index, region in enumerate(regions):
        k8gb.check_nameserver_name(region.geotag, gslb_zone, settings.gslb_parent.name,
                                   f"{path}.regions[{index}].geotag")
    return settings
