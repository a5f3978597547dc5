"""What every provider translator shares: scope, the MR envelope, and the provider contract.

The labels and annotations the function's conflict check reads are its own
(``function.conflicts``): a translator never sees them; ``envelope`` puts them in place.

A provider module holds all of one provider's quirks (name form, value form, TTL range,
limits) as plain functions, so the Crossplane translator here and the Pulumi components
in ``components/`` read the same rules.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, ClassVar

from catalyst_dns import kubenames
from catalyst_dns.errors import DnsInputError
from catalyst_dns.records import RecordSet, RecordType
from catalyst_dns.settings import Zone

EXTERNAL_NAME = "crossplane.io/external-name"


class Scope(Enum):
    """Which managed resources a composite gets: namespaced (``.m.``) or cluster-scoped."""

    NAMESPACED = "Namespaced"
    CLUSTER = "Cluster"

    # Members are singletons compared by identity, so the identity hash agrees with equality;
    # Enum's own hashes the member's name in Python, and scopes key every compiled form.
    __hash__ = object.__hash__


@dataclass(frozen=True, slots=True)
class ApiVersions:
    """A kind's apiVersion in each scope."""

    namespaced: str
    cluster: str

    def of(self, scope: Scope) -> str:
        """The apiVersion for ``scope``."""
        return self.namespaced if scope is Scope.NAMESPACED else self.cluster


@dataclass(frozen=True, slots=True)
class Marks:
    """Labels and annotations an MR carries for its caller's purposes, not the provider's.

    The function marks every MR for its cross-composite conflict check
    (``function.conflicts``); ``envelope`` puts them in place.
    """

    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)


NO_MARKS = Marks()
NO_ANNOTATIONS: Mapping[str, str] = MappingProxyType({})
ConfigRef = tuple[tuple[str, str], ...]  # a providerConfigRef's fields, in order: hashable, shared


class Composed:
    """One managed resource to compose: its name, its kind and what its provider writes.

    Everything else in the manifest is the envelope every MR shares (``envelope``): the
    function encodes it once per kind and provider config and fills in the name, its marks
    and ``for_provider`` (``function.compose``), so no manifest is built as dicts on its way
    to the wire; ``manifest`` is the document without the caller's marks, for reading.

    A plain class, not a NamedTuple: compiled, it is built in one C call, where a
    NamedTuple's constructor is a Python function (a large claim makes two thousand).
    """

    __slots__ = ("annotations", "api_version", "for_provider", "kind", "name", "provider_config_ref")

    def __init__(self, name: str, api_version: str, kind: str, for_provider: dict[str, Any],
                 provider_config_ref: ConfigRef, annotations: Mapping[str, str] = NO_ANNOTATIONS) -> None:
        self.name = name
        self.api_version = api_version
        self.kind = kind
        self.for_provider = for_provider
        self.provider_config_ref = provider_config_ref
        self.annotations = annotations  # the provider's own (Azure: the external name)

    def __repr__(self) -> str:
        return f"Composed({self.kind} {self.name})"

    @property
    def manifest(self) -> dict[str, Any]:
        """The managed resource as a document (without the caller's marks)."""
        return envelope(api_version=self.api_version, kind=self.kind, name=self.name,
                        provider_config_ref=self.provider_config_ref, for_provider=self.for_provider,
                        marks=NO_MARKS, annotations=self.annotations)


class RecordSetIds:
    """A record set's stable ids, the hashes its MRs' names and labels carry (a plain class: see ``Composed``)."""

    __slots__ = ("hash", "name", "record_set")

    def __init__(self, name: str, record_set: str, hash: kubenames.IdentityHash) -> None:
        self.name = name  # of (zone, name): every writer at one name carries it (the conflict probes' label)
        self.record_set = record_set  # of (zone, name, type): the record set's label, and its MR name's hash
        self.hash = hash  # fed (zone, name, type): an MR per value extends it by its slot


def record_set_ids(record_set: RecordSet) -> RecordSetIds:
    """The ids of ``record_set``, each ``kubenames.digest`` of its parts, from one hash."""
    walk = kubenames.IdentityHash(record_set.zone.name, record_set.name)
    name = walk.digest()
    walk.feed(str(record_set.type))
    return RecordSetIds(name, walk.digest(), walk)


def mr_name(record_set: RecordSet, suffix: str = "", ids: RecordSetIds | None = None) -> str:
    """The deterministic MR name of a record set (plus a per-value suffix for Cloudflare).

    Its hash is of (zone, name, type[, suffix]): ``ids`` when the caller has them already.
    """
    ids = ids or record_set_ids(record_set)
    tail = ids.hash.extended(suffix) if suffix else ids.record_set
    return kubenames.named(str(record_set.type).lower(), record_set.name, tail)


