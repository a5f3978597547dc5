"""JSON-like documents straight to protobuf wire bytes, as ``google.protobuf.Struct``.

Why: composing a large claim spends most of its time building ``Struct`` messages one
``Value`` at a time through the protobuf runtime (each field access is a C call that
allocates a wrapper) and then serialising them again. The output never needs to exist as
a message: it is sent as bytes. ``Struct``, ``Value`` and ``ListValue`` are three small
messages (``google/protobuf/struct.proto``), so writing their wire form directly is short,
and every part of a resource that is the same for every record (apiVersion, kind, the
provider config, the owner annotation...) can be encoded once and spliced as bytes.

Three layers, from general to fast:

* ``encode_struct`` / ``encode_value`` / ``encode_list``: any JSON-like document (dict,
  list/tuple, str, int, float, bool, None) to the wire bytes of a Struct / Value /
  ListValue. ``Encoded`` marks a value already encoded, spliced as it is.
* ``Template``: a document with holes (``Hole``), assembled once into a flat program of
  steps (``_Program``); each call encodes only the holes, sums the lengths of the messages
  that contain them (a length prefix depends on what is inside) and joins the parts once. A ``Shaped`` hole takes
  a nested document of a known shape, read leaf by leaf (as ``Shape`` reads a whole one);
  ``entry=`` makes the template write a whole ``desired.resources`` entry.
* Framing for ``RunFunctionResponse``: a ``Struct`` as ``desired.resources[name]`` with
  its ``ready`` state, the composite's desired state, and ``requirements.resources``
  selectors (the ownership probes), so a whole response can be assembled from bytes.

The bytes parse to exactly the message ``Struct.update`` builds, ints written as doubles
(Struct has no integers). Map entries are written in the order protobuf's deterministic
serialisation sorts them (``map_order``), which makes the bytes identical to
``SerializeToString(deterministic=True)`` of that message as well: a cheap, exact test of
the encoder, and stable output for anything that hashes or compares responses.

Wire format reminders (https://protobuf.dev/programming-guides/encoding/): a field is a
tag ``(number << 3) | wire_type`` then its payload; length-delimited payloads (strings,
messages, map entries) are prefixed by their byte length as a varint; doubles are 8
little-endian bytes; a message is the concatenation of its fields, in any order, and a
message field that occurs twice is merged (maps gain both entries) when parsed.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable, Mapping, Sequence
from struct import Struct as _Packer
from typing import Any, Final

# --- varints and fields -----------------------------------------------------------------

_VARINT_TABLE_SIZE: Final = 1 << 14  # every length below 16 KiB: one or two bytes, looked up


def _varint_slow(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_VARINTS: Final[tuple[bytes, ...]] = tuple(_varint_slow(n) for n in range(_VARINT_TABLE_SIZE))


def varint(n: int) -> bytes:
    """``n`` (a length, an enum or a non-negative int) as a base-128 varint."""
    if 0 <= n < _VARINT_TABLE_SIZE:
        return _VARINTS[n]
    if n < 0:
        raise ValueError(f"varint of a negative number ({n}): lengths and enums here are never negative")
    return _varint_slow(n)


def message_field(number: int, body: bytes) -> bytes:
    """A length-delimited field (a sub-message, a string, a map entry) numbered ``number``."""
    return varint(number << 3 | 2) + varint(len(body)) + body


# --- Struct, Value, ListValue -----------------------------------------------------------

# Value's oneof ``kind``: null_value=1 (enum, varint), number_value=2 (double, fixed64),
# string_value=3, bool_value=4 (varint), struct_value=5, list_value=6 (length-delimited).
# A member of a oneof is written even when it holds its default (0, "", false, empty).
_NULL: Final = b"\x08\x00"
_NUMBER: Final = b"\x11"
_STRING: Final = b"\x1a"
_TRUE: Final = b"\x20\x01"
_FALSE: Final = b"\x20\x00"
_STRUCT: Final = b"\x2a"
_LIST: Final = b"\x32"
# Struct.fields=1 (map entries: key=1, value=2) and ListValue.values=1 share the tag 0x0a.
_ENTRY: Final = b"\x0a"
_ITEM: Final = b"\x0a"
_pack_double: Final = _Packer("<d").pack


def _native_program() -> Any:
    """``function/_render.c``'s ``Program``, or None where it was not built (a development install)."""
    try:
        return importlib.import_module("function._render").Program
    except ModuleNotFoundError as missing:
        if missing.name != "function._render":  # a module it needs: an install that is broken, said so
            raise
        return None


# Where the image's wheel built it (hatch_build.py), a template's steps run natively: the same
# bytes (tests/function/test_wire_native.py), without a bytes object per string and a join per
# entry (~1.8 -> ~0.4 us a large claim's MR entry).
NATIVE_PROGRAM: Final = _native_program()

_KEY_CACHE_LIMIT: Final = 4096  # keys are the schema's, a few hundred at most; bound it anyway
_key_prefixes: dict[str, bytes] = {}


