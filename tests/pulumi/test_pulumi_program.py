"""The whole program (``__main__.py``) under mocks, with stack configuration as Pulumi hands it."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import NORMALISED_NS, PulumiEnv, expected_ds
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pulumi_helpers import (
    COMPONENT_TYPES,
    PROVIDER_TYPES,
    RECORD_TYPES,
    ZONE_TYPES,
    assert_sdk_inputs,
    cli_config,
    duplicate_urns,
    record_sets,
)

from catalyst_dns.settings import parse_settings
from components.config import (
    OBJECT_KEYS,
    REQUIRED_KEYS,
    SCALAR_KEYS,
    ConfigError,
    project_config,
)

pytestmark = pytest.mark.pulumi

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "__main__.py"
PACKAGE_OF = {"cloudflare": "pulumi_cloudflare", "route53": "pulumi_aws", "clouddns": "pulumi_gcp",
              "azuredns": "pulumi_azure_native", "hetzner": "pulumi_hcloud"}


def stack_file(path: Path) -> dict[str, Any]:
    """A stack file's config as the Pulumi CLI hands it to a program: strings, objects as JSON."""
    return cli_config(yaml.safe_load(path.read_text())["config"])


def example_config() -> dict[str, Any]:
    return stack_file(ROOT / "Pulumi.example.yaml")


def run_program(env: PulumiEnv, config: dict[str, Any], secrets: list[str] | None = None) -> dict[str, Any]:
    import pulumi

    pulumi.runtime.set_all_config(config, secrets or [])
    env.run(lambda: runpy.run_path(str(MAIN), run_name="__main__") and None)
    return env.stack_outputs()


def cf_zone_id(zone: str) -> str:
    return hashlib.md5(zone.encode()).hexdigest()


def assert_explicit_providers_and_parents(env: PulumiEnv) -> None:
    """Every resource uses an explicit provider of its own package; every child has a parent."""
    mon = env.monitor
    providers = {p.urn: p for p in mon.providers()}
    for reg in mon.custom():
        assert reg.provider, f"{reg.type} {reg.name} would use a default provider"
        provider = providers[reg.provider_urn]
        package = reg.type.split(":", 1)[0]
        assert provider.type == f"pulumi:providers:{package}", (reg.type, provider.type)
        assert reg.parent and "catalyst-dns:index:" in reg.parent.split("::")[2], \
            f"{reg.type} {reg.name} is not a child of a component"
        assert_sdk_inputs(reg)
    for reg in mon.registrations:
        if reg.type.startswith("catalyst-dns:index:") and reg.type != "catalyst-dns:index:Sovereign":
            assert "catalyst-dns:index:" in reg.parent.split("::")[2]
    names = [(r.type, r.name) for r in mon.registrations]
    assert len(names) == len(set(names)), "duplicate resource names"