def provider_config_ref(zone: Zone, scope: Scope) -> ConfigRef:
    """The ``providerConfigRef``: namespaced MRs name the kind, cluster MRs only the name."""
    return _config_ref(zone.provider_config_kind, zone.provider_config, scope)


@functools.lru_cache(maxsize=256)
def _config_ref(kind: str, name: str, scope: Scope) -> ConfigRef:
    # Keyed by the strings, not the Zone: hashing a Zone hashes every field of it.
    if scope is Scope.NAMESPACED:
        return (("kind", kind), ("name", name))
    return (("name", name),)


def envelope(
    *,
    api_version: str,
    kind: str,
    name: Any,
    provider_config_ref: ConfigRef,
    for_provider: Any,
    marks: Marks,
    annotations: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A managed resource around ``for_provider``, with the caller's ``marks`` and the provider's annotations.

    ``name`` is a string, or what stands in for one while the function compiles an MR's form
    (``function.wire.Hole``; this package does not import the function): ``Any``, since the
    function's compiled build checks a parameter declared ``str`` when it is called.
    """
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {
            "name": name,
            "labels": dict(marks.labels),
            "annotations": {**marks.annotations, **annotations} if annotations else dict(marks.annotations),
        },
        "spec": {
            "forProvider": for_provider,
            "providerConfigRef": dict(provider_config_ref),
        },
    }


class Provider(ABC):
    """One DNS provider: its rules and its managed-resource form.

    Most providers write a record set as one MR of one kind: they give ``api``, ``kind``
    and ``for_provider`` and inherit ``compose``. Others override ``kind_of`` (Azure: a
    kind per type) or ``compose`` (Cloudflare: an MR per value).
    """

    key: ClassVar[str]
    title: ClassVar[str]
    api: ClassVar[ApiVersions]
    kind: ClassVar[str]
    min_ttl: ClassVar[int] = 1
    max_ttl: ClassVar[int] = 2_147_483_647
    supports_proxied: ClassVar[bool] = False
    # Whether each MR holds one record the provider identifies by its own id (Cloudflare),
    # rather than the record set identified by (zone, name, type): deleting such an MR
    # deletes only what it created, never a record set another MR also writes.
    records_by_id: ClassVar[bool] = False
    # The provider's own words where it refuses NS record sets at a wildcard name; None where
    # it documents no such rule.
    wildcard_ns_refused: ClassVar[str | None] = None

    def effective_ttl(self, ttl: int) -> int:
        """``ttl`` raised to the provider minimum, for records whose TTL we choose (Gslb CNAMEs)."""
        low, high = self.min_ttl, self.max_ttl  # not min(max()): compiled, each packs its arguments
        return low if ttl < low else high if ttl > high else ttl

    def written_ttl(self, record_set: RecordSet) -> int:
        """The TTL the provider is given for ``record_set`` (Cloudflare: 1 when proxied)."""
        return record_set.ttl

    def check(self, record_set: RecordSet, field: str) -> None:
        """Refuse a record set this provider cannot hold; ``field`` names the claim field."""
        if record_set.proxied and not self.supports_proxied:
            raise DnsInputError(f"{field}.proxied", True,
                                f"is Cloudflare-only; zone {record_set.zone.name} is on {self.title}")
        self.check_ttl(record_set, field)
        if record_set.type is RecordType.NS and record_set.name == record_set.zone.name:
            raise DnsInputError(field, record_set.name,
                                "is a zone apex; its NS records belong to the provider, not to a claim")
        if self.wildcard_ns_refused and record_set.type is RecordType.NS and record_set.name.startswith("*."):
            raise DnsInputError(field, record_set.name, f"is a wildcard name; {self.wildcard_ns_refused}")

    def check_ttl(self, record_set: RecordSet, field: str) -> None:
        """Refuse a TTL outside the provider's range."""
        if not self.min_ttl <= record_set.ttl <= self.max_ttl:
            raise DnsInputError(f"{field}.ttl", record_set.ttl,
                                f"is outside {self.title}'s TTL range {self.min_ttl}-{self.max_ttl}")

    def kind_of(self, rtype: RecordType) -> str:
        """The MR kind that writes records of ``rtype``."""
        return self.kind

    def annotations(self, record_set: RecordSet) -> Mapping[str, str]:
        """Extra MR annotations (Azure names its records with the external name)."""
        return NO_ANNOTATIONS

    @abstractmethod
    def for_provider(self, record_set: RecordSet) -> dict[str, Any]:
        """The ``spec.forProvider`` that writes the whole record set."""

    def compose(self, record_set: RecordSet, scope: Scope, ids: RecordSetIds | None = None) -> list[Composed]:
        """The managed resources that write ``record_set``: one, by default (``ids``: its ids, if made)."""
        return [Composed(mr_name(record_set, ids=ids), self.api.of(scope), self.kind_of(record_set.type),
                         self.for_provider(record_set), provider_config_ref(record_set.zone, scope),
                         self.annotations(record_set))]
