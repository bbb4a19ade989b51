"""The durable inbox on SQLite and PostgreSQL: what was accepted is handled once, even after a crash,
and afterwards nothing of the request is kept beyond a digest of its key, for an hour."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select, update

from bot.app import build_core
from flows.events import CommandIssued, MemberAnswered
from flows.inbox import event_from_json, event_to_json
from storage import inbox as rows
from storage.models import InboxEntry, Response, utcnow
from tests.conftest import CONSOLE, make_settings, member
from tests.core.test_engine import count


async def _open_pulse(core) -> str:  # type: ignore[no-untyped-def]
    await core.engine.handle(CommandIssued(CONSOLE, member("alice"), "/yhdessa help", "join-alice", is_direct=True))
    await core.engine.handle(CommandIssued(CONSOLE, member("bob"), "/yhdessa help", "join-bob", is_direct=True))
    out = await core.engine.handle(CommandIssued(CONSOLE, member("alice"), "/yhdessa pulse start trust network --named", "open", is_direct=True))
    return next(m.prompt_ref for m in out if getattr(m, "prompt_ref", None) and m.audience.member_key.endswith(":bob"))


async def test_an_accepted_answer_survives_a_crash_and_is_stored_once_after_the_restart(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(db_url, tmp_path)
    first = await build_core(settings)
    ref = await _open_pulse(first)
    answer = MemberAnswered(CONSOLE, member("bob"), ref, "4", "slack:act:T0:UBOB:1700000001.000100:yh_choose:q")
    assert await first.inbox.accept(answer)  # acknowledged here; the process dies before the turn
    assert not await first.inbox.accept(answer)  # a re-delivery is recognised
    await first.db.dispose()

    second = await build_core(settings)
    try:
        assert await second.inbox.recover(everything=True) == 1
        assert await second.inbox.recover(everything=True) == 0
        assert await second.engine.handle(answer) == []  # handled already: nothing happens twice
        async with second.db.transaction() as tx:
            stored = (await tx.execute(select(Response.value_num))).scalars().all()
        assert stored == [4.0]
    finally:
        await second.close()


async def test_a_handled_request_keeps_only_a_digest_of_its_key_and_is_pruned_after_the_retry_window(core) -> None:  # type: ignore[no-untyped-def]
    ref = await _open_pulse(core)
    key = "slack:act:T0:UBOB:1700000001.000200:yh_choose:q"
    assert await core.inbox.submit(MemberAnswered(CONSOLE, member("bob"), ref, "5", key))
    await core.inbox.join()
    assert await count(core, Response) == 1
    async with core.db.transaction() as tx:
        entry = (await tx.execute(select(InboxEntry).where(InboxEntry.key == hashlib.sha256(key.encode()).hexdigest()))).scalar_one()
        assert (entry.status, entry.payload) == ("done", None)
        keys = (await tx.execute(select(InboxEntry.key))).scalars().all()
        assert not any("bob" in k.lower() or "console" in k for k in keys)
        assert await rows.prune(tx) == 0  # still inside the retry window
        await tx.execute(update(InboxEntry).values(received_at=utcnow() - rows.RETRY_WINDOW - timedelta(minutes=1)))
        assert await rows.prune(tx) == len(keys)
    assert await count(core, InboxEntry) == 0


async def test_an_event_that_keeps_failing_is_set_aside_not_retried_forever(core) -> None:  # type: ignore[no-untyped-def]
    event = CommandIssued(CONSOLE, member("alice"), "/yhdessa help", "poison", is_direct=True)
    assert await core.inbox.accept(event)

    async def broken(_event: object) -> list[object]:
        raise RuntimeError("a bug in a turn")

    core.handle = broken  # type: ignore[method-assign]
    for _ in range(rows.MAX_ATTEMPTS):
        await core.inbox.recover(everything=True)
    async with core.db.transaction() as tx:
        assert await rows.counts(tx) == {"failed": 1}
        assert await rows.take_leftovers(tx, everything_before=utcnow()) == []


def test_every_kind_of_event_survives_serialisation() -> None:
    from flows.events import ChannelRef, MemberJoined, MessageReceived

    general = ChannelRef("slack", "T0", "C1", "general")
    for event in (
        CommandIssued(CONSOLE, member("alice"), "pulse start", "k1", channel=general, is_direct=False),
        MemberAnswered(CONSOLE, member("bob"), "3:trust-1", ["a", "b"], "k2", channel=general, reply_handle="C1|1.2"),
        MessageReceived(CONSOLE, member("bob"), "hello", "k3"),
        MemberJoined(CONSOLE, member("carol"), "k4", channel=general),
    ):
        back = event_from_json(event_to_json(event))
        assert back == event and back.member.display_name == event.member.display_name


async def test_upgrading_moves_recent_keys_over_as_digests_and_empties_the_old_table(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from storage.database import Database, alembic_config

    db = Database(db_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0001"))
        await conn.execute(text("INSERT INTO inbound_events (key, received_at) VALUES ('slack:evt:Ev0OLD', :at)"), {"at": utcnow().replace(tzinfo=None)})
    await db.upgrade()
    async with db.transaction() as tx:
        assert (await tx.execute(text("SELECT count(*) FROM inbound_events"))).scalar_one() == 0
        assert not await rows.claim(tx, "slack:evt:Ev0OLD")  # a re-delivery after the upgrade is still known
    await db.dispose()