def test_example_stack(pulumi_env: PulumiEnv) -> None:
    outputs = run_program(pulumi_env, example_config())
    apex_id = cf_zone_id("omantel.example")
    gcp_zone = pulumi_env.monitor.one(ZONE_TYPES["clouddns"])
    gcp_id = outputs["zoneIds"]["gcp.omantel.example"]
    assert gcp_zone.inputs["dnsName"] == "gcp.omantel.example." and gcp_zone.inputs["project"] == "omantel-dns"
    assert gcp_id == gcp_zone.inputs["name"]  # the function names a Cloud DNS zone by its resource name
    assert outputs["zoneIds"] == {"omantel.example": apex_id, "gcp.omantel.example": gcp_id}
    assert outputs["nameServers"] == {"omantel.example": NORMALISED_NS["cloudflare"],
                                      "gcp.omantel.example": NORMALISED_NS["clouddns"]}
    assert outputs["dsRecords"] == {}
    assert outputs["gslbNameServers"] == ["gslb-ns-fsn-gslb.omantel.example",
                                          "gslb-ns-hel-gslb.omantel.example"]
    assert outputs["settings"] == {
        "domain": "omantel.example",
        "ownerId": "catalyst-dns",
        "defaultTtl": 300,
        "zones": [
            {"name": "omantel.example", "provider": "cloudflare", "zoneId": apex_id,
             "providerConfig": "cloudflare"},
            {"name": "gcp.omantel.example", "provider": "clouddns", "zoneId": gcp_id,
             "providerConfig": "gcp", "project": "omantel-dns"},
        ],
        "gslb": {"zone": "gslb.omantel.example"},
        "regions": [
            {"geotag": "fsn", "ingress": {"ipv4": ["203.0.113.10"], "ipv6": ["2001:db8:0:1::10"]},
             "nameserver": {"ipv4": "203.0.113.53", "ipv6": "2001:db8:0:1::53"},
             "kubernetesProviderConfig": "fsn-dmz"},
            {"geotag": "hel", "ingress": {"ipv4": ["198.51.100.10"]},
             "nameserver": {"ipv4": "198.51.100.53"}, "kubernetesProviderConfig": "hel-dmz"},
        ],
        "tenants": [{"namespaces": ["acme-prod", "shop", "search"], "suffixes": ["acme.omantel.example"]}],
        "reserved": ["console.omantel.example"],
    }
    # Round trip: the function's parser reads back exactly what Pulumi exported.
    assert parse_settings(outputs["settings"]).to_data() == outputs["settings"]

    mon = pulumi_env.monitor
    assert_explicit_providers_and_parents(pulumi_env)
    assert sorted(p.type for p in mon.providers()) == ["pulumi:providers:cloudflare",
                                                       "pulumi:providers:gcp"]
    assert {r.type for r in mon.custom()} == {ZONE_TYPES["cloudflare"], ZONE_TYPES["clouddns"],
                                             RECORD_TYPES["cloudflare"]}
    for zone in (mon.one(ZONE_TYPES["cloudflare"]), mon.one(ZONE_TYPES["clouddns"])):
        assert zone.protect is True
    sovereign = mon.one("catalyst-dns:index:Sovereign", "omantel-example")
    assert mon.one(COMPONENT_TYPES["cloudflare"], "omantel-example-apex").parent == sovereign.urn
    assert mon.one(COMPONENT_TYPES["clouddns"], "omantel-example-gcp").parent == sovereign.urn
    records = mon.of_type(RECORD_TYPES["cloudflare"])
    assert all(r.inputs["zoneId"] == apex_id for r in records)
    sets = {k: v.values for k, v in record_sets("cloudflare", records, "omantel.example").items()}
    assert sets == {
        ("gcp.omantel.example", "NS"): tuple(NORMALISED_NS["clouddns"]),
        ("gslb.omantel.example", "NS"): ("gslb-ns-fsn-gslb.omantel.example",
                                         "gslb-ns-hel-gslb.omantel.example"),
        ("gslb-ns-fsn-gslb.omantel.example", "A"): ("203.0.113.53",),
        ("gslb-ns-fsn-gslb.omantel.example", "AAAA"): ("2001:db8:0:1::53",),
        ("gslb-ns-hel-gslb.omantel.example", "A"): ("198.51.100.53",),
    }
    assert len(records) == 4 + 2 + 2 + 1  # Cloudflare: one record per value (Cloud DNS assigns 4 NS)


def test_example_stack_disables_default_providers() -> None:
    config = example_config()
    assert json.loads(config["pulumi:disable-default-providers"]) == ["*"]


# --- other Sovereigns -------------------------------------------------------------------------

def sovereign_config(provider: str, children: list[dict[str, Any]], regions: list[dict[str, Any]],
                     **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "catalyst-dns:domain": "sov.example",
        "catalyst-dns:provider": provider,
        "catalyst-dns:cloudflareAccountId": "acc-1",
        "catalyst-dns:gcpProject": "sov-dns",
        "catalyst-dns:azureSubscriptionId": "00000000-0000-0000-0000-000000000001",
        "catalyst-dns:azureResourceGroup": "rg-dns",
        "catalyst-dns:regions": json.dumps(regions),
        "catalyst-dns:tenants": json.dumps([{"namespaces": ["t"], "suffixes": ["t.sov.example"]}]),
    }
    if children:
        config["catalyst-dns:childZones"] = json.dumps(children)
    config.update({f"catalyst-dns:{k}": v for k, v in extra.items()})
    return config


THREE_REGIONS = [
    {"geotag": "fsn", "nameserver": {"ipv4": "203.0.113.53", "ipv6": "2001:DB8:0:0:0:0:0:53"}},
    {"geotag": "hel", "nameserver": {"ipv4": "198.51.100.53", "ipv6": "2001:db8:2::53"}},
    {"geotag": "ash", "nameserver": {"ipv4": "192.0.2.53"}},
]

