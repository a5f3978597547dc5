"""SovereignSettings as a cache key: equal settings hash equal, whatever object holds them."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from catalyst_dns.settings import parse_settings

# tests/core runs in the Pulumi install too, which has no function SDK: the settings are our own.
SETTINGS: dict[str, Any] = {
    "domain": "omantel.example",
    "ownerId": "catalyst-dns",
    "defaultTtl": 300,
    "zones": [
        {"name": "omantel.example", "provider": "cloudflare", "zoneId": "023e105f4ecef8ad9ca31a8372d0c353",
         "providerConfig": "cloudflare"},
        {"name": "hz.omantel.example", "provider": "hetzner", "zoneId": "4711", "providerConfig": "hetzner"},
    ],
    "gslb": {"zone": "gslb.omantel.example"},
    "regions": [{"geotag": "fsn", "ingress": {"ipv4": ["203.0.113.10"]}, "nameserver": {"ipv4": "203.0.113.53"},
                 "kubernetesProviderConfig": "fsn-dmz"}],
    "tenants": [{"namespaces": ["acme-prod"], "suffixes": ["acme.omantel.example"]}],
    "reserved": ["console.omantel.example"],
}


def test_equal_settings_parsed_apart_are_one_key() -> None:
    first, second = parse_settings(copy.deepcopy(SETTINGS)), parse_settings(copy.deepcopy(SETTINGS))
    assert first is not second
    assert first == second
    assert hash(first) == hash(second)
    assert len({first: 1, second: 2}) == 1


def test_a_changed_field_is_another_key() -> None:
    changed = copy.deepcopy(SETTINGS)
    changed["zones"][1]["zoneId"] = "4712"
    base, other = parse_settings(copy.deepcopy(SETTINGS)), parse_settings(changed)
    assert base != other
    assert hash(base) != hash(other)  # the cached hash covers the zones, not only the top-level strings


def test_replace_recomputes_the_cached_hash() -> None:
    base = parse_settings(copy.deepcopy(SETTINGS))
    moved = dataclasses.replace(base, default_ttl=base.default_ttl + 1)
    assert hash(moved) != hash(base)
    assert hash(dataclasses.replace(moved, default_ttl=base.default_ttl)) == hash(base)
