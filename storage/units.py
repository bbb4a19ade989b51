"""Units of work on a bare Core connection, for the paths that run for every message.

An ORM session costs more than the SQL of the dispatcher's bookkeeping or of a reference look-up:
building it, its identity map, its own execute path, and its commit's flush. These paths hold
prebuilt Core statements and need none of that, so they take a connection in a transaction,
serialised with the sessions exactly as `Database.transaction` is (one writer at a time on
SQLite), and return plain rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.database import Database

Executor = AsyncConnection | AsyncSession


@asynccontextmanager
async def core_transaction(db: Database, urgent: bool = False) -> AsyncIterator[AsyncConnection]:
    """A connection in one transaction: commits when the block ends, rolls back if it raises."""
    async with db._serialised(urgent):  # the same queue as Database.transaction (see its docstring)
        async with db.engine.begin() as conn:
            yield conn


def dialect_of(executor: Executor) -> str:
    """The backend's name for a connection or a session (statements differ on PostgreSQL)."""
    if isinstance(executor, AsyncConnection):
        return executor.dialect.name
    bind: Any = executor.bind
    return bind.dialect.name if bind is not None else "sqlite"
