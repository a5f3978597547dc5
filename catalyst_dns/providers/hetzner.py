"""Hetzner Cloud DNS (provider-hetzner, ``ZoneRRSet``).

Quirks: the name is relative (``@`` at the apex); ``zone`` takes the zone id or name;
``records`` is a list of ``{value}``; TXT values must arrive pre-quoted, one quoted string
per 255 octets; host names inside values are absolute with the trailing dot; TTLs start
at 60 seconds.
"""

from __future__ import annotations

from typing import Any

from catalyst_dns import names
from catalyst_dns.providers.base import ApiVersions, Provider
from catalyst_dns.records import Address, Host, Rdata, RecordSet, presentation

API = ApiVersions("dns.hetzner.m.crossplane.io/v1alpha1", "dns.hetzner.crossplane.io/v1alpha1")


def record_name(record_set: RecordSet) -> str:
    """Hetzner names RRSets relative to the zone, ``@`` at the apex."""
    return record_set.relative_name


def record_value(rdata: Rdata) -> str:
    """One ``records[].value``: presentation format, TXT quoted, host names absolute."""
    if isinstance(rdata, Address):  # the common forms without the general match: what presentation gives
        return rdata.address
    if isinstance(rdata, Host) and rdata.target != ".":
        return names.absolute(rdata.target)
    return presentation(rdata, dotted=True)


class Hetzner(Provider):
    """Hetzner Cloud DNS zones."""

    key = "hetzner"
    title = "Hetzner Cloud DNS"
    api = API
    kind = "ZoneRRSet"
    min_ttl = 60

    def for_provider(self, record_set: RecordSet) -> dict[str, Any]:
        """One ZoneRRSet for the whole set."""
        return {
            "zone": record_set.zone.zone_id,
            "name": record_name(record_set),
            "type": str(record_set.type),
            "ttl": record_set.ttl,
            "records": [{"value": record_value(r)} for r in record_set.rdata],
        }


# --- Zone-level rules, used by the Pulumi components (components/hetzner.py) ---

# Hetzner assigns hydrogen.ns.hetzner.com, oxygen.ns.hetzner.com and helium.ns.hetzner.de.
ASSIGNED_NAMESERVERS = 3
# Hetzner Cloud DNS cannot sign zones (no DNSSEC); it can hold DS records for signed children.
SUPPORTS_DNSSEC = False
