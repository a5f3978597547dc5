"""The cyclic garbage collector, paused while a claim is composed.

Why: a first composition allocates containers by the thousand (a 1,000-hostname claim's
record sets, their managed resources, its probes) and holds them until it ends, so the
collector's young-generation threshold (700 net allocations) started ~20 collections a call,
each walking everything still being built: ~1.8 ms of a ~30 ms composition, for a few
hundred objects in cycles found over twenty calls. Paused, none runs during a composition;
what it built is freed by reference counting as before, and what it keeps (its probes, about
a tuple a name) is walked by the first collection after.

One counter for the process, under a lock: the collector is paused while any thread is
composing and resumed when the last one ends, and only if it was running when the first one
began (a process that turned it off keeps it off; one that turns it off during a pause has
it turned on again when the pause ends). Cycles any thread makes meanwhile wait for the
pause to end, so compositions that overlap without a break (a burst of new claims over
several workers) walk the young generation themselves once it holds ``MAX_YOUNG_PAUSED``
objects: a bound on what waits, at one walk per dozen large compositions, not twenty a call.
"""

from __future__ import annotations

import gc
import threading
from types import TracebackType
from typing import Final

MAX_YOUNG_PAUSED: Final = 100_000  # young objects left uncollected while pauses overlap (~10 large claims' worth)


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
            last = self._composing == 0
            if last and self._resume:
                gc.enable()
        if not last and gc.get_count()[0] > MAX_YOUNG_PAUSED:
            gc.collect(0)  # overlapping pauses: walk the young generation now and then


PAUSED = _Pause()
