"""Typed reads from untyped documents (XR specs, settings, stack config).

Everything the function or the Pulumi program is handed arrives as JSON-ish data, where a
number meant as an integer may come as a float (``300.0``). These readers turn it into typed
values or raise a DnsInputError naming the exact field path, so neither side ever fails
deep inside with a KeyError or a TypeError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from catalyst_dns.errors import DnsInputError, kind_of

# A bound on any one list a user hands us (hostnames, values, zones, regions...).
MAX_ITEMS = 1000
MAX_STRING = 4096


def mapping(doc: Any, field: str) -> Mapping[str, Any]:
    """The value as a mapping, or an error naming ``field``."""
    if not isinstance(doc, Mapping):
        raise DnsInputError(field, doc, f"must be an object, not {kind_of(doc)}")
    return doc


def optional_mapping(doc: Mapping[str, Any], key: str, field: str) -> Mapping[str, Any] | None:
    """``doc[key]`` as a mapping, or None when absent/null."""
    value = doc.get(key)
    return None if value is None else mapping(value, f"{field}.{key}")


def string(doc: Mapping[str, Any], key: str, field: str, *, default: str | None = None) -> str:
    """``doc[key]`` as a non-empty string; ``default`` when absent, else an error."""
    value: Any = doc.get(key)  # annotated: mypyc infers None here and refuses to compile
    path = f"{field}.{key}"
    if value is None:
        if default is not None:
            return default
        raise DnsInputError(path, value, "is required")
    if not isinstance(value, str):
        raise DnsInputError(path, value, f"must be a string, not {kind_of(value)}")
    if not value:
        raise DnsInputError(path, value, "must not be empty")
    if len(value) > MAX_STRING:
        raise DnsInputError(path, value, f"is longer than {MAX_STRING} characters")
    if "\x00" in value:
        raise DnsInputError(path, value, "contains a NUL byte")
    return value


def optional_string(doc: Mapping[str, Any], key: str, field: str) -> str | None:
    """``doc[key]`` as a string, or None when absent/null."""
    return None if doc.get(key) is None else string(doc, key, field)


def integer(value: Any, field: str, *, low: int, high: int) -> int:
    """A whole number in [low, high]; integral floats (from protobuf Struct) are accepted."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DnsInputError(field, value, f"must be an integer, not {kind_of(value)}")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or not value.is_integer():
            raise DnsInputError(field, value, "must be a whole number")
        value = int(value)
    if not low <= value <= high:
        raise DnsInputError(field, value, f"must be between {low} and {high}")
    return int(value)


def boolean(doc: Mapping[str, Any], key: str, field: str, *, default: bool) -> bool:
    """``doc[key]`` as a bool; ``default`` when absent."""
    value = doc.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise DnsInputError(f"{field}.{key}", value, f"must be true or false, not {kind_of(value)}")
    return value


def sequence(doc: Mapping[str, Any], key: str, field: str, *, required: bool = True,
             limit: int = MAX_ITEMS) -> Sequence[Any]:
    """``doc[key]`` as a list of at most ``limit`` items (empty list if optional and absent)."""
    value: Any = doc.get(key)  # annotated: mypyc infers None here and refuses to compile
    path = f"{field}.{key}"
    if value is None:
        if required:
            raise DnsInputError(path, value, "is required")
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise DnsInputError(path, value, f"must be a list, not {kind_of(value)}")
    if required and not value:
        raise DnsInputError(path, value, "must not be empty")
    if len(value) > limit:
        raise DnsInputError(path, f"<{len(value)} items>", f"has more than {limit} items")
    return value


def strings(doc: Mapping[str, Any], key: str, field: str, *, required: bool = True,
            limit: int = MAX_ITEMS) -> list[str]:
    """``doc[key]`` as a list of non-empty strings."""
    out: list[str] = []
    for index, item in enumerate(sequence(doc, key, field, required=required, limit=limit)):
        path = f"{field}.{key}[{index}]"
        if not isinstance(item, str):
            raise DnsInputError(path, item, f"must be a string, not {kind_of(item)}")
        if not item:
            raise DnsInputError(path, item, "must not be empty")
        if len(item) > MAX_STRING:
            raise DnsInputError(path, item, f"is longer than {MAX_STRING} characters")
        out.append(item)
    return out


def no_unknown_keys(doc: Mapping[str, Any], known: frozenset[str], field: str,
                    ignored: frozenset[str] = frozenset()) -> None:
    """Refuse keys we do not read, so a typo (``hostname:``) is an error, not a silent no-op.

    ``ignored`` keys are not ours to read and pass. The first unknown key *in sorted order* is
    named: a protobuf map's order differs between processes, and every replica of the
    function must refuse one claim with one message.
    """
    unknown = [key for key in doc if key not in known and key not in ignored]
    if unknown:
        key = min(unknown, key=str)
        raise DnsInputError(f"{field}.{key}", doc[key], f"is not a known field (known: {', '.join(sorted(known))})")
