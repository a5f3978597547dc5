"""Typed reading of the stack configuration (namespace ``catalyst-dns``).

Every value is read and checked here, before ``__main__.py`` registers a single resource;
every error names the configuration key it came from (``catalyst-dns:regions[1].nameserver``),
so ``pulumi preview`` on a bad stack fails with a message the engineer can act on and
leaves nothing half-created.

The keys, their types and defaults are declared once in ``SCALAR_KEYS`` / ``OBJECT_KEYS``.
``Pulumi.yaml`` declares under ``config:`` exactly what :func:`project_config` returns (a test
keeps the two in step): the Pulumi CLI treats a declared key without a ``default`` as required
and refuses the stack before the program starts, so only the truly required keys
(``REQUIRED_KEYS``) are declared without one; optional keys with no fixed default (per-cloud
credentials, ``gslbZone``...) are documented in Pulumi.yaml's comments and checked here.
Secrets are never declared: a declared ``secret: true`` key must be set, encrypted, on every
stack, which would make every cloud's credentials mandatory.

Errors are ``ConfigError``, a ``pulumi.RunError``: the Python language host shows a RunError
as its message alone, where any other exception becomes "Program failed with an unhandled
exception" and a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.runtime.config as runtime_config

from catalyst_dns import fields, names
from catalyst_dns.errors import DnsInputError, kind_of
from catalyst_dns.providers import PROVIDERS
from catalyst_dns.settings import Region, SovereignSettings, Tenant, parse_settings
from catalyst_dns.zones import closest, is_below, parent_of_gslb
from components import gslb_delegation
from components.registry import PROVIDER_KEYS, REGISTRY, Credentials, ZoneSpec, face
from components.sovereign import DEFAULT_OWNER_ID, SovereignArgs

NAMESPACE = "catalyst-dns"
# The longest TTL stack config takes (defaultTtl, delegationTtl, gslbTtl): the default TTL
# reaches claims in every provider's zones, so it must fit every provider's range (Cloudflare's
# ends at a day); each delegation TTL is checked by its parent's own range besides.
MAX_TTL = min(provider.max_ttl for provider in PROVIDERS.values())

# key -> (type, default, description). A default of None means optional without default.
SCALAR_KEYS: dict[str, tuple[str, Any, str]] = {
    "domain": ("string", None, "The Sovereign's domain, e.g. omantel.example (required)."),
    "provider": ("string", None, "Provider of the domain zone: " + " | ".join(PROVIDER_KEYS) + " (required)."),
    "providerConfig": ("string", None, "Crossplane ProviderConfig the function uses for the domain zone "
                       "(default: the provider name)."),
    "dnssec": ("boolean", False, "Sign the domain zone; its DS is exported for the registrar."),
    "ownerId": ("string", DEFAULT_OWNER_ID, "Owner id of the function's TXT ownership records."),
    "defaultTtl": ("integer", 300, "Default TTL of records the function writes."),
    "delegationTtl": ("integer", 3600, "TTL of the NS/DS records delegating child zones."),
    "gslbZone": ("string", None, "The GSLB sub-zone delegated to k8gb (default gslb.<domain>)."),
    "gslbTtl": ("integer", 300, "TTL of the GSLB NS records and k8gb nameserver address records."),
    "protect": ("boolean", True, "Protect zones from deletion (Pulumi protect + provider-side locks)."),
    # Each cloud's own keys (credentials, account, project...), from the provider registry.
    **{k.name: (k.type, k.default, k.description) for p in REGISTRY.values() for k in p.config_keys},
}
SECRET_KEYS = frozenset(k.name for p in REGISTRY.values() for k in p.config_keys if k.secret)
# key -> (item type, default, description): lists, of objects (checked field by field here)
# or of strings. A default of None means required.
OBJECT_KEYS: dict[str, tuple[str, list[Any] | None, str]] = {
    "regions": ("object", None, "List of regions: {geotag, nameserver: {ipv4, ipv6}, ingress: "
                "{ipv4: [], ipv6: []}, kubernetesProviderConfig}. At least one; each needs its k8gb "
                "nameserver IPv4 address (k8gb finds its peers by A queries; IPv6 optional)."),
    "childZones": ("object", [], "List of child zones below the domain: {name, provider, dnssec, "
                   "providerConfig, project (clouddns), resourceGroup (azuredns)}."),
    "tenants": ("object", [], "List of {namespaces: [], suffixes: []}: which namespaces may claim "
                "which names."),
    "reserved": ("string", [], "List of names (wildcards allowed) added to the function's reserved names."),
}
# The keys every stack must set; the only ones Pulumi.yaml declares without a default.
REQUIRED_KEYS = ("domain", "provider", "regions")


def project_config() -> dict[str, dict[str, Any]]:
    """The ``config:`` block Pulumi.yaml must carry: typed keys the CLI checks before the program.

    Declared: the required keys (no default) and the optional keys that have a fixed default.
    Left out: optional keys without one and secrets (see the module docstring).
    """
    out: dict[str, dict[str, Any]] = {}
    for name, (typ, default, description) in SCALAR_KEYS.items():
        if name in SECRET_KEYS or (default is None and name not in REQUIRED_KEYS):
            continue
        decl: dict[str, Any] = {"type": typ, "description": description}
        if default is not None:
            decl["default"] = default
        out[key(name)] = decl
    for name, (item_type, items_default, description) in OBJECT_KEYS.items():
        decl = {"type": "array", "items": {"type": item_type}, "description": description}
        if items_default is not None:
            decl["default"] = items_default
        out[key(name)] = decl
    return out
_CHILD_ZONE_KEYS = frozenset({"name", "provider", "dnssec", "providerConfig", "project", "resourceGroup"})


class ConfigError(DnsInputError, pulumi.RunError):
    """A stack configuration value that breaks a rule; ``field`` is the config key.

    A ``pulumi.RunError`` so that ``pulumi preview`` shows the one-line message, not a traceback.
    """


def key(name: str) -> str:
    """The fully qualified config key."""
    return f"{NAMESPACE}:{name}"


@dataclass(frozen=True, slots=True)
class StackConfig:
    """The whole stack configuration, checked."""

    domain: str
    zones: tuple[ZoneSpec, ...]
    regions: tuple[Region, ...]
    gslb_zone: str
    owner_id: str
    default_ttl: int
    delegation_ttl: int
    gslb_ttl: int
    tenants: tuple[Tenant, ...]
    reserved: tuple[str, ...]
    protect: bool
    credentials: Credentials

    @property
    def providers(self) -> list[str]:
        """The providers the stack's zones use, in registry order."""
        used = {z.provider for z in self.zones}
        return [p for p in PROVIDER_KEYS if p in used]

    def sovereign_args(self, providers: Mapping[str, pulumi.ProviderResource]) -> SovereignArgs:
        """The Sovereign component's Args, with the explicit provider objects."""
        return SovereignArgs(
            domain=self.domain, zones=self.zones, regions=self.regions, providers=providers,
            gslb_zone=self.gslb_zone, owner_id=self.owner_id, default_ttl=self.default_ttl,
            delegation_ttl=self.delegation_ttl, gslb_ttl=self.gslb_ttl, tenants=self.tenants,
            reserved=self.reserved, protect=self.protect)


