"""Each component on its own: zones per provider, delegations between any two, GSLB to k8gb."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pytest
from conftest import (
    AWS_ACCOUNT,
    NORMALISED_NS,
    PulumiEnv,
    expected_ds,
)
from pulumi_helpers import (
    COMPONENT_TYPES,
    PROVIDER_TYPES,
    RECORD_TYPES,
    ZONE_TYPES,
    assert_sdk_inputs,
    record_sets,
)

from catalyst_dns.errors import DnsInputError
from catalyst_dns.settings import Region
from components.registry import face

pytestmark = pytest.mark.pulumi

ALL = ["cloudflare", "route53", "clouddns", "azuredns", "hetzner"]
# Hetzner's zone API takes only registrable domains ("Subdomains are not supported"): never a child.
CHILD_ZONE_PROVIDERS = [key for key in ALL if key != "hetzner"]
SIGNABLE = ["cloudflare", "route53", "clouddns", "azuredns"]
DOMAIN = "omantel.example"


def make_provider(key: str, name: str | None = None) -> pulumi.ProviderResource:
    name = name or f"{key}-provider"
    if key == "cloudflare":
        import pulumi_cloudflare

        return pulumi_cloudflare.Provider(name)
    if key == "route53":
        import pulumi_aws

        return pulumi_aws.Provider(name, region="eu-central-1")
    if key == "clouddns":
        import pulumi_gcp

        return pulumi_gcp.Provider(name, project="sovereign-dns")
    if key == "azuredns":
        import pulumi_azure_native

        return pulumi_azure_native.Provider(name, subscription_id="00000000-0000-0000-0000-000000000001")
    import pulumi_hcloud

    return pulumi_hcloud.Provider(name)


def make_zone(key: str, name: str, zone: str, provider: pulumi.ProviderResource, *,
              dnssec: bool = False, protect: bool = True,
              kms_provider: pulumi.ProviderResource | None = None) -> Any:
    from components import sovereign

    spec = sovereign.ZoneSpec(name=zone, provider=key, provider_config=key, dnssec=dnssec,
                              account_id="023e105f4ecef8ad9ca31a8372d0c353", project="sovereign-dns",
                              resource_group="sovereign-dns")
    providers = {key: provider}
    if kms_provider is not None:
        providers[sovereign.AWS_KMS_PROVIDER] = kms_provider
    args = sovereign.zone_args(spec, providers, protect)
    return face(key).component_class()(name, args)


# --- zones ----------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ALL)
def test_zone_registers_one_protected_zone_with_explicit_provider(pulumi_env: PulumiEnv, key: str) -> None:
    holder: dict[str, Any] = {}

    def build() -> Any:
        provider = make_provider(key)
        zone = make_zone(key, "apex", DOMAIN, provider)
        holder["zone"] = zone
        return {"ns": zone.name_servers, "id": zone.zone_id}

    out = pulumi_env.run(build)
    mon = pulumi_env.monitor
    component = mon.one(COMPONENT_TYPES[key], "apex")
    provider = mon.one(PROVIDER_TYPES[key])
    zone = mon.one(ZONE_TYPES[key], "apex-zone")
    assert zone.parent == component.urn
    assert zone.provider_urn == provider.urn
    assert zone.protect is True
    assert_sdk_inputs(zone)
    assert out["ns"] == NORMALISED_NS[key]
    assert out["ns"] == sorted(out["ns"]) and all(not n.endswith(".") for n in out["ns"])
    i = zone.inputs
    if key == "cloudflare":
        assert i["name"] == DOMAIN and i["type"] == "full"
        assert i["account"] == {"id": "023e105f4ecef8ad9ca31a8372d0c353"}
        assert out["id"] == zone.id
    elif key == "route53":
        assert i["name"] == DOMAIN and i["forceDestroy"] is False
        assert out["id"] == zone.outputs["zoneId"] and out["id"].startswith("Z")
    elif key == "clouddns":
        assert i["dnsName"] == DOMAIN + "."
        assert i["name"] == "omantel-example" and i["project"] == "sovereign-dns"
        assert i["visibility"] == "public" and "dnssecConfig" not in i
        assert out["id"] == "omantel-example"  # records address a managed zone by name
    elif key == "azuredns":
        assert i["zoneName"] == DOMAIN and i["resourceGroupName"] == "sovereign-dns"
        assert i["location"] == "global" and i["zoneType"] == "Public"
        lock = mon.one("azure-native:authorization:ManagementLockByScope")
        assert lock.inputs["level"] == "CanNotDelete" and lock.inputs["scope"] == f"{zone.id}/SOA/@"
        assert lock.parent == component.urn and lock.provider_urn == provider.urn
        assert_sdk_inputs(lock)
        assert zone.id.endswith("/dnszones/omantel.example")
        assert out["id"] == DOMAIN  # the settings locate Azure zones by group and name
    else:
        assert i["name"] == DOMAIN and i["mode"] == "primary"
        assert i["deleteProtection"] is True
        assert out["id"] == zone.id
    # Nothing else than the zone (and Azure's lock) without DNSSEC.
    expected = {ZONE_TYPES[key]} | ({"azure-native:authorization:ManagementLockByScope"}
                                    if key == "azuredns" else set())
    assert {r.type for r in mon.custom()} == expected


@pytest.mark.parametrize("key", ALL)
def test_unprotected_zone_drops_protection_everywhere(pulumi_env: PulumiEnv, key: str) -> None:
    pulumi_env.run(lambda: make_zone(key, "apex", DOMAIN, make_provider(key), protect=False).zone_id)
    zone = pulumi_env.monitor.one(ZONE_TYPES[key])
    assert zone.protect is False
    if key == "hetzner":
        assert zone.inputs["deleteProtection"] is False
    if key == "azuredns":
        assert not pulumi_env.monitor.of_type("azure-native:authorization:ManagementLockByScope")


@pytest.mark.parametrize("key", SIGNABLE)
def test_signed_zone_exposes_its_ds(pulumi_env: PulumiEnv, key: str) -> None:
    def build() -> Any:
        provider = make_provider(key)
        kms = make_provider("route53", "kms-provider") if key == "route53" else None
        zone = make_zone(key, "apex", DOMAIN, provider, dnssec=True, kms_provider=kms)
        return zone.ds.apply(lambda d: d.presentation)

    ds = pulumi_env.run(build)
    assert ds == expected_ds(DOMAIN, key)
    mon = pulumi_env.monitor
    component = mon.one(COMPONENT_TYPES[key])
    zone = mon.one(ZONE_TYPES[key])
    for reg in mon.custom():
        assert reg.parent == component.urn
        assert_sdk_inputs(reg)
    if key == "cloudflare":
        sec = mon.one("cloudflare:index/zoneDnssec:ZoneDnssec", "apex-dnssec")
        assert sec.inputs == {"zoneId": zone.id, "status": "active"}
        # Cloudflare reads "pending" back until the DS is published upstream: not a change to undo
        assert sec.outputs["status"] == "pending" and sec.ignore_changes == ["status"]
    elif key == "route53":
        kms_key = mon.one("aws:kms/key:Key", "apex-dnssec-key")
        assert kms_key.inputs["customerMasterKeySpec"] == "ECC_NIST_P256"
        assert kms_key.inputs["keyUsage"] == "SIGN_VERIFY"
        policy = json.loads(kms_key.inputs["policy"])
        principals = [s["Principal"] for s in policy["Statement"]]
        assert {"Service": "dnssec-route53.amazonaws.com"} in principals
        assert {"AWS": f"arn:aws:iam::{AWS_ACCOUNT}:root"} in principals
        kms_provider = mon.one("pulumi:providers:aws", "kms-provider")
        assert kms_key.provider_urn == kms_provider.urn
        ksk = mon.one("aws:route53/keySigningKey:KeySigningKey")
        assert ksk.inputs["hostedZoneId"] == zone.outputs["zoneId"]
        assert ksk.inputs["keyManagementServiceArn"] == kms_key.outputs["arn"]
        assert ksk.inputs["status"] == "ACTIVE"
        signing = mon.one("aws:route53/hostedZoneDnsSec:HostedZoneDnsSec")
        assert signing.inputs["signingStatus"] == "SIGNING"
        assert ksk.urn in signing.dependencies
        calls = [c.token for c in pulumi_env.mocks.calls]
        assert calls == ["aws:index/getCallerIdentity:getCallerIdentity"]
    elif key == "clouddns":
        assert zone.inputs["dnssecConfig"] == {"state": "on", "nonExistence": "nsec3"}
        assert [c.token for c in pulumi_env.mocks.calls] == ["gcp:dns/getKeys:getKeys"]
    else:
        sec = mon.one("azure-native:dns:DnssecConfig")
        assert sec.inputs == {"resourceGroupName": "sovereign-dns", "zoneName": DOMAIN}


def test_hetzner_refuses_dnssec_before_registering(pulumi_env: PulumiEnv) -> None:
    def build() -> Any:
        import pulumi_hcloud

        from components.hetzner import HetznerZone, HetznerZoneArgs

        provider = pulumi_hcloud.Provider("hz")
        with pytest.raises(DnsInputError, match=r"hz\.dnssec.*cannot sign"):
            HetznerZone("hz", HetznerZoneArgs(name="omantel.example", provider=provider,
                                              dnssec=True))
        return 1

    assert pulumi_env.run(build) == 1
    assert [r.type for r in pulumi_env.monitor.registrations] == ["pulumi:providers:hcloud"]


@pytest.mark.parametrize("zone", ["hz.omantel.example", "a.example.co.uk", "co.uk"])
def test_hetzner_refuses_a_zone_that_is_not_a_registrable_domain(pulumi_env: PulumiEnv, zone: str) -> None:
    """Hetzner Cloud's Create Zone: "All names with well-known public suffixes ... Subdomains are not supported"."""
    def build() -> Any:
        import pulumi_hcloud

        from components.hetzner import HetznerZone, HetznerZoneArgs

        provider = pulumi_hcloud.Provider("hz")
        with pytest.raises(DnsInputError, match=r"^hz\.name: .*cannot be a Hetzner zone"):
            HetznerZone("hz", HetznerZoneArgs(name=zone, provider=provider))
        HetznerZone("ok", HetznerZoneArgs(name="example.co.uk", provider=provider))
        return 1

    assert pulumi_env.run(build) == 1
    assert [r.type for r in pulumi_env.monitor.registrations if r.custom] == [
        "pulumi:providers:hcloud", "hcloud:index/zone:Zone"]


