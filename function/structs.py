"""Protobuf ``Struct`` to Python, for input nobody has validated.

The SDK's ``struct_to_dict`` (json_format) raises on NaN and infinities and recurses
without bound, so a hostile number or a 500-level nest would surface as an internal error.
This reader keeps every number as the float it is (the field readers refuse NaN by name),
refuses nesting deeper than any claim needs, naming where, and is faster besides.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import struct_pb2

from catalyst_dns.errors import DnsInputError

MAX_DEPTH = 32


def to_python(value: struct_pb2.Value, path: str, depth: int = 0) -> Any:
    """A Value as plain Python: dict, list, str, float, bool or None."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        return value.number_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return struct_to_python(value.struct_value, path, depth + 1)
    if kind == "list_value":
        if depth + 1 > MAX_DEPTH:
            raise DnsInputError(path, "<nested list>", f"is nested deeper than {MAX_DEPTH} levels")
        return [to_python(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value.list_value.values)]
    return None


def struct_to_python(struct: struct_pb2.Struct, path: str = "", depth: int = 0) -> dict[str, Any]:
    """A Struct as a dict; ``path`` prefixes the field names in errors."""
    if depth > MAX_DEPTH:
        raise DnsInputError(path, "<nested object>", f"is nested deeper than {MAX_DEPTH} levels")
    prefix = f"{path}." if path else ""
    fields = struct.fields  # by key: a map's ``items()`` is collections.abc's generator, in Python
    return {key: to_python(fields[key], f"{prefix}{key}", depth) for key in fields}
