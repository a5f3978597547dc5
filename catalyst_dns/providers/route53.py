r"""Amazon Route53 (crossplane-contrib/provider-upjet-aws, ``Record``).

Quirks: names are FQDNs; there is no ``region`` field on records; ``records`` holds one
string per value; cluster scope serves ``v1beta2`` (alias as an object).

TXT: the Terraform provider underneath wraps each ``records`` entry in one pair of double
quotes before it reaches Route53 (terraform-provider-aws ``flattenTxtEntry``), so an entry
is the *inside* of Route53's TXT format: each string escaped as Route53 documents
(``\"``, ``\\``, and ``\ooo`` *octal* for octets outside printable ASCII), strings joined
by ``""`` — which, inside the added quotes, closes one string and opens the next.

CAA: the value is quoted with the same ``\ooo`` *octal* escapes (Route53's documented
format), not RFC 1035's decimal ``\DDD``, which Route53 would misread.

Length: Route53 takes at most 4,000 characters per value, counted on the value as sent —
quotes, escapes and ``""`` separators included — so a TXT value of 4,000 octets, or of
far fewer non-ASCII ones, can still be too long; ``Route53.check`` refuses it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers.base import ApiVersions, Provider
from catalyst_dns.rdata import Caa, Rdata, Txt
from catalyst_dns.records import RecordSet, escape, presentation, quote

API = ApiVersions("route53.aws.m.upbound.io/v1beta1", "route53.aws.upbound.io/v1beta2")
TXT_SPLIT = '""'
# ResourceRecord.Value: "not to exceed 4,000 characters ... Length Constraints: Maximum
# length of 4000." (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecord.html)
MAX_VALUE_CHARACTERS = 4000
VALUE_LENGTH_RULE = (f"is longer than Route53's {MAX_VALUE_CHARACTERS}-character limit on one value, "
                     "counted as Route53 receives it: in quotes, with its escapes (four characters, \\ooo, "
                     'per octet outside printable ASCII; two for " and \\) and the "" between the '
                     "255-octet strings of a TXT value")


def record_name(record_set: RecordSet) -> str:
    """Route53 names records by FQDN (it adds the root dot itself)."""
    return record_set.name


def record_value(rdata: Rdata) -> str:
    """One entry of ``records``: TXT and CAA text with Route53's octal escapes."""
    if isinstance(rdata, Txt):
        return TXT_SPLIT.join(escape(s, octal=True) for s in rdata.strings)
    if isinstance(rdata, Caa):
        # Route53 reads \ooo as octal (DomainNameFormat.html), as for TXT; presentation()
        # would write RFC 1035's decimal \DDD (\195 for é: no octal number at all).
        return f"{rdata.flags} {rdata.tag} {quote(rdata.value, octal=True)}"
    return presentation(rdata, dotted=False)


def sent_value(rdata: Rdata) -> str:
    """The ResourceRecord Value Route53 receives for one entry of ``records``.

    terraform-provider-aws (``internal/service/route53/record.go``) passes each TXT/SPF
    entry through ``flattenTxtEntry``, ``fmt.Sprintf(`"%s"`, s)``, on its way to the API
    (``expandResourceRecords``); other types go as they are.
    """
    value = record_value(rdata)
    return f'"{value}"' if isinstance(rdata, Txt) else value


def check_value_length(record_set: RecordSet, field: str) -> None:
    """Refuse a value longer than Route53 takes, counted on the form it is sent in.

    Only TXT and CAA carry text of the user's length; every other value is a few numbers
    and at most one host name (253 octets), far below the limit.
    """
    for rdata in record_set.rdata:
        if isinstance(rdata, (Txt, Caa)):
            size = len(sent_value(rdata))
            if size > MAX_VALUE_CHARACTERS:
                raise DnsInputError(f"{field}.values", f"<{size} characters>", VALUE_LENGTH_RULE)


class Route53(Provider):
    """Route53 hosted zones."""

    key = "route53"
    title = "Route53"
    api = API
    kind = "Record"
    min_ttl = 0
    # The Route 53 API reference, ResourceRecordSet Name: "You can't use the * wildcard for
    # resource records sets that have a type of NS."
    wildcard_ns_refused = "Route53 does not take the * wildcard for record sets of type NS"

    def check(self, record_set: RecordSet, field: str) -> None:
        """Route53's value length, beside the common rules."""
        super().check(record_set, field)
        check_value_length(record_set, field)

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
KSK_NAME_MAX = 128  # Route53 CreateKeySigningKey: Name, pattern ^[a-zA-Z0-9_]{3,128}$


def ksk_name(zone: str) -> str:
    """The key-signing key's name: AWS allows only ``^[a-zA-Z0-9_]{3,128}$``.

    Unique per hosted zone is all AWS needs (a zone has one KSK here); derived from the zone
    name so it reads well in the console. Every other character (dots, the dashes of host
    names and IDN A-labels) becomes ``_``; a name past 128 characters keeps its head and a
    digest of the whole zone name.
    """
    name = "ksk_" + re.sub(r"[^a-zA-Z0-9_]", "_", zone)
    if len(name) > KSK_NAME_MAX:
        digest = hashlib.sha256(zone.encode()).hexdigest()[:16]
        name = f"{name[:KSK_NAME_MAX - len(digest) - 1]}_{digest}"
    return name
