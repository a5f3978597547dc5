"""function.wire: JSON-like documents to protobuf wire bytes, checked against protobuf itself.

The reference is the message protobuf builds (``Struct.update``, the SDK's own path): the
wire bytes must parse to exactly that message and, with map entries in sorted order, be
byte-identical to its deterministic serialisation.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from enum import Enum, IntEnum, StrEnum
from typing import Any

import pytest
from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from google.protobuf import duration_pb2, struct_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from function import wire
from function.fn import run
from function.structs import struct_to_python
from tests.function.requests import fatal, request, xr

SETTINGS = "sovereign-dns-settings"

# --- strategies -------------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)  # no lone surrogates
KEYS = st.one_of(st.sampled_from(["", "a", "apiVersion", "kind", "metadata", "spec", "é", "日本", "a\x00b"]), TEXT)
NUMBERS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**64),
    st.integers(min_value=-(10**30), max_value=10**30),  # beyond 2**53: rounded to a double like protobuf does
    st.floats(allow_nan=False),  # NaN never equals itself as a message; its bytes are tested below
)
LEAVES = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(children, max_size=5), st.dictionaries(KEYS, children, max_size=5))


VALUES = st.recursive(LEAVES, containers, max_leaves=30)
DOCS = st.dictionaries(KEYS, VALUES, max_size=6)


def reference(doc: dict[str, Any]) -> struct_pb2.Struct:
    """The message the protobuf runtime builds for ``doc``."""
    message = struct_pb2.Struct()
    message.update(doc)
    return message


def parsed(data: bytes) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.ParseFromString(data)
    return message


def has_empty_container(node: Any) -> bool:
    if isinstance(node, dict):
        return any((not v and isinstance(v, dict | list)) or has_empty_container(v) for v in node.values())
    if isinstance(node, list):
        return any((not v and isinstance(v, dict | list)) or has_empty_container(v) for v in node)
    return False


# --- Struct, Value, ListValue: properties ---------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(DOCS)
def test_struct_bytes_are_protobufs_deterministic_bytes(doc: dict[str, Any]) -> None:
    expected = reference(doc)
    data = wire.encode_struct(doc)
    assert data == expected.SerializeToString(deterministic=True)
    assert parsed(data) == expected


def doc_as_floats(node: Any) -> Any:
    """``node`` as a Struct gives it back: numbers as floats, tuples as lists."""
    if isinstance(node, dict):
        return {k: doc_as_floats(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [doc_as_floats(v) for v in node]
    if isinstance(node, int) and not isinstance(node, bool):
        return float(node)
    return node


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_value_bytes_are_protobufs(value: Any) -> None:
    expected = struct_pb2.Value()
    holder = struct_pb2.Struct()
    holder.update({"v": value})
    expected.CopyFrom(holder.fields["v"])
    assert wire.encode_value(value) == expected.SerializeToString(deterministic=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(VALUES, max_size=8))
def test_list_bytes_are_protobufs(items: list[Any]) -> None:
    expected = struct_pb2.ListValue()
    expected.extend(items)
    assert wire.encode_list(items) == expected.SerializeToString(deterministic=True)
    assert wire.encode_list(tuple(items)) == wire.encode_list(items)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=st.characters(codec="utf-8"), min_size=60, max_size=400), VALUES),
                max_size=6))
def test_list_of_long_strings_and_encoded_values_is_protobufs(items: list[Any]) -> None:
    # Strings past the looked-up lengths (256 bytes; multi-byte characters get there sooner)
    # and values already encoded, as a large claim's status lists hold them.
    expected = struct_pb2.ListValue()
    expected.extend(items)
    encoded = [wire.Encoded.of(item) if index % 2 else item for index, item in enumerate(items)]
    assert wire.encode_list(encoded) == expected.SerializeToString(deterministic=True)


# --- Struct, Value, ListValue: targeted -----------------------------------------------------


def test_empty_containers_stay_lists_and_objects() -> None:
    # The Struct writer the encoder replaced never set the oneof for an empty container (a
    # null in Crossplane); the encoder writes them as protobuf's Struct.update does.
    doc: dict[str, Any] = {"list": [], "object": {}, "nested": [[], {}]}
    data = wire.encode_struct(doc)
    assert data == reference(doc).SerializeToString(deterministic=True)
    assert struct_to_python(parsed(data)) == doc
    assert parsed(data).fields["list"].WhichOneof("kind") == "list_value"


@pytest.mark.parametrize("number", [0, -0.0, 1, -1, 2**53 + 1, 10**300, 1e-320, math.inf, -math.inf, 0.1])
def test_numbers_are_doubles(number: float) -> None:
    expected = struct_pb2.Value(number_value=number)
    assert wire.encode_value(number) == expected.SerializeToString(deterministic=True)
    assert wire.encode_value(number) == wire.encode_value(float(number))


def test_nan_keeps_its_bits() -> None:
    expected = struct_pb2.Value(number_value=math.nan)
    assert wire.encode_value(math.nan) == expected.SerializeToString(deterministic=True)


def test_int_too_large_for_a_double_raises() -> None:
    with pytest.raises(OverflowError):
        wire.encode_value(10**400)


def test_defaults_are_written_because_value_is_a_oneof() -> None:
    assert wire.encode_value("") == b"\x1a\x00"
    assert wire.encode_value(False) == b"\x20\x00"
    assert wire.encode_value(0) == b"\x11" + bytes(8)
    assert wire.encode_value(None) == b"\x08\x00"


def test_long_strings_and_lists_take_multi_byte_lengths() -> None:
    doc = {"big": "x" * 70_000, "many": list(range(3_000)), "wide": {f"k{i}": i for i in range(2_000)}}
    assert wire.encode_struct(doc) == reference(doc).SerializeToString(deterministic=True)
    for n in (1, 127, 128, 16_383, 16_384, 2**21, 2**35, 2**63 - 1):
        assert wire.varint(n) == duration_pb2.Duration(seconds=n).SerializeToString()[1:]  # int64 field 1
    assert wire.varint(0) == b"\x00"
    with pytest.raises(ValueError):
        wire.varint(-1)


def test_subclasses_encode_like_their_base() -> None:
    class Kind(StrEnum):
        A = "a"

    class Count(IntEnum):
        TWO = 2

    class Legacy(str, Enum):  # noqa: UP042 - the mixin whose str() is "Legacy.B"; protobuf takes "b"
        B = "b"

    doc = {"kind": Kind.A, "count": Count.TWO, "ordered": OrderedDict([("b", 1), ("a", 2)]),
           "tuple": ("x", True), "legacy": Legacy.B}
    plain = {"kind": "a", "count": 2, "ordered": {"b": 1, "a": 2}, "tuple": ["x", True], "legacy": "b"}
    assert wire.encode_struct(doc) == wire.encode_struct(plain)
    assert parsed(wire.encode_struct(doc)) == reference(plain) == reference(doc)
    template = wire.Template({"kind": wire.Hole("kind"), "legacy": wire.Hole("legacy", text=True)})
    assert template(kind=Legacy.B, legacy=Legacy.B) == wire.encode_struct({"kind": "b", "legacy": "b"})


@pytest.mark.parametrize("bad", [{1, 2}, b"bytes", object()])
def test_other_types_are_refused(bad: Any) -> None:
    with pytest.raises(TypeError, match="cannot put"):
        wire.encode_struct({"x": bad})


def test_keys_must_be_strings() -> None:
    with pytest.raises(TypeError):
        wire.encode_struct({1: "x"})  # type: ignore[dict-item]


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(UnicodeEncodeError):
        wire.encode_struct({"x": "\ud800"})


@settings(max_examples=200, deadline=None)
@given(DOCS, DOCS)
def test_encoded_values_splice_as_the_document(outer: dict[str, Any], inner: dict[str, Any]) -> None:
    doc = {**outer, "inner": inner, "list": [inner, 1]}
    spliced = {**outer, "inner": wire.Encoded.of(inner), "list": [wire.Encoded.struct(wire.encode_struct(inner)), 1]}
    assert wire.encode_struct(spliced) == wire.encode_struct(doc)


# --- templates ---------------------------------------------------------------------------


def fast(encoder: wire.Template | wire.Shape, values: Any) -> bytes:
    """The bytes of ``encoder``'s own program, never the generic encoder's.

    Values of the shape it was assembled for must not need the fallback: a program that
    always fell back would still pass every test of the bytes alone.
    """
    return encoder._program.render(values)


def punch(draw: Any, node: Any, values: dict[str, Any], top: bool = False) -> Any:
    """``node`` with some of its values replaced by holes (the originals kept in ``values``)."""
    if not top and draw(st.booleans()):
        name = f"h{len(values)}"
        values[name] = node
        return wire.Hole(name)
    if isinstance(node, dict):
        return {k: punch(draw, v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [punch(draw, v, values) for v in node]
    return node


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS, st.data())
def test_template_filled_is_the_document(doc: dict[str, Any], data: st.DataObject) -> None:
    values: dict[str, Any] = {}
    template = wire.Template(punch(data.draw, doc, values, top=True))
    assert set(template.holes) == set(values)
    assert template(**values) == wire.encode_struct(doc)
    assert template(**values) == reference(doc).SerializeToString(deterministic=True)
    assert fast(template, values) == wire.encode_struct(doc)


@settings(max_examples=100, deadline=None)
@given(VALUES, VALUES)
def test_template_holes_take_any_value(first: Any, second: Any) -> None:
    template = wire.Template({"spec": {"a": wire.Hole("a"), "const": [1, "x"], "items": [wire.Hole("b"), None]}})
    for a, b in ((first, second), (second, first)):
        expected = {"spec": {"a": a, "const": [1, "x"], "items": [b, None]}}
        assert template(a=a, b=b) == wire.encode_struct(expected)
    assert template(a=wire.Encoded.of(first), b=second) == template(a=first, b=second)


@settings(max_examples=100, deadline=None)
@given(VALUES, VALUES)
def test_text_holes_take_any_value_all_the_same(first: Any, second: Any) -> None:
    # A hole promised a string is encoded without a type check; anything else it is given
    # (a number, a list, an Encoded, a string subclass) still comes out as encode_struct's bytes.
    template = wire.Template({"metadata": {"name": wire.Hole("a", text=True)}, "items": [wire.Hole("b", text=True)]})
    for a, b in ((first, second), (second, first), ("plain", first)):
        assert template(a=a, b=b) == wire.encode_struct({"metadata": {"name": a}, "items": [b]})
    assert template(a=wire.Encoded.of(first), b="x") == template(a=first, b="x")


def test_template_checks_its_holes() -> None:
    template = wire.Template({"a": wire.Hole("a"), "b": {"c": wire.Hole("c")}})
    assert template.holes == ("a", "c")
    with pytest.raises(KeyError, match="missing"):
        template(a="x")
    with pytest.raises(KeyError, match="unknown"):
        template(a="x", c="y", d="z")
    with pytest.raises(ValueError, match="twice"):
        wire.Template({"a": wire.Hole("a"), "b": wire.Hole("a")})


def test_template_without_holes_is_constant() -> None:
    doc = {"apiVersion": "v1", "kind": "X", "spec": {"n": 1, "l": [True, None]}}
    assert wire.Template(doc)() == wire.encode_struct(doc)


# --- RunFunctionResponse framing --------------------------------------------------------------

MANIFEST: dict[str, Any] = {"apiVersion": "dns.cloudflare.m.cloudflare.com/v1alpha1", "kind": "DNSRecord",
            "metadata": {"name": "cname-app-0001", "labels": {"dns.openova.io/type": "cname"}},
            "spec": {"forProvider": {"name": "app.example", "ttl": 60, "proxied": False, "content": "x.gslb"},
                     "providerConfigRef": {"kind": "ProviderConfig", "name": "cloudflare"}}}


def expected_response() -> fnv1.RunFunctionResponse:
    """A response of every part we splice, built with the protobuf runtime."""
    rsp = fnv1.RunFunctionResponse()
    rsp.meta.tag = "tag-1"
    rsp.meta.ttl.seconds = 60
    rsp.desired.composite.resource.update({"status": {"fqdns": ["a.example", "b.example"], "records": []}})
    for index, ready in enumerate((fnv1.READY_FALSE, fnv1.READY_TRUE, fnv1.READY_FALSE)):
        manifest = {**MANIFEST, "metadata": {**MANIFEST["metadata"], "name": f"mr-{index}"}}
        item = rsp.desired.resources[f"mr-{index}"]
        item.resource.update(manifest)
        item.ready = ready
    probe = rsp.requirements.resources["owner-of-abc-123456"]
    probe.api_version, probe.kind = "dns.cloudflare.m.cloudflare.com/v1alpha1", "DNSRecord"
    probe.match_labels.labels["dns.openova.io/name"] = "abc"
    settings_selector = rsp.requirements.resources["sovereign-dns-settings"]
    settings_selector.api_version, settings_selector.kind = "apiextensions.crossplane.io/v1beta1", "EnvironmentConfig"
    settings_selector.match_name = "catalyst-dns"
    result = rsp.results.add()
    result.severity, result.message = fnv1.SEVERITY_NORMAL, "ok"
    condition = rsp.conditions.add()
    condition.type, condition.status, condition.reason = "DNSRecordsReady", fnv1.STATUS_CONDITION_FALSE, "Creating"
    return rsp


def wire_parts() -> tuple[bytes, bytes]:
    """The desired state and the requirements of ``expected_response``, from wire pieces."""
    entries = []
    for index, ready in enumerate((wire.READY_FALSE, wire.READY_TRUE, wire.READY_FALSE)):
        manifest = {**MANIFEST, "metadata": {**MANIFEST["metadata"], "name": f"mr-{index}"}}
        entries.append(wire.resource_entry(f"mr-{index}", wire.encode_struct(manifest), ready))
    composite = wire.encode_struct({"status": {"fqdns": ["a.example", "b.example"], "records": []}})
    requirements = wire.requirements([
        wire.selector_entry("owner-of-abc-123456", "dns.cloudflare.m.cloudflare.com/v1alpha1", "DNSRecord",
                            match_labels={"dns.openova.io/name": "abc"}),
        wire.selector_entry("sovereign-dns-settings", "apiextensions.crossplane.io/v1beta1", "EnvironmentConfig",
                            match_name="catalyst-dns"),
    ])
    return wire.desired(composite, entries), requirements


def test_response_in_field_order_is_protobufs_deterministic_bytes() -> None:
    expected = expected_response()
    desired, requirements = wire_parts()
    data = (wire.message_field(1, expected.meta.SerializeToString(deterministic=True)) + desired
            + b"".join(wire.message_field(3, r.SerializeToString(deterministic=True)) for r in expected.results)
            + requirements
            + b"".join(wire.message_field(6, c.SerializeToString(deterministic=True)) for c in expected.conditions))
    assert data == expected.SerializeToString(deterministic=True)
    got = fnv1.RunFunctionResponse()
    got.ParseFromString(data)
    assert got == expected


def test_head_then_wire_pieces_parse_to_the_response() -> None:
    # A per-call head serialised by protobuf, then the memoised pieces: maps from both merge.
    expected = expected_response()
    head = fnv1.RunFunctionResponse()
    head.CopyFrom(expected)
    head.ClearField("desired")
    del head.requirements.resources["owner-of-abc-123456"]
    desired, _ = wire_parts()
    probes = wire.requirements([wire.selector_entry(
        "owner-of-abc-123456", "dns.cloudflare.m.cloudflare.com/v1alpha1", "DNSRecord",
        match_labels={"dns.openova.io/name": "abc"})])
    got = fnv1.RunFunctionResponse()
    got.ParseFromString(head.SerializeToString() + desired + probes)
    assert got == expected


def test_an_entrys_readiness_is_its_last_byte() -> None:
    """What ``Composition.mixed`` relies on: pending and ready entries differ in the last byte alone."""
    struct = wire.encode_struct(MANIFEST)
    pending = wire.resource_entry("mr", struct, wire.READY_FALSE)
    ready = wire.resource_entry("mr", struct, wire.READY_TRUE)
    assert pending[:-1] == ready[:-1]
    assert (pending[-1], ready[-1]) == (wire.READY_FALSE, wire.READY_TRUE)
    state = fnv1.State()
    state.ParseFromString(wire.state(None, [pending[:-1] + bytes([wire.READY_TRUE])]))
    assert state.resources["mr"].ready == fnv1.READY_TRUE


def test_ready_values_are_the_sdks() -> None:
    assert (wire.READY_UNSPECIFIED, wire.READY_TRUE, wire.READY_FALSE) == (
        fnv1.READY_UNSPECIFIED, fnv1.READY_TRUE, fnv1.READY_FALSE)


@pytest.mark.parametrize("kwargs", [
    {"match_name": ""},
    {"match_name": "x", "namespace": ""},
    {"match_labels": {}},
    {"match_labels": {"": "", "b": "2", "a": "1"}, "namespace": "ns"},
])
@pytest.mark.parametrize(("api_version", "kind"), [("", ""), ("v1", ""), ("", "K"), ("v1", "K")])
@pytest.mark.parametrize("extra", [False, True])
def test_selector_entries_are_protobufs(kwargs: dict[str, Any], api_version: str, kind: str, extra: bool) -> None:
    expected = fnv1.Requirements()
    selector = (expected.extra_resources if extra else expected.resources)["req"]
    selector.api_version, selector.kind = api_version, kind
    if "match_name" in kwargs:
        selector.match_name = kwargs["match_name"]
    else:
        selector.match_labels.SetInParent()
        selector.match_labels.labels.update(kwargs["match_labels"])
    if "namespace" in kwargs:
        selector.namespace = kwargs["namespace"]
    map_field = wire.REQUIREMENTS_EXTRA_RESOURCES if extra else wire.REQUIREMENTS_RESOURCES
    data = wire.selector_entry("req", api_version, kind, **kwargs, map_field=map_field)
    assert data == expected.SerializeToString(deterministic=True)


def upb_key_order(keys: list[str]) -> list[str]:
    """The order upb's deterministic serialisation writes ``keys`` in, read back from its bytes."""
    message = struct_pb2.Struct()
    message.update(dict.fromkeys(keys))
    data, at, order = message.SerializeToString(deterministic=True), 0, []

    def varint() -> int:
        nonlocal at
        value = shift = 0
        while True:
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    while at < len(data):
        assert data[at] == 0x0A  # Struct.fields
        at += 1
        end = varint()
        end += at
        assert data[at] == 0x0A  # the entry's key
        at += 1
        size = varint()
        order.append(data[at:at + size].decode())
        at = end
    return order


