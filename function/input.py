"""The function's input (``dns.fn.openova.io/v1beta1`` ``Input``).

Crossplane never installs a function's input CRD, so nothing has checked it: read it as
strictly as a claim.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalyst_dns import fields
from catalyst_dns.errors import DnsInputError

API_VERSION = "dns.fn.openova.io/v1beta1"
KIND = "Input"
DEFAULT_ENVIRONMENT_CONFIG = "catalyst-dns"


@dataclass(frozen=True, slots=True)
class FunctionInput:
    """What a Composition step asks of the function."""

    environment_config: str = DEFAULT_ENVIRONMENT_CONFIG
    k8gb_enabled: bool = False


def read_input(doc: Mapping[str, Any] | None) -> FunctionInput:
    """The input of a pipeline step (absent input means the defaults)."""
    if not doc:
        return FunctionInput()
    doc = fields.mapping(doc, "input")
    api_version = doc.get("apiVersion", API_VERSION)
    if api_version != API_VERSION:
        raise DnsInputError("input.apiVersion", api_version, f"must be {API_VERSION}")
    if doc.get("kind", KIND) != KIND:
        raise DnsInputError("input.kind", doc.get("kind"), f"must be {KIND}")
    fields.no_unknown_keys(doc, frozenset({"apiVersion", "kind", "metadata", "environmentConfigName", "k8gb"}),
                           "input")
    k8gb = fields.optional_mapping(doc, "k8gb", "input") or {}
    fields.no_unknown_keys(k8gb, frozenset({"enabled"}), "input.k8gb")
    return FunctionInput(
        environment_config=fields.string(doc, "environmentConfigName", "input", default=DEFAULT_ENVIRONMENT_CONFIG),
        k8gb_enabled=fields.boolean(k8gb, "enabled", "input.k8gb", default=False),
    )
