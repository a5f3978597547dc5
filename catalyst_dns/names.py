"""Domain names: one normal form for every name the model touches.

Names are held as lower-case A-label FQDNs without the trailing dot, so that equal names
compare equal, tenancy suffix checks cannot be dodged with case, Unicode forms or a stray
dot, and each provider adds its own dot/relative form at the edge (``providers/``).

Normalisation is strict on purpose: a name that only becomes valid after UTS #46 mapping
(full-width letters, upper-case Unicode, compatibility forms) is refused rather than
silently rewritten, because a silently rewritten name is how one tenant's claim turns
into another tenant's name.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import idna

from catalyst_dns.errors import DnsInputError, kind_of

MAX_NAME_OCTETS = 253
MAX_LABEL_OCTETS = 63

_HOST_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
# Record owner names may carry underscore labels (_dmarc, _sip._tcp, DKIM selectors).
_OWNER_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\Z")
# The characters of a name already in normal form with plain host labels only (``is_plain``).
_PLAIN_CHARACTERS = re.compile(r"[a-z0-9.-]+")
# Scripts that may share a label: Japanese mixes Han with kana; everything else stays alone.
_COMPATIBLE_SCRIPTS = ({"CJK", "HIRAGANA", "KATAKANA"},)


class _NameRuleError(Exception):
    """A rule broken by a name, raised inside the cached normaliser (no field known there)."""

    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


def _script(char: str) -> str | None:
    """The script of a letter, from its Unicode name; None for digits, hyphen and marks."""
    if char.isascii() and not char.isalpha():
        return None
    category = unicodedata.category(char)
    if not category.startswith("L"):
        return None
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def _check_single_script(label: str) -> None:
    scripts = {s for s in map(_script, label) if s is not None}
    if len(scripts) <= 1:
        return
    if any(scripts <= group for group in _COMPATIBLE_SCRIPTS):
        return
    raise _NameRuleError(
        f"mixes scripts ({', '.join(sorted(scripts))}) in label {label!r}; "
        "mixed-script labels are refused as confusable"
    )


def _unicode_label_to_ascii(label: str) -> str:
    if unicodedata.normalize("NFC", label) != label:
        raise _NameRuleError(f"label {label!r} is not in Unicode NFC form")
    _check_single_script(label)
    try:
        return idna.encode(label, uts46=False).decode("ascii")
    except idna.IDNAError as exc:
        raise _NameRuleError(f"label {label!r} is not a valid IDNA2008 label ({exc})") from exc


def _check_a_label(label: str) -> None:
    try:
        decoded = idna.decode(label)
        if idna.encode(decoded).decode("ascii") != label:
            raise _NameRuleError(f"label {label!r} is not a canonical IDNA A-label")
    except idna.IDNAError as exc:
        raise _NameRuleError(f"label {label!r} is not a valid IDNA A-label ({exc})") from exc
    _check_single_script(decoded)


@functools.lru_cache(maxsize=65536)
def _normalise(raw: str, underscore: bool, wildcard: bool) -> str:
    if "\x00" in raw:
        raise _NameRuleError("contains a NUL byte")
    name = raw[:-1] if raw.endswith(".") else raw
    if not name:
        raise _NameRuleError("is empty; a name needs at least one label")
    if len(name) > 4 * MAX_NAME_OCTETS:
        raise _NameRuleError(f"is longer than {MAX_NAME_OCTETS} octets")
    labels = name.split(".")
    out: list[str] = []
    pattern = _OWNER_LABEL if underscore else _HOST_LABEL
    for index, label in enumerate(labels):
        if not label:
            raise _NameRuleError("has an empty label (two dots in a row or a leading dot)")
        if label == "*":
            if index != 0:
                raise _NameRuleError("has '*' below the leftmost label; a wildcard is only '*.' at the start")
            if not wildcard:
                raise _NameRuleError("may not be a wildcard here")
            out.append(label)
            continue
        if "*" in label:
            raise _NameRuleError(f"label {label!r} mixes '*' with other characters; a wildcard label is '*' alone")
        if label.isascii():
            lowered = label.lower()
            if lowered.startswith("xn--"):
                _check_a_label(lowered)
        else:
            lowered = _unicode_label_to_ascii(label)
        if len(lowered) > MAX_LABEL_OCTETS:
            raise _NameRuleError(f"label {label!r} is longer than {MAX_LABEL_OCTETS} octets")
        if not pattern.match(lowered):
            allowed = "letters, digits, '-' and '_'" if underscore else "letters, digits and '-'"
            raise _NameRuleError(
                f"label {label!r} is not a valid DNS label ({allowed} only, "
                "no '-' at either end)"
            )
        out.append(lowered)
    if len(out) < 2:
        raise _NameRuleError("is a single label; write the fully qualified name")
    result = ".".join(out)
    if len(result) > MAX_NAME_OCTETS:
        raise _NameRuleError(f"is longer than {MAX_NAME_OCTETS} octets")
    return result


def normalise(raw: object, field: str, *, underscore: bool = False, wildcard: bool = False) -> str:
    """The normal form of a name written by a user: lower-case A-labels, no trailing dot.

    ``underscore`` admits service labels (``_dmarc``) for record owner names and targets;
    ``wildcard`` admits a leading ``*`` label. Raises DnsInputError naming ``field``.
    """
    if not isinstance(raw, str):
        raise DnsInputError(field, raw, f"must be a string, not {kind_of(raw)}")
    if type(raw) is str and is_plain(raw):
        # Already the normal form and valid under every flag: the label-by-label reading would
        # return it unchanged. One match instead, before the cache: most names are plain, and
        # a new claim's are not in the cache (a miss costs more than the match).
        return raw
    try:
        return _normalise(raw, underscore, wildcard)
    except _NameRuleError as exc:
        raise DnsInputError(field, raw, exc.rule) from None


def is_plain(name: str) -> bool:
    """Whether ``name`` is already in normal form with plain host labels only.

    Lower-case ASCII letters, digits and inner dashes, two labels or more, none empty or
    longer than a label may be, no trailing dot; no wildcard, no underscore, no A-label
    (``xn--`` is left to the full reading). Checked with one character class and a few
    substring searches: a pattern for whole labels backtracks over every label and cost
    about twice as much on a large claim's hostnames.
    """
    return (len(name) <= MAX_NAME_OCTETS and _PLAIN_CHARACTERS.fullmatch(name) is not None and "." in name
            and name[0] not in ".-" and name[-1] not in ".-" and ".." not in name and ".-" not in name
            and "-." not in name and "xn--" not in name
            and (len(name) <= MAX_LABEL_OCTETS or all(len(label) <= MAX_LABEL_OCTETS for label in name.split("."))))


def host_target(raw: object, field: str) -> str:
    """A record's target host name (CNAME, MX, NS, SRV) in normal form, never an address.

    ``203.0.113.5`` reads as a name of four numeric labels, but no host name has a numeric
    top-level label (RFC 1123 §2.1: "the highest-level component label will be alphabetic"),
    so such a target is an address written where a name belongs; the providers refuse or
    mis-serve it, and what the user wanted was an A or AAAA record.
    """
    name = normalise(raw, field, underscore=True)
    if name.rpartition(".")[2].isdigit():
        raise DnsInputError(field, raw, "is not a host name: its top-level label is numeric, which no host "
                            "name's is (RFC 1123 §2.1); an IP address belongs in an A or AAAA record")
    return name


def is_within(name: str, zone: str) -> bool:
    """Whether ``name`` is ``zone`` or below it (both in normal form)."""
    return name == zone or name.endswith("." + zone)


def relative(name: str, zone: str) -> str:
    """``name`` relative to ``zone``: ``@`` for the apex, else the labels above the zone."""
    if name == zone:
        return "@"
    return name[: -(len(zone) + 1)]


def absolute(name: str) -> str:
    """The presentation form with the trailing root dot."""
    return name + "."


def dashed(name: str) -> str:
    """``name`` in one run of letters, digits and dashes: dots become dashes, its own dashes double.

    ``eu-west.x`` -> ``eu--west-x``, ``eu.west.x`` -> ``eu-west-x``: injective, because a
    host-name label neither starts nor ends with a dash, so where names must not collide in
    a namespace without dots (Cloud DNS managed zones, Pulumi logical names) no two do.
    """
    return name.replace("-", "--").replace(".", "-")
