"""Cloudflare's record size limits, end to end: a DNSRecord claim through ``function.fn.run``.

Cloudflare's "DNS record types" page (since cloudflare/cloudflare-docs PR #29286): no
TXT-only 2,048-character limit; at most 4,096 bytes of wire format per record; at most
8,192 characters of content for all records of one name and type.
"""

from __future__ import annotations

from typing import Any

from function.fn import run
from tests.function.requests import desired, fatal, request, xr

NAME = "t.acme.omantel.example"  # acme.omantel.example: a Cloudflare zone (tests/core/sovereign.py)


def txt(name: str, *values: str) -> dict[str, Any]:
    return {"name": name, "type": "TXT", "values": list(values)}


def cloudflare_contents(rsp: Any, name: str) -> list[str]:
    return sorted(d["spec"]["forProvider"]["content"] for d in desired(rsp).values()
                  if d["kind"] == "DNSRecord" and d["spec"]["forProvider"]["name"] == name)


def test_txt_values_past_the_old_2048_limit_are_written() -> None:
    rsp = run(request(xr("DNSRecord", txt(NAME, "x" * 2049, "y" * 3000))))
    assert fatal(rsp) is None
    written = cloudflare_contents(rsp, NAME)
    assert [c.replace('"', "").replace(" ", "") for c in written] == ["x" * 2049, "y" * 3000]


def test_a_set_over_8192_characters_of_content_is_one_fatal_and_nothing_written() -> None:
    rsp = run(request(xr("DNSRecord", txt(NAME, *(c * 2048 for c in "abcd")))))
    assert fatal(rsp) == ("spec.values: '<4 values, 8296 characters>' together exceed Cloudflare's limit of "
                          f"8192 characters of content for all TXT records at {NAME} (one record per value; "
                          "Cloudflare would refuse the one that goes over, leaving the set half-written)")
    assert len(rsp.results) == 1
    assert not rsp.desired.resources


def test_a_set_of_exactly_8192_characters_of_content_is_written() -> None:
    rsp = run(request(xr("DNSRecord", txt(NAME, "a" * 2048, "b" * 2048, "c" * 2048, "d" * 1947))))
    assert fatal(rsp) is None
    assert sum(map(len, cloudflare_contents(rsp, NAME))) == 8192


def test_a_record_over_4096_wire_bytes_is_refused() -> None:
    # The claim's longest TXT value (4,000 octets: 4,016 of RDATA) at a 69-character name.
    name = "t" * 48 + ".acme.omantel.example"
    rsp = run(request(xr("DNSRecord", txt(name, "x" * 4000))))
    message = fatal(rsp)
    assert message is not None
    assert message.startswith(f"spec.values: '<4047 characters>' makes a TXT record at {name} of 4097 bytes "
                              "in DNS wire format")
    assert "Cloudflare's limit is 4096 bytes per record" in message
    assert not rsp.desired.resources
    shorter = "t" * 47 + ".acme.omantel.example"
    assert fatal(run(request(xr("DNSRecord", txt(shorter, "x" * 4000))))) is None
