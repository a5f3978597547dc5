r"""Route53's value length and CAA escapes, and Cloud DNS's name servers per delegation.

* Route53 takes a ResourceRecord Value of at most 4,000 characters (API reference,
  ``ResourceRecord``), and the value it receives for a TXT entry is the entry wrapped in
  one pair of quotes by terraform-provider-aws (``flattenTxtEntry``), with its ``\ooo``
  escapes and the ``""`` between strings: so the limit is counted on that form, not on
  the decoded text.
* Route53 reads ``\ooo`` as *octal* (Developer Guide, DNS domain name format), for CAA
  as for TXT: a non-ASCII CAA value must decode, read octally, to its own UTF-8 octets.
* Google Cloud DNS: "Name servers per delegation: 8" (cloud.google.com/dns/quotas).

Values are read back with ``tests.core.presentation``, a decoder written from the RFC.
"""

from __future__ import annotations

import pytest

from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import Scope, provider_for
from catalyst_dns.providers import clouddns as clouddns_rules
from catalyst_dns.records import RecordSet, RecordType, make_record_set, parse_rdata
from catalyst_dns.settings import Zone
from tests.core.presentation import decode_presentation

ROUTE53 = Zone(name="aws.example", provider="route53", zone_id="Z1", provider_config="aws")
CLOUDDNS = Zone(name="gcp.example", provider="clouddns", zone_id="gcp-example", provider_config="gcp")
ROUTE53_LIMIT = "is longer than Route53's 4000-character limit on one value"
CLOUDDNS_NS_LIMIT = "Google Cloud DNS allows at most 8 per delegation"


def record_set(zone: Zone, name: str, rtype: RecordType, values: list[str]) -> RecordSet:
    rdata = [parse_rdata(rtype, v, f"spec.values[{i}]") for i, v in enumerate(values)]
    return make_record_set(zone, name, rtype, 300, rdata, "spec.values")


def route53_records(rtype: RecordType, values: list[str]) -> list[str]:
    """The ``records`` a checked Route53 Record carries (the check runs first, as in the function)."""
    rs = record_set(ROUTE53, "t.aws.example", rtype, values)
    provider = provider_for("route53")
    provider.check(rs, "spec")
    (composed,) = provider.compose(rs, Scope.NAMESPACED)
    records: list[str] = composed.manifest["spec"]["forProvider"]["records"]
    return records


def sent(entry: str) -> str:
    """What Route53 receives for one TXT entry: terraform-provider-aws ``flattenTxtEntry``."""
    return f'"{entry}"'


# --- Route53: TXT value length, counted as sent --------------------------------------------

def test_route53_txt_at_3968_ascii_octets_is_exactly_4000_characters_as_sent() -> None:
    """The largest plain ASCII text Route53 takes.

    3,968 octets are chunked into ceil(3968 / 255) = 16 strings (15 of 255, one of 143).
    Sent form: 2 quotes + 3,968 characters (printable ASCII, no escapes) + 15 ``""``
    separators (30 characters) = 2 + 3968 + 30 = 4,000 characters: at the limit, accepted.
    """
    (entry,) = route53_records(RecordType.TXT, ["a" * 3968])
    assert len(sent(entry)) == 4000
    assert decode_presentation(sent(entry), octal=True) == [b"a" * 255] * 15 + [b"a" * 143]


def test_route53_txt_at_3969_ascii_octets_is_refused() -> None:
    """One octet more: still 16 strings, so 2 + 3969 + 30 = 4,001 characters as sent: refused.

    The project's own octet limit (4,000 octets of decoded text) lets it through; only the
    Route53 rule, counting what Route53 receives, refuses it.
    """
    parse_rdata(RecordType.TXT, "a" * 3969, "spec.values[0]")  # under the 4,000-octet model limit
    with pytest.raises(DnsInputError, match=ROUTE53_LIMIT) as caught:
        route53_records(RecordType.TXT, ["a" * 3969])
    assert caught.value.field == "spec.values"
    assert caught.value.value == "<4001 characters>"
    assert "escape" in caught.value.rule and '""' in caught.value.rule


def test_route53_txt_of_4000_ascii_octets_is_refused() -> None:
    """The review's example: 4,000 octets make 16 strings, 2 + 4000 + 30 = 4,032 characters."""
    with pytest.raises(DnsInputError, match=ROUTE53_LIMIT) as caught:
        route53_records(RecordType.TXT, ["a" * 4000])
    assert caught.value.value == "<4032 characters>"