class Encoded:
    """A value already encoded as a ``Value`` message: spliced as it is, wherever it stands.

    Why: the parts of a document that are the same in every record (a provider config
    reference, a k8gb manifest shared by regions) are encoded once and reused as bytes.
    """

    __slots__ = ("value",)

    def __init__(self, value: bytes) -> None:
        self.value = value

    @classmethod
    def of(cls, obj: Any) -> Encoded:
        """``obj`` (any JSON-like value) encoded now, to be spliced later."""
        return cls(encode_value(obj))

    @classmethod
    def struct(cls, struct: bytes) -> Encoded:
        """Encoded ``Struct`` bytes (from ``encode_struct`` or a ``Template``) as a Value."""
        return cls(_STRUCT + varint(len(struct)) + struct)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Encoded) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)

    def __repr__(self) -> str:
        return f"Encoded({self.value!r})"


def _key_prefix(key: str) -> bytes:
    """The constant start of a Struct map entry's body: the key field and the value's tag."""
    prefix = _key_prefixes.get(key)
    if prefix is None:
        if not isinstance(key, str):
            raise TypeError(f"a protobuf Struct key must be a string, not {type(key).__name__}")
        raw = key.encode()
        prefix = b"\x0a" + varint(len(raw)) + raw + b"\x12"
        if len(_key_prefixes) < _KEY_CACHE_LIMIT:
            _key_prefixes[key] = prefix
    return prefix


def _order_key(key: str) -> bytes:
    """Where upb's deterministic serialisation puts ``key`` among a map's keys.

    upb (protobuf's runtime for Python since 4.21) compares keys byte-wise on their common
    length and, when one key is a prefix of another, puts the longer one first (``ab``
    before ``a``; C++ and the pure-Python runtime put ``a`` first). UTF-8 never holds the
    byte 0xFF, so appending it yields exactly that order under plain bytes comparison.
    Any order parses to the same message; this one makes the bytes identical too. Not
    cached: most keys sorted are new (a first composition's MR and probe names), and a
    cache lookup costs as much as the two string operations.
    """
    if type(key) is not str and not isinstance(key, str):
        raise TypeError(f"a protobuf Struct key must be a string, not {type(key).__name__}")
    return key.encode() + b"\xff"


def map_order(keys: Iterable[str]) -> list[str]:
    """``keys`` in the order protobuf's deterministic serialisation writes map entries.

    Sorted as strings first: code point order is UTF-8's byte order, so that is upb's order
    unless a key is a prefix of another, which a sorted list shows in a pair of neighbours;
    only then are they sorted again by ``_order_key``. Why: the keys sorted on a large first
    composition (2,000 MR names, as many probes) are hashes that never prefix each other, and
    encoding each for the sort cost a tenth of a millisecond per thousand.
    """
    ordered = sorted(keys)
    previous: str | None = None
    for key in ordered:
        if type(key) is not str and not isinstance(key, str):
            raise TypeError(f"a protobuf Struct key must be a string, not {type(key).__name__}")
        if previous is not None and key.startswith(previous):  # "" too: a prefix of every key
            return sorted(ordered, key=_order_key)
        previous = key
    return ordered


def _entry(prefix: bytes, value: bytes) -> bytes:
    """One Struct field (a map entry): ``prefix`` from ``_key_prefix``, ``value`` a Value."""
    size = varint(len(value))
    return _ENTRY + varint(len(prefix) + len(size) + len(value)) + prefix + size + value


def encode_string(text: str) -> bytes:
    """A ``Value`` holding ``text`` (UTF-8; a lone surrogate raises, as protobuf does)."""
    raw = text.encode()
    return _STRING + varint(len(raw)) + raw


def encode_value(obj: Any) -> bytes:
    """The wire bytes of a ``Value`` message holding ``obj``.

    The same types and the same order of checks as ``function.structs.fill``: str (StrEnum
    members included), bool before int (bool is an int), numbers as doubles, mappings,
    lists and tuples, None; ``Encoded`` is spliced. Anything else raises TypeError.
    """
    cls = type(obj)
    if cls is str:
        raw: bytes = obj.encode()
        return _STRING + varint(len(raw)) + raw
    if cls is bool:
        return _TRUE if obj else _FALSE
    if cls is float:
        return _NUMBER + _pack_double(obj)
    if cls is int:
        return _NUMBER + _pack_double(float(obj))  # OverflowError beyond a double's range
    if cls is dict:
        body = encode_struct(obj)
        return _STRUCT + varint(len(body)) + body
    if cls is list or cls is tuple:
        body = encode_list(obj)
        return _LIST + varint(len(body)) + body
    if obj is None:
        return _NULL
    if cls is Encoded:
        value: bytes = obj.value
        return value
    # Subclasses (StrEnum, IntEnum, OrderedDict, MappingProxyType...), in fill's order.
    if isinstance(obj, str):  # its own characters, as protobuf takes it (``str()`` of a str-Enum mixin is its name)
        return encode_string(obj)
    if isinstance(obj, bool):
        return _TRUE if obj else _FALSE
    if isinstance(obj, int | float):
        return _NUMBER + _pack_double(float(obj))
    if isinstance(obj, Mapping):
        body = encode_struct(obj)
        return _STRUCT + varint(len(body)) + body
    if isinstance(obj, list | tuple):
        body = encode_list(obj)
        return _LIST + varint(len(body)) + body
    if isinstance(obj, Encoded):
        return obj.value
    raise TypeError(f"cannot put {type(obj).__name__} in a protobuf Struct")


def encode_struct(doc: Mapping[str, Any]) -> bytes:
    """The wire bytes of a ``Struct`` message holding ``doc``, keys in ``map_order``."""
    return b"".join([_entry(_key_prefix(key), encode_value(doc[key])) for key in sorted(doc, key=_order_key)])


