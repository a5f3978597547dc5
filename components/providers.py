"""Explicit provider objects, one per cloud a stack uses.

Zones and records never fall back to Pulumi's default providers (the example stack also
sets ``pulumi:disable-default-providers: ["*"]``): each cloud gets one named provider
configured from the stack config, and only the SDKs of the clouds in use are imported.
How each cloud's provider is made is its registry entry's (``components.registry``).
"""

from __future__ import annotations

import pulumi

from components.config import StackConfig
from components.registry import face


def build(name: str, config: StackConfig) -> dict[str, pulumi.ProviderResource]:
    """The explicit providers for ``config``'s zones, keyed by settings provider key.

    Every zone provider first, then any further provider one needs (Route53's us-east-1
    KMS provider), so the registration order stays the same as the zones' providers grow.
    """
    creds = config.credentials
    out: dict[str, pulumi.ProviderResource] = {}
    for key in config.providers:
        out[key] = face(key).explicit(f"{name}-{key}", creds)
    for key in config.providers:
        out.update(face(key).more_providers(name, creds, config.zones, out[key]))
    return out
