"""A Hetzner Cloud DNS zone (pulumi_hcloud ``Zone`` / ``ZoneRrset``)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_hcloud as hcloud
from publicsuffixlist import PublicSuffixList

from catalyst_dns.dnssec import Ds
from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import hetzner as rules
from catalyst_dns.records import RecordType
from components.base import ZoneArgsBase, ZoneComponent, child_name, normalise_nameservers

KIND = "HetznerZone"


@dataclass(frozen=True, slots=True)
class HetznerZoneArgs(ZoneArgsBase):
    """A Hetzner Cloud DNS zone (primary mode). Hetzner cannot sign zones: ``dnssec`` is refused."""


@functools.cache
def _public_suffixes() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True)


class HetznerZone(ZoneComponent):
    """A primary zone with Hetzner's ``delete_protection`` on when protected."""

    provider_key = "hetzner"
    assigned_nameservers = rules.ASSIGNED_NAMESERVERS

    @classmethod
    def check_name(cls, zone_name: str, field: str) -> None:
        """Only a registrable domain: Hetzner's zone API refuses subdomains.

        Create Zone's ``name`` (Hetzner Cloud API reference, Zones): "All names with well-known
        public suffixes (e.g. .de, .com, .co.uk) are supported. Subdomains are not supported."
        Read with the Public Suffix List's ICANN section; a TLD it does not list counts as
        one label, as the list's own default rule says.
        """
        registrable = _public_suffixes().privatesuffix(zone_name)
        if registrable != zone_name:
            what = f"a subdomain of {registrable}" if registrable else "a public suffix"
            raise DnsInputError(field, zone_name,
                                f"cannot be a Hetzner zone: it is {what}, and Hetzner's zone API takes "
                                "only registrable domains (\"Subdomains are not supported\"); put it on "
                                "Route53, Cloud DNS or Azure DNS")

    def __init__(self, name: str, args: HetznerZoneArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(KIND, name, args, opts)
        self.zone = hcloud.Zone(
            child_name(name, "zone"),
            name=self.zone_name,
            mode="primary",
            delete_protection=args.protect,
            labels={"managed-by": "catalyst-dns"},
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, protect=args.protect),
        )
        self.zone_id = self.zone.id
        self.name_servers = self.zone.authoritative_nameservers.apply(
            lambda a: normalise_nameservers(_assigned(a), f"hetzner zone {self.zone_name}"))
        self.ds = None
        self.register_outputs({"zoneId": self.zone_id, "nameServers": self.name_servers})

    def write_records(self, resource_name: str, name: str, rtype: RecordType, ttl: int,
                      values: pulumi.Input[Sequence[str]], count: int,
                      parent: pulumi.Resource) -> list[pulumi.CustomResource]:
        """One ZoneRrset: relative name, absolute host names (with the dot) in values."""
        record_set = self.record_set(name, rtype, ttl, resource_name)
        records = self.formatted(
            rtype, values, None, resource_name,
            lambda v: hcloud.ZoneRrsetRecordArgs(value=rules.record_value(v)))
        return [self._rrset(resource_name, rules.record_name(record_set), rtype.value,
                            record_set.ttl, records, parent)]

    def write_ds(self, resource_name: str, name: str, ttl: int, ds: pulumi.Output[Ds],
                 parent: pulumi.Resource) -> list[pulumi.CustomResource]:
        """One DS ZoneRrset."""
        record_set = self.ds_record_set(name, ttl, resource_name)
        records = ds.apply(lambda d: [hcloud.ZoneRrsetRecordArgs(value=d.presentation)])
        return [self._rrset(resource_name, rules.record_name(record_set), str(record_set.type),
                            record_set.ttl, records, parent)]

    def _rrset(self, resource_name: str, relative: str, rtype: str, ttl: int,
               records: pulumi.Input[Any], parent: pulumi.Resource) -> hcloud.ZoneRrset:
        return hcloud.ZoneRrset(
            resource_name,
            zone=self.zone_id,
            name=relative,
            type=rtype,
            ttl=ttl,
            records=records,
            labels={"managed-by": "catalyst-dns"},
            opts=self.child_opts(parent),
        )


def _assigned(authoritative: Any) -> list[str]:
    """``authoritative_nameservers.assigneds`` (an output object, or a dict under some runtimes)."""
    if authoritative is None:
        return []
    if isinstance(authoritative, dict):
        return list(authoritative.get("assigneds") or authoritative.get("assigned") or [])
    return list(getattr(authoritative, "assigneds", None) or [])
