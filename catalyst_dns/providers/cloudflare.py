"""Cloudflare (crossplane-contrib/provider-upjet-cloudflare, ``DNSRecord``).

Quirks: Cloudflare stores single records, so a record set becomes one MR per value; names
are FQDNs without the dot; ``ttl`` is required and ``1`` means automatic, which is
mandatory when proxied; only A, AAAA and CNAME can be proxied; TXT ``content`` "must
consist of quoted character strings (RFC 1035), each with a length of up to 255 bytes"
(Cloudflare's API reference); MX keeps its preference in ``priority``; SRV and CAA go in
``data``, SRV with its priority in ``priority`` as well.

Size limits, from Cloudflare's "DNS record types" page
(developers.cloudflare.com/dns/manage-dns-records/reference/dns-record-types/, as changed
by cloudflare/cloudflare-docs PR #29286, 2026-03-24, which removed the former TXT-only
2,048-character limit): "Each DNS record has a maximum wire format size of 4,096 bytes"
(RFC 1035 §3.2.1), and "If you have multiple records with the same name and type, their
combined content length must not exceed 8,192 characters". Both apply to every record
type. Since Cloudflare takes one record per value, a set over the combined limit would be
written up to the value Cloudflare refuses and no further; ``Cloudflare.check`` refuses it
whole instead.
"""

from __future__ import annotations

from typing import Any

from catalyst_dns.dnssec import Ds
from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers.base import (
    ApiVersions,
    Composed,
    Provider,
    RecordSetIds,
    Scope,
    mr_name,
    provider_config_ref,
    record_set_ids,
)
from catalyst_dns.rdata import Address, Caa, Host, Mx, Rdata, Srv, Txt
from catalyst_dns.records import RecordSet, RecordType, presentation, txt_presentation

API = ApiVersions("dns.cloudflare.m.cloudflare.com/v1alpha1", "dns.cloudflare.crossplane.io/v1alpha1")
AUTO_TTL = 1
PROXIABLE = frozenset({RecordType.A, RecordType.AAAA, RecordType.CNAME})
MAX_RECORD_WIRE_OCTETS = 4096  # one record, in RFC 1035 §3.2.1 wire format
MAX_COMBINED_CONTENT = 8192  # the content of all records of one name and type, in characters
# An RR's fixed fields after its owner name (RFC 1035 §3.2.1): TYPE 2, CLASS 2, TTL 4, RDLENGTH 2.
RR_FIXED_OCTETS = 10


def record_name(record_set: RecordSet) -> str:
    """Cloudflare names records by FQDN, without the trailing dot."""
    return record_set.name


def ttl(record_set: RecordSet) -> int:
    """Proxied records must use automatic TTL."""
    return AUTO_TTL if record_set.proxied else record_set.ttl


def record_fields(rdata: Rdata) -> dict[str, Any]:
    """The value fields of one Cloudflare record: ``content``, ``priority`` or ``data``."""
    match rdata:
        case Address() | Host() | Txt():
            return {"content": content(rdata)}
        case Mx(preference, _):
            return {"content": content(rdata), "priority": preference}
        case Srv(priority, weight, port, target):
            # The priority at the top too: the provider's schema says "Required for MX, SRV and URI
            # records", and Cloudflare reads it back there, so an MR without it never settles
            # (terraform-provider-cloudflare's own SRV test sets both; issue #6684).
            return {"priority": priority,
                    "data": {"priority": priority, "weight": weight, "port": port, "target": target}}
        case Caa(flags, tag, value):
            return {"data": {"flags": flags, "tag": tag, "value": value}}
    raise AssertionError(rdata)  # pragma: no cover


def content(rdata: Rdata) -> str:
    """The ``content`` Cloudflare holds for one value, as the combined-length limit counts it.

    For A, AAAA, CNAME, NS, MX and TXT it is the ``content`` we write (``record_fields``);
    TXT's is its quoted, escaped strings, as we write them, not the text they hold.
    SRV, CAA (and DS) are written as ``data``, from which Cloudflare derives ``content``
    itself; for those we count the RFC 1035 presentation of the whole value (SRV with its
    priority, CAA with its value quoted), the longest form Cloudflare could derive, so the
    check never lets through a set Cloudflare refuses.
    """
    match rdata:
        case Address(address):
            return address
        case Host(target):
            return target
        case Mx(_, exchange):
            return exchange
        case Txt():
            return txt_presentation(rdata)
    return presentation(rdata, dotted=False)


def name_wire_octets(name: str) -> int:
    """A domain name's uncompressed wire length: each label with its length octet, then the root's."""
    return 1 if name in ("", ".") else len(name.encode("utf-8")) + 2