MIXES = {
    "route53-apex-signed-clouddns-child-3-regions": (
        sovereign_config("route53", [{"name": "gcp.sov.example", "provider": "clouddns", "dnssec": True,
                                      "providerConfig": "gcp"}], THREE_REGIONS,
                         dnssec="true", awsRegion="eu-central-1")),
    "azure-apex-cloudflare-child-1-dual-stack-region": (
        sovereign_config("azuredns", [{"name": "cf.sov.example", "provider": "cloudflare", "dnssec": True}],
                         [{"geotag": "fsn", "nameserver": {"ipv4": "203.0.113.53", "ipv6": "2001:db8::53"}}])),
    "hetzner-apex-route53-and-nested-azure-2-regions": (
        sovereign_config("hetzner", [
            {"name": "aws.sov.example", "provider": "route53", "dnssec": True},
            {"name": "az.aws.sov.example", "provider": "azuredns", "dnssec": True,
             "resourceGroup": "rg-child"}], THREE_REGIONS[:2])),
    "clouddns-apex-azure-child-gslb-in-child": (
        sovereign_config("clouddns", [{"name": "az.sov.example", "provider": "azuredns"}],
                         THREE_REGIONS[2:], gslbZone="gslb.az.sov.example", gslbTtl="120")),
}


@pytest.mark.parametrize("mix", sorted(MIXES))
def test_provider_mixes(pulumi_env: PulumiEnv, mix: str) -> None:
    config = MIXES[mix]
    outputs = run_program(pulumi_env, config)
    settings = outputs["settings"]
    assert parse_settings(settings).to_data() == settings
    assert settings["ownerId"] == "catalyst-dns"
    assert_explicit_providers_and_parents(pulumi_env)
    mon = pulumi_env.monitor

    apex = config["catalyst-dns:provider"]
    children = json.loads(config.get("catalyst-dns:childZones", "[]"))
    zones = {"sov.example": apex} | {c["name"]: c["provider"] for c in children}
    assert [z["name"] for z in settings["zones"]] == list(zones)
    assert {z["name"]: z["provider"] for z in settings["zones"]} == zones
    assert outputs["nameServers"] == {z: NORMALISED_NS[p] for z, p in zones.items()}
    # Zone ids in the settings are the ids of the zones Pulumi created, as the function needs them.
    for entry in settings["zones"]:
        provider = entry["provider"]
        zone_regs = [r for r in mon.of_type(ZONE_TYPES[provider])
                     if entry["name"] in (r.inputs.get("name"), r.inputs.get("zoneName"),
                                          r.inputs.get("dnsName", "").rstrip("."))]
        assert len(zone_regs) == 1
        zone = zone_regs[0]
        assert zone.protect is True
        expected_id = {"route53": zone.outputs.get("zoneId"), "clouddns": zone.inputs.get("name"),
                       "azuredns": zone.inputs.get("zoneName")}.get(provider, zone.id)
        assert entry["zoneId"] == expected_id == outputs["zoneIds"][entry["name"]]
        if provider == "clouddns":
            assert entry["project"] == "sov-dns"
        if provider == "azuredns":
            assert entry["resourceGroup"] == zone.inputs["resourceGroupName"]
    # Only the chosen providers exist, one each (+ the us-east-1 KMS provider for Route53 DNSSEC).
    provider_types = sorted(p.type for p in mon.providers())
    expected_types = sorted({PROVIDER_TYPES[p] for p in zones.values()})
    signed_route53 = any(p == "route53" for p in zones.values()) and (
        (config.get("catalyst-dns:dnssec") == "true" and apex == "route53")
        or any(c["provider"] == "route53" and c.get("dnssec") for c in children))
    if signed_route53 and config.get("catalyst-dns:awsRegion", "us-east-1") != "us-east-1":
        expected_types = sorted([*expected_types, "pulumi:providers:aws"])
        kms = mon.one("aws:kms/key:Key")
        kms_provider = next(p for p in mon.providers() if p.urn == kms.provider_urn)
        assert kms_provider.inputs["region"] == "us-east-1"
    assert provider_types == expected_types

    # Delegations: each child's NS (and DS when signed) in its closest parent.
    for child in children:
        parent_name = max((z for z in zones if z != child["name"] and
                           child["name"].endswith("." + z)), key=lambda z: z.count("."))
        parent_provider = zones[parent_name]
        delegation = [r for r in mon.of_type("catalyst-dns:index:Delegation")
                      if r.name == "sov-example-"
                      + child["name"].removesuffix(".sov.example").replace(".", "-") + "-delegation"]
        assert len(delegation) == 1
        regs = [r for r in mon.of_type(RECORD_TYPES[parent_provider]) if r.parent == delegation[0].urn]
        sets = record_sets(parent_provider, regs, parent_name)
        assert sets[(child["name"], "NS")].values == tuple(NORMALISED_NS[child["provider"]])
        if child.get("dnssec"):
            ds = expected_ds(child["name"], child["provider"])
            assert sets[(child["name"], "DS")].values == (ds,)
            assert outputs["dsRecords"][child["name"]] == ds
        else:
            assert (child["name"], "DS") not in sets

    # GSLB: NS + addresses in the zone above the GSLB zone, k8gb's names.
    gslb_zone = settings["gslb"]["zone"]
    gslb_parent = gslb_zone.split(".", 1)[1]
    parent_provider = zones[gslb_parent]
    gslb = mon.one("catalyst-dns:index:GslbDelegation")
    regs = [r for r in mon.of_type(RECORD_TYPES[parent_provider]) if r.parent == gslb.urn]
    sets = record_sets(parent_provider, regs, gslb_parent)
    inner = gslb_zone.removesuffix("." + gslb_parent).replace(".", "-")
    regions = json.loads(config["catalyst-dns:regions"])
    ns_names = sorted(f"gslb-ns-{r['geotag']}-{inner}.{gslb_parent}" for r in regions)
    assert sets.pop((gslb_zone, "NS")).values == tuple(ns_names)
    expected: dict[tuple[str, str], tuple[str, ...]] = {}
    for r in regions:
        server = f"gslb-ns-{r['geotag']}-{inner}.{gslb_parent}"
        if "ipv4" in r["nameserver"]:
            expected[(server, "A")] = (r["nameserver"]["ipv4"],)
        if "ipv6" in r["nameserver"]:
            import ipaddress

            expected[(server, "AAAA")] = (ipaddress.ip_address(r["nameserver"]["ipv6"]).compressed,)
    assert {k: v.values for k, v in sets.items()} == expected
    ttl = int(config.get("catalyst-dns:gslbTtl", "300"))
    assert {v.ttl for v in sets.values()} == {ttl}