Getter = Callable[[str], Any]


class _Reader:
    """Reads raw values (strings, or JSON for objects) and turns them into typed ones."""

    def __init__(self, get: Getter, get_secret: Callable[[str], pulumi.Output[str] | None]) -> None:
        self.get = get
        self.get_secret = get_secret

    def string(self, name: str) -> str | None:
        value = self.get(name)
        default = SCALAR_KEYS[name][1]
        if value is None or value == "":
            return default if isinstance(default, str) else None
        if not isinstance(value, str):
            raise ConfigError(key(name), value, "must be a string")
        if len(value) > fields.MAX_STRING or "\x00" in value:
            raise ConfigError(key(name), value, "is not a valid string")
        return value

    def required(self, name: str, why: str = "") -> str:
        value = self.string(name)
        if value is None:
            raise ConfigError(key(name), None, f"is required{why}; set it with "
                              f"`pulumi config set {key(name)} <value>`")
        return value

    def integer(self, name: str, low: int, high: int) -> int:
        raw = self.get(name)
        default = SCALAR_KEYS[name][1]
        if raw is None or raw == "":
            return int(default)
        if isinstance(raw, str):
            try:
                raw = int(raw.strip(), 10)
            except ValueError:
                raise ConfigError(key(name), raw, "must be an integer") from None
        try:
            return fields.integer(raw, key(name), low=low, high=high)
        except DnsInputError as exc:
            raise ConfigError(exc.field, exc.value, exc.rule) from None

    def boolean(self, name: str) -> bool:
        raw = self.get(name)
        default = SCALAR_KEYS[name][1]
        if raw is None or raw == "":
            return bool(default)
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true"
        raise ConfigError(key(name), raw, "must be true or false")

    def objects(self, name: str) -> list[Any]:
        raw = self.get(name)
        if raw is None or raw == "":
            return []
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ConfigError(key(name), raw, f"is not valid JSON/YAML structured config ({exc.msg})") from None
        if not isinstance(raw, list):
            raise ConfigError(key(name), raw, f"must be a list, not {kind_of(raw)}")
        if len(raw) > fields.MAX_ITEMS:
            raise ConfigError(key(name), f"<{len(raw)} items>", f"has more than {fields.MAX_ITEMS} items")
        return raw


