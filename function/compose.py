"""Translate a plan into managed resources, per provider, and emit them into the response.

Composition is pure translation: everything that can refuse a claim happened in planning.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crossplane.function import resource
from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from catalyst_dns.providers import Composed, Scope, provider_for
from function.plan import Plan

READY_CONDITION = "Ready"


def composed_resources(plan: Plan, scope: Scope, owner: str) -> Iterator[Composed]:
    """Every managed resource of the plan: record sets, their ownership records, k8gb objects."""
    for record_set, _ in plan.record_sets:
        yield from provider_for(record_set.zone.provider).compose(record_set, scope, owner)
    for record_set in plan.ownership:
        yield from provider_for(record_set.zone.provider).compose(record_set, scope, owner)
    yield from plan.objects


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


def emit(req: fnv1.RunFunctionRequest, rsp: fnv1.RunFunctionResponse, plan: Plan, scope: Scope,
         owner: str) -> tuple[int, int]:
    """Write the plan's resources into desired state with their readiness; (total, ready)."""
    total = ready = 0
    observed = req.observed.resources
    for composed in composed_resources(plan, scope, owner):
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
