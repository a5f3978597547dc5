"""Protobuf ``Struct`` to Python, for input nobody has validated.

The SDK's ``struct_to_dict`` (json_format) raises on NaN and infinities and recurses
without bound, so a hostile number or a 500-level nest would surface as an internal error.
This reader refuses nesting deeper than any claim needs, naming where, and is faster
besides. A Struct's only number is a double, so a whole number (``ttl: 300``, a weight of
``50``) arrives as ``300.0``; it is read back as the integer the user wrote, so that a refusal
shows ``50``, not ``50.0``. Any other number stays the float it is (the field readers refuse
a fraction or NaN by name).
"""

from __future__ import annotations

from typing import Any

from google.protobuf import struct_pb2

from catalyst_dns.errors import DnsInputError

MAX_DEPTH = 32
MAX_EXACT = 2**53  # a double holds every integer below this exactly


def to_python(value: struct_pb2.Value, path: str, depth: int = 0) -> Any:
    """A Value as plain Python: dict, list, str, int (a whole number), float, bool or None."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() and -MAX_EXACT < number < MAX_EXACT else number
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
