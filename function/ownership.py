"""Observed ownership: refuse a record set that another composite already writes.

Deterministic MR names already make two composites in one scope collide on the same
object, but Crossplane reports that only as an apply error deep in events. Before a
record set is first written, the function asks Crossplane (required resources, matched
by the record-set label every MR carries) for any MR already writing it; if one exists
with another owner, the claim is refused with a Fatal result naming that owner. Record
sets this composite already observes as its own are not asked about again, so a steady
reconcile costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers.base import ANNOTATION_OWNER, LABEL_RECORD_SET

REQUIREMENT_PREFIX = "owner-of-"


@dataclass(frozen=True, slots=True)
class Probe:
    """What to ask Crossplane about one record set before first writing it (see ``ownership``)."""

    resource_name: str
    record_set: str
    api_version: str
    kind: str
    field: str
    fqdn: str


def _text(struct_value: fnv1.Resource, *path: str) -> str:
    fields = struct_value.resource.fields
    for key in path[:-1]:
        value = fields.get(key)
        if value is None:
            return ""
        fields = value.struct_value.fields
    leaf = fields.get(path[-1])
    return leaf.string_value if leaf is not None else ""


def add_requirement(rsp: fnv1.RunFunctionResponse, probe: Probe) -> None:
    """Ask Crossplane for any MR already writing ``probe``'s record set."""
    selector = rsp.requirements.resources[REQUIREMENT_PREFIX + probe.record_set]
    selector.api_version = probe.api_version
    selector.kind = probe.kind
    selector.match_labels.labels[LABEL_RECORD_SET] = probe.record_set


def require_unobserved(req: fnv1.RunFunctionRequest, rsp: fnv1.RunFunctionResponse,
                       probes: Iterable[Probe]) -> None:
    """Ask about the record sets whose MRs Crossplane has not observed yet."""
    observed = req.observed.resources
    for probe in probes:
        if probe.resource_name not in observed:
            add_requirement(rsp, probe)


def check_answers(req: fnv1.RunFunctionRequest, probes: Mapping[str, Probe], owner: str) -> None:
    """Refuse the claim if Crossplane found an MR of one of its record sets with another owner."""
    for name, answer in req.required_resources.items():
        if not name.startswith(REQUIREMENT_PREFIX) or not answer.items:
            continue
        probe = probes.get(name[len(REQUIREMENT_PREFIX):])
        if probe is None:
            continue
        for found in answer.items:
            other = _text(found, "metadata", "annotations", ANNOTATION_OWNER)
            if other != owner:
                raise DnsInputError(probe.field, probe.fqdn,
                                    f"is already written by {other or 'an unknown owner'} "
                                    f"({probe.kind} {_text(found, 'metadata', 'name')}); "
                                    "two composites cannot share a record set")