@pytest.mark.parametrize(("key", "bad", "field"), [
    ("cloudflare", {"account_id": ""}, "apex.accountId"),
    ("clouddns", {"project": ""}, "apex.project"),
    ("azuredns", {"resource_group": ""}, "apex.resourceGroup"),
    ("route53", {"kms_key_arn": "arn:aws:kms:eu-west-1:1:key/x"}, "apex.kmsKeyArn"),
    ("hetzner", {"name": "not a zone"}, "apex.name"),
])
def test_bad_zone_args_fail_before_registering(pulumi_env: PulumiEnv, key: str,
                                               bad: dict[str, str], field: str) -> None:
    import dataclasses

    from components import sovereign

    def build() -> Any:
        provider = make_provider(key)
        spec = sovereign.ZoneSpec(name=DOMAIN, provider=key, provider_config=key,
                                  account_id="acc", project="p", resource_group="rg")
        args = dataclasses.replace(sovereign.zone_args(spec, {key: provider}, True), **bad)
        cls = face(key).component_class()
        with pytest.raises(DnsInputError) as caught:
            cls("apex", args)
        assert caught.value.field == field
        return 1

    assert pulumi_env.run(build) == 1
    assert [r.type for r in pulumi_env.monitor.registrations] == [PROVIDER_TYPES[key]]


