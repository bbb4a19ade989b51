"""Group commit on SQLite: turns that arrive together share one transaction and one commit.

SQLite has one writer, and in this process transactions already run one after another behind
Database's write lock; what a turn pays for is mostly the commit (and with synchronous=FULL, the
fsync). So while one group holds the lock, turns that arrive gather into the next group; once it
has the lock, its runner opens one transaction and lets the members in one at a time, each in a
SAVEPOINT of its own, then commits once and tells every member. A member whose turn raises has
its savepoint rolled back (nothing of it is kept) and hears its own error at once; the others go
on and commit. If the commit itself fails, every member of the group hears of it, and none of
them is kept: all or none of a group, never a mix.

The wait is bounded: a group takes at most MAX_MEMBERS, and nobody waits for anyone who has not
arrived yet (the runner commits as soon as no member is waiting).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.driver import driver_error

if TYPE_CHECKING:
    from storage.database import Database

MAX_MEMBERS = 64
ON_COMMIT = "yhdessa_on_commit"  # session.info key: callbacks of the member now in the session
DRIVER_CONNECTION = "yhdessa_sqlite3"  # session.info key: the group's sqlite3 connection


@dataclass(eq=False)
class _Member:
    task: asyncio.Task[Any] | None
    turn: asyncio.Future[AsyncSession]  # the runner hands the session over: it is this member's turn
    done: asyncio.Future[bool] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    committed: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    on_commit: list[Callable[[], None]] = field(default_factory=list)
    orm: bool = True  # False: the turn promised to load no mapped object (nothing to expunge)


@dataclass(eq=False)
class _Group:
    members: list[_Member] = field(default_factory=list)
    accepting: bool = True


class GroupCommitter:
    def __init__(self, db: "Database") -> None:
        self.db = db
        self._forming: _Group | None = None
        self._runners: set[asyncio.Task[None]] = set()
        self.groups = 0  # committed groups, for benchmarks
        self.turns = 0

    def in_group(self, task: asyncio.Task[Any] | None) -> bool:
        """Whether `task` is a member of a group not yet committed (it must not open another transaction)."""
        group = self._forming
        return task is not None and group is not None and any(m.task is task and not m.done.done() for m in group.members)

    @asynccontextmanager
    async def member(self, orm: bool = True) -> AsyncIterator[AsyncSession]:
        loop = asyncio.get_running_loop()
        me = _Member(asyncio.current_task(), loop.create_future(), orm=orm)
        group = self._forming
        if group is None or not group.accepting or len(group.members) >= MAX_MEMBERS:
            group = self._forming = _Group()
            runner = loop.create_task(self._run(group), name="group-commit")
            self._runners.add(runner)
            runner.add_done_callback(self._runners.discard)
        group.members.append(me)
        try:
            session = await me.turn
        except BaseException:
            if me.turn.done() and not me.turn.cancelled() and not me.done.done():
                me.done.set_result(False)  # handed the session just as we were cancelled: pass it on
            raise
        if not orm:
            async with self._driver_savepoint(session, me):
                yield session
            await asyncio.shield(me.committed)
            return
        try:
            nested = await session.begin_nested()
            # The SAVEPOINT is emitted now, not at the first ORM statement: the answer turn may
            # run its statements on the driver (storage/answer_sql.py), behind the ORM's back.
            await session.connection()
        except BaseException:
            me.done.set_result(False)
            raise
        session.info[ON_COMMIT] = me.on_commit
        try:
            yield session
            await nested.commit()
        except BaseException:
            try:
                if nested.is_active:
                    await nested.rollback()
            finally:
                me.on_commit.clear()
                me.done.set_result(False)
            raise
        me.done.set_result(True)
        await asyncio.shield(me.committed)

    @asynccontextmanager
    async def _driver_savepoint(self, session: AsyncSession, me: _Member) -> AsyncIterator[None]:
        """A turn that only runs statements (no mapped object added or flushed) gets the driver's
        own SAVEPOINT: the ORM's nested transaction costs several times the turn's SQL."""
        driver = session.info[DRIVER_CONNECTION]
        try:
            _run(driver, "SAVEPOINT turn")
        except BaseException:
            me.done.set_result(False)
            raise
        session.info[ON_COMMIT] = me.on_commit
        try:
            yield None
            _run(driver, "RELEASE SAVEPOINT turn")
        except BaseException:
            try:
                if driver.in_transaction:  # else SQLite rolled it all back: the runner fails the group
                    _run(driver, "ROLLBACK TO SAVEPOINT turn")
                    _run(driver, "RELEASE SAVEPOINT turn")
            finally:
                me.on_commit.clear()
                me.done.set_result(False)
            raise
        me.done.set_result(True)

    async def _run(self, group: _Group) -> None:
        async with self.db._serialised():
            try:
                async with self.db.sessions() as session:
                    async with session.begin():
                        # A real BEGIN first: the driver would otherwise let the first SAVEPOINT
                        # open the transaction, and its RELEASE would commit it.
                        connection = await session.connection()
                        await connection.exec_driver_sql("BEGIN")
                        # The sqlite3 connection behind the inline adapter (storage/sqlite_inline.py).
                        session.info[DRIVER_CONNECTION] = (await connection.get_raw_connection()).driver_connection._conn
                        await self._members(group, session)
            except BaseException as exc:
                group.accepting = False
                failure = exc if isinstance(exc, Exception) else RuntimeError("the group commit was interrupted")
                for m in group.members:
                    if not m.turn.done():
                        m.turn.set_exception(failure)
                    if m.committed.done():
                        continue
                    if m.done.done() and m.done.result():
                        m.committed.set_exception(failure)  # kept its savepoint, now waits to hear
                    else:
                        # It heard an error already (its own, or the group's as its turn): nobody
                        # waits for this one, and an unheard error would be logged as a leak.
                        m.committed.cancel()
                if not isinstance(exc, Exception):
                    raise
                return
            finally:
                if self._forming is group:
                    self._forming = None
            self.groups += 1
            for m in group.members:
                if m.done.done() and m.done.result():
                    self.turns += 1
                    for callback in m.on_commit:
                        callback()
                if not m.committed.done():
                    m.committed.set_result(None)

    async def _members(self, group: _Group, session: AsyncSession) -> None:
        index = 0
        while True:
            if index == len(group.members):
                # Let turns that are ready to join do so before the commit (no waiting beyond that).
                await asyncio.sleep(0)
                if index == len(group.members):
                    group.accepting = False
                    return
            member = group.members[index]
            index += 1
            if member.turn.done():  # cancelled while waiting
                continue
            member.turn.set_result(session)
            await asyncio.shield(member.done)
            if not session.info[DRIVER_CONNECTION].in_transaction:
                # SQLite ends the whole transaction on some errors (a full disk, an I/O error):
                # the turns before this one are gone too, and none of them may be told otherwise.
                raise OperationalError("group commit", None, sqlite3.OperationalError("the transaction was rolled back by SQLite"))
            session.info.pop(ON_COMMIT, None)
            # Every turn starts as if alone: nothing loaded by the one before stays in the session.
            if member.orm:
                session.expunge_all()


def _run(driver: sqlite3.Connection, statement: str) -> None:
    try:
        driver.execute(statement)
    except sqlite3.Error as exc:
        raise driver_error(exc, statement) from exc
