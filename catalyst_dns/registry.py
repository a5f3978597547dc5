"""The ExternalDNS TXT registry format: the ownership record beside every record set we write.

ExternalDNS (``registry/txt``, v0.18+) names the ownership record of an endpoint
``<prefix><type>-<first label>.<rest>`` and stores
``"heritage=external-dns,external-dns/owner=<id>,external-dns/resource=<ref>"``, keys in
sorted order. Writing exactly that, with our own owner id, makes ExternalDNS on the host
clusters (owner ``openova``, same prefix) see our names as owned by someone else and
leave them alone, and lets us tell its records from ours (DESIGN.md §7).

ExternalDNS reads the typed names of the types its name mapper knows: from v0.22 that
includes TXT (A, AAAA, CNAME, NS, MX, PTR, SRV, NAPTR, TXT, DNAME), so it reads our TXT
record sets' ownership records as such (docs/externaldns.md). CAA it has no type for: it
would read ``_externaldns.caa-…`` as an old-format record of another name, which is
harmless, since ExternalDNS never manages CAA endpoints, and the record still tells a
reader which composite wrote what.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from catalyst_dns import names
from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import provider_for
from catalyst_dns.rdata import Txt
from catalyst_dns.records import RecordSet, RecordType
from catalyst_dns.settings import Zone
from catalyst_dns.zones import closest_in

PREFIX = "_externaldns."
HERITAGE = "external-dns"
# ExternalDNS leaves '*' in place unless --txt-wildcard-replacement is set; a '*' below the
# first label is not a valid owner name at most providers, so we always replace it.
WILDCARD_REPLACEMENT = "wildcard"


@dataclass(frozen=True, slots=True)
class Owner:
    """Who owns a record set: the registry owner id and the owning resource."""

    owner_id: str
    resource: str  # e.g. "gslb/acme-prod/shop", ExternalDNS style "<kind>/<namespace>/<name>"


def registry_name(name: str, rtype: RecordType | str) -> str:
    """The ownership TXT name ExternalDNS's affix mapper gives ``name``/``rtype`` with our prefix."""
    typed = f"{PREFIX}{rtype.lower()}-"  # lower() of a RecordType is its value's (a StrEnum)
    if name.startswith("*."):
        return f"{typed}{WILDCARD_REPLACEMENT}{name[1:]}"
    if "." in name:  # ``<first>.<rest>`` as it stands: no pieces made
        return typed + name
    first, _, rest = name.partition(".")
    if first == "*":
        first = WILDCARD_REPLACEMENT
    return f"{typed}{first}.{rest}"


@functools.lru_cache(maxsize=4096)
def registry_text(owner: Owner) -> str:
    """The registry content, unquoted (providers quote TXT as their API wants)."""
    labels = {"owner": owner.owner_id, "resource": owner.resource}
    body = ",".join(f"{HERITAGE}/{key}={labels[key]}" for key in sorted(labels))
    return f"heritage={HERITAGE},{body}"


def guarded_key(name: str) -> str:
    """One key for a name and the registry record that guards it (the inverse of ``registry_name``).

    The conflict check decides a record set and its ownership record as one unit, because
    Crossplane applies them one at a time and two racing composites can each get one of the
    pair. Keys are in the registry's spelling (a first label ``*`` as ``wildcard``), so a
    wildcard and a literal ``wildcard`` label, which share one registry record, share a key.
    """
    if name.startswith(PREFIX):
        first, _, rest = name[len(PREFIX):].partition(".")
        _, dash, label = first.partition("-")
        if dash:
            return f"{label}.{rest}" if rest else label
        return name
    first, dot, rest = name.partition(".")
    return f"{WILDCARD_REPLACEMENT}{dot}{rest}" if first == "*" else name


def is_registry_name(name: str) -> bool:
    """Whether ``name`` is an ownership record name (reserved for the registry)."""
    return name.startswith(PREFIX) or f".{PREFIX}" in name


def _is_valid_registry_name(name: str) -> bool:
    """Whether ``registry_name`` of a name in normal form is a valid name (``names.normalise`` accepts it).

    Every label after the prefix is the guarded name's own, already read when the claim was
    (a RecordSet's name is in normal form), and the first of them, ``<type>-`` before a valid
    label or ``wildcard``, has only valid characters and a letter in front. So only the
    lengths can break: measuring them is the whole check, without reading every label of
    every ownership name again (a claim's names are new to the normaliser's cache the first
    time it is composed).
    """
    start = name.find(".") + 1  # the first label after the prefix, measured by where its dots are
    end = name.find(".", start) if start else 0  # (a name without dots has none after a prefix)
    first_label = (end if end >= 0 else len(name)) - start
    return first_label <= names.MAX_LABEL_OCTETS and len(name) <= names.MAX_NAME_OCTETS