def encode_list(items: Iterable[Any]) -> bytes:
    """The wire bytes of a ``ListValue`` message holding ``items``.

    Strings and ``Encoded`` values, what long lists hold (a large claim's status: its names
    and records), take their item's header from ``_heads`` or splice as they are.
    """
    heads = _ITEM_STRING_HEADS
    out: list[bytes] = []
    for item in items:
        cls = type(item)
        if cls is str:
            text: str = item  # typed: compiled, encoded and read directly, not through a generic call
            raw = text.encode()
            size = len(raw)
            out.append(heads[size] if size < len(heads) else _long_head(None, _STRING, size))
            out.append(raw)
            continue
        if cls is Encoded:
            encoded: Encoded = item
            value = encoded.value
        else:
            value = encode_value(item)
        out.append(_ITEM + varint(len(value)))
        out.append(value)
    return b"".join(out)


def _frame_head(prefix: bytes | None, size: int) -> bytes:
    """The bytes before a ``size``-byte Value in its Struct entry (key ``prefix``), or in a ListValue item (None)."""
    if prefix is None:
        return _ITEM + varint(size)
    value_size = varint(size)
    return _ENTRY + varint(len(prefix) + len(value_size) + size) + prefix + value_size


def _long_head(prefix: bytes | None, tag: bytes, length: int) -> bytes:
    """The bytes before a ``length``-byte body of a Value of ``tag`` (a string, Struct or ListValue) in its entry.

    Any length: ``_heads`` holds the short ones.
    """
    value_head = tag + varint(length)
    return _frame_head(prefix, len(value_head) + length) + value_head


# Bodies looked up by length, by the Value's tag: every DNS name, label value and MR name is
# a shorter string, and most of an MR's nested messages (its metadata, spec...) are shorter.
_SHORT: Final = {_STRING: 256, _STRUCT: 512, _LIST: 512}


@functools.lru_cache(maxsize=256)  # 33 for every form the benchmarks compose; at most ~10 MiB
def _heads(prefix: bytes | None, tag: bytes) -> tuple[bytes, ...]:
    """``_long_head`` of every short length, by length.

    Why: the entry of a string or of a nested message is a tag, a length, the key, a tag and
    a length again, then the body; a lookup by the body's length replaces that arithmetic on
    each call. The tables are per key and tag (a schema's few dozen; ~0.4 MiB for every
    form the benchmarks compose), 8-20 KiB each.
    """
    return tuple(_long_head(prefix, tag, length) for length in range(_SHORT[tag]))


_ITEM_STRING_HEADS: Final = _heads(None, _STRING)  # a ListValue's string items (``encode_list``)
_ITEM_STRUCT_HEADS: Final = _heads(None, _STRUCT)  # its Struct items (``struct_list``)


def struct_list(structs: Sequence[bytes]) -> Encoded:
    """A ``ListValue`` of Struct messages (their bytes: a ``Template``'s, ``encode_struct``'s), to splice.

    Why: a large claim's status holds a thousand records, each filled from one form; each
    item's header is looked up by its length, not made by wrapping each record as a Value.
    """
    heads = _ITEM_STRUCT_HEADS
    out: list[bytes] = []
    for body in structs:
        size = len(body)
        out.append(heads[size] if size < len(heads) else _long_head(None, _STRUCT, size))
        out.append(body)
    items = b"".join(out)
    return Encoded(_LIST + varint(len(items)) + items)


def _value_entry(prefix: bytes | None, value: Any) -> tuple[bytes, bytes]:
    """Any value's entry as two parts: the bytes before its Value, and the Value."""
    encoded = encode_value(value)
    return _frame_head(prefix, len(encoded)), encoded


# --- templates ------------------------------------------------------------------------

class Hole:
    """A named place in a ``Template`` where each call puts a value (any JSON-like value, or ``Encoded``).

    ``text=True`` promises a string (an MR's name, its marks): its step then writes it as a
    string, with no other case to try. Any other value is still written right: the template
    falls back to the generic encoder.
    """

    __slots__ = ("name", "text")

    def __init__(self, name: str | int, *, text: bool = False) -> None:
        self.name = name
        self.text = text

    def __repr__(self) -> str:
        return f"Hole({self.name!r})"


class Shaped(Hole):
    """A ``Hole`` filled with a document of ``reference``'s shape, read leaf by leaf as a ``Shape`` reads.

    Why: a managed resource is an envelope around its provider's ``forProvider``; with the
    forProvider read in place, one program writes the whole resource (its constant
    leaves' entries reused), instead of encoding the inner document and splicing it. A value
    of another shape is still encoded right (the generic encoder takes over), only slower.
    """

    __slots__ = ("reference",)

    def __init__(self, name: str | int, reference: Mapping[str, Any]) -> None:
        super().__init__(name)
        if reference.__class__ is not dict:
            raise TypeError("a Shaped hole is assembled from a dict")
        self.reference = reference


def _has_hole(node: Any) -> bool:
    if isinstance(node, Hole):
        return True
    if isinstance(node, Mapping):
        return any(_has_hole(v) for v in node.values())
    if isinstance(node, list | tuple):
        return any(_has_hole(v) for v in node)
    return False


class _Leaf(Hole):
    """A leaf of a ``Shaped`` hole's or a ``Shape``'s document: key ``name`` of the container in ``register``.

    ``text`` where the reference's leaf is a string: a string is expected there again.
    """

    __slots__ = ("register",)

    def __init__(self, register: int, name: str | int, *, text: bool) -> None:
        super().__init__(name, text=text)
        self.register = register


