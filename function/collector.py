"""The cyclic garbage collector, paused while a claim is composed.

Why: a first composition allocates containers by the thousand (a 1,000-hostname claim's
record sets, their managed resources, its probes) and keeps most of them until it ends, so
the collector's young-generation threshold (700 net allocations) ran ~20 collections per
call, each walking everything still being built: ~1.8 ms of a ~30 ms composition, for
nearly nothing found (a few hundred objects in cycles per twenty calls). Paused, the
objects are walked once, by the first collection after the composition. Composition makes
no cycles of its own, so nothing waits longer to be freed than it did.

One counter for the process, under a lock: the collector is paused while any thread is
composing and resumed when the last one ends, and only if it was running when the first
one began (a process that turned it off keeps it off).
"""

from __future__ import annotations

import gc
import threading
from types import TracebackType


class _Pause:
    """A reentrant, thread-safe pause of ``gc``: ``with PAUSED: ...``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._composing = 0
        self._resume = False

    def __enter__(self) -> None:
        with self._lock:
            if self._composing == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._composing += 1

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        with self._lock:
            self._composing -= 1
            if self._composing == 0 and self._resume:
                gc.enable()


PAUSED = _Pause()
