"""TXT text reaches every provider as the same octets (issue 9 point 6).

Each provider's value is read back with a decoder written here from that provider's
documented format, not from our encoder:

* RFC 1035 §5.1 presentation (Cloud DNS ``rrdatas``, Hetzner ``records[].value``,
  Cloudflare ``content``, which "must consist of quoted character strings (RFC 1035)"):
  quoted strings, ``\\X`` is X, ``\\DDD`` one octet in *decimal*;
* Route53: the Terraform provider wraps each ``records`` entry in one pair of quotes
  (terraform-provider-aws ``flattenTxtEntry``), and Route53 reads ``\\ooo`` as *octal*;
* Azure DNS: ``record[].value`` is the raw text, which the Terraform provider cuts every
  254 octets (terraform-provider-azurerm ``expandAzureRmDnsTxtRecords``, ``segmentLen := 254``).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import PROVIDERS, Scope, provider_for
from catalyst_dns.records import RecordType, make_record_set, parse_rdata
from catalyst_dns.settings import Zone
from tests.core.presentation import decode_presentation

ZONES = {
    "route53": Zone(name="aws.example", provider="route53", zone_id="Z1", provider_config="aws"),
    "clouddns": Zone(name="gcp.example", provider="clouddns", zone_id="gcp-example", provider_config="gcp"),
    "hetzner": Zone(name="hz.example", provider="hetzner", zone_id="1", provider_config="hetzner"),
    "cloudflare": Zone(name="cf.example", provider="cloudflare", zone_id="0" * 32, provider_config="cloudflare"),
    "azuredns": Zone(name="az.example", provider="azuredns", zone_id="az.example", provider_config="azure",
                     resource_group="rg"),
}


def provider_octets(key: str, user_value: str) -> list[bytes]:
    """What the provider stores for one TXT value the user wrote: its strings, as octets."""
    zone = ZONES[key]
    record_set = make_record_set(zone, f"t.{zone.name}", RecordType.TXT, 300,
                                 [parse_rdata(RecordType.TXT, user_value, "spec.values[0]")], "spec.values")
    provider = provider_for(key)
    provider.check(record_set, "spec")
    (composed,) = provider.compose(record_set, Scope.NAMESPACED)
    for_provider = composed.manifest["spec"]["forProvider"]
    if key == "route53":
        return decode_presentation('"' + for_provider["records"][0] + '"', octal=True)
    if key == "clouddns":
        return decode_presentation(for_provider["rrdatas"][0])
    if key == "hetzner":
        return decode_presentation(for_provider["records"][0]["value"])
    if key == "cloudflare":
        return decode_presentation(for_provider["content"])
    if key == "azuredns":
        raw = for_provider["record"][0]["value"].encode("utf-8")
        return [raw[i:i + 254] for i in range(0, len(raw), 254)] or [b""]
    raise AssertionError(f"no reader of {key}'s TXT form: add one from the provider's documented format")


def test_every_provider_has_a_zone_and_a_txt_reader_here() -> None:
    """A provider added to the registry fails here until its TXT round trip is tested."""
    assert set(ZONES) == set(PROVIDERS)


@pytest.mark.parametrize("key", sorted(set(ZONES) - {"azuredns"}))
def test_backslash_and_quote_in_presentation_form_reach_every_provider(key: str) -> None:
    # The example: two strings, the first holding a backslash.
    assert provider_octets(key, r'"a\\b" "c"') == [b"a\\b", b"c"]
    assert provider_octets(key, r'"say \"hi\""') == [b'say "hi"']


def test_azure_carries_backslash_and_quote_as_raw_text() -> None:
    assert provider_octets("azuredns", r'"a\\b \"c\""') == [b'a\\b "c"']


def test_route53_value_is_escaped_inside_the_quotes_terraform_adds() -> None:
    zone = ZONES["route53"]
    record_set = make_record_set(zone, "t.aws.example", RecordType.TXT, 300,
                                 [parse_rdata(RecordType.TXT, r'"a\\b" "c"', "v")], "spec.values")
    (composed,) = provider_for("route53").compose(record_set, Scope.NAMESPACED)
    assert composed.manifest["spec"]["forProvider"]["records"] == [r'a\\b""c']


@pytest.mark.parametrize("key", sorted(ZONES))
def test_decimal_escapes_and_non_ascii_text_keep_their_octets(key: str) -> None:
    assert provider_octets(key, r'"caf\195\169"') == ["café".encode()]
    assert provider_octets(key, "grüße, 東京") == ["grüße, 東京".encode()]


TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=600)


@pytest.mark.parametrize("key", sorted(ZONES))
@given(text=TEXT)
def test_plain_text_round_trips_through_every_provider(key: str, text: str) -> None:
    stripped = text.strip()
    if not stripped or stripped.startswith('"'):
        return  # plain text is what the user wrote unquoted
    raw = stripped.encode("utf-8")
    if key == "azuredns" and any(raw[cut] & 0xC0 == 0x80 for cut in range(254, len(raw), 254)):
        # Azure's provider cuts every 254 octets, here inside a character: refused, not corrupted.
        with pytest.raises(DnsInputError, match="falls inside the character"):
            provider_octets(key, stripped)
        return
    if key == "route53":
        # Route53 takes at most 4,000 characters of value as sent: quoted, each octet outside
        # printable ASCII as \ooo (4), '"' and '\' escaped (2), '""' between 255-octet strings.
        sent = 2 + sum(4 if not 0x20 <= o <= 0x7E else 2 if o in (0x22, 0x5C) else 1 for o in raw)
        most_separators = 2 * (len(raw) // 254 + 1)
        if sent > 4000:
            with pytest.raises(DnsInputError, match="Route53's 4000-character limit"):
                provider_octets(key, stripped)
            return
        if sent + most_separators > 4000:
            return  # within a few separators of the limit: its exact boundary is tested apart
    assert b"".join(provider_octets(key, stripped)) == stripped.encode("utf-8")


def test_invalid_escapes_are_refused_not_changed() -> None:
    with pytest.raises(DnsInputError, match="is one octet, 000-255"):
        parse_rdata(RecordType.TXT, r'"\999"', "spec.values[0]")
    with pytest.raises(DnsInputError, match="do not spell UTF-8 text"):
        parse_rdata(RecordType.TXT, r'"\255"', "spec.values[0]")


def test_azure_refuses_string_boundaries_it_cannot_keep() -> None:
    with pytest.raises(DnsInputError, match="cuts the text every 254 octets itself"):
        provider_octets("azuredns", '"v=DKIM1; k=rsa; " "p=MIIB"')
    with pytest.raises(DnsInputError, match="strings of 255 \\+ 45 octets"):
        provider_octets("azuredns", f'"{"x" * 255}" "{"x" * 45}"')
    # plain text has no boundaries of the user's: the provider's cut is as good as ours
    assert provider_octets("azuredns", "x" * 300) == [b"x" * 254, b"x" * 46]
    assert provider_octets("azuredns", f'"{"x" * 254}" "{"x" * 46}"') == [b"x" * 254, b"x" * 46]


