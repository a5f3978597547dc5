"""SovereignSettings as a cache key: equal settings hash equal, whatever object holds them."""

from __future__ import annotations

import copy
import dataclasses

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
