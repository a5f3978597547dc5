"""An Azure DNS public zone (pulumi_azure_native v3 ``dns``), optionally DNSSEC-signed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azure_native as azure_native

from catalyst_dns.dnssec import DS_DIGEST_SHA256, Ds
from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import azuredns as rules
from catalyst_dns.records import RecordType
from components.base import (
    ZoneArgsBase,
    ZoneComponent,
    child_name,
    normalise_nameservers,
)

KIND = "AzureDnsZone"
_KSK_FLAGS = 257


@dataclass(frozen=True, slots=True)
class AzureDnsZoneArgs(ZoneArgsBase):
    """An Azure DNS zone.

    Attributes:
        resource_group: the resource group that holds the zone (must exist).
    """

    resource_group: str = ""


def soa_record_set_id(zone_id: str) -> str:
    """The ARM id of a zone's SOA record set (type ``Microsoft.Network/dnszones/SOA``, name ``@``)."""
    return f"{zone_id}/SOA/@"


class AzureDnsZone(ZoneComponent):
    """A public zone, its SOA record set locked ``CanNotDelete`` when protected; ``dnssec`` adds a DnssecConfig."""

    provider_key = "azuredns"
    assigned_nameservers = rules.ASSIGNED_NAMESERVERS
    required_args = (("resource_group", "resourceGroup", "the resource group that holds the zone"),)

    def __init__(self, name: str, args: AzureDnsZoneArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(KIND, name, args, opts)
        self.resource_group = args.resource_group
        self.zone = azure_native.dns.Zone(
            child_name(name, "zone"),
            zone_name=self.zone_name,
            resource_group_name=args.resource_group,
            location=rules.ZONE_LOCATION,
            zone_type=azure_native.dns.ZoneType.PUBLIC,
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, protect=args.protect),
        )
        self.lock: azure_native.authorization.ManagementLockByScope | None = None
        if args.protect:
            # Azure's own delete protection, so nobody deletes the zone outside Pulumi either.
            # Not on the zone: Azure locks are inherited by everything below their scope, so a
            # zone lock would make every record set undeletable (each removed hostname would
            # leave a DNS*Record MR stuck on ScopeLocked). Microsoft's "How to protect DNS zones
            # and records" puts the CanNotDelete lock on the zone's SOA record set instead: a
            # zone cannot be deleted without its SOA, and the other record sets stay deletable.
            self.lock = azure_native.authorization.ManagementLockByScope(
                child_name(name, "lock"),
                scope=self.zone.id.apply(soa_record_set_id),
                level="CanNotDelete",
                lock_name=child_name(name, "lock"),
                notes=f"{self.zone_name} is a Sovereign zone managed by catalyst-dns",
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider),
            )
        # The settings (and the function) locate an Azure zone by resource group and name.
        self.zone_id = self.zone.name
        self.arm_id = self.zone.id
        self.name_servers = self.zone.name_servers.apply(
            lambda ns: normalise_nameservers(ns, f"azuredns zone {self.zone_name}"))
        self.ds = None
        if args.dnssec:
            self.dnssec = azure_native.dns.DnssecConfig(
                child_name(name, "dnssec"),
                resource_group_name=args.resource_group,
                zone_name=self.zone.name,
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider),
            )
            self.ds = self.dnssec.signing_keys.apply(self._ksk_ds)
        self.register_outputs({"zoneId": self.zone_id, "nameServers": self.name_servers,
                               "ds": self.ds.apply(lambda d: d.presentation) if self.ds else None})

    def _ksk_ds(self, keys: Sequence[Any] | None) -> Ds:
        for key in keys or ():
            if int(key.flags) != _KSK_FLAGS:
                continue
            for info in key.delegation_signer_info or ():
                if int(info.digest_algorithm_type) == DS_DIGEST_SHA256:
                    return Ds(int(key.key_tag), int(key.security_algorithm_type),
                              DS_DIGEST_SHA256, str(info.digest_value).upper())
        raise ValueError(f"azuredns zone {self.zone_name}: no key-signing key with a SHA-256 DS")

    def settings_fields(self) -> dict[str, str]:
        """Azure zones are located by resource group and name; the settings carry both."""
        return {"resource_group": self.resource_group}

    def _record_set(self, resource_name: str, relative: str, rtype: str, ttl: int,
                    parent: pulumi.Resource, **values: Any) -> azure_native.dns.RecordSet:
        return azure_native.dns.RecordSet(
            resource_name,
            resource_group_name=self.resource_group,
            zone_name=self.zone.name,
            relative_record_set_name=relative,
            record_type=rtype,
            ttl=ttl,
            opts=self.child_opts(parent),
            **values,
        )

    def write_records(self, resource_name: str, name: str, rtype: RecordType, ttl: int,
                      values: pulumi.Input[Sequence[str]], count: int,
                      parent: pulumi.Resource) -> list[pulumi.CustomResource]:
        """One RecordSet, relative name, values in the type's own list."""
        record_set = self.record_set(name, rtype, ttl, resource_name)
        objects = self.formatted(rtype, values, None, resource_name, rules.record_object)
        field: dict[str, Any]
        if rtype is RecordType.NS:
            field = {"ns_records": objects.apply(
                lambda os: [azure_native.dns.NsRecordArgs(nsdname=o) for o in os])}
        elif rtype is RecordType.A:
            field = {"a_records": objects.apply(
                lambda os: [azure_native.dns.ARecordArgs(ipv4_address=o) for o in os])}
        elif rtype is RecordType.AAAA:
            field = {"aaaa_records": objects.apply(
                lambda os: [azure_native.dns.AaaaRecordArgs(ipv6_address=o) for o in os])}
        else:
            raise DnsInputError(resource_name, rtype.value,
                                "is not a record type the Pulumi components write")
        return [self._record_set(resource_name, rules.record_name(record_set), rtype.value,
                                 record_set.ttl, parent, **field)]

    def write_ds(self, resource_name: str, name: str, ttl: int, ds: pulumi.Output[Ds],
                 parent: pulumi.Resource) -> list[pulumi.CustomResource]:
        """One DS RecordSet (``dsRecords``: key tag, algorithm and the digest object)."""
        record_set = self.ds_record_set(name, ttl, resource_name)

        def ds_args(d: Ds) -> list[azure_native.dns.DsRecordArgs]:
            shape = rules.ds_record(*d.fields)
            return [azure_native.dns.DsRecordArgs(
                key_tag=shape["key_tag"], algorithm=shape["algorithm"],
                digest=azure_native.dns.DigestArgs(**shape["digest"]))]

        return [self._record_set(resource_name, rules.record_name(record_set), str(record_set.type),
                                 record_set.ttl, parent, ds_records=ds.apply(ds_args))]

