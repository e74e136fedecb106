"""Compute slots: a bounded number of threads compute at once, waiting threads get their turn
in arrival order, and a block run under ``released()`` lets the next one in. (That the gateway
gives the slot up while a model works is in ``tests/gateway/test_compute_slots.py``.)"""

from __future__ import annotations

import threading
import time

import pytest

from govai.concurrency import ComputeSlots, released


def test_no_more_threads_than_slots_compute_at_once() -> None:
    slots = ComputeSlots(2)
    inside, most = 0, 0
    guard = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        with slots.held():
            with guard:
                inside += 1
                most = max(most, inside)
            time.sleep(0.01)
            with guard:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert most == 2 and inside == 0


def test_waiting_threads_get_the_slot_in_the_order_they_asked() -> None:
    slots = ComputeSlots(1)
    order: list[int] = []
    first_in = threading.Event()
    finish = threading.Event()

    def holder() -> None:
        with slots.held():
            first_in.set()
            assert finish.wait(10)

    def waiter(n: int) -> None:
        with slots.held():
            order.append(n)

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    assert first_in.wait(10)
    for n in range(6):
        t = threading.Thread(target=waiter, args=(n,))
        t.start()
        threads.append(t)
        deadline = time.monotonic() + 10
        while len(slots._waiting) < n + 1:  # queued before the next one asks
            assert time.monotonic() < deadline
            time.sleep(0.001)
    finish.set()
    for t in threads:
        t.join(10)
    assert order == list(range(6))


def test_a_thread_keeps_its_slot_when_it_asks_again() -> None:
    slots = ComputeSlots(1)
    with slots.held(), slots.held():  # would wait forever if nesting took a second slot
        pass
    with slots.held():  # and the slot was given back once
        pass


def test_released_gives_the_slot_away_for_the_block_and_takes_one_back() -> None:
    slots = ComputeSlots(1)
    other_ran = threading.Event()

    def other() -> None:
        with slots.held():
            other_ran.set()

    with slots.held():
        with released():
            thread = threading.Thread(target=other)
            thread.start()
            assert other_ran.wait(10)
            thread.join(10)
        # back in a slot: nobody else gets in now
        late = threading.Thread(target=other)
        other_ran.clear()
        late.start()
        assert not other_ran.wait(0.1)
    late.join(10)
    assert other_ran.is_set()
    with released():  # outside any slot: nothing to give up
        pass


def test_zero_slots_is_refused() -> None:
    with pytest.raises(ValueError):
        ComputeSlots(0)
