"""The gRPC server: mTLS as Crossplane runs functions, bounded work, health, graceful stop.

The SDK's ``runtime.serve`` runs the handler on the event loop with no bound on concurrent
requests. A DNS claim can be large (1,000 hostnames), so here the handler runs in a fixed
pool of worker threads (a small request, cheaper to answer than to hand over, runs inline),
the number of in-flight RPCs is capped (excess callers get RESOURCE_EXHAUSTED and
Crossplane retries), and the standard gRPC health service reports NOT_SERVING as soon as a
stop begins, so a rolling update drains instead of dropping calls.
"""

from __future__ import annotations

import asyncio
import gc
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import grpc
import structlog
from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from crossplane.function.proto.v1 import run_function_pb2_grpc as grpcv1
from crossplane.function.proto.v1beta1 import run_function_pb2 as fnv1beta1
from google.protobuf.message import DecodeError
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from function import request
from function.claims import CROSSPLANE_SPEC_KEYS
from function.fn import MAX_RESPONSE_BYTES, respond, undecodable
from function.memo import Memo

SERVICE = fnv1.DESCRIPTOR.services_by_name["FunctionRunnerService"].full_name
BETA_SERVICE = fnv1beta1.DESCRIPTOR.services_by_name["FunctionRunnerService"].full_name
MIB = 1024 * 1024
# Handing a request to a worker thread and back costs ~0.2 ms here, more than answering a
# claim of a few names: such a claim is answered on the event loop, held there a few ms at most.
# What the answer costs is the claim's spec (a first composition: ~0.4 ms for 3 hostnames,
# ~1.7-2.5 ms for a Gslb of 25, about what 1 KiB of spec holds; 3.5-6 ms for a DNSRoute over
# regions of 36, five MRs a name, as the bytes count names, not MRs; a memo hit skips it) and
# the resources the request carries (readiness and ownership: ~0.1 ms for a 3-hostname claim
# at rest, 36 KiB), so both bound it, not the request's size alone: after its first reconcile
# every request of a claim carries its observed MRs. Anything larger goes to the pool, so a
# big claim never holds up health checks for longer than that.
INLINE_SPEC_BYTES = 1024
INLINE_REQUEST_BYTES = 128 * 1024


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """Bounds on what one server accepts."""

    # A large claim's reconcile sends every MR it composed twice, as the API server stores
    # it (observed, and as the answer to its probe): ~20 MiB for a response near the limit.
    max_message_bytes: int = 64 * MIB
    max_response_bytes: int = MAX_RESPONSE_BYTES  # what Crossplane accepts (function.fn)
    workers: int = 4
    max_in_flight: int = 64
    grace_seconds: float = 10.0
    memo_bytes: int = 64 * MIB


class PooledFunction(grpcv1.FunctionRunnerServiceServicer):
    """RunFunction on a bounded thread pool, so the event loop keeps answering health checks."""

    def __init__(self, pool: ThreadPoolExecutor, memo: Memo | None, max_response: int = MAX_RESPONSE_BYTES) -> None:
        self.pool = pool
        self.memo = memo
        self.max_response = max_response
        self.log = structlog.get_logger()

    async def RunFunction(  # noqa: N802 - the gRPC method name
        self, received: Received | Undecodable, _: grpc.aio.ServicerContext | None = None
    ) -> bytes:
        """Run the handler (in the pool unless the request is small); never raises; returns the wire bytes."""
        if isinstance(received, Undecodable):
            return received.response()
        if received.inline:
            return respond(received.request, self.log, self.memo, self.max_response)
        return await asyncio.get_running_loop().run_in_executor(
            self.pool, respond, received.request, self.log, self.memo, self.max_response)


@dataclass(frozen=True, slots=True)
class Received:
    """A decoded request, and whether it is cheap enough to answer on the event loop."""

    request: Any  # function.request.Request: the SDK's, Crossplane's state left as bytes
    inline: bool


@dataclass(frozen=True, slots=True)
class Undecodable:
    """A request protobuf could not decode (say, nested beyond its depth limit)."""

    reason: str

    def response(self) -> bytes:
        """A Fatal result, so Crossplane reports the problem on the composite."""
        return undecodable(self.reason)


