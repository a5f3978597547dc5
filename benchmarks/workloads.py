"""The benchmark's requests: one small, one typical and one large composite.

The Sovereign settings and the request builder are the function tests' own
(tests/function/requests.py), so the tenancy allows every name used here
(suffixes acme.omantel.example on Cloudflare and acme.hz.omantel.example on Hetzner).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from function.fn import run
from tests.core.sovereign import SETTINGS
from tests.function.requests import request, xr

K8GB_INPUT: dict[str, Any] = {"apiVersion": "dns.fn.openova.io/v1beta1", "kind": "Input", "k8gb": {"enabled": True}}
ZONES = ("acme.omantel.example", "acme.hz.omantel.example")  # Cloudflare, Hetzner
REGIONS = ("fsn", "hel")


@dataclass(frozen=True)
class Workload:
    """One request, and what a correct answer to it holds."""

    name: str
    kind: str  # the composite's kind
    spec: dict[str, Any]
    fn_input: dict[str, Any]
    expected_resources: int  # desired composed resources in a correct response
    description: str

    @property
    def hostnames(self) -> list[str]:
        return list(self.spec.get("hostnames", [])) or [self.spec["name"]]

    @property
    def key(self) -> tuple[str, int]:
        """What the floor keys its precomputed responses by: kind and hostname count."""
        return key_of(self.kind, len(self.hostnames))

    def composite(self, variant: int | None = None) -> dict[str, Any]:
        """The composite; a ``variant`` number gives a distinct XR of the same shape.

        A distinct XR has another name and other DNS names too (``app0001.v3.acme...``), as
        the claims Crossplane composes at once after a restart do: nothing cached per name
        (a hash, a checked name) can answer for it either.
        """
        if variant is None:
            return xr(self.kind, self.spec, name=f"bench-{self.name}")
        spec = dict(self.spec)
        if "hostnames" in spec:
            spec["hostnames"] = [variant_name(host, variant) for host in spec["hostnames"]]
        else:
            spec["name"] = variant_name(spec["name"], variant)
        return xr(self.kind, spec, name=f"bench-{self.name}-{variant}")

    def request(self, variant: int | None = None) -> fnv1.RunFunctionRequest:
        """The request ours and the floor get (v1 protocol): the turn that asks every probe.

        The settings are answered, and so are the CRD lookups, as by a cluster that serves only
        the namespaced kinds (not found): the function asks its probes once those answers are
        in (``conflicts.requirements``), so this is the costliest turn of a first composition.
        """
        req = request(self.composite(variant), fn_input=self.fn_input)
        for requirement in crd_requirements(self.name):
            req.required_resources[requirement].SetInParent()
        return req


@functools.cache
def crd_requirements(workload: str) -> tuple[str, ...]:
    """The CRD lookups the function asks for a workload (they depend on its providers, not its names)."""
    shape = BY_NAME[workload]
    asked = run(request(shape.composite(), fn_input=shape.fn_input), memo=None)
    return tuple(sorted(name for name, selector in asked.requirements.resources.items()
                        if selector.kind == "CustomResourceDefinition"))


def variant_name(name: str, variant: int) -> str:
    """``name`` with a label for ``variant`` after its first: ``app0001.v3.acme.omantel.example``."""
    first, _, rest = name.partition(".")
    return f"{first}.v{variant}.{rest}"


def key_of(kind: str, hostnames: int) -> tuple[str, int]:
    return (kind, hostnames)


def gslb_hostnames(count: int) -> list[str]:
    """``count`` vanity names, alternating between the two zones (two providers)."""
    return [f"app{i:04d}.{ZONES[i % 2]}" for i in range(count)]


def gslb_spec(count: int) -> dict[str, Any]:
    return {"hostnames": gslb_hostnames(count), "regions": list(REGIONS),
            "strategy": {"type": "failover", "primaryRegion": "fsn"}, "ttl": 60,
            "backendRef": {"kind": "HTTPRoute", "name": "shop", "namespace": "acme-prod"}}


def gslb_expected(count: int) -> int:
    # per hostname: one CNAME and one ownership TXT; per region: one k8gb Gslb in an Object
    return 2 * count + len(REGIONS)


WORKLOADS: tuple[Workload, ...] = (
    Workload("small-dnsrecord", "DNSRecord",
             {"name": "_dmarc.acme.omantel.example", "type": "TXT", "values": ["v=DMARC1; p=reject"], "ttl": 3600},
             {"apiVersion": "dns.fn.openova.io/v1beta1", "kind": "Input"}, 2,
             "DNSRecord, one TXT on Cloudflare (+ ownership TXT)"),
    Workload("typical-gslb", "Gslb", gslb_spec(3), K8GB_INPUT, gslb_expected(3),
             "Gslb, 3 hostnames in 2 zones on Cloudflare + Hetzner, 2 regions, failover, k8gb"),
    Workload("large-gslb", "Gslb", gslb_spec(1000), K8GB_INPUT, gslb_expected(1000),
             "Gslb, 1,000 hostnames in 2 zones on Cloudflare + Hetzner, 2 regions, failover, k8gb"),
)

BY_NAME = {w.name: w for w in WORKLOADS}

__all__ = ["BY_NAME", "SETTINGS", "WORKLOADS", "Workload", "key_of"]
