"""The provider translators, by the ``provider`` key used in the Sovereign settings."""

from __future__ import annotations

from catalyst_dns.providers.azuredns import AzureDns
from catalyst_dns.providers.base import Composed, Marks, Provider, Scope
from catalyst_dns.providers.clouddns import CloudDns
from catalyst_dns.providers.cloudflare import Cloudflare
from catalyst_dns.providers.hetzner import Hetzner
from catalyst_dns.providers.route53 import Route53

PROVIDERS: dict[str, Provider] = {p.key: p for p in (Cloudflare(), Route53(), CloudDns(), AzureDns(), Hetzner())}


def provider_for(key: str) -> Provider:
    """The translator for a settings ``provider`` key."""
    return PROVIDERS[key]


__all__ = ["PROVIDERS", "Composed", "Marks", "Provider", "Scope", "provider_for"]