def test_map_order_is_upbs() -> None:
    keys = ["b", "ab", "", "a", "abc", "ac", "é", "z", "a\x00b", "\U0010ffff", "a\U0010ffff"]
    assert wire.map_order(keys) == upb_key_order(keys)
    assert wire.encode_struct(dict.fromkeys(keys)) == struct_from(keys).SerializeToString(deterministic=True)
    assert wire.map_order(["a", "ab"]) == ["ab", "a"]  # upb: a key before its own prefixes
    assert wire.map_order(["a", ""]) == ["a", ""]  # the empty key is a prefix of every key
    assert wire.map_order(["b", "a"]) == ["a", "b"]


def struct_from(keys: list[str]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(dict.fromkeys(keys))
    return message


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab\x00é", max_size=4), unique=True, max_size=12))
def test_map_order_is_upbs_for_keys_that_prefix_each_other(keys: list[str]) -> None:
    assert wire.map_order(keys) == upb_key_order(keys)


@settings(max_examples=200, deadline=None)
@given(TEXT, TEXT, TEXT, TEXT, st.text(alphabet=st.characters(codec="utf-8"), max_size=300), st.booleans())
def test_label_selector_is_selector_entry(api_version: str, kind: str, label: str, requirement: str, value: str,
                                          extra: bool) -> None:
    map_field = wire.REQUIREMENTS_EXTRA_RESOURCES if extra else wire.REQUIREMENTS_RESOURCES
    fast = wire.LabelSelector(api_version, kind, label, map_field=map_field).entry
    assert fast(requirement, value) == wire.selector_entry(requirement, api_version, kind,
                                                           match_labels={label: value}, map_field=map_field)
    # The same lengths again (reversed text has the same UTF-8 length): framed from the remembered lengths.
    assert fast(requirement[::-1], value[::-1]) == wire.selector_entry(
        requirement[::-1], api_version, kind, match_labels={label: value[::-1]}, map_field=map_field)


def test_selector_needs_one_match() -> None:
    with pytest.raises(ValueError):
        wire.selector_entry("req", "v1", "K")
    with pytest.raises(ValueError):
        wire.selector_entry("req", "v1", "K", match_name="a", match_labels={"a": "b"})


# --- against today's composition --------------------------------------------------------------

LARGE_ENOUGH = {"hostnames": [f"app{i}.acme.omantel.example" if i % 2 else f"app{i}.acme.hz.omantel.example"
                              for i in range(12)],
                "regions": ["fsn", "hel"], "strategy": {"type": "failover", "primaryRegion": "fsn"}, "ttl": 60,
                "backendRef": {"kind": "HTTPRoute", "name": "shop"}}


@pytest.mark.parametrize(("kind", "spec", "fn_input"), [
    ("Gslb", LARGE_ENOUGH, {"k8gb": {"enabled": True}}),
    ("DNSRecord", {"name": "_dmarc.acme.omantel.example", "type": "TXT", "values": ["v=DMARC1; p=reject"]}, None),
    ("DNSRoute", {"hostnames": ["api.acme.aws.omantel.example", "api.acme.az.omantel.example"],
                  "targets": {"addresses": ["203.0.113.10", "2001:db8::10"]}}, None),
])
def test_todays_responses_rebuilt_from_wire_pieces(kind: str, spec: dict[str, Any],
                                                  fn_input: dict[str, Any] | None) -> None:
    """Every desired resource and requirement of a real response, re-encoded, gives its bytes back."""
    req = request(xr(kind, spec), fn_input=fn_input)
    req.extra_resources[SETTINGS].CopyFrom(req.required_resources[SETTINGS])  # either channel answers
    rsp = run(req, memo=None)
    assert fatal(rsp) is None and rsp.desired.resources
    resources = rsp.desired.resources
    entries = [wire.resource_entry(name, wire.encode_struct(struct_to_python(resources[name].resource)),
                                   resources[name].ready) for name in wire.map_order(resources)]
    composite = wire.encode_struct(struct_to_python(rsp.desired.composite.resource))
    assert wire.state(composite, entries) == rsp.desired.SerializeToString(deterministic=True)

    selectors = []
    for map_field, selected in ((wire.REQUIREMENTS_EXTRA_RESOURCES, rsp.requirements.extra_resources),
                                (wire.REQUIREMENTS_RESOURCES, rsp.requirements.resources)):
        for name in wire.map_order(selected):
            selector = selected[name]
            match = ({"match_name": selector.match_name} if selector.WhichOneof("match") == "match_name"
                     else {"match_labels": dict(selector.match_labels.labels)})
            namespace = selector.namespace if selector.HasField("namespace") else None
            selectors.append(wire.selector_entry(name, selector.api_version, selector.kind, **match,
                                                 namespace=namespace, map_field=map_field))
    assert len(selectors) > 1
    requirements = fnv1.Requirements()
    requirements.CopyFrom(rsp.requirements)
    requirements.ClearField("schemas")  # not written by wire
    assert wire.requirements(selectors) == wire.message_field(5, requirements.SerializeToString(deterministic=True))

    ready = [entry[:-1] + bytes([wire.READY_TRUE]) for entry in entries]  # as Composition.mixed flips them
    state = fnv1.State()
    state.ParseFromString(wire.state(composite, ready))
    assert {item.ready for item in state.resources.values()} == {fnv1.READY_TRUE}


# --- Shape: an encoder compiled for one document shape ----------------------------------------


@settings(max_examples=300, deadline=None)
@given(DOCS, DOCS)
def test_shape_encodes_any_document_as_encode_struct(reference_doc: dict[str, Any], doc: dict[str, Any]) -> None:
    # Compiled from one document, used on another of any shape: the same bytes either way.
    shape = wire.Shape(reference_doc)
    assert shape(reference_doc) == wire.encode_struct(reference_doc)
    assert fast(shape, (reference_doc,)) == wire.encode_struct(reference_doc)
    assert shape(doc) == wire.encode_struct(doc)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(LEAVES, LEAVES), min_size=1, max_size=6))
