"""A Hetzner Cloud DNS zone (pulumi_hcloud ``Zone`` / ``ZoneRrset``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_hcloud as hcloud

from catalyst_dns.dnssec import Ds
from catalyst_dns.providers import hetzner as rules
from catalyst_dns.records import RecordType
from components.base import ZoneArgsBase, ZoneComponent, child_name, normalise_nameservers

KIND = "HetznerZone"


@dataclass(frozen=True, slots=True)
class HetznerZoneArgs(ZoneArgsBase):
    """A Hetzner Cloud DNS zone (primary mode). Hetzner cannot sign zones: ``dnssec`` is refused."""


class HetznerZone(ZoneComponent):
    """A primary zone with Hetzner's ``delete_protection`` on when protected."""

    provider_key = "hetzner"
    assigned_nameservers = rules.ASSIGNED_NAMESERVERS

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
