"""Deterministic, Kubernetes-safe names for managed resources.

A record set's MR name is a readable slug plus a hash of (zone, name, type): the same
record set always gets the same name (stable re-renders), two XRs claiming one record set
compute the same name and collide visibly, and ``*``, ``_`` and ``@`` never leak into
Kubernetes (DESIGN.md §6).
"""

from __future__ import annotations

import hashlib
import re

from catalyst_dns.errors import DnsInputError

MAX_NAME = 63  # a DNS-1123 label: safe for every kind and for label values
_HASH_CHARS = 10
_UNSAFE = re.compile(r"[^a-z0-9-]+")


def digest(*parts: str, length: int = _HASH_CHARS) -> str:
    """A short stable hex digest of ``parts``.

    Not memoised: its callers hash names (a record set's, a hostname's), which are new the
    first time a claim is composed, and a cache miss (the key, the insert, an eviction) cost
    about three times the hash itself; a claim composed again is answered from the memo.
    """
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]


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


def resource_name(prefix: str, readable: str, *identity: str, max_len: int = MAX_NAME) -> str:
    """``<prefix>-<readable, truncated>-<hash of identity>``, at most ``max_len`` characters."""
    tail = digest(*identity)
    room = max_len - len(prefix) - len(tail) - 2
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
