"""The Sovereign settings the tests compose against (plain data: tests/core runs in the Pulumi install too)."""

from __future__ import annotations

from typing import Any

SETTINGS: dict[str, Any] = {
    "domain": "omantel.example",
    "ownerId": "catalyst-dns",
    "defaultTtl": 300,
    "zones": [
        {"name": "omantel.example", "provider": "cloudflare", "zoneId": "023e105f4ecef8ad9ca31a8372d0c353",
         "providerConfig": "cloudflare"},
        {"name": "hz.omantel.example", "provider": "hetzner", "zoneId": "4711", "providerConfig": "hetzner"},
        {"name": "aws.omantel.example", "provider": "route53", "zoneId": "Z0123456789ABCDEFGHIJ",
         "providerConfig": "aws"},
        {"name": "gcp.omantel.example", "provider": "clouddns", "zoneId": "gcp-omantel-example",
         "providerConfig": "gcp"},
        {"name": "az.omantel.example", "provider": "azuredns", "zoneId": "az.omantel.example",
         "providerConfig": "azure", "resourceGroup": "rg-dns"},
    ],
    "gslb": {"zone": "gslb.omantel.example"},
    "regions": [
        {"geotag": "fsn", "ingress": {"ipv4": ["203.0.113.10"], "ipv6": ["2001:db8::10"]},
         "nameserver": {"ipv4": "203.0.113.53"}, "kubernetesProviderConfig": "fsn-dmz"},
        {"geotag": "hel", "ingress": {"ipv4": ["198.51.100.10"]},
         "nameserver": {"ipv4": "198.51.100.53"}, "kubernetesProviderConfig": "hel-dmz"},
    ],
    "tenants": [{"namespaces": ["acme-prod"], "suffixes": [
        "acme.omantel.example", "acme.hz.omantel.example", "acme.aws.omantel.example",
        "acme.gcp.omantel.example", "acme.az.omantel.example"]}],
    "reserved": ["console.omantel.example"],
}
