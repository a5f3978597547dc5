"""One Sovereign's DNS: its zones, their delegations, the GSLB delegation and the settings.

The Sovereign component composes a zone component per zone (each at its own provider),
an NS (+DS) delegation of every child zone from the closest zone above it, and the
delegation of the GSLB sub-zone to k8gb. Its ``settings`` output is the
``catalyst_dns.settings.SovereignSettings`` the composition function reads; ``to_data()``
of it is what ``__main__.py`` exports and ``catalyst-dns-handoff`` turns into the
EnvironmentConfig.

Provider SDKs are imported only for the providers the Sovereign's zones use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi

from catalyst_dns import names
from catalyst_dns.errors import DnsInputError
from catalyst_dns.settings import (
    Region,
    SovereignSettings,
    Tenant,
    Zone,
    parse_settings,
)
from catalyst_dns.zones import closest, is_below
from components.base import PENDING_ZONE_ID, ZoneArgsBase, ZoneComponent, child_name, type_token
from components.delegation import Delegation, DelegationArgs
from components.gslb_delegation import GslbDelegation, GslbDelegationArgs
from components.registry import AWS_KMS_PROVIDER, PROVIDER_KEYS, ZoneClass, ZoneSpec, face

__all__ = ["AWS_KMS_PROVIDER", "Sovereign", "SovereignArgs", "ZoneSpec", "check_args", "zone_args",
           "zone_label"]

KIND = "Sovereign"
DEFAULT_OWNER_ID = "catalyst-dns"

@dataclass(frozen=True, slots=True)
class SovereignArgs:
    """Everything one Sovereign's DNS is built from.

    Attributes:
        domain: the Sovereign's domain; ``zones[0]`` must be this zone.
        zones: the domain zone first, then any child zones below it.
        regions: the regions, each with its k8gb nameserver address.
        providers: explicit provider objects by provider key (plus ``route53-kms``
            optionally, a us-east-1 AWS provider for Route53 DNSSEC keys).
        gslb_zone: the GSLB sub-zone; ``gslb.<domain>`` by default.
        owner_id: the ownership-record owner id the function writes with.
        default_ttl: the function's default record TTL.
        delegation_ttl: TTL of child-zone NS/DS records.
        gslb_ttl: TTL of the GSLB NS and nameserver address records.
        tenants, reserved: the tenancy policy handed to the function.
        protect: protect zones (and turn on provider-side delete protection).
    """

    domain: str
    zones: Sequence[ZoneSpec]
    regions: Sequence[Region]
    providers: Mapping[str, pulumi.ProviderResource]
    gslb_zone: str | None = None
    owner_id: str = DEFAULT_OWNER_ID
    default_ttl: int = 300
    delegation_ttl: int = 3600
    gslb_ttl: int = 300
    tenants: Sequence[Tenant] = ()
    reserved: Sequence[str] = ()
    protect: bool = True


def check_args(name: str, args: SovereignArgs, *, need_providers: bool = True) -> SovereignSettings:
    """Check ``args`` as a whole and return the settings with placeholder zone ids.

    Runs every rule the function will apply to the exported settings, so a Sovereign
    that Pulumi can build is one the function accepts. Raises DnsInputError naming the field.
    """
    domain = names.normalise(args.domain, f"{name}.domain")
    if not args.zones:
        raise DnsInputError(f"{name}.zones", [], "must list the domain zone")
    zone_names: list[str] = []
    for index, spec in enumerate(args.zones):
        path = f"{name}.zones[{index}]"
        zone = names.normalise(spec.name, f"{path}.name")
        if spec.provider not in PROVIDER_KEYS:
            raise DnsInputError(f"{path}.provider", spec.provider,
                                f"must be one of {', '.join(PROVIDER_KEYS)}")
        if need_providers and spec.provider not in args.providers:
            raise DnsInputError(f"{path}.provider", spec.provider,
                                "has no explicit provider object; pass one in providers")
        if index == 0 and zone != domain:
            raise DnsInputError(f"{path}.name", zone, f"must be the domain zone {domain}")
        if index > 0 and not is_below(zone, domain):
            raise DnsInputError(f"{path}.name", zone, f"must be a zone below {domain}")
        if zone in zone_names:
            raise DnsInputError(f"{path}.name", zone, "is listed twice")
        zone_names.append(zone)
    draft = SovereignSettings(
        domain=domain,
        owner_id=args.owner_id,
        default_ttl=args.default_ttl,
        zones=tuple(_settings_zone(spec, PENDING_ZONE_ID) for spec in args.zones),
        gslb_zone=args.gslb_zone or f"gslb.{domain}",
        regions=tuple(args.regions),
        tenants=tuple(args.tenants),
        reserved=tuple(args.reserved),
    )
    settings = parse_settings(draft.to_data(), path=name)
    for index, listed in enumerate(settings.zones):
        if names.is_within(listed.name, settings.gslb_zone):
            raise DnsInputError(f"{name}.zones[{index}].name", listed.name,
                                f"is inside the GSLB zone {settings.gslb_zone}, which k8gb answers for")
    if not settings.regions:
        raise DnsInputError(f"{name}.regions", [], "must list at least one region")
    # TTLs against the provider that holds the records, so no child component refuses later.
    gslb_parent = settings.gslb_parent
    assert gslb_parent is not None  # parse_settings guarantees it
    face(gslb_parent.provider).check_ttl(f"{name}.gslbTtl", args.gslb_ttl)
    for child_zone in settings.zones[1:]:
        parent = closest(child_zone.name, settings.zones, _zone_name, strict=True)
        assert parent is not None  # every child is below the domain zone (checked above)
        face(parent.provider).check_ttl(f"{name}.delegationTtl", args.delegation_ttl)
    return settings


def _zone_name(zone: Zone) -> str:
    return zone.name


def _settings_zone(spec: ZoneSpec, zone_id: str) -> Zone:
    """The settings' zone for ``spec``; only the per-zone fields its provider takes are kept."""
    return Zone(
        name=names.normalise(spec.name, "zone"),
        provider=spec.provider,
        zone_id=zone_id,
        provider_config=spec.provider_config,
        **face(spec.provider).settings_fields(spec),
    )