class _ShapeMismatchError(Exception):
    """The document does not have the keys, lengths or leaf types a ``_Program`` was assembled for."""


# What a program raises on values it was not assembled for, answered by the generic encoder
# (the same bytes, slower): other keys or lengths (KeyError, IndexError, a container of
# another class or length), a non-string where a string was expected, or a length past the
# varint table (IndexError: 16 KiB or more).
_OTHER_SHAPE = (KeyError, IndexError, _ShapeMismatchError)

# The steps of a ``_Program``, in the order their bytes are written.
_CONST: Final = 0  # constant bytes (adjacent constants joined when assembled)
_TEXT: Final = 1  # the entry of a string: its header looked up by its length
_VALUE: Final = 2  # the entry of any value: a string as _TEXT, an int or a bool from a one-slot memo
_OPEN: Final = 3  # a nested Struct or ListValue starts: a slot for its header, written at its _CLOSE
_CLOSE: Final = 4
_LOAD: Final = 5  # a container of the document read into a register, its class and length checked


class _Op:
    """One step of a ``_Program``. Which fields it reads depends on ``kind``."""

    __slots__ = ("cls", "data", "heads", "key", "kind", "last", "length", "mark", "prefix", "register", "short",
                 "slot", "tag", "target")

    def __init__(self, kind: int, *, data: bytes = b"", register: int = 0, key: object = None,
                 prefix: bytes | None = None, tag: bytes = b"", target: int = 0, cls: type | None = None,
                 length: int = 0) -> None:
        self.kind = kind
        self.data = data  # _CONST: the bytes
        self.register = register  # _TEXT, _VALUE, _LOAD: the container read (0: the values given)
        self.key = key  # _TEXT, _VALUE, _LOAD: the key or index read from it
        self.prefix = prefix  # _TEXT, _VALUE, _CLOSE: the Struct key's prefix (None: a list item)
        self.tag = tag  # _CLOSE: the nested message's Value tag (_STRUCT or _LIST)
        self.target = target  # _LOAD: the register it fills
        self.cls = cls  # _LOAD: the container's class
        self.length = length  # _LOAD: the container's length
        self.heads: tuple[bytes, ...] = ()  # _TEXT, _VALUE, _CLOSE: the entry's header by body length
        if kind in (_TEXT, _VALUE, _CLOSE):
            self.heads = _heads(prefix, tag if kind == _CLOSE else _STRING)
        self.short = len(self.heads)  # a body this long or longer takes its header from _long_head
        # _VALUE: the last int or bool seen and its entry's two parts, replaced whole (threads share a program)
        self.last: tuple[type, Any, bytes, bytes] | None = None
        # Where the step writes among the parts (its first slot), and, for _OPEN and _CLOSE, which of the
        # program's nested messages it is: both fixed when the program is made (``_Program.place``).
        self.slot = 0
        self.mark = 0


