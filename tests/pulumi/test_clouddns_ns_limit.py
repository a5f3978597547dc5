"""GslbDelegation under a Google Cloud DNS parent: at most eight regions (name servers).

Cloud DNS: "Name servers per delegation: 8" (cloud.google.com/dns/quotas). The GSLB NS
record set lists one k8gb name server per region, so a ninth region is refused before
anything registers; the number is the provider module's, the one the function reads.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from conftest import PulumiEnv
from pulumi_helpers import RECORD_TYPES, record_sets

from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import clouddns as clouddns_rules
from catalyst_dns.settings import Region
from components.registry import face

pytestmark = pytest.mark.pulumi

DOMAIN = "omantel.example"
GSLB_ZONE = "gslb.omantel.example"
REGIONS = [Region(geotag=f"r{i}", nameserver_ipv4=f"203.0.113.{i}") for i in range(1, 10)]


def make_parent(key: str) -> Any:
    from components import sovereign

    if key == "clouddns":
        import pulumi_gcp

        provider: pulumi.ProviderResource = pulumi_gcp.Provider("gcp", project="sovereign-dns")
    else:
        import pulumi_aws

        provider = pulumi_aws.Provider("aws", region="eu-central-1")
    spec = sovereign.ZoneSpec(name=DOMAIN, provider=key, provider_config=key, project="sovereign-dns")
    return face(key).component_class()("apex", sovereign.zone_args(spec, {key: provider}, True))


def delegate(pulumi_env: PulumiEnv, parent_key: str, regions: list[Region]) -> Any:
    from components.gslb_delegation import GslbDelegation, GslbDelegationArgs

    def build() -> Any:
        parent = make_parent(parent_key)
        return GslbDelegation("g", GslbDelegationArgs(parent=parent, gslb_zone=GSLB_ZONE,
                                                      regions=regions)).nameservers

    return pulumi_env.run(build)


def test_the_limit_is_the_provider_modules() -> None:
    assert clouddns_rules.MAX_DELEGATION_NAMESERVERS == 8


def test_eight_regions_under_cloud_dns_write_eight_name_servers(pulumi_env: PulumiEnv) -> None:
    nameservers = delegate(pulumi_env, "clouddns", REGIONS[:8])
    assert len(nameservers) == 8
    sets = record_sets("clouddns", pulumi_env.monitor.of_type(RECORD_TYPES["clouddns"]), DOMAIN)
    assert len(sets[(GSLB_ZONE, "NS")].values) == 8


def test_nine_regions_under_cloud_dns_are_refused_before_registering(pulumi_env: PulumiEnv) -> None:
    from components.gslb_delegation import GslbDelegation, GslbDelegationArgs

    def build() -> Any:
        parent = make_parent("clouddns")
        with pytest.raises(DnsInputError) as caught:
            GslbDelegation("g", GslbDelegationArgs(parent=parent, gslb_zone=GSLB_ZONE, regions=REGIONS))
        assert caught.value.field == "g.regions"
        assert caught.value.value == "<9 regions>"
        assert str(caught.value) == (
            "g.regions: '<9 regions>' give one name server each to the NS record set at gslb.omantel.example "
            "in omantel.example, which has more than 8 name servers; Google Cloud DNS allows at most 8 per "
            "delegation (NS record set)")
        return 1

    pulumi_env.run(build)
    assert not pulumi_env.monitor.of_type("catalyst-dns:index:GslbDelegation")
    assert not pulumi_env.monitor.of_type(RECORD_TYPES["clouddns"])


def test_nine_regions_under_route53_are_not_a_cloud_dns_matter(pulumi_env: PulumiEnv) -> None:
    assert len(delegate(pulumi_env, "route53", REGIONS)) == 9
