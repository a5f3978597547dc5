"""The request as the function reads it (``function.request``): Crossplane's state kept as bytes.

What is asserted is protobuf's own reading: the lean request carries every field the SDK's
does, and a value found in a resource's bytes is the value the SDK's ``Struct`` holds there.
"""

from __future__ import annotations

from typing import Any

import pytest
from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from google.protobuf import json_format, struct_pb2, unknown_fields

from function import request
from function.fn import respond, run
from function.memo import Memo
from tests.function.engine import all_answered
from tests.function.requests import fatal, xr
from tests.function.requests import request as build

GSLB = {"hostnames": ["a.acme.omantel.example", "b.acme.hz.omantel.example"], "regions": ["fsn", "hel"],
        "strategy": {"type": "failover", "primaryRegion": "fsn"}, "ttl": 60,
        "backendRef": {"kind": "Service", "name": "shop"}}
MR = {"apiVersion": "dns.cloudflare.m.cloudflare.com/v1alpha1", "kind": "Record",
      "metadata": {"name": "mr", "annotations": {"dns.openova.io/owner": "gslb/acme-prod/example", "n": 1.5},
                   "labels": {"a": "b"}, "managedFields": [{"manager": "crossplane", "fieldsV1": {"f:spec": {}}}]},
      "spec": {"forProvider": {"name": "a", "content": "b"}},
      "status": {"conditions": [{"type": "Synced", "status": "True"}, {"type": "Ready", "status": "True"}]}}


def rich_request() -> fnv1.RunFunctionRequest:
    """Every field of the SDK's request set, the retyped ones and the others."""
    req = build(xr("Gslb", GSLB), observed={"mr": MR})
    req.meta.tag = "tag"
    req.desired.composite.resource.update({"status": {"x": 1}})
    req.desired.resources["earlier"].resource.update(MR)
    req.context.update({"apiextensions.crossplane.io/environment": {"a": "b"}})
    req.extra_resources["legacy"].items.add().resource.update(MR)
    req.required_resources["owner-of-x"].items.add().resource.update(MR)
    req.observed.resources["mr"].ready = fnv1.READY_TRUE
    req.observed.resources["mr"].connection_details["k"] = b"v"
    req.credentials["c"].credential_data.data["k"] = b"v"
    req.required_schemas["s"].openapi_v3.update({"type": "object"})
    return req


SDK_TO_LEAN = {fnv1.RunFunctionRequest: "RunFunctionRequest", fnv1.State: "State", fnv1.Resources: "Resources",
               fnv1.Resource: "Resource"}


@pytest.mark.parametrize("sdk", list(SDK_TO_LEAN), ids=lambda m: m.DESCRIPTOR.name)
def test_each_copied_message_has_the_sdks_fields(sdk: Any) -> None:
    """Field by field (name, number, repeated, presence, oneof, map or not): the same message on the wire."""
    lean = request.Request.DESCRIPTOR.file.message_types_by_name[SDK_TO_LEAN[sdk]]

    def shape(descriptor: Any) -> list[tuple[Any, ...]]:
        return sorted((f.name, f.number, f.is_repeated,
                       f.has_presence or f.full_name.endswith("Resource.resource"),  # a Struct kept as bytes
                       f.containing_oneof.name if f.containing_oneof else None,
                       f.message_type.GetOptions().map_entry if f.message_type else False)
                      for f in descriptor.fields)

    assert shape(lean) == shape(sdk.DESCRIPTOR)


def test_the_request_carries_every_field_the_sdk_sent() -> None:
    original = rich_request()
    lean = request.parse(original.SerializeToString())
    assert not unknown_fields.UnknownFieldSet(lean)  # every field read as a field of its own, none kept aside
    assert fnv1.RunFunctionRequest.FromString(lean.SerializeToString()) == original
    assert lean.credentials["c"].credential_data.data["k"] == b"v"
    assert lean.required_schemas["s"].openapi_v3 == original.required_schemas["s"].openapi_v3
    assert struct_pb2.Struct.FromString(lean.observed.resources["mr"].resource) == original.observed.resources[
        "mr"].resource
    assert isinstance(lean.desired, fnv1.State)  # what response.to copies into the response
    # The resources' bytes may list a map's keys in another order: compared as the SDK reads them.
    assert fnv1.RunFunctionRequest.FromString(request.of(original).SerializeToString()) == original


def struct_bytes(doc: dict[str, Any]) -> bytes:
    message = struct_pb2.Struct()
    message.update(doc)
    data: bytes = message.SerializeToString()
    return data


