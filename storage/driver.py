"""Statements on the driver's own connection: the paths that run for every request.

Through the ORM (or even Core) each small statement costs several times what SQLite takes to run
it (benchmarks/engine.py compares the engine with the same SQL through stdlib sqlite3). So the
hot paths write their SQL once with `:name` parameters and run it here, on the DBAPI connection of
an open transaction (sqlite3 directly; psycopg, which prepares statements it sees repeatedly);
only the parameter style, times and JSON values differ between SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

_DRIVER = "yhdessa_driver"  # session.info key (with the class): the statements of the open transaction
_PYFORMAT: dict[str, str] = {}  # psycopg's form of each statement, made once


def driver_error(exc: Exception, statement: str, params: Any = None) -> Exception:
    """A driver's error as SQLAlchemy would have raised it (OperationalError for a full disk or a
    read-only file, and so on), so that callers tell a member "I could not save that" the same
    way whichever path the statement took."""
    base: type[Exception] | None = sqlite3.Error if isinstance(exc, sqlite3.Error) else None
    if base is None:
        try:
            import psycopg

            base = psycopg.Error if isinstance(exc, psycopg.Error) else None
        except ImportError:
            base = None
    if base is None:
        return exc
    return DBAPIError.instance(statement, params, exc, base)


class Driver:
    """The driver connection of one transaction (or of a plain connection, for reads)."""

    def __init__(self, connection: Any, postgres: bool) -> None:
        self._conn = connection
        self.postgres = postgres

    @classmethod
    async def of(cls, tx: AsyncSession) -> "Driver":
        """The driver of `tx`'s own connection (taken once per transaction)."""
        found = tx.info.get((_DRIVER, cls))
        if found is None:
            raw = await (await tx.connection()).get_raw_connection()
            postgres = tx.bind is not None and tx.bind.dialect.name == "postgresql"
            found = tx.info[(_DRIVER, cls)] = cls._wrap(raw.driver_connection, postgres)
        return found  # type: ignore[no-any-return]

    @classmethod
    async def on(cls, conn: AsyncConnection) -> "Driver":
        """The driver of a Core connection: in its transaction, or reading outside any."""
        raw = await conn.get_raw_connection()
        return cls._wrap(raw.driver_connection, conn.dialect.name == "postgresql")

    @classmethod
    async def of_executor(cls, executor: AsyncConnection | AsyncSession) -> "Driver":
        return await (cls.on(executor) if isinstance(executor, AsyncConnection) else cls.of(executor))

    @classmethod
    def _wrap(cls, driver: Any, postgres: bool) -> "Driver":
        # On SQLite, the sqlite3 connection behind the inline adapter: its calls return at once.
        return cls(driver if postgres else driver._conn, postgres)

    async def one(self, sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """Run `sql`; its first row, if it returns any."""
        try:
            if self.postgres:
                cursor = await self._conn.execute(_psycopg(sql), params)
                return await cursor.fetchone() if cursor.description else None
            return self._conn.execute(sql, params).fetchone()  # type: ignore[no-any-return]
        except Exception as exc:
            raise driver_error(exc, sql, params) from exc

    async def all(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        try:
            if self.postgres:
                cursor = await self._conn.execute(_psycopg(sql), params)
                return list(await cursor.fetchall())
            return self._conn.execute(sql, params).fetchall()  # type: ignore[no-any-return]
        except Exception as exc:
            raise driver_error(exc, sql, params) from exc

    async def many(self, sql: str, params: list[dict[str, Any]]) -> None:
        """Run `sql` once per parameter set (one call into the driver)."""
        try:
            if self.postgres:
                async with self._conn.cursor() as cursor:
                    await cursor.executemany(_psycopg(sql), params)
                return
            self._conn.executemany(sql, params)
        except Exception as exc:
            raise driver_error(exc, sql, params) from exc

    def time(self, value: datetime) -> Any:
        """A UTC time as the column stores it (models.UTCDateTime: naive UTC; SQLAlchemy's text form on SQLite)."""
        naive = value.astimezone(timezone.utc).replace(tzinfo=None)
        return naive if self.postgres else naive.isoformat(" ", "microseconds")  # SQLAlchemy's SQLite form, faster than strftime

    @staticmethod
    def json(value: Any) -> str | None:
        return None if value is None else json.dumps(value)

    @staticmethod
    def loaded(value: Any) -> Any:
        """A JSON column's value: text on SQLite, already decoded by psycopg."""
        return json.loads(value) if isinstance(value, str) else value


def _psycopg(sql: str) -> str:
    found = _PYFORMAT.get(sql)
    if found is None:
        found = _PYFORMAT[sql] = re.sub(r":([a-z_]+)", r"%(\1)s", sql)
    return found
