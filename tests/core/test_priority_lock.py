"""SQLite's one-transaction-at-a-time lock lets a request being acknowledged go first."""

from __future__ import annotations

import asyncio

from storage.database import PriorityLock


async def test_urgent_waiters_go_first_and_the_rest_keep_their_order() -> None:
    lock = PriorityLock()
    order: list[str] = []
    await lock.acquire()

    async def take(name: str, urgent: bool) -> None:
        await lock.acquire(urgent)
        order.append(name)
        await asyncio.sleep(0)
        lock.release()

    tasks = [asyncio.create_task(take(n, u)) for n, u in (("turn-1", False), ("turn-2", False), ("ack-1", True), ("ack-2", True))]
    await asyncio.sleep(0)
    lock.release()
    await asyncio.gather(*tasks)
    assert order == ["ack-1", "ack-2", "turn-1", "turn-2"]
    assert not lock.locked()


async def test_a_waiter_cancelled_as_it_is_handed_the_lock_passes_it_on() -> None:
    lock = PriorityLock()
    await lock.acquire()
    first = asyncio.create_task(lock.acquire())
    second = asyncio.create_task(lock.acquire())
    await asyncio.sleep(0)
    lock.release()  # handed to `first` ...
    first.cancel()  # ... which is cancelled before it runs
    await asyncio.gather(first, return_exceptions=True)
    await asyncio.wait_for(second, 1)
    assert lock.locked()
    lock.release()
    assert not lock.locked()
