"""Rules across record sets: what DNS forbids between records at one name.

Each rule is checked on everything one composite writes, before anything is composed, so
a conflict refuses the whole composite instead of leaving half of it applied.
"""

from __future__ import annotations

from collections.abc import Sequence

from catalyst_dns.errors import DnsInputError
from catalyst_dns.rdata import Host
from catalyst_dns.records import RecordSet, RecordType


def check_record_sets(planned: Sequence[tuple[RecordSet, str]]) -> None:
    """Refuse duplicate record sets, CNAMEs beside other data, and CNAMEs at a zone apex.

    ``planned`` pairs each record set with the claim field it came from, for the message.
    """
    seen: dict[tuple[str, str, str], str] = {}
    first_at: dict[str, tuple[RecordSet, str]] = {}  # the first record set at each name
    by_name: dict[str, list[tuple[RecordSet, str]]] = {}  # every record set at a name that has several
    for record_set, field in planned:
        key = record_set.key  # a property that builds its tuple: once per record set
        if key in seen:
            raise DnsInputError(field, record_set.name,
                                f"repeats the {record_set.type} record set already written by {seen[key]}")
        seen[key] = field
        first = first_at.setdefault(record_set.name, (record_set, field))
        if first[0] is not record_set:  # a name's second record set or later: most names have one
            by_name.setdefault(record_set.name, [first]).append((record_set, field))
        if record_set.type is RecordType.CNAME:
            if record_set.name == record_set.zone.name:
                raise DnsInputError(field, record_set.name,
                                    "is a zone apex; a CNAME cannot sit at an apex (RFC 1034 §3.6.2)")
            target = record_set.rdata[0]
            if isinstance(target, Host) and target.target == record_set.name:
                raise DnsInputError(field, record_set.name, "is a CNAME pointing at itself (a loop)")
    for name in first_at if by_name else ():  # in the order the names first appear, as the claim lists them
        sets = by_name.get(name)
        if sets is not None and any(rs.type is RecordType.CNAME for rs, _ in sets):
            fields = ", ".join(f for _, f in sets)
            raise DnsInputError(sets[-1][1], name,
                                f"has a CNAME beside other data at the same name ({fields}); "
                                "a CNAME must be alone at its name (RFC 1034 §3.6.2)")
