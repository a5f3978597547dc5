"""Amazon Route53 (crossplane-contrib/provider-upjet-aws, ``Record``).

Quirks: names are FQDNs; there is no ``region`` field on records; ``records`` holds one
string per value; TXT values are unquoted, and a value longer than 255 octets is written
as its strings joined by ``""`` (the provider's split marker), which also means a literal
``"`` cannot be expressed; cluster scope serves ``v1beta2`` (alias as an object).
"""

from __future__ import annotations

from typing import Any

from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers.base import ApiVersions, Provider
from catalyst_dns.records import Rdata, RecordSet, Txt, presentation

API = ApiVersions("route53.aws.m.upbound.io/v1beta1", "route53.aws.upbound.io/v1beta2")
TXT_SPLIT = '""'


def record_name(record_set: RecordSet) -> str:
    """Route53 names records by FQDN (it adds the root dot itself)."""
    return record_set.name


def record_value(rdata: Rdata) -> str:
    """One entry of ``records``."""
    if isinstance(rdata, Txt):
        return TXT_SPLIT.join(rdata.strings)
    return presentation(rdata, dotted=False)


class Route53(Provider):
    """Route53 hosted zones."""

    key = "route53"
    title = "Route53"
    api = API
    kind = "Record"
    min_ttl = 0

    def check(self, record_set: RecordSet, field: str) -> None:
        """Route53 cannot carry a literal double quote inside TXT text."""
        super().check(record_set, field)
        for rdata in record_set.rdata:
            if isinstance(rdata, Txt) and any('"' in s for s in rdata.strings):
                raise DnsInputError(f"{field}.values", rdata.text,
                                    "contains '\"', which Route53 TXT values cannot carry")

    def for_provider(self, record_set: RecordSet) -> dict[str, Any]:
        """One Record for the whole set."""
        return {
            "zoneId": record_set.zone.zone_id,
            "name": record_name(record_set),
            "type": record_set.type.value,
            "ttl": record_set.ttl,
            "records": [record_value(r) for r in record_set.rdata],
        }


# --- Zone-level rules, used by the Pulumi components (components/route53.py) ---

# A Route53 hosted zone gets a delegation set of four name servers.
ASSIGNED_NAMESERVERS = 4
# Route53 DNSSEC signs with a KMS key that must live in us-east-1 (ECC_NIST_P256, SIGN_VERIFY).
DNSSEC_KMS_REGION = "us-east-1"


def ds_value(key_tag: int, algorithm: int, digest_type: int, digest: str) -> str:
    """One ``records`` entry of a DS record: its presentation form."""
    return f"{key_tag} {algorithm} {digest_type} {digest.upper()}"