def _rekey(exc: DnsInputError) -> ConfigError:
    """An error from the settings model, its field turned into the config key it came from."""
    field = exc.field
    prefix = NAMESPACE + "."
    if field.startswith(prefix):
        rest = field[len(prefix):]
        if rest.startswith("gslb.zone"):
            rest = "gslbZone"
        field = key(rest)
    return ConfigError(field, exc.value, exc.rule)


def _child_zones(reader: _Reader, domain: str) -> list[ZoneSpec]:
    out: list[ZoneSpec] = []
    for index, doc in enumerate(reader.objects("childZones")):
        path = key(f"childZones[{index}]")
        try:
            doc = fields.mapping(doc, path)
            fields.no_unknown_keys(doc, _CHILD_ZONE_KEYS, path)
            name = names.normalise(fields.string(doc, "name", path), f"{path}.name")
            provider = fields.string(doc, "provider", path)
            dnssec = fields.boolean(doc, "dnssec", path, default=False)
            provider_config = fields.optional_string(doc, "providerConfig", path)
            project = fields.optional_string(doc, "project", path)
            resource_group = fields.optional_string(doc, "resourceGroup", path)
        except DnsInputError as exc:
            raise ConfigError(exc.field, exc.value, exc.rule) from None
        if provider not in PROVIDER_KEYS:
            raise ConfigError(f"{path}.provider", provider, f"must be one of {', '.join(PROVIDER_KEYS)}")
        if not is_below(name, domain):
            raise ConfigError(f"{path}.name", name, f"must be a zone below the domain {domain}")
        if any(z.name == name for z in out):
            raise ConfigError(f"{path}.name", name, "is listed twice")
        for zone_key, value in (("project", project), ("resourceGroup", resource_group)):
            if value is not None and zone_key not in face(provider).child_keys:
                owners = " or ".join(p.key for p in REGISTRY.values() if zone_key in p.child_keys)
                raise ConfigError(f"{path}.{zone_key}", value, f"applies to {owners} zones only")
        out.append(ZoneSpec(name=name, provider=provider, provider_config=provider_config or provider,
                            dnssec=dnssec, project=project, resource_group=resource_group))
    return out


def _complete(reader: _Reader, spec: ZoneSpec, where: str) -> ZoneSpec:
    """Fill in per-cloud settings a zone needs, or say which key is missing."""
    provider = face(spec.provider)
    try:
        provider.component_class().check_name(spec.name, key("provider") if where == key("provider")
                                              else f"{where}.provider")
    except DnsInputError as exc:
        raise ConfigError(exc.field, exc.value, exc.rule) from None
    if spec.dnssec:
        try:
            provider.refuse_signing(key("dnssec") if where == key("provider") else f"{where}.dnssec")
        except DnsInputError as exc:
            raise ConfigError(exc.field, exc.value, exc.rule) from None
    return provider.complete(reader, spec, f" because {where} ({spec.name}) is on {spec.provider}")


def _check_ttl(name: str, ttl: int, zone: ZoneSpec, what: str) -> None:
    try:
        face(zone.provider).check_ttl(key(name), ttl)
    except DnsInputError as exc:
        raise ConfigError(exc.field, exc.value, f"{exc.rule} ({what} is on {zone.provider})") from None


def _spec_name(spec: ZoneSpec) -> str:
    return spec.name


def unknown_keys(present: Sequence[str]) -> list[str]:
    """Keys in our namespace that this program does not read (typos)."""
    known = {key(k) for k in (*SCALAR_KEYS, *OBJECT_KEYS)}
    return sorted(k for k in present if k.startswith(NAMESPACE + ":") and k not in known)


