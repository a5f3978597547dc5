"""k8gb's nameserver naming and geotag alphabet, as k8gb's own code defines them.

k8gb's Go module is not served by the module proxy here, so k8gb cannot run in this test;
the table below follows k8gb's code instead, read at tag v0.21.0-rc4 of
github.com/k8gb-io/k8gb:

- ``getNsName(tag, zone, edge, prefix)`` in ``controllers/resolver/ns_names.go`` names a
  region's CoreDNS ``<prefix><tag>-<zone minus ".<edge>", dots replaced by dashes>.<edge>``,
  where ``zone`` is the ZoneDelegation's ``loadBalancedZone``, ``edge`` its ``parentZone``
  and the prefix defaults to ``gslb-ns-`` (GLUEA_PREFIX);
- ``ZoneDelegation.ExtractGeoTagFromGlueA`` in ``api/v1beta1io/zonedelegation_types.go``,
  used by ``DiscoverNameServers`` (``controllers/ipresolver/discovery.go``), cuts the
  geotag back out of the NS names it finds in the parent zone: strip the prefix, remove
  ``-<zone minus edge, dots as dashes>.<edge>``;
- ``onlyLettersDigitsDash`` in ``controllers/resolver/config_validations.go`` is the check
  on CLUSTER_GEO_TAG and EXT_GSLB_CLUSTERS_GEO_TAGS: letters, digits and ``-`` (k8gb's
  examples use ``us-east-1``, ``eu-west-1``).

The expected names in the table are worked out by hand from that formula (several are the
very values k8gb's own resolver tests expect), not produced by our code.
"""

from __future__ import annotations

import pytest

from catalyst_dns import k8gb
from catalyst_dns.errors import DnsInputError
from catalyst_dns.settings import parse_settings

# (geotag, load-balanced zone, parent (edge) zone, the name k8gb computes)
TABLE = [
    # The plain case: gslb.<domain> delegated from <domain>.
    ("fsn", "gslb.omantel.example", "omantel.example", "gslb-ns-fsn-gslb.omantel.example"),
    # k8gb's own resolver tests: loadBalancedZone cloud.example.com, parentZone example.com.
    ("us", "cloud.example.com", "example.com", "gslb-ns-us-cloud.example.com"),
    ("eu", "k8gb-test-gslb.cloud.example.com", "cloud.example.com",
     "gslb-ns-eu-k8gb-test-gslb.cloud.example.com"),
    # Geotags with dashes (k8gb's ns_names.go comment: "gslb-ns-us-1-cloud.example.com": "us-1").
    ("us-1", "cloud.example.com", "example.com", "gslb-ns-us-1-cloud.example.com"),
    ("us-east-1", "gslb.omantel.example", "omantel.example",
     "gslb-ns-us-east-1-gslb.omantel.example"),
    ("eu-west-1", "gslb.hz.omantel.example", "hz.omantel.example",
     "gslb-ns-eu-west-1-gslb.hz.omantel.example"),
    # Nested GSLB zones: every label between the zone and the edge becomes a dash-joined part.
    ("fsn", "gslb.eu.omantel.example", "omantel.example", "gslb-ns-fsn-gslb-eu.omantel.example"),
    ("ap-south-2", "apps.gslb.eu.omantel.example", "omantel.example",
     "gslb-ns-ap-south-2-apps-gslb-eu.omantel.example"),
    ("hel", "gslb.eu.omantel.example", "eu.omantel.example", "gslb-ns-hel-gslb.eu.omantel.example"),
    # A dashed zone label next to a dashed geotag.
    ("us-east-1", "k8s-gslb.omantel.example", "omantel.example",
     "gslb-ns-us-east-1-k8s-gslb.omantel.example"),
]


@pytest.mark.parametrize(("geotag", "zone", "edge", "expected"), TABLE)
def test_nameserver_names_follow_k8gb_getNsName(geotag: str, zone: str, edge: str,  # noqa: N802
                                                expected: str) -> None:
    assert k8gb.nameserver_name(geotag, zone, edge) == expected


