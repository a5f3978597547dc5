"""The function-go-templating peer: its request (v1beta1) and how to start it.

function-go-templating v0.4.1 serves only the v1beta1 FunctionRunnerService, and its v1beta1
protocol predates required resources, so the Sovereign settings reach its template the way a
go-templating Composition gets an EnvironmentConfig: as the environment in the pipeline context.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from crossplane.function.proto.v1beta1 import run_function_pb2 as fnv1beta1

from benchmarks.workloads import SETTINGS, Workload

HERE = Path(__file__).resolve().parent / "go-templating"
VERSION = "v0.4.1"
ENVIRONMENT_KEY = "apiextensions.crossplane.io/environment"


@cache
def template() -> str:
    return (HERE / "template.yaml.gotmpl").read_text()


def fn_input() -> dict[str, Any]:
    return {"apiVersion": "gotemplating.fn.crossplane.io/v1beta1", "kind": "GoTemplate", "source": "Inline",
            "inline": {"template": template()}}


def request(workload: Workload, variant: int | None = None) -> fnv1beta1.RunFunctionRequest:
    req = fnv1beta1.RunFunctionRequest()
    req.observed.composite.resource.update(workload.composite(variant))
    req.input.update(fn_input())
    req.context.update({ENVIRONMENT_KEY: {"apiVersion": "apiextensions.crossplane.io/v1beta1",
                                          "kind": "EnvironmentConfig", **SETTINGS}})
    return req


def with_observed(workload: Workload, v1_request: bytes, variant: int | None = None) -> fnv1beta1.RunFunctionRequest:
    """``variant``'s request in v1beta1 with the observed state of ``v1_request`` (a v1 request's bytes).

    How this peer is given what Crossplane sends once a claim is composed (the at-rest and
    restarted rows): the same observed state, its own input and context.
    """
    observed = fnv1beta1.RunFunctionRequest.FromString(v1_request).observed  # the same message on the wire
    req = request(workload, variant)
    req.observed.CopyFrom(observed)
    return req


def command(binary: str, address: str) -> list[str]:
    return [binary, "--insecure", f"--address={address}"]
