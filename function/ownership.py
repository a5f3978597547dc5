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

from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import Composed
from catalyst_dns.providers.base import ANNOTATION_OWNER, LABEL_RECORD_SET

REQUIREMENT_PREFIX = "owner-of-"


def _owner_of(item: fnv1.Resource) -> str:
    metadata = item.resource.fields.get("metadata")
    if metadata is None:
        return ""
    annotations = metadata.struct_value.fields.get("annotations")
    if annotations is None:
        return ""
    owner = annotations.struct_value.fields.get(ANNOTATION_OWNER)
    return owner.string_value if owner is not None else ""


def require_and_check(req: fnv1.RunFunctionRequest, rsp: fnv1.RunFunctionResponse,
                      composed: list[tuple[Composed, str]], owner: str) -> None:
    """Ask about record sets not yet observed as ours; refuse any already owned by another.

    ``composed`` pairs each record MR with the claim field it came from.
    """
    observed = req.observed.resources
    asked: set[str] = set()
    for item, field in composed:
        manifest = item.manifest
        labels = manifest["metadata"].get("labels", {})
        record_set = labels.get(LABEL_RECORD_SET)
        if record_set is None or item.name in observed or record_set in asked:
            continue
        asked.add(record_set)
        name = REQUIREMENT_PREFIX + record_set
        selector = rsp.requirements.resources[name]
        selector.api_version = manifest["apiVersion"]
        selector.kind = manifest["kind"]
        selector.match_labels.labels[LABEL_RECORD_SET] = record_set
        for found in req.required_resources[name].items if name in req.required_resources else ():
            other = _owner_of(found)
            if other != owner:
                fqdn = manifest["metadata"]["annotations"].get("dns.openova.io/fqdn", "")
                raise DnsInputError(field, fqdn, f"is already written by {other or 'an unknown owner'} "
                                    f"({manifest['kind']} {found.resource['metadata']['name']}); "
                                    "two composites cannot share a record set")