def test_shape_leaf_memo_never_confuses_equal_values_of_other_types(leaves: list[tuple[Any, Any]]) -> None:
    # True == 1 == 1.0 and 0.0 == -0.0, but each encodes differently: the memo must not mix them.
    shape = wire.Shape({"a": {"b": "x", "c": 1}})
    for b, c in leaves:
        doc = {"a": {"b": b, "c": c}}
        assert shape(doc) == wire.encode_struct(doc)


def test_shape_falls_back_for_other_keys_and_types() -> None:
    reference_doc = {"metadata": {"name": "a", "labels": {"x": "1"}}, "spec": {"ttl": 60}}
    shape = wire.Shape(reference_doc)
    for doc in ({"metadata": {"name": "a", "labels": {"y": "1"}}, "spec": {"ttl": 60}},
                {"metadata": {"name": "a", "labels": {"x": "1", "z": "2"}}, "spec": {"ttl": 60}},
                {"metadata": ["not", "a", "dict"], "spec": {"ttl": 60}},
                {"metadata": {"name": "a", "labels": {}}, "spec": {"ttl": 60}},
                {"metadata": {"name": "a", "labels": {"x": "1"}}, "spec": {"ttl": 60}, "extra": None}):
        assert shape(doc) == wire.encode_struct(doc)


