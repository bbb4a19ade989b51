"""Bounded duplicates after a crash: a worker renews its short lease while it sends, a dead
worker's rows are taken over within one lease, and each message is recorded as sent before the
next one to the same conversation goes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.dispatcher import Dispatcher
from flows.messages import Audience, Notice, Outbound, to_json
from storage import outbox
from storage import repository as repo
from storage.models import OutboxMessage
from tests.core.test_outbox import RecordingTransport


async def _queue(core, audiences: list[str]) -> None:  # type: ignore[no-untyped-def]
    async with core.db.transaction() as tx:
        for i, audience in enumerate(audiences):
            await repo.enqueue(tx, "console", audience, to_json(Notice(Audience.member(audience), f"message {i}", "en")))


async def _statuses(core) -> dict[int, str]:  # type: ignore[no-untyped-def]
    async with core.db.transaction() as tx:
        return dict((await tx.execute(select(OutboxMessage.id, OutboxMessage.status))).all())


class SlowTransport(RecordingTransport):
    """Takes `delay` seconds per message and notes what the database said about the earlier ones."""

    def __init__(self, core, delay: float) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.core = core
        self.delay = delay
        self.seen_before: list[list[str]] = []

    async def deliver(self, message: Outbound) -> str | None:
        async with self.core.db.transaction() as tx:
            rows = (await tx.execute(select(OutboxMessage.status).where(OutboxMessage.audience == message.audience.key).order_by(OutboxMessage.id))).scalars().all()
        self.seen_before.append(list(rows))
        await asyncio.sleep(self.delay)
        return await super().deliver(message)


async def test_a_dead_workers_rows_are_sent_by_another_within_one_lease(core, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(outbox, "LEASE", timedelta(seconds=1))
    await _queue(core, ["console:local:anna", "console:local:ben"])
    async with core.db.transaction() as tx:
        taken = await outbox.claim(tx, ["console"], owner="killed-process")  # then kill -9: never renewed
    assert len(taken) == 2
    other = RecordingTransport()
    dispatcher = Dispatcher(core.db, {"console": other})
    assert await dispatcher.drain() == 0  # still leased
    await asyncio.sleep(1.1)
    assert await dispatcher.drain() == 2
    assert sorted(m.text for m in other.delivered) == ["message 0", "message 1"]  # type: ignore[union-attr]


async def test_a_live_worker_keeps_its_lease_while_it_sends_for_longer_than_the_lease(core, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(outbox, "LEASE", timedelta(seconds=0.8))
    await _queue(core, ["console:local:anna"] * 3)
    slow = SlowTransport(core, delay=0.6)
    busy = asyncio.create_task(Dispatcher(core.db, {"console": slow}).drain())
    other = RecordingTransport()
    for _ in range(6):  # 1.8 s of another worker trying to take the same rows
        await asyncio.sleep(0.3)
        await Dispatcher(core.db, {"console": other}).drain()
    assert await busy == 3
    assert other.delivered == []
    assert len(slow.delivered) == 3


async def test_each_message_is_recorded_as_sent_before_the_next_to_the_same_conversation(core) -> None:  # type: ignore[no-untyped-def]
    await _queue(core, ["console:local:anna"] * 3 + ["console:local:ben"] * 2)
    slow = SlowTransport(core, delay=0.0)
    assert await Dispatcher(core.db, {"console": slow}).drain() == 5
    # When the n-th message of a conversation went, the n-1 before it were already marked sent.
    for seen in slow.seen_before:
        sent = seen.count("sent")
        assert seen[:sent] == ["sent"] * sent and all(s == "sending" for s in seen[sent:])
    assert sorted(s.count("sent") for s in slow.seen_before) == [0, 0, 1, 1, 2]
    assert set((await _statuses(core)).values()) == {"sent"}


async def test_a_server_restarted_in_the_killed_ones_place_sends_its_rows_at_once(core) -> None:  # type: ignore[no-untyped-def]
    await _queue(core, ["console:local:anna", "console:local:ben"])
    async with core.db.transaction() as tx:
        await outbox.claim(tx, ["console"], owner="host:3978")  # then kill -9
    others = RecordingTransport()
    assert await Dispatcher(core.db, {"console": others}, identity="host:4000").reclaim() == 0  # not its rows
    restarted = Dispatcher(core.db, {"console": RecordingTransport()}, identity="host:3978")
    assert await restarted.reclaim() == 2
    assert await restarted.drain() == 2


class HeldTransport(RecordingTransport):
    """Delivers to everyone at once but ben, whose delivery hangs until the process goes."""

    def __init__(self) -> None:
        super().__init__()
        self.ben_on_the_wire = asyncio.Event()

    async def deliver(self, message: Outbound) -> str | None:
        if message.audience.key.endswith(":ben"):
            self.ben_on_the_wire.set()
            await asyncio.Event().wait()
        return await super().deliver(message)


async def test_a_dispatcher_stopped_mid_batch_keeps_the_record_of_what_it_sent(core) -> None:  # type: ignore[no-untyped-def]
    # anna's message is the last of her conversation in the batch, so its outcome is committed with
    # the next claim; the process is stopped before that claim comes and must still record it.
    await _queue(core, ["console:local:anna", "console:local:ben"])
    held = HeldTransport()
    dispatcher = Dispatcher(core.db, {"console": held}, identity="host:3978")
    running = asyncio.create_task(dispatcher.run(idle=0.05))
    await asyncio.wait_for(held.ben_on_the_wire.wait(), 5)
    while not held.delivered:
        await asyncio.sleep(0.01)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    statuses = await _statuses(core)
    assert sorted(statuses.values()) == ["sending", "sent"]  # anna's recorded; ben's still under the lease
    again = RecordingTransport()
    restarted = Dispatcher(core.db, {"console": again}, identity="host:3978")
    assert await restarted.reclaim() == 1
    assert await restarted.drain() == 1
    assert [m.audience.key for m in again.delivered] == ["console:local:ben"]  # anna is not sent twice
