"""Translate a plan into managed resources, per provider, and emit them into the response.

Composition is pure translation: everything that can refuse a claim happened in planning.
It is split in two on purpose. ``build`` turns a plan into a ``Composition`` that depends
only on the claim and the settings — serialized once, so a claim Crossplane reconciles
again and again is translated once. ``emit`` adds what changes between calls: readiness
from what Crossplane observed.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from google.protobuf import struct_pb2

from catalyst_dns import kubenames
from catalyst_dns.providers import Provider, Scope, provider_for
from catalyst_dns.providers.base import name_id, record_set_id
from catalyst_dns.records import RecordType
from function.ownership import REQUIREMENT_PREFIX, Kind, Probe, probe_requirements
from function.plan import Plan
from function.requirements import Channel
from function.structs import fill

READY_CONDITION = "Ready"


@dataclass(slots=True)
class Composition:
    """A claim's composed resources and status, independent of observed state.

    Held serialized — the desired resources all pending and, once first needed, all
    ready; the status; the ownership probes per set of served kinds — because the wire
    format merges concatenated messages: a call answers with a small per-call head
    followed by these, without re-encoding thousands of resources.
    """

    pending: bytes
    status: bytes  # a serialized Struct: our keys of the composite's status
    names: frozenset[str]
    probes: dict[str, Probe]  # by requirement name
    _ready: bytes | None = None
    _requirements: dict[tuple[Channel, frozenset[Kind]], bytes] = dc_field(default_factory=dict)

    @property
    def ready(self) -> bytes:
        """Every resource ready (a claim at rest)."""
        if self._ready is None:
            partial = fnv1.RunFunctionResponse()
            partial.ParseFromString(self.pending)
            for item in partial.desired.resources.values():
                item.ready = fnv1.READY_TRUE
            self._ready = partial.SerializeToString(deterministic=True)
        return self._ready

    def requirements(self, channel: Channel, served: frozenset[Kind]) -> bytes:
        """The ownership probes for the kinds this cluster serves, in the fields it reads."""
        key = (channel, served)
        cached = self._requirements.get(key)
        if cached is None:
            cached = probe_requirements(channel, self.probes, served)
            if len(self._requirements) < 8:
                self._requirements[key] = cached
        return cached

    @property
    def size(self) -> int:
        """Rough memory held, for the memo's bound (the ready form and one probe set counted ahead)."""
        return 2 * len(self.pending) + len(self.status) + 400 * len(self.probes) + 100 * len(self.names)


def status(plan: Plan, resources: dict[str, list[str]]) -> dict[str, Any]:
    """The composite's status: the names it owns and the provider records behind them.

    ``resources`` maps a record-set id to the ``kind/name`` of the MRs that write it.
    """
    records = [
        {"name": rs.name, "type": rs.type.value, "zone": rs.zone.name, "provider": rs.zone.provider,
         "resource": ", ".join(resources.get(record_set_id(rs), []))}
        for rs, _ in plan.record_sets
    ]
    out: dict[str, Any] = {"fqdns": sorted({rs.name for rs, _ in plan.record_sets}), "records": records}
    if plan.gslb_names:
        out["gslbNames"] = list(plan.gslb_names)
    return out


@dataclass
class _Name:
    """What the composite writes at one name (for its ownership probes)."""

    field: str
    fqdn: str
    provider: Provider
    types: set[str] = dc_field(default_factory=set)
    kinds: set[tuple[str, str]] = dc_field(default_factory=set)
    resource_names: list[str] = dc_field(default_factory=list)