def rdata_wire_octets(rdata: Rdata) -> int:
    """RDLENGTH: the octets of one value's RDATA in wire format (RFC 1035 §3.3, RFC 2782, 8659, 4034)."""
    match rdata:
        case Address(address):
            return 16 if ":" in address else 4
        case Host(target):
            return name_wire_octets(target)
        case Txt(strings):
            # Each <character-string> is a length octet followed by its octets (RFC 1035 §3.3).
            return sum(1 + len(s.encode("utf-8")) for s in strings)
        case Mx(_, exchange):
            return 2 + name_wire_octets(exchange)
        case Srv(_, _, _, target):
            return 6 + name_wire_octets(target)
        case Caa(_, tag, value):
            return 2 + len(tag.encode("ascii")) + len(value.encode("utf-8"))
        case Ds():
            return 4 + len(rdata.digest) // 2
    raise AssertionError(rdata)  # pragma: no cover


def record_wire_octets(record_set: RecordSet, rdata: Rdata) -> int:
    """The wire size of one record of ``record_set``, as Cloudflare's 4,096-byte limit counts it.

    Cloudflare's docs define wire format by RFC 1035 §3.2.1, the resource record: owner
    NAME, then TYPE, CLASS, TTL and RDLENGTH (10 octets), then RDATA. We count all of it,
    the owner name uncompressed (a record on its own has nothing to compress against), so
    the count is the largest reading of "the record's wire format" and never under the one
    Cloudflare applies.
    """
    return name_wire_octets(record_set.name) + RR_FIXED_OCTETS + rdata_wire_octets(rdata)


# One value this short cannot reach either limit, even with every octet escaped as \DDD (4
# characters) after an owner name of 255 octets: TXT strings are at most 255 octets each, and
# a CAA value of 500 characters is at most 2,000 octets. Names and addresses are always short.
_FEW_TXT_STRINGS = 4
_SHORT_CAA_VALUE = 500


def _far_below_limits(rdata: Rdata) -> bool:
    """Whether one value is too short to reach Cloudflare's size limits, without measuring it."""
    if isinstance(rdata, Txt):
        return len(rdata.strings) <= _FEW_TXT_STRINGS
    if isinstance(rdata, Caa):
        return len(rdata.value) <= _SHORT_CAA_VALUE
    return True


def _shown(text: str) -> str:
    """A value for an error message: itself when short, ``<N characters>`` when long."""
    return text if len(text) <= 60 else f"<{len(text)} characters>"


def slot_suffix(slot: int) -> str:
    """The identity of the ``slot``-th value of a record set (values in their sorted order)."""
    return _SLOTS[slot] if slot < len(_SLOTS) else f"slot-{slot}"


_SLOTS = tuple(f"slot-{slot}" for slot in range(16))  # most record sets have a value or a few


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
        self.check_size(record_set, field)

    def check_size(self, record_set: RecordSet, field: str) -> None:
        """Cloudflare's size limits, quoted in the module docstring.

        Each record at most 4,096 bytes in wire format; the ``content`` of all records of one
        name and type (this set's values, one record each) at most 8,192 characters together.
        Most sets are one short value (every ownership record is), which cannot reach either
        limit, and are passed without being measured: see ``_far_below_limits``.
        """
        if len(record_set.rdata) == 1 and _far_below_limits(record_set.rdata[0]):
            return
        total = 0
        for rdata in record_set.rdata:
            text = content(rdata)
            size = record_wire_octets(record_set, rdata)
            if size > MAX_RECORD_WIRE_OCTETS:
                raise DnsInputError(f"{field}.values", _shown(text),
                                    f"makes a {record_set.type} record at {record_set.name} of {size} bytes "
                                    f"in DNS wire format (owner name {name_wire_octets(record_set.name)}, "
                                    f"type, class, TTL and length {RR_FIXED_OCTETS}, data "
                                    f"{rdata_wire_octets(rdata)}); Cloudflare's limit is "
                                    f"{MAX_RECORD_WIRE_OCTETS} bytes per record: shorten the value or the name")
            total += len(text)
        if total > MAX_COMBINED_CONTENT:
            count = len(record_set.rdata)
            raise DnsInputError(f"{field}.values", f"<{count} values, {total} characters>",
                                f"together exceed Cloudflare's limit of {MAX_COMBINED_CONTENT} characters of "
                                f"content for all {record_set.type} records at {record_set.name} (one record "
                                "per value; Cloudflare would refuse the one that goes over, leaving the set "
                                "half-written)")

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

    def compose(self, record_set: RecordSet, scope: Scope, ids: RecordSetIds | None = None) -> list[Composed]:
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
        ids = ids or record_set_ids(record_set)
        if len(record_set.rdata) == 1:  # most sets: the one record's fields join the base itself
            base.update(record_fields(record_set.rdata[0]))
            return [Composed(mr_name(record_set, slot_suffix(0), ids), api_version, self.kind, base, config)]
        return [Composed(mr_name(record_set, slot_suffix(slot), ids), api_version, self.kind,
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
