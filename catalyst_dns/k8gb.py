"""What k8gb expects of the DNS around it: geotags, nameserver names and the Gslb resource.

k8gb names each region's CoreDNS after its geotag. ``getNsName`` in k8gb's
``controllers/resolver/ns_names.go`` (k8gb v0.21) builds
``<prefix><geotag>-<load-balanced zone minus ".<parent zone>", dots as dashes>.<parent zone>``
with the prefix ``gslb-ns-`` by default, and ``DiscoverNameServers``
(``controllers/ipresolver/discovery.go``) finds the peer clusters by reading those NS names
back from the parent zone and cutting the geotag out of them. The delegation Pulumi writes
must use exactly these names or the clusters never see each other; the function reserves them.
"""

from __future__ import annotations

import re
from typing import Any

from catalyst_dns import names
from catalyst_dns.errors import DnsInputError

NAMESERVER_PREFIX = "gslb-ns-"  # k8gb's GLUEA_PREFIX default
GSLB_API_VERSION = "k8gb.io/v1beta1"
# The host a Service-backed Gslb serves. A Service carries no host name of its own, so k8gb
# reads it from this annotation on the Gslb (``HostnameAnnotation`` in controllers/utils/
# annotations.go; ``GetServers`` in controllers/refresolver/lbservice/lbservice.go fails the
# Gslb without it). It holds one host: a Service backend needs a Gslb per GSLB name.
HOSTNAME_ANNOTATION = "k8gb.io/hostname"
# The backend kinds whose Gslb must name its host (the others list theirs: an HTTPRoute's or
# an Ingress's hostnames).
HOSTLESS_BACKENDS = frozenset({"Service"})
GEOTAG_MAX = 32
# k8gb's own check (``onlyLettersDigitsDash`` in controllers/resolver/config_validations.go)
# admits letters, digits and '-' (``us-east-1``). The geotag also becomes part of a DNS label
# that k8gb reads back and compares case-sensitively with its CLUSTER_GEO_TAG, so only the
# lower-case ASCII part of that alphabet survives the round trip through DNS, and like any
# host-name label it starts and ends with a letter or digit.
_GEOTAG = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
GEOTAG_RULE = (f"must be 1-{GEOTAG_MAX} lower-case letters, digits and '-', starting and ending "
               "with a letter or digit (a k8gb geotag, e.g. us-east-1; it becomes part of k8gb's "
               "nameserver name)")


def check_geotag(value: str, field: str) -> str:
    """``value`` if it is a geotag k8gb accepts and DNS carries unchanged, else a DnsInputError."""
    if len(value) > GEOTAG_MAX or not _GEOTAG.fullmatch(value):
        raise DnsInputError(field, value, GEOTAG_RULE)
    return value


def nameserver_name(geotag: str, gslb_zone: str, parent_zone: str) -> str:
    """The name k8gb gives the nameserver of region ``geotag`` for ``gslb_zone``.

    ``parent_zone`` is k8gb's ``ZoneDelegation.spec.parentZone``: the zone that holds the
    delegation, which for a nested GSLB zone (``gslb.eu.<domain>`` delegated from
    ``<domain>``) is not the name one label up.
    """
    return f"{NAMESERVER_PREFIX}{geotag}{_nameserver_tail(gslb_zone, parent_zone)}.{parent_zone}"


def _nameserver_tail(gslb_zone: str, parent_zone: str) -> str:
    """What follows the geotag in k8gb's nameserver label: the GSLB zone below the parent, dots as dashes."""
    return "-" + names.relative(gslb_zone, parent_zone).replace(".", "-")


def nameserver_form(name: str, gslb_zone: str, parent_zone: str) -> str | None:
    """The k8gb nameserver name ``name`` is or lies below, for *some* geotag; None if it has not the form.

    Any geotag, not only today's regions: a region added later gets ``gslb-ns-<geotag>-...``,
    and a record a tenant wrote there would then stand where the delegation's address goes.
    """
    if NAMESERVER_PREFIX not in name or not names.is_within(name, parent_zone) or name == parent_zone:
        return None  # the first test alone settles nearly every name
    label = names.relative(name, parent_zone).rsplit(".", 1)[-1]
    inner = _nameserver_tail(gslb_zone, parent_zone)
    geotag_room = len(label) - len(NAMESERVER_PREFIX) - len(inner)
    if label.startswith(NAMESERVER_PREFIX) and label.endswith(inner) and geotag_room > 0:
        return f"{label}.{parent_zone}"
    return None


def check_nameserver_address(geotag: str, ipv4: str | None, ipv6: str | None, zone: str, field: str) -> None:
    """Refuse a region whose k8gb nameserver has no IPv4 address (naming ``field``, its ``nameserver``).

    k8gb finds its peer regions by resolving their nameserver names with A queries only
    (``GetClusterGlueAResults`` in controllers/ipresolver/ipresolver.go asks the question
    ``dns.TypeA``, controllers/utils/dns_query_service.go): a nameserver known only by an
    IPv6 address leaves its region invisible to every other one. An IPv6 address may be
    given beside the IPv4 one, for resolvers that reach the nameserver over IPv6.
    """
    if ipv4 is None:
        raise DnsInputError(f"{field}.ipv4", None if ipv6 is None else {"ipv6": ipv6},
                            f"is required: the IPv4 address of region {geotag}'s k8gb CoreDNS, which answers "
                            f"for {zone}; k8gb finds its peer regions' nameservers with A queries only, so a "
                            "region with only an IPv6 address would be invisible to the others (IPv6 may be "
                            "added beside it)")


def check_nameserver_name(geotag: str, gslb_zone: str, parent_zone: str, field: str) -> str:
    """The nameserver name of ``geotag``, refused (naming ``field``) when DNS cannot hold it.

    A long geotag or a deep GSLB zone can push the first label past 63 octets.
    """
    server = nameserver_name(geotag, gslb_zone, parent_zone)
    try:
        return names.normalise(server, field)
    except DnsInputError as exc:
        raise DnsInputError(field, geotag, f"gives the k8gb nameserver name {server}, which "
                            f"{exc.rule}") from None


def gslb_manifest(
    *,
    name: str,
    namespace: str,
    strategy: dict[str, Any],
    resource_ref: dict[str, Any],
    labels: dict[str, str],
    hostname: str | None = None,
) -> dict[str, Any]:
    """A k8gb ``Gslb`` (canonical group) balancing ``resource_ref`` with ``strategy``.

    ``hostname`` is the one GSLB name a Service-backed Gslb serves (``HOSTNAME_ANNOTATION``).
    """
    metadata: dict[str, Any] = {"name": name, "namespace": namespace, "labels": labels}
    if hostname is not None:
        metadata["annotations"] = {HOSTNAME_ANNOTATION: hostname}
    return {
        "apiVersion": GSLB_API_VERSION,
        "kind": "Gslb",
        "metadata": metadata,
        "spec": {"resourceRef": resource_ref, "strategy": strategy},
    }


def manifest_shape(manifest: dict[str, Any]) -> tuple[str, ...]:
    """What tells two ``gslb_manifest`` documents' shapes apart: their metadata's and strategy's keys.

    Everything else has the same keys in every Gslb; a Service-backed one carries its host
    annotation, a failover strategy names a primary region, and a weighted round robin
    weighs regions by name. The function compiles one encoder per shape
    (``function.compose``), so a claim of another strategy than the first one seen is not
    written by the slow generic encoder.
    """
    strategy: dict[str, Any] = manifest["spec"]["strategy"]
    return (*manifest["metadata"], *strategy, *strategy.get("weight", ()))
