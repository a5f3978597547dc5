"""A bounded memo of compositions, keyed by everything a composition depends on.

Crossplane calls the function on every reconcile of every composite with, nearly always,
the same claim and the same settings. Planning and translating 1,000 hostnames is the
whole cost of a call; the result depends only on the composite's identity and spec, the
step input and the settings, so it is computed once and replayed. Refusals are memoised
too, so a hostile claim retried in a loop costs a lookup. The memo is bounded by bytes.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict

from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from function.claims import Parts, decisive_parts
from function.compose import Composition

Outcome = Composition | str  # a composition, or the message of a refusal


def key(req: fnv1.RunFunctionRequest, step_input: bytes, settings: bytes, parts: Parts | None = None) -> bytes:
    """A digest of the composite's identity and spec, the step input and the settings (all as wire bytes).

    Each part is hashed as its name, its length and its deterministic serialization, rather
    than copied into one message first: the same parts decide the key, at half the cost.
    ``parts``: the composite's ``decisive_parts``, when the caller has them already.
    """
    pieces: list[bytes] = []
    for path, value in decisive_parts(req.observed.composite.resource.fields) if parts is None else parts:
        part = value.SerializeToString(deterministic=True)
        pieces += (_label(path), b"%d\x00" % len(part), part)
    pieces += (b"input\x00%d\x00" % len(step_input), step_input, b"settings\x00%d\x00" % len(settings), settings)
    return hashlib.blake2b(b"".join(pieces), digest_size=32).digest()  # one call: a dozen updates cost more


@functools.cache
def _label(path: tuple[str, ...]) -> bytes:
    return ".".join(path).encode() + b"\x00"


class Memo:
    """A thread-safe LRU of outcomes, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict[bytes, tuple[Outcome, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: bytes) -> Outcome | None:
        """The memoised outcome, if any (and mark it recently used)."""
        with self._lock:
            hit = self._items.get(digest)
            if hit is None:
                return None
            self._items.move_to_end(digest)
            return hit[0]

    def put(self, digest: bytes, outcome: Outcome) -> None:
        """Keep ``outcome``, evicting the least recently used beyond the byte bound."""
        size = outcome.size if isinstance(outcome, Composition) else len(outcome) + 64
        if size > self.max_bytes // 4:
            return  # one huge composition must not flush everything else
        with self._lock:
            previous = self._items.pop(digest, None)
            if previous is not None:
                self.size -= previous[1]
            self._items[digest] = (outcome, size)
            self.size += size
            while self.size > self.max_bytes:
                _, (_, evicted) = self._items.popitem(last=False)
                self.size -= evicted

    def __len__(self) -> int:
        return len(self._items)
