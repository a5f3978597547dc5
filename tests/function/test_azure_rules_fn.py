"""Azure DNS's rules end to end: a DNSRecord claim in the test Sovereign's Azure zone.

The rules themselves are tested in tests/core/test_azure_rules.py; here a claim that
breaks one is one Fatal result naming the field, and nothing is composed.
"""

from __future__ import annotations

from typing import Any

import pytest

from function.fn import run
from tests.function.requests import desired, fatal, request, xr

A254 = "a" * 254


@pytest.mark.parametrize(("spec", "message"), [
    ({"name": "k._domainkey.acme.az.omantel.example", "type": "TXT", "values": [f'"{"a" * 255}" "b"']},
     "spec.values: " + repr(f'"{"a" * 255}" "b"')[:120]),
    ({"name": "k._domainkey.acme.az.omantel.example", "type": "TXT", "values": [f'"{"a" * 255}" "b"']},
     "is strings of 255 + 1 octets, which Azure DNS would not publish as written"),
    ({"name": "t.acme.az.omantel.example", "type": "TXT", "values": ["a" * 253 + "é" + "b"]},
     "the cut after octet 254 falls inside the character 'é' (2 octets); "
     "the provider would cut it in two and corrupt it"),
    ({"name": "t.acme.az.omantel.example", "type": "TXT",
      "values": [" ".join([f'"{A254}"'] * 8) + f' "{"a" * 33}"', " ".join([f'"{A254}"'] * 8)]},
     "spec.values: '<4097 octets>' is more TXT text than Azure DNS takes: at most 4096 characters"),
    ({"name": "*.acme.az.omantel.example", "type": "NS", "values": ["ns1.example.net"]},
     "spec: '*.acme.az.omantel.example' is a wildcard name; Azure DNS supports wildcard record sets "
     "for all record types except NS and SOA"),
], ids=["txt-255+1-field", "txt-255+1-rule", "txt-cut-inside-character", "txt-set-over-4096", "wildcard-ns"])
def test_a_claim_breaking_an_azure_rule_is_one_fatal_and_nothing_composed(spec: dict[str, Any],
                                                                           message: str) -> None:
    rsp = run(request(xr("DNSRecord", spec)))
    got = fatal(rsp)
    assert got is not None
    assert message in got
    assert not rsp.desired.resources


def test_a_claim_azure_keeps_as_written_is_composed() -> None:
    spec = {"name": "k._domainkey.acme.az.omantel.example", "type": "TXT", "values": [f'"{A254}" "b"']}
    rsp = run(request(xr("DNSRecord", spec)))
    assert fatal(rsp) is None
    txt = [d for d in desired(rsp).values()
           if d["kind"] == "DNSTXTRecord" and d["spec"]["forProvider"]["record"] == [{"value": A254 + "b"}]]
    assert len(txt) == 1


def test_wildcard_ns_where_the_provider_documents_no_such_rule_is_composed() -> None:
    spec = {"name": "*.acme.omantel.example", "type": "NS", "values": ["ns1.example.net"]}  # Cloudflare
    rsp = run(request(xr("DNSRecord", spec)))
    assert fatal(rsp) is None
    assert any(d["kind"] == "DNSRecord" and d["spec"]["forProvider"]["type"] == "NS" for d in desired(rsp).values())


def test_wildcard_ns_on_route53_is_refused() -> None:
    """Route 53's API reference: "You can't use the * wildcard for resource records sets that have a type of NS"."""
    spec = {"name": "*.acme.aws.omantel.example", "type": "NS", "values": ["ns1.example.net"]}
    rsp = run(request(xr("DNSRecord", spec)))
    assert fatal(rsp) == ("spec: '*.acme.aws.omantel.example' is a wildcard name; Route53 does not take the * "
                          "wildcard for record sets of type NS")
    assert not rsp.desired.resources
