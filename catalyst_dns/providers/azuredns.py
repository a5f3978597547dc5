"""Azure DNS (crossplane-contrib/provider-upjet-azure, ``DNS<TYPE>Record``).

Quirks: one kind per record type; no name field: the relative name (``@`` at the apex)
is the ``crossplane.io/external-name`` annotation; ``zoneName`` and ``resourceGroupName``
locate the zone; ``ttl`` is required; A/AAAA/NS take ``records`` (strings), CNAME a single
``record`` string, and TXT/MX/SRV/CAA a ``record`` list of objects, with the MX preference
as a *string*; host names carry no trailing dot.

TXT: each ``record[].value`` is one raw text (no quoting, no escapes: the ARM API takes
the text as it is). The strings Azure then publishes are not Azure's choice but the
Terraform provider's: provider-upjet-azure wraps hashicorp/terraform-provider-azurerm,
whose ``expandAzureRmDnsTxtRecords`` (internal/services/dns/dns_txt_record_resource.go)
does ``segmentLen := 254; for len(v) > segmentLen { value = append(value, v[:segmentLen]);
v = v[segmentLen:] }``: it cuts the Go string, i.e. the value's UTF-8 *octets*, every 254
octets, even inside a multi-octet character (leaving two invalid UTF-8 halves, which are
corrupted on the way: Go's JSON encoder replaces invalid UTF-8 with U+FFFD). So a value is
carried as written only if its strings are exactly that cut: every string but the last
exactly 254 octets, or one string of at most 254. Any other split would be re-split
silently and a cut inside a character would corrupt the text; both are refused
(``check_txt``), never "fixed". Plain (unquoted) text has no boundaries of the user's
(``rdata.PlainTxt``), so only a cut inside a character refuses it.

Azure's own limits (MicrosoftDocs/azure-docs, articles/dns/dns-zones-records.md):
"Azure DNS supports a total string length of up to 4096 characters in each TXT record
set (across all records combined)" (national clouds: 1024 until the 4k rollout completes;
we hold the public-cloud limit), and "Azure DNS supports wildcard record sets for all
record types except NS and SOA". CAA: the tags its Terraform provider validates
(``check_caa``).
"""

from __future__ import annotations

from typing import Any

from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers.base import EXTERNAL_NAME, ApiVersions, Provider
from catalyst_dns.rdata import Address, Caa, Host, Mx, PlainTxt, Rdata, Srv, Txt
from catalyst_dns.records import RecordSet, RecordType, presentation, quote

API = ApiVersions("network.azure.m.upbound.io/v1beta1", "network.azure.upbound.io/v1beta1")
KINDS = {t: f"DNS{t.value}Record" for t in RecordType}

# terraform-provider-azurerm expandAzureRmDnsTxtRecords: ``segmentLen := 254``, in octets.
TXT_SEGMENT_OCTETS = 254
# "a total string length of up to 4096 characters in each TXT record set (across all
# records combined)" (azure-docs articles/dns/dns-zones-records.md). Counted in UTF-8
# octets: a text has at least as many octets as characters, so the count never admits
# more than Azure takes (it may refuse non-ASCII text Azure would still take).
MAX_TXT_SET_OCTETS = 4096
# terraform-provider-azurerm dns_caa_record: ``tag`` in StringInSlice(...) (case-sensitive).
CAA_TAGS = ("issue", "issuewild", "iodef", "contactemail")


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


def _cut(raw: bytes) -> list[bytes]:
    """The strings Azure publishes for one ``record[].value`` of UTF-8 octets ``raw``.

    Exactly the provider's loop: cut while more than 254 octets remain, then the rest
    (so an empty text is one empty string, and 508 octets are two strings, not three).
    """
    return [raw[i:i + TXT_SEGMENT_OCTETS] for i in range(0, len(raw), TXT_SEGMENT_OCTETS)] or [b""]


def _written(rdata: Txt) -> str:
    """A TXT value as the user wrote it (quoted strings), for a refusal: made only then."""
    return " ".join(quote(s) for s in rdata.strings)


