"""The composition function: a DNS claim in, provider record resources out.

The handler reads as the story of a request: parse the claim, fetch and check the
Sovereign settings, plan the record sets (every check happens here), translate them per
provider, emit. Any refusal becomes one Fatal result naming the field, the value and the
rule; nothing is emitted for a refused claim, and nothing raises out of the handler.

Everything up to the translation depends only on the claim, the step input and the
settings, so its outcome is memoised (``memo``); what Crossplane observed (readiness,
ownership answers) and what earlier pipeline steps composed are applied on every call.
"""

from __future__ import annotations

import functools
from typing import Any

import grpc
import structlog
from crossplane.function import response
from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from crossplane.function.proto.v1 import run_function_pb2_grpc as grpcv1
from google.protobuf import struct_pb2

from catalyst_dns.errors import DnsInputError
from catalyst_dns.settings import SovereignSettings, parse_settings
from function import claims, ownership, requirements
from function.compose import Composition, build, emit_mixed, merge_status, ready_names
from function.input import FunctionInput, read_input
from function.memo import Memo, key
from function.plan import plan
from function.structs import struct_to_python, to_python

SETTINGS_REQUIREMENT = "sovereign-dns-settings"
ENVIRONMENT_CONFIG_API = "apiextensions.crossplane.io/v1beta1"
CONDITION = "DNSRecordsReady"
MEMO = Memo()


class DnsFunction(grpcv1.FunctionRunnerServiceServicer):
    """Runs the catalyst-dns composition function."""

    def __init__(self) -> None:
        self.log = structlog.get_logger()

    async def RunFunction(  # noqa: N802 - the gRPC method name
        self, req: fnv1.RunFunctionRequest, _: grpc.aio.ServicerContext | None = None
    ) -> fnv1.RunFunctionResponse:
        """Run the function; never raises."""
        return run(req, self.log)


class WireResponse:
    """A response as wire bytes: a per-call head followed by a memoised tail.

    Protobuf merges concatenated messages, so ``head + tail`` is the response with the
    tail's desired resources added; gRPC sends it through ``SerializeToString``.
    """

    __slots__ = ("head", "tail")

    def __init__(self, head: fnv1.RunFunctionResponse, tail: bytes = b"") -> None:
        self.head = head
        self.tail = tail

    def SerializeToString(self, deterministic: bool = False) -> bytes:  # noqa: N802 - protobuf's name
        """The response on the wire."""
        head: bytes = self.head.SerializeToString(deterministic=deterministic)
        return head + self.tail

    def message(self) -> fnv1.RunFunctionResponse:
        """The response as a message (parsed only if it has a tail)."""
        if not self.tail:
            return self.head
        rsp = fnv1.RunFunctionResponse()
        rsp.ParseFromString(self.SerializeToString())
        return rsp


def respond(req: fnv1.RunFunctionRequest, log: Any = None, memo: Memo | None = MEMO) -> WireResponse:
    """Handle one request (synchronously: there is no I/O in it); never raises."""
    rsp = response.to(req)
    try:
        return WireResponse(rsp, _run(req, rsp, memo))
    except DnsInputError as exc:
        _refuse(rsp, str(exc))
    except Exception as exc:  # the server must keep serving whatever the input
        if log is not None:
            log.exception("unexpected error", error=str(exc))
        _refuse(rsp, f"internal error ({type(exc).__name__}); the claim was not composed")
    return WireResponse(rsp)


def run(req: fnv1.RunFunctionRequest, log: Any = None, memo: Memo | None = MEMO) -> fnv1.RunFunctionResponse:
    """Handle one request and return the response message (what the server sends, parsed)."""
    return respond(req, log, memo).message()


def _refuse(rsp: fnv1.RunFunctionResponse, message: str) -> None:
    """A Fatal result and no composed resources: a refused claim writes nothing."""
    rsp.desired.ClearField("resources")
    rsp.ClearField("requirements")
    response.fatal(rsp, message)


def _run(req: fnv1.RunFunctionRequest, rsp: fnv1.RunFunctionResponse, memo: Memo | None) -> bytes:
    """Fill the per-call part of ``rsp``; return the memoised tail to send after it."""
    # Which fields this Crossplane reads requirements from and answers in (1.x: the deprecated ones).
    channel = requirements.channel(req)

    # Parse the step's input, and ask for the Sovereign settings it names (on every call).
    fn_input = read_input(struct_to_python(req.input, "input") if req.HasField("input") else None)
    settings_bytes = _require_settings(req, rsp, fn_input, channel)
    if settings_bytes is None:
        _parse_claim(req)  # refuse a malformed claim now rather than after the settings arrive
        return b""

    # Parse the claim, validate it, plan its record sets, translate them per provider (memoised).
    composition = _composition(req, fn_input, settings_bytes, memo)

    # Ownership, on every call: who else writes at our names (kinds the cluster serves only).
    answers = channel.answers(req)
    kinds = ownership.other_kinds(composition.probes)
    ownership.ask_crds(channel.selectors(rsp), kinds)
    probes = composition.requirements(channel, ownership.served_kinds(answers, kinds))
    losses = ownership.decide(answers, composition.probes, _read_identity(req).owner)  # Fatal if not ours

    # Emit, with readiness from what Crossplane observed, merged with what earlier steps composed.
    return _emit(req, rsp, composition, losses) + probes


