"""The data of one record, one value class per record type, parsed once (``catalyst_dns.records``).

Kept apart from ``records`` because these are tuples and ``PlainTxt`` subclasses one: the
function's compiled build (mypyc, ``pyproject.toml``) cannot compile a tuple's subclass, so
this module stays Python and everything that parses, checks and formats record sets is
compiled. Tuples, not dataclasses: a claim makes one or more per hostname, and a tuple is
built in one step.
"""

from __future__ import annotations

from typing import NamedTuple

from catalyst_dns.dnssec import Ds


class Address(NamedTuple):
    """A or AAAA data: the address in its canonical (compressed) text form."""

    address: str


class Host(NamedTuple):
    """CNAME or NS data: the target name, normal form (no trailing dot)."""

    target: str


class Mx(NamedTuple):
    """MX data; ``exchange`` is ``"."`` for a null MX (RFC 7505)."""

    preference: int
    exchange: str


class Srv(NamedTuple):
    """SRV data; ``target`` is ``"."`` when the service is decidedly not available."""

    priority: int
    weight: int
    port: int
    target: str


class Caa(NamedTuple):
    """CAA data; ``value`` unquoted."""

    flags: int
    tag: str
    value: str


class Txt(NamedTuple):
    """TXT data: the character-strings, each at most 255 octets."""

    strings: tuple[str, ...]

    @property
    def text(self) -> str:
        """The strings joined: what a resolver's client sees as the record's text."""
        return "".join(self.strings)


class PlainTxt(Txt):
    """TXT data the user wrote as plain text: the strings are where ``chunk`` split it, not theirs.

    Equal to (and hashing as) the ``Txt`` of the same strings, since a tuple subclass compares
    by its items; the type only tells a provider that cuts text its own way (Azure) that no
    boundary here was the user's to keep.
    """

    __slots__ = ()


Rdata = Address | Host | Mx | Srv | Caa | Txt | Ds
