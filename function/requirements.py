"""Which request/response fields carry required resources, as the calling Crossplane reads them.

The function asks Crossplane for resources (the Sovereign settings, CRDs, ownership
probes) and reads the answers in the next call. Crossplane has two pairs of fields for
that, and which pair works depends on its version (checked against Crossplane's source):

* Crossplane 1.x (1.20: ``internal/controller/apiextensions/composite/extra_resources.go``)
  reads only ``requirements.extra_resources`` and answers only in ``extra_resources``; its
  ``RequestMeta`` has no capabilities. ``requirements.resources`` is ignored, silently.
* Crossplane 2.0 and 2.1 read both and answer each in its own field, still without
  advertising anything.
* Crossplane 2.2+ advertises what it supports in ``meta.capabilities``
  (``CAPABILITY_CAPABILITIES`` says the list is authoritative); with
  ``CAPABILITY_REQUIRED_RESOURCES`` it reads ``requirements.resources`` and answers in
  ``required_resources`` (``internal/xfn/required_resources.go``). ``crossplane render``
  advertises the same list.

So: with ``CAPABILITY_REQUIRED_RESOURCES`` use the current fields. With no capabilities at
all the caller predates advertisement, and the deprecated fields are the ones every such
version reads — unless the request already carries ``required_resources`` (a Composition
step's bootstrap requirements), a field only Crossplane 2.x fills and reads. With an
authoritative list that lacks the capability nothing can be fetched, and the claim is
refused with a message saying why. Asking in one field only (not both) keeps Crossplane
from fetching everything twice, and reading answers only from the field we asked on keeps
a stale answer in the other field from being believed.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from enum import Enum
from typing import Any, cast

from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from catalyst_dns.errors import DnsInputError
from function import request


class Channel(Enum):
    """A pair of fields: where requirements go in the response, where answers come in the request."""

    REQUIRED = "required_resources"  # requirements.resources -> required_resources
    EXTRA = "extra_resources"  # requirements.extra_resources -> extra_resources (deprecated)

    __hash__ = object.__hash__  # a singleton's identity (Enum's own hashes its name, in Python; a probe key)

    def selectors(self, rsp: fnv1.RunFunctionResponse) -> MutableMapping[str, fnv1.ResourceSelector]:
        """The response map requirements are written into."""
        selectors = rsp.requirements.resources if self is Channel.REQUIRED else rsp.requirements.extra_resources
        return cast("MutableMapping[str, fnv1.ResourceSelector]", selectors)

    def answers(self, req: Any) -> Mapping[str, request.Resources]:
        """The request map Crossplane answers in (``function.request``: each item's resource as bytes)."""
        answers = req.required_resources if self is Channel.REQUIRED else req.extra_resources
        return cast("Mapping[str, request.Resources]", answers)


def channel(req: Any) -> Channel:
    """The fields this Crossplane reads, from ``meta.capabilities``; refuses one that reads none."""
    capabilities = set(req.meta.capabilities)
    if fnv1.CAPABILITY_REQUIRED_RESOURCES in capabilities:
        return Channel.REQUIRED
    if fnv1.CAPABILITY_CAPABILITIES not in capabilities:
        return Channel.REQUIRED if len(req.required_resources) else Channel.EXTRA
    raise DnsInputError(
        "meta.capabilities", sorted(_capability_name(c) for c in capabilities),
        "lacks CAPABILITY_REQUIRED_RESOURCES: this Crossplane cannot fetch required resources, "
        "and catalyst-dns needs them for the Sovereign DNS settings and its ownership checks")


def _capability_name(number: int) -> str:
    """A capability's name, or its number when it is newer than this SDK (``Name`` would raise)."""
    return fnv1.Capability.Name(number) if number in fnv1.Capability.values() else str(number)