# --- delegation -----------------------------------------------------------------------------

@pytest.mark.parametrize("child_key", CHILD_ZONE_PROVIDERS)
@pytest.mark.parametrize("parent_key", ALL)
def test_delegation_between_any_two_providers(pulumi_env: PulumiEnv, parent_key: str,
                                              child_key: str) -> None:
    from components.delegation import Delegation, DelegationArgs

    child_zone = "hz.omantel.example"
    signed = child_key in SIGNABLE

    def build() -> Any:
        parent_provider = make_provider(parent_key, "parent-provider")
        child_provider = make_provider(child_key, "child-provider")
        kms = make_provider("route53", "kms") if child_key == "route53" else None
        parent = make_zone(parent_key, "apex", DOMAIN, parent_provider)
        child = make_zone(child_key, "hz", child_zone, child_provider, dnssec=signed,
                          kms_provider=kms)
        Delegation("hz-delegation", DelegationArgs(parent=parent, child=child, ttl=3600))
        return parent.zone_id

    parent_id = pulumi_env.run(build)
    mon = pulumi_env.monitor
    delegation = mon.one("catalyst-dns:index:Delegation", "hz-delegation")
    parent_provider = mon.one(PROVIDER_TYPES[parent_key], "parent-provider")
    records = [r for r in mon.of_type(RECORD_TYPES[parent_key]) if r.parent == delegation.urn]
    assert records, "no records written into the parent"
    for reg in records:
        assert reg.provider_urn == parent_provider.urn, "records must use the parent's provider"
        assert reg.protect is False
        assert reg.name.startswith("hz-delegation-")
        _assert_in_zone(parent_key, reg, parent_id)
    sets = record_sets(parent_key, records, DOMAIN)
    expected = {(child_zone, "NS")}
    if signed:
        expected.add((child_zone, "DS"))
    assert set(sets) == expected
    ns = sets[(child_zone, "NS")]
    assert list(ns.values) == NORMALISED_NS[child_key]
    assert ns.ttl == 3600
    if signed:
        assert sets[(child_zone, "DS")].values == (expected_ds(child_zone, child_key),)
    # Nothing of the delegation lands in the child's own zone or with the child's provider.
    child_provider = mon.one(PROVIDER_TYPES[child_key], "child-provider")
    assert not [r for r in mon.custom() if r.parent == delegation.urn
                and r.provider_urn == child_provider.urn]


