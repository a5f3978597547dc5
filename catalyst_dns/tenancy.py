"""Who may claim which names (DESIGN.md §7): reserved names first, then tenant suffixes.

The default is deny: a name is allowed only when a tenant entry lists the claim's
namespace and a suffix that covers the name, and no reservation covers it. Reservations
win over tenant suffixes, so a tenant whose suffix is the whole domain still cannot take
the Sovereign's control-plane hosts, the GSLB delegation or an ownership record.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalyst_dns import k8gb, names, registry
from catalyst_dns.errors import DnsInputError
from catalyst_dns.settings import SovereignSettings

# Control-plane hosts of every Sovereign, directly under its domain (and everything below them).
BUILTIN_RESERVED_LABELS = (
    "admin", "api", "argocd", "auth", "console", "flux", "gitea", "grafana", "harbor",
    "keycloak", "mgt", "ns", "ns1", "ns2", "openbao", "registry", "sso", "vault", "www",
)


@dataclass(frozen=True, slots=True)
class Reservation:
    """A reserved name (and the names below it) with the reason it is reserved."""

    name: str
    reason: str
    subtree: bool = True


def reservations(settings: SovereignSettings) -> tuple[Reservation, ...]:
    """Every reservation of a Sovereign: built-in hosts, settings.reserved, GSLB, nameservers."""
    out = [Reservation(f"{label}.{settings.domain}", "is a Sovereign control-plane name")
           for label in BUILTIN_RESERVED_LABELS]
    for name in settings.reserved:
        wildcard = name.startswith("*.")
        out.append(Reservation(name[2:] if wildcard else name, "is reserved by the Sovereign settings",
                               subtree=True))
    out.append(Reservation(settings.gslb_zone, "is the GSLB sub-zone delegated to k8gb"))
    parent = settings.gslb_parent
    if parent is not None:
        for region in settings.regions:
            out.append(Reservation(k8gb.nameserver_name(region.geotag, settings.gslb_zone, parent.name),
                                   f"is the k8gb nameserver of region {region.geotag}"))
    for zone in settings.zones:
        out.append(Reservation(zone.name, "is a zone apex, which belongs to the Sovereign", subtree=False))
    return tuple(out)


class ReservationIndex:
    """Reservations and tenant suffixes by name, so a check walks the name's own suffixes once.

    Reserved subtrees and tenant suffixes share one table: the walk that looks for a
    reservation above a name meets the closest tenant suffix on the way, so a name is
    checked with one walk instead of one per rule (a 1,000-hostname claim does 1,000).
    """

    def __init__(self, reserved: tuple[Reservation, ...], holders: dict[str, frozenset[str]] | None = None,
                 gslb: tuple[str, str] | None = None) -> None:
        self.all = reserved
        self.holders = holders or {}  # tenant suffix -> namespaces of the tenants holding it
        self.gslb = gslb  # (GSLB zone, the zone delegating it): where k8gb's nameserver names live
        self.subtrees: dict[str, Reservation] = {}
        self.exact: dict[str, Reservation] = {}
        for reservation in reserved:
            table = self.subtrees if reservation.subtree else self.exact
            table.setdefault(reservation.name, reservation)
        # suffix -> (the reserved subtree there, the namespaces holding it as a tenant suffix)
        self.suffixes: dict[str, tuple[Reservation | None, frozenset[str] | None]] = {
            suffix: (self.subtrees.get(suffix), self.holders.get(suffix))
            for suffix in (*self.subtrees, *self.holders)
        }

    def walk(self, name: str) -> tuple[Reservation | None, frozenset[str]]:
        """The reservation covering ``name``, or none and who holds the closest tenant suffix.

        The reservation is the most specific one; without one, the namespaces are those
        holding the most specific tenant suffix that covers ``name`` (none: empty). The
        tenant suffix follows the same rule as the closest zone (``zones.closest_in``):
        a name's own suffixes, longest first.
        """
        hit = self.exact.get(name)
        if hit is not None:
            return hit, frozenset()
        holders: frozenset[str] | None = None
        at = 0  # where the suffix looked up starts (a slice: one string a step)
        while True:
            entry = self.suffixes.get(name[at:] if at else name)
            if entry is not None:
                if entry[0] is not None:
                    return entry[0], frozenset()
                if holders is None:
                    holders = entry[1]
            at = name.find(".", at) + 1
            if at == 0:
                return None, holders or frozenset()


def index(settings: SovereignSettings) -> ReservationIndex:
    """The reservation index of a Sovereign."""
    parent = settings.gslb_parent
    gslb = None if parent is None else (settings.gslb_zone, parent.name)
    return ReservationIndex(reservations(settings), _suffix_holders(settings), gslb)


def check_name(settings: SovereignSettings, namespace: str | None, name: str, field: str,
               reserved: ReservationIndex) -> None:
    """Refuse ``name`` (normal form) unless the namespace's tenancy allows it."""
    if registry.is_registry_name(name):
        raise DnsInputError(field, name, "is an ownership (TXT registry) name, reserved for catalyst-dns")
    reservation, holders = reserved.walk(name)
    if reservation is not None:
        raise DnsInputError(field, name, f"is refused: {reservation.name} {reservation.reason}")
    server = None if reserved.gslb is None else k8gb.nameserver_form(name, *reserved.gslb)
    if server is not None:
        raise DnsInputError(field, name, f"is refused: {server} has the form of k8gb's nameserver names "
                            f"({k8gb.NAMESERVER_PREFIX}<geotag>-...), kept for the regions the Sovereign may add")
    if namespace is not None and namespace in holders:
        return  # the most specific suffix covering the name is the namespace's: allowed (the usual case)
    if namespace is None:
        raise DnsInputError(field, name, "is refused: the composite has no namespace or claim namespace, "
                            "and tenancy is default deny")
    allowed = [suffix for tenant in settings.tenants if namespace in tenant.namespaces for suffix in tenant.suffixes]
    if not allowed:
        raise DnsInputError(field, name, f"is refused: namespace {namespace!r} has no DNS suffixes "
                            "in the tenancy policy (default deny)")
    mine = [suffix for suffix in allowed if names.is_within(name, suffix)]
    if not mine:
        raise DnsInputError(field, name, f"is refused: namespace {namespace!r} may only use names under "
                            f"{', '.join(sorted(allowed))}")
    # The most specific suffix covering the name decides: a tenant holding acme.<domain> does
    # not reach into x.acme.<domain> when another tenant holds that.
    closest = max((suffix for tenant in settings.tenants for suffix in tenant.suffixes
                   if names.is_within(name, suffix)), key=len)
    if closest not in allowed:
        raise DnsInputError(field, name, f"is refused: {closest}, inside your {max(mine, key=len)}, "
                            "belongs to another tenant")


