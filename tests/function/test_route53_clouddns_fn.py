r"""End to end through ``function.fn.run``: Route53's value length and CAA escapes, Cloud DNS's NS limit.

A DNSRecord claim on the Route53 zone (``aws.omantel.example``) or the Cloud DNS zone
(``gcp.omantel.example``) of the test Sovereign: what the provider would refuse is a
fatal result naming the claim field, and nothing is composed; what it takes is composed.
"""

from __future__ import annotations

from typing import Any

from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from function.fn import run
from tests.core.presentation import decode_presentation
from tests.function.requests import desired, fatal, request, xr

NAMESERVERS = [f"ns{i}.example.net." for i in range(1, 10)]


def record(name: str, rtype: str, values: list[str]) -> fnv1.RunFunctionResponse:
    return run(request(xr("DNSRecord", {"name": name, "type": rtype, "values": values})))


def for_provider(rsp: fnv1.RunFunctionResponse, kind: str, name: str) -> dict[str, Any]:
    """The ``forProvider`` of the one MR of ``kind`` written at ``name`` (not its ownership record)."""
    (found,) = [d["spec"]["forProvider"] for d in desired(rsp).values()
                if d["kind"] == kind and d["spec"]["forProvider"]["name"].rstrip(".") == name]
    return found


def test_route53_txt_of_3968_ascii_octets_is_composed_at_4000_characters() -> None:
    """16 strings: 2 quotes + 3,968 characters + 15 ``""`` (30) = 4,000 as Route53 receives it."""
    rsp = record("t.acme.aws.omantel.example", "TXT", ["a" * 3968])
    assert fatal(rsp) is None
    (entry,) = for_provider(rsp, "Record", "t.acme.aws.omantel.example")["records"]
    assert len(f'"{entry}"') == 4000


def test_route53_txt_of_3969_ascii_octets_is_refused() -> None:
    """2 + 3,969 + 30 = 4,001 characters as sent: one over Route53's 4,000."""
    rsp = record("t.acme.aws.omantel.example", "TXT", ["a" * 3969])
    got = fatal(rsp) or ""
    assert got.startswith("spec.values: '<4001 characters>' is longer than Route53's 4000-character limit "
                          "on one value, counted as Route53 receives it"), got
    assert not rsp.desired.resources


def test_route53_non_ascii_txt_under_4000_octets_is_refused() -> None:
    """500 ``é``: 1,000 octets, sent as 2 + 500 * 8 (two ``\\ooo`` each) + 3 * 2 = 4,008 characters."""
    rsp = record("t.acme.aws.omantel.example", "TXT", ["é" * 500])
    assert "spec.values: '<4008 characters>' is longer than Route53's" in (fatal(rsp) or "")
    assert not rsp.desired.resources


def test_route53_caa_non_ascii_value_is_octal_escaped() -> None:
    rsp = record("acme.aws.omantel.example", "CAA", ['0 iodef "mailto:sécurité@example.com"'])
    assert fatal(rsp) is None
    (entry,) = for_provider(rsp, "Record", "acme.aws.omantel.example")["records"]
    flags, tag, quoted = entry.split(" ", 2)
    assert (flags, tag) == ("0", "iodef")
    assert decode_presentation(quoted, octal=True) == ["mailto:sécurité@example.com".encode()]


def test_clouddns_ns_with_8_values_is_composed() -> None:
    rsp = record("sub.acme.gcp.omantel.example", "NS", NAMESERVERS[:8])
    assert fatal(rsp) is None
    assert for_provider(rsp, "RecordSet", "sub.acme.gcp.omantel.example")["rrdatas"] == NAMESERVERS[:8]


def test_clouddns_ns_with_9_values_is_refused() -> None:
    rsp = record("sub.acme.gcp.omantel.example", "NS", NAMESERVERS)
    assert fatal(rsp) == ("spec.values: '<9 values>' has more than 8 name servers; Google Cloud DNS allows "
                          "at most 8 per delegation (NS record set)")
    assert not rsp.desired.resources