def _split_character(raw: bytes) -> tuple[int, str] | None:
    """The first 254-octet cut inside a character: (octets before the cut, the character).

    A cut is inside a character when the octet after it is a UTF-8 continuation octet
    (``10xxxxxx``); the character starts at the last octet before the cut that is not one.
    """
    for cut in range(TXT_SEGMENT_OCTETS, len(raw), TXT_SEGMENT_OCTETS):
        if raw[cut] & 0xC0 == 0x80:
            start = cut - 1
            while raw[start] & 0xC0 == 0x80:
                start -= 1
            end = cut + 1
            while end < len(raw) and raw[end] & 0xC0 == 0x80:
                end += 1
            return cut, raw[start:end].decode("utf-8")
    return None


def check_txt(record_set: RecordSet, field: str) -> None:
    """Refuse TXT data Azure would not publish as written, or not take at all.

    Each value must be split exactly where the provider cuts it (every 254 octets), no
    cut may fall inside a character (the provider would corrupt it), and the record set's
    text must fit Azure's 4096 in total.
    """
    total = 0
    for rdata in record_set.rdata:
        if not isinstance(rdata, Txt):
            continue
        raw = rdata.text.encode("utf-8")
        total += len(raw)
        split = _split_character(raw)
        if split is not None:
            cut, char = split
            raise DnsInputError(
                f"{field}.values", _written(rdata),
                f"cannot be written to Azure DNS: its Terraform provider cuts each value's UTF-8 text "
                f"every {TXT_SEGMENT_OCTETS} octets, and the cut after octet {cut} falls inside the "
                f"character {char!r} ({len(char.encode('utf-8'))} octets); the provider would cut it "
                f"in two and corrupt it; change the text so that no multiple of {TXT_SEGMENT_OCTETS} "
                f"octets ends inside a character")
        if isinstance(rdata, PlainTxt):
            continue  # plain text: its boundaries were ours (``records.chunk``), the provider's cut is as good
        written = [s.encode("utf-8") for s in rdata.strings]
        if written != _cut(raw):
            lengths = " + ".join(str(len(s)) for s in written)
            shape = f"one string of {lengths} octets" if len(written) == 1 else f"strings of {lengths} octets"
            raise DnsInputError(
                f"{field}.values", _written(rdata),
                f"is {shape}, which Azure DNS would not publish as written: its "
                f"Terraform provider joins a value's strings and cuts the text every "
                f"{TXT_SEGMENT_OCTETS} octets itself, so the strings would silently change; write "
                f"strings of exactly {TXT_SEGMENT_OCTETS} octets each but the last, or one string of "
                f"at most {TXT_SEGMENT_OCTETS} octets")
    if total > MAX_TXT_SET_OCTETS:
        raise DnsInputError(f"{field}.values", f"<{total} octets>",
                            f"is more TXT text than Azure DNS takes: at most {MAX_TXT_SET_OCTETS} characters "
                            f"in one TXT record set, all values together (counted here in UTF-8 octets)")


def check_caa(record_set: RecordSet, field: str) -> None:
    """Refuse a CAA tag Azure DNS's provider does not take.

    terraform-provider-azurerm's ``dns_caa_record`` validates ``tag`` with
    ``StringInSlice(issue, issuewild, iodef, contactemail)`` (contactemail added by Microsoft
    in v4.30.0). provider-upjet-azure does not run that validation, so another tag would go
    to the ARM API unchecked, with an outcome nobody documents: refused here instead, by name.
    """
    for rdata in record_set.rdata:
        if isinstance(rdata, Caa) and rdata.tag not in CAA_TAGS:
            raise DnsInputError(f"{field}.values", presentation(rdata),
                                f"has CAA tag {rdata.tag!r}, which Azure DNS's provider does not take; "
                                f"Azure DNS takes {', '.join(CAA_TAGS)}")


class AzureDns(Provider):
    """Azure public DNS zones."""

    key = "azuredns"
    title = "Azure DNS"
    api = API
    kind = "DNSARecord"
    wildcard_ns_refused = "Azure DNS supports wildcard record sets for all record types except NS and SOA"

    def check(self, record_set: RecordSet, field: str) -> None:
        """Azure's TXT and CAA rules, beside the common ones (wildcard NS among them)."""
        super().check(record_set, field)
        check_txt(record_set, field)
        check_caa(record_set, field)

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