@pytest.mark.parametrize("size", [127, 128, 16_383 - 2, 16_383, 16_384, 20_000, 3_000_000])
def test_compiled_encoders_take_lengths_beyond_their_varint_table(size: int) -> None:
    # The compiled code looks varints up in a table of lengths below 16 KiB; a longer string,
    # or a message that grows past it around a short one, goes to the generic encoder.
    long = "x" * size
    doc = {"metadata": {"name": long, "labels": {"a": "b"}}, "spec": {"items": [long, 1], "ttl": 60}}
    template = wire.Template({"metadata": {"name": wire.Hole("name"), "labels": {"a": "b"}},
                              "spec": {"items": [wire.Hole("item"), 1], "ttl": 60}})
    assert template(name=long, item=long) == wire.encode_struct(doc)
    assert template(name="short", item=long) == wire.encode_struct(
        {"metadata": {"name": "short", "labels": {"a": "b"}}, "spec": {"items": [long, 1], "ttl": 60}})
    shape = wire.Shape({"metadata": {"name": "n", "labels": {"a": "b"}}, "spec": {"items": ["i", 1], "ttl": 60}})
    assert shape(doc) == wire.encode_struct(doc)


# --- Shaped holes and resource-entry forms -----------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS, DOCS, DOCS, st.sampled_from([wire.READY_FALSE, wire.READY_TRUE, wire.READY_UNSPECIFIED]), TEXT)
def test_shaped_hole_and_entry_form_write_the_filled_document(outer: dict[str, Any], inner_reference: dict[str, Any],
                                                              inner: dict[str, Any], ready: int, name: str) -> None:
    # A Shaped hole compiled from one document and filled with another of any shape (its own
    # or not): the bytes are the filled document's, bare or framed as a resource entry.
    doc = {**outer, "name": wire.Hole("name"), "spec": {"forProvider": wire.Shaped("fp", inner_reference)}}
    for value in (inner_reference, inner):
        filled = {**outer, "name": name, "spec": {"forProvider": value}}
        assert wire.Template(doc)(name=name, fp=value) == wire.encode_struct(filled)
        form = wire.Template(doc, entry=("name", ready))
        assert form(name=name, fp=value) == wire.resource_entry(name, wire.encode_struct(filled), ready)
    filled = {**outer, "name": name, "spec": {"forProvider": inner_reference}}
    assert fast(wire.Template(doc, entry=("name", ready)), {"name": name, "fp": inner_reference}) == (
        wire.resource_entry(name, wire.encode_struct(filled), ready))


