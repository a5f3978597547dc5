"""SovereignSettings as a cache key: equal settings hash equal, whatever object holds them."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from catalyst_dns.errors import DnsInputError
from catalyst_dns.settings import parse_settings
from tests.core.sovereign import SETTINGS


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


def test_a_k8gb_nameserver_known_only_by_ipv6_is_refused() -> None:
    """k8gb resolves its peers' nameserver names with A queries only (controllers/utils/dns_query_service.go)."""
    ipv6_only = copy.deepcopy(SETTINGS)
    ipv6_only["regions"][1]["nameserver"] = {"ipv6": "2001:db8::53"}
    with pytest.raises(DnsInputError) as refused:
        parse_settings(ipv6_only, "data")
    assert refused.value.field == "data.regions[1].nameserver.ipv4"
    assert "A queries only" in refused.value.rule
    dual = copy.deepcopy(SETTINGS)
    dual["regions"][1]["nameserver"] = {"ipv4": "198.51.100.53", "ipv6": "2001:db8::53"}
    assert parse_settings(dual).regions[1].nameserver_ipv6 == "2001:db8::53"


@pytest.mark.parametrize("where", ["top", "zone", "region"])
def test_of_two_unknown_settings_fields_the_same_one_is_named_whatever_the_order(where: str) -> None:
    """The first unknown key in sorted order: a protobuf map's order differs between processes."""
    messages = set()
    for extra in ({"zzz": 1, "aaa": 2}, {"aaa": 2, "zzz": 1}):
        doc = copy.deepcopy(SETTINGS)
        target = doc if where == "top" else doc["zones"][0] if where == "zone" else doc["regions"][0]
        target.update(extra)
        with pytest.raises(DnsInputError) as refused:
            parse_settings(doc, "settings")
        messages.add(str(refused.value))
    assert len(messages) == 1
    assert ".aaa: 2 is not a known field" in messages.pop()
