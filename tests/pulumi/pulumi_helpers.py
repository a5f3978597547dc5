"""Decoders of registered record resources, one per provider, each asserting that provider's rules.

A decoder reads one registered resource back into ``(fqdn, type, ttl, values)`` in the
model's normal form (no trailing dots), and fails if the resource breaks its provider's
name or value form (Cloud DNS absolute names, Azure/Hetzner relative names, Hetzner and
Cloud DNS absolute host values, Route53/Cloudflare/Azure without dots...). It also checks
that every input is a real argument of the SDK resource.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi._types as pulumi_types

RECORD_TYPES = {
    "cloudflare": "cloudflare:index/dnsRecord:DnsRecord",
    "route53": "aws:route53/record:Record",
    "clouddns": "gcp:dns/recordSet:RecordSet",
    "azuredns": "azure-native:dns:RecordSet",
    "hetzner": "hcloud:index/zoneRrset:ZoneRrset",
}
def cli_config(config: Mapping[str, Any]) -> dict[str, str]:
    """Stack config as the Pulumi CLI hands it to a program: every value a string, lists and objects as JSON."""
    out: dict[str, str] = {}
    for key, value in config.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list | dict):
            out[key] = json.dumps(value)
        else:
            out[key] = str(value)
    return out


ZONE_TYPES = {
    "cloudflare": "cloudflare:index/zone:Zone",
    "route53": "aws:route53/zone:Zone",
    "clouddns": "gcp:dns/managedZone:ManagedZone",
    "azuredns": "azure-native:dns:Zone",
    "hetzner": "hcloud:index/zone:Zone",
}
COMPONENT_TYPES = {
    "cloudflare": "catalyst-dns:index:CloudflareZone",
    "route53": "catalyst-dns:index:Route53Zone",
    "clouddns": "catalyst-dns:index:CloudDnsZone",
    "azuredns": "catalyst-dns:index:AzureDnsZone",
    "hetzner": "catalyst-dns:index:HetznerZone",
}
PROVIDER_TYPES = {
    "cloudflare": "pulumi:providers:cloudflare",
    "route53": "pulumi:providers:aws",
    "clouddns": "pulumi:providers:gcp",
    "azuredns": "pulumi:providers:azure-native",
    "hetzner": "pulumi:providers:hcloud",
}
# Resource type -> (SDK module, Args class), to check inputs against the real SDK.
SDK_ARGS = {
    "cloudflare:index/zone:Zone": ("pulumi_cloudflare", "ZoneArgs"),
    "cloudflare:index/dnsRecord:DnsRecord": ("pulumi_cloudflare", "DnsRecordArgs"),
    "cloudflare:index/zoneDnssec:ZoneDnssec": ("pulumi_cloudflare", "ZoneDnssecArgs"),
    "aws:route53/zone:Zone": ("pulumi_aws.route53", "ZoneArgs"),
    "aws:route53/record:Record": ("pulumi_aws.route53", "RecordArgs"),
    "aws:route53/keySigningKey:KeySigningKey": ("pulumi_aws.route53", "KeySigningKeyArgs"),
    "aws:route53/hostedZoneDnsSec:HostedZoneDnsSec": ("pulumi_aws.route53", "HostedZoneDnsSecArgs"),
    "aws:kms/key:Key": ("pulumi_aws.kms", "KeyArgs"),
    "gcp:dns/managedZone:ManagedZone": ("pulumi_gcp.dns", "ManagedZoneArgs"),
    "gcp:dns/recordSet:RecordSet": ("pulumi_gcp.dns", "RecordSetArgs"),
    "azure-native:dns:Zone": ("pulumi_azure_native.dns", "ZoneArgs"),
    "azure-native:dns:RecordSet": ("pulumi_azure_native.dns", "RecordSetArgs"),
    "azure-native:dns:DnssecConfig": ("pulumi_azure_native.dns", "DnssecConfigArgs"),
    "azure-native:authorization:ManagementLockByScope": (
        "pulumi_azure_native.authorization", "ManagementLockByScopeArgs"),
    "hcloud:index/zone:Zone": ("pulumi_hcloud", "ZoneArgs"),
    "hcloud:index/zoneRrset:ZoneRrset": ("pulumi_hcloud", "ZoneRrsetArgs"),
}


def sdk_argument_names(resource_type: str) -> tuple[set[str], set[str]]:
    """(all wire names, required wire names) of a resource type's Args in its real SDK."""
    module_name, class_name = SDK_ARGS[resource_type]
    cls = getattr(importlib.import_module(module_name), class_name)
    wire: set[str] = set()
    for prop in vars(cls).values():
        if isinstance(prop, property):
            name = getattr(prop.fget, pulumi_types._PULUMI_NAME, None)
            if name:
                wire.add(name)
    import inspect

    required = {
        pulumi_types.input_type_py_to_pulumi_names(cls).get(p.name, p.name)
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.kind is p.KEYWORD_ONLY and p.default is inspect.Parameter.empty
    }
    return wire, required


def assert_sdk_inputs(reg: Any) -> None:
    """Every input is an argument of the real SDK resource, and every required one is there."""
    wire, required = sdk_argument_names(reg.type)
    unknown = set(reg.inputs) - wire
    assert not unknown, f"{reg.type} {reg.name}: inputs {unknown} are not SDK arguments ({sorted(wire)})"
    missing = required - set(reg.inputs)
    assert not missing, f"{reg.type} {reg.name}: required SDK arguments {missing} missing"