def test_unprotected_stack(pulumi_env: PulumiEnv) -> None:
    config = example_config() | {"catalyst-dns:protect": "false"}
    run_program(pulumi_env, config)
    for key in ("cloudflare", "clouddns"):
        assert pulumi_env.monitor.one(ZONE_TYPES[key]).protect is False


def test_secrets_reach_the_explicit_providers(pulumi_env: PulumiEnv) -> None:
    config = example_config() | {"catalyst-dns:cloudflareApiToken": "cf-token",
                                 "catalyst-dns:gcpCredentials": "gcp-key"}
    run_program(pulumi_env, config, secrets=["catalyst-dns:cloudflareApiToken", "catalyst-dns:gcpCredentials"])
    mon = pulumi_env.monitor
    cf = mon.one("pulumi:providers:cloudflare")
    gcp = mon.one("pulumi:providers:gcp")
    from pulumi.runtime import rpc

    for value, expected in ((cf.inputs["apiToken"], "cf-token"), (gcp.inputs["credentials"], "gcp-key")):
        # Still a secret on the wire, not a plain string.
        assert value == {rpc._special_sig_key: rpc._special_secret_sig, "value": expected}


# --- bad configuration --------------------------------------------------------------------------

def _mutate(config: dict[str, Any], key: str, fn: Any) -> dict[str, Any]:
    out = copy.deepcopy(config)
    full = f"catalyst-dns:{key}"
    value = fn(json.loads(out[full]) if full in out and key in OBJECT_KEYS | {"childZones": ""} else out.get(full))
    if value is None:
        out.pop(full, None)
    else:
        out[full] = json.dumps(value) if isinstance(value, list | dict) else value
    return out


def _regions(change: Any) -> Any:
    def fn(regions: list[dict[str, Any]]) -> Any:
        return change(copy.deepcopy(regions))
    return fn


