"""The provider registry, walked: every provider has both faces, its rules, and is what the program builds.

A provider is its core module (``catalyst_dns/providers/<p>.py``, translator and zone rules),
its Pulumi component (``components/<p>.py``) and one ``components.registry`` entry. These
tests fail when one of the three is missing or disagrees with another.
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pytest
from conftest import NORMALISED_NS, PulumiEnv
from pulumi_helpers import PROVIDER_TYPES, ZONE_TYPES

from catalyst_dns import providers as core
from catalyst_dns import settings
from catalyst_dns.errors import DnsInputError
from components.base import ZoneArgsBase, type_token
from components.config import SCALAR_KEYS, SECRET_KEYS
from components.registry import PROVIDER_KEYS, REGISTRY, PulumiProvider, ZoneSpec, face

pytestmark = pytest.mark.pulumi

MAIN = Path(__file__).resolve().parents[2] / "__main__.py"


def test_every_core_provider_has_a_pulumi_face_and_back() -> None:
    assert set(REGISTRY) == set(core.PROVIDERS) == set(settings.PROVIDERS)
    # Messages list providers in registry order; it is the settings' order.
    assert PROVIDER_KEYS == settings.PROVIDERS


@pytest.mark.parametrize("key", PROVIDER_KEYS)
def test_each_face_reaches_its_core_rules(key: str) -> None:
    entry = face(key)
    assert entry.key == key
    rules = entry.rules
    assert rules is core.provider_for(key) and rules.key == key and rules.title
    assert 0 <= rules.min_ttl <= rules.max_ttl
    # Zone-level rules the components read from the core module.
    assigned = entry.zone_rules.ASSIGNED_NAMESERVERS
    assert isinstance(assigned, int)
    assert assigned == len(NORMALISED_NS[key])
    assert isinstance(entry.signs, bool)


@pytest.mark.parametrize("key", PROVIDER_KEYS)
def test_each_face_names_a_component_that_applies_those_rules(key: str) -> None:
    entry = face(key)
    cls: Any = entry.component_class()
    module = __import__(cls.__module__, fromlist=["KIND"])
    assert cls.provider_key == key
    assert cls.assigned_nameservers == entry.zone_rules.ASSIGNED_NAMESERVERS
    args_cls = __import__(entry.args.partition(":")[0], fromlist=["x"]).__dict__[entry.args.partition(":")[2]]
    assert issubclass(args_cls, ZoneArgsBase)
    assert module.KIND and type_token(module.KIND).startswith("catalyst-dns:index:")


@pytest.mark.parametrize("key", PROVIDER_KEYS)
def test_each_component_signs_exactly_when_the_core_says_it_can(key: str) -> None:
    entry = face(key)
    spec = ZoneSpec(name="sov.example", provider=key, provider_config=key, dnssec=True,
                    account_id="acc", project="p", resource_group="rg")
    args = entry.build_args(spec, {key: object()}, protect=True)  # type: ignore[dict-item]
    if entry.signs:
        entry.component_class().validate("apex", args)
    else:
        with pytest.raises(DnsInputError, match="cannot sign zones") as caught:
            entry.component_class().validate("apex", args)
        assert caught.value.field == "apex.dnssec"


def test_config_keys_are_declared_once_and_reach_the_stack_config() -> None:
    names = [k.name for p in REGISTRY.values() for k in p.config_keys]
    assert len(names) == len(set(names))
    for entry in REGISTRY.values():
        for config_key in entry.config_keys:
            assert SCALAR_KEYS[config_key.name] == (config_key.type, config_key.default, config_key.description)
            assert (config_key.name in SECRET_KEYS) is config_key.secret
    # Per-zone keys belong to exactly one provider each.
    zone_keys = [k for p in REGISTRY.values() for k in p.child_keys]
    assert len(zone_keys) == len(set(zone_keys))


def _config(apex: str) -> dict[str, Any]:
    return {
        "catalyst-dns:domain": "sov.example",
        "catalyst-dns:provider": apex,
        "catalyst-dns:cloudflareAccountId": "acc-1",
        "catalyst-dns:gcpProject": "sov-dns",
        "catalyst-dns:azureSubscriptionId": "00000000-0000-0000-0000-000000000001",
        "catalyst-dns:azureResourceGroup": "rg-dns",
        "catalyst-dns:regions": json.dumps([{"geotag": "fsn", "nameserver": {"ipv4": "203.0.113.53"}}]),
    }


@pytest.mark.parametrize("key", PROVIDER_KEYS)
def test_the_program_builds_each_face_s_component_and_provider(pulumi_env: PulumiEnv, key: str) -> None:
    """Under mocks, a stack whose domain zone is on ``key`` builds that face's component."""
    import pulumi

    entry: PulumiProvider = face(key)
    pulumi.runtime.set_all_config(_config(key), [])
    pulumi_env.run(lambda: runpy.run_path(str(MAIN), run_name="__main__") and None)
    outputs = pulumi_env.stack_outputs()
    mon = pulumi_env.monitor

    module = __import__(entry.component.partition(":")[0], fromlist=["KIND"])
    (component,) = mon.of_type(type_token(module.KIND))
    assert component.name == "sov-example-apex"
    (zone,) = mon.of_type(ZONE_TYPES[key])
    assert zone.parent == component.urn
    # The zone uses the explicit provider the face built, and it is the only one.
    (provider,) = mon.providers()
    assert provider.type == PROVIDER_TYPES[key] and zone.provider_urn == provider.urn
    assert provider.name == f"sov-example-{key}"
    assert [z["provider"] for z in outputs["settings"]["zones"]] == [key]