class _Program:
    """A template assembled into a flat list of steps, run by one loop (``render``).

    Why a program and not code: compiled with the rest of the composition path (mypyc), the
    loop writes a large claim's MR entry in ~1.4 us, where the straight-line Python this
    replaced (generated per template and ``exec``'d, out of the compiler's reach) took ~2.5 us
    (the 2,000 entries of one large claim, timed in-process; a large first composition ~28 ->
    ~25 ms, BENCHMARKS.md), and a list of steps is easier to read and test than generated
    source. Run as Python (a development install) the loop is the slower one, ~5 us an entry.
    A call encodes the holes; a nested message's header depends on its length, so ``_OPEN``
    notes the size written so far and ``_CLOSE`` writes the header into the slot kept for it
    once the body's size is known; the parts are joined once. Every step writes the same
    number of parts on every call, so where each writes is fixed when the program is made
    (``place``): the loop keeps no stack of open messages and no write position. Everything
    constant was encoded when the template was made. Where the image's wheel built
    ``function/_render.c``, ``render`` hands the same steps to it (``native``, made from
    ``steps``); ``render_here`` is this loop, which a development install runs.
    """

    __slots__ = ("end", "entry_key", "marks", "native", "ops", "ready", "registers", "slots")

    def __init__(self, ops: list[_Op], registers: int, entry: tuple[str | int, int] | None) -> None:
        self.ops = ops
        self.registers = registers
        self.entry_key: str | int | None = None if entry is None else entry[0]
        self.ready = b"" if entry is None else _READY_BYTES[entry[1]]
        self.end, self.marks = self.place(ops)
        self.slots = self.end + 1  # the parts: the entry's framing first, then each step's, then readiness
        # The same steps run natively where the image's wheel built them (``NATIVE_PROGRAM``).
        self.native: Any = None if NATIVE_PROGRAM is None else NATIVE_PROGRAM(
            self.steps(), registers, self.entry_key, self.ready, _ShapeMismatchError, _value_entry)

    def steps(self) -> tuple[tuple[Any, ...], ...]:
        """The steps as ``function/_render.c`` reads them: plain tuples, an _OPEN with its _CLOSE's prefix and tag."""
        closes = {op.mark: op for op in self.ops if op.kind == _CLOSE}
        out = []
        for op in self.ops:
            framed = closes[op.mark] if op.kind == _OPEN else op
            out.append((op.kind, op.register, op.key, framed.prefix, framed.tag[0] if framed.tag else 0, op.target,
                        op.cls, op.length, op.data, op.mark))
        return tuple(out)

    @staticmethod
    def place(ops: list[_Op]) -> tuple[int, int]:
        """Give each step its slot among the parts; the slot after the last step's and the count of nested messages.

        Each _OPEN and its _CLOSE share a mark (the index of their nested message) and the
        slot of its header. The entry's framing takes slot 0; a constant and an _OPEN's header one slot each, a
        string or value entry two (its header and its Value).
        """
        at, marks = 1, 0
        opened: list[_Op] = []
        for op in ops:
            op.slot = at
            if op.kind == _CONST or op.kind == _OPEN:
                at += 1
            elif op.kind == _TEXT or op.kind == _VALUE:
                at += 2
            if op.kind == _OPEN:
                op.mark = marks
                marks += 1
                opened.append(op)
            elif op.kind == _CLOSE:
                start = opened.pop()
                op.mark, op.slot = start.mark, start.slot
        return at, marks

    def render(self, values: Any) -> bytes:
        """The bytes with every hole read from ``values``; one of ``_OTHER_SHAPE`` for values of another shape."""
        native = self.native
        if native is not None:
            rendered: bytes = native.render(values)
            return rendered
        return self.render_here(values)

    def render_here(self, values: Any) -> bytes:
        """``render`` run by this loop (a development install's, and the native steps' reference)."""
        registers: list[Any] = [None] * self.registers
        registers[0] = values
        parts: list[bytes] = [b""] * self.slots
        starts: list[int] = [0] * self.marks  # per nested message: the size written before its body
        size = 0  # everything written so far, headers of closed messages included
        for op in self.ops:
            kind = op.kind
            if kind == _CONST:
                parts[op.slot] = op.data
                size += len(op.data)
            elif kind == _TEXT:
                value = registers[op.register][op.key]
                if not isinstance(value, str):
                    raise _ShapeMismatchError
                size += _put_text(op, value, parts)
            elif kind == _OPEN:
                starts[op.mark] = size
            elif kind == _CLOSE:
                body = size - starts[op.mark]
                head = op.heads[body] if body < op.short else _long_head(op.prefix, op.tag, body)
                parts[op.slot] = head
                size += len(head)
            elif kind == _LOAD:
                container: Any = registers[op.register][op.key]
                same_class = type(container) is op.cls  # first: ``len`` of a leaf would raise TypeError
                if not same_class or len(container) != op.length:
                    raise _ShapeMismatchError
                registers[op.target] = container
            else:  # _VALUE
                value = registers[op.register][op.key]
                if isinstance(value, str):
                    size += _put_text(op, value, parts)
                    continue
                last = op.last
                if last is None or type(value) is not last[0] or value != last[1]:
                    head, encoded = _value_entry(op.prefix, value)
                    last = (type(value), value, head, encoded)
                    if type(value) is int or type(value) is bool:  # exact: True == 1, and floats have -0.0
                        op.last = last
                parts[op.slot] = last[2]
                parts[op.slot + 1] = last[3]
                size += len(last[2]) + len(last[3])
        if self.entry_key is not None:
            parts[0] = self._entry_head(values[self.entry_key], size)
            parts[self.end] = self.ready
        return b"".join(parts)

    def _entry_head(self, name: object, size: int) -> bytes:
        """What comes before a ``size``-byte Struct in its ``State.resources`` entry keyed ``name``.

        ``resource_entry``'s framing, for lengths below 16 KiB (longer ones raise IndexError).
        """
        if not isinstance(name, str):
            raise _ShapeMismatchError
        raw = name.encode()
        name_size = len(raw)
        resource_size = 2 + (size > 127) + size + len(self.ready)  # lengths below 16 KiB: a varint of 1-2 bytes
        entry_size = 2 + (name_size > 127) + name_size + 2 + (resource_size > 127) + resource_size
        return b"".join((b"\x12", _VARINTS[entry_size], b"\x0a", _VARINTS[name_size], raw,
                         b"\x12", _VARINTS[resource_size], b"\x0a", _VARINTS[size]))


def _put_text(op: _Op, text: str, parts: list[bytes]) -> int:
    """Write ``text``'s entry (header, UTF-8) into ``parts`` at ``op``'s slot; the size written."""
    raw = text.encode()
    length = len(raw)
    head = op.heads[length] if length < op.short else _long_head(op.prefix, _STRING, length)
    parts[op.slot] = head
    parts[op.slot + 1] = raw
    return len(head) + length


