"""What k8gb expects of the DNS around it: nameserver names and the Gslb resource.

k8gb (v0.8.1 onwards, ``controllers/resolver/ns_names.go``) names each region's CoreDNS
``gslb-ns-<geotag>-<load-balanced zone minus ".<parent>", dots as dashes>.<parent>`` and,
with ExternalDNS, finds its peers by building the same names from the geotags and
resolving them in the parent zone. The delegation Pulumi writes must use exactly these
names or the clusters never see each other; the function reserves them.
"""

from __future__ import annotations

from typing import Any

from catalyst_dns import names

NAMESERVER_PREFIX = "gslb-ns-"  # k8gb's GLUEA_PREFIX default
GSLB_API_VERSION = "k8gb.io/v1beta1"


def nameserver_name(geotag: str, gslb_zone: str, parent_zone: str) -> str:
    """The name k8gb gives the nameserver of region ``geotag`` for ``gslb_zone``."""
    inner = names.relative(gslb_zone, parent_zone).replace(".", "-")
    return f"{NAMESERVER_PREFIX}{geotag}-{inner}.{parent_zone}"


def gslb_manifest(
    *,
    name: str,
    namespace: str,
    strategy: dict[str, Any],
    resource_ref: dict[str, Any],
    labels: dict[str, str],
) -> dict[str, Any]:
    """A k8gb ``Gslb`` (canonical group) balancing ``resource_ref`` with ``strategy``."""
    return {
        "apiVersion": GSLB_API_VERSION,
        "kind": "Gslb",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"resourceRef": resource_ref, "strategy": strategy},
    }
