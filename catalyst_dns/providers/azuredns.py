"""Azure DNS (crossplane-contrib/provider-upjet-azure, ``DNS<TYPE>Record``).

Quirks: one kind per record type; no name field: the relative name (``@`` at the apex)
is the ``crossplane.io/external-name`` annotation; ``zoneName`` and ``resourceGroupName``
locate the zone; ``ttl`` is required; A/AAAA/NS take ``records`` (strings), CNAME a single
``record`` string, and TXT/MX/SRV/CAA a ``record`` list of objects, with the MX preference
as a *string*; host names carry no trailing dot.

TXT: each ``record[].value`` is one raw text (no quoting, no escapes: Azure's API takes
the octets as they are) that Azure itself splits into 255-character strings. So a value
whose strings the user split anywhere else cannot be carried as written, and is refused
rather than silently re-split.
"""

from __future__ import annotations

from typing import Any

from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers.base import EXTERNAL_NAME, ApiVersions, Provider
from catalyst_dns.records import Address, Caa, Host, Mx, Rdata, RecordSet, RecordType, Srv, Txt, chunk, quote

API = ApiVersions("network.azure.m.upbound.io/v1beta1", "network.azure.upbound.io/v1beta1")
KINDS = {t: f"DNS{t.value}Record" for t in RecordType}


def record_name(record_set: RecordSet) -> str:
    """Azure names record sets relative to the zone, ``@`` at the apex."""
    return record_set.relative_name


def record_object(rdata: Rdata) -> Any:
    """One entry of the type's value field, in Azure's shape."""
    match rdata:
        case Address(address):
            return address
        case Host(target):
            return target
        case Txt():
            return {"value": rdata.text}
        case Mx(preference, exchange):
            return {"preference": str(preference), "exchange": exchange}
        case Srv(priority, weight, port, target):
            return {"priority": priority, "weight": weight, "port": port, "target": target}
        case Caa(flags, tag, value):
            return {"flags": flags, "tag": tag, "value": value}
    raise AssertionError(rdata)  # pragma: no cover


def value_fields(record_set: RecordSet) -> dict[str, Any]:
    """The value field of the type's kind: ``records``, ``record`` (string) or ``record`` (list)."""
    values = [record_object(r) for r in record_set.rdata]
    if record_set.type in (RecordType.A, RecordType.AAAA, RecordType.NS):
        return {"records": values}
    if record_set.type is RecordType.CNAME:
        return {"record": values[0]}
    return {"record": values}


def check_txt(record_set: RecordSet, field: str) -> None:
    """Refuse TXT values whose string boundaries Azure would not reproduce."""
    for rdata in record_set.rdata:
        if isinstance(rdata, Txt) and chunk(rdata.text) != rdata.strings:
            raise DnsInputError(f"{field}.values", " ".join(quote(s) for s in rdata.strings),
                                "splits its text into strings Azure DNS cannot keep: Azure takes one text "
                                "per value and splits it every 255 characters itself; write it as one string")


class AzureDns(Provider):
    """Azure public DNS zones."""

    key = "azuredns"
    title = "Azure DNS"
    api = API
    kind = "DNSARecord"

    def check(self, record_set: RecordSet, field: str) -> None:
        """Azure's TXT rule, beside the common ones."""
        super().check(record_set, field)
        check_txt(record_set, field)

    def kind_of(self, rtype: RecordType) -> str:
        """Azure has a kind per record type."""
        return KINDS[rtype]

    def annotations(self, record_set: RecordSet) -> dict[str, str]:
        """The record set's relative name is its external name."""
        return {EXTERNAL_NAME: record_name(record_set)}

    def for_provider(self, record_set: RecordSet) -> dict[str, Any]:
        """One DNS<TYPE>Record for the whole set."""
        return {
            "zoneName": record_set.zone.name,
            "resourceGroupName": record_set.zone.resource_group,
            "ttl": record_set.ttl,
            **value_fields(record_set),
        }


# --- Zone-level rules, used by the Pulumi components (components/azuredns.py) ---

# An Azure DNS zone is served by four ``ns<n>-<xx>.azure-dns.<tld>.`` servers.
ASSIGNED_NAMESERVERS = 4
# Azure DNS zones are global resources; ARM wants this location for them.
ZONE_LOCATION = "global"


def ds_record(key_tag: int, algorithm: int, digest_type: int, digest: str) -> dict[str, Any]:
    """One entry of a DS record set's ``dsRecords``: the digest is an object of its own."""
    return {"key_tag": key_tag, "algorithm": algorithm,
            "digest": {"algorithm_type": digest_type, "value": digest.upper()}}
