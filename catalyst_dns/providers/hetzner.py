"""Hetzner Cloud DNS (provider-hetzner, ``ZoneRRSet``).

Quirks: the name is relative (``@`` at the apex); ``zone`` takes the zone id or name;
``records`` is a list of ``{value}``; host names inside values are absolute with the
trailing dot; TTLs start at 60 seconds.

TXT values must arrive as quoted strings (terraform-provider-hcloud's ``hcloud_zone_rrset``:
"must consist of one or many quoted strings of 255 characters"), and Hetzner's own tools
count those 255 *as written*: hcloud-go's ``zoneutil.FormatTXTRecord`` (and hcloud-python's
``format_txt_record``) escape the text first and cut the escaped form every 255. How the
API counts is not documented, so each string is held to 255 characters as written here,
escapes included, which satisfies either count: plain text is cut that way (never inside
an escape or a character), and a string the user quoted past it is refused (``check``),
since its boundaries are the user's to keep.
"""

from __future__ import annotations

from typing import Any

from catalyst_dns import names
from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers.base import ApiVersions, Provider
from catalyst_dns.rdata import Address, Host, PlainTxt, Rdata, Txt
from catalyst_dns.records import MAX_TXT_STRING_OCTETS, RecordSet, RecordType, chunk, escape, presentation

API = ApiVersions("dns.hetzner.m.crossplane.io/v1alpha1", "dns.hetzner.crossplane.io/v1alpha1")
MAX_WRITTEN_STRING = MAX_TXT_STRING_OCTETS  # 255: characters of one quoted string, as written (escapes included)


def record_name(record_set: RecordSet) -> str:
    """Hetzner names RRSets relative to the zone, ``@`` at the apex."""
    return record_set.relative_name


def written_width(text: str) -> int:
    """The characters ``text`` takes inside a quoted string, escapes included."""
    return len(escape(text))


def written_strings(text: str) -> list[str]:
    """Plain text as the insides of quoted strings of at most 255 characters each, as written.

    Cut between characters (``records.chunk`` by written width), so no escape and no
    character is split; the strings decode to ``text`` again.
    """
    return [escape(s) for s in chunk(text, written_width)]


def record_value(rdata: Rdata) -> str:
    """One ``records[].value``: presentation format, TXT quoted, host names absolute."""
    if isinstance(rdata, Address):  # the common forms without the general match: what presentation gives
        return rdata.address
    if isinstance(rdata, Host) and rdata.target != ".":
        return names.absolute(rdata.target)
    if isinstance(rdata, PlainTxt):
        return " ".join(f'"{s}"' for s in written_strings(rdata.text))
    return presentation(rdata, dotted=True)


def check_txt(record_set: RecordSet, field: str) -> None:
    """Refuse a string the user quoted that is over 255 characters once written."""
    if record_set.type is not RecordType.TXT:
        return
    for rdata in record_set.rdata:
        if not isinstance(rdata, Txt) or isinstance(rdata, PlainTxt):
            continue  # plain text is cut to fit (``written_strings``)
        for string in rdata.strings:
            written = written_width(string)
            if written > MAX_WRITTEN_STRING:
                raise DnsInputError(
                    f"{field}.values", presentation(rdata),
                    f"has a quoted string of {written} characters as written (escapes included); "
                    f"Hetzner Cloud DNS takes at most {MAX_WRITTEN_STRING} per string, counted as its own "
                    f"tools count them, escaped: split it into shorter quoted strings, or write the value "
                    f"unquoted to have it split")


class Hetzner(Provider):
    """Hetzner Cloud DNS zones."""

    key = "hetzner"
    title = "Hetzner Cloud DNS"
    api = API
    kind = "ZoneRRSet"
    min_ttl = 60

    def check(self, record_set: RecordSet, field: str) -> None:
        """Hetzner's TXT string length, beside the common rules."""
        super().check(record_set, field)
        check_txt(record_set, field)

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
