"""What earlier pipeline steps desired survives our step (issue 9 point 8).

Crossplane hands each step the desired state the previous steps returned and keeps what
the last step returns, so a step that replaces ``status`` or drops a resource erases the
earlier steps' work. Every emission path is checked: nothing observed, some and all ready.
"""

from __future__ import annotations

from typing import Any

import pytest
from crossplane.function import resource

from function.fn import run
from tests.function.requests import fatal, request, xr

ROUTE = {"hostnames": ["api.acme.aws.omantel.example"], "targets": {"addresses": ["203.0.113.10"]}}
EARLIER_STATUS = {"fromEarlierStep": "kept", "conditions": [{"type": "BlueprintReady", "status": "True"}],
                  "fqdns": ["stale value an earlier step left"]}
EARLIER_RESOURCE = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "marker"}, "data": {"a": "b"}}


@pytest.mark.parametrize("readiness", ["none", "some", "all"])
def test_earlier_status_fields_conditions_and_resources_survive(readiness: str) -> None:
    names = list(run(request(xr("DNSRoute", ROUTE))).desired.resources)
    ready = {"none": [], "some": names[:1], "all": names}[readiness]
    observed: dict[str, dict[str, Any]] = {n: {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}
                                           for n in ready}
    req = request(xr("DNSRoute", ROUTE), observed=observed)
    req.desired.composite.resource.update({"status": EARLIER_STATUS})
    req.desired.resources["marker"].resource.update(EARLIER_RESOURCE)
    rsp = run(req)
    assert fatal(rsp) is None
    status = resource.struct_to_dict(rsp.desired.composite.resource)["status"]
    assert status["fromEarlierStep"] == "kept"
    assert status["conditions"] == EARLIER_STATUS["conditions"]
    assert status["fqdns"] == ["api.acme.aws.omantel.example"]  # our own keys are ours
    assert resource.struct_to_dict(rsp.desired.resources["marker"].resource) == EARLIER_RESOURCE
    assert set(names) < set(rsp.desired.resources)