def zone_args(spec: ZoneSpec, providers: Mapping[str, pulumi.ProviderResource],
              protect: bool) -> ZoneArgsBase:
    """The provider zone component's Args for ``spec`` (imports that provider's module only)."""
    return face(spec.provider).build_args(spec, providers, protect)


class Sovereign(pulumi.ComponentResource):
    """A Sovereign's zones, delegations and GSLB delegation, and the settings for the function."""

    zones: dict[str, ZoneComponent]
    settings: pulumi.Output[SovereignSettings]

    def __init__(self, name: str, args: SovereignArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        draft = check_args(name, args)
        specs = {z.name: spec for z, spec in zip(draft.zones, args.zones, strict=True)}
        domain = draft.domain
        gslb_parent = draft.gslb_parent
        assert gslb_parent is not None  # parse_settings guarantees it

        # Build every child's Args before registering anything: their checks raise too.
        built: dict[str, tuple[ZoneClass, ZoneArgsBase]] = {}
        for index, zone in enumerate(draft.zones):
            spec = specs[zone.name]
            try:
                zargs = zone_args(spec, args.providers, args.protect)
                cls = face(spec.provider).component_class()
                cls.validate(zone_label(name, zone.name, domain), zargs)
            except DnsInputError as exc:
                key = exc.field.rsplit(".", 1)[-1]
                raise DnsInputError(f"{name}.zones[{index}].{key}", exc.value, exc.rule) from None
            built[zone.name] = (cls, zargs)

        super().__init__(type_token(KIND), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        # Parents before children, so each delegation finds its parent zone.
        self.zones = {}
        for zone in sorted(draft.zones, key=lambda z: (z.name.count("."), z.name)):
            cls, zargs = built[zone.name]
            self.zones[zone.name] = cls(zone_label(name, zone.name, domain), zargs, child)

        self.delegations: dict[str, Delegation] = {}
        for zone_name, component in self.zones.items():
            if zone_name == domain:
                continue
            parent = _closest_parent(zone_name, self.zones)
            label = component.component_name
            self.delegations[zone_name] = Delegation(
                child_name(label, "delegation"),
                DelegationArgs(parent=parent, child=component, ttl=args.delegation_ttl),
                child)

        self.gslb = GslbDelegation(
            child_name(name, "gslb"),
            GslbDelegationArgs(parent=self.zones[gslb_parent.name], gslb_zone=draft.gslb_zone,
                               regions=draft.regions, ttl=args.gslb_ttl),
            child)

        ordered = [self.zones[z.name].settings_zone(z.provider_config) for z in draft.zones]
        self.settings = pulumi.Output.all(*ordered).apply(
            lambda zones: _final_settings(draft, zones, name))
        ids: dict[str, pulumi.Input[str]] = {z: c.zone_id for z, c in self.zones.items()}
        servers: dict[str, pulumi.Input[list[str]]] = {
            z: c.name_servers for z, c in self.zones.items()}
        signed: dict[str, pulumi.Input[str]] = {
            z: c.ds.apply(lambda d: d.presentation)
            for z, c in self.zones.items() if c.ds is not None}
        self.zone_ids: pulumi.Output[dict[str, str]] = pulumi.Output.from_input(ids)  # type: ignore[arg-type]
        self.name_servers: pulumi.Output[dict[str, list[str]]] = pulumi.Output.from_input(servers)  # type: ignore[arg-type]
        self.ds_records: pulumi.Output[dict[str, str]] = pulumi.Output.from_input(signed)  # type: ignore[arg-type]
        self.register_outputs({
            "zoneIds": self.zone_ids,
            "nameServers": self.name_servers,
            "dsRecords": self.ds_records,
            "gslbNameServers": self.gslb.nameservers,
            "settings": self.settings.apply(lambda s: s.to_data()),
        })


def zone_label(sovereign: str, zone: str, domain: str) -> str:
    """A zone component's name: the Sovereign's name plus ``apex`` or the zone's relative name.

    Injective, because a logical name is part of the resource's URN and two zones with one
    URN fail the whole preview: ``eu-west.<domain>`` and ``eu.west.<domain>`` must not both
    become ``…-eu-west``. The relative name keeps its dots as single dashes and doubles its
    own dashes (``eu-west`` -> ``eu--west``, ``eu.west`` -> ``eu-west``), which decodes
    uniquely because a host-name label neither starts nor ends with a dash. A child zone
    named ``apex`` gets ``apex-`` (a trailing dash no other zone produces), so it never takes
    the domain zone's name. Names without dashes keep the form they always had.
    """
    if zone == domain:
        return child_name(sovereign, "apex")
    relative = names.relative(zone, domain)
    suffix = names.dashed(relative)
    return child_name(sovereign, "apex-" if suffix == "apex" else suffix)


def _closest_parent(zone: str, components: Mapping[str, ZoneComponent]) -> ZoneComponent:
    """The deepest other zone that contains ``zone``."""
    best = closest(zone, components.values(), _component_zone, strict=True)
    if best is None:  # pragma: no cover - check_args keeps every zone under the domain
        raise DnsInputError("zones", zone, "has no parent zone")
    return best


def _component_zone(component: ZoneComponent) -> str:
    return component.zone_name


def _final_settings(draft: SovereignSettings, zones: Sequence[Zone], path: str) -> SovereignSettings:
    """The draft with the real zone ids, checked once more exactly as the function reads it."""
    final = SovereignSettings(
        domain=draft.domain, owner_id=draft.owner_id, default_ttl=draft.default_ttl,
        zones=tuple(zones), gslb_zone=draft.gslb_zone, regions=draft.regions,
        tenants=draft.tenants, reserved=draft.reserved)
    reparsed = parse_settings(final.to_data(), path=f"{path}.settings")
    if reparsed.to_data() != final.to_data():  # pragma: no cover - a model bug, not input
        raise AssertionError(f"{path}: settings do not round-trip through parse_settings")
    return final