def _assert_in_zone(provider: str, reg: Any, zone_id: str) -> None:
    i = reg.inputs
    if provider in ("cloudflare", "route53"):
        assert i["zoneId"] == zone_id
    elif provider == "clouddns":
        assert i["managedZone"] == zone_id and i["project"] == "sovereign-dns"
    elif provider == "azuredns":
        assert i["resourceGroupName"] == "sovereign-dns"
    else:
        assert i["zone"] == zone_id


@pytest.mark.parametrize(("parent_key", "ttl", "taken"), [
    ("route53", 172800, True),  # two days, as TLDs delegate: Route53's range, not the strictest provider's
    ("cloudflare", 172800, False),  # Cloudflare's range ends at a day
    ("cloudflare", 1, False),  # "automatic": a Sovereign's delegationTtl refuses it too
])
def test_a_delegation_ttl_is_held_to_its_parents_range(pulumi_env: PulumiEnv, parent_key: str, ttl: int,
                                                       taken: bool) -> None:
    from components.delegation import Delegation, DelegationArgs
    from components.registry import face

    def build() -> Any:
        parent = make_zone(parent_key, "apex", DOMAIN, make_provider(parent_key, "parent-provider"))
        child = make_zone("clouddns", "hz", "hz.omantel.example", make_provider("clouddns", "child-provider"))
        if taken:
            Delegation("d", DelegationArgs(parent=parent, child=child, ttl=ttl))
        else:
            with pytest.raises(DnsInputError, match=r"^d\.ttl: .* is outside .*'s TTL range"):
                Delegation("d", DelegationArgs(parent=parent, child=child, ttl=ttl))
            with pytest.raises(DnsInputError):  # the very rule a Sovereign's stack config meets
                face(parent_key).check_ttl("delegationTtl", ttl)
        return 1

    pulumi_env.run(build)
    assert bool(pulumi_env.monitor.of_type("catalyst-dns:index:Delegation")) is taken