class _Assembler:
    """Turns a template's document into a ``_Program``: constants encoded now, a step per hole."""

    def __init__(self) -> None:
        self.loads: list[_Op] = []  # the document's containers, read and checked before anything is written
        self.ops: list[_Op] = []
        self.registers = 1  # register 0 holds the values

    def template(self, doc: Mapping[str, Any], entry: tuple[str | int, int] | None) -> _Program:
        """The program of a ``Template``: its holes read from the values given."""
        self.struct(self.expand(doc))
        return _Program([*self.loads, *self.ops], self.registers, entry)

    def shape(self, reference: Mapping[str, Any]) -> _Program:
        """The program of a ``Shape``: every leaf read from the document given, as ``values[0]``."""
        document = self.load(reference, 0, 0)
        self.struct({key: self.read(child, document, key) for key, child in reference.items()})
        return _Program([*self.loads, *self.ops], self.registers, None)

    def struct(self, doc: Mapping[str, Any]) -> None:
        """The steps of a Struct body."""
        for key in map_order(doc):
            prefix, node = _key_prefix(key), doc[key]
            if _has_hole(node):
                self.entry(prefix, node)
            else:
                self.constant(_entry(prefix, encode_value(node)))

    def entry(self, prefix: bytes | None, node: Any) -> None:
        """The steps of one entry holding a hole: a Struct field (``prefix``) or a list item (None)."""
        if isinstance(node, Hole):
            register = node.register if isinstance(node, _Leaf) else 0  # a hole reads the values given
            self.ops.append(_Op(_TEXT if node.text else _VALUE, register=register, key=node.name, prefix=prefix))
            return
        self.ops.append(_Op(_OPEN))
        if isinstance(node, Mapping):
            self.struct(node)
            self.ops.append(_Op(_CLOSE, prefix=prefix, tag=_STRUCT))
            return
        for item in node:
            if _has_hole(item):
                self.entry(None, item)
            else:
                value = encode_value(item)
                self.constant(_ITEM + varint(len(value)) + value)
        self.ops.append(_Op(_CLOSE, prefix=prefix, tag=_LIST))

    def constant(self, data: bytes) -> None:
        if self.ops and self.ops[-1].kind == _CONST:
            self.ops[-1] = _Op(_CONST, data=self.ops[-1].data + data)
        else:
            self.ops.append(_Op(_CONST, data=data))

    def read(self, node: Any, register: int, key: str | int) -> Any:
        """``node`` (a reference document) with every leaf a ``_Leaf`` read from where it sits; a load per container."""
        if not node or node.__class__ not in (dict, list, tuple):  # an empty container: any value, encoded
            return _Leaf(register, key, text=node.__class__ is str)
        target = self.load(node, register, key)
        if node.__class__ is dict:
            return {child_key: self.read(child, target, child_key) for child_key, child in node.items()}
        return [self.read(item, target, index) for index, item in enumerate(node)]

    def load(self, node: Any, register: int, key: str | int) -> int:
        """A register filled with the container of ``node``'s class and length at ``key`` of ``register``."""
        target = self.registers
        self.registers += 1
        self.loads.append(_Op(_LOAD, register=register, key=key, target=target, cls=node.__class__,
                              length=len(node)))
        return target

    def expand(self, node: Any) -> Any:
        """``node`` with every ``Shaped`` hole replaced by the reads of its reference."""
        if isinstance(node, Shaped):
            return self.read(node.reference, 0, node.name)
        if isinstance(node, Hole):
            return node
        if isinstance(node, Mapping):
            return {key: self.expand(child) for key, child in node.items()}
        if isinstance(node, list | tuple):
            return [self.expand(item) for item in node]
        return node


def _hole_names(node: Any, out: list[str | int]) -> list[str | int]:
    if isinstance(node, Hole):
        if node.name in out:
            raise ValueError(f"hole {node.name!r} appears twice in the template; give each place its own name")
        out.append(node.name)
    elif isinstance(node, Mapping):
        for key in map_order(node):
            _hole_names(node[key], out)
    elif isinstance(node, list | tuple):
        for item in node:
            _hole_names(item, out)
    return out


class Template:
    """A document encoded once, with its holes filled per call: ``template(name=...)``.

    Why: a provider's managed resources differ from record to record in a few strings (the
    MR name, its labels, the record name and content); everything else is encoded when the
    template is made. A call encodes the holes and re-frames only the messages on the path
    from the root to each hole, because a length prefix depends on what is inside. The
    result is the ``Struct`` bytes of the document with the holes replaced, exactly as
    ``encode_struct`` would write it.
    """

    __slots__ = ("_doc", "_entry", "_program", "holes")

    def __init__(self, doc: Mapping[str, Any], *, entry: tuple[str | int, int] | None = None) -> None:
        """Assemble ``doc`` into its program (``_Program``).

        ``entry=(hole, ready)``: render the ``State.resources`` map entry keyed by that hole's
        value (a string), with that readiness (``resource_entry``'s bytes), not the bare Struct.
        """
        self.holes: tuple[str | int, ...] = tuple(_hole_names(doc, []))
        if entry is not None and entry[0] not in self.holes:
            raise KeyError(f"the entry's key {entry[0]!r} is not a hole of the template")
        self._doc = doc
        self._entry = entry
        self._program = _Assembler().template(doc, entry)

    def __call__(self, **values: Any) -> bytes:
        """The Struct bytes with every hole filled; a missing or unknown hole raises KeyError."""
        if len(values) != len(self.holes):
            unknown = sorted(set(values) - set(self.holes))
            missing = sorted(set(self.holes) - set(values))
            raise KeyError(f"template holes: unknown {unknown}, missing {missing}")
        return self.fill(values)

    def fill(self, values: Sequence[Any] | Mapping[Any, Any]) -> bytes:
        """The bytes with each hole read as ``values[hole name]``, unchecked (a hot path).

        Holes named by position (``Hole(0)``, ``Hole(1)``...) take a tuple, which costs less
        to build than keyword arguments.
        """
        try:
            return self._program.render(values)
        except _OTHER_SHAPE:
            struct = encode_struct(_filled(self._doc, values))
            if self._entry is None:
                return struct
            key, ready = self._entry
            return resource_entry(values[key], struct, ready)  # type: ignore[index]


