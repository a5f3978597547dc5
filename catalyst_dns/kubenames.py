"""Deterministic, Kubernetes-safe names for managed resources.

A record set's MR name is a readable slug plus a hash of (zone, name, type): the same
record set always gets the same name (stable re-renders), two XRs claiming one record set
compute the same name and collide visibly, and ``*``, ``_`` and ``@`` never leak into
Kubernetes (DESIGN.md §6).
"""

from __future__ import annotations

import re
from hashlib import sha256  # bound once: compiled, a module attribute is looked up on every call

from catalyst_dns.errors import DnsInputError

MAX_NAME = 63  # a DNS-1123 label: safe for every kind and for label values
_HASH_CHARS = 10
_UNSAFE = re.compile(r"[^a-z0-9-]+")
_SEPARATOR = "\x1f"  # between the parts of an identity: no name or type holds it


def digest(*parts: str, length: int = _HASH_CHARS) -> str:
    """A short stable hex digest of ``parts``.

    Not memoised: its callers hash names (a record set's, a hostname's), which are new the
    first time a claim is composed, and a cache miss (the key, the insert, an eviction) cost
    about three times the hash itself; a claim composed again is answered from the memo.
    """
    return sha256(_SEPARATOR.join(parts).encode()).hexdigest()[:length]


class IdentityHash:
    """``digest`` of an identity and of identities that extend it, from one SHA-256 fed in turn.

    Why: a record set's name label hashes (zone, name), its record-set label (zone, name,
    type) and its MR name (zone, name, type[, slot]), each extending the one before. SHA-256
    reads its input in order, so one hash fed part by part gives every one of those digests,
    exactly ``digest``'s, for about half the cost of hashing each anew (a large claim's
    first composition names thousands of record sets).
    """

    __slots__ = ("_state",)

    def __init__(self, *parts: str) -> None:
        self._state = sha256(_SEPARATOR.join(parts).encode())

    def digest(self, length: int = _HASH_CHARS) -> str:
        """``digest`` of the parts fed so far."""
        return self._state.hexdigest()[:length]

    def feed(self, part: str) -> None:
        """Extend the identity by ``part``."""
        self._state.update((_SEPARATOR + part).encode())

    def extended(self, part: str, length: int = _HASH_CHARS) -> str:
        """``digest`` of the identity extended by ``part``; this one is left as it is."""
        state = self._state.copy()
        state.update((_SEPARATOR + part).encode())
        return state.hexdigest()[:length]


def slug(text: str) -> str:
    """``text`` reduced to DNS-1123 label characters (``*`` spelled ``wildcard``), runs of others as one ``-``.

    A checked DNS name (every MR name's readable part) has only letters, digits, hyphens,
    dots and lone underscores (``_externaldns.``): string methods reduce it, and the regex
    runs only on anything else; a record's MR name is made thousands of times in a large
    claim's first composition, and the regex cost more than the name's hash.
    """
    text = text.lower().replace("*", "wildcard").replace(".", "-")
    plain = text if "__" in text else text.replace("_", "-")  # a lone underscore is a run of one
    if plain.isascii() and plain.replace("-", "").isalnum():
        return plain.strip("-")
    return _UNSAFE.sub("-", text).strip("-")


def resource_name(prefix: str, readable: str, *identity: str) -> str:
    """``<prefix>-<readable, truncated>-<hash of identity>``, at most ``MAX_NAME`` characters."""
    return named(prefix, readable, digest(*identity))


def named(prefix: str, readable: str, tail: str) -> str:
    """``resource_name`` with the identity's hash ``tail`` already made (``IdentityHash``)."""
    room = MAX_NAME - len(prefix) - len(tail) - 2
    body = slug(readable)[:room].strip("-")
    return f"{prefix}-{body}-{tail}" if body else f"{prefix}-{tail}"


_SUBDOMAIN = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\Z")
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\Z")


def check_object_name(value: object, field: str) -> str:
    """A Kubernetes object name (DNS-1123 subdomain), or a DnsInputError.

    Names end up inside ownership records and MR annotations, so anything else (a comma,
    an ``=``) could forge registry labels.
    """
    if not isinstance(value, str) or not _SUBDOMAIN.match(value):
        raise DnsInputError(field, value, "is not a valid Kubernetes object name (DNS-1123 subdomain)")
    return value


def check_namespace(value: object, field: str) -> str:
    """A Kubernetes namespace name (DNS-1123 label), or a DnsInputError."""
    if not isinstance(value, str) or not _LABEL.match(value):
        raise DnsInputError(field, value, "is not a valid Kubernetes namespace name (DNS-1123 label)")
    return value
