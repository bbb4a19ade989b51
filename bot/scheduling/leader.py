"""Which process runs the scheduler: the holder of a PostgreSQL advisory lock; on SQLite, the only one.

The lock is a session lock on a dedicated connection kept open while leading. When the leader dies
its connection closes and PostgreSQL releases the lock at once; followers try again every few
seconds, so one of them takes over well within 30 seconds. The key is two ints: our class id and a
hash of the schema, so bots on separate schemas of one database do not block each other.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import Database

log = logging.getLogger(__name__)

LOCK_CLASS = 727005  # scheduling's id among the bot's advisory locks (migrations use 727001)
_TRY = text("SELECT pg_try_advisory_lock(:cls, hashtext(current_schema()))")
_RELEASE = text("SELECT pg_advisory_unlock(:cls, hashtext(current_schema()))")


class Leadership:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: AsyncConnection | None = None
        self.leading = False

    async def check(self) -> bool:
        """Become leader if the lock is free, or confirm we still are; True while leading."""
        if not self.db.is_postgres:
            self.leading = True
            return True
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                await self._conn.commit()
                return True
            except Exception:  # the connection broke, so PostgreSQL has let the lock go
                log.warning("scheduler: lost the database connection that held leadership")
                await self._drop()
                return False
        conn = await self.db.engine.connect()
        try:
            got = bool((await conn.execute(_TRY, {"cls": LOCK_CLASS})).scalar())
            # The lock belongs to the session, not the transaction; don't sit idle in a transaction.
            await conn.commit()
        except Exception:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        self.leading = True
        log.info("scheduler: this process leads")
        return True

    async def release(self) -> None:
        if self._conn is not None:
            try:
                await self._conn.execute(_RELEASE, {"cls": LOCK_CLASS})
                await self._conn.commit()
            except Exception:
                log.debug("scheduler: releasing leadership failed; closing the connection frees it", exc_info=True)
        await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self.leading = False
        if conn is not None:
            try:
                await conn.invalidate()  # never return a connection holding a session lock to the pool
            except Exception:
                log.debug("scheduler: closing the leadership connection failed", exc_info=True)
            await conn.close()