def whole(data: bytes, *path: str) -> struct_pb2.Value | None:
    """The value at ``path`` as the SDK's Struct reads it."""
    fields = struct_pb2.Struct.FromString(data).fields
    value = None
    for depth, key in enumerate(path):
        if key not in fields:
            return None
        value = fields[key]
        if depth < len(path) - 1:
            if value.WhichOneof("kind") != "struct_value":
                return None
            fields = value.struct_value.fields
    return value


@pytest.mark.parametrize("path", [
    ("status",), ("status", "conditions"), ("metadata", "annotations", "dns.openova.io/owner"),
    ("metadata", "annotations", "n"), ("metadata", "annotations", "absent"), ("absent",),
    ("metadata", "name", "below-a-string"), ("spec", "forProvider", "content"), ("kind",),
])
def test_a_value_found_in_the_bytes_is_the_value_the_struct_holds(path: tuple[str, ...]) -> None:
    data = struct_bytes(MR)
    assert request.field(data, *path, where="mr") == whole(data, *path)


def test_a_key_sent_twice_reads_as_protobuf_reads_it_the_last() -> None:
    data = struct_bytes({"status": {"phase": "old"}}) + struct_bytes({"status": {"phase": "new"}})
    assert request.field(data, "status", "phase", where="mr") == whole(data, "status", "phase")
    found = request.field(data, "status", "phase", where="mr")
    assert found is not None and found.string_value == "new"


def test_readiness_and_owner_are_read_from_the_bytes() -> None:
    first = run(build(xr("Gslb", GSLB)), memo=None)
    names = sorted(first.desired.resources)
    ready = {n: {"status": {"conditions": [{"type": "Ready", "status": "True"}]}} for n in names}
    ready[names[0]] = {"status": {"conditions": [{"type": "Ready", "status": "False"}]}}
    rsp = run(all_answered(build(xr("Gslb", GSLB), observed=ready)), memo=None)
    assert {n for n, r in rsp.desired.resources.items() if r.ready == fnv1.READY_TRUE} == set(names[1:])


def test_settings_that_do_not_decode_are_refused_naming_them() -> None:
    req = request.of(build(xr("Gslb", GSLB)))
    req.required_resources["sovereign-dns-settings"].items[0].resource = b"\x0a\x05\x0a\x03ab"  # cut short
    message = fatal(run(req, memo=None))
    assert message is not None and message.startswith("the EnvironmentConfig catalyst-dns: "), message


def test_a_resource_crossplane_sent_that_does_not_decode_is_refused_naming_it() -> None:
    first = run(build(xr("Gslb", GSLB)), memo=None)
    name = sorted(first.desired.resources)[0]
    req = request.of(all_answered(build(xr("Gslb", GSLB))))
    req.observed.resources[name].resource = b"\x0a\x06\x0a\x02\xff\xfe\x12\x00"  # a key that is not UTF-8
    message = fatal(run(req, memo=None))
    assert message is not None and message.startswith(f"observed.resources[{name}]: "), message
    assert "could not be decoded as a resource" in message and "catalyst_dns" not in message
    assert not run(req, memo=None).desired.resources
    assert fatal(run(build(xr("Gslb", GSLB)), memo=None)) is None  # and the next request composes


def test_a_request_the_wire_cannot_carry_is_refused_as_the_server_refuses_it() -> None:
    """A test's SDK request whose context is nested deeper than protobuf decodes: refused, not raised."""
    req = build(xr("Gslb", GSLB))
    value = req.context.fields["deep"]
    for _ in range(500):
        value = value.struct_value.fields["a"]
    value.string_value = "x"
    rsp = run(req, memo=None)
    message = fatal(rsp)
    assert message is not None and message.startswith("request: could not be decoded ("), message
    assert "catalyst_dns" not in message and not rsp.desired.resources
    assert not rsp.HasField("context")  # nothing of what could not be read is echoed
    assert fatal(run(build(xr("Gslb", GSLB)), memo=None)) is None


def test_settings_sent_in_another_key_order_are_the_same_memo_entry() -> None:
    """Go marshals a map in random order: the settings' bytes differ from call to call."""
    memo = Memo()
    req = build(xr("Gslb", GSLB))
    first = respond(req, memo=memo)
    item = req.required_resources["sovereign-dns-settings"].items[0]
    entries = struct_pb2.Struct()
    entries.CopyFrom(item.resource)
    # One Struct, its entries in reverse order: concatenated messages parse as one (maps merge).
    reordered = b"".join(struct_bytes({key: json_format.MessageToDict(entries.fields[key])})
                         for key in reversed(sorted(entries.fields)))
    assert reordered != entries.SerializeToString(deterministic=True)
    assert struct_pb2.Struct.FromString(reordered) == entries
    lean = request.of(req)
    lean.required_resources["sovereign-dns-settings"].items[0].resource = reordered
    assert respond(lean, memo=memo) == first
    assert len(memo) == 1
