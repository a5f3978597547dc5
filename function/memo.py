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

from function.claims import Parts
from function.compose import Composition

Outcome = Composition | str  # a composition, or the message of a refusal


def key(parts: Parts, step_input: bytes, settings: bytes) -> bytes:
    """A digest of the composite's decisive parts (``claims.decisive_parts``), the step input and the settings.

    Each part is hashed as its length-prefixed name, its length and its deterministic
    serialization, all in one call (a dozen updates cost more). Spec keys are the user's: a
    name is framed by its length, not ended by a byte, so no key can pose as another key's
    end and the next part's start.
    """
    pieces: list[bytes] = []
    for path, value in parts:
        part = value.SerializeToString(deterministic=True)
        pieces += (_label(path), b"%d\x00" % len(part), part)
    pieces += (_label(("input",)), b"%d\x00" % len(step_input), step_input,
               _label(("settings",)), b"%d\x00" % len(settings), settings)
    return hashlib.blake2b(b"".join(pieces), digest_size=32).digest()


@functools.lru_cache(maxsize=256)  # the claim API's names and a few more; user-chosen keys evict each other
def _label(path: tuple[str, ...]) -> bytes:
    name = ".".join(path).encode()
    return b"%d\x00%s" % (len(name), name)


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
