"""The floor: a function that answers each request with a precomputed response.

It is a ``grpc.aio`` server (what the Crossplane SDK's runtime builds) with the same message
limits as ours. Every request is received and parsed into a ``RunFunctionRequest``, as any
function must; the answer is the response our handler (``function.fn.run``) gave for that
workload, computed once at startup, keyed by the composite's kind and hostname count, and
kept as its wire bytes. What a call costs is what gRPC and protobuf alone cost for a request
and a response of those sizes: no composition, and no per-call response encoding (ours may
send memoised wire bytes too, so a floor that re-encoded would not be a floor).

    python -m benchmarks.floor --address 127.0.0.1:9444
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

import grpc
from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from benchmarks.workloads import WORKLOADS, key_of
from function.fn import run

MIB = 1024 * 1024
SERVICE = fnv1.DESCRIPTOR.services_by_name["FunctionRunnerService"].full_name


def key_of_request(req: fnv1.RunFunctionRequest) -> tuple[str, int]:
    xr = req.observed.composite.resource
    spec = xr.fields["spec"].struct_value
    hostnames = spec.fields["hostnames"].list_value.values if "hostnames" in spec.fields else ()
    return key_of(xr.fields["kind"].string_value, len(hostnames) or 1)


class FloorFunction:
    """Answers from a table of precomputed responses, as wire bytes."""

    def __init__(self) -> None:
        self.responses: dict[tuple[str, int], bytes] = {}
        self.resources: dict[tuple[str, int], int] = {}
        for workload in WORKLOADS:
            self.learn(workload.request())

    def learn(self, req: fnv1.RunFunctionRequest) -> bytes:
        rsp = run(req)
        wire: bytes = rsp.SerializeToString()
        self.responses[key_of_request(req)] = wire
        self.resources[key_of_request(req)] = len(rsp.desired.resources)
        return wire

    async def RunFunction(self, req: fnv1.RunFunctionRequest, _: grpc.aio.ServicerContext) -> bytes:  # noqa: N802
        wire = self.responses.get(key_of_request(req))
        return wire if wire is not None else self.learn(req)  # an unknown shape: computed once


async def serve(function: FloorFunction, address: str, limit: int) -> None:
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", limit),
                                      ("grpc.max_send_message_length", limit)])
    handler = grpc.unary_unary_rpc_method_handler(
        function.RunFunction, request_deserializer=fnv1.RunFunctionRequest.FromString, response_serializer=None)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {"RunFunction": handler}),))
    server.add_insecure_port(address)
    await server.start()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stopping.set)
    await stopping.wait()
    await server.stop(grace=1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", default="127.0.0.1:9444")
    parser.add_argument("--max-message-mib", type=int, default=64)
    args = parser.parse_args(argv)
    function = FloorFunction()
    for key, wire in sorted(function.responses.items()):
        print(f"floor: {key[0]} x{key[1]}: {len(wire)} B, {function.resources[key]} resources",
              file=sys.stderr, flush=True)
    asyncio.run(serve(function, args.address, args.max_message_mib * MIB))
    return 0


if __name__ == "__main__":
    sys.exit(main())
