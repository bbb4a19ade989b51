"""The database: an async engine for SQLite (the default, WAL) or PostgreSQL, and its migrations."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.group_commit import ON_COMMIT, GroupCommitter
from storage.health import DatabaseUnavailable, check_migration_state, startup_problem

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)


def normalise_url(url: str) -> str:
    """Accept the plain URLs people write and pick the async driver we ship."""
    parsed = make_url(url)
    driver = {
        "sqlite": "sqlite+aiosqlite",
        "postgres": "postgresql+psycopg",
        "postgresql": "postgresql+psycopg",
        "postgresql+psycopg2": "postgresql+psycopg",
        "postgresql+asyncpg": "postgresql+psycopg",
    }.get(parsed.drivername, parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


# WAL with FULL syncs the log at every commit, so a power cut loses no acknowledged answer
# (NORMAL survives a crash of the process, not of the machine). Group commit makes it affordable:
# one sync per group of turns (README, "Performance").
_SYNCHRONOUS = "FULL"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; NORMAL is durable across process crashes in WAL mode.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={_SYNCHRONOUS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Deleted and overwritten rows are zeroed in the file, not left in free space for anyone with
    # the file to read back (erased members, wiped anonymous links).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


class PriorityLock:
    """An asyncio lock whose urgent waiters go before the others (each kind in arrival order).
    A release hands the lock straight to the next waiter, so nobody can slip in between."""

    def __init__(self) -> None:
        self._locked = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()

    def locked(self) -> bool:
        return self._locked

    async def acquire(self, urgent: bool = False) -> None:
        if not self._locked:
            self._locked = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._normal
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # it was handed to us just as we were cancelled: pass it on
            elif waiter in queue:
                queue.remove(waiter)
            raise

    def release(self) -> None:
        for queue in (self._urgent, self._normal):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._locked = False


class Database:
    """Owns the engine and hands out explicit transactions; there is no global session."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.given_url = url  # as the operator wrote it, for messages
        self.url = normalise_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            database = make_url(self.url).database
            if database and database != ":memory:":
                try:
                    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseUnavailable(f"cannot make the folder of the SQLite file {database}: {exc.strerror}") from None
        else:
            # An unreachable server is reported at start-up after this long, not after the OS gives up.
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True, connect_args={"connect_timeout": 10})
        self._write_lock: PriorityLock | None = None
        self._lock_holder: asyncio.Task[Any] | None = None
        if self.dialect == "sqlite":
            from storage.sqlite_inline import InlineConnection

            path = make_url(self.url).database or ":memory:"
            kwargs["async_creator"] = lambda: InlineConnection.connect(path)
            # Reads outside the writer's queue (a card submit's check) and the writer's own
            # transactions overlap: with SQLAlchemy's 5 kept connections, every sixth was opened
            # and closed again (its pragmas run each time), a tenth of a Teams answer's CPU.
            # The connection used last goes out first: its SQLite page cache is the one the last
            # writes left valid, where the longest-idle one's must be read again (8 to 4 page
            # reads a Slack click, `strace -c`).
            kwargs.update(pool_size=20, max_overflow=40, pool_use_lifo=True)
            self._write_lock = PriorityLock()
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._groups = GroupCommitter(self) if self.dialect == "sqlite" else None
        self.group_commit = True  # benchmarks turn it off to compare; nothing else needs to

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def transaction(self, urgent: bool = False) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends, rolls back if it raises.

        `urgent` (storing a request before it is acknowledged) goes ahead of other waiting
        transactions on SQLite; PostgreSQL has no queue to jump.
        """
        async with self._serialised(urgent):
            async with self.sessions() as session:
                callbacks: list[Callable[[], None]] = []
                session.info[ON_COMMIT] = callbacks
                async with session.begin():
                    yield session
        for callback in callbacks:
            callback()

    def grouped(self, orm: bool = True) -> AbstractAsyncContextManager[AsyncSession]:
        """One turn's unit of work, committed together with the turns that arrive with it.

        Like `transaction()` for the caller: when the block ends without error its work is
        committed (this returns only after the commit); if it raises, nothing of it is kept and
        the error comes out here, while the other turns of the group are kept. On SQLite, turns
        arriving together share one transaction (a SAVEPOINT each) and one commit
        (storage/group_commit.py); PostgreSQL commits each on its own connection, in parallel.

        `orm=False` promises that the block only runs statements (session.execute of Core, or the
        driver: storage/answer_sql.py) and adds or flushes no mapped object; its savepoint is then
        the driver's own, several times cheaper than the ORM's nested transaction.
        """
        if self._groups is None or not self.group_commit:
            return self.transaction()
        self._not_nested()
        return self._groups.member(orm)  # not wrapped: a turn is cheap enough for a layer to show

    @staticmethod
    def on_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
        """Call `callback` once the work done in `session` so far is committed (never if it is
        rolled back); in a group commit, once the group commits and only if this turn was kept."""
        callbacks = session.info.get(ON_COMMIT)
        if callbacks is None:  # a session opened some other way: its own commit is the one
            event.listen(session.sync_session, "after_commit", lambda _session: callback(), once=True)
            return
        callbacks.append(callback)

    @property
    def group_stats(self) -> tuple[int, int]:
        """(groups committed, turns kept in them) on SQLite: how well turns were grouped."""
        return (0, 0) if self._groups is None else (self._groups.groups, self._groups.turns)

    def _not_nested(self) -> None:
        task = asyncio.current_task()
        if task is not None and (task is self._lock_holder or (self._groups is not None and self._groups.in_group(task))):
            raise RuntimeError("a transaction was opened inside another one; pass the open one in instead")

    @asynccontextmanager
    async def _serialised(self, urgent: bool = False) -> AsyncIterator[None]:
        """On SQLite, one transaction at a time in this process (SQLite has one writer anyway).

        SQLite statements run on the event loop's thread, so a second writer busy-waiting for the
        first would stall the loop the first one needs to finish.
        """
        if self._write_lock is None:
            yield
            return
        self._not_nested()
        task = asyncio.current_task()
        await self._write_lock.acquire(urgent)
        self._lock_holder = task
        try:
            yield
        finally:
            self._lock_holder = None
            self._write_lock.release()

    async def upgrade(self) -> None:
        """Bring the schema up to date (run at every start; cheap when nothing is due).

        Raises DatabaseUnavailable, in one sentence, when the database cannot be reached, read or
        migrated."""
        from storage.migration_heads import up_to_date

        try:
            async with self._serialised(), self.engine.connect() as conn:
                current = await up_to_date(conn)
        except (DBAPIError, OSError) as exc:
            raise startup_problem(self.given_url, exc) from None
        if current:
            # Still wiped: an erasure cut off by a crash before its own wipe is finished here.
            await self.wipe_log()
            return
        from alembic.util.exc import CommandError

        try:
            async with self._serialised(), self.engine.begin() as conn:
                if self.is_postgres:
                    from sqlalchemy import text

                    # Several processes may start at once; one migrates, the others wait.
                    await conn.execute(text("SELECT pg_advisory_xact_lock(727001)"))
                await conn.run_sync(_run_migrations)
        except (DBAPIError, CommandError, OSError) as exc:
            raise startup_problem(self.given_url, exc) from None
        # A migration may have rewritten or deleted rows (0007 does): no older copy stays in the log.
        await self.wipe_log()

    async def write_problem(self) -> str | None:
        """Why the database cannot be written now (for /healthz), or None; commits nothing."""
        from storage.health import write_problem

        async with self._serialised():
            return await write_problem(self)

    async def wipe_log(self, rewrite: bool = False) -> None:
        """After an erasure: copy SQLite's write-ahead log into the file and truncate it, so the log
        keeps no older copy of erased rows (in the file, secure_delete has zeroed them). On
        PostgreSQL, dead row versions are reclaimed by autovacuum and are not readable by SQL.

        `rewrite` (forget-me) also rebuilds the file first: secure_delete zeroes a deleted row, but
        not the copy a page split left behind in the unused part of the page the row moved from."""
        if self.dialect != "sqlite":
            return
        async with self._serialised(), self.engine.connect() as conn:
            # Never wait for another process's reader (statements run on the event loop): if one
            # holds the log, the next wipe takes what this one could not.
            await conn.exec_driver_sql("PRAGMA busy_timeout=0")
            try:
                if rewrite:
                    try:
                        await conn.exec_driver_sql("VACUUM")
                    except DBAPIError as exc:  # busy: the row is still zeroed, only the stray copy waits
                        log.warning("could not rebuild the SQLite file after an erasure: %s", str(exc.orig).splitlines()[0][:200])
                busy, _, _ = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
            finally:
                await conn.exec_driver_sql("PRAGMA busy_timeout=10000")
        if busy:
            log.info("the SQLite log is in use by another reader; it is emptied at the next wipe")

    async def dispose(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn


def alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _run_migrations(connection: Any) -> None:
    from alembic import command

    check_migration_state(connection)
    command.upgrade(alembic_config(connection), "heads")