def test_route53_non_ascii_txt_is_counted_with_its_octal_escapes() -> None:
    """``é`` is two octets, each sent as a four-character ``\\ooo`` escape: 8 characters.

    A string holds at most 255 octets, so 127 ``é`` (254 octets) per string.
    499 ``é`` (998 octets): ceil(499 / 127) = 4 strings, 2 + 499 * 8 + 3 * 2 = 4,000: accepted.
    500 ``é`` (1,000 octets, a quarter of the octet limit): 2 + 500 * 8 + 3 * 2 = 4,008: refused.
    """
    (entry,) = route53_records(RecordType.TXT, ["é" * 499])
    assert len(sent(entry)) == 4000
    assert b"".join(decode_presentation(sent(entry), octal=True)) == ("é" * 499).encode()
    assert len(("é" * 500).encode()) == 1000
    with pytest.raises(DnsInputError, match=ROUTE53_LIMIT) as caught:
        route53_records(RecordType.TXT, ["é" * 500])
    assert caught.value.value == "<4008 characters>"


def test_route53_txt_length_counts_each_value_on_its_own() -> None:
    """The limit is per ResourceRecord Value: two values at the limit are fine together."""
    records = route53_records(RecordType.TXT, ["a" * 3968, "b" * 3968])
    assert [len(sent(r)) for r in records] == [4000, 4000]


def test_route53_caa_value_length_is_counted_too() -> None:
    """A CAA value goes as written (no added quotes): ``0 iodef "<url>"`` with the URL escaped."""
    url = "https://example.com/" + "a" * 3970  # 3,990 characters
    (entry,) = route53_records(RecordType.CAA, [f'0 iodef "{url}"'])
    assert len(entry) == len('0 iodef ""') + 3990 == 4000
    with pytest.raises(DnsInputError, match=ROUTE53_LIMIT):
        route53_records(RecordType.CAA, [f'0 iodef "{url}a"'])


def test_other_providers_keep_the_octet_limit_only() -> None:
    """Cloud DNS takes the 4,000-octet text Route53 refuses (its rule is Route53's own)."""
    rs = record_set(CLOUDDNS, "t.gcp.example", RecordType.TXT, ["a" * 4000])
    provider_for("clouddns").check(rs, "spec")


# --- Route53: CAA with octal escapes ------------------------------------------------------

def test_route53_caa_non_ascii_value_round_trips_through_an_octal_reader() -> None:
    (entry,) = route53_records(RecordType.CAA, ['0 iodef "mailto:sécurité@example.com"'])
    flags, tag, quoted = entry.split(" ", 2)
    assert (flags, tag) == ("0", "iodef")
    assert decode_presentation(quoted, octal=True) == ["mailto:sécurité@example.com".encode()]
    assert quoted == r'"mailto:s\303\251curit\303\251@example.com"'  # é is C3 A9: octal 303 251


def test_route53_caa_quote_and_backslash_round_trip() -> None:
    (entry,) = route53_records(RecordType.CAA, [r'0 iodef "mailto:a\"b\\c@example.com"'])
    assert decode_presentation(entry.split(" ", 2)[2], octal=True) == [b'mailto:a"b\\c@example.com']


def test_route53_ascii_caa_is_unchanged() -> None:
    assert route53_records(RecordType.CAA, ['0 issue "letsencrypt.org"']) == ['0 issue "letsencrypt.org"']


# --- Google Cloud DNS: name servers per delegation ------------------------------------------

NAMESERVERS = [f"ns{i}.example.net." for i in range(1, 10)]


def test_clouddns_limit_is_the_documented_eight() -> None:
    assert clouddns_rules.MAX_DELEGATION_NAMESERVERS == 8


def test_clouddns_ns_with_8_values_is_accepted() -> None:
    rs = record_set(CLOUDDNS, "sub.gcp.example", RecordType.NS, NAMESERVERS[:8])
    provider = provider_for("clouddns")
    provider.check(rs, "spec")
    (composed,) = provider.compose(rs, Scope.NAMESPACED)
    assert composed.manifest["spec"]["forProvider"]["rrdatas"] == NAMESERVERS[:8]


def test_clouddns_ns_with_9_values_is_refused() -> None:
    rs = record_set(CLOUDDNS, "sub.gcp.example", RecordType.NS, NAMESERVERS)
    with pytest.raises(DnsInputError, match=CLOUDDNS_NS_LIMIT) as caught:
        provider_for("clouddns").check(rs, "spec")
    assert caught.value.field == "spec.values"
    assert caught.value.value == "<9 values>"
    assert "has more than 8 name servers" in caught.value.rule


@pytest.mark.parametrize("key", ["route53", "cloudflare", "hetzner"])
def test_nine_name_servers_are_a_cloud_dns_rule_only(key: str) -> None:
    zone = Zone(name=f"{key}.example", provider=key, zone_id="0" * 32, provider_config=key)
    provider_for(key).check(record_set(zone, f"sub.{key}.example", RecordType.NS, NAMESERVERS), "spec")
