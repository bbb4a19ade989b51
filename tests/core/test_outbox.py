"""The outbox: written with the state change, delivered once, retried on 429/5xx, paced."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from adapters.transport import Pacing, RetryLater, Undeliverable
from bot.dispatcher import Dispatcher
from flows.messages import Notice, Outbound
from storage.models import OutboxMessage
from tests.conftest import Console


class RecordingTransport:
    """A platform that answers as told: a list of outcomes, then success."""

    platform = "console"

    def __init__(self, outcomes: list[Exception] | None = None, pacing: Pacing = Pacing()) -> None:
        self.outcomes = list(outcomes or [])
        self.delivered: list[Outbound] = []
        self.pacing = pacing
        self.calls = 0

    async def deliver(self, message: Outbound) -> str | None:
        self.calls += 1
        if self.outcomes:
            raise self.outcomes.pop(0)
        self.delivered.append(message)
        return f"h{len(self.delivered)}"


async def fresh(core, console: Console) -> None:  # type: ignore[no-untyped-def]
    """Make 'boss' the first member (and coordinator) and send everything queued so far."""
    await console.command("boss", "/yhdessa help")
    await Dispatcher(core.db, {"console": RecordingTransport()}).drain()


async def waiting(core) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    return [r for r in await rows(core) if r.status != "sent" or r.audience != "console:local:boss"]


async def rows(core) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    async with core.db.transaction() as tx:
        return list((await tx.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars().all())


async def test_replies_are_sent_once_and_marked(core, console: Console) -> None:
    await console.command("alice", "/yhdessa help all")
    transport = RecordingTransport()
    dispatcher = Dispatcher(core.db, {"console": transport})
    assert await dispatcher.drain() == 3  # the welcome, the coordinator notice and the help text
    assert await dispatcher.drain() == 0
    assert [r.status for r in await rows(core)] == ["sent", "sent", "sent"]
    assert "Commands for everyone" in transport.delivered[2].text  # type: ignore[union-attr]


async def test_rate_limited_message_waits_for_retry_after(core, console: Console) -> None:
    await fresh(core, console)
    await console.say("alice", "hello")
    transport = RecordingTransport([RetryLater("429 Too Many Requests", retry_after=0.3)])
    dispatcher = Dispatcher(core.db, {"console": transport})
    await dispatcher.drain()
    [row] = await waiting(core)
    assert row.status == "pending" and row.attempts == 1 and "429" in (row.last_error or "")
    assert await dispatcher.drain() == 0  # not before Retry-After
    await asyncio.sleep(0.35)
    await dispatcher.drain()
    assert len(transport.delivered) == 1 and (await waiting(core))[0].status == "sent"


async def test_server_errors_back_off_and_permanent_errors_stop(core, console: Console) -> None:
    await fresh(core, console)
    await console.say("alice", "one")
    transport = RecordingTransport([Undeliverable("user_not_found")])
    await Dispatcher(core.db, {"console": transport}).drain()
    [row] = await waiting(core)
    assert row.status == "dead" and row.last_error == "user_not_found"
    await console.say("alice", "two")
    transport = RecordingTransport([RetryLater("503 Service Unavailable")])
    await Dispatcher(core.db, {"console": transport}).drain()
    second = (await waiting(core))[1]
    assert second.status == "pending" and second.available_at > second.created_at


async def test_pacing_spaces_messages_to_one_conversation(core, console: Console) -> None:
    await fresh(core, console)
    for text in ("a", "b", "c"):
        await console.say("alice", text)
    transport = RecordingTransport(pacing=Pacing(per_conversation_interval=0.2, burst=1))
    loop = asyncio.get_running_loop()
    started = loop.time()
    await Dispatcher(core.db, {"console": transport}).drain()
    assert len(transport.delivered) == 3
    assert loop.time() - started >= 0.35


async def test_two_dispatchers_never_send_a_row_twice(core, console: Console) -> None:
    await fresh(core, console)
    for i in range(30):
        await console.say(f"member{i}", "hi")
    first, second = RecordingTransport(), RecordingTransport()
    await asyncio.gather(
        Dispatcher(core.db, {"console": first}, batch=5).drain(),
        Dispatcher(core.db, {"console": second}, batch=5).drain(),
    )
    sent = [m.audience.key for m in first.delivered + second.delivered if isinstance(m, Notice)]
    assert len(sent) == len(set(sent)) == 30


async def test_a_conversation_told_to_wait_keeps_its_order(core, console: Console) -> None:
    await fresh(core, console)
    for text in ("first", "second", "third"):
        await console.say("alice", text)
    transport = RecordingTransport([RetryLater("429 Too Many Requests", retry_after=0.2)])
    dispatcher = Dispatcher(core.db, {"console": transport})
    await dispatcher.drain()
    assert transport.delivered == [] and transport.calls == 1  # the rest were not even tried
    rows_now = await waiting(core)
    assert [r.status for r in rows_now] == ["pending"] * 3 and [r.attempts for r in rows_now] == [1, 0, 0]
    await asyncio.sleep(0.25)
    await dispatcher.drain()
    assert [r.id for r in await waiting(core)] == [r.id for r in rows_now]
    assert len(transport.delivered) == 3 and all(r.status == "sent" for r in await waiting(core))
