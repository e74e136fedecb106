"""Compute slots: how many request threads of one process run Python code at once.

A web worker serves each synchronous request in a thread of a pool (40 threads), and Python runs
one thread at a time (the GIL). When 32 questions arrive together, 32 threads take turns every
few milliseconds: every answer takes as long as all of them together, the turns themselves cost
CPU, and the turns are unfair enough that some questions wait seconds. Under wrk at 32
connections (one worker, ``POST /api/ask`` with the ``extractive`` provider, three alternating
rounds on a shared 2-core machine), two slots instead of none took the server from 12–13 to
9–10 ms of CPU per answer, p99 from about 1.4 s to 0.48 s, and 2-second timeouts from 7–11 a
run to none.

So the request paths that compute — questions and searches — hold one of a few slots
(:meth:`ComputeSlots.held`), and the others wait their turn, first come first served, in a pool
thread that holds nothing. A thread waiting on a model does not compute: the gateway gives its
slot up for the duration of the call (:func:`released`), so a slow remote model never holds up
the questions behind it, and as many model calls may be in flight as the pool has threads.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_SLOTS = 2
"""Slots per process: one thread computes while another waits on the database. Measured with 1,
2, 4, 6 and 8 slots against 40 (no limit): two did best, four and more let the tail grow again."""

_local = threading.local()


class ComputeSlots:
    """A fixed number of slots, shared by the threads of one process, handed out in the order
    they were asked for. (``threading.Semaphore`` lets a newcomer take a slot that was just
    freed for a waiter, which then queues again at the back: under load some requests lose
    that race over and over.)"""

    def __init__(self, slots: int = DEFAULT_SLOTS) -> None:
        if slots < 1:
            raise ValueError("at least one compute slot is needed")
        self.slots = slots
        self._free = slots
        self._waiting: deque[threading.Lock] = deque()
        self._lock = threading.Lock()

    def _acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by _release, which hands this thread the slot

    def _release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run the block in a slot, waiting for one if all are taken. A thread that already
        holds a slot keeps it (nesting takes no second one)."""
        if getattr(_local, "slots", None) is not None:
            yield
            return
        self._acquire()
        _local.slots = self
        try:
            yield
        finally:
            _local.slots = None
            self._release()


@contextmanager
def released() -> Iterator[None]:
    """Give up this thread's slot for the block (a wait on a model), and take one again after
    it; nothing happens in a thread that holds no slot."""
    slots: ComputeSlots | None = getattr(_local, "slots", None)
    if slots is None:
        yield
        return
    _local.slots = None
    slots._release()
    try:
        yield
    finally:
        slots._acquire()
        _local.slots = slots