def _suffix_holders(settings: SovereignSettings) -> dict[str, frozenset[str]]:
    """Every tenant suffix, with the namespaces of the tenants that hold it."""
    holders: dict[str, set[str]] = {}
    for tenant in settings.tenants:
        for suffix in tenant.suffixes:
            holders.setdefault(suffix, set()).update(tenant.namespaces)
    return {suffix: frozenset(namespaces) for suffix, namespaces in holders.items()}


def check_subtree(settings: SovereignSettings, namespace: str | None, subtree: str, field: str, what: str,
                  reserved: ReservationIndex) -> None:
    """Refuse a record that answers for a whole subtree (a wildcard, an NS delegation).

    A wildcard answers for every name below it that does not exist, and an NS record hands
    the whole subtree to other servers; either must not reach a reserved name or another
    tenant's suffix, even though its own owner name is allowed.
    """
    for reservation in reserved.all:
        if reservation.name != subtree and names.is_within(reservation.name, subtree):
            raise DnsInputError(field, subtree, f"is refused: {what} here would cover {reservation.name}, "
                                f"which {reservation.reason}")
    own = {s for t in settings.tenants if namespace in t.namespaces for s in t.suffixes}
    for tenant in settings.tenants:
        for suffix in tenant.suffixes:
            if suffix not in own and suffix != subtree and names.is_within(suffix, subtree):
                raise DnsInputError(field, subtree, f"is refused: {what} here would cover {suffix}, "
                                    "which belongs to another tenant")


def namespaces_of(settings: SovereignSettings, namespace: str) -> frozenset[str]:
    """Every namespace of the tenant(s) ``namespace`` belongs to, itself included."""
    out = {namespace}
    for tenant in settings.tenants:
        if namespace in tenant.namespaces:
            out.update(tenant.namespaces)
    return frozenset(out)
