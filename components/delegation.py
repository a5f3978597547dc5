"""NS delegation of a child zone from its parent zone, at any pair of providers.

The parent gets an NS record set at the child's name holding the child's assigned name
servers, and, when the child is signed, a DS record set carrying the child's key-signing
key digest, so the chain of trust reaches into the child.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from catalyst_dns.errors import DnsInputError
from catalyst_dns.records import RecordType
from catalyst_dns.zones import is_below
from components.base import ZoneComponent, child_name, type_token

KIND = "Delegation"


@dataclass(frozen=True, slots=True)
class DelegationArgs:
    """Delegate ``child`` from ``parent``.

    Attributes:
        parent: the zone that delegates (holds the NS and DS records).
        child: the delegated zone; must be strictly below ``parent``.
        ttl: TTL of the NS and DS records.
    """

    parent: ZoneComponent
    child: ZoneComponent
    ttl: int = 3600


class Delegation(pulumi.ComponentResource):
    """NS (and DS) records for ``child`` in ``parent``."""

    def __init__(self, name: str, args: DelegationArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        parent, child = args.parent, args.child
        if not is_below(child.zone_name, parent.zone_name):
            raise DnsInputError(f"{name}.child", child.zone_name,
                                f"is not a zone below the parent zone {parent.zone_name}")
        parent.check_delegation_ttl(f"{name}.ttl", args.ttl)
        # Provider rules (TTL range, name form) are checked here, before registering anything.
        parent.record_set(child.zone_name, RecordType.NS, args.ttl, f"{name}.ttl")
        super().__init__(type_token(KIND), name, None, opts)
        self.zone = child.zone_name
        values = child.name_servers
        self.ns_records = parent.write_records(
            child_name(name, "ns"), child.zone_name, RecordType.NS, args.ttl, values,
            child.assigned_nameservers, self)
        self.ds_records: list[pulumi.CustomResource] = []
        if child.ds is not None:
            self.ds_records = parent.write_ds(child_name(name, "ds"), child.zone_name,
                                              args.ttl, child.ds, self)
        self.name_servers = child.name_servers
        self.register_outputs({
            "zone": self.zone,
            "nameServers": self.name_servers,
            "ds": child.ds.apply(lambda d: d.presentation) if child.ds is not None else None,
        })
