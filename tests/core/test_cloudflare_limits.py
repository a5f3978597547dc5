"""Cloudflare's record size limits, as its "DNS record types" page states them since
cloudflare/cloudflare-docs PR #29286 (2026-03-24): no TXT-only 2,048-character limit any
more; "Each DNS record has a maximum wire format size of 4,096 bytes" (RFC 1035 §3.2.1);
"If you have multiple records with the same name and type, their combined content length
must not exceed 8,192 characters".

The combined length is counted here from the ``content`` the MRs carry (``compose``), and
the wire size from an RFC 1035 encoder written here, not from the provider module's own
counting.
"""

from __future__ import annotations

import ipaddress
import struct

import pytest

from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import PROVIDERS, Scope
from catalyst_dns.providers.cloudflare import record_wire_octets
from catalyst_dns.rdata import Address, Mx, Txt
from catalyst_dns.records import MAX_TXT_OCTETS, RecordSet, RecordType, parse_rdata
from catalyst_dns.settings import Zone

ZONE = Zone("omantel.example", "cloudflare", "cfzone", "cf")
CLOUDFLARE = PROVIDERS["cloudflare"]
TYPE_CODES = {RecordType.A: 1, RecordType.MX: 15, RecordType.TXT: 16, RecordType.AAAA: 28}


def rs(rtype: RecordType, rel: str, *values: str) -> RecordSet:
    """A Cloudflare record set parsed from claim values, as the function builds it."""
    name = ZONE.name if rel == "@" else f"{rel}.{ZONE.name}"
    return RecordSet(ZONE, name, rtype, 300, tuple(parse_rdata(rtype, v, "v") for v in values))


def contents(record_set: RecordSet) -> list[str]:
    """The ``content`` of each DNSRecord MR Cloudflare receives for the set."""
    return [c.for_provider["content"] for c in CLOUDFLARE.compose(record_set, Scope.NAMESPACED)]


def wire_name(name: str) -> bytes:
    if name == ".":
        return b"\0"
    return b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"


def wire_record(record_set: RecordSet, index: int) -> bytes:
    """One record of the set in RFC 1035 §3.2.1 wire format, owner name uncompressed."""
    match record_set.rdata[index]:
        case Txt(strings):
            rdata = b"".join(bytes([len(s.encode())]) + s.encode() for s in strings)
        case Address(address):
            rdata = ipaddress.ip_address(address).packed
        case Mx(preference, exchange):
            rdata = struct.pack("!H", preference) + wire_name(exchange)
        case other:
            raise AssertionError(other)
    fixed = struct.pack("!HHIH", TYPE_CODES[record_set.type], 1, record_set.ttl, len(rdata))
    return wire_name(record_set.name) + fixed + rdata


# --- the 2,048-character TXT limit is gone ---


@pytest.mark.parametrize("length", [2049, 3000, MAX_TXT_OCTETS])
def test_txt_longer_than_the_old_2048_limit_is_accepted(length: int) -> None:
    record_set = rs(RecordType.TXT, "t", "x" * length)
    CLOUDFLARE.check(record_set, "spec")
    (content,) = contents(record_set)
    assert content.replace('"', "").replace(" ", "") == "x" * length


# --- 8,192 characters of content for one name and type ---


def test_four_2048_character_values_at_one_name_are_refused() -> None:
    record_set = rs(RecordType.TXT, "t", *(c * 2048 for c in "abcd"))
    assert sum(map(len, contents(record_set))) == 8296  # each value: 2,048 + 9 strings' quotes + 8 spaces
    with pytest.raises(DnsInputError) as refused:
        CLOUDFLARE.check(record_set, "spec")
    assert refused.value.field == "spec.values"
    assert refused.value.value == "<4 values, 8296 characters>"
    assert "limit of 8192 characters of content for all TXT records at t.omantel.example" in str(refused.value)
    assert str(refused.value).startswith("spec.values: '<4 values, 8296 characters>' together exceed Cloudflare's")


@pytest.mark.parametrize(("last", "total"), [(1946, 8191), (1947, 8192)])
def test_a_set_up_to_8192_characters_of_content_is_accepted(last: int, total: int) -> None:
    record_set = rs(RecordType.TXT, "t", "a" * 2048, "b" * 2048, "c" * 2048, "d" * last)
    assert sum(map(len, contents(record_set))) == total
    CLOUDFLARE.check(record_set, "spec")


def test_one_character_of_content_over_8192_is_refused() -> None:
    record_set = rs(RecordType.TXT, "t", "a" * 2048, "b" * 2048, "c" * 2048, "d" * 1948)
    assert sum(map(len, contents(record_set))) == 8193
    with pytest.raises(DnsInputError, match="'<4 values, 8193 characters>' together exceed Cloudflare's limit of 8192"):
        CLOUDFLARE.check(record_set, "spec")


