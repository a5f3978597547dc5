"""A Google Cloud DNS public managed zone (pulumi_gcp), optionally DNSSEC-signed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from catalyst_dns.dnssec import DS_DIGEST_SHA256, Ds, parse_ds
from catalyst_dns.providers import clouddns as rules
from catalyst_dns.records import RecordType
from components.base import (
    ZoneArgsBase,
    ZoneComponent,
    child_name,
    normalise_nameservers,
)

KIND = "CloudDnsZone"


@dataclass(frozen=True, slots=True)
class CloudDnsZoneArgs(ZoneArgsBase):
    """A Cloud DNS managed zone.

    Attributes:
        project: the GCP project that holds the zone.
    """

    project: str = ""


class CloudDnsZone(ZoneComponent):
    """A public managed zone; with ``dnssec`` signed (NSEC3) and its DS read from its keys."""

    provider_key = "clouddns"
    assigned_nameservers = rules.ASSIGNED_NAMESERVERS
    required_args = (("project", "project", "the GCP project that holds the managed zone"),)

    def __init__(self, name: str, args: CloudDnsZoneArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(KIND, name, args, opts)
        self.project = args.project
        self.zone = gcp.dns.ManagedZone(
            child_name(name, "zone"),
            name=rules.managed_zone_name(self.zone_name),
            dns_name=rules.zone_dns_name(self.zone_name),
            description=f"{self.zone_name}: managed by catalyst-dns",
            project=args.project,
            visibility="public",
            force_destroy=False,
            dnssec_config=gcp.dns.ManagedZoneDnssecConfigArgs(
                state="on", non_existence="nsec3") if args.dnssec else None,
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, protect=args.protect),
        )
        # Records and the settings address a managed zone by its resource name.
        self.zone_id = self.zone.name
        self.name_servers = self.zone.name_servers.apply(
            lambda ns: normalise_nameservers(ns, f"clouddns zone {self.zone_name}"))
        self.ds = None
        if args.dnssec:
            keys = gcp.dns.get_keys_output(
                managed_zone=self.zone.id, project=args.project,
                opts=pulumi.InvokeOutputOptions(parent=self, provider=args.provider))
            self.ds = keys.key_signing_keys.apply(self._active_ds)
        self.register_outputs({"zoneId": self.zone_id, "nameServers": self.name_servers,
                               "ds": self.ds.apply(lambda d: d.presentation) if self.ds else None})

    def _active_ds(self, keys: Sequence[object] | None) -> Ds:
        source = f"clouddns zone {self.zone_name} keys"
        for key in keys or ():
            active = _get(key, "is_active", "isActive")
            record = _get(key, "ds_record", "dsRecord")
            if active and record:
                ds = parse_ds(str(record), source)
                if ds.digest_type == DS_DIGEST_SHA256:
                    return ds
        raise ValueError(f"{source}: no active key-signing key with a SHA-256 DS record")

    def settings_fields(self) -> dict[str, str]:
        """The settings carry the project, so records land in the zone's own project."""
        return {"project": self.project}

    def write_records(self, resource_name: str, name: str, rtype: RecordType, ttl: int,
                      values: pulumi.Input[Sequence[str]], count: int,
                      parent: pulumi.Resource) -> list[pulumi.CustomResource]:
        """One RecordSet: absolute name, absolute host names in rrdatas."""
        record_set = self.record_set(name, rtype, ttl, resource_name)
        rrdatas = self.formatted(rtype, values, None, resource_name, rules.rrdata)
        return [gcp.dns.RecordSet(
            resource_name,
            managed_zone=self.zone_id,
            project=self.project,
            name=rules.record_name(record_set),
            type=rtype.value,
            ttl=record_set.ttl,
            rrdatas=rrdatas,
            opts=self.child_opts(parent),
        )]

    def write_ds(self, resource_name: str, name: str, ttl: int, ds: pulumi.Output[Ds],
                 parent: pulumi.Resource) -> list[pulumi.CustomResource]:
        """One DS RecordSet."""
        record_set = self.ds_record_set(name, ttl, resource_name)
        return [gcp.dns.RecordSet(
            resource_name,
            managed_zone=self.zone_id,
            project=self.project,
            name=rules.record_name(record_set),
            type=str(record_set.type),
            ttl=record_set.ttl,
            rrdatas=ds.apply(lambda d: [d.presentation]),
            opts=self.child_opts(parent),
        )]


def _get(obj: object, attr: str, key: str) -> object:
    """A field of an invoke result entry, typed object or (under some runtimes) a dict."""
    if isinstance(obj, dict):
        return obj.get(key, obj.get(attr))
    return getattr(obj, attr, None)