def test_entry_form_past_the_varint_table_and_its_key() -> None:
    form = wire.Template({"metadata": {"name": wire.Hole(0)}, "spec": wire.Shaped(1, {"v": "x"})},
                         entry=(0, wire.READY_FALSE))
    for name, value in (("n" * 20_000, "v"), ("n", "v" * 20_000), ("n", 1)):
        expected = wire.encode_struct({"metadata": {"name": name}, "spec": {"v": value}})
        assert form.fill((name, {"v": value})) == wire.resource_entry(name, expected, wire.READY_FALSE)
    with pytest.raises(KeyError, match="not a hole"):
        wire.Template({"a": wire.Hole("a")}, entry=("b", wire.READY_FALSE))


@settings(max_examples=100, deadline=None)
@given(st.lists(DOCS, max_size=5))
def test_struct_list_is_the_list_of_those_structs(docs: list[dict[str, Any]]) -> None:
    assert wire.struct_list([wire.encode_struct(doc) for doc in docs]) == wire.Encoded.of(docs)


def test_struct_list_frames_a_struct_past_the_table_of_short_heads() -> None:
    docs = [{"a": "x" * 70_000}, {}, {"b": True}]
    assert wire.struct_list([wire.encode_struct(doc) for doc in docs]) == wire.Encoded.of(docs)


def test_label_selector_frames_are_exact_for_long_values() -> None:
    """Frames are remembered by both lengths: a long value never lends its frame to a short one."""
    selector = wire.LabelSelector("v1", "K", "l")
    for requirement, value in (("a", "x" * 65_538), ("b", "xy"), ("", "z" * 65_536), ("c", "")):
        assert selector.entry(requirement, value) == wire.selector_entry(requirement, "v1", "K",
                                                                          match_labels={"l": value})
