"""Azure DNS's own rules, against the real provider and Azure's documentation.

* TXT strings: provider-upjet-azure wraps terraform-provider-azurerm, whose
  ``expandAzureRmDnsTxtRecords`` (internal/services/dns/dns_txt_record_resource.go) cuts
  each value's Go string, its UTF-8 octets, every 254 (``segmentLen := 254``), even inside
  a character. A value is carried as written only if its strings are exactly that cut;
  plain (unquoted) text has no strings of the user's, so only a cut inside a character refuses it.
* "Azure DNS supports a total string length of up to 4096 characters in each TXT record
  set (across all records combined)" (azure-docs articles/dns/dns-zones-records.md),
  counted here in UTF-8 octets.
* "Azure DNS supports wildcard record sets for all record types except NS and SOA" (ibid.).
* CAA tags: terraform-provider-azurerm's ``dns_caa_record`` takes issue, issuewild, iodef and
  contactemail (``StringInSlice``), a check provider-upjet-azure does not run.

The expected strings are read back with ``provider_octets`` (tests/core/test_txt.py),
whose Azure decoder cuts the octets every 254 itself, not with the module's code.
"""

from __future__ import annotations

import pytest

from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import PROVIDERS
from catalyst_dns.records import RecordType
from tests.core.test_providers import fp, rs
from tests.core.test_txt import provider_octets


def strings(*parts: str) -> str:
    """A TXT value written as quoted strings, one per part."""
    return " ".join(f'"{p}"' for p in parts)


def in_254(text: str) -> str:
    """ASCII ``text`` written as Azure publishes it: strings of 254 octets, the last shorter."""
    return strings(*(text[i:i + 254] for i in range(0, len(text), 254)))


# --- strings: exactly the provider's 254-octet cut ------------------------------------

def test_strings_of_254_and_1_are_kept() -> None:
    assert provider_octets("azuredns", strings("a" * 254, "b")) == [b"a" * 254, b"b"]


def test_one_string_of_254_is_kept() -> None:
    assert provider_octets("azuredns", strings("a" * 254)) == [b"a" * 254]


def test_strings_of_255_and_1_are_refused_as_azure_would_publish_254_and_2() -> None:
    with pytest.raises(DnsInputError) as caught:
        provider_octets("azuredns", strings("a" * 255, "b"))
    error = caught.value
    assert error.field == "spec.values"
    assert error.value == strings("a" * 255, "b")
    assert "is strings of 255 + 1 octets, which Azure DNS would not publish as written" in error.rule
    assert "cuts the text every 254 octets itself" in error.rule
    assert ("write strings of exactly 254 octets each but the last, or one string of at most 254 octets"
            in error.rule)


def test_one_string_of_255_is_refused_as_azure_would_publish_two() -> None:
    with pytest.raises(DnsInputError, match=r"is one string of 255 octets, which Azure DNS would not publish"):
        provider_octets("azuredns", strings("a" * 255))


def test_short_strings_are_refused_as_azure_would_join_them() -> None:
    with pytest.raises(DnsInputError, match=r"is strings of 3 \+ 3 octets"):
        provider_octets("azuredns", strings("abc", "def"))


def test_strings_counted_in_octets_not_characters() -> None:
    # 127 two-octet characters are 254 octets: a full string, cut on a character boundary.
    assert provider_octets("azuredns", strings("é" * 127, "x")) == ["é".encode() * 127, b"x"]
    with pytest.raises(DnsInputError, match=r"is strings of 252 \+ 2 \+ 1 octets"):
        provider_octets("azuredns", strings("é" * 126, "é", "x"))


# --- a cut inside a character --------------------------------------------------------

@pytest.mark.parametrize(("char", "octets"), [("é", 2), ("東", 3), ("😀", 4)])
def test_a_cut_inside_a_character_is_refused(char: str, octets: int) -> None:
    prefix = "a" * (255 - octets)  # the character ends at octet 255: the cut after octet 254 is inside it
    for written in (prefix + char + "b", strings(prefix + char, "b"), strings(prefix, char + "b")):
        with pytest.raises(DnsInputError) as caught:
            provider_octets("azuredns", written)
        assert caught.value.field == "spec.values"
        assert (f"the cut after octet 254 falls inside the character {char!r} ({octets} octets); "
                "the provider would cut it in two and corrupt it") in caught.value.rule


def test_a_later_cut_inside_a_character_is_named() -> None:
    value = strings("a" * 254, "b" * 253 + "é")  # the second cut, after octet 508, is inside 'é'
    with pytest.raises(DnsInputError, match="the cut after octet 508 falls inside the character 'é'"):
        provider_octets("azuredns", value + ' "c"')


def test_a_cut_on_a_character_boundary_is_kept() -> None:
    assert provider_octets("azuredns", strings("a" * 252 + "é", "b")) == [b"a" * 252 + "é".encode(), b"b"]
    assert provider_octets("azuredns", strings("a" * 254, "é")) == [b"a" * 254, "é".encode()]
    # Plain text the common rules chunk at 255 agrees with the provider when a character
    # straddles octet 255: then both cut after octet 254.
    assert provider_octets("azuredns", "a" * 254 + "é") == [b"a" * 254, "é".encode()]


def test_the_composed_value_is_the_text_the_provider_cuts() -> None:
    record_set = rs("azuredns", RecordType.TXT, "t", strings("a" * 254, "b"))
    PROVIDERS["azuredns"].check(record_set, "spec")
    assert fp("azuredns", record_set)[0]["record"] == [{"value": "a" * 254 + "b"}]


# --- 4096 in one TXT record set ------------------------------------------------------

