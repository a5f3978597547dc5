"""The composition function: a DNS claim in, provider record resources out.

The handler reads as the story of a request: read the claim, fetch and check the
Sovereign settings, plan the record sets and k8gb intents (every check happens here,
``plan``), translate them into managed resources (``compose``), check for conflicts with
other composites (``conflicts``), emit. Any refusal becomes one Fatal result naming the field, the value and the
rule; nothing is emitted for a refused claim, and nothing raises out of the handler.

Everything up to the translation depends only on the claim, the step input and the
settings, so its outcome is memoised (``memo``); what Crossplane observed (readiness,
ownership answers) and what earlier pipeline steps composed are applied on every call.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Protocol

from crossplane.function import response
from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from google.protobuf import struct_pb2
from google.protobuf.message import DecodeError

from catalyst_dns.errors import DnsInputError
from catalyst_dns.settings import SovereignSettings, parse_settings
from function import claims, conflicts, request, requirements
from function.collector import PAUSED
from function.compose import Composition, build, merge_status, ready_names
from function.input import FunctionInput, read_input
from function.memo import Memo, key
from function.plan import SETTINGS_FIELD, plan
from function.structs import struct_to_python, to_python

SETTINGS_REQUIREMENT = "sovereign-dns-settings"
ENVIRONMENT_CONFIG_API = "apiextensions.crossplane.io/v1beta1"
CONDITION = "DNSRecordsReady"
MEMO = Memo()
# The largest response Crossplane takes from a function: its gRPC client (internal/xfn
# function_runner.go in v2.2.1, the same in 1.20.1) keeps grpc-go's default receive limit,
# 4 MiB, and fails a larger answer with ResourceExhausted on every reconcile. A claim that
# composes more is refused by name instead (1,000 hostnames with eight addresses each do).
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
# How soon Crossplane runs a composite at rest again: the response's TTL. With realtime
# compositions (the default in 1.20 and 2.x) the XR reconciler requeues after the shortest TTL
# of its pipeline (composite/reconciler.go, ``RequeueAfter: jitter(res.TTL)``), and each run
# asks every ownership probe and applies every composed resource (one server-side apply per
# MR). Changes to the claim and to our MRs arrive by watch whatever the TTL; what waits for it
# is noticing another composite's writes at our names and a changed EnvironmentConfig. So the
# SDK's minute stays for claims of up to a hundred-odd resources, and a larger claim waits a
# minute more per hundred, at most ten: 2,000 applies a minute become 2,000 per ten.
RESPONSE_TTL_SECONDS = 60
RESPONSE_TTL_PER_RESOURCES = 100
MAX_RESPONSE_TTL_SECONDS = 600


class ErrorLog(Protocol):
    """Where an unexpected error is logged (the server's structlog logger)."""

    def exception(self, event: str, **fields: Any) -> Any:
        """Log ``event`` with the exception being handled."""


def respond(req: Any, log: ErrorLog | None = None, memo: Memo | None = MEMO,
            max_response: int = MAX_RESPONSE_BYTES) -> bytes:
    """Handle one request (synchronously: there is no I/O in it); never raises.

    ``req`` is the request as ``function.request`` reads it (the server's), or the SDK's
    message (tests build those; read again here). The response's wire bytes: a small
    per-call head (conditions, status, requirements) serialized here, followed by the
    memoised desired resources and probes as bytes — protobuf merges concatenated messages,
    so the two parse as one response. A refusal starts from a fresh response, so it carries
    nothing the refused call had begun.
    """
    try:
        req = request.of(req)
        rsp = response.to(req)
        tail = _run(req, rsp, memo, max_response)
        return b"".join([rsp.SerializeToString(), *tail])
    # Each clause names its exception apart: compiled (mypyc), a name bound by two clauses
    # takes the first clause's type and the second raises TypeError instead of refusing.
    except DnsInputError as refused:
        message = str(refused)
    except DecodeError as undecoded:  # an SDK request (a test's) that the wire could not carry
        return undecodable(request.decode_reason(undecoded, limit=200))
    except Exception as unexpected:  # the server must keep serving whatever the input
        if log is not None:
            log.exception("unexpected error", error=str(unexpected))
        message = f"internal error ({type(unexpected).__name__}); the claim was not composed"
    refusal = response.to(req)
    _refuse(refusal, message)
    serialized: bytes = refusal.SerializeToString()
    return serialized


def undecodable(reason: str) -> bytes:
    """The refusal of a request protobuf could not decode (``reason``: protobuf's words).

    It starts from an empty response, not from the request (``response.to`` would copy the
    parts that could not be read), so it is the same whether the server's parse or the
    handler's met the request.
    """
    rsp = fnv1.RunFunctionResponse()
    _refuse(rsp, f"request: could not be decoded ({reason}); it is malformed or nested deeper than protobuf allows")
    serialized: bytes = rsp.SerializeToString()
    return serialized


def run(req: Any, log: ErrorLog | None = None, memo: Memo | None = MEMO,
        max_response: int = MAX_RESPONSE_BYTES) -> fnv1.RunFunctionResponse:
    """Handle one request and return the response message (what the server sends, parsed)."""
    rsp = fnv1.RunFunctionResponse()
    rsp.ParseFromString(respond(req, log, memo, max_response))
    return rsp


def _refuse(rsp: fnv1.RunFunctionResponse, message: str) -> None:
    """A Fatal result and no composed resources: a refused claim writes nothing.

    The refusal is also the ``DNSRecordsReady`` condition (False, ``Refused``), for the
    composite and its claim. Crossplane turns a Fatal into the composite's own error only
    (``Synced=False``; the claim stays Synced) but keeps the conditions of the response that
    carried it (composite/reconciler.go, v2.2.1 and v1.20.1), so the claim's owner, who may
    not read the cluster-scoped composite, sees which field broke which rule.
    """
    rsp.desired.ClearField("resources")
    rsp.ClearField("requirements")
    condition = rsp.conditions.add()
    condition.type = CONDITION
    condition.status = fnv1.STATUS_CONDITION_FALSE
    condition.reason = "Refused"
    condition.message = message
    condition.target = fnv1.TARGET_COMPOSITE_AND_CLAIM
    response.fatal(rsp, message)


def _run(req: Any, rsp: fnv1.RunFunctionResponse, memo: Memo | None,
         max_response: int = MAX_RESPONSE_BYTES) -> list[bytes]:
    """Fill the per-call part of ``rsp``; return the memoised parts to send after it."""
    # Which fields this Crossplane reads requirements from and answers in (1.x: the deprecated ones).
    channel = requirements.channel(req)

    # Parse the step's input, and ask for the Sovereign settings it names (on every call).
    input_bytes = req.input.SerializeToString(deterministic=True) if req.HasField("input") else None
    fn_input = _input_from_bytes(input_bytes)
    settings_bytes = _require_settings(req, rsp, fn_input, channel)
    if settings_bytes is None:
        _parse_claim(claims.decisive_parts(req.observed.composite.resource.fields))  # refuse a malformed claim now
        return []

    # Read the claim, plan its record sets, translate them into managed resources (memoised).
    composition = _composition(req, fn_input, input_bytes or b"", settings_bytes, memo)
    if isinstance(composition, str):  # a refusal, memoised with its message
        _refuse(rsp, composition)
        return []

    # Conflicts, on every call: who else writes at our names (kinds the cluster serves only).
    answers = channel.answers(req)
    kinds = composition.probes.other_kinds()
    conflicts.ask_crds(channel.selectors(rsp), kinds)
    probes = conflicts.requirements(composition.probes, channel, answers, kinds)
    losses = conflicts.decide(answers, composition.probes, composition.owner)  # Fatal if not ours

    # Emit, with readiness from what Crossplane observed (unless Crossplane will throw this
    # answer away and call again: 10 ms for a 1,000-hostname claim's 2,002 MRs), merged with
    # what earlier steps composed; an answer Crossplane would not accept is a refusal.
    observed = {} if conflicts.asks_again(answers, kinds, probes) else req.observed.resources
    tail = [*_emit(observed, rsp, composition, losses), probes]
    rsp.meta.ttl.seconds = response_ttl(len(composition.names))
    _check_size(rsp.ByteSize() + sum(len(part) for part in tail), len(composition.names), max_response)
    return tail


def response_ttl(resources: int) -> int:
    """Seconds until Crossplane runs a composite of ``resources`` composed resources again.

    See ``RESPONSE_TTL_SECONDS``: a minute, and a minute more per hundred resources, at most ten.
    """
    per_size = RESPONSE_TTL_SECONDS * max(1, resources // RESPONSE_TTL_PER_RESOURCES)
    return min(per_size, MAX_RESPONSE_TTL_SECONDS)


def _check_size(size: int, resources: int, max_response: int) -> None:
    """Refuse an answer Crossplane would drop with ResourceExhausted, naming nothing the user wrote."""
    if size > max_response:
        raise DnsInputError(
            "spec", f"<{resources} composed resources>",
            f"make a {size / 2**20:.2f} MiB response; Crossplane accepts at most {max_response / 2**20:g} MiB "
            "from a function (gRPC's default receive limit, which it does not raise): split the names or "
            "values over several claims")


def _composition(req: Any, fn_input: FunctionInput, input_bytes: bytes, settings_bytes: bytes,
                 memo: Memo | None) -> Composition | str:
    """The claim's composition, from the memo or freshly built, or the message of its refusal."""
    parts = claims.decisive_parts(req.observed.composite.resource.fields)
    digest = key(parts, input_bytes, settings_bytes) if memo is not None else b""
    outcome = memo.get(digest) if memo is not None else None
    if outcome is None:
        try:
            with PAUSED:  # thousands of containers held to the end, not walked again and again (``function.collector``)
                outcome = _compose(parts, fn_input, settings_bytes)
        except DnsInputError as exc:
            outcome = str(exc)
        if memo is not None:
            memo.put(digest, outcome)
    return outcome


def _emit(observed: Mapping[str, request.Resource], rsp: fnv1.RunFunctionResponse, composition: Composition,
          losses: list[conflicts.Loss]) -> list[bytes]:
    """Set the conditions; return the status and desired resources as bytes (parked ones in ``rsp``)."""
    status = merge_status(rsp, composition)
    ready = ready_names(observed, composition)
    _condition(rsp, len(composition.names), len(ready))
    conflicts.report(rsp, losses)
    if losses:  # rare: edit the resources as a message
        rsp.MergeFromString(composition.mixed(ready))
        conflicts.park(rsp, losses)
        # Parked MRs may still report Ready (they observe another owner's records); the
        # composite is not, and Crossplane takes the function's word over its composed resources'.
        rsp.desired.composite.ready = fnv1.READY_FALSE
        return [status]
    if len(ready) == len(composition.names):
        return [status, composition.ready]
    if not ready:
        return [status, *composition.pending_parts()]
    return [status, composition.mixed(ready)]


def _parse_claim(parts: claims.Parts) -> tuple[claims.Composite, claims.Spec]:
    """The composite's identity and spec, read from the parts that decide them (the memo's key)."""
    xr: dict[str, Any] = {}
    for path, value in parts:
        if len(path) == 1:
            xr[path[0]] = to_python(value, path[0])
        else:
            xr.setdefault(path[0], {})[path[1]] = to_python(value, ".".join(path))
    composite = claims.read_composite(xr)
    return composite, claims.read_spec(composite.kind, xr)


def _compose(parts: claims.Parts, fn_input: FunctionInput, settings_bytes: bytes) -> Composition:
    """Parse the claim (its decisive parts), plan its record sets against the settings, translate per provider."""
    composite, spec = _parse_claim(parts)
    settings = _settings_from_bytes(settings_bytes)
    planned = plan(settings, composite, spec, fn_input)
    return build(planned, composite)


def _condition(rsp: fnv1.RunFunctionResponse, total: int, ready: int) -> None:
    done = ready == total
    condition = rsp.conditions.add()
    condition.type = CONDITION
    condition.status = fnv1.STATUS_CONDITION_TRUE if done else fnv1.STATUS_CONDITION_FALSE
    condition.reason = "Available" if done else "Creating"
    condition.message = f"{ready} of {total} DNS resources ready"
    condition.target = fnv1.TARGET_COMPOSITE_AND_CLAIM


@functools.lru_cache(maxsize=32)
def _input_from_bytes(serialized: bytes | None) -> FunctionInput:
    """Read the step input once per distinct input (every call of a Composition step sends the same one)."""
    if serialized is None:
        return read_input(None)
    step_input = struct_pb2.Struct()
    step_input.ParseFromString(serialized)
    return read_input(struct_to_python(step_input, "input"))


@functools.lru_cache(maxsize=32)
def _settings_from_bytes(serialized: bytes) -> SovereignSettings:
    """Parse settings once per distinct EnvironmentConfig (every reconcile sends the same one)."""
    config = struct_pb2.Struct()
    config.ParseFromString(serialized)
    doc = struct_to_python(config, "EnvironmentConfig")
    return parse_settings(doc.get("data"), SETTINGS_FIELD)


def _require_settings(req: Any, rsp: fnv1.RunFunctionResponse,
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
    # Read and written again: Go marshals a map in random order, and these bytes key the memo.
    config = request.struct(items[0].resource, f"the EnvironmentConfig {name}")
    serialized: bytes = config.SerializeToString(deterministic=True)
    return serialized
