import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalyst_dns.dnssec import Ds
from catalyst_dns.errors import DnsInputError
from catalyst_dns.rdata import Address, Caa, Host, Mx, PlainTxt, Srv, Txt
from catalyst_dns.records import CLAIM_TYPES, RecordType, make_record_set, parse_rdata, presentation
from catalyst_dns.settings import Zone

ZONE = Zone("omantel.example", "cloudflare", "z", "cf")


@pytest.mark.parametrize(
    ("rtype", "value", "expected"),
    [
        (RecordType.A, "203.0.113.10", Address("203.0.113.10")),
        (RecordType.AAAA, "2001:DB8:0:0::10", Address("2001:db8::10")),
        (RecordType.CNAME, "LB.fsn.omantel.example.", Host("lb.fsn.omantel.example")),
        (RecordType.MX, "10 mail.example.com.", Mx(10, "mail.example.com")),
        (RecordType.MX, "0 .", Mx(0, ".")),
        (RecordType.SRV, "10 5 443 sip.example.com.", Srv(10, 5, 443, "sip.example.com")),
        (RecordType.CAA, '0 issue "letsencrypt.org"', Caa(0, "issue", "letsencrypt.org")),
        (RecordType.CAA, "128 iodef \"mailto:sec@example.com\"", Caa(128, "iodef", "mailto:sec@example.com")),
        (RecordType.TXT, "v=DMARC1; p=reject", Txt(("v=DMARC1; p=reject",))),
        (RecordType.TXT, '"a b" "c"', Txt(("a b", "c"))),
        (RecordType.NS, "ns1.example.net", Host("ns1.example.net")),
        (RecordType.DS, "12345 13 2 ab12 CD34", Ds(12345, 13, 2, "AB12CD34")),
    ],
)
def test_presentation_values_parse(rtype: RecordType, value: str, expected: object) -> None:
    assert parse_rdata(rtype, value, "spec.values[0]") == expected


@pytest.mark.parametrize(
    ("rtype", "value", "rule"),
    [
        (RecordType.A, "2001:db8::1", "needs IPv4"),
        (RecordType.A, "300.1.1.1", "not a valid IP address"),
        (RecordType.A, "0.0.0.0", "unspecified"),
        (RecordType.AAAA, "10.0.0.1", "needs IPv6"),
        (RecordType.MX, "mail.example.com", "must be '<preference> <exchange>'"),
        (RecordType.MX, "70000 mail.example.com", "integer 0-65535"),
        (RecordType.SRV, "10 5 sip.example.com", "must be '<priority> <weight> <port> <target>'"),
        (RecordType.SRV, "10 5 99999 sip.example.com", "port"),
        (RecordType.CAA, "0 issue", "must be '<flags> <tag>"),
        (RecordType.CAA, '0 bogus "x"', "CAA tag"),
        (RecordType.CAA, '0 iodef "ftp://x"', "iodef"),
        (RecordType.CAA, '300 issue "letsencrypt.org"', "flags"),
        (RecordType.TXT, '"' + "a" * 256 + '"', "at most 255 octets"),
        (RecordType.TXT, "a" * 4001, "longer than 4000"),
        (RecordType.TXT, "bad\x07bell", "control character"),
        (RecordType.TXT, '"a" b', "mixes quoted and unquoted"),
        (RecordType.CNAME, "a b", "single host name"),
        # RFC 1123 §2.1: no host name has a numeric top-level label; such a target is an address.
        (RecordType.CNAME, "203.0.113.5", "top-level label is numeric"),
        (RecordType.CNAME, "203.0.113.5.", "top-level label is numeric"),
        (RecordType.NS, "ns1.example.123", "top-level label is numeric"),
        (RecordType.MX, "10 203.0.113.5", "top-level label is numeric"),
        (RecordType.SRV, "10 5 443 192.0.2.1.", "top-level label is numeric"),
        (RecordType.DS, "12345 13 2", "must be '<key tag> <algorithm> <digest type> <digest>'"),
        (RecordType.DS, "70000 13 2 AB12", "key tag"),
        (RecordType.DS, "12345 13 2 XY", "not hexadecimal"),
    ],
)
def test_bad_values_name_their_rule(rtype: RecordType, value: str, rule: str) -> None:
    with pytest.raises(DnsInputError) as err:
        parse_rdata(rtype, value, "spec.values[0]")
    assert rule in err.value.rule
    assert err.value.field == "spec.values[0]"


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters='"',
                                          exclude_categories=("Cc", "Cs")),
               min_size=1, max_size=1500))