def _extract_geotag(ns_name: str, zone: str, edge: str) -> str:
    """What k8gb's ExtractGeoTagFromGlueA does with an NS name it finds (default prefix)."""
    inner = zone.removesuffix("." + edge).replace(".", "-")
    return ns_name.rstrip(".").removeprefix("gslb-ns-").replace(f"-{inner}.{edge}", "")


@pytest.mark.parametrize(("geotag", "zone", "edge", "expected"), TABLE)
def test_k8gb_reads_the_geotag_back_out_of_the_name(geotag: str, zone: str, edge: str,
                                                    expected: str) -> None:
    # Peer discovery works only if the geotag survives the round trip, dashes included.
    assert _extract_geotag(k8gb.nameserver_name(geotag, zone, edge), zone, edge) == geotag


def _settings(*geotags: str, gslb: str = "gslb.omantel.example") -> dict[str, object]:
    return {
        "domain": "omantel.example",
        "ownerId": "catalyst-dns",
        "zones": [{"name": "omantel.example", "provider": "hetzner", "zoneId": "1",
                   "providerConfig": "hetzner"}],
        "gslb": {"zone": gslb},
        "regions": [{"geotag": g, "nameserver": {"ipv4": "203.0.113.53"}} for g in geotags],
    }


@pytest.mark.parametrize("geotag", ["us-east-1", "eu-west-1", "ap-south-2", "fsn", "fsn1", "a",
                                    "us--east"])
def test_settings_accept_the_geotags_k8gb_accepts(geotag: str) -> None:
    settings = parse_settings(_settings(geotag))
    assert settings.regions[0].geotag == geotag


@pytest.mark.parametrize("geotag", [
    "US-EAST-1",   # k8gb accepts it, but reads back the lower-case name DNS hands it
    "us_east",     # not in k8gb's alphabet
    "us.east",     # would split the nameserver name's label
    "-us", "us-",  # not a host-name label edge
    "münchen",     # k8gb's unicode.IsLetter admits it; a DNS label does not
    "",
    "a" * 33,
])
def test_settings_refuse_geotags_k8gb_or_dns_cannot_carry(geotag: str) -> None:
    with pytest.raises(DnsInputError) as caught:
        parse_settings(_settings(geotag))
    assert caught.value.field == "settings.regions[0].geotag"


def test_a_nameserver_name_longer_than_a_dns_label_is_refused_with_the_geotag() -> None:
    # 8 (prefix) + 32 (geotag) + 1 + 23 = 64 octets: one more than a DNS label holds.
    zone = "gslb-" + "x" * 18 + ".omantel.example"
    with pytest.raises(DnsInputError) as caught:
        parse_settings(_settings("g" * 32, gslb=zone))
    assert caught.value.field == "settings.regions[0].geotag"
    assert "gslb-ns-" + "g" * 32 in caught.value.rule
    parse_settings(_settings("g" * 31, gslb=zone))  # 63 octets fit


def _gslb(strategy: dict[str, object], name: str = "gslb-shop") -> dict[str, object]:
    return k8gb.gslb_manifest(name=name, namespace="acme-prod", strategy=strategy, labels={},
                              resource_ref={"kind": "HTTPRoute", "name": "shop", "namespace": "acme-prod"})


def test_manifest_shape_tells_strategies_apart_and_nothing_else() -> None:
    failover = {"type": "failover", "dnsTtlSeconds": 30, "primaryGeoTag": "fsn"}
    shapes = {k8gb.manifest_shape(_gslb(s)) for s in (
        failover, {"type": "roundRobin", "dnsTtlSeconds": 30},
        {"type": "roundRobin", "dnsTtlSeconds": 30, "weight": {"fsn": 70, "hel": 30}},
        {"type": "roundRobin", "dnsTtlSeconds": 30, "weight": {"fsn": 100}})}
    assert len(shapes) == 4
    other = {"type": "failover", "dnsTtlSeconds": 60, "primaryGeoTag": "hel"}
    assert k8gb.manifest_shape(_gslb(other, name="gslb-other")) == k8gb.manifest_shape(_gslb(failover))