def _set(path: list[Any], value: Any) -> Any:
    def fn(doc: Any) -> Any:
        target = doc
        for part in path[:-1]:
            target = target[part]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return doc
    return fn


_DELETE = object()

BAD = {
    "missing-domain": ("domain", lambda _: None, "catalyst-dns:domain"),
    "bad-domain": ("domain", lambda _: "not_a domain", "catalyst-dns:domain"),
    "unknown-provider": ("provider", lambda _: "godaddy", "catalyst-dns:provider"),
    "ttl-not-integer": ("defaultTtl", lambda _: "five", "catalyst-dns:defaultTtl"),
    "ttl-zero": ("defaultTtl", lambda _: "0", "catalyst-dns:defaultTtl"),
    "gslb-ttl-below-cloudflare": ("gslbTtl", lambda _: "30", "catalyst-dns:gslbTtl"),
    "delegation-ttl-below-cloudflare": ("delegationTtl", lambda _: "10", "catalyst-dns:delegationTtl"),
    "protect-not-bool": ("protect", lambda _: "yes", "catalyst-dns:protect"),
    "owner-id-externaldns": ("ownerId", lambda _: "openova", "catalyst-dns:ownerId"),
    "regions-not-json": ("regions", lambda _: "[{", "catalyst-dns:regions"),
    "regions-empty": ("regions", lambda _: [], "catalyst-dns:regions"),
    "regions-missing": ("regions", lambda _: None, "catalyst-dns:regions"),
    "region-bad-ipv4": ("regions", _set([1, "nameserver", "ipv4"], "300.1.1.1"),
                        "catalyst-dns:regions[1].nameserver.ipv4"),
    "region-ipv4-in-ipv6": ("regions", _set([0, "nameserver", "ipv6"], "203.0.113.9"),
                            "catalyst-dns:regions[0].nameserver.ipv6"),
    "region-without-nameserver": ("regions", _set([1, "nameserver"], _DELETE),
                                  "catalyst-dns:regions[1].nameserver.ipv4"),
    # k8gb resolves its peers' nameservers with A queries only (controllers/utils/dns_query_service.go)
    "region-ipv6-only-nameserver": ("regions", _set([1, "nameserver"], {"ipv6": "2001:db8::99"}),
                                    "catalyst-dns:regions[1].nameserver.ipv4"),
    "region-duplicate-geotag": ("regions", _set([1, "geotag"], "fsn"), "catalyst-dns:regions[1].geotag"),
    "region-bad-geotag": ("regions", _set([0, "geotag"], "FSN_1"), "catalyst-dns:regions[0].geotag"),
    "region-unknown-field": ("regions", _set([0, "nameservers"], {}), "catalyst-dns:regions[0].nameservers"),
    "child-outside-domain": ("childZones", _set([0, "name"], "hz.other.example"),
                             "catalyst-dns:childZones[0].name"),
    "child-bad-provider": ("childZones", _set([0, "provider"], "bind"), "catalyst-dns:childZones[0].provider"),
    "child-unknown-field": ("childZones", _set([0, "zone"], "x"), "catalyst-dns:childZones[0].zone"),
    # Hetzner's Create Zone: "Subdomains are not supported"
    "child-on-hetzner": ("childZones", _set([0, "provider"], "hetzner"), "catalyst-dns:childZones[0].provider"),
    "child-is-gslb-zone": ("childZones", _set([0, "name"], "gslb.omantel.example"),
                           "catalyst-dns:childZones[0].name"),
    "child-clouddns-without-project": ("gcpProject", lambda _: None, "catalyst-dns:gcpProject"),
    "child-azure-without-subscription": ("childZones", _set([0, "provider"], "azuredns"),
                                         "catalyst-dns:azureSubscriptionId"),
    "cloudflare-without-account": ("cloudflareAccountId", lambda _: None, "catalyst-dns:cloudflareAccountId"),
    "gslb-outside-domain": ("gslbZone", lambda _: "gslb.elsewhere.example", "catalyst-dns:gslbZone"),
    "tenant-bad-suffix": ("tenants", lambda _: [{"namespaces": ["a"], "suffixes": ["a..b"]}],
                          "catalyst-dns:tenants[0].suffixes[0]"),
    "typo-key": ("regoins", lambda _: "[]", "catalyst-dns:regoins"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_names_the_key_and_registers_nothing(pulumi_env: PulumiEnv, case: str) -> None:
    key, change, expected_key = BAD[case]
    config = _mutate(example_config(), key, change)
    with pytest.raises(ConfigError) as caught:
        run_program(pulumi_env, config)
    assert caught.value.field == expected_key, str(caught.value)
    assert str(caught.value).startswith(expected_key)
    assert pulumi_env.monitor.registrations == []


def _numbered_regions(count: int) -> list[dict[str, Any]]:
    return [{"geotag": f"r{i}", "nameserver": {"ipv4": f"192.0.2.{i + 1}"}} for i in range(count)]


def test_more_regions_than_a_cloud_dns_delegation_takes_are_refused_before_anything_registers(
        pulumi_env: PulumiEnv) -> None:
    """Google Cloud DNS: "each delegation (resource record sets of type NS) can have up to eight name
    servers"; the GSLB delegation lists one per region, so a ninth fails at load, not half-way through up."""
    with pytest.raises(ConfigError) as caught:
        run_program(pulumi_env, sovereign_config("clouddns", [], _numbered_regions(9)))
    assert caught.value.field == "catalyst-dns:regions"
    assert "at most 8 per delegation" in str(caught.value)
    assert pulumi_env.monitor.registrations == []


def test_eight_regions_under_cloud_dns_and_nine_elsewhere_are_delegated(pulumi_env: PulumiEnv) -> None:
    from conftest import fresh_env

    outputs = run_program(pulumi_env, sovereign_config("clouddns", [], _numbered_regions(8)))
    assert len(outputs["gslbNameServers"]) == 8
    with fresh_env() as env:
        assert len(run_program(env, sovereign_config("route53", [], _numbered_regions(9)))["gslbNameServers"]) == 9


# --- project file, imports ----------------------------------------------------------------------

def test_pulumi_yaml_declares_the_keys_the_cli_checks() -> None:
    """Pulumi.yaml's config block is exactly what the program declares for the CLI to check.

    The CLI makes every declared key without a default required (issue 14), so the block
    must hold the required keys without one, the optional ones with their default, and
    neither secrets nor optional keys without a fixed default; those are documented in
    the file's comments instead.
    """
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == "catalyst-dns"
    assert project["runtime"] == {"name": "python",
                                  "options": {"toolchain": "pip", "virtualenv": ".venv-pulumi"}}
    declared = project["config"]
    assert declared == project_config()
    # Pulumi's project schema: type is one of these, only these attributes.
    for key, decl in declared.items():
        assert set(decl) <= {"type", "items", "description", "secret", "default"}, key
        assert decl["type"] in ("string", "integer", "boolean", "array", "object"), key
        assert "secret" not in decl, f"{key}: a declared secret is required on every stack"
        required = key.removeprefix("catalyst-dns:") in REQUIRED_KEYS
        assert ("default" not in decl) == required, key
    text = (ROOT / "Pulumi.yaml").read_text()
    for key in (*SCALAR_KEYS, *OBJECT_KEYS):
        assert f"catalyst-dns:{key}" in text, f"{key} is not documented in Pulumi.yaml"


_IMPORT_PROBE = r"""
import json, runpy, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import pulumi
from conftest import ProviderMocks, RecordingMonitor
mocks = ProviderMocks()
pulumi.runtime.set_all_config(json.loads(sys.argv[3]), [])
pulumi.runtime.set_mocks(mocks, project="catalyst-dns", stack="t", preview=False,
                         monitor=RecordingMonitor(mocks))
@pulumi.runtime.test
def run():
    runpy.run_path(sys.argv[4], run_name="__main__")
run()
print(json.dumps(sorted(m for m in sys.modules if m.startswith("pulumi_") and "." not in m)))
"""


@pytest.mark.parametrize(("config", "expected"), [
    ("cloudflare-only", ["pulumi_cloudflare"]),
    ("example", ["pulumi_cloudflare", "pulumi_gcp"]),
    ("hetzner-route53", ["pulumi_aws", "pulumi_hcloud"]),
])
def test_only_the_chosen_sdks_are_imported(config: str, expected: list[str]) -> None:
    base = example_config()
    if config == "cloudflare-only":
        base.pop("catalyst-dns:childZones")
    elif config == "hetzner-route53":
        base = sovereign_config("hetzner", [{"name": "aws.sov.example", "provider": "route53"}],
                                THREE_REGIONS[:1])
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE, str(ROOT), str(Path(__file__).parent),
         json.dumps(base), str(MAIN)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "ignore"}, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == expected


# --- any Sovereign: a property ------------------------------------------------------------------

_geotags = st.from_regex(r"[a-z][a-z0-9]{1,5}", fullmatch=True)
# Addresses a nameserver can have (the model refuses unspecified and multicast ones).
_ipv4 = st.ip_addresses(v=4).filter(lambda a: a.is_global and not a.is_multicast).map(str)
_ipv6 = st.ip_addresses(v=6).filter(lambda a: a.is_global and not a.is_multicast).map(str)


@st.composite
def _regions(draw: Any) -> list[dict[str, Any]]:
    tags = draw(st.lists(_geotags, min_size=1, max_size=3, unique=True))
    regions = []
    for tag in tags:
        ns: dict[str, str] = {"ipv4": draw(_ipv4)}  # required: k8gb finds its peers by A queries
        if draw(st.booleans()):
            ns["ipv6"] = draw(_ipv6)
        regions.append({"geotag": tag, "nameserver": ns})
    return regions


@settings(max_examples=12, deadline=None)
@given(apex=st.sampled_from(["cloudflare", "route53", "clouddns", "azuredns", "hetzner"]),
       child=st.sampled_from(["cloudflare", "route53", "clouddns", "azuredns", None]),  # Hetzner: apex only
       regions=_regions())
def test_any_sovereign_exports_settings_the_function_reads(apex: str, child: str | None,
                                                            regions: list[dict[str, Any]]) -> None:
    import ipaddress

    from conftest import fresh_env

    children = [{"name": "sub.sov.example", "provider": child}] if child else []
    config = sovereign_config(apex, children, regions)
    with fresh_env() as env:
        outputs = run_program(env, config)
        settings_doc = outputs["settings"]
        assert parse_settings(settings_doc).to_data() == settings_doc
        assert [r["geotag"] for r in settings_doc["regions"]] == [r["geotag"] for r in regions]
        for exported, given_region in zip(settings_doc["regions"], regions, strict=True):
            for family, address in given_region["nameserver"].items():
                assert exported["nameserver"][family] == ipaddress.ip_address(address).compressed
        gslb = env.monitor.one("catalyst-dns:index:GslbDelegation")
        regs = [r for r in env.monitor.of_type(RECORD_TYPES[apex]) if r.parent == gslb.urn]
        sets = record_sets(apex, regs, "sov.example")
        assert sets[("gslb.sov.example", "NS")].values == tuple(
            sorted(f"gslb-ns-{r['geotag']}-gslb.sov.example" for r in regions))
        assert len(sets) == 1 + sum(len(r["nameserver"]) for r in regions)
        assert_explicit_providers_and_parents(env)


# The input of each provider's record resource that holds its values (Azure: one per type).
DELEGATION_VALUES: dict[str, str | dict[str, str]] = {
    "cloudflare": "content", "route53": "records", "clouddns": "rrdatas", "hetzner": "records",
    "azuredns": {"NS": "nsRecords", "DS": "dsRecords"},
}


@pytest.mark.parametrize("mix", ["example", *sorted(MIXES)])
def test_preview_registers_what_up_creates(mix: str) -> None:
    """In a preview the child name servers and DS data are unknown; the plan must not change.

    (A Cloudflare parent writes one record per name server, so their number cannot depend
    on values only known after the child zone exists.)
    """
    from conftest import fresh_env

    config = example_config() if mix == "example" else MIXES[mix]
    planned: dict[bool, list[tuple[str, str]]] = {}
    for preview in (True, False):
        with fresh_env(preview=preview) as env:
            run_program(env, config)
            planned[preview] = sorted((r.type, r.name) for r in env.monitor.registrations)
            if preview:
                # Computed values really were unknown: the child name servers (and DS data) every
                # delegation writes into its parent, whichever provider the parent is on.
                from pulumi.output import Unknown

                delegations = [(provider, reg) for provider, kind in RECORD_TYPES.items()
                               for reg in env.monitor.of_type(kind) if "-delegation-" in reg.name]
                assert delegations, "no delegation records in the preview"
                for provider, reg in delegations:
                    value = DELEGATION_VALUES[provider]
                    key = value if isinstance(value, str) else value[reg.inputs["recordType"]]
                    assert isinstance(reg.inputs[key], Unknown), f"{provider} {reg.name}: {key} known in preview"
    assert planned[True] == planned[False]
    assert len(planned[False]) > 10


# --- logical names are injective (issue 9.10) ---------------------------------------------------

def test_mocks_accept_a_duplicate_urn_which_the_recording_monitor_finds(pulumi_env: PulumiEnv) -> None:
    """The control: under mocks a duplicate URN registers twice without complaint."""
    import pulumi

    def build() -> Any:
        first = pulumi.ComponentResource("catalyst-dns:index:Probe", "same")
        second = pulumi.ComponentResource("catalyst-dns:index:Probe", "same")
        return pulumi.Output.all(first.urn, second.urn)

    pulumi_env.run(build)
    assert duplicate_urns(pulumi_env.monitor.registrations) == [
        "urn:pulumi:test::catalyst-dns::pulumi:pulumi:Stack$catalyst-dns:index:Probe::same"]


def test_zones_whose_names_differ_only_in_dots_and_dashes_get_distinct_urns(pulumi_env: PulumiEnv) -> None:
    children = [{"name": "eu-west.sov.example", "provider": "route53"},
                {"name": "eu.west.sov.example", "provider": "route53"},
                {"name": "apex.sov.example", "provider": "cloudflare"},
                {"name": "xn--mnchen-3ya.sov.example", "provider": "route53"},
                {"name": "xn.mnchen-3ya.sov.example", "provider": "route53"}]
    outputs = run_program(pulumi_env, sovereign_config("cloudflare", children, THREE_REGIONS[:1],
                                                       awsRegion="eu-central-1"))
    assert set(outputs["zoneIds"]) == {"sov.example", *(c["name"] for c in children)}
    regs = pulumi_env.monitor.registrations
    assert duplicate_urns(regs) == []
    route53_zones = [r for r in regs if r.type == ZONE_TYPES["route53"]]
    assert sorted(r.inputs["name"] for r in route53_zones) == sorted(
        c["name"] for c in children if c["provider"] == "route53")


_labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
_relatives = st.lists(_labels, min_size=1, max_size=4).map(".".join)


@given(st.lists(_relatives, min_size=2, max_size=6, unique=True))
@example(["eu-west", "eu.west"])
@example(["a--b", "a-b", "a.b"])
@example(["apex"])
@settings(max_examples=300, deadline=None)
def test_zone_labels_are_injective(relatives: list[str]) -> None:
    from components.sovereign import zone_label

    zones = ["sov.example"] + [f"{r}.sov.example" for r in relatives]
    labels = [zone_label("s", z, "sov.example") for z in zones]
    assert len(set(labels)) == len(labels), dict(zip(zones, labels, strict=True))


_MANAGED_ZONE_NAME = r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?"


@given(st.lists(st.lists(_labels, min_size=1, max_size=12).map(".".join), min_size=2, max_size=6,
                unique=True))
@example(["eu-west.sov.example", "eu.west.sov.example"])
@example(["1.example", "z.1.example", "z-1.example", "z--1.example"])
@example(["a--b.example", "a-b.example", "a.b.example"])
@example(["x" * 60 + ".example", "x" * 60 + "-1.example", "x" * 60 + ".1.example"])
@settings(max_examples=300, deadline=None)
def test_cloud_dns_managed_zone_names_are_injective_and_valid(zones: list[str]) -> None:
    """Two zones in one GCP project must never get one managed-zone name (Google refuses the second)."""
    import re

    from catalyst_dns.providers.clouddns import managed_zone_name

    got = [managed_zone_name(z) for z in zones]
    assert len(set(got)) == len(got), dict(zip(zones, got, strict=True))
    for name in got:
        assert re.fullmatch(_MANAGED_ZONE_NAME, name), name


def test_cloud_dns_managed_zone_names_keep_their_form_without_dashes() -> None:
    from catalyst_dns.providers.clouddns import managed_zone_name

    assert managed_zone_name("gcp.sov.example") == "gcp-sov-example"
    assert managed_zone_name("eu-west.sov.example") == "eu--west-sov-example"
    assert managed_zone_name("eu.west.sov.example") == "eu-west-sov-example"
    assert managed_zone_name("1.example") == "z---1-example"
