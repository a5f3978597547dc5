"""The core helpers the Pulumi side shares: closest zone, strictly-below, the DS model.

They live in ``catalyst_dns`` (``zones``, ``dnssec``) so that config checks, the Sovereign
component and every zone component apply one rule; these tests pin the rule itself.
"""

from __future__ import annotations

import pytest

from catalyst_dns.dnssec import Ds, ds_from, parse_ds
from catalyst_dns.zones import closest, is_below, parent_of_gslb

pytestmark = pytest.mark.pulumi

ZONES = ["sov.example", "eu.sov.example", "a.eu.sov.example", "other.example"]


def _name(zone: str) -> str:
    return zone


@pytest.mark.parametrize(("name", "strict", "expected"), [
    ("www.a.eu.sov.example", False, "a.eu.sov.example"),
    ("a.eu.sov.example", False, "a.eu.sov.example"),
    ("a.eu.sov.example", True, "eu.sov.example"),
    ("b.eu.sov.example", True, "eu.sov.example"),
    ("xeu.sov.example", False, "sov.example"),  # a suffix of the text is not a parent zone
    ("sov.example", True, None),
    ("example", False, None),
])
def test_closest_is_the_deepest_enclosing_zone(name: str, strict: bool, expected: str | None) -> None:
    assert closest(name, ZONES, _name, strict=strict) == expected
    # Order of the zones does not matter.
    assert closest(name, list(reversed(ZONES)), _name, strict=strict) == expected


def test_is_below_excludes_the_apex_and_lookalikes() -> None:
    assert is_below("a.sov.example", "sov.example")
    assert not is_below("sov.example", "sov.example")
    assert not is_below("xsov.example", "sov.example")
    assert parent_of_gslb("gslb.eu.sov.example") == "eu.sov.example"


def test_ds_has_one_presentation_and_reads_provider_forms() -> None:
    ds = Ds(12345, 13, 2, "ab12")
    assert ds.presentation == "12345 13 2 AB12"
    assert ds.fields == (12345, 13, 2, "AB12")
    assert parse_ds("example. 3600 IN DS 12345 13 2 ab 12", "test") == ds
    assert ds_from([12345.0, 13.0, "2", "ab12"]) == ds
    with pytest.raises(ValueError, match="not a DS record"):
        parse_ds("12345 13", "test")