def test_long_txt_is_chunked_losslessly(text: str) -> None:
    txt = parse_rdata(RecordType.TXT, text, "f")
    assert isinstance(txt, Txt)
    assert txt.text == text
    assert all(len(s.encode()) <= 255 for s in txt.strings)


def test_record_sets_are_sorted_and_deduplicated() -> None:
    rs = make_record_set(ZONE, "a.omantel.example", RecordType.A, 300,
                         [Address("203.0.113.2"), Address("203.0.113.1"), Address("203.0.113.2")], "f")
    assert [presentation(r) for r in rs.rdata] == ["203.0.113.1", "203.0.113.2"]


def test_cname_has_one_target() -> None:
    with pytest.raises(DnsInputError, match="exactly one target"):
        make_record_set(ZONE, "a.omantel.example", RecordType.CNAME, 300, [Host("x.example"), Host("y.example")], "f")


def test_presentation_quotes_and_dots() -> None:
    assert presentation(Txt(('say "hi"',))) == '"say \\"hi\\""'
    assert presentation(Mx(10, "mail.example.com")) == "10 mail.example.com."
    assert presentation(Mx(10, "mail.example.com"), dotted=False) == "10 mail.example.com"


def test_ds_is_a_record_type_but_not_a_claim_type() -> None:
    ds = parse_rdata(RecordType.DS, "12345 13 2 ab12", "f")
    assert presentation(ds) == Ds(12345, 13, 2, "AB12").presentation == "12345 13 2 AB12"
    assert RecordType.DS not in CLAIM_TYPES
    assert CLAIM_TYPES | {RecordType.DS} == set(RecordType)


def test_a_null_mx_stands_alone() -> None:
    """RFC 7505 §3: a domain that advertises a null MX must not advertise any other MX."""
    null = parse_rdata(RecordType.MX, "0 .", "f")
    mail = parse_rdata(RecordType.MX, "10 mail.example.com.", "f")
    assert make_record_set(ZONE, "m.omantel.example", RecordType.MX, 300, [null], "f").rdata == (null,)
    two = make_record_set(ZONE, "m.omantel.example", RecordType.MX, 300, [mail, Mx(20, "b.example")], "f")
    assert len(two.rdata) == 2
    with pytest.raises(DnsInputError) as refused:
        make_record_set(ZONE, "m.omantel.example", RecordType.MX, 300, [mail, null], "spec.values")
    assert refused.value.field == "spec.values" and "RFC 7505" in refused.value.rule


@pytest.mark.parametrize(("rtype", "value"), [(RecordType.CNAME, "1a.2b.example.com."), (RecordType.MX, "10 3com.com."),
                                             (RecordType.NS, "ns1.123.example.")])
def test_numeric_labels_below_the_top_are_names(rtype: RecordType, value: str) -> None:
    parse_rdata(rtype, value, "spec.values[0]")  # only the top-level label decides


def test_record_values_are_equal_by_type_and_fields() -> None:
    assert Host("a.example") == Host("a.example") and hash(Host("a.example")) == hash(Host("a.example"))
    assert Host("a.example") != Address("a.example")  # one record type's values only
    assert Mx(10, "mail.example") != Mx(20, "mail.example")
    assert PlainTxt(("x", "y")) == Txt(("x", "y")) and hash(PlainTxt(("x", "y"))) == hash(Txt(("x", "y")))
    assert len({Srv(1, 2, 3, "t.example"), Srv(1, 2, 3, "t.example"), Srv(1, 2, 4, "t.example")}) == 2
    assert repr(Caa(0, "issue", "ca.example")) == "Caa(0, 'issue', 'ca.example')"
    match Mx(10, "mail.example"):
        case Mx(preference, exchange):
            assert (preference, exchange) == (10, "mail.example")
        case _:
            raise AssertionError("an Mx matches its own class pattern")
