"""The database: an async engine for SQLite (the default, WAL) or PostgreSQL, and its migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).parent / "migrations"


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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; NORMAL is durable across process crashes in WAL mode.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """Owns the engine and hands out explicit transactions; there is no global session."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            database = make_url(self.url).database
            if database and database != ":memory:":
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self._write_lock: asyncio.Lock | None = None
        self._lock_holder: asyncio.Task[Any] | None = None
        if self.dialect == "sqlite":
            from storage.sqlite_inline import InlineConnection

            path = make_url(self.url).database or ":memory:"
            kwargs["async_creator"] = lambda: InlineConnection.connect(path)
            self._write_lock = asyncio.Lock()
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends, rolls back if it raises."""
        async with self._serialised():
            async with self.sessions() as session:
                async with session.begin():
                    yield session

    @asynccontextmanager
    async def _serialised(self) -> AsyncIterator[None]:
        """On SQLite, one transaction at a time in this process (SQLite has one writer anyway).

        SQLite statements run on the event loop's thread, so a second writer busy-waiting for the
        first would stall the loop the first one needs to finish.
        """
        if self._write_lock is None:
            yield
            return
        task = asyncio.current_task()
        if task is not None and task is self._lock_holder:
            raise RuntimeError("a transaction was opened inside another one; pass the open one in instead")
        async with self._write_lock:
            self._lock_holder = task
            try:
                yield
            finally:
                self._lock_holder = None

    async def upgrade(self) -> None:
        """Bring the schema up to date (run at every start; cheap when nothing is due)."""
        async with self._serialised(), self.engine.begin() as conn:
            if self.is_postgres:
                from sqlalchemy import text

                # Several processes may start at once; one migrates, the others wait.
                await conn.execute(text("SELECT pg_advisory_xact_lock(727001)"))
            await conn.run_sync(_run_migrations)

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

    command.upgrade(alembic_config(connection), "heads")
