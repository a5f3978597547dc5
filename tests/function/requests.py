"""Builders of RunFunctionRequests for the function's unit tests."""

from __future__ import annotations

import copy
from typing import Any

from crossplane.function import resource
from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from function.claims import decisive_parts
from function.memo import key
from tests.core.sovereign import SETTINGS


def settings(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(SETTINGS)
    out.update(changes)
    return out


def xr(kind: str, spec: dict[str, Any], *, namespace: str | None = "acme-prod", name: str = "example",
       labels: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": "dns.openova.io/v1alpha1", "kind": kind, "metadata": metadata, "spec": spec}


# What Crossplane v2.2.1 sends in RequestMeta.capabilities (internal/xfn/capabilities.go,
# SupportedCapabilities; `crossplane render` sends the same). Crossplane 1.x sends none.
CAPABILITIES_V2_2 = (fnv1.CAPABILITY_CAPABILITIES, fnv1.CAPABILITY_REQUIRED_RESOURCES, fnv1.CAPABILITY_CREDENTIALS,
                     fnv1.CAPABILITY_CONDITIONS, fnv1.CAPABILITY_REQUIRED_SCHEMAS)


def request(composite: dict[str, Any], *, settings_data: dict[str, Any] | None = None,
            fn_input: dict[str, Any] | None = None, resolved: bool = True,
            observed: dict[str, dict[str, Any]] | None = None, legacy: bool = False) -> fnv1.RunFunctionRequest:
    """A request as Crossplane v2.2 sends it, or as 1.x does (``legacy``: no capabilities, extra_resources)."""
    req = fnv1.RunFunctionRequest()
    if not legacy:
        req.meta.capabilities.extend(CAPABILITIES_V2_2)
    req.observed.composite.resource.update(composite)
    req.input.update(fn_input or {"apiVersion": "dns.fn.openova.io/v1beta1", "kind": "Input"})
    if resolved:
        answers = req.extra_resources if legacy else req.required_resources
        item = answers["sovereign-dns-settings"].items.add()
        item.resource.update({"apiVersion": "apiextensions.crossplane.io/v1beta1", "kind": "EnvironmentConfig",
                              "metadata": {"name": "catalyst-dns"},
                              "data": SETTINGS if settings_data is None else settings_data})
    for name, body in (observed or {}).items():
        req.observed.resources[name].resource.update(body)
    return req


def desired(rsp: fnv1.RunFunctionResponse) -> dict[str, dict[str, Any]]:
    return {name: resource.struct_to_dict(r.resource) for name, r in rsp.desired.resources.items()}


def fatal(rsp: fnv1.RunFunctionResponse) -> str | None:
    for result in rsp.results:
        if result.severity == fnv1.SEVERITY_FATAL:
            return result.message
    return None


def memo_key(req: fnv1.RunFunctionRequest, step_input: bytes = b"", settings: bytes = b"") -> bytes:
    """The memo key of ``req``'s composite with that step input and those settings (as the handler makes it)."""
    return key(decisive_parts(req.observed.composite.resource.fields), step_input, settings)
