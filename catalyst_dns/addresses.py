"""IP addresses as records and settings hold them: canonical text, checked once.

One parser for record values (A/AAAA), DNSRoute targets and the Sovereign settings'
ingress and nameserver addresses, so the same input is refused the same way everywhere.
"""

from __future__ import annotations

import ipaddress

from catalyst_dns.errors import DnsInputError, kind_of

_RECORD = {4: "an A record", 6: "an AAAA record"}


def parse_address(value: object, field: str, version: int | None = None) -> str:
    """An IP address in canonical (compressed) text form, of ``version`` if given.

    Refused: non-strings, anything ``ipaddress`` rejects, IPv6 zone indexes (``%eth0``,
    meaningless outside one host), the other IP version, unspecified and multicast addresses.
    """
    if not isinstance(value, str):
        raise DnsInputError(field, value, f"must be an IP address string, not {kind_of(value)}")
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        raise DnsInputError(field, value, "is not a valid IP address") from None
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
        raise DnsInputError(field, value, "is not a valid IP address (it carries an IPv6 zone index)")
    if version is not None and address.version != version:
        raise DnsInputError(field, value, f"is an IPv{address.version} address; "
                            f"{_RECORD.get(version, 'this field')} needs IPv{version}")
    if address.is_unspecified or address.is_multicast:
        raise DnsInputError(field, value, "is an unspecified or multicast address, which no record may point at")
    return address.compressed