def test_content_is_counted_as_written_escapes_included() -> None:
    # 'é' is two octets, each written as a \DDD escape: 1,000 of them are 8,023 characters.
    one = rs(RecordType.TXT, "t", "é" * 1000)
    assert sum(map(len, contents(one))) == 8023
    CLOUDFLARE.check(one, "spec")
    with pytest.raises(DnsInputError, match="limit of 8192 characters"):
        CLOUDFLARE.check(rs(RecordType.TXT, "t", "é" * 1000, "è" * 100), "spec")


LONG_HOST = f"{'m' * 60}.{'n' * 60}.{'o' * 20}"
COMBINED = [
    (RecordType.MX, [f"{i} {LONG_HOST}{i}.example.com." for i in range(60)]),
    (RecordType.NS, [f"{LONG_HOST}{i}.example.com." for i in range(70)]),
    (RecordType.SRV, [f"10 5 443 {LONG_HOST}{i}.example.com." for i in range(60)]),
    (RecordType.CAA, [f'0 issue "{"c" * 60}.{"d" * 50}{i:02d}.example"' for i in range(80)]),
]


@pytest.mark.parametrize(("rtype", "values"), COMBINED, ids=[str(t) for t, _ in COMBINED])
def test_the_combined_limit_holds_for_every_type(rtype: RecordType, values: list[str]) -> None:
    """Not TXT alone: every record type's content counts toward the 8,192 characters of a name and type."""
    # Counted on the values as written (their presentation form; SRV and CAA have no content of
    # ours, Cloudflare derives it from data), with room to spare either side of the limit.
    assert sum(map(len, values)) > 8192 + 200
    with pytest.raises(DnsInputError, match=rf"8192 characters of content for all {rtype} records at m\."):
        CLOUDFLARE.check(rs(rtype, "m", *values), "spec")
    fitting: list[str] = []
    while sum(map(len, fitting)) + len(values[len(fitting)]) < 8192 - 200:
        fitting.append(values[len(fitting)])
    CLOUDFLARE.check(rs(rtype, "m", *fitting), "spec")  # below the limit: taken
    CLOUDFLARE.check(rs(RecordType.AAAA, "a", *(f"2001:db8:ffff:ffff:ffff:ffff:ffff:{i:x}" for i in range(100))),
                     "spec")


# --- 4,096 bytes of wire format per record ---


@pytest.mark.parametrize(
    "record_set",
    [rs(RecordType.TXT, "t", '"a" "bc" ""', "é" * 300), rs(RecordType.A, "@", "203.0.113.1"),
     rs(RecordType.AAAA, "*.w", "2001:db8::1"), rs(RecordType.MX, "m", "10 mail.example.com.", "0 .")],
    ids=["txt", "a", "aaaa", "mx"],
)
def test_wire_size_is_the_whole_rfc1035_record(record_set: RecordSet) -> None:
    for index, rdata in enumerate(record_set.rdata):
        assert record_wire_octets(record_set, rdata) == len(wire_record(record_set, index))


def test_txt_past_4096_wire_bytes_is_refused_even_when_no_claim_can_write_it() -> None:
    # 17 strings of 255 octets: 4,335 octets of text, over the claim's own 4,000, so only a
    # caller that builds its Txt directly (not parse_rdata) can ask for it.
    record_set = RecordSet(ZONE, "t.omantel.example", RecordType.TXT, 300, (Txt(("x" * 255,) * 17),))
    assert len(wire_record(record_set, 0)) == 19 + 10 + 17 * 256
    with pytest.raises(DnsInputError) as refused:
        CLOUDFLARE.check(record_set, "spec")
    assert refused.value.field == "spec.values"
    assert refused.value.value == f"<{17 * 258 - 1} characters>"
    assert "of 4381 bytes in DNS wire format" in str(refused.value)
    assert "Cloudflare's limit is 4096 bytes per record" in str(refused.value)


@pytest.mark.parametrize(("label", "accepted"), [(52, True), (53, False)])
def test_the_longest_claim_value_fits_4096_wire_bytes_only_with_a_short_enough_name(label: int, accepted: bool) -> None:
    # 4,000 octets of text (the claim's own limit) are 16 strings, 4,016 octets of RDATA;
    # with 10 fixed octets that leaves 70 for the owner name: 68 characters.
    record_set = rs(RecordType.TXT, "t" * label, "x" * MAX_TXT_OCTETS)
    size = len(wire_record(record_set, 0))
    assert size == (4096 if accepted else 4097)
    if accepted:
        CLOUDFLARE.check(record_set, "spec")
        return
    with pytest.raises(DnsInputError, match=r"of 4097 bytes in DNS wire format .* Cloudflare's limit is 4096 bytes"):
        CLOUDFLARE.check(record_set, "spec")
