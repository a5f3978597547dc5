"""Ownership records obey the rules of the records they guard (issue 9 point 4).

The oracles are the rules themselves: RFC 1035 §2.3.4 (a label is at most 63 octets, a
name at most 255 on the wire, 253 in text without the root dot) and Cloudflare's
documented TTL rule for DNS records ("Setting to 1 means 'automatic'. Value must be
between 60 and 86400").
"""

from __future__ import annotations

from typing import Any

import pytest

from function.fn import run
from tests.function.requests import desired, fatal, request, xr


def _wire_octets(name: str) -> int:
    """A name's length on the wire: a length octet per label, the labels, the root."""
    return sum(len(label) + 1 for label in name.split(".")) + 1


def _route(host: str, **extra: Any) -> dict[str, Any]:
    return xr("DNSRoute", {"hostnames": [host], "targets": {"addresses": ["203.0.113.1"]}, **extra})


def _longest_accepted_label(zone: str) -> int:
    for size in range(63, 0, -1):
        if fatal(run(request(_route(f"{'a' * size}.acme.{zone}")))) is None:
            return size
    raise AssertionError("no label accepted")


@pytest.mark.parametrize("zone", ["omantel.example", "hz.omantel.example", "aws.omantel.example",
                                  "gcp.omantel.example", "az.omantel.example"])
def test_every_name_written_fits_rfc_1035_or_the_claim_is_refused(zone: str) -> None:
    size = _longest_accepted_label(zone)
    docs = desired(run(request(_route(f"{'a' * size}.acme.{zone}"))))
    for doc in docs.values():
        fqdn = doc["metadata"]["annotations"]["dns.openova.io/fqdn"]
        assert max(len(label) for label in fqdn.split(".")) <= 63
        assert _wire_octets(fqdn) <= 255
    assert size == 61  # 63 less the "a-" the registry puts in front of the first label
    message = fatal(run(request(_route(f"{'a' * (size + 1)}.acme.{zone}"))))
    assert message is not None and message.startswith("spec.hostnames[0]: ")
    assert "needs the ownership record '_externaldns.a-" in message and "which cannot exist" in message


def test_a_name_whose_registry_name_is_too_long_is_refused_up_front() -> None:
    labels = ["b" * 61] * 3
    suffix = "acme.omantel.example"
    filler = 250 - len(".".join(labels)) - len(suffix) - 2
    host = ".".join([*labels, "x" * filler, suffix])
    assert len(host) == 250 and _wire_octets(host) == 252  # a valid name by itself
    message = fatal(run(request(_route(host))))
    assert message is not None and message.startswith("spec.hostnames[0]: ")
    assert "keep the first label within 61 and the name within 238 octets" in message
    assert fatal(run(request(_route(".".join([*labels, "x" * (filler - 12), suffix]))))) is None


@pytest.mark.parametrize("ttl", [30, 60, 120, 86400])
@pytest.mark.parametrize("proxied", [True, False])
def test_cloudflare_ttls_follow_cloudflares_rule_for_every_record(ttl: int, proxied: bool) -> None:
    rsp = run(request(_route("web.acme.omantel.example", ttl=ttl, proxied=proxied)))
    if fatal(rsp) is not None:
        assert not proxied and ttl < 60  # refused up front, naming the user's field
        assert fatal(rsp).startswith("spec.ttl: 30 is outside Cloudflare's TTL range")  # type: ignore[union-attr]
        return
    for doc in desired(rsp).values():
        value = doc["spec"]["forProvider"]["ttl"]
        assert value == 1 or 60 <= value <= 86400, doc["metadata"]["name"]
    ttls = {d["spec"]["forProvider"]["type"]: d["spec"]["forProvider"]["ttl"] for d in desired(rsp).values()}
    assert ttls["TXT"] == ttls["A"]  # the ownership record lives as long as the record it guards