def test_a_txt_set_of_4096_octets_is_kept() -> None:
    record_set = rs("azuredns", RecordType.TXT, "t", in_254("a" * 2048), in_254("b" * 2048))
    PROVIDERS["azuredns"].check(record_set, "spec")


def test_a_txt_set_of_4097_octets_is_refused() -> None:
    record_set = rs("azuredns", RecordType.TXT, "t", in_254("a" * 2048), in_254("b" * 2049))
    with pytest.raises(DnsInputError) as caught:
        PROVIDERS["azuredns"].check(record_set, "spec")
    assert caught.value.field == "spec.values"
    assert caught.value.value == "<4097 octets>"
    assert ("is more TXT text than Azure DNS takes: at most 4096 characters in one TXT record set, "
            "all values together (counted here in UTF-8 octets)") in caught.value.rule


def test_the_txt_set_total_counts_octets() -> None:
    # 2,049 characters but 4,098 octets: refused, as octets never undercount what Azure counts.
    record_set = rs("azuredns", RecordType.TXT, "t",
                    strings(*["é" * 127] * 15), strings("ü" * 127, "ü" * 17))
    assert sum(len(r.text) for r in record_set.rdata) == 2049
    with pytest.raises(DnsInputError, match="<4098 octets>"):
        PROVIDERS["azuredns"].check(record_set, "spec")


def test_other_providers_have_no_4096_set_limit() -> None:
    record_set = rs("route53", RecordType.TXT, "t", "a" * 2048, "b" * 2049)
    PROVIDERS["route53"].check(record_set, "spec")


# --- NS at a wildcard name -----------------------------------------------------------

def test_wildcard_ns_is_refused_on_azure() -> None:
    record_set = rs("azuredns", RecordType.NS, "*.acme", "ns1.example.net")
    with pytest.raises(DnsInputError) as caught:
        PROVIDERS["azuredns"].check(record_set, "spec")
    assert caught.value.field == "spec"
    assert caught.value.value == "*.acme.az.omantel.example"
    assert caught.value.rule == ("is a wildcard name; Azure DNS supports wildcard record sets for all "
                                 "record types except NS and SOA")


def test_wildcard_ns_is_refused_on_route53() -> None:
    """The Route 53 API reference (ResourceRecordSet, Name): "You can't use the * wildcard for
    resource records sets that have a type of NS." (a test here once asserted the opposite)."""
    with pytest.raises(DnsInputError) as caught:
        PROVIDERS["route53"].check(rs("route53", RecordType.NS, "*.acme", "ns1.example.net"), "spec")
    assert (caught.value.field, caught.value.value) == ("spec", "*.acme.aws.omantel.example")
    assert caught.value.rule == "is a wildcard name; Route53 does not take the * wildcard for record sets of type NS"


@pytest.mark.parametrize("provider", ["cloudflare", "clouddns", "hetzner"])
def test_wildcard_ns_is_taken_where_the_provider_documents_no_such_rule(provider: str) -> None:
    PROVIDERS[provider].check(rs(provider, RecordType.NS, "*.acme", "ns1.example.net"), "spec")


@pytest.mark.parametrize("rtype, value", [(RecordType.A, "203.0.113.1"), (RecordType.TXT, "x"),
                                          (RecordType.CNAME, "lb.example.com")])
def test_other_wildcards_are_accepted_on_azure(rtype: RecordType, value: str) -> None:
    PROVIDERS["azuredns"].check(rs("azuredns", rtype, "*.acme", value), "spec")


def test_ns_below_a_wildcard_free_name_is_accepted_on_azure() -> None:
    PROVIDERS["azuredns"].check(rs("azuredns", RecordType.NS, "sub.acme", "ns1.example.net"), "spec")


# --- plain text: no boundaries of the user's to keep -----------------------------------

def test_plain_text_longer_than_a_string_is_cut_by_the_provider_and_kept() -> None:
    """A DKIM key pasted unquoted: ``records.chunk`` split it at 255, the provider cuts at 254."""
    key = "v=DKIM1; k=rsa; p=" + "M" * 380
    assert provider_octets("azuredns", key) == [key[:254].encode(), key[254:].encode()]


def test_plain_text_with_a_character_across_a_cut_is_refused() -> None:
    with pytest.raises(DnsInputError, match="falls inside the character 'é'"):
        provider_octets("azuredns", "a" * 253 + "é" + "b" * 10)


# --- CAA: the tags terraform-provider-azurerm's dns_caa_record validates -------------

@pytest.mark.parametrize("value", ['0 issue "letsencrypt.org"', '0 issuewild ";"', '0 iodef "mailto:sec@acme.example"',
                                   '0 contactemail "sec@acme.example"'])
def test_caa_tags_the_provider_takes(value: str) -> None:
    record_set = rs("azuredns", RecordType.CAA, "c", value)
    PROVIDERS["azuredns"].check(record_set, "spec")
    assert fp("azuredns", record_set)[0]["record"][0]["tag"] == value.split()[1]


@pytest.mark.parametrize("tag", ["issuemail", "issuevmc", "contactphone"])
def test_other_caa_tags_are_refused_by_name(tag: str) -> None:
    """RFC 9495's issuemail and the CA/B Forum's issuevmc/contactphone are real tags, and other
    providers take them; azurerm's ``StringInSlice`` does not, and upjet skips that check."""
    record_set = rs("azuredns", RecordType.CAA, "c", f'0 {tag} "x.example"')
    with pytest.raises(DnsInputError, match=rf"^spec\.values: .*has CAA tag '{tag}', which Azure DNS's provider "
                                            r"does not take; Azure DNS takes issue, issuewild, iodef, contactemail"):
        PROVIDERS["azuredns"].check(record_set, "spec")
    PROVIDERS["route53"].check(rs("route53", RecordType.CAA, "c", f'0 {tag} "x.example"'), "spec")