def test_delegation_refuses_a_child_outside_the_parent(pulumi_env: PulumiEnv) -> None:
    from components.delegation import Delegation, DelegationArgs

    def build() -> Any:
        p = make_provider("hetzner")
        a = make_zone("hetzner", "a", DOMAIN, p)
        b = make_zone("hetzner", "b", "other.example", p)
        c = make_zone("route53", "c", "hz.omantel.example", make_provider("route53"))
        with pytest.raises(DnsInputError, match=r"d\.child.*not a zone below"):
            Delegation("d", DelegationArgs(parent=a, child=b))
        with pytest.raises(DnsInputError, match=r"d\.child.*not a zone below"):
            Delegation("d", DelegationArgs(parent=a, child=a))
        with pytest.raises(DnsInputError, match=r"d\.ttl"):
            Delegation("d", DelegationArgs(parent=a, child=c, ttl=0))
        with pytest.raises(DnsInputError, match=r"d\.ttl.*TTL range"):
            Delegation("d", DelegationArgs(parent=a, child=c, ttl=30))
        with pytest.raises(DnsInputError, match=r"d\.ttl: True is outside"):
            Delegation("d", DelegationArgs(parent=a, child=c, ttl=True))
        return 1

    pulumi_env.run(build)
    assert not pulumi_env.monitor.of_type("catalyst-dns:index:Delegation")
    assert not pulumi_env.monitor.of_type(RECORD_TYPES["hetzner"])


def test_cloudflare_parent_checks_the_child_name_server_count(pulumi_env: PulumiEnv) -> None:
    """A Cloudflare parent writes one record per name server; a count mismatch must fail, not drop one."""
    from components.base import ZoneComponent
    from components.delegation import Delegation, DelegationArgs

    def build() -> Any:
        parent = make_zone("cloudflare", "apex", DOMAIN, make_provider("cloudflare"))
        child = make_zone("route53", "hz", "hz.omantel.example", make_provider("route53"))
        object.__setattr__(child, "assigned_nameservers", 2)  # the real zone returns 4
        assert isinstance(child, ZoneComponent)
        Delegation("d", DelegationArgs(parent=parent, child=child))
        return 1

    with pytest.raises(Exception, match=r"expected 2 values, the provider returned 4"):
        pulumi_env.run(build)


# --- GSLB -----------------------------------------------------------------------------------

REGIONS = [
    Region(geotag="fsn", nameserver_ipv4="203.0.113.53", nameserver_ipv6="2001:db8:1::53"),
    Region(geotag="hel", nameserver_ipv4="198.51.100.53"),
    Region(geotag="nbg1", nameserver_ipv4="192.0.2.153", nameserver_ipv6="2001:db8:3::53"),
]


@pytest.mark.parametrize("count", [1, 2, 3])
@pytest.mark.parametrize("parent_key", ALL)
def test_gslb_delegation_uses_k8gb_names(pulumi_env: PulumiEnv, parent_key: str, count: int) -> None:
    from components.gslb_delegation import GslbDelegation, GslbDelegationArgs

    regions = REGIONS[:count]

    def build() -> Any:
        parent = make_zone(parent_key, "apex", DOMAIN, make_provider(parent_key))
        gslb = GslbDelegation("gslb", GslbDelegationArgs(
            parent=parent, gslb_zone="gslb.omantel.example", regions=regions, ttl=300))
        return gslb.nameservers

    nameservers = pulumi_env.run(build)
    # k8gb: gslb-ns-<geotag>-<loadBalancedZone minus .parentZone, dots as dashes>.<parentZone>
    expected_names = {r.geotag: f"gslb-ns-{r.geotag}-gslb.omantel.example" for r in regions}
    assert nameservers == sorted(expected_names.values())
    mon = pulumi_env.monitor
    component = mon.one("catalyst-dns:index:GslbDelegation", "gslb")
    records = mon.of_type(RECORD_TYPES[parent_key])
    assert all(r.parent == component.urn for r in records)
    sets = record_sets(parent_key, records, DOMAIN)
    expected: dict[tuple[str, str], tuple[str, ...]] = {
        ("gslb.omantel.example", "NS"): tuple(sorted(expected_names.values()))}
    for r in regions:
        if r.nameserver_ipv4:
            expected[(expected_names[r.geotag], "A")] = (r.nameserver_ipv4,)
        if r.nameserver_ipv6:
            expected[(expected_names[r.geotag], "AAAA")] = (r.nameserver_ipv6,)
    assert {k: v.values for k, v in sets.items()} == expected
    assert {v.ttl for v in sets.values()} == {300}


