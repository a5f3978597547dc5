import pytest

from catalyst_dns.errors import DnsInputError
from catalyst_dns.rdata import Address, Host
from catalyst_dns.records import RecordSet, RecordType
from catalyst_dns.rules import check_record_sets
from catalyst_dns.settings import Zone

ZONE = Zone("omantel.example", "cloudflare", "z", "cf")


def test_cname_at_apex_is_refused() -> None:
    rs = RecordSet(ZONE, "omantel.example", RecordType.CNAME, 300, (Host("lb.example.net"),))
    with pytest.raises(DnsInputError, match="a CNAME cannot sit at an apex"):
        check_record_sets([(rs, "spec.name")])


def test_cname_beside_other_data_is_refused() -> None:
    cname = RecordSet(ZONE, "x.omantel.example", RecordType.CNAME, 300, (Host("lb.example.net"),))
    a = RecordSet(ZONE, "x.omantel.example", RecordType.A, 300, (Address("203.0.113.1"),))
    with pytest.raises(DnsInputError, match="CNAME beside other data"):
        check_record_sets([(cname, "spec.hostnames[0]"), (a, "spec.hostnames[1]")])


def test_distinct_types_at_one_name_are_fine() -> None:
    a = RecordSet(ZONE, "x.omantel.example", RecordType.A, 300, (Address("203.0.113.1"),))
    aaaa = RecordSet(ZONE, "x.omantel.example", RecordType.AAAA, 300, (Address("2001:db8::1"),))
    check_record_sets([(a, "f"), (aaaa, "f")])