def _filled(node: Any, values: Sequence[Any] | Mapping[Any, Any]) -> Any:
    """``node`` with every hole replaced by its value."""
    if isinstance(node, Hole):
        return values[node.name]  # type: ignore[index]
    if isinstance(node, Mapping):
        return {key: _filled(child, values) for key, child in node.items()}
    if isinstance(node, list | tuple):
        return [_filled(item, values) for item in node]
    return node


class Shape:
    """An encoder assembled for one document shape: the same keys and list lengths at every level.

    Why: a provider's managed resources of one kind, zone and record type all have the same
    keys; only the leaf values differ. Assembled once (the ``Template`` machinery, with every
    leaf a hole read straight from the document), a record costs its leaves' encoding and
    the framing, with the key order and key bytes fixed: several times cheaper than
    ``encode_struct``'s walk. A document of another shape — other keys or list lengths
    anywhere, or another container type — is detected (``KeyError``/``_ShapeMismatchError``) and
    encoded by ``encode_struct``, so the bytes are always ``encode_struct(doc)``'s.
    """

    __slots__ = ("_program",)

    def __init__(self, reference: Mapping[str, Any]) -> None:
        if reference.__class__ is not dict:
            raise TypeError("a Shape is assembled from a dict")
        self._program = _Assembler().shape(reference)

    def __call__(self, doc: Mapping[str, Any]) -> bytes:
        """``encode_struct(doc)``, fast when ``doc`` has the reference's shape."""
        try:
            return self._program.render((doc,))
        except _OTHER_SHAPE:
            return encode_struct(doc)


# --- RunFunctionResponse framing --------------------------------------------------------

# crossplane.function.proto.v1 run_function.proto: the Ready enum.
READY_UNSPECIFIED: Final = 0
READY_TRUE: Final = 1
READY_FALSE: Final = 2

# RunFunctionResponse: meta=1, desired=2 (State), results=3, context=4, requirements=5,
# conditions=6, output=7. State: composite=1 (Resource), resources=2 (map<string,
# Resource>). Resource: resource=1 (Struct), connection_details=2, ready=3 (enum).
# Requirements: extra_resources=1, resources=2 (map<string, ResourceSelector>).
# ResourceSelector: api_version=1, kind=2, match_name=3 | match_labels=4 (MatchLabels:
# labels=1, map<string, string>), namespace=5.
_RESPONSE_DESIRED: Final = 2
_RESPONSE_REQUIREMENTS: Final = 5
_STATE_COMPOSITE: Final = 1
# The two maps of Requirements: Crossplane 1.x reads only the deprecated extra_resources.
REQUIREMENTS_EXTRA_RESOURCES: Final = 1
REQUIREMENTS_RESOURCES: Final = 2
_READY_BYTES: Final = (b"", b"\x18\x01", b"\x18\x02")


def resource(struct: bytes, ready: int = READY_UNSPECIFIED) -> bytes:
    """A ``Resource`` message: ``struct`` (Struct bytes) as its resource, and its readiness.

    READY_UNSPECIFIED (0) is not written, as proto3 leaves a default enum out.
    """
    return b"\x0a" + varint(len(struct)) + struct + _READY_BYTES[ready]


def resource_entry(name: str, struct: bytes, ready: int = READY_UNSPECIFIED) -> bytes:
    """One ``State.resources`` field: the map entry ``name`` -> Resource(struct, ready).

    With ``ready`` TRUE or FALSE the entry's last byte is the ready value, so a memoised
    entry's readiness is one byte to flip, not a re-encoding (``compose.Composition.mixed``).
    """
    raw = name.encode()
    body = resource(struct, ready)
    entry = b"\x0a" + varint(len(raw)) + raw + b"\x12" + varint(len(body)) + body
    return b"\x12" + varint(len(entry)) + entry


def state(composite: bytes | None, entries: Iterable[bytes]) -> bytes:
    """A ``State`` message: the composite's Struct bytes (if any) and resource entries.

    Give ``entries`` in ``map_order`` of their names for output identical to protobuf's
    deterministic serialisation; any order parses to the same message.
    """
    return b"".join(_state_parts(composite, entries))


def _state_parts(composite: bytes | None, entries: Iterable[bytes]) -> list[bytes]:
    parts = [] if composite is None else [message_field(_STATE_COMPOSITE, resource(composite))]
    parts.extend(entries)
    return parts


def desired(composite: bytes | None, entries: Iterable[bytes]) -> bytes:
    """``RunFunctionResponse.desired`` as a field, ready to splice into a response's bytes.

    Joined once with its field's header: a large claim's entries are megabytes, and a
    message joined first and framed after is copied twice.
    """
    return b"".join(desired_parts(composite, entries))


def desired_parts(composite: bytes | None, entries: Iterable[bytes]) -> list[bytes]:
    """``desired``'s bytes as parts, its field's header first, for a caller that joins them with more."""
    parts = _state_parts(composite, entries)
    size = sum(len(part) for part in parts)
    return [varint(_RESPONSE_DESIRED << 3 | 2), varint(size), *parts]