def test_gslb_below_a_deeper_zone_follows_k8gb_relative_naming(pulumi_env: PulumiEnv) -> None:
    from components.gslb_delegation import GslbDelegation, GslbDelegationArgs

    def build() -> Any:
        parent = make_zone("route53", "apex", DOMAIN, make_provider("route53"))
        return GslbDelegation("g", GslbDelegationArgs(
            parent=parent, gslb_zone="gslb.apps.omantel.example", regions=REGIONS[:1])).nameservers

    assert pulumi_env.run(build) == ["gslb-ns-fsn-gslb-apps.omantel.example"]


@pytest.mark.parametrize(("regions", "gslb_zone", "ttl", "match"), [
    ([], "gslb.omantel.example", 300, r"g\.regions"),
    ([Region(geotag="fsn")], "gslb.omantel.example", 300, r"g\.regions\[0\]\.nameserver\.ipv4"),
    # k8gb resolves its peers' nameserver names with A queries only: IPv6 alone leaves a region unseen
    ([Region(geotag="fsn", nameserver_ipv6="2001:db8::53")], "gslb.omantel.example", 300,
     r"g\.regions\[0\]\.nameserver\.ipv4.*A queries only"),
    ([REGIONS[0], REGIONS[0]], "gslb.omantel.example", 300, r"g\.regions\[1\]\.geotag.*twice"),
    (REGIONS[:1], "gslb.elsewhere.example", 300, r"g\.gslbZone"),
    (REGIONS[:1], "gslb.omantel.example", 30, r"^g\.ttl: 30 is outside Cloudflare's TTL range"),
    # k8gb's nameserver name for a long geotag has a first label over 63 octets: named by the geotag
    ([Region(geotag="a" * 60, nameserver_ipv4="203.0.113.53")], "gslb.omantel.example", 300,
     r"^g\.regions\[0\]\.geotag: 'a{60}' gives the k8gb nameserver name gslb-ns-a{60}-gslb"),
])
def test_gslb_bad_args_fail_before_registering(pulumi_env: PulumiEnv, regions: list[Region],
                                               gslb_zone: str, ttl: int, match: str) -> None:
    from components.gslb_delegation import GslbDelegation, GslbDelegationArgs

    def build() -> Any:
        parent = make_zone("cloudflare", "apex", DOMAIN, make_provider("cloudflare"))
        with pytest.raises(DnsInputError, match=match):
            GslbDelegation("g", GslbDelegationArgs(parent=parent, gslb_zone=gslb_zone,
                                                   regions=regions, ttl=ttl))
        return 1

    pulumi_env.run(build)
    assert not pulumi_env.monitor.of_type("catalyst-dns:index:GslbDelegation")
    assert not pulumi_env.monitor.of_type(RECORD_TYPES["cloudflare"])


# --- Sovereign used directly ----------------------------------------------------------------

