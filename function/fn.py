"""The composition function: a DNS claim in, provider record resources out.

The handler reads as the story of a request: parse the claim, fetch and check the
Sovereign settings, plan the record sets (every check happens here), translate them per
provider, emit. Any refusal becomes one Fatal result naming the field, the value and the
rule; nothing is emitted for a refused claim, and nothing raises out of the handler.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import grpc
import structlog
from crossplane.function import resource, response
from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from crossplane.function.proto.v1 import run_function_pb2_grpc as grpcv1
from google.protobuf import struct_pb2

from catalyst_dns.errors import DnsInputError
from catalyst_dns.settings import SovereignSettings, parse_settings
from function import claims, ownership
from function.compose import composed_resources, emit, status
from function.input import FunctionInput, read_input
from function.plan import plan

SETTINGS_REQUIREMENT = "sovereign-dns-settings"
ENVIRONMENT_CONFIG_API = "apiextensions.crossplane.io/v1beta1"
CONDITION = "DNSRecordsReady"


@functools.lru_cache(maxsize=32)
def _settings_from_bytes(serialized: bytes) -> SovereignSettings:
    """Parse settings once per distinct EnvironmentConfig (every reconcile sends the same one)."""
    config = struct_pb2.Struct()
    config.ParseFromString(serialized)
    doc = resource.struct_to_dict(config)
    return parse_settings(doc.get("data"), "EnvironmentConfig.data")


class DnsFunction(grpcv1.FunctionRunnerServiceServicer):
    """Runs the catalyst-dns composition function."""

    def __init__(self) -> None:
        self.log = structlog.get_logger()

    async def RunFunction(  # noqa: N802 - the gRPC method name
        self, req: fnv1.RunFunctionRequest, _: grpc.aio.ServicerContext | None = None
    ) -> fnv1.RunFunctionResponse:
        """Run the function; never raises."""
        return run(req, self.log)


def run(req: fnv1.RunFunctionRequest, log: Any = None) -> fnv1.RunFunctionResponse:
    """Handle one request (synchronously: there is no I/O in it)."""
    rsp = response.to(req)
    try:
        _run(req, rsp)
    except DnsInputError as exc:
        _refuse(rsp, str(exc))
    except Exception as exc:  # the server must keep serving whatever the input
        if log is not None:
            log.exception("unexpected error", error=str(exc))
        _refuse(rsp, f"internal error ({type(exc).__name__}); the claim was not composed")
    return rsp


def _refuse(rsp: fnv1.RunFunctionResponse, message: str) -> None:
    """A Fatal result and no composed resources: a refused claim writes nothing."""
    rsp.desired.ClearField("resources")
    response.fatal(rsp, message)


def _run(req: fnv1.RunFunctionRequest, rsp: fnv1.RunFunctionResponse) -> None:
    # Parse: the step's input, the composite and its claim.
    fn_input = read_input(resource.struct_to_dict(req.input) if req.HasField("input") else None)
    xr = resource.struct_to_dict(req.observed.composite.resource)
    composite = claims.read_composite(xr)
    spec = claims.read_spec(composite.kind, xr)

    # Validate against the Sovereign: fetch its settings (asked for on every call).
    settings = _settings(req, rsp, fn_input)
    if settings is None:
        return

    # Plan record sets: tenancy, zones, values, provider rules, conflicts.
    planned = plan(settings, composite, spec, fn_input)

    # Translate per provider; refuse record sets another composite already writes.
    composed = composed_resources(planned, composite.scope, composite.owner)
    ownership.require_and_check(req, rsp, composed, composite.owner)

    # Emit, with readiness from what Crossplane observed.
    total, ready = emit(req, rsp, composed)
    resource.update(rsp.desired.composite, {"status": status(planned)})
    done = ready == total
    condition = rsp.conditions.add()
    condition.type = CONDITION
    condition.status = fnv1.STATUS_CONDITION_TRUE if done else fnv1.STATUS_CONDITION_FALSE
    condition.reason = "Available" if done else "Creating"
    condition.message = f"{ready} of {total} DNS resources ready"
    condition.target = fnv1.TARGET_COMPOSITE_AND_CLAIM


def _settings(req: fnv1.RunFunctionRequest, rsp: fnv1.RunFunctionResponse,
              fn_input: FunctionInput) -> SovereignSettings | None:
    """The Sovereign settings, or None until Crossplane has resolved the requirement."""
    name = fn_input.environment_config
    for selectors in (rsp.requirements.resources, rsp.requirements.extra_resources):
        selector = selectors[SETTINGS_REQUIREMENT]
        selector.api_version = ENVIRONMENT_CONFIG_API
        selector.kind = "EnvironmentConfig"
        selector.match_name = name
    answers: Mapping[str, fnv1.Resources]
    if SETTINGS_REQUIREMENT in req.required_resources:
        answers = req.required_resources
    elif SETTINGS_REQUIREMENT in req.extra_resources:  # Crossplane 1.x
        answers = req.extra_resources
    else:
        return None
    items = answers[SETTINGS_REQUIREMENT].items
    if not items:
        raise DnsInputError("input.environmentConfigName", name,
                            "names no EnvironmentConfig; apply the Sovereign DNS settings from the Pulumi hand-off")
    return _settings_from_bytes(items[0].resource.SerializeToString(deterministic=True))
