"""What every zone component shares: the record-writing contract and name-server normalisation.

A zone component owns one provider zone. Delegations write records *into* a zone through
:meth:`ZoneComponent.write_records` and :meth:`ZoneComponent.write_ds`, so a delegation
never needs to know the parent's provider: the provider's own rules live in
``catalyst_dns.providers.<provider>`` and each zone component applies them.

This module imports only ``pulumi`` itself, never a provider SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import pulumi

from catalyst_dns import kubenames, names
from catalyst_dns.dnssec import Ds
from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import provider_for
from catalyst_dns.rdata import Rdata
from catalyst_dns.records import RecordSet, RecordType, parse_rdata
from catalyst_dns.settings import Zone
from catalyst_dns.zones import is_below

T = TypeVar("T")
PACKAGE = "catalyst-dns"
# The zone id checks run with before the provider has assigned one (the settings model and the
# provider rules need a zone; neither reads its id). Never exported: the real id replaces it.
PENDING_ZONE_ID = "pending"


def type_token(kind: str) -> str:
    """The Pulumi type token of one of our components."""
    return f"{PACKAGE}:index:{kind}"


def normalise_nameservers(servers: Sequence[str] | None, source: str) -> list[str]:
    """Name servers as the rest of the model holds names: lower case, no dot, sorted, unique."""
    if not servers:
        raise ValueError(f"{source} returned no name servers")
    return sorted({names.normalise(s, f"{source}.nameServers") for s in servers})


def child_name(component: str, suffix: str) -> str:
    """A child resource's name: the component's name plus what the child is."""
    return f"{component}-{suffix}"


def label_for(name: str) -> str:
    """A resource-name-safe form of a DNS name (``gslb.omantel.example`` -> ``gslb-omantel-example``)."""
    return kubenames.slug(name)


@dataclass(frozen=True, slots=True)
class ZoneArgsBase:
    """The arguments every zone component takes.

    Attributes:
        name: the zone's DNS name (any case, with or without the trailing dot).
        provider: the explicit provider object of the zone's cloud.
        dnssec: sign the zone (and publish its DS in the parent).
        protect: protect the zone from ``pulumi destroy`` (and turn on the provider's
            own delete protection where it has one).
    """

    name: str
    provider: pulumi.ProviderResource
    dnssec: bool = False
    protect: bool = True


class ZoneComponent(pulumi.ComponentResource):
    """A provider zone: its id, its assigned name servers and how records are written into it."""

    provider_key: str
    #: How many name servers the provider assigns a zone (needed where a parent stores
    #: one record per value, i.e. Cloudflare, before the name servers are known).
    assigned_nameservers: int
    zone_name: str
    zone_id: pulumi.Output[str]
    name_servers: pulumi.Output[list[str]]
    ds: pulumi.Output[Ds] | None
    dns_provider: pulumi.ProviderResource

    def __init__(self, kind: str, name: str, args: ZoneArgsBase,
                 opts: pulumi.ResourceOptions | None) -> None:
        # Validate before anything registers, so bad input leaves nothing behind.
        zone_name = names.normalise(args.name, f"{name}.name")
        if not isinstance(args.provider, pulumi.ProviderResource):
            raise DnsInputError(f"{name}.provider", args.provider,
                                "must be an explicit provider object of the zone's cloud")
        type(self).validate(name, args)
        super().__init__(type_token(kind), name, None, opts)
        self.zone_name = zone_name
        self.dns_provider = args.provider
        self.component_name = name

    # --- what a provider module fills in ------------------------------------------------

    #: Args fields a zone of this provider cannot be made without:
    #: (Args attribute, its name in errors, what it is).
    required_args: ClassVar[tuple[tuple[str, str, str], ...]] = ()

    @classmethod
    def check_name(cls, zone_name: str, field: str) -> None:
        """Refuse a zone this provider cannot create (``field`` names the choice); any, by default."""

    @classmethod
    def validate(cls, name: str, args: ZoneArgsBase) -> None:
        """Provider-specific checks of ``args``; raise DnsInputError before registering.

        By default: a zone name the provider can create, every ``required_args`` field set,
        and ``dnssec`` only where the provider signs. Providers with more rules extend it.
        """
        cls.check_name(names.normalise(args.name, f"{name}.name"), f"{name}.name")
        if args.dnssec:
            from components.registry import face  # the registry names this module's classes

            face(cls.provider_key).refuse_signing(f"{name}.dnssec")
        for attr, field, what in cls.required_args:
            value = getattr(args, attr, None)
            if not value:
                raise DnsInputError(f"{name}.{field}", value, f"is required: {what}")

    def settings_zone(self, provider_config: str) -> pulumi.Output[Zone]:
        """The zone as the Sovereign settings list it (zone id resolved)."""
        return self.zone_id.apply(lambda zid: Zone(name=self.zone_name, provider=self.provider_key,
                                                   zone_id=zid, provider_config=provider_config,
                                                   **self.settings_fields()))

    def settings_fields(self) -> dict[str, str]:
        """What else the settings carry to locate this zone (a GCP project, an Azure resource group)."""
        return {}

    def write_records(self, resource_name: str, name: str, rtype: RecordType, ttl: int,
                      values: pulumi.Input[Sequence[str]], count: int,
                      parent: pulumi.Resource) -> list[pulumi.CustomResource]:
        """Write one record set (``count`` values) at ``name`` in this zone, as children of ``parent``.

        ``values`` are presentation-format strings (host names, addresses); each provider
        parses them into rdata and formats them by its own rules.
        """
        raise NotImplementedError

    def write_ds(self, resource_name: str, name: str, ttl: int, ds: pulumi.Output[Ds],
                 parent: pulumi.Resource) -> list[pulumi.CustomResource]:
        """Write the DS record set of a signed child at ``name`` in this zone."""
        raise NotImplementedError

    # --- shared helpers ------------------------------------------------------------------

    def check_delegation_ttl(self, field: str, ttl: int) -> None:
        """Refuse a TTL for the delegation records (NS, DS, glue) a component writes into this zone.

        The provider's own rule (``PulumiProvider.check_ttl``), the one the Sovereign's stack
        config is checked by, so a Delegation built directly takes what a Sovereign takes.
        """
        from components.registry import face  # the registry names this module's classes

        face(self.provider_key).check_ttl(field, ttl)

    def record_set(self, name: str, rtype: RecordType, ttl: int, field: str,
                   rdata: tuple[Rdata, ...] = ()) -> RecordSet:
        """A record set in this zone, checked against the provider's rules (TTL range...)."""
        fqdn = names.normalise(name, field, underscore=True)
        if not is_below(fqdn, self.zone_name):
            raise DnsInputError(field, name, f"is not below zone {self.zone_name}")
        return checked_record_set(self.zone_name, self.provider_key, fqdn, rtype, ttl, field, rdata)

    def ds_record_set(self, name: str, ttl: int, field: str) -> RecordSet:
        """The checked (name, TTL) of a DS record set a delegation writes at ``name``.

        Checked by the same rules as the NS set at the same delegation point: below this
        zone (never its apex) and within the provider's TTL range. Its data is a :class:`Ds`,
        which each provider shapes itself.
        """
        return self.record_set(name, RecordType.DS, ttl, field)

    def formatted(self, rtype: RecordType, values: pulumi.Input[Sequence[str]],
                  count: int | None, field: str, fmt: Callable[[Rdata], T]) -> pulumi.Output[list[T]]:
        """``values`` parsed as ``rtype`` data and formatted by the provider's ``fmt``.

        Parsing and formatting happen in one ``apply``, so the rdata (the core's value
        classes) never pass through an Output, which carries plain data. ``count``, when
        given, is checked.
        """

        def parse(vs: Sequence[str]) -> list[T]:
            if count is not None:
                exactly(count, field)(vs)
            return [fmt(parse_rdata(rtype, v, f"{field}[{i}]")) for i, v in enumerate(vs)]

        return pulumi.Output.from_input(values).apply(parse)

    def child_opts(self, parent: pulumi.Resource, **extra: Any) -> pulumi.ResourceOptions:
        """Options for a record another component writes into this zone."""
        return pulumi.ResourceOptions(parent=parent, provider=self.dns_provider, **extra)


def checked_record_set(zone_name: str, provider_key: str, fqdn: str, rtype: RecordType, ttl: int, field: str,
                       rdata: tuple[Rdata, ...] = ()) -> RecordSet:
    """A record set at ``fqdn`` in a zone known by name and provider, checked by that provider's rules.

    Before the zone exists (a component's arguments, the stack config at load), so its id and
    provider config are placeholders no rule reads.
    """
    zone = Zone(name=zone_name, provider=provider_key, zone_id=PENDING_ZONE_ID, provider_config=PENDING_ZONE_ID)
    record_set = RecordSet(zone=zone, name=fqdn, type=rtype, ttl=ttl, rdata=rdata)
    provider_for(provider_key).check(record_set, field)
    return record_set


def exactly(count: int, source: str) -> Callable[[Sequence[Any]], list[Any]]:
    """An ``apply`` callback that checks a list has ``count`` entries and returns it."""

    def check(values: Sequence[Any]) -> list[Any]:
        if len(values) != count:
            raise ValueError(f"{source}: expected {count} values, the provider returned "
                             f"{len(values)}: {list(values)}")
        return list(values)

    return check
