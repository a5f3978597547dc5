"""Translate a plan into managed resources, per provider, and emit them into the response.

Composition is pure translation: everything that can refuse a claim happened in planning.
It is split in two on purpose. ``build`` turns a plan into a ``Composition`` that depends
only on the claim and the settings — serialized once, so a claim Crossplane reconciles
again and again is translated once. ``emit`` adds what changes between calls: readiness
from what Crossplane observed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crossplane.function import resource
from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from catalyst_dns.providers import Composed, Scope, provider_for
from catalyst_dns.providers.base import ANNOTATION_FQDN, LABEL_RECORD_SET, record_set_id
from function.ownership import Probe, add_requirement
from function.plan import Plan

READY_CONDITION = "Ready"


@dataclass(frozen=True, slots=True)
class Composition:
    """A claim's composed resources and status, independent of observed state.

    Held as two serialized partial responses — every resource pending (with the ownership
    probes of ``ownership``) and every resource ready — because the wire format merges
    concatenated messages: a call that observed none or all of them ready answers with
    a small per-call head followed by one of these, without re-encoding thousands of
    resources.
    """

    pending: bytes
    ready: bytes
    names: frozenset[str]
    probes: dict[str, Probe]  # by record-set id

    @property
    def size(self) -> int:
        """Rough memory held, for the memo's bound."""
        return len(self.pending) + len(self.ready) + 300 * len(self.probes) + 100 * len(self.names)


def composed_resources(plan: Plan, scope: Scope, owner: str) -> list[tuple[Composed, str]]:
    """Every managed resource of the plan with the claim field it serves.

    Record sets first, then their ownership records, then the k8gb objects.
    """
    out: list[tuple[Composed, str]] = []
    for record_set, field in (*plan.record_sets, *plan.ownership):
        out.extend((c, field) for c in provider_for(record_set.zone.provider).compose(record_set, scope, owner))
    out.extend((c, "spec.regions") for c in plan.objects)
    return out


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


def build(plan: Plan, scope: Scope, owner: str) -> Composition:
    """Translate a checked plan into its composition."""
    partial = fnv1.RunFunctionResponse()
    desired = partial.desired
    probes: dict[str, Probe] = {}
    resources: dict[str, list[str]] = {}
    for composed, field in composed_resources(plan, scope, owner):
        item = desired.resources[composed.name]
        resource.update(item, composed.manifest)
        metadata = composed.manifest["metadata"]
        record_set = metadata.get("labels", {}).get(LABEL_RECORD_SET)
        if record_set is None:
            continue
        resources.setdefault(record_set, []).append(f"{composed.manifest['kind']}/{composed.name}")
        if record_set not in probes:
            probes[record_set] = Probe(composed.name, record_set, composed.manifest["apiVersion"],
                                       composed.manifest["kind"], field, metadata["annotations"][ANNOTATION_FQDN])
    resource.update(desired.composite, {"status": status(plan, resources)})
    for item in desired.resources.values():
        item.ready = fnv1.READY_TRUE
    ready = partial.SerializeToString(deterministic=True)
    for item in desired.resources.values():
        item.ready = fnv1.READY_FALSE
    for probe in probes.values():
        add_requirement(partial, probe)
    pending = partial.SerializeToString(deterministic=True)
    return Composition(pending, ready, frozenset(desired.resources), probes)


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
