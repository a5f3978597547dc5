"""Translate a plan into managed resources, per provider, and emit them into the response.

Composition is pure translation: everything that can refuse a claim happened in planning.
"""

from __future__ import annotations

from typing import Any

from crossplane.function import resource
from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from catalyst_dns.providers import Composed, Scope, provider_for
from function.plan import Plan

READY_CONDITION = "Ready"


def composed_resources(plan: Plan, scope: Scope, owner: str) -> list[tuple[Composed, str]]:
    """Every managed resource of the plan with the claim field it serves.

    Record sets first, then their ownership records, then the k8gb objects.
    """
    out: list[tuple[Composed, str]] = []
    for record_set, field in (*plan.record_sets, *plan.ownership):
        out.extend((c, field) for c in provider_for(record_set.zone.provider).compose(record_set, scope, owner))
    out.extend((c, "spec.regions") for c in plan.objects)
    return out


def is_ready(observed: fnv1.Resource | None) -> bool:
    """Whether an observed managed resource reports ``Ready=True``."""
    if observed is None:
        return False
    status = observed.resource.fields.get("status")
    if status is None:
        return False
    conditions = status.struct_value.fields.get("conditions")
    if conditions is None:
        return False
    for condition in conditions.list_value.values:
        fields = condition.struct_value.fields
        if fields.get("type") and fields["type"].string_value == READY_CONDITION:
            return fields["status"].string_value == "True" if "status" in fields else False
    return False


def emit(req: fnv1.RunFunctionRequest, rsp: fnv1.RunFunctionResponse,
         composed_list: list[tuple[Composed, str]]) -> tuple[int, int]:
    """Write the resources into desired state with their readiness; (total, ready)."""
    total = ready = 0
    observed = req.observed.resources
    for composed, _ in composed_list:
        desired = rsp.desired.resources[composed.name]
        resource.update(desired, composed.manifest)
        total += 1
        if is_ready(observed.get(composed.name)):
            desired.ready = fnv1.READY_TRUE
            ready += 1
        else:
            desired.ready = fnv1.READY_FALSE
    return total, ready


def status(plan: Plan) -> dict[str, Any]:
    """The composite's status: the names it owns and the provider records behind them."""
    records = []
    for record_set, _ in plan.record_sets:
        records.append({
            "name": record_set.name,
            "type": record_set.type.value,
            "zone": record_set.zone.name,
            "provider": record_set.zone.provider,
        })
    out: dict[str, Any] = {"fqdns": sorted({rs.name for rs, _ in plan.record_sets}), "records": records}
    if plan.gslb_names:
        out["gslbNames"] = list(plan.gslb_names)
    return out
