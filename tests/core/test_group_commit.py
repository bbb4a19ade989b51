"""Group commit: turns that arrive together commit together, and each keeps its own outcome.

Run on both backends: on SQLite the turns share one transaction (a SAVEPOINT each); on
PostgreSQL each commits on its own connection. What a member sees must be the same on both.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.app import Core
from flows.messages import Notice, Outbound, Prompt
from flows.turn import SaveFailed
from storage.database import Database
from storage.group_commit import DRIVER_CONNECTION
from storage.models import AuditEntry, Response, utcnow
from tests.conftest import Console
from tests.unwritable import make_unwritable

MEMBERS = [f"m{i}" for i in range(8)]


async def _open(console: Console) -> dict[str, str]:
    await console.command("alice", "/yhdessa help")
    for name in MEMBERS:
        await console.command(name, "/yhdessa help")
    out = await console.command("alice", "/yhdessa pulse start trust network --named")
    return {m.audience.member_key.rsplit(":", 1)[1]: m.prompt_ref for m in out if isinstance(m, Prompt) and m.audience.member_key}


def _said(out: list[Outbound]) -> str:
    return " ".join(m.text for m in out if isinstance(m, Notice))


async def _count(db: Database, model: type) -> int:
    async with db.transaction() as tx:
        return int((await tx.execute(select(func.count()).select_from(model))).scalar_one())


async def test_answers_arriving_together_are_all_kept_and_committed_together(core: Core, console: Console) -> None:
    refs = await _open(console)
    groups_before, _ = core.db.group_stats
    results = await asyncio.gather(*(console.answer(name, refs[name], "4") for name in MEMBERS))
    assert all(any(isinstance(m, Prompt) for m in out) for out in results)  # each got its next question
    assert await _count(core.db, Response) == len(MEMBERS)
    groups, turns = core.db.group_stats
    if not core.db.is_postgres:
        assert groups - groups_before < len(MEMBERS)  # fewer commits than turns: they were grouped


async def test_a_refused_answer_does_not_undo_the_answers_committed_with_it(core: Core, console: Console) -> None:
    refs = await _open(console)
    good = [console.answer(name, refs[name], "4") for name in MEMBERS[:4]]
    # Out of range, and an answer to a step that does not exist: refused, each with its own reason.
    bad = [console.answer(MEMBERS[4], refs[MEMBERS[4]], "9"), console.answer(MEMBERS[5], refs[MEMBERS[5]].split(":")[0] + ":nope", "3")]
    *kept, out_of_range, unknown = await asyncio.gather(*good, *bad)
    assert await _count(core.db, Response) == 4
    assert all(any(isinstance(m, Prompt) for m in out) for out in kept)
    assert core.catalog.t("en", "answer_scale", min=1, max=5) in _said(out_of_range)
    assert core.catalog.t("en", "unknown_prompt") in _said(unknown)
    # The refused members can still answer: nothing of their turn was kept but the refusal.
    assert any(isinstance(m, Prompt) for m in await console.answer(MEMBERS[4], refs[MEMBERS[4]], "3"))
    assert await _count(core.db, Response) == 5


async def test_a_turn_that_fails_rolls_back_only_itself(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    kept_callbacks: list[str] = []

    async def turn(name: str, fail: bool) -> None:
        async with db.grouped() as tx:
            tx.add(AuditEntry(network_id=None, actor=name, action="test", detail={}))
            await tx.flush()
            db.on_commit(tx, lambda: kept_callbacks.append(name))
            if fail:
                raise RuntimeError("this turn broke")

    groups_before, _ = db.group_stats
    outcomes = await asyncio.gather(turn("a", False), turn("b", True), turn("c", False), return_exceptions=True)
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], RuntimeError) and str(outcomes[1]) == "this turn broke"
    async with db.transaction() as tx:
        actors = sorted((await tx.execute(select(AuditEntry.actor))).scalars().all())
    assert actors == ["a", "c"]
    assert sorted(kept_callbacks) == ["a", "c"]  # work after the commit runs only for kept turns
    if not db.is_postgres:
        assert db.group_stats[0] - groups_before == 1  # one commit for the three
    await db.dispose()


async def test_a_transaction_opened_inside_a_grouped_turn_is_an_error_not_a_deadlock(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    if db.is_postgres:
        await db.dispose()
        pytest.skip("PostgreSQL has no write lock to wait for: a second transaction is only wasteful there")
    with pytest.raises(RuntimeError, match="inside another"):
        async with db.grouped():
            async with asyncio.timeout(5):
                async with db.transaction():
                    pass
    await db.dispose()


async def test_a_failed_commit_is_reported_to_every_turn_of_the_group(sqlite_url: str) -> None:
    """A commit that fails (here a foreign key checked only at COMMIT, as a disk error would fail it)
    keeps nothing of the group, and no turn of it is told it was kept."""
    db = Database(sqlite_url)
    await db.upgrade()

    async def turn(name: str, network_id: int | None) -> None:
        async with db.grouped() as tx:
            if network_id is not None:
                await tx.execute(text("PRAGMA defer_foreign_keys = ON"))
            tx.add(AuditEntry(network_id=network_id, actor=name, action="test", detail={}))

    outcomes = await asyncio.gather(turn("a", None), turn("b", 424242), return_exceptions=True)
    assert all(isinstance(o, SQLAlchemyError) for o in outcomes), outcomes
    assert await _count(db, AuditEntry) == 0
    await turn("c", None)  # and the next group commits as usual
    assert await _count(db, AuditEntry) == 1
    await db.dispose()


async def test_an_answer_on_a_database_that_refuses_writes_is_told_and_keeps_nothing(core: Core, console: Console) -> None:
    refs = await _open(console)
    await make_unwritable(core.db, "read-only")
    with pytest.raises(SaveFailed) as failed:
        await console.answer(MEMBERS[0], refs[MEMBERS[0]], "4")
    assert failed.value.notice.text == core.catalog.t("en", "save_failed")
    assert await _count(core.db, Response) == 0


async def test_turns_are_not_told_they_were_kept_when_sqlite_ended_the_whole_transaction(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """On a full disk or an I/O error SQLite rolls back the whole transaction, not only the
    statement: the turns of the group that went before are lost too and must hear of it."""
    db = Database(sqlite_url)
    await db.upgrade()

    async def turn(name: str, breaks: bool) -> None:
        async with db.grouped(orm=False) as tx:
            await tx.execute(insert(AuditEntry.__table__).values(actor=name, action="test", detail={}, at=utcnow()))
            if breaks:
                tx.info[DRIVER_CONNECTION].execute("ROLLBACK")  # what SQLite does itself on SQLITE_FULL
                raise OperationalError("INSERT", None, sqlite3.OperationalError("database or disk is full"))

    caplog.set_level(logging.ERROR, "asyncio")
    # "c" is still waiting for its turn when "b" breaks the transaction: it hears the group's error.
    outcomes = await asyncio.gather(turn("a", False), turn("b", True), turn("c", False), return_exceptions=True)
    assert all(isinstance(o, OperationalError) for o in outcomes), outcomes
    assert await _count(db, AuditEntry) == 0
    del outcomes  # their tracebacks hold the group's futures
    gc.collect()  # an error handed to nobody is logged ("never retrieved") when its future goes
    assert not [r for r in caplog.records if r.name == "asyncio"], [r.getMessage() for r in caplog.records]
    await db.dispose()
