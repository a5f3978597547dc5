"""Hetzner Cloud DNS's TXT strings, against its own tools.

terraform-provider-hcloud's ``hcloud_zone_rrset``: TXT values "must consist of one or many
quoted strings of 255 characters". Hetzner's own formatters (hcloud-go
``hcloud/exp/zoneutil/txt.go`` ``FormatTXTRecord``; hcloud-python ``format_txt_record``)
escape the text and then cut the *escaped* form every 255, so the 255 is counted as written.
Each string here is held to 255 characters as written, escapes included, which is within
the limit however the API counts (a written string is never shorter than its octets).

The strings are read back with the RFC 1035 reader of ``tests/core/presentation.py``, which
shares no code with the encoder.
"""

from __future__ import annotations

import re

import pytest

from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import PROVIDERS
from catalyst_dns.records import RecordType
from tests.core.presentation import decode_presentation
from tests.core.test_providers import fp, rs

QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def written(value: str) -> list[str]:
    """The insides of a value's quoted strings, as written (escapes and all)."""
    return QUOTED.findall(value)


@pytest.mark.parametrize("text", [
    "a" * 250 + '"' * 10,  # 260 octets; as written 270: cut by octets, the first string would be 260
    "é" * 100,  # 200 octets, one string by octets; as written, \195\169 each: 800 characters
    "v=DKIM1; k=rsa; p=" + "A" * 600 + "\\",
    "x" * 255,  # exactly one string
    "x" * 256,
], ids=["quotes", "non-ascii", "dkim-and-backslash", "255", "256"])
def test_plain_text_is_cut_at_255_characters_as_written(text: str) -> None:
    value = fp("hetzner", rs("hetzner", RecordType.TXT, "t", text))[0]["records"][0]["value"]
    strings = written(value)
    assert all(len(s) <= 255 for s in strings), [len(s) for s in strings]
    assert b"".join(decode_presentation(value)) == text.encode("utf-8")  # nothing cut inside an escape
    assert all(strings), strings  # no empty string


def test_plain_text_strings_are_full_but_for_the_last() -> None:
    value = fp("hetzner", rs("hetzner", RecordType.TXT, "t", "a" * 600))[0]["records"][0]["value"]
    assert [len(s) for s in written(value)] == [255, 255, 90]


def test_a_quoted_string_within_255_as_written_is_kept() -> None:
    user = '"' + "a" * 245 + '\\"' * 5 + '"'  # 250 octets, 255 as written
    record_set = rs("hetzner", RecordType.TXT, "t", user)
    PROVIDERS["hetzner"].check(record_set, "spec")
    assert fp("hetzner", record_set)[0]["records"][0]["value"] == user


@pytest.mark.parametrize(("user", "length"), [
    ('"' + "a" * 245 + '\\"' * 6 + '"', 257),  # 251 octets
    ('"' + "é" * 64 + '"', 512),  # 128 octets
    ('"' + "é" * 32 + '"', 256),  # 64 octets, 32 characters
    ('"' + "\U0001F600" * 16 + '"', 256),  # 64 octets, 16 characters of four octets each
], ids=["quotes", "non-ascii", "short-non-ascii", "emoji"])
def test_a_quoted_string_over_255_as_written_is_refused_by_name(user: str, length: int) -> None:
    record_set = rs("hetzner", RecordType.TXT, "t", user)
    with pytest.raises(DnsInputError, match=rf"^spec\.values: .* has a quoted string of {length} characters as "
                                            r"written \(escapes included\); Hetzner Cloud DNS takes at most 255"):
        PROVIDERS["hetzner"].check(record_set, "spec")


def test_other_providers_still_take_a_quoted_string_of_255_octets() -> None:
    user = '"' + "a" * 245 + '\\"' * 10 + '"'  # 255 octets, 265 as written
    PROVIDERS["cloudflare"].check(rs("cloudflare", RecordType.TXT, "t", user), "spec")
