"""Record sets and their data, parsed from zone-file presentation format.

A RecordSet is one (name, type) with its TTL and values: the unit every provider writes
as one managed resource (Cloudflare, which stores single records, as one per value). Values
are parsed here, once, into typed rdata (``catalyst_dns.rdata``), so each provider only
formats; none of them ever re-parses a presentation string.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from enum import StrEnum

from catalyst_dns import fields, names
from catalyst_dns.addresses import parse_address
from catalyst_dns.dnssec import Ds, parse_ds
from catalyst_dns.errors import DnsInputError, kind_of
from catalyst_dns.rdata import Address, Caa, Host, Mx, PlainTxt, Rdata, Srv, Txt
from catalyst_dns.settings import MAX_TTL, Zone

MAX_VALUES = 100  # per record set; above every provider's practical limit for one rrset
MAX_TXT_STRING_OCTETS = 255  # RFC 1035 <character-string>
MAX_TXT_OCTETS = 4000  # one TXT value, all strings together (Route53's limit, the largest)


class RecordType(StrEnum):
    """The record types of the model; a claim may write those in :data:`CLAIM_TYPES`."""

    A = "A"
    AAAA = "AAAA"
    CNAME = "CNAME"
    TXT = "TXT"
    MX = "MX"
    SRV = "SRV"
    CAA = "CAA"
    NS = "NS"
    DS = "DS"  # only a delegation writes one (catalyst_dns.dnssec); never a claim


# What a DNSRecord claim may ask for: every type but DS.
CLAIM_TYPES = frozenset(RecordType) - {RecordType.DS}




def presentation(rdata: Rdata, *, dotted: bool = True) -> str:
    """Zone-file presentation of one rdata; host names absolute (with the root dot) if ``dotted``."""
    match rdata:
        case Address(address):
            return address
        case Host(target):
            return _host(target, dotted)
        case Mx(preference, exchange):
            return f"{preference} {_host(exchange, dotted)}"
        case Srv(priority, weight, port, target):
            return f"{priority} {weight} {port} {_host(target, dotted)}"
        case Caa(flags, tag, value):
            return f"{flags} {tag} {quote(value)}"
        case Txt():
            return txt_presentation(rdata)
        case Ds():
            return rdata.presentation
    raise AssertionError(rdata)  # pragma: no cover - the union is closed


def _host(name: str, dotted: bool) -> str:
    return name if name == "." or not dotted else names.absolute(name)


def txt_presentation(rdata: Txt) -> str:
    """A TXT value's strings, each an RFC 1035 quoted character-string, separated by spaces.

    Kept on the value once made: a composite's ownership records share one Txt, so a large
    claim presents the same text a thousand times.
    """
    presented = rdata.presented
    if presented is None:
        presented = rdata.presented = " ".join([quote(s) for s in rdata.strings])
    return presented


@functools.lru_cache(maxsize=4096)
def escape(text: str, *, octal: bool = False) -> str:
    r"""The inside of an RFC 1035 §5.1 quoted character-string holding ``text``'s UTF-8 octets.

    ``"`` and ``\`` are backslash-escaped, printable ASCII (space included) stays as it is,
    and every other octet becomes ``\DDD`` — three *decimal* digits, as RFC 1035 says, or
    three *octal* digits where a provider reads them so (Route53's documented format).
    Escaping per octet, not per character, keeps non-ASCII text exactly the octets it was.
    Cached: every ownership record of a composite carries the same text.
    """
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return text  # printable ASCII (space included) without quote or backslash stays as it is
    out: list[str] = []
    for octet in text.encode("utf-8"):
        if octet in (0x22, 0x5C):
            out.append("\\" + chr(octet))
        elif 0x20 <= octet <= 0x7E:
            out.append(chr(octet))
        else:
            out.append(f"\\{octet:03o}" if octal else f"\\{octet:03d}")
    return "".join(out)


def quote(text: str, *, octal: bool = False) -> str:
    """An RFC 1035 quoted character-string: ``"`` + ``escape(text)`` + ``"``."""
    return '"' + escape(text, octal=octal) + '"'


class RecordSet:
    """One (name, type) record set in one zone; equal to another of the same fields.

    A plain class, compiled: a claim makes two per hostname (the record set and its
    ownership record). A NamedTuple's constructor is a Python function and its fields are
    read through descriptors; a frozen dataclass is built field by field through
    ``object.__setattr__`` (it made the large first composition ~1.3 ms slower). This is
    built in one C call and its fields read directly (instructions per large first
    composition: BENCHMARKS.md).
    """

    __slots__ = ("name", "proxied", "rdata", "ttl", "type", "zone")

    def __init__(self, zone: Zone, name: str, type: RecordType, ttl: int,
                 rdata: tuple[Rdata, ...], proxied: bool = False) -> None:
        self.zone = zone
        self.name = name
        self.type = type
        self.ttl = ttl
        self.rdata = rdata
        self.proxied = proxied

    def _fields(self) -> tuple[Zone, str, RecordType, int, tuple[Rdata, ...], bool]:
        return (self.zone, self.name, self.type, self.ttl, self.rdata, self.proxied)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecordSet) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (f"RecordSet(zone={self.zone.name!r}, name={self.name!r}, type={self.type}, ttl={self.ttl}, "
                f"rdata={self.rdata!r}, proxied={self.proxied})")

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes a record set unique: zone, name and type."""
        return (self.zone.name, self.name, str(self.type))  # str(): the value, without Enum.value's cost

    @property
    def relative_name(self) -> str:
        """The name relative to its zone, ``@`` at the apex."""
        return names.relative(self.name, self.zone.name)


# --- parsing -------------------------------------------------------------------------

_INT = re.compile(r"^[0-9]{1,10}\Z")
_CAA = re.compile(r'^\s*([0-9]{1,3})\s+([A-Za-z0-9]{1,15})\s+("(?:[^"\\]|\\.)*"|[^\s"]+)\s*\Z')
_TXT_STRINGS = re.compile(r'"((?:[^"\\]|\\.)*)"')
_CAA_PROPERTY_TAGS = frozenset({"issue", "issuewild", "iodef", "issuemail", "issuevmc", "contactemail", "contactphone"})


def _int(token: str, field: str, value: str, what: str, high: int) -> int:
    if not _INT.match(token) or int(token) > high:
        raise DnsInputError(field, value, f"has {what} {token!r}; it must be an integer 0-{high}")
    return int(token)


def _target(token: str, field: str, *, allow_root: bool) -> str:
    if token == "." and allow_root:
        return "."
    return names.host_target(token, field)


_ESCAPE = re.compile(r"\\([0-9]{3}|.)", re.DOTALL)


def _unescape(text: str, field: str, value: str) -> str:
    r"""The text of an RFC 1035 §5.1 character-string's inside: ``\X`` is X, ``\DDD`` one octet (decimal)."""
    if "\\" not in text:
        return text
    out = bytearray()
    position = 0
    for match in _ESCAPE.finditer(text):
        out += text[position:match.start()].encode("utf-8")
        token = match.group(1)
        if len(token) == 3:
            if int(token) > 255:
                raise DnsInputError(field, value, f"has the escape \\{token}; \\DDD is one octet, 000-255")
            out.append(int(token))
        else:
            out += token.encode("utf-8")
        position = match.end()
    out += text[position:].encode("utf-8")
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise DnsInputError(field, value, "has \\DDD escapes that do not spell UTF-8 text; "
                            "TXT values are carried as UTF-8 text") from None


def _octets(text: str) -> int:
    return len(text.encode("utf-8"))


def chunk(text: str, width: Callable[[str], int] = _octets) -> tuple[str, ...]:
    """Split text into strings of at most 255 by ``width`` (UTF-8 octets), never inside a character.

    A provider that counts a string as written passes its written width (Hetzner: escaped).
    """
    if width(text) <= MAX_TXT_STRING_OCTETS:
        return (text,)
    out: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        width_of_char = width(char)
        if size + width_of_char > MAX_TXT_STRING_OCTETS:
            out.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width_of_char
    if current:
        out.append("".join(current))
    return tuple(out)


def parse_txt(value: str, field: str) -> Txt:
    """TXT data: either quoted strings (``"a" "b"``, each <= 255 octets) or plain text, chunked."""
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        raise DnsInputError(field, value, "contains a control character; TXT values must be printable")
    stripped = value.strip()
    if stripped.startswith('"'):
        if _TXT_STRINGS.sub("", stripped).strip():
            raise DnsInputError(field, value, 'mixes quoted and unquoted text; write either "a" "b" or plain text')
        strings = tuple(_unescape(s, field, value) for s in _TXT_STRINGS.findall(stripped))
        for s in strings:
            if _octets(s) > MAX_TXT_STRING_OCTETS:
                raise DnsInputError(field, value, f"has a quoted string of {_octets(s)} octets; "
                                    f"each string is at most {MAX_TXT_STRING_OCTETS} octets")
    else:
        strings = chunk(value)
    total = sum(map(_octets, strings))
    if total > MAX_TXT_OCTETS:
        raise DnsInputError(field, f"<{total} octets>", f"is longer than {MAX_TXT_OCTETS} octets")
    return Txt(strings) if stripped.startswith('"') else PlainTxt(strings)


def parse_rdata(rtype: RecordType, value: object, field: str) -> Rdata:
    """One value of a record set, from its zone-file presentation form."""
    if not isinstance(value, str):
        raise DnsInputError(field, value, f"must be a string, not {kind_of(value)}")
    if "\x00" in value:
        raise DnsInputError(field, value, "contains a NUL byte")
    if rtype is RecordType.TXT:
        return parse_txt(value, field)
    tokens = value.split()
    if rtype in (RecordType.A, RecordType.AAAA):
        return Address(parse_address(value, field, 4 if rtype is RecordType.A else 6))
    if rtype in (RecordType.CNAME, RecordType.NS):
        if len(tokens) != 1:
            raise DnsInputError(field, value, f"must be a single host name for {rtype}")
        return Host(_target(tokens[0], field, allow_root=False))
    if rtype is RecordType.MX:
        if len(tokens) != 2:
            raise DnsInputError(field, value, "must be '<preference> <exchange>', e.g. '10 mail.example.com.'")
        return Mx(_int(tokens[0], field, value, "preference", 65535), _target(tokens[1], field, allow_root=True))
    if rtype is RecordType.SRV:
        if len(tokens) != 4:
            raise DnsInputError(field, value,
                                "must be '<priority> <weight> <port> <target>', e.g. '10 5 443 sip.example.com.'")
        return Srv(_int(tokens[0], field, value, "priority", 65535), _int(tokens[1], field, value, "weight", 65535),
                   _int(tokens[2], field, value, "port", 65535), _target(tokens[3], field, allow_root=True))
    if rtype is RecordType.CAA:
        match = _CAA.match(value)
        if not match:
            raise DnsInputError(field, value, "must be '<flags> <tag> \"<value>\"', e.g. '0 issue \"letsencrypt.org\"'")
        flags = _int(match.group(1), field, value, "flags", 255)
        tag = match.group(2).lower()
        if tag not in _CAA_PROPERTY_TAGS:
            known = ", ".join(sorted(_CAA_PROPERTY_TAGS))
            raise DnsInputError(field, value, f"has CAA tag {tag!r}; known tags: {known}")
        raw = match.group(3)
        text = _unescape(raw[1:-1], field, value) if raw.startswith('"') else raw
        if tag in ("issue", "issuewild"):
            issuer = text.split(";", 1)[0].strip()
            if issuer:
                names.normalise(issuer, field)
        if tag == "iodef" and not text.startswith(("mailto:", "https://", "http://")):
            raise DnsInputError(field, value, "has an iodef value that is not a mailto: or http(s): URL")
        return Caa(flags, tag, text)
    if rtype is RecordType.DS:
        return _ds(tokens, field, value)
    raise AssertionError(rtype)  # pragma: no cover


_HEX = re.compile(r"^[0-9A-Fa-f]+\Z")


def _ds(tokens: list[str], field: str, value: str) -> Ds:
    """DS data, ``<key tag> <algorithm> <digest type> <digest>`` (the digest may be split by spaces)."""
    if len(tokens) < 4:
        raise DnsInputError(field, value, "must be '<key tag> <algorithm> <digest type> <digest>', "
                            "e.g. '12345 13 2 AB12...'")
    _int(tokens[0], field, value, "key tag", 65535)
    _int(tokens[1], field, value, "algorithm", 255)
    _int(tokens[2], field, value, "digest type", 255)
    if not all(_HEX.match(t) for t in tokens[3:]):
        raise DnsInputError(field, value, "has a digest that is not hexadecimal")
    return parse_ds(value, field)


def check_ttl(value: object, field: str) -> int:
    """A TTL in seconds, 1 to 2^31-1 (RFC 2181 §8)."""
    return fields.integer(value, field, low=1, high=MAX_TTL)


def make_record_set(zone: Zone, name: str, rtype: RecordType, ttl: int, rdata: list[Rdata],
                    field: str, *, proxied: bool = False) -> RecordSet:
    """A record set with its values de-duplicated and sorted (so output is deterministic)."""
    unique = list(rdata) if len(rdata) == 1 else sorted(set(rdata), key=presentation)
    if len(unique) > MAX_VALUES:
        raise DnsInputError(field, f"<{len(unique)} values>", f"has more than {MAX_VALUES} values in one record set")
    if rtype is RecordType.CNAME and len(unique) != 1:
        raise DnsInputError(field, [presentation(r) for r in unique], "is a CNAME; a CNAME has exactly one target")
    if rtype is RecordType.MX and len(unique) > 1 and any(r.exchange == "." for r in unique if isinstance(r, Mx)):
        raise DnsInputError(field, [presentation(r) for r in unique],
                            "has a null MX ('0 .', no mail accepted) beside other MX records; a domain that "
                            "advertises a null MX must not advertise any other MX (RFC 7505 §3)")
    return RecordSet(zone=zone, name=name, type=rtype, ttl=ttl, rdata=tuple(unique), proxied=proxied)
