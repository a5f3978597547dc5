"""Which zone holds a name: the one "closest enclosing zone" rule, in one place.

A Sovereign's zones nest (the domain zone, child zones below it), so a name can be within
several of them; the records for it belong to the deepest one (DESIGN.md §4). The same rule
picks the zone a child is delegated from (the deepest *other* zone above it) and the zone
that delegates the GSLB sub-zone. The Pulumi side (config checks, the Sovereign component)
calls this; it works on anything that carries a zone name, so each caller keeps its own type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from catalyst_dns import names

T = TypeVar("T")


def closest_in(name: str, by_name: Mapping[str, T], *, strict: bool = False) -> T | None:
    """The deepest zone of ``by_name`` (keyed by zone name) that contains ``name`` (normal form), or None.

    Walks the name's own suffixes, longest first: the first that is a zone is the deepest,
    whatever the number of zones. ``strict`` leaves out a zone named ``name`` itself: a child
    zone's parent, not the child.
    """
    at = name.find(".") + 1 if strict else 0  # where the suffix looked up starts (a slice: one string a step)
    if at == 0 and strict:
        return None
    while True:
        zone = by_name.get(name[at:] if at else name)
        if zone is not None:
            return zone
        at = name.find(".", at) + 1
        if at == 0:
            return None


def closest(name: str, zones: Iterable[T], zone_name: Callable[[T], str], *,
            strict: bool = False) -> T | None:
    """The deepest of ``zones`` whose name contains ``name`` (normal form), or None.

    ``strict`` leaves out a zone named ``name`` itself: a child zone's parent, not the child.
    Ties cannot happen between distinct zones (two zones containing one name at one depth
    are the same zone); the first listed wins if a caller passes duplicates.
    """
    by_name: dict[str, T] = {}
    for zone in zones:
        by_name.setdefault(zone_name(zone), zone)
    return closest_in(name, by_name, strict=strict)


def is_below(name: str, zone: str) -> bool:
    """Whether ``name`` is strictly inside ``zone`` (within it, and not its apex)."""
    return name != zone and names.is_within(name, zone)


def parent_of_gslb(gslb_zone: str) -> str:
    """The name directly above the GSLB zone: where its delegation is looked up from."""
    return gslb_zone.split(".", 1)[1]
