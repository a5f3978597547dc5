"""The request as the function reads it: Crossplane's own state kept as wire bytes until read.

After a claim's first call, most of what Crossplane sends is its own state: every composed
resource as observed and, on the last call of each reconcile, every ownership probe's answer.
For a 1,000-hostname Gslb that is 4.9 and 9.1 MiB, and parsing it into protobuf Structs
(the SDK's request type) is most of the call: in the server ~45 ms for 9.1 MiB, against
~2 ms to find where each resource lies. The function reads little of each: an MR's Ready
condition, a found MR's owner annotation. So the request is parsed with the SDK's own
message, copied, in which a resource that Crossplane observed or fetched for a requirement
(``Resource.resource``) is ``bytes`` instead of a ``Struct``: the same wire format as Go's
marshaller writes it (each field once), read later, and only the part asked for (``field``).
The composite, the desired state, the input and the context keep the SDK's types (the file
is added to the default pool so they can), so ``response.to`` and the claim's reader are
unchanged; a field the SDK adds comes along, as it is copied from the SDK's descriptor.

A resource is checked when it is read, not before: one that protobuf cannot decode is a
refusal naming where it came from (``DnsInputError``); one the function never reads (an MR
that is not ours, the spec of our own) is not looked at, as no reader of its own would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, struct_pb2
from google.protobuf.message import DecodeError

from catalyst_dns.errors import DnsInputError

PACKAGE = "catalyst_dns.function.v1"
_SDK = f".{fnv1.DESCRIPTOR.package}."
_OURS = f".{PACKAGE}."
_BYTES = descriptor_pb2.FieldDescriptorProto.TYPE_BYTES
_STRING = descriptor_pb2.FieldDescriptorProto.TYPE_STRING
_MESSAGE = descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE
_OPTIONAL = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
_REPEATED = descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED


def _copied(message: Any, retyped: dict[str, str]) -> descriptor_pb2.DescriptorProto:
    """The SDK ``message``'s descriptor, its own map entries renamed into our package, ``retyped`` applied.

    ``retyped`` maps a field (``"Entry.value"`` within a nested map entry, or a top-level
    field's name) to its new type: a message of ours, or ``"bytes"``.
    """
    proto = descriptor_pb2.DescriptorProto()
    message.DESCRIPTOR.CopyToProto(proto)
    own = f"{_SDK}{proto.name}."
    applied = set()
    for path, fields in [("", proto.field), *((f"{n.name}.", n.field) for n in proto.nested_type)]:
        for field in fields:
            if field.type_name.startswith(own):  # a map's entry: ours, nested in our copy
                field.type_name = _OURS + field.type_name[len(_SDK):]
            new = retyped.get(path + field.name)
            if new == "bytes":
                field.type = _BYTES
                field.ClearField("type_name")
            elif new is not None:
                field.type_name = _OURS + new
            if new is not None:
                applied.add(path + field.name)
    if applied != set(retyped):  # the SDK renamed a field: fail at import, not on a request
        raise RuntimeError(f"{proto.name}: no field {sorted(set(retyped) - applied)} in the SDK's message")
    return proto


def _message(name: str, *fields: tuple[str, int, int, int, str]) -> descriptor_pb2.DescriptorProto:
    proto = descriptor_pb2.DescriptorProto(name=name)
    for field_name, number, kind, label, type_name in fields:
        field = proto.field.add(name=field_name, number=number, type=kind, label=label)
        if type_name:
            field.type_name = type_name
    return proto


def _object() -> descriptor_pb2.DescriptorProto:
    proto = _message("Object", ("fields", 1, _MESSAGE, _REPEATED, _OURS + "Object.FieldsEntry"))
    entry = proto.nested_type.add(name="FieldsEntry")
    entry.options.map_entry = True
    entry.field.add(name="key", number=1, type=_STRING, label=_OPTIONAL)
    entry.field.add(name="value", number=2, type=_BYTES, label=_OPTIONAL)
    return proto


def _build() -> descriptor_pool.DescriptorPool:
    file = descriptor_pb2.FileDescriptorProto(
        name="catalyst_dns/function/v1/request.proto", package=PACKAGE, syntax="proto3",
        dependency=[fnv1.DESCRIPTOR.name, struct_pb2.DESCRIPTOR.name])
    file.message_type.extend([
        _copied(fnv1.RunFunctionRequest, {"observed": "State", "ExtraResourcesEntry.value": "Resources",
                                          "RequiredResourcesEntry.value": "Resources"}),
        _copied(fnv1.State, {"ResourcesEntry.value": "Resource"}),
        _copied(fnv1.Resources, {"items": "Resource"}),
        _copied(fnv1.Resource, {"resource": "bytes"}),
        # A Struct whose values are left as bytes: one key is found without parsing the others
        # (a Struct is ``map<string, Value> fields = 1``; a map's entry is key 1, value 2).
        _object(),
        # A Value whose object's values are left as bytes (``struct_value`` is field 5 of Value).
        _message("ObjectValue", ("struct_value", 5, _MESSAGE, _OPTIONAL, _OURS + "Object")),
    ])
    pool = descriptor_pool.Default()
    pool.Add(file)
    return pool


_POOL = _build()
Request: Any = message_factory.GetMessageClass(_POOL.FindMessageTypeByName(PACKAGE + ".RunFunctionRequest"))
_Object: Any = message_factory.GetMessageClass(_POOL.FindMessageTypeByName(PACKAGE + ".Object"))
_ObjectValue: Any = message_factory.GetMessageClass(_POOL.FindMessageTypeByName(PACKAGE + ".ObjectValue"))


class Resource(Protocol):
    """A resource Crossplane observed or fetched, as read here: its object's wire bytes."""

    resource: bytes


class Resources(Protocol):
    """What Crossplane fetched for one requirement."""

    items: Sequence[Resource]


def parse(data: bytes) -> Any:
    """A request from its wire bytes (raises ``DecodeError`` as the SDK's type would)."""
    return Request.FromString(data)


def of(req: Any) -> Any:
    """The request as the function reads it, from the SDK's message (tests build those) or as it is.

    The composite is copied as a message (its type is the SDK's in both), not through the
    wire, so a test's composite nested deeper than protobuf decodes reaches the handler as it
    was built.
    """
    if not isinstance(req, fnv1.RunFunctionRequest):
        return req
    rest = fnv1.RunFunctionRequest()
    rest.CopyFrom(req)
    rest.observed.ClearField("composite")
    lean = Request.FromString(rest.SerializeToString())
    if req.observed.HasField("composite"):
        lean.observed.composite.CopyFrom(req.observed.composite)
    return lean


def struct(resource: bytes, where: str) -> struct_pb2.Struct:
    """A resource Crossplane sent, read whole (the settings, a CRD, a rival's MR); ``where`` names it."""
    try:
        return struct_pb2.Struct.FromString(resource)
    except DecodeError as exc:
        raise _undecodable(where, resource, exc) from None


def field(resource: bytes, first: str, *rest: str, where: str) -> struct_pb2.Value | None:
    """The value at ``first, *rest`` (object keys) in a resource Crossplane sent, parsing nothing else.

    None if absent. Each object on the way is read as a map of its keys to their values'
    bytes (parsed in C, looked up by key): the Ready condition of an observed MR reads its
    ``status`` and not its spec or metadata (managedFields), a found MR's owner its
    annotations and nothing else of its metadata. A key given twice on the wire reads as in
    a Struct: the last one wins. ``where`` names the resource in a refusal.

    Two wire forms no marshaller writes (Crossplane's protobuf-go never does) may read
    otherwise than in a Struct: a map entry whose value appears twice (a Struct merges the
    two, this keeps the last) and a Value with two kinds set (a Struct keeps the last one).
    What is read then is absent or of another kind: the MR reads not ready, or its owner
    unknown, and an owner not known to be ours is decided on the MR read whole (``struct``).
    """
    try:
        fields = _Object.FromString(resource).fields
        for key in (first, *rest)[:-1]:
            found = fields.get(key)
            if found is None:
                return None
            fields = _ObjectValue.FromString(found).struct_value.fields
        leaf = fields.get((first, *rest)[-1])
        return None if leaf is None else struct_pb2.Value.FromString(leaf)
    except DecodeError as exc:
        raise _undecodable(where, resource, exc) from None


def decode_reason(exc: DecodeError, limit: int = 120) -> str:
    """Protobuf's words for a decode failure, without the name of our copied type (``_copied``).

    A user reads them in a condition; the name would point them at a type that exists only
    in this process, not in anything Crossplane or the SDK defines.
    """
    return str(exc).split(": ", 1)[-1][:limit]


def _undecodable(where: str, resource: bytes, exc: DecodeError) -> DnsInputError:
    return DnsInputError(where, resource[:24], f"({len(resource)} bytes) could not be decoded as a resource "
                         f"({decode_reason(exc)}): Crossplane sent it malformed or nested deeper than protobuf allows")
