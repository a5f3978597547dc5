"""Delegation of the GSLB sub-zone (``gslb.<domain>``) to the k8gb CoreDNS of every region.

In the parent zone: an NS record set at the GSLB zone listing one name server per region,
and the A/AAAA records of those names. The names are k8gb's own
(``gslb-ns-<geotag>-<gslb zone relative to parent, dots as dashes>.<parent>``, see
``catalyst_dns.k8gb``): k8gb finds its peer clusters by building these names from the
geotags and resolving them in the parent zone, so any other name leaves the clusters blind
to each other.

One name server per region, checked against the parent's provider rules before anything
registers (a Google Cloud DNS parent takes at most eight per delegation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from catalyst_dns import k8gb, names
from catalyst_dns.errors import DnsInputError
from catalyst_dns.rdata import Host
from catalyst_dns.records import RecordType
from catalyst_dns.settings import Region
from catalyst_dns.zones import is_below
from components.base import ZoneComponent, checked_record_set, child_name, type_token

KIND = "GslbDelegation"


def nameservers(regions: Sequence[Region], gslb_zone: str, parent_zone: str, parent_provider: str, ttl: int,
                field: str) -> list[str]:
    """k8gb's nameserver name of each region, once the delegation they make is known to be writable.

    Each region needs its nameserver's IPv4 address (k8gb finds its peers by A queries) and a
    geotag whose name DNS can hold; the NS record set, one name server per region, must pass
    the parent provider's rules (a Google Cloud DNS parent takes at most eight). ``field``
    names the regions in a refusal (``g.regions``, or the stack config's ``regions``). The
    stack config is checked by it at load and the component before it registers, one rule.
    """
    servers = []
    for index, region in enumerate(regions):
        k8gb.check_nameserver_address(region.geotag, region.nameserver_ipv4, region.nameserver_ipv6,
                                      gslb_zone, f"{field}[{index}].nameserver")
        servers.append(k8gb.check_nameserver_name(region.geotag, gslb_zone, parent_zone,
                                                  f"{field}[{index}].geotag"))
    try:
        checked_record_set(parent_zone, parent_provider, gslb_zone, RecordType.NS, ttl, field,
                           tuple(Host(server) for server in servers))
    except DnsInputError as exc:
        if exc.field != f"{field}.values":
            raise
        raise DnsInputError(field, f"<{len(servers)} regions>",
                            f"give one name server each to the NS record set at {gslb_zone} in "
                            f"{parent_zone}, which {exc.rule}") from None
    return servers


@dataclass(frozen=True, slots=True)
class GslbDelegationArgs:
    """Delegate ``gslb_zone`` from ``parent`` to the k8gb nameservers of ``regions``.

    Attributes:
        parent: the zone directly above the GSLB zone (k8gb's ``parentZone``).
        gslb_zone: the load-balanced zone (k8gb's ``loadBalancedZone``).
        regions: every region, each with its k8gb nameserver's IPv4 address (and optionally IPv6).
        ttl: TTL of the NS and address records.
    """

    parent: ZoneComponent
    gslb_zone: str
    regions: Sequence[Region]
    ttl: int = 300


class GslbDelegation(pulumi.ComponentResource):
    """NS records at the GSLB zone plus the address records of k8gb's nameserver names."""

    def __init__(self, name: str, args: GslbDelegationArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        parent = args.parent
        gslb_zone = names.normalise(args.gslb_zone, f"{name}.gslbZone")
        if not is_below(gslb_zone, parent.zone_name):
            raise DnsInputError(f"{name}.gslbZone", gslb_zone,
                                f"is not below the parent zone {parent.zone_name}")
        parent.check_delegation_ttl(f"{name}.ttl", args.ttl)
        if not args.regions:
            raise DnsInputError(f"{name}.regions", [], "must list at least one region")
        seen: set[str] = set()
        for index, region in enumerate(args.regions):
            if region.geotag in seen:
                raise DnsInputError(f"{name}.regions[{index}].geotag", region.geotag,
                                    "is listed twice")
            seen.add(region.geotag)
        servers = list(zip(args.regions, nameservers(args.regions, gslb_zone, parent.zone_name,
                                                     parent.provider_key, args.ttl, f"{name}.regions"),
                           strict=True))
        super().__init__(type_token(KIND), name, None, opts)

        self.gslb_zone = gslb_zone
        self.nameservers = sorted(server for _, server in servers)
        ns_values = list(self.nameservers)
        self.ns_records = parent.write_records(
            child_name(name, "ns"), gslb_zone, RecordType.NS, args.ttl, ns_values,
            len(ns_values), self)
        self.address_records: list[pulumi.CustomResource] = []
        for region, server in servers:
            for rtype, address in ((RecordType.A, region.nameserver_ipv4),
                                   (RecordType.AAAA, region.nameserver_ipv6)):
                if address:
                    self.address_records += parent.write_records(
                        child_name(name, f"{region.geotag}-{rtype.value.lower()}"), server,
                        rtype, args.ttl, [address], 1, self)
        self.register_outputs({"gslbZone": self.gslb_zone, "nameServers": self.nameservers})
