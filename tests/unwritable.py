"""Making a live database refuse writes, deterministically, as a full disk or a read-only file would.

The tests may run as root, where `chmod a-w` stops nothing, and `?mode=ro` is a different way of
opening rather than a file that cannot be written. So every new connection is set up the way such
a database behaves: on SQLite `PRAGMA query_only` (each write fails with "attempt to write a
readonly database", as on a read-only file) or a page limit at the file's current size once its
free pages are used up (each write that needs space fails with "database or disk is full", as on a
full disk); on PostgreSQL `default_transaction_read_only` (as on a standby or a read-only database).
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event

from storage.database import Database


def _pages(cursor: Any) -> int:
    cursor.execute("PRAGMA page_count")
    return int(cursor.fetchone()[0])


async def make_unwritable(db: Database, how: str) -> Callable[..., None]:
    """`how` is "read-only" or "full"; pooled connections are dropped so every new one obeys.
    Returns the connect listener, for `writable_again`."""
    engine = db.engine.sync_engine
    listener: Callable[..., None]

    if db.is_postgres:

        def read_only(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("SET SESSION default_transaction_read_only = on")
            cursor.close()
            dbapi_connection.commit()

        listener = read_only
    elif how == "read-only":

        def query_only(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA query_only = ON")
            cursor.close()

        listener = query_only
    else:
        path = db.engine.url.database
        assert path
        raw = sqlite3.connect(path)
        raw.execute("CREATE TABLE IF NOT EXISTS test_filler (x BLOB)")
        raw.commit()
        raw.execute(f"PRAGMA max_page_count = {_pages(raw.cursor())}")
        try:  # use up the free pages, so the next write that needs a page has none
            while True:
                raw.execute("INSERT INTO test_filler VALUES (zeroblob(1000))")
        except sqlite3.OperationalError as exc:
            assert "full" in str(exc)
        raw.commit()
        raw.close()

        def page_limit(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA max_page_count = {_pages(cursor)}")
            cursor.close()

        listener = page_limit
    event.listen(engine, "connect", listener)
    await db.engine.dispose()
    return listener


async def writable_again(db: Database, listener: Callable[..., None]) -> None:
    event.remove(db.engine.sync_engine, "connect", listener)
    await db.engine.dispose()


@asynccontextmanager
async def read_only(db: Database) -> AsyncIterator[None]:
    """A database that refuses every write for the length of the block."""
    listener = await make_unwritable(db, "read-only")
    try:
        yield
    finally:
        await writable_again(db, listener)
