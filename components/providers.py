"""Explicit provider objects, one per cloud a stack uses.

Zones and records never fall back to Pulumi's default providers (the example stack also
sets ``pulumi:disable-default-providers: ["*"]``): each cloud gets one named provider
configured from the stack config, and only the SDKs of the clouds in use are imported.
"""

from __future__ import annotations

import importlib
from typing import Any

import pulumi

from catalyst_dns.providers import route53 as route53_rules
from components.config import Credentials, StackConfig
from components.sovereign import AWS_KMS_PROVIDER


def _sdk(module: str) -> Any:
    return importlib.import_module(module)


def build(name: str, config: StackConfig) -> dict[str, pulumi.ProviderResource]:
    """The explicit providers for ``config``'s zones, keyed by settings provider key."""
    creds = config.credentials
    out: dict[str, pulumi.ProviderResource] = {}
    for key in config.providers:
        out[key] = _provider(key, f"{name}-{key}", creds)
    if config.route53_dnssec:
        if creds.aws_region == route53_rules.DNSSEC_KMS_REGION:
            out[AWS_KMS_PROVIDER] = out["route53"]
        else:
            out[AWS_KMS_PROVIDER] = _aws(f"{name}-route53-kms", creds,
                                         route53_rules.DNSSEC_KMS_REGION)
    return out


def _aws(resource_name: str, creds: Credentials, region: str) -> pulumi.ProviderResource:
    aws = _sdk("pulumi_aws")
    provider: pulumi.ProviderResource = aws.Provider(
        resource_name,
        region=region,
        profile=creds.aws_profile,
        allowed_account_ids=[creds.aws_allowed_account_id] if creds.aws_allowed_account_id else None,
    )
    return provider


def _provider(key: str, resource_name: str, creds: Credentials) -> pulumi.ProviderResource:
    provider: pulumi.ProviderResource
    if key == "cloudflare":
        provider = _sdk("pulumi_cloudflare").Provider(
            resource_name, api_token=creds.cloudflare_api_token)
    elif key == "route53":
        provider = _aws(resource_name, creds, creds.aws_region)
    elif key == "clouddns":
        provider = _sdk("pulumi_gcp").Provider(
            resource_name, project=creds.gcp_project, credentials=creds.gcp_credentials)
    elif key == "azuredns":
        provider = _sdk("pulumi_azure_native").Provider(
            resource_name, subscription_id=creds.azure_subscription_id,
            tenant_id=creds.azure_tenant_id)
    elif key == "hetzner":
        provider = _sdk("pulumi_hcloud").Provider(resource_name, token=creds.hcloud_token)
    else:  # pragma: no cover - config.read refuses other keys
        raise ValueError(f"unknown provider {key!r}")
    return provider
