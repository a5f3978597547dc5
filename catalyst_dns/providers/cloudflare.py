"""Cloudflare (crossplane-contrib/provider-upjet-cloudflare, ``DNSRecord``).

Quirks: Cloudflare stores single records, so a record set becomes one MR per value; names
are FQDNs without the dot; ``ttl`` is required and ``1`` means automatic, which is
mandatory when proxied; only A, AAAA and CNAME can be proxied; TXT ``content`` "must
consist of quoted character strings (RFC 1035), each with a length of up to 255 bytes"
(Cloudflare's API reference), of at most 2048 characters of text; MX keeps its preference
in ``priority``; SRV and CAA go in ``data``.
"""

from __future__ import annotations

from typing import Any

from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers.base import ApiVersions, Composed, Provider, Scope, mr_name, provider_config_ref
from catalyst_dns.records import Address, Caa, Host, Mx, Rdata, RecordSet, RecordType, Srv, Txt, quote

API = ApiVersions("dns.cloudflare.m.cloudflare.com/v1alpha1", "dns.cloudflare.crossplane.io/v1alpha1")
AUTO_TTL = 1
PROXIABLE = frozenset({RecordType.A, RecordType.AAAA, RecordType.CNAME})
MAX_TXT_CONTENT = 2048


def record_name(record_set: RecordSet) -> str:
    """Cloudflare names records by FQDN, without the trailing dot."""
    return record_set.name


def ttl(record_set: RecordSet) -> int:
    """Proxied records must use automatic TTL."""
    return AUTO_TTL if record_set.proxied else record_set.ttl


def record_fields(rdata: Rdata) -> dict[str, Any]:
    """The value fields of one Cloudflare record: ``content``, ``priority`` or ``data``."""
    match rdata:
        case Address(address):
            return {"content": address}
        case Host(target):
            return {"content": target}
        case Txt(strings):
            return {"content": " ".join(quote(s) for s in strings)}
        case Mx(preference, exchange):
            return {"content": exchange, "priority": preference}
        case Srv(priority, weight, port, target):
            return {"data": {"priority": priority, "weight": weight, "port": port, "target": target}}
        case Caa(flags, tag, value):
            return {"data": {"flags": flags, "tag": tag, "value": value}}
    raise AssertionError(rdata)  # pragma: no cover


def slot_suffix(slot: int) -> str:
    """The identity of the ``slot``-th value of a record set (values in their sorted order)."""
    return f"slot-{slot}"


class Cloudflare(Provider):
    """Cloudflare DNS."""

    key = "cloudflare"
    title = "Cloudflare"
    api = API
    kind = "DNSRecord"
    min_ttl = 60
    max_ttl = 86400
    supports_proxied = True
    records_by_id = True

    def written_ttl(self, record_set: RecordSet) -> int:
        """Proxied records are written with the automatic TTL."""
        return ttl(record_set)

    def check(self, record_set: RecordSet, field: str) -> None:
        """Cloudflare's proxy and content rules, beside the common ones."""
        super().check(record_set, field)
        if record_set.proxied and record_set.type not in PROXIABLE:
            raise DnsInputError(f"{field}.proxied", True,
                                f"is not allowed for {record_set.type} records; "
                                "Cloudflare proxies only A, AAAA and CNAME")
        for rdata in record_set.rdata:
            if isinstance(rdata, Txt) and len(rdata.text) > MAX_TXT_CONTENT:
                raise DnsInputError(f"{field}.values", f"<{len(rdata.text)} characters>",
                                    f"is longer than Cloudflare's {MAX_TXT_CONTENT}-character TXT limit")

    def check_ttl(self, record_set: RecordSet, field: str) -> None:
        """A proxied record's TTL is automatic (we write 1); others 60-86400 or 1."""
        if record_set.proxied or record_set.ttl == AUTO_TTL:
            return
        if not self.min_ttl <= record_set.ttl <= self.max_ttl:
            raise DnsInputError(f"{field}.ttl", record_set.ttl,
                                f"is outside Cloudflare's TTL range {self.min_ttl}-{self.max_ttl} "
                                f"(or {AUTO_TTL} for automatic)")

    def for_provider(self, record_set: RecordSet) -> dict[str, Any]:
        """What every record of the set shares (``compose`` adds each value)."""
        base: dict[str, Any] = {
            "zoneId": record_set.zone.zone_id,
            "name": record_name(record_set),
            "type": str(record_set.type),
            "ttl": ttl(record_set),
        }
        if record_set.type in PROXIABLE:
            base["proxied"] = record_set.proxied
        return base

    def compose(self, record_set: RecordSet, scope: Scope) -> list[Composed]:
        """One DNSRecord per value, named by its slot, not by its value.

        A changed value is then an update of the same MR (and of the same Cloudflare record,
        as ExternalDNS does it) instead of a delete and a create, which Crossplane runs
        delete-first and which would leave the name unanswered (and NXDOMAIN cached). Slots
        follow the values' sorted order, so reordering the claim changes nothing; adding or
        removing a value updates the slots after it in place and creates or deletes only the
        last one. The record set's identity (zone, name, type) stays in every MR name's hash,
        so slots of different record sets never collide.
        """
        base = self.for_provider(record_set)
        api_version, config = API.of(scope), provider_config_ref(record_set.zone, scope)
        return [Composed(mr_name(record_set, slot_suffix(slot)), api_version, self.kind,
                         {**base, **record_fields(rdata)}, config)
                for slot, rdata in enumerate(record_set.rdata)]


# --- Zone-level rules, used by the Pulumi components (components/cloudflare.py) ---

# Cloudflare assigns every zone two name servers (``<name>.ns.cloudflare.com``). A parent
# on Cloudflare stores one record per value, so it must know the count before they exist.
ASSIGNED_NAMESERVERS = 2


def ds_fields(key_tag: int, algorithm: int, digest_type: int, digest: str) -> dict[str, Any]:
    """A DS record's value fields: Cloudflare takes DS in ``data``, not ``content``."""
    return {"data": {"key_tag": key_tag, "algorithm": algorithm, "digest_type": digest_type,
                     "digest": digest.upper()}}
