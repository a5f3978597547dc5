"""Google Cloud DNS (crossplane-contrib/provider-upjet-gcp, ``RecordSet``).

Quirks: the name is the FQDN *with* the trailing dot; ``managedZone`` is the managed
zone's resource name (our ``zoneId``), not its DNS name; ``rrdatas`` are presentation
strings with absolute host names (trailing dots) and TXT quoted; a CNAME has one rrdata;
an NS record set (a delegation) has at most eight name servers; cluster scope serves
``v1beta2`` only (v1beta1 was removed in provider v3).
"""

from __future__ import annotations

import hashlib
from typing import Any

from catalyst_dns import names
from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers.base import ApiVersions, Provider
from catalyst_dns.rdata import Rdata
from catalyst_dns.records import RecordSet, RecordType, presentation

API = ApiVersions("dns.gcp.m.upbound.io/v1beta1", "dns.gcp.upbound.io/v1beta2")
# "Each delegation (resource record sets of type NS) can have up to eight name servers"
# ("Name servers per delegation: 8", https://cloud.google.com/dns/quotas; the API's
# Quota.nameserversPerDelegation). Read by the function (CloudDns.check) and by the
# Pulumi GslbDelegation, whose NS record set lists one name server per region.
MAX_DELEGATION_NAMESERVERS = 8
DELEGATION_RULE = (f"has more than {MAX_DELEGATION_NAMESERVERS} name servers; Google Cloud DNS allows "
                   f"at most {MAX_DELEGATION_NAMESERVERS} per delegation (NS record set)")


def record_name(record_set: RecordSet) -> str:
    """Cloud DNS wants the absolute name."""
    return names.absolute(record_set.name)


def rrdata(rdata: Rdata) -> str:
    """One rrdata: zone-file presentation with absolute host names."""
    return presentation(rdata, dotted=True)


class CloudDns(Provider):
    """Google Cloud DNS managed zones."""

    key = "clouddns"
    title = "Google Cloud DNS"
    api = API
    kind = "RecordSet"
    min_ttl = 0

    def check(self, record_set: RecordSet, field: str) -> None:
        """Cloud DNS's name servers per delegation, beside the common rules."""
        super().check(record_set, field)
        if record_set.type is RecordType.NS and len(record_set.rdata) > MAX_DELEGATION_NAMESERVERS:
            raise DnsInputError(f"{field}.values", f"<{len(record_set.rdata)} values>", DELEGATION_RULE)

    def for_provider(self, record_set: RecordSet) -> dict[str, Any]:
        """One RecordSet for the whole set."""
        for_provider: dict[str, Any] = {
            "managedZone": record_set.zone.zone_id,
            "name": record_name(record_set),
            "type": str(record_set.type),
            "ttl": record_set.ttl,
            "rrdatas": [rrdata(r) for r in record_set.rdata],
        }
        if record_set.zone.project:
            for_provider["project"] = record_set.zone.project
        return for_provider


# --- Zone-level rules, used by the Pulumi components (components/clouddns.py) ---

# A Cloud DNS managed zone is served by four ``ns-cloud-<x><n>.googledomains.com.`` servers.
ASSIGNED_NAMESERVERS = 4
_MANAGED_ZONE_NAME_MAX = 63


def zone_dns_name(zone_name: str) -> str:
    """A managed zone's ``dnsName``: absolute, with the trailing dot."""
    return names.absolute(zone_name)


def managed_zone_name(zone_name: str) -> str:
    """The managed zone's resource name (our ``zoneId``) for a DNS name.

    Cloud DNS wants 1-63 lower-case letters, digits and dashes, starting with a letter, and
    refuses a second zone of one name in a project; so the mapping is injective, like the
    Pulumi zone component names: dots become single dashes and the labels' own dashes are
    doubled (``eu-west.x`` -> ``eu--west-x``, ``eu.west.x`` -> ``eu-west-x``). A host-name
    label neither starts nor ends with a dash, so a valid name never encodes to a run of
    three dashes; that run marks the two exceptions, which can then collide with no plain
    name: a name starting with a digit gets ``z---`` in front, and a name too long for 63
    characters keeps its head and ends ``---<hash of the whole name>``.
    """
    body = names.dashed(zone_name)
    if not body[0].isalpha():
        body = "z---" + body
    if len(body) > _MANAGED_ZONE_NAME_MAX:
        tail = hashlib.sha256(zone_name.encode()).hexdigest()[:8]
        body = body[: _MANAGED_ZONE_NAME_MAX - len(tail) - 3].rstrip("-") + "---" + tail
    return body