@pytest.mark.parametrize(("change", "field"), [
    ({"providers": {}}, "sov.zones[0].provider"),
    ({"zones": ()}, "sov.zones"),
    ({"regions": ()}, "sov.regions"),
    ({"owner_id": "openova"}, "sov.ownerId"),
    ({"gslb_zone": "gslb.other.example"}, "sov.gslb.zone"),
    ({"gslb_ttl": 30}, "sov.gslbTtl"),
    ({"delegation_ttl": 30, "zones_extra": {"name": "aws.omantel.example", "provider": "route53"}},
     "sov.delegationTtl"),
    ({"zones_extra": {"name": "x.other.example", "provider": "hetzner"}}, "sov.zones[1].name"),
    ({"zones_extra": {"name": "gslb.omantel.example", "provider": "hetzner"}}, "sov.zones[1].name"),
    ({"zones_extra": {"name": "az.omantel.example", "provider": "azuredns"}}, "sov.zones[1].resourceGroup"),
    # Hetzner's Create Zone: "Subdomains are not supported" (its DNSSEC refusal: at the apex, above)
    ({"zones_extra": {"name": "hz.omantel.example", "provider": "hetzner"}}, "sov.zones[1].name"),
])
def test_sovereign_refuses_bad_args_before_registering(pulumi_env: PulumiEnv, change: dict[str, Any],
                                                       field: str) -> None:
    import dataclasses

    from components.sovereign import Sovereign, SovereignArgs, ZoneSpec

    def build() -> Any:
        providers = {"cloudflare": make_provider("cloudflare"), "hetzner": make_provider("hetzner"),
                     "azuredns": make_provider("azuredns"), "route53": make_provider("route53")}
        zones = [ZoneSpec(name=DOMAIN, provider="cloudflare", provider_config="cloudflare",
                          account_id="acc")]
        extra = dict(change)
        if "zones_extra" in extra:
            zones.append(ZoneSpec(provider_config="x", **extra.pop("zones_extra")))
        args = SovereignArgs(domain=DOMAIN, zones=zones, regions=REGIONS[:1], providers=providers)
        args = dataclasses.replace(args, **extra)
        with pytest.raises(DnsInputError) as caught:
            Sovereign("sov", args)
        assert caught.value.field == field, str(caught.value)
        return 1

    assert pulumi_env.run(build) == 1
    assert all(r.type.startswith("pulumi:providers:") for r in pulumi_env.monitor.registrations)


# --- what the providers do with our resources: Azure lock inheritance, AWS KSK names -----------

def _locked(resource_id: str, scopes: list[str]) -> bool:
    """Azure's rule: a lock applies at its scope and is inherited by every resource below it.

    ARM ids are paths (``…/dnszones/<zone>/<TYPE>/<name>``) compared case-insensitively.
    """
    rid = resource_id.lower()
    return any(rid == s.lower() or rid.startswith(s.lower().rstrip("/") + "/") for s in scopes)


def test_azure_protection_keeps_the_zone_and_leaves_its_record_sets_deletable(
        pulumi_env: PulumiEnv) -> None:
    """Microsoft's "How to protect DNS zones and records": lock the SOA record set, not the zone.

    A zone-level CanNotDelete lock is inherited by every record set in the zone, so nothing in
    it could be deleted (issue 9.1). A lock on the SOA record set keeps the zone undeletable
    (a zone is deleted with its SOA) and lets the other record sets go.
    """
    pulumi_env.run(lambda: make_zone("azuredns", "apex", DOMAIN, make_provider("azuredns")).zone_id)
    mon = pulumi_env.monitor
    zone_id = mon.one(ZONE_TYPES["azuredns"]).id
    assert zone_id
    scopes = [r.inputs["scope"] for r in mon.of_type("azure-native:authorization:ManagementLockByScope")]
    assert [r.inputs["level"] for r in mon.of_type("azure-native:authorization:ManagementLockByScope")] \
        == ["CanNotDelete"]
    assert _locked(f"{zone_id}/SOA/@", scopes), scopes
    # ManagementLockByScope's documented resource scope form: /subscriptions/{id}/resourcegroups/
    # {group}/providers/{namespace}/{parentResourcePath}/{resourceType}/{resourceName}; the SOA
    # record set is type dnszones/SOA, name @, under its zone.
    assert re.fullmatch(r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network"
                        r"/dnszones/omantel\.example/SOA/@", scopes[0], re.IGNORECASE), scopes
    assert not _locked(zone_id, scopes) or zone_id.lower() + "/soa/@" == scopes[0].lower()
    # What the function and the delegations write and must be able to delete again.
    for record_set in ("A/www", "AAAA/www", "CNAME/shop", "TXT/_externaldns.a-www", "MX/@",
                       "NS/hz", "DS/hz", "CAA/@", "SRV/_sip._tcp", "TXT/@", "NS/gslb"):
        assert not _locked(f"{zone_id}/{record_set}", scopes), (record_set, scopes)


