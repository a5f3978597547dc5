"""Translate: a checked plan into managed resources, held as protobuf wire bytes.

Translation is pure: everything that can refuse a claim happened in planning. ``build``
turns a plan into a ``Composition`` that depends only on the claim and the settings —
each composed resource encoded once, straight to the wire form of its ``desired.resources``
entry (``function.wire``), so a claim Crossplane reconciles again and again is translated
once and never exists as a protobuf message. What changes between calls (readiness from
what Crossplane observed) is a byte flip per entry (``Composition.mixed``).
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping
from typing import Any, cast

from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from google.protobuf import struct_pb2

from catalyst_dns import k8gb, kubenames
from catalyst_dns.providers import Scope, provider_for
from catalyst_dns.providers.base import Composed, Marks, envelope, record_set_ids
from catalyst_dns.records import RecordSet
from function import request, wire
from function.claims import Composite
from function.conflicts import MARK_ANNOTATIONS, MARK_LABELS, TYPE_MARK, Probes, mark_values
from function.plan import K8gbIntent, Plan

READY_CONDITION = "Ready"
KUBERNETES_OBJECT = {
    Scope.NAMESPACED: "kubernetes.m.crossplane.io/v1alpha1",
    Scope.CLUSTER: "kubernetes.crossplane.io/v1alpha2",
}


class Composition:
    """A claim's composed resources, status and conflict probes, independent of observed state.

    ``pending`` is the response's ``desired`` field with every resource pending
    (``READY_FALSE``), entries in the order protobuf's deterministic serialisation writes
    them; a response carries it after its per-call head (the wire format merges
    concatenated messages). Each entry ends with its ready value (``wire.resource_entry``),
    at ``ready_at``: readiness is a byte flip, never a re-encoding.

    It is kept as its parts until a second call needs it whole (``pending_parts``): the
    first call's response joins them with its head anyway, and a large claim's ``desired``
    joined first and copied into the response after costs a copy of megabytes and their
    fresh pages (~0.3 ms of a 1,000-hostname claim's first composition).
    """

    __slots__ = ("_lookup", "_parts", "_pending", "_ready", "names", "owner", "probes", "ready_at", "size_bytes",
                 "status")

    def __init__(self, owner: str, names: tuple[str, ...], parts: list[bytes], ready_at: tuple[int, ...],
                 status: bytes, probes: Probes) -> None:
        self.owner = owner  # the composite's owner (``Composite.owner``): its identity is part of the memo key
        self.names = names  # the composed resources, in the order of the entries
        self.ready_at = ready_at  # where each entry's ready value sits in ``pending``
        self.status = status  # a serialized Struct: our keys of the composite's status
        self.probes = probes
        self.size_bytes = sum(len(part) for part in parts)  # of ``pending``
        self._parts: list[bytes] | None = parts
        self._pending: bytes | None = None
        self._ready: bytes | None = None
        self._lookup: frozenset[str] | None = None

    def __contains__(self, name: str) -> bool:
        if self._lookup is None:
            self._lookup = frozenset(self.names)
        return name in self._lookup

    @property
    def pending(self) -> bytes:
        """``desired`` with every resource pending, joined once (its parts dropped then)."""
        pending = self._pending
        if pending is None:
            parts = self._parts
            # None: another thread joined them since ``_pending`` was read (it sets ``_pending`` first).
            pending = self._pending if parts is None else b"".join(parts)
            assert pending is not None
            self._pending = pending
            self._parts = None
        return pending

    def pending_parts(self) -> list[bytes]:
        """``pending`` as parts to join into a response: itself, once joined."""
        parts = self._parts  # read once: another thread may join them meanwhile
        return [self.pending] if parts is None else parts

    @property
    def ready(self) -> bytes:
        """``desired`` with every resource ready (a claim at rest: kept, it is most calls' answer)."""
        if self._ready is None:
            self._ready = self.mixed(set(self.names))
        return self._ready

    def mixed(self, ready: set[str]) -> bytes:
        """``desired`` with the resources in ``ready`` ready and the others pending."""
        out = bytearray(self.pending)
        for name, at in zip(self.names, self.ready_at, strict=True):
            if name in ready:
                out[at] = wire.READY_TRUE
        return bytes(out)

    @property
    def size(self) -> int:
        """Rough memory held, for the memo's bound (the ready form and one probe set counted ahead)."""
        return 2 * self.size_bytes + len(self.status) + 400 * len(self.probes) + 100 * len(self.names)


def status(plan: Plan, records: list[bytes]) -> dict[str, Any]:
    """The composite's status: the names it owns and the provider records behind them.

    ``records`` are the status records of ``plan.record_sets`` in order (``status_record``),
    encoded as the record sets are translated.
    """
    out: dict[str, Any] = {"fqdns": sorted({rs.name for rs, _ in plan.record_sets}),
                           "records": wire.struct_list(records)}
    if plan.gslb_names:
        out["gslbNames"] = list(plan.gslb_names)
    return out


def status_record(record_set: RecordSet, kind: str, resources: tuple[str, ...]) -> bytes:
    """One record of the status, as Struct bytes: a record set and the ``kind/name`` of its MRs (of ``kind``)."""
    resource = f"{kind}/{resources[0]}" if len(resources) == 1 else ", ".join(f"{kind}/{r}" for r in resources)
    return _STATUS_RECORD.fill(
        (record_set.name, str(record_set.type), record_set.zone.name, record_set.zone.provider, resource))


_STATUS_RECORD = wire.Template({"name": wire.Hole(0, text=True), "type": wire.Hole(1, text=True),
                                "zone": wire.Hole(2, text=True), "provider": wire.Hole(3, text=True),
                                "resource": wire.Hole(4, text=True)})


def k8gb_object_name(intent: K8gbIntent, composite: Composite) -> str:
    """The name of the provider-kubernetes ``Object`` that places a k8gb ``Gslb`` in ``intent``'s region."""
    if intent.hostname is None:
        return kubenames.resource_name(f"k8gb-{intent.geotag}", composite.name, composite.owner, intent.geotag)
    return kubenames.resource_name(f"k8gb-{intent.geotag}", composite.name, composite.owner, intent.geotag,
                                   intent.hostname)


def _k8gb_document(name: str | wire.Hole, geotag: str | wire.Hole, provider_config: str | wire.Hole, scope: Scope,
                   manifest: dict[str, Any] | wire.Encoded | wire.Hole) -> dict[str, Any]:
    """The ``Object`` holding ``manifest`` (the region's Gslb) for that region's cluster.

    Its parts are values, or the holes ``_k8gb_form`` compiles the document with: declared
    so, since the compiled build checks a parameter's type when it is called.
    """
    provider_ref: dict[str, str | wire.Hole] = {"name": provider_config}
    if scope is Scope.NAMESPACED:
        provider_ref = {"kind": "ClusterProviderConfig", "name": provider_config}
    return {
        "apiVersion": KUBERNETES_OBJECT[scope],
        "kind": "Object",
        "metadata": {"name": name, "labels": {"dns.openova.io/region": geotag}},
        "spec": {"forProvider": {"manifest": manifest}, "providerConfigRef": provider_ref},
    }


@functools.cache
def _k8gb_form(scope: Scope) -> wire.Template:
    """The compiled form of a k8gb ``Object``'s ``desired.resources`` entry, pending.

    Made by ``_k8gb_document`` itself with holes for the name, the region, the provider
    config and the Gslb (spliced encoded): two Objects a claim, so the constant parts are
    encoded once, not walked leaf by leaf on every first composition.
    """
    name, geotag, provider_config = (wire.Hole(n, text=True) for n in range(3))
    return wire.Template(_k8gb_document(name, geotag, provider_config, scope, wire.Hole(3)),
                         entry=(0, wire.READY_FALSE))


ShapeKey = tuple[Hashable, ...]
_SHAPES: dict[ShapeKey, wire.Shape] = {}
_FORMS: dict[Hashable, wire.Template] = {}
_MAX_FORMS = 1024  # providers x scopes x types x value counts x configs: a few dozen in practice; bounded


def _encode(key: ShapeKey, doc: dict[str, Any]) -> bytes:
    """``doc``'s Struct bytes, through the ``Shape`` compiled for documents like it (the k8gb Gslbs).

    Documents of one key share their keys and list lengths, so one compiled ``Shape`` serves
    them all (a document of another shape falls back to the generic encoder: the same bytes).
    """
    shape = _SHAPES.get(key)
    if shape is None:
        shape = wire.Shape(doc)
        if len(_SHAPES) < _MAX_FORMS:
            _SHAPES[key] = shape
    return shape(doc)


def _form(composed: Composed, shape_key: ShapeKey) -> wire.Template:
    """The compiled form of MRs like ``composed``: their whole ``desired.resources`` entry, pending.

    Made by ``envelope`` itself, with numbered holes for the name, our marks
    (``conflicts.mark_values``) and the provider's annotations, and the forProvider read in
    place as a document of this MR's shape (provider, scope, type and value count): so the
    bytes are always those of the manifest ``envelope`` builds, and a record costs one call.
    """
    extra = composed.annotations
    key = (shape_key, composed.api_version, composed.kind, composed.provider_config_ref,
           tuple(extra) if extra else ())  # most MRs have no annotations of the provider's own
    form = _FORMS.get(key)
    if form is None:
        holes = iter(range(2, 2 + len(MARK_LABELS) + len(MARK_ANNOTATIONS) + len(extra)))
        marks = Marks(labels=cast(Mapping[str, str], {k: wire.Hole(next(holes), text=True) for k in MARK_LABELS}),
                      annotations=cast(Mapping[str, str],
                                       {k: wire.Hole(next(holes), text=True) for k in MARK_ANNOTATIONS}))
        form = wire.Template(envelope(
            api_version=composed.api_version, kind=composed.kind, name=wire.Hole(0, text=True),
            provider_config_ref=composed.provider_config_ref,
            for_provider=wire.Shaped(1, composed.for_provider), marks=marks,
            annotations={k: wire.Hole(next(holes), text=True) for k in extra}), entry=(0, wire.READY_FALSE))
        if len(_FORMS) < _MAX_FORMS:
            _FORMS[key] = form
    return form


def resource_entry(composed: Composed, shape_key: ShapeKey, marks: tuple[str, ...]) -> bytes:
    """The MR's ``desired.resources`` entry, pending, never built as dicts (its form filled)."""
    return _filled_form(_form(composed, shape_key), composed, marks)


def _filled_form(form: wire.Template, composed: Composed, marks: tuple[str, ...]) -> bytes:
    extra = composed.annotations
    values = (composed.name, composed.for_provider) + marks  # noqa: RUF005 - compiled, `*marks` builds a list first
    if extra:
        values += tuple(extra.values())
    return form.fill(values)


def build(plan: Plan, composite: Composite) -> Composition:
    """Translate a checked plan into its composition."""
    scope, owner = composite.scope, composite.owner
    entries: dict[str, bytes] = {}  # each composed resource's desired.resources entry, pending
    probes = Probes(scope)  # what we write at each name, for the conflict check
    records: list[bytes] = []  # the status record of each of the user's record sets
    # In one composite an MR's form follows from its zone (provider, provider config), type and
    # value count: looked up here by those, not by ``_form``'s key of nested tuples per MR.
    forms: dict[tuple[str, str, int], wire.Template] = {}
    users = len(plan.record_sets)
    for index, (record_set, field) in enumerate((*plan.record_sets, *plan.ownership)):
        provider = provider_for(record_set.zone.provider)
        ids = record_set_ids(record_set)
        rtype = str(record_set.type)
        marks = mark_values(record_set, owner, ids)
        composed = provider.compose(record_set, scope, ids)
        form_key = (record_set.zone.name, rtype, len(record_set.rdata))
        form = forms.get(form_key)
        if form is None:
            form = forms[form_key] = _form(composed[0], (provider.key, scope, rtype, len(record_set.rdata)))
        for mr in composed:
            entries[mr.name] = _filled_form(form, mr, marks)
        kind = composed[0].kind  # a record set's MRs are all of one kind
        written = (composed[0].name,) if len(composed) == 1 else tuple(mr.name for mr in composed)
        probes.add(ids.name, field, record_set.name, provider, marks[TYPE_MARK], (composed[0].api_version, kind),
                   written)
        if index < users:
            records.append(status_record(record_set, kind, written))
    gslb: tuple[dict[str, Any], wire.Encoded] | None = None  # the last Gslb, encoded
    for intent in plan.k8gb:
        if gslb is None or gslb[0] is not intent.manifest:  # planning shares one Gslb between regions
            gslb_key = ("k8gb-gslb", *k8gb.manifest_shape(intent.manifest))
            gslb = (intent.manifest, wire.Encoded.struct(_encode(gslb_key, intent.manifest)))
        name = k8gb_object_name(intent, composite)
        entries[name] = _k8gb_form(scope).fill((name, intent.geotag, intent.provider_config, gslb[1]))
    names = tuple(wire.map_order(entries))
    ordered = [entries[n] for n in names]
    parts = wire.desired_parts(None, ordered)
    ready_at, end = [], len(parts[0]) + len(parts[1])  # after the field's tag and length
    for entry in ordered:
        end += len(entry)
        ready_at.append(end - 1)
    composite_status = wire.encode_struct(status(plan, records))
    return Composition(owner, names, parts, tuple(ready_at), composite_status, probes.done())


def is_ready(observed: request.Resource, name: str) -> bool:
    """Whether the managed resource Crossplane observed as ``name`` reports ``Ready=True`` (its conditions only)."""
    conditions = request.field(observed.resource, "status", "conditions", where=f"observed.resources[{name}]")
    if conditions is None:
        return False
    for condition in conditions.list_value.values:
        fields = condition.struct_value.fields
        kind = fields.get("type")
        if kind is not None and kind.string_value == READY_CONDITION:
            state = fields.get("status")
            return state is not None and state.string_value == "True"
    return False


def ready_names(observed: Mapping[str, request.Resource], composition: Composition) -> set[str]:
    """The composed resources Crossplane observed ready (by key: a map's ``items()`` is a Python generator)."""
    return {name for name in observed if name in composition and is_ready(observed[name], name)}


def merge_status(rsp: fnv1.RunFunctionResponse, composition: Composition) -> bytes:
    """Our status keys into the desired composite, beside whatever earlier pipeline steps set there.

    ``response.to`` starts from the desired composite earlier steps left; replacing its
    ``status`` wholesale would drop their fields, so only our own keys are replaced. When
    no earlier step set a status (the usual case) ours is returned as bytes to send after
    the head (a map entry the head lacks is added when the two are parsed as one);
    otherwise it is merged into ``rsp`` and nothing is returned.
    """
    if "status" not in rsp.desired.composite.resource.fields:
        return wire.desired(wire.encode_struct({"status": wire.Encoded.struct(composition.status)}), ())
    ours = struct_pb2.Struct()
    ours.ParseFromString(composition.status)
    status_fields = rsp.desired.composite.resource.fields["status"].struct_value.fields
    for key, value in ours.fields.items():
        status_fields[key].CopyFrom(value)
    return b""
