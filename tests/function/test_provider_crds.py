"""Every kind the function composes or asks about has a CRD among the providers' own (../shared/crds).

Walks the provider registry, so a provider added to ``PROVIDERS`` is held to it at once: a kind
whose CRD does not exist would be refused by the API server when composed, and when probed
would never be asked (the function asks about kinds it does not compose only once Crossplane
shows it their CRD), which silently drops a conflict check.
"""

from __future__ import annotations

from functools import cache

import pytest
import yaml

from catalyst_dns.providers import PROVIDERS, Scope
from catalyst_dns.records import CLAIM_TYPES
from function.conflicts import Kind, _probed_kinds
from tests.function.engine import CRDS


@cache
def served() -> frozenset[tuple[str, str]]:
    """(apiVersion, kind) of every version the shared CRDs serve."""
    out = set()
    for path in CRDS.rglob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            out |= {(f"{spec['group']}/{v['name']}", spec["names"]["kind"]) for v in spec["versions"] if v["served"]}
    return frozenset(out)


@cache
def crd_names() -> frozenset[tuple[str, str]]:
    """(metadata.name, kind) of every shared CRD: what a probe's CRD lookup asks for by name."""
    out = set()
    for path in CRDS.rglob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "CustomResourceDefinition":
                out.add((doc["metadata"]["name"], doc["spec"]["names"]["kind"]))
    return frozenset(out)


def composed_kinds(key: str, scope: Scope) -> set[tuple[str, str]]:
    provider = PROVIDERS[key]
    return {(provider.api.of(scope), provider.kind_of(rtype)) for rtype in CLAIM_TYPES}  # DS: Pulumi's only


@pytest.mark.parametrize("scope", list(Scope))
@pytest.mark.parametrize("key", sorted(PROVIDERS))
def test_every_kind_a_provider_composes_has_its_crd(key: str, scope: Scope) -> None:
    missing = composed_kinds(key, scope) - served()
    assert not missing, f"{key} ({scope.name}) composes kinds no CRD serves: {sorted(missing)}"


@pytest.mark.parametrize("scope", list(Scope))
@pytest.mark.parametrize("key", sorted(PROVIDERS))
def test_every_kind_a_probe_asks_about_has_its_crd(key: str, scope: Scope) -> None:
    provider = PROVIDERS[key]
    for composed in sorted(composed_kinds(key, scope)):
        asked = {(kind.api_version, kind.kind) for kind, _, _ in _probed_kinds((composed,), provider, scope)}
        missing = asked - served()
        assert not missing, f"{key} ({scope.name}) probes kinds no CRD serves: {sorted(missing)}"
        # and the CRD it is asked by (``Kind.crd_name``) is the one that serves it
        for api_version, kind in asked:
            assert (Kind(api_version, kind).crd_name, kind) in crd_names(), (api_version, kind)