def test_the_lock_rule_catches_a_zone_level_lock() -> None:
    # The control: the old zone-scoped lock locks every record set.
    zone_id = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/dnszones/omantel.example"
    assert _locked(f"{zone_id}/A/www", [zone_id])
    assert not _locked(f"{zone_id}/A/www", [f"{zone_id}/SOA/@"])


# AWS Route 53 API reference, CreateKeySigningKey, request parameter Name:
# "Length Constraints: Minimum length of 3. Maximum length of 128. Pattern: ^[a-zA-Z0-9_]{3,128}$"
AWS_KSK_NAME = re.compile(r"^[a-zA-Z0-9_]{3,128}$")
LONG_ZONE = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 53]) + ".example"  # 253 octets


@pytest.mark.parametrize("zone", [
    DOMAIN,
    "hz.omantel.example",
    "eu-west-1.omantel.example",
    "xn--mnchen-3ya.example",        # münchen.example
    "xn--80akhbyknj4f.xn--p1ai",     # IDN in an IDN TLD
    "a.b",
    LONG_ZONE,
])
def test_route53_ksk_names_are_names_aws_accepts(pulumi_env: PulumiEnv, zone: str) -> None:
    assert len(zone) <= 253

    def build() -> Any:
        provider = make_provider("route53")
        return make_zone("route53", "z", zone, provider, dnssec=True,
                         kms_provider=make_provider("route53", "kms")).ds.apply(lambda d: d.key_tag)

    pulumi_env.run(build)
    name = pulumi_env.monitor.one("aws:route53/keySigningKey:KeySigningKey").inputs["name"]
    assert AWS_KSK_NAME.match(name), name


def test_route53_ksk_names_of_long_zones_differ() -> None:
    from catalyst_dns.providers.route53 import ksk_name

    other = LONG_ZONE.replace("d" * 53, "d" * 52 + "e")
    assert ksk_name(LONG_ZONE) != ksk_name(other)
    assert all(AWS_KSK_NAME.match(ksk_name(z)) for z in (LONG_ZONE, other))


def test_gslb_delegation_with_dashed_geotags_and_a_nested_zone(pulumi_env: PulumiEnv) -> None:
    """k8gb's getNsName for geotags like us-east-1 and a GSLB zone two labels below its parent."""
    from components.gslb_delegation import GslbDelegation, GslbDelegationArgs

    regions = [Region(geotag="us-east-1", nameserver_ipv4="203.0.113.53"),
               Region(geotag="eu-west-1", nameserver_ipv4="198.51.100.153", nameserver_ipv6="2001:db8::53")]

    def build() -> Any:
        parent = make_zone("hetzner", "apex", DOMAIN, make_provider("hetzner"))
        return GslbDelegation("g", GslbDelegationArgs(
            parent=parent, gslb_zone="gslb.eu.omantel.example", regions=regions)).nameservers

    assert pulumi_env.run(build) == ["gslb-ns-eu-west-1-gslb-eu.omantel.example",
                                     "gslb-ns-us-east-1-gslb-eu.omantel.example"]
    sets = record_sets("hetzner", pulumi_env.monitor.of_type(RECORD_TYPES["hetzner"]), DOMAIN)
    assert sets[("gslb-ns-us-east-1-gslb-eu.omantel.example", "A")].values == ("203.0.113.53",)
    assert sets[("gslb-ns-eu-west-1-gslb-eu.omantel.example", "AAAA")].values == ("2001:db8::53",)
