"""The Pulumi side's providers as data: one entry per provider key.

Each entry is a provider's *Pulumi face*: the zone component that builds its zones, how the
explicit provider object is made from the stack's credentials, the stack config keys that
cloud needs, and what a zone on it must be completed with. The *core face*, the same
provider's translator and zone rules (TTL range, apex rule, whether it can sign, how many
name servers it assigns), lives in ``catalyst_dns.providers`` and is reached from here
(``rules``, ``zone_rules``), never the reverse: the core imports no Pulumi code.

Everything else on the Pulumi side (config reading, explicit providers, the Sovereign)
looks providers up here instead of dispatching on their names, so adding a provider is
its core module, its component module and one ``PulumiProvider(...)`` entry below.

Importing this module imports no provider SDK: component classes and SDKs load on first
use, for the providers a stack's zones actually use (pulumi_cloudflare alone costs ~2 s).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

import pulumi

from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import Provider, provider_for
from catalyst_dns.providers import route53 as route53_rules

if TYPE_CHECKING:
    from components.base import ZoneArgsBase, ZoneComponent

# The extra provider a Route53 zone signs with (KMS keys for Route53 DNSSEC live in us-east-1).
AWS_KMS_PROVIDER = "route53-kms"

#: A stack's per-cloud settings by config key (``awsRegion``...); secrets stay Outputs.
Credentials = Mapping[str, Any]
Providers = Mapping[str, pulumi.ProviderResource]


@dataclass(frozen=True, slots=True)
class ZoneSpec:
    """One zone of the Sovereign and where it lives.

    Attributes:
        name: the zone's DNS name.
        provider: a key of ``REGISTRY`` (cloudflare | route53 | clouddns | azuredns | hetzner).
        provider_config: the Crossplane ProviderConfig the function writes this zone with.
        dnssec: sign the zone (its DS goes into the parent, or to the registrar for the apex).
        account_id: Cloudflare account (cloudflare only).
        project: GCP project (clouddns only).
        resource_group: Azure resource group (azuredns only).
    """

    name: str
    provider: str
    provider_config: str
    dnssec: bool = False
    account_id: str | None = None
    project: str | None = None
    resource_group: str | None = None


@dataclass(frozen=True, slots=True)
class ConfigKey:
    """One stack config key (``catalyst-dns:<name>``) a provider's zones or credentials need.

    ``default`` None means optional without a default; ``secret`` keys are read as secrets
    and never declared in Pulumi.yaml (see ``components.config``). ``credential`` keys are
    read on every run into the ``Credentials`` the explicit provider is built from; the
    others (a zone's account or resource group) only when a zone on that provider asks.
    """

    name: str
    description: str
    type: str = "string"
    default: Any = None
    secret: bool = False
    credential: bool = True


@dataclass(frozen=True, slots=True)
class ZoneField:
    """A setting each zone on a provider carries (a GCP project, an Azure resource group...).

    Attributes:
        attr: the ZoneSpec field, also the zone component Args field of that name.
        config_key: the stack config key it falls back to (and is refused without).
        child_key: the ``childZones[]`` key a child zone may set its own with, if any.
        in_settings: whether the Sovereign settings carry it (the function needs it to find
            the zone: ``project``, ``resourceGroup``), or only Pulumi uses it.
    """

    attr: str
    config_key: str
    child_key: str | None = None
    in_settings: bool = False


class ConfigReader(Protocol):
    """What the registry reads the stack config through (``config._Reader``)."""

    def required(self, name: str, why: str = "") -> str:
        """A string key that must be set; the refusal says ``why``."""


class ZoneClass(Protocol):
    """A zone component class as the Sovereign uses it: check Args, then build."""

    def __call__(self, name: str, args: Any,
                 opts: pulumi.ResourceOptions | None = None) -> ZoneComponent:
        """Build the zone component."""

    def validate(self, name: str, args: ZoneArgsBase) -> None:
        """Provider-specific checks of ``args``, before anything registers."""

    def check_name(self, zone_name: str, field: str) -> None:
        """Refuse a zone name the provider cannot create."""


def _no_extras(spec: ZoneSpec, providers: Providers) -> dict[str, Any]:
    return {}


def _no_more_providers(name: str, creds: Credentials, zones: tuple[ZoneSpec, ...],
                       own: pulumi.ProviderResource) -> dict[str, pulumi.ProviderResource]:
    return {}


@dataclass(frozen=True, slots=True)
class PulumiProvider:
    """One provider's Pulumi face.

    Attributes:
        key: the settings ``provider`` key; also the core translator's key.
        component: ``module:Class`` of its ZoneComponent (imported on first use).
        args: ``module:Class`` of that component's Args.
        explicit: builds the explicit provider object ``(resource name, credentials)``.
        config_keys: the stack config keys of this cloud (credentials, account...).
        zone_fields: what each zone on it carries beyond ``ZoneArgsBase`` (see ZoneField).
        requires: config keys a zone on it needs set, beyond its zone fields.
        zone_args: further Args fields for a zone, from its spec and the explicit providers.
        more_providers: further explicit providers its zones need (Route53's KMS provider).
    """

    key: str
    component: str
    args: str
    explicit: Callable[[str, Credentials], pulumi.ProviderResource]
    config_keys: tuple[ConfigKey, ...] = ()
    zone_fields: tuple[ZoneField, ...] = ()
    requires: tuple[str, ...] = ()
    zone_args: Callable[[ZoneSpec, Providers], dict[str, Any]] = _no_extras
    more_providers: Callable[[str, Credentials, tuple[ZoneSpec, ...], pulumi.ProviderResource],
                             dict[str, pulumi.ProviderResource]] = _no_more_providers

    @property
    def rules(self) -> Provider:
        """The core face: the translator with the provider's record rules (TTL range...)."""
        return provider_for(self.key)

    @property
    def zone_rules(self) -> ModuleType:
        """The core module's zone-level rules (``ASSIGNED_NAMESERVERS``, ``SUPPORTS_DNSSEC``)."""
        return importlib.import_module(f"catalyst_dns.providers.{self.key}")

    @property
    def signs(self) -> bool:
        """Whether the provider can sign a zone (the core module says when it cannot)."""
        return bool(getattr(self.zone_rules, "SUPPORTS_DNSSEC", True))

    def check_ttl(self, field: str, ttl: int) -> None:
        """Refuse a TTL for records we write into this provider's zones (NS, DS, glue).

        Stricter than the core's per-record check: no Cloudflare "automatic" TTL (1), since
        delegation records are never proxied; ``field`` names where the TTL came from.
        """
        rules = self.rules
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not rules.min_ttl <= ttl <= rules.max_ttl:
            raise DnsInputError(field, ttl, f"is outside {rules.title}'s TTL range "
                                f"{rules.min_ttl}-{rules.max_ttl}")

    @property
    def child_keys(self) -> dict[str, str]:
        """``childZones[]`` keys only this provider takes -> ZoneSpec field."""
        return {f.child_key: f.attr for f in self.zone_fields if f.child_key}

    def settings_fields(self, spec: ZoneSpec) -> dict[str, Any]:
        """The zone fields the settings carry for a zone on this provider."""
        return {f.attr: getattr(spec, f.attr) for f in self.zone_fields if f.in_settings}

    def complete(self, reader: ConfigReader, spec: ZoneSpec, why: str) -> ZoneSpec:
        """``spec`` with every zone field filled from the stack config, or the missing key refused."""
        for name in self.requires:
            reader.required(name, why)
        changes: dict[str, Any] = {
            f.attr: getattr(spec, f.attr) or reader.required(f.config_key, why) for f in self.zone_fields}
        return replace(spec, **changes)

    def refuse_signing(self, field: str) -> None:
        """Refuse ``dnssec`` at ``field`` if this provider cannot sign zones."""
        if not self.signs:
            raise DnsInputError(field, True, f"is not available: {self.rules.title} cannot sign zones")

    def component_class(self) -> ZoneClass:
        """The zone component class (imports its module, and with it the provider's SDK)."""
        cls: ZoneClass = _load(self.component)
        return cls

    def build_args(self, spec: ZoneSpec, providers: Providers, protect: bool) -> ZoneArgsBase:
        """The zone component's Args for ``spec``."""
        args: ZoneArgsBase = _load(self.args)(
            name=spec.name, provider=providers[self.key], dnssec=spec.dnssec, protect=protect,
            **{f.attr: getattr(spec, f.attr) or "" for f in self.zone_fields},
            **self.zone_args(spec, providers))
        return args


def _load(ref: str) -> Any:
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def _sdk(module: str) -> Any:
    return importlib.import_module(module)


# --- Cloudflare ---------------------------------------------------------------------------

def _cloudflare(resource_name: str, creds: Credentials) -> pulumi.ProviderResource:
    provider: pulumi.ProviderResource = _sdk("pulumi_cloudflare").Provider(
        resource_name, api_token=creds.get("cloudflareApiToken"))
    return provider


# --- Route53 ------------------------------------------------------------------------------

def _aws(resource_name: str, creds: Credentials, region: str) -> pulumi.ProviderResource:
    account = creds.get("awsAllowedAccountId")
    provider: pulumi.ProviderResource = _sdk("pulumi_aws").Provider(
        resource_name, region=region, profile=creds.get("awsProfile"),
        allowed_account_ids=[account] if account else None)
    return provider


def _route53(resource_name: str, creds: Credentials) -> pulumi.ProviderResource:
    return _aws(resource_name, creds, creds.get("awsRegion") or "us-east-1")


def _route53_kms(name: str, creds: Credentials, zones: tuple[ZoneSpec, ...],
                 own: pulumi.ProviderResource) -> dict[str, pulumi.ProviderResource]:
    """A signed Route53 zone's KMS key must live in us-east-1: reuse the provider if it is there."""
    if not any(z.provider == "route53" and z.dnssec for z in zones):
        return {}
    if (creds.get("awsRegion") or "us-east-1") == route53_rules.DNSSEC_KMS_REGION:
        return {AWS_KMS_PROVIDER: own}
    return {AWS_KMS_PROVIDER: _aws(f"{name}-route53-kms", creds, route53_rules.DNSSEC_KMS_REGION)}


# --- Google Cloud DNS ---------------------------------------------------------------------

def _gcp(resource_name: str, creds: Credentials) -> pulumi.ProviderResource:
    provider: pulumi.ProviderResource = _sdk("pulumi_gcp").Provider(
        resource_name, project=creds.get("gcpProject"), credentials=creds.get("gcpCredentials"))
    return provider


# --- Azure DNS ----------------------------------------------------------------------------

def _azure(resource_name: str, creds: Credentials) -> pulumi.ProviderResource:
    provider: pulumi.ProviderResource = _sdk("pulumi_azure_native").Provider(
        resource_name, subscription_id=creds.get("azureSubscriptionId"),
        tenant_id=creds.get("azureTenantId"))
    return provider


# --- Hetzner Cloud DNS --------------------------------------------------------------------

def _hcloud(resource_name: str, creds: Credentials) -> pulumi.ProviderResource:
    provider: pulumi.ProviderResource = _sdk("pulumi_hcloud").Provider(
        resource_name, token=creds.get("hcloudToken"))
    return provider


# --- The registry: one entry per provider, in the settings' PROVIDERS order --------------

REGISTRY: dict[str, PulumiProvider] = {p.key: p for p in (
    PulumiProvider(
        "cloudflare", "components.cloudflare:CloudflareZone", "components.cloudflare:CloudflareZoneArgs",
        _cloudflare,
        config_keys=(
            ConfigKey("cloudflareAccountId",
                      "Cloudflare account id (required with a cloudflare zone).", credential=False),
            ConfigKey("cloudflareApiToken", "Cloudflare API token, secret (else CLOUDFLARE_API_TOKEN).", secret=True)),
        zone_fields=(ZoneField("account_id", "cloudflareAccountId"),)),
    PulumiProvider(
        "route53", "components.route53:Route53Zone", "components.route53:Route53ZoneArgs",
        _route53,
        config_keys=(
            ConfigKey("awsRegion", "AWS region of the provider (Route53 is global).", default="us-east-1"),
            ConfigKey("awsProfile", "AWS shared-config profile (else the AWS_* environment)."),
            ConfigKey("awsAllowedAccountId", "Refuse to run against any other AWS account.")),
        zone_args=lambda _, providers: {"kms_provider": providers.get(AWS_KMS_PROVIDER)},
        more_providers=_route53_kms),
    PulumiProvider(
        "clouddns", "components.clouddns:CloudDnsZone", "components.clouddns:CloudDnsZoneArgs",
        _gcp,
        config_keys=(
            ConfigKey("gcpProject", "GCP project of clouddns zones (required with a clouddns zone)."),
            ConfigKey("gcpCredentials",
                      "GCP service-account key JSON, secret (else ADC/GOOGLE_CREDENTIALS).", secret=True)),
        zone_fields=(ZoneField("project", "gcpProject", "project", in_settings=True),)),
    PulumiProvider(
        "azuredns", "components.azuredns:AzureDnsZone", "components.azuredns:AzureDnsZoneArgs",
        _azure,
        config_keys=(
            ConfigKey("azureSubscriptionId", "Azure subscription (required with an azuredns zone)."),
            ConfigKey("azureTenantId", "Azure tenant (else ARM_TENANT_ID)."),
            ConfigKey("azureResourceGroup", "Resource group of azuredns zones (required with one).", credential=False)),
        zone_fields=(ZoneField("resource_group", "azureResourceGroup", "resourceGroup", in_settings=True),),
        requires=("azureSubscriptionId",)),
    PulumiProvider(
        "hetzner", "components.hetzner:HetznerZone", "components.hetzner:HetznerZoneArgs",
        _hcloud,
        config_keys=(
            ConfigKey("hcloudToken", "Hetzner Cloud API token, secret (else HCLOUD_TOKEN).", secret=True),)),
)}

#: The provider keys, in registry order (the order every message lists them in).
PROVIDER_KEYS: tuple[str, ...] = tuple(REGISTRY)


def face(key: str) -> PulumiProvider:
    """The Pulumi face of provider ``key``."""
    return REGISTRY[key]