def _deserialize(data: bytes) -> Received | Undecodable:
    try:
        req = request.parse(data)
    except DecodeError as exc:
        return Undecodable(request.decode_reason(exc, limit=200))
    return Received(req, answers_inline(req, len(data)))


def answers_inline(req: Any, size: int) -> bool:
    """Whether a request costs less to answer than to hand to a worker (see ``INLINE_SPEC_BYTES``).

    ``size`` is the request's size on the wire, known there for free (``ByteSize`` walks the
    message: 1.3 ms for a 1,000-hostname claim's composite); only the claim's own spec is
    measured so, not what Crossplane writes into it (a ref per composed resource).
    """
    if size <= INLINE_SPEC_BYTES:
        return True
    if size > INLINE_REQUEST_BYTES:
        return False
    spec = req.observed.composite.resource.fields.get("spec")
    if spec is None:
        return True
    if spec.WhichOneof("kind") != "struct_value":
        own: int = spec.ByteSize()
    else:
        given = spec.struct_value.fields
        own = sum(given[name].ByteSize() for name in given if name not in CROSSPLANE_SPEC_KEYS)
    return own <= INLINE_SPEC_BYTES


def _serialize(message: bytes) -> bytes:
    return message


def add_function_service(function: PooledFunction, server: grpc.aio.Server) -> None:
    """Register RunFunction, v1 and v1beta1, with our own (de)serializers.

    The two versions are the same message on the wire, so one handler serves both; the
    serializer sends the handler's bytes as they are, and the deserializer turns an
    undecodable request into a Fatal result instead of an opaque UNKNOWN status.
    """
    handler = grpc.unary_unary_rpc_method_handler(
        function.RunFunction, request_deserializer=_deserialize, response_serializer=_serialize)
    server.add_generic_rpc_handlers(tuple(
        grpc.method_handlers_generic_handler(service, {"RunFunction": handler})
        for service in (SERVICE, BETA_SERVICE)))


def build_server(limits: ServerLimits, pool: ThreadPoolExecutor) -> tuple[grpc.aio.Server, health.aio.HealthServicer]:
    """A server with the function (v1 and v1beta1), health and reflection registered."""
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", limits.max_message_bytes),
            ("grpc.max_send_message_length", limits.max_message_bytes),
        ],
        maximum_concurrent_rpcs=limits.max_in_flight,
    )
    function = PooledFunction(pool, Memo(limits.memo_bytes) if limits.memo_bytes else None, limits.max_response_bytes)
    add_function_service(function, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    health_service = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
    reflection.enable_server_reflection((SERVICE, BETA_SERVICE, health_service, reflection.SERVICE_NAME), server)
    return server, health_servicer


async def serve(address: str, *, creds: grpc.ServerCredentials | None, insecure: bool,
                limits: ServerLimits) -> None:
    """Serve until SIGTERM or SIGINT, then drain in-flight calls for ``grace_seconds``."""
    if creds is None and not insecure:
        raise ValueError("no TLS certificates given; pass --tls-certs-dir, or --insecure for local development")
    log = structlog.get_logger()
    with ThreadPoolExecutor(max_workers=limits.workers, thread_name_prefix="runfunction") as pool:
        server, health_servicer = build_server(limits, pool)
        if creds is not None:
            server.add_secure_port(address, creds)
        else:
            server.add_insecure_port(address)
        await server.start()
        # What exists now (modules, the SDK's descriptors, gRPC's objects) lives as long as the
        # process: out of the collector's sight, a full collection walks only what requests
        # leave behind. Measured on 1,000-hostname first compositions: a full collection
        # every few calls, ~10 ms each before, ~1.5 ms frozen.
        gc.freeze()
        for service in ("", SERVICE):
            await health_servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
        log.info("serving", address=address, tls=creds is not None, workers=limits.workers,
                 max_in_flight=limits.max_in_flight, max_message_bytes=limits.max_message_bytes,
                 max_response_bytes=limits.max_response_bytes)

        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        await stopping.wait()
        log.info("stopping", grace_seconds=limits.grace_seconds)
        await health_servicer.enter_graceful_shutdown()
        await server.stop(grace=limits.grace_seconds)
        log.info("stopped")
