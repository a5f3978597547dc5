"""Which requests the server answers on its event loop, and which it hands to a worker.

The rule is the work a request implies (its claim's own spec, the resources it carries), not
its size alone: after its first reconcile every request of a claim carries its observed MRs.
"""

from __future__ import annotations

from typing import Any

from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from function.server import INLINE_REQUEST_BYTES, INLINE_SPEC_BYTES, Received, _deserialize, answers_inline
from tests.function.requests import request, xr

ZONE = "acme.omantel.example"


def gslb(hostnames: int) -> dict[str, Any]:
    return {"hostnames": [f"app{n:04d}.{ZONE}" for n in range(hostnames)], "regions": ["fsn", "hel"],
            "strategy": {"type": "failover", "primaryRegion": "fsn"}, "ttl": 60}


def observed_mr(name: str, padding: int = 0) -> dict[str, Any]:
    """An MR as observed: the size of a real one is what matters here, not its fields."""
    return {"apiVersion": "dns.cloudflare.m.cloudflare.com/v1alpha1", "kind": "Record",
            "metadata": {"name": name, "annotations": {"note": "x" * padding}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}}


def with_refs(composite: dict[str, Any], count: int) -> dict[str, Any]:
    """The composite as Crossplane v2 keeps it once composed: a ref per composed resource in its spec."""
    refs = [{"apiVersion": "dns.cloudflare.m.cloudflare.com/v1alpha1", "kind": "Record", "name": f"mr-{n:04d}"}
            for n in range(count)]
    composite["spec"]["crossplane"] = {"compositionRef": {"name": "gslb"}, "resourceRefs": refs}
    return composite


def inline(req: fnv1.RunFunctionRequest) -> bool:
    return answers_inline(req, req.ByteSize())


def test_a_small_claims_first_composition_is_answered_inline() -> None:
    assert inline(request(xr("Gslb", gslb(3))))


def test_a_small_claim_at_rest_is_inline_though_its_request_is_many_times_larger() -> None:
    """As large as the typical claim's last call of a reconcile (8 MRs observed, 7 answered: 36 KiB)."""
    req = request(with_refs(xr("Gslb", gslb(3)), 8),
                  observed={f"mr-{n}": observed_mr(f"mr-{n}", 4400) for n in range(8)})
    assert 36 * 1024 < req.ByteSize() < 40 * 1024  # the old rule (4 KiB of request) sent it to a worker
    assert inline(req)


def test_what_crossplane_writes_into_the_spec_does_not_count_as_the_claims_work() -> None:
    composite = with_refs(xr("Gslb", gslb(3)), 200)
    req = request(composite)
    assert req.observed.composite.resource.fields["spec"].ByteSize() > INLINE_SPEC_BYTES
    assert inline(req)


def test_a_claim_with_a_large_spec_goes_to_a_worker_even_in_a_small_request() -> None:
    req = request(xr("Gslb", gslb(40)))
    assert req.ByteSize() < 4 * INLINE_SPEC_BYTES
    assert not inline(req)


def test_a_request_carrying_many_resources_goes_to_a_worker_whatever_its_claim() -> None:
    observed = {f"mr-{n}": observed_mr(f"mr-{n}", 2000) for n in range(80)}
    req = request(xr("Gslb", gslb(3)), observed=observed)
    assert req.ByteSize() > INLINE_REQUEST_BYTES
    assert not inline(req)


def test_a_spec_that_is_no_object_is_measured_whole() -> None:
    small = request(xr("Gslb", {}))
    small.observed.composite.resource.fields["spec"].string_value = "x" * 100
    large = request(xr("Gslb", {}))
    large.observed.composite.resource.fields["spec"].string_value = "x" * (2 * INLINE_SPEC_BYTES)
    absent = request(xr("Gslb", {}))
    del absent.observed.composite.resource.fields["spec"]
    assert inline(small)
    assert not inline(large)
    assert inline(absent)


def test_the_deserializer_decides_by_the_wire_size_and_the_claim() -> None:
    """What the server hands ``RunFunction``: the rule applied to the request as decoded from the wire."""
    small = request(xr("Gslb", gslb(3))).SerializeToString()
    many = request(xr("Gslb", gslb(3)),
                   observed={f"mr-{n}": observed_mr(f"mr-{n}", 2000) for n in range(80)}).SerializeToString()
    decoded = [_deserialize(data) for data in (small, many)]
    assert all(isinstance(received, Received) for received in decoded)
    assert [received.inline for received in decoded if isinstance(received, Received)] == [True, False]