def selector_entry(requirement: str, api_version: str, kind: str, *, match_name: str | None = None,
                   match_labels: Mapping[str, str] | None = None, namespace: str | None = None,
                   map_field: int = REQUIREMENTS_RESOURCES) -> bytes:
    """One ``Requirements.resources`` field: ``requirement`` -> ResourceSelector.

    ``map_field=REQUIREMENTS_EXTRA_RESOURCES`` writes it in the deprecated map instead.
    Exactly one of ``match_name`` and ``match_labels`` (the selector's oneof). Labels are
    written in ``map_order``, as protobuf's deterministic serialisation does.
    """
    if (match_name is None) == (match_labels is None):
        raise ValueError("a resource selector matches by name or by labels: give exactly one")
    head = _selector_head(api_version, kind)
    if match_name is not None:
        match = _string_field(3, match_name, always=True)  # a oneof member: written even if empty
    else:
        assert match_labels is not None
        # Map entries carry their key and value even when empty.
        labels = b"".join([_LABEL + varint(len(entry)) + entry for entry in (
            _string_field(1, key, always=True) + _string_field(2, match_labels[key], always=True)
            for key in map_order(match_labels))])
        match = _MATCH_LABELS + varint(len(labels)) + labels
    tail = b"" if namespace is None else _string_field(5, namespace, always=True)  # proto3 optional
    body = head + match + tail
    raw = requirement.encode()
    entry = b"\x0a" + varint(len(raw)) + raw + b"\x12" + varint(len(body)) + body
    return _MAP_TAGS[map_field] + varint(len(entry)) + entry


class LabelSelector:
    """A fast ``selector_entry`` for one kind matched by one label: ``entry(requirement, value) -> bytes``.

    Why: the ownership probes are thousands of selectors that differ only in their name and
    the label's value, and those have the same lengths (hashes): everything else, the length
    prefixes included, is encoded once per pair of lengths, so a probe is one join. A class,
    not a closure: compiled, its method is called directly.
    """

    __slots__ = ("frames", "head", "key", "tag")

    def __init__(self, api_version: str, kind: str, label: str, *, map_field: int = REQUIREMENTS_RESOURCES) -> None:
        self.head = _selector_head(api_version, kind) + _MATCH_LABELS
        self.key = _string_field(1, label, always=True) + b"\x12"
        self.tag = _MAP_TAGS[map_field]
        self.frames: dict[int, tuple[bytes, bytes]] = {}  # by name_size << 32 | value_size (a message < 2 GiB)

    def frame(self, name_size: int, value_size: int) -> tuple[bytes, bytes]:
        """The bytes before the requirement's name, and between it and the label's value."""
        key, head = self.key, self.head
        label_entry = len(key) + len(varint(value_size)) + value_size
        labels = 1 + len(varint(label_entry)) + label_entry
        body = len(head) + len(varint(labels)) + labels
        inner = 1 + len(varint(name_size)) + name_size + 1 + len(varint(body)) + body
        before = self.tag + varint(inner) + b"\x0a" + varint(name_size)
        between = (b"\x12" + varint(body) + head + varint(labels) + b"\x0a" + varint(label_entry) + key
                   + varint(value_size))
        if len(self.frames) < 64:  # a few pairs of lengths in practice; bounded
            self.frames[name_size << 32 | value_size] = (before, between)
        return before, between

    def entry(self, requirement: str, value: str) -> bytes:
        """The ``Requirements`` field asking for the kind's resources labelled ``value``, named ``requirement``."""
        name, raw = requirement.encode(), value.encode()
        framed = self.frames.get(len(name) << 32 | len(raw))  # exact: no string of a message reaches 4 GiB
        before, between = framed if framed is not None else self.frame(len(name), len(raw))
        return b"".join((before, name, between, raw))


_LABEL: Final = b"\x0a"  # MatchLabels.labels=1
_MATCH_LABELS: Final = b"\x22"  # ResourceSelector.match_labels=4
_MAP_TAGS: Final = {REQUIREMENTS_EXTRA_RESOURCES: b"\x0a", REQUIREMENTS_RESOURCES: b"\x12"}


@functools.lru_cache(maxsize=256)
def _selector_head(api_version: str, kind: str) -> bytes:
    """A selector's apiVersion and kind fields: a few pairs serve thousands of probes."""
    return _string_field(1, api_version) + _string_field(2, kind)


def requirements(entries: Iterable[bytes]) -> bytes:
    """``RunFunctionResponse.requirements`` as a field, holding ``selector_entry`` fields.

    For protobuf's deterministic bytes give the extra_resources entries first, each map's
    entries in ``map_order``; any order parses to the same message.
    """
    return message_field(_RESPONSE_REQUIREMENTS, b"".join(entries))


def _string_field(number: int, text: str, *, always: bool = False) -> bytes:
    """A string field; a plain proto3 one leaves out the empty string (its default)."""
    if not text and not always:
        return b""
    raw = text.encode()
    return varint(number << 3 | 2) + varint(len(raw)) + raw


__all__ = [
    "READY_FALSE",
    "READY_TRUE",
    "READY_UNSPECIFIED",
    "REQUIREMENTS_EXTRA_RESOURCES",
    "REQUIREMENTS_RESOURCES",
    "Encoded",
    "Hole",
    "LabelSelector",
    "Shape",
    "Shaped",
    "Template",
    "desired",
    "desired_parts",
    "encode_list",
    "encode_string",
    "encode_struct",
    "encode_value",
    "map_order",
    "message_field",
    "requirements",
    "resource",
    "resource_entry",
    "selector_entry",
    "state",
    "struct_list",
    "varint",
]
