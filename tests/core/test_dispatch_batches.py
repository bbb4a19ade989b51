"""The dispatcher's bookkeeping per batch, on SQLite and PostgreSQL: claims come back as plain
rows, outcomes of many rows are recorded together and each keeps its own kind, and a batch's
conversation references are looked up once, before it goes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot.dispatcher import Dispatcher
from flows.messages import Audience, Notice, Outbound, to_json
from storage import outbox, references
from storage import repository as repo
from storage.database import Database
from storage.models import OutboxMessage
from storage.outbox import Outcome
from storage.units import core_transaction
from tests.core.test_outbox import RecordingTransport


async def _queue(db: Database, audiences: list[str]) -> None:
    async with db.transaction() as tx:
        for i, audience in enumerate(audiences):
            await repo.enqueue(tx, "console", audience, to_json(Notice(Audience.member(audience), f"message {i}", "en")))


async def _rows(db: Database) -> dict[int, tuple[str, int, str | None, str | None]]:
    async with db.transaction() as tx:
        stmt = select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.handle, OutboxMessage.last_error)
        return {row[0]: tuple(row[1:]) for row in await tx.execute(stmt)}  # type: ignore[misc]


async def test_outcomes_of_one_batch_each_keep_their_own_kind(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    await _queue(db, [f"console:local:m{n}" for n in range(5)])
    async with core_transaction(db) as tx:
        claimed = await outbox.claim(tx, ["console"], owner="worker-1")
    assert [row.audience for row in claimed] == [f"console:local:m{n}" for n in range(5)]
    assert all(row.attempts == 0 and row.message["text"].startswith("message") for row in claimed)
    sent, retry, later, dead, erased = (row.id for row in claimed)
    async with core_transaction(db) as tx:
        await outbox.record(
            tx,
            [
                Outcome("sent", sent, handle="ts-1"),
                Outcome("retry", retry, delay=30, error="503"),
                Outcome("release", later, delay=30),
                Outcome("dead", dead, error="user_not_found"),
                Outcome("erase", erased),
            ],
        )
    rows = await _rows(db)
    assert rows[sent] == ("sent", 1, "ts-1", None)
    assert rows[retry] == ("pending", 1, None, "503")
    assert rows[later] == ("pending", 0, None, None)  # given back unsent: not an attempt
    assert rows[dead] == ("dead", 1, None, "user_not_found")
    assert erased not in rows
    async with core_transaction(db) as tx:
        assert await outbox.claim(tx, ["console"], owner="worker-2") == []  # the two given back wait their 30 s
        await outbox.record(tx, [Outcome("sent", sent, handle="ts-again")])  # a second report changes nothing
    assert (await _rows(db))[sent] == ("sent", 1, "ts-1", None)
    await db.dispose()


async def test_references_are_stored_replaced_and_read_in_bulk(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    keys = [f"slack:dm:slack:T1:U{n:04d}" for n in range(1200)]  # more than one IN list's worth
    async with core_transaction(db) as tx:
        for n, key in enumerate(keys):
            await references.save(tx, key, "slack", {"channel": f"D{n:04d}"})
        await references.save(tx, keys[0], "slack", {"channel": "DNEW"})
    async with core_transaction(db) as tx:
        found = await references.load_many(tx, [*keys, "slack:dm:slack:T1:nobody"])
        assert await references.load(tx, keys[0]) == {"channel": "DNEW"}
        assert await references.load(tx, "slack:dm:slack:T1:nobody") is None
    assert len(found) == 1200 and found[keys[1199]] == {"channel": "D1199"} and found[keys[0]] == {"channel": "DNEW"}
    async with db.transaction() as tx:  # the ORM side reads the same rows
        assert await repo.load_reference(tx, keys[5]) == {"channel": "D0005"}
    await db.dispose()


class WarmingTransport(RecordingTransport):
    """Notes the batches it is asked to look up before sending; can be told to fail doing so."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.fail = fail
        self.warmed: list[list[str]] = []

    async def warm(self, messages: Sequence[Outbound]) -> None:
        self.warmed.append(sorted(m.audience.key for m in messages))
        if self.fail:
            raise ConnectionError("database gone for a moment")


async def test_a_batch_is_looked_up_once_before_it_goes_and_a_failed_look_up_loses_nothing(core) -> None:  # type: ignore[no-untyped-def]
    audiences = [f"console:local:m{n}" for n in range(4)]
    await _queue(core.db, audiences + audiences[:2])
    warming = WarmingTransport()
    assert await Dispatcher(core.db, {"console": warming}, batch=100).drain() == 6
    assert warming.warmed == [sorted(audiences + audiences[:2])]
    await _queue(core.db, audiences)
    failing = WarmingTransport(fail=True)
    assert await Dispatcher(core.db, {"console": failing}).drain() == 4
    assert sorted(m.audience.key for m in failing.delivered) == audiences
    assert {status for status, *_ in (await _rows(core.db)).values()} == {"sent"}