@dataclass(frozen=True)
class Decoded:
    fqdn: str
    type: str
    ttl: int
    values: tuple[str, ...]


def _host(value: str, dotted: bool, where: str) -> str:
    if dotted:
        assert value.endswith("."), f"{where}: host value {value!r} must be absolute (trailing dot)"
        return value[:-1]
    assert not value.endswith("."), f"{where}: host value {value!r} must not carry a trailing dot"
    return value


def _is_host_type(rtype: str) -> bool:
    return rtype in ("NS", "CNAME")


def decode(provider: str, reg: Any, zone: str) -> Decoded:
    """One record resource of ``provider`` in ``zone``, checked against the provider's rules."""
    assert reg.type == RECORD_TYPES[provider], f"{reg.name}: {reg.type} is not a {provider} record"
    assert_sdk_inputs(reg)
    i = reg.inputs
    where = f"{provider} {reg.name}"
    if provider == "cloudflare":
        name = i["name"]
        assert not name.endswith("."), f"{where}: Cloudflare names are FQDNs without the dot"
        rtype = i["type"]
        if rtype == "DS":
            d = i["data"]
            values = (f"{int(d['keyTag'])} {int(d['algorithm'])} {int(d['digestType'])} {d['digest']}",)
            assert "content" not in i, f"{where}: DS goes in data, not content"
        else:
            values = (_host(i["content"], False, where) if _is_host_type(rtype) else i["content"],)
            assert i.get("proxied") in (None, False), f"{where}: delegation records are never proxied"
        ttl = int(i["ttl"])
        assert 60 <= ttl <= 86400, f"{where}: Cloudflare TTL {ttl} out of range"
        return Decoded(name, rtype, ttl, values)
    if provider == "route53":
        name = i["name"]
        assert not name.endswith("."), f"{where}: Route53 names are given without the dot"
        rtype = i["type"]
        values = tuple(_host(v, False, where) if _is_host_type(rtype) else v for v in i["records"])
        return Decoded(name, rtype, int(i["ttl"]), values)
    if provider == "clouddns":
        name = i["name"]
        assert name.endswith("."), f"{where}: Cloud DNS names are absolute (trailing dot)"
        rtype = i["type"]
        values = tuple(_host(v, True, where) if _is_host_type(rtype) else v for v in i["rrdatas"])
        return Decoded(name[:-1], rtype, int(i["ttl"]), values)
    if provider == "azuredns":
        relative = i["relativeRecordSetName"]
        assert "." not in relative or not relative.endswith(zone), f"{where}: Azure names are relative"
        assert not relative.endswith("."), where
        fqdn = zone if relative == "@" else f"{relative}.{zone}"
        rtype = i["recordType"]
        assert i["zoneName"] == zone, f"{where}: zoneName {i['zoneName']} is not {zone}"
        if rtype == "NS":
            values = tuple(_host(r["nsdname"], False, where) for r in i["nsRecords"])
        elif rtype == "A":
            values = tuple(r["ipv4Address"] for r in i["aRecords"])
        elif rtype == "AAAA":
            values = tuple(r["ipv6Address"] for r in i["aaaaRecords"])
        elif rtype == "DS":
            values = tuple(f"{int(r['keyTag'])} {int(r['algorithm'])} "
                           f"{int(r['digest']['algorithmType'])} {r['digest']['value']}"
                           for r in i["dsRecords"])
        else:  # pragma: no cover
            raise AssertionError(rtype)
        return Decoded(fqdn, rtype, int(i["ttl"]), values)
    if provider == "hetzner":
        relative = i["name"]
        assert not relative.endswith("."), f"{where}: Hetzner names are relative"
        fqdn = zone if relative == "@" else f"{relative}.{zone}"
        rtype = i["type"]
        values = tuple(_host(r["value"], True, where) if _is_host_type(rtype) else r["value"]
                       for r in i["records"])
        ttl = int(i["ttl"])
        assert ttl >= 60, f"{where}: Hetzner TTLs start at 60"
        return Decoded(fqdn, rtype, ttl, values)
    raise AssertionError(provider)


def record_sets(provider: str, regs: list[Any], zone: str) -> dict[tuple[str, str], Decoded]:
    """Record resources merged into sets by (fqdn, type) (Cloudflare writes one per value)."""
    out: dict[tuple[str, str], Decoded] = {}
    for reg in regs:
        d = decode(provider, reg, zone)
        key = (d.fqdn, d.type)
        if key in out:
            assert provider == "cloudflare", f"two {provider} resources for one record set {key}"
            prev = out[key]
            assert prev.ttl == d.ttl
            out[key] = Decoded(d.fqdn, d.type, d.ttl, prev.values + d.values)
        else:
            out[key] = d
    return {k: Decoded(v.fqdn, v.type, v.ttl, tuple(sorted(v.values))) for k, v in out.items()}


def duplicate_urns(registrations: list[Any]) -> list[str]:
    """URNs registered more than once.

    The engine refuses a second resource with a URN it has seen ("Duplicate resource URN") and
    fails the whole preview; ``set_mocks`` accepts it silently, so tests must look for it.
    """
    seen: set[str] = set()
    twice: list[str] = []
    for reg in registrations:
        if reg.urn in seen:
            twice.append(reg.urn)
        seen.add(reg.urn)
    return twice
