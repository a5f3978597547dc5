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
from catalyst_dns.providers.base import ANNOTATION_OWNER, LABEL_NAME, LABEL_TYPE

REQUIREMENT_PREFIX = "owner-of-"


@dataclass(frozen=True, slots=True)
class Probe:
    """One question for Crossplane: which MRs of one kind already write at one of our names.

    Asked per name, not per record set, so a CNAME in one composite and an A record in
    another at the same name are caught as well as two writers of one record set.
    """

    requirement: str
    name_id: str
    api_version: str
    kind: str
    field: str
    fqdn: str
    types: frozenset[str]  # the record types we write at the name, lower case
    resource_names: tuple[str, ...]  # our MRs at the name: once all are observed, stop asking

    def conflicts_with(self, other_type: str) -> bool:
        """Whether another owner's record of ``other_type`` at this name clashes with ours."""
        return other_type in self.types or other_type == "cname" or "cname" in self.types


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
    """Ask Crossplane for the MRs of ``probe``'s kind already writing at its name."""
    selector = rsp.requirements.resources[probe.requirement]
    selector.api_version = probe.api_version
    selector.kind = probe.kind
    selector.match_labels.labels[LABEL_NAME] = probe.name_id


def require_unobserved(req: fnv1.RunFunctionRequest, rsp: fnv1.RunFunctionResponse,
                       probes: Iterable[Probe]) -> None:
    """Ask about the names whose MRs Crossplane has not all observed yet."""
    observed = req.observed.resources
    for probe in probes:
        if not all(name in observed for name in probe.resource_names):
            add_requirement(rsp, probe)


def check_answers(req: fnv1.RunFunctionRequest, probes: Mapping[str, Probe], owner: str) -> None:
    """Refuse the claim if Crossplane found another owner's clashing MR at one of its names."""
    for requirement, answer in req.required_resources.items():
        probe = probes.get(requirement) if answer.items else None
        if probe is None:
            continue
        for found in answer.items:
            other = _text(found, "metadata", "annotations", ANNOTATION_OWNER)
            other_type = _text(found, "metadata", "labels", LABEL_TYPE)
            if other == owner or not probe.conflicts_with(other_type):
                continue
            ours = "/".join(sorted(probe.types)).upper()
            what = (f"{other_type.upper()} record set" if other_type in probe.types
                    else f"{other_type.upper() or 'unknown'} records beside our {ours}")
            raise DnsInputError(probe.field, probe.fqdn,
                                f"is already written by {other or 'an unknown owner'} "
                                f"({what}, {probe.kind} {_text(found, 'metadata', 'name')}); "
                                "a name cannot be shared like that between composites")
