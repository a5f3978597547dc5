"""The one closest-zone rule (catalyst_dns.zones), as settings.zone_for and the Pulumi side reach it."""

import itertools

import pytest

from catalyst_dns import names
from catalyst_dns.settings import Zone
from catalyst_dns.zones import closest, closest_in

ZONES = ("omantel.example", "aws.omantel.example", "eu.aws.omantel.example", "other.example", "example")
NAMES = ("omantel.example", "x.omantel.example", "aws.omantel.example", "a.b.eu.aws.omantel.example",
         "eu.aws.omantel.example", "xaws.omantel.example", "other.example", "example", "nowhere.test", "test")


def by_depth(name: str, zones: tuple[str, ...], strict: bool) -> str | None:
    """The rule as a definition: the deepest zone containing the name (the name itself left out if strict)."""
    within = [z for z in zones if names.is_within(name, z) and not (strict and z == name)]
    return max(within, key=lambda z: z.count("."), default=None)


@pytest.mark.parametrize("strict", [False, True])
def test_the_suffix_walk_is_the_deepest_containing_zone(strict: bool) -> None:
    for count in range(len(ZONES) + 1):
        for zones in itertools.combinations(ZONES, count):
            for name in NAMES:
                expected = by_depth(name, zones, strict)
                assert closest(name, zones, str, strict=strict) == expected, (name, zones)
                assert closest_in(name, {z: z for z in zones}, strict=strict) == expected, (name, zones)


def test_duplicates_keep_the_first_listed() -> None:
    first, second = (Zone("omantel.example", p, "z", "c") for p in ("route53", "cloudflare"))
    assert closest("a.omantel.example", [first, second], lambda z: z.name) is first