def _composition(req: fnv1.RunFunctionRequest, fn_input: FunctionInput, settings_bytes: bytes,
                 memo: Memo | None) -> Composition:
    """The claim's composition, from the memo or freshly built; a refusal raises (memoised too)."""
    digest = key(req, settings_bytes) if memo is not None else b""
    outcome = memo.get(digest) if memo is not None else None
    if outcome is None:
        try:
            outcome = _compose(req, fn_input, settings_bytes)
        except DnsInputError as exc:
            outcome = str(exc)
        if memo is not None:
            memo.put(digest, outcome)
    if isinstance(outcome, str):
        raise _RefusedError(outcome)
    return outcome


def _emit(req: fnv1.RunFunctionRequest, rsp: fnv1.RunFunctionResponse, composition: Composition,
          losses: list[ownership.Loss]) -> bytes:
    """Set the conditions and status; return the pre-encoded desired resources, or write them into ``rsp``."""
    merge_status(rsp, composition)
    ready = ready_names(req, composition)
    _condition(rsp, len(composition.names), len(ready))
    ownership.report(rsp, losses)
    if losses:
        emit_mixed(rsp, composition, ready)
        ownership.park(rsp, losses)
        return b""
    if len(ready) == len(composition.names):
        return composition.ready
    if not ready:
        return composition.pending
    emit_mixed(rsp, composition, ready)
    return b""


def _read_identity(req: fnv1.RunFunctionRequest) -> claims.Composite:
    """The composite's identity, without converting its (possibly large) spec."""
    fields = req.observed.composite.resource.fields
    head = {name: to_python(fields[name], name) for name in ("apiVersion", "kind", "metadata") if name in fields}
    return claims.read_composite(head)


def _parse_claim(req: fnv1.RunFunctionRequest) -> tuple[claims.Composite, claims.Spec]:
    xr = struct_to_python(req.observed.composite.resource)
    composite = claims.read_composite(xr)
    return composite, claims.read_spec(composite.kind, xr)


def _compose(req: fnv1.RunFunctionRequest, fn_input: FunctionInput, settings_bytes: bytes) -> Composition:
    """Parse the claim, plan its record sets against the settings, translate per provider."""
    composite, spec = _parse_claim(req)
    settings = _settings_from_bytes(settings_bytes)
    planned = plan(settings, composite, spec, fn_input)
    return build(planned, composite.scope, composite.owner)


class _RefusedError(DnsInputError):
    """A memoised refusal, re-raised with its original message."""

    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)
        self.field, self.value, self.rule = "", None, message

    def __str__(self) -> str:
        return self.rule


def _condition(rsp: fnv1.RunFunctionResponse, total: int, ready: int) -> None:
    done = ready == total
    condition = rsp.conditions.add()
    condition.type = CONDITION
    condition.status = fnv1.STATUS_CONDITION_TRUE if done else fnv1.STATUS_CONDITION_FALSE
    condition.reason = "Available" if done else "Creating"
    condition.message = f"{ready} of {total} DNS resources ready"
    condition.target = fnv1.TARGET_COMPOSITE_AND_CLAIM


@functools.lru_cache(maxsize=32)
def _settings_from_bytes(serialized: bytes) -> SovereignSettings:
    """Parse settings once per distinct EnvironmentConfig (every reconcile sends the same one)."""
    config = struct_pb2.Struct()
    config.ParseFromString(serialized)
    doc = struct_to_python(config, "EnvironmentConfig")
    return parse_settings(doc.get("data"), "EnvironmentConfig.data")


def _require_settings(req: fnv1.RunFunctionRequest, rsp: fnv1.RunFunctionResponse,
                      fn_input: FunctionInput, channel: requirements.Channel) -> bytes | None:
    """The settings EnvironmentConfig, serialized, or None until Crossplane has resolved it."""
    name = fn_input.environment_config
    selector = channel.selectors(rsp)[SETTINGS_REQUIREMENT]
    selector.api_version = ENVIRONMENT_CONFIG_API
    selector.kind = "EnvironmentConfig"
    selector.match_name = name
    answers = channel.answers(req)
    if SETTINGS_REQUIREMENT not in answers:
        return None
    items = answers[SETTINGS_REQUIREMENT].items
    if not items:
        raise DnsInputError("input.environmentConfigName", name,
                            "names no EnvironmentConfig; apply the Sovereign DNS settings from the Pulumi hand-off")
    serialized: bytes = items[0].resource.SerializeToString(deterministic=True)
    return serialized