def read(get: Getter, get_secret: Callable[[str], pulumi.Output[str] | None] | None = None,
         present: Sequence[str] = ()) -> StackConfig:
    """Read and check the configuration from ``get(name)`` (raw strings, as Pulumi hands them)."""
    for name in unknown_keys(present):
        raise ConfigError(name, None, "is not a known configuration key (known: "
                          + ", ".join(sorted((*SCALAR_KEYS, *OBJECT_KEYS))) + ")")
    reader = _Reader(get, get_secret or (lambda _name: None))
    try:
        domain = names.normalise(reader.required("domain"), key("domain"))
    except DnsInputError as exc:
        raise ConfigError(exc.field, exc.value, exc.rule) from None
    provider = reader.required("provider")
    if provider not in PROVIDER_KEYS:
        raise ConfigError(key("provider"), provider, f"must be one of {', '.join(PROVIDER_KEYS)}")
    owner_id = reader.string("ownerId") or DEFAULT_OWNER_ID
    default_ttl = reader.integer("defaultTtl", 1, MAX_TTL)
    delegation_ttl = reader.integer("delegationTtl", 1, MAX_TTL)
    gslb_ttl = reader.integer("gslbTtl", 1, MAX_TTL)
    protect = reader.boolean("protect")
    dnssec = reader.boolean("dnssec")
    main = ZoneSpec(name=domain, provider=provider,
                    provider_config=reader.string("providerConfig") or provider, dnssec=dnssec)
    children = _child_zones(reader, domain)
    gslb_raw = reader.string("gslbZone")
    try:
        gslb_zone = names.normalise(gslb_raw, key("gslbZone")) if gslb_raw else f"gslb.{domain}"
    except DnsInputError as exc:
        raise ConfigError(exc.field, exc.value, exc.rule) from None
    if not is_below(gslb_zone, domain):
        raise ConfigError(key("gslbZone"), gslb_zone, f"must be a sub-zone of {domain}")
    for index, child in enumerate(children):
        if names.is_within(child.name, gslb_zone):
            raise ConfigError(key(f"childZones[{index}].name"), child.name,
                              f"is the GSLB zone {gslb_zone} or inside it; k8gb answers for it")

    # Regions, tenants and reserved names go through the settings model itself, so the
    # function accepts exactly what the stack accepted.
    regions_doc = reader.objects("regions")
    doc = {
        "domain": domain, "ownerId": owner_id, "defaultTtl": default_ttl,
        # A stand-in for the zones (checked above and by the Sovereign component).
        "zones": [{"name": domain, "provider": "hetzner", "zoneId": "pending",
                   "providerConfig": main.provider_config}],
        "gslb": {"zone": gslb_zone}, "regions": regions_doc,
        "tenants": reader.objects("tenants"), "reserved": reader.objects("reserved"),
    }
    try:
        parsed: SovereignSettings = parse_settings(doc, path=NAMESPACE)
    except DnsInputError as exc:
        raise _rekey(exc) from None
    if not parsed.regions:
        raise ConfigError(key("regions"), regions_doc or None,
                          "must list at least one region (with its k8gb nameserver address)")

    zones = [_complete(reader, main, key("provider"))]
    zones += [_complete(reader, z, key(f"childZones[{i}]")) for i, z in enumerate(children)]
    # TTLs against the rules of the provider that holds the records (Cloudflare: 60-86400...).
    gslb_parent = closest(parent_of_gslb(gslb_zone), zones, _spec_name)
    assert gslb_parent is not None  # the GSLB zone is below the domain (checked above)
    _check_ttl("gslbTtl", gslb_ttl, gslb_parent, f"the GSLB delegation in {gslb_parent.name}")
    # Its NS set, one k8gb nameserver per region, by the GslbDelegation's own rule: a Cloud DNS
    # parent takes at most eight, so a ninth region fails here rather than half-way through up.
    try:
        gslb_delegation.nameservers(parsed.regions, gslb_zone, gslb_parent.name, gslb_parent.provider, gslb_ttl,
                                    "regions")
    except DnsInputError as exc:
        raise ConfigError(key(exc.field), exc.value, exc.rule) from None
    for child in children:
        parent = closest(child.name, zones, _spec_name, strict=True)
        assert parent is not None  # every child zone is below the domain (checked above)
        _check_ttl("delegationTtl", delegation_ttl, parent,
                   f"the delegation of {child.name} in {parent.name}")
    # Every cloud's keys, read as the registry declares them (secrets stay Outputs).
    credentials: Credentials = {
        k.name: reader.get_secret(k.name) if k.secret else reader.string(k.name)
        for p in REGISTRY.values() for k in p.config_keys if k.credential}
    return StackConfig(
        domain=domain, zones=tuple(zones), regions=parsed.regions, gslb_zone=gslb_zone,
        owner_id=parsed.owner_id, default_ttl=default_ttl, delegation_ttl=delegation_ttl,
        gslb_ttl=gslb_ttl, tenants=parsed.tenants, reserved=parsed.reserved, protect=protect,
        credentials=credentials)


def _present_keys() -> list[str]:
    keys = set(runtime_config.CONFIG.get())
    keys |= set(runtime_config.get_config_env())
    return sorted(keys)


def load() -> StackConfig:
    """Read the stack configuration of the running Pulumi program."""
    config = pulumi.Config(NAMESPACE)

    def get_secret(name: str) -> pulumi.Output[str] | None:
        return config.get_secret(name) or None

    return read(config.get, get_secret, _present_keys())
