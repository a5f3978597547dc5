"""The data of one record, one value class per record type, parsed once (``catalyst_dns.records``).

Plain classes with value equality, not NamedTuples: compiled with the rest of the core
(mypyc), each is built in one C call and its fields are read directly, where a
NamedTuple's constructor is a Python function and its fields descriptors (a large claim
makes one or more per hostname). ``__match_args__`` keeps the providers' ``match`` on
them (``case Mx(preference, exchange)``). Two values are equal when they are of one
record type and hold the same fields; ``PlainTxt`` is a ``Txt``.
"""

from __future__ import annotations

from typing import Final

from catalyst_dns.dnssec import Ds


class _Value:
    """What every value class shares: equality and hash over its fields, within one record type."""

    __slots__ = ()

    def _fields(self) -> tuple[object, ...]:
        """The value's fields, in ``__match_args__`` order."""
        raise NotImplementedError

    def _record_class(self) -> type:
        """The class two values must share to be equal (``PlainTxt`` is a ``Txt``)."""
        return type(self)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, _Value) and other._record_class() is self._record_class()
                and other._fields() == self._fields())

    def __hash__(self) -> int:
        return hash((self._record_class(), self._fields()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(field) for field in self._fields())})"


class Address(_Value):
    """A or AAAA data: the address in its canonical (compressed) text form."""

    __slots__ = ("address",)
    __match_args__: Final = ("address",)

    def __init__(self, address: str) -> None:
        self.address = address

    def _fields(self) -> tuple[str]:
        return (self.address,)


class Host(_Value):
    """CNAME or NS data: the target name, normal form (no trailing dot)."""

    __slots__ = ("target",)
    __match_args__: Final = ("target",)

    def __init__(self, target: str) -> None:
        self.target = target

    def _fields(self) -> tuple[str]:
        return (self.target,)


class Mx(_Value):
    """MX data; ``exchange`` is ``"."`` for a null MX (RFC 7505)."""

    __slots__ = ("exchange", "preference")
    __match_args__: Final = ("preference", "exchange")

    def __init__(self, preference: int, exchange: str) -> None:
        self.preference = preference
        self.exchange = exchange

    def _fields(self) -> tuple[int, str]:
        return (self.preference, self.exchange)


class Srv(_Value):
    """SRV data; ``target`` is ``"."`` when the service is decidedly not available."""

    __slots__ = ("port", "priority", "target", "weight")
    __match_args__: Final = ("priority", "weight", "port", "target")

    def __init__(self, priority: int, weight: int, port: int, target: str) -> None:
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target

    def _fields(self) -> tuple[int, int, int, str]:
        return (self.priority, self.weight, self.port, self.target)


class Caa(_Value):
    """CAA data; ``value`` unquoted."""

    __slots__ = ("flags", "tag", "value")
    __match_args__: Final = ("flags", "tag", "value")

    def __init__(self, flags: int, tag: str, value: str) -> None:
        self.flags = flags
        self.tag = tag
        self.value = value

    def _fields(self) -> tuple[int, str, str]:
        return (self.flags, self.tag, self.value)


class Txt(_Value):
    """TXT data: the character-strings, each at most 255 octets."""

    __slots__ = ("presented", "strings")
    __match_args__: Final = ("strings",)

    def __init__(self, strings: tuple[str, ...]) -> None:
        self.strings = strings
        # Its presentation form, once ``records.txt_presentation`` has made it: every ownership
        # record of a composite holds one Txt, presented for each of them.
        self.presented: str | None = None

    def _fields(self) -> tuple[tuple[str, ...]]:
        return (self.strings,)

    def _record_class(self) -> type:
        return Txt

    @property
    def text(self) -> str:
        """The strings joined: what a resolver's client sees as the record's text."""
        return "".join(self.strings)


class PlainTxt(Txt):
    """TXT data the user wrote as plain text: the strings are where ``chunk`` split it, not theirs.

    Equal to (and hashing as) the ``Txt`` of the same strings; the type only tells a
    provider that cuts text its own way (Azure) that no boundary here was the user's to keep.
    """

    __slots__ = ()


Rdata = Address | Host | Mx | Srv | Caa | Txt | Ds
