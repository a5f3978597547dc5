r"""Amazon Route53 (crossplane-contrib/provider-upjet-aws, ``Record``).

Quirks: names are FQDNs; there is no ``region`` field on records; ``records`` holds one
string per value; cluster scope serves ``v1beta2`` (alias as an object).

TXT: the Terraform provider underneath wraps each ``records`` entry in one pair of double
quotes before it reaches Route53 (terraform-provider-aws ``flattenTxtEntry``), so an entry
is the *inside* of Route53's TXT format: each string escaped as Route53 documents
(``\"``, ``\\``, and ``\ooo`` *octal* for octets outside printable ASCII), strings joined
by ``""`` — which, inside the added quotes, closes one string and opens the next.

"""

from __future__ import annotations

from typing import Any

from catalyst_dns.providers.base import ApiVersions, Provider
from catalyst_dns.records import Rdata, RecordSet, Txt, escape, presentation

API = ApiVersions("route53.aws.m.upbound.io/v1beta1", "route53.aws.upbound.io/v1beta2")
TXT_SPLIT = '""'


def record_name(record_set: RecordSet) -> str:
    """Route53 names records by FQDN (it adds the root dot itself)."""
    return record_set.name


def record_value(rdata: Rdata) -> str:
    """One entry of ``records``."""
    if isinstance(rdata, Txt):
        return TXT_SPLIT.join(escape(s, octal=True) for s in rdata.strings)
    return presentation(rdata, dotted=False)


class Route53(Provider):
    """Route53 hosted zones."""

    key = "route53"
    title = "Route53"
    api = API
    kind = "Record"
    min_ttl = 0

    def for_provider(self, record_set: RecordSet) -> dict[str, Any]:
        """One Record for the whole set."""
        return {
            "zoneId": record_set.zone.zone_id,
            "name": record_name(record_set),
            "type": str(record_set.type),
            "ttl": record_set.ttl,
            "records": [record_value(r) for r in record_set.rdata],
        }


# --- Zone-level rules, used by the Pulumi components (components/route53.py) ---

# A Route53 hosted zone gets a delegation set of four name servers.
ASSIGNED_NAMESERVERS = 4
# Route53 DNSSEC signs with a KMS key that must live in us-east-1 (ECC_NIST_P256, SIGN_VERIFY).
DNSSEC_KMS_REGION = "us-east-1"