def _probes(names: dict[str, _Name], scope: Scope) -> dict[str, Probe]:
    probes: dict[str, Probe] = {}
    for ident, at in names.items():
        kinds = {Kind(api, kind): True for api, kind in at.kinds}
        # Another owner's CNAME there clashes with anything of ours. (Our CNAME beside another
        # owner's data of another kind — Azure has a kind per type — is refused by every
        # provider's API on apply; asking about all nine kinds per name would cost more.)
        kinds.setdefault(Kind(at.provider.api.of(scope), at.provider.kind_of(RecordType.CNAME)), False)
        if scope is Scope.NAMESPACED:
            # A v2 cluster may also serve the cluster-scoped kinds, which legacy composites write.
            cluster_api = at.provider.api.of(Scope.CLUSTER)
            for kind in list(kinds):
                kinds.setdefault(Kind(cluster_api, kind.kind), False)
        for kind, composed in sorted(kinds.items(), key=lambda k: (k[0].api_version, k[0].kind)):
            requirement = f"{REQUIREMENT_PREFIX}{ident}-{kubenames.digest(kind.api_version, kind.kind, length=6)}"
            probes[requirement] = Probe(requirement, ident, kind, at.field, at.fqdn, frozenset(at.types),
                                        tuple(at.resource_names), composed, at.provider.records_by_id)
    return probes


def build(plan: Plan, scope: Scope, owner: str) -> Composition:
    """Translate a checked plan into its composition."""
    partial = fnv1.RunFunctionResponse()
    desired = partial.desired
    names: dict[str, _Name] = {}
    resources: dict[str, list[str]] = {}
    for record_set, field in (*plan.record_sets, *plan.ownership):
        provider = provider_for(record_set.zone.provider)
        at = names.setdefault(name_id(record_set), _Name(field, record_set.name, provider))
        at.types.add(record_set.type.value.lower())
        for composed in provider.compose(record_set, scope, owner):
            fill(desired.resources[composed.name].resource, composed.manifest)
            at.kinds.add((composed.manifest["apiVersion"], composed.manifest["kind"]))
            at.resource_names.append(composed.name)
            resources.setdefault(record_set_id(record_set), []).append(f"{composed.manifest['kind']}/{composed.name}")
    for composed in plan.objects:
        fill(desired.resources[composed.name].resource, composed.manifest)
    for item in desired.resources.values():
        item.ready = fnv1.READY_FALSE
    status_struct = struct_pb2.Struct()
    fill(status_struct, status(plan, resources))
    return Composition(partial.SerializeToString(deterministic=True),
                       status_struct.SerializeToString(deterministic=True),
                       frozenset(desired.resources), _probes(names, scope))


def is_ready(observed: fnv1.Resource) -> bool:
    """Whether an observed managed resource reports ``Ready=True``."""
    status_value = observed.resource.fields.get("status")
    if status_value is None:
        return False
    conditions = status_value.struct_value.fields.get("conditions")
    if conditions is None:
        return False
    for condition in conditions.list_value.values:
        fields = condition.struct_value.fields
        kind = fields.get("type")
        if kind is not None and kind.string_value == READY_CONDITION:
            state = fields.get("status")
            return state is not None and state.string_value == "True"
    return False


def ready_names(req: fnv1.RunFunctionRequest, composition: Composition) -> set[str]:
    """The composed resources Crossplane observed ready."""
    return {name for name, observed in req.observed.resources.items()
            if name in composition.names and is_ready(observed)}


def emit_mixed(rsp: fnv1.RunFunctionResponse, composition: Composition, ready: set[str]) -> None:
    """Desired state when only some resources are ready (while a claim is being created)."""
    partial = fnv1.RunFunctionResponse()
    partial.ParseFromString(composition.pending)
    rsp.desired.MergeFrom(partial.desired)
    for name in ready:
        rsp.desired.resources[name].ready = fnv1.READY_TRUE


def merge_status(rsp: fnv1.RunFunctionResponse, composition: Composition) -> None:
    """Our status keys into the desired composite, beside whatever earlier pipeline steps set there.

    ``response.to`` starts from the desired composite earlier steps left; replacing its
    ``status`` wholesale would drop their fields, so only our own keys are replaced.
    """
    ours = struct_pb2.Struct()
    ours.ParseFromString(composition.status)
    status_fields = rsp.desired.composite.resource.fields["status"].struct_value.fields
    for key, value in ours.fields.items():
        status_fields[key].CopyFrom(value)