def _registry_zone(name: str, record_set: RecordSet, zones: Mapping[str, Zone]) -> Zone | None:
    """The closest zone of ``record_set``'s ownership name ``name``, the guarded record's zone reused.

    ``name`` is ``_externaldns.<type>-<first>.<rest>`` beside the guarded ``<first>.<rest>``,
    which sits in its closest zone (planning puts it there). Past the ownership name's own
    two names, the suffix walk is the guarded name's from ``rest`` on, and the closest zone
    from there is the guarded record's, unless that record is its zone's apex: only the two
    new names need a look-up (``zones.closest_in(name, zones)`` would walk them all again).
    """
    typed = name[name.find(".") + 1:]
    zone = zones.get(name) or zones.get(typed)
    if zone is not None:
        return zone
    if record_set.name != record_set.zone.name:
        return record_set.zone
    return closest_in(typed.partition(".")[2], zones)


def registry_record_sets(
    planned: Sequence[tuple[RecordSet, str]], owner: Owner, zones: Mapping[str, Zone]
) -> list[tuple[RecordSet, str]]:
    """The ownership record set of each planned record set, with the claim field it came from.

    Every ownership record of one owner carries the same text, so its value is made once
    and shared (a 1,000-hostname claim writes 1,000 of them).
    """
    rdata = (Txt((registry_text(owner),)),)
    return [(registry_record_set(record_set, rdata, zones, field), field) for record_set, field in planned]


def registry_record_set(
    record_set: RecordSet, rdata: tuple[Txt], zones: Mapping[str, Zone], field: str
) -> RecordSet:
    """The ownership record set for ``record_set``, checked like any record we write.

    ``rdata`` is the owner's registry text as TXT data; ``zones`` are the Sovereign's zones
    by name, ``record_set`` in the closest of them. The ownership record goes to the closest
    zone of its own name: at an apex that name falls outside the record's own zone
    (``_externaldns.a-example.com``), which is where ExternalDNS writes it too.
    The TXT record carries the TTL the guarded record is written with at its provider
    (Cloudflare writes a proxied record with TTL 1, automatic, which a TXT record may also
    have; the user's TTL may be below Cloudflare's 60-second minimum for unproxied
    records), and passes the same name and provider rules: a claim whose ownership record
    could not exist is refused up front, naming ``field`` (the user's field), instead of
    leaving an MR that never becomes Ready.
    """
    name = registry_name(record_set.name, record_set.type)
    if not _is_valid_registry_name(name):
        label_growth = len(str(record_set.type)) + 1  # "<type>-" in front of the first label
        raise DnsInputError(field, record_set.name,
                            f"needs the ownership record {name!r}, which cannot exist: a DNS label is at most "
                            f"{names.MAX_LABEL_OCTETS} octets and a name at most {names.MAX_NAME_OCTETS} "
                            f"(RFC 1035); the registry adds {label_growth} octets to the first label and "
                            f"{len(PREFIX) + label_growth} to the name, so keep the first label within "
                            f"{names.MAX_LABEL_OCTETS - label_growth} and the name within "
                            f"{names.MAX_NAME_OCTETS - len(PREFIX) - label_growth} octets") from None
    zone = _registry_zone(name, record_set, zones)
    if zone is None:
        raise DnsInputError(field, record_set.name,
                            f"has ownership record {name}, which falls outside every Sovereign zone")
    guarded = provider_for(record_set.zone.provider)
    registry = RecordSet(zone=zone, name=name, type=RecordType.TXT,
                         ttl=guarded.written_ttl(record_set), rdata=rdata)
    provider = provider_for(zone.provider)
    try:
        provider.check(registry, field)
    except DnsInputError as exc:
        raise DnsInputError(field, record_set.name,
                            f"needs the ownership record {name}, which {provider.title} refuses: "
                            f"{exc.field.removeprefix(field).lstrip('.') or 'the value'} {exc.value!r} {exc.rule}"
                            ) from None
    return registry
