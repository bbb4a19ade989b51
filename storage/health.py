"""Plain words for a database that cannot be used: at start-up (one line naming the file or server
and what to do) and while running (a write probe for /healthz)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InternalError, OperationalError

# Below this much free space in the SQLite file's folder, writes are about to fail.
MIN_FREE_BYTES = 1 << 20
# Errors that mean "the database cannot be written (or reached) now", not "the request was wrong".
WRITE_FAULTS = (OperationalError, InternalError)


class DatabaseUnavailable(Exception):
    """The database cannot be used; the message says which one and what to do."""


def shown_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _plain(url: Any) -> str:
    """The URL without our async driver name, as the operator would have written it."""
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


def startup_problem(url: str, exc: BaseException) -> DatabaseUnavailable:
    """One sentence for what stopped the migration at start-up."""
    where = shown_url(url)
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    lowered = message.lower()
    sqlite_file = make_url(url).database if make_url(url).get_backend_name() == "sqlite" else None
    if "file is not a database" in lowered or "malformed" in lowered:
        return DatabaseUnavailable(
            f"{sqlite_file} is not a readable SQLite database (damaged or not ours): restore it from a backup, "
            "or move it away to start with an empty one"
        )
    if "unable to open database file" in lowered:
        return DatabaseUnavailable(f"cannot open the SQLite file {sqlite_file}: check that its folder exists and is writable")
    if "readonly" in lowered or "read-only" in lowered:
        return DatabaseUnavailable(f"the database {where} is read-only: make the file and its folder writable")
    if "disk is full" in lowered or "no space" in lowered:
        return DatabaseUnavailable(f"the disk of the database {where} is full: free some space and start again")
    if "can't locate revision" in lowered or "no such revision" in lowered:
        return DatabaseUnavailable(
            f"the database {where} was migrated by another version of Yhdessä ({message}): run that version, "
            "or restore a backup made by this one"
        )
    if isinstance(exc, OperationalError) and sqlite_file is None:
        return DatabaseUnavailable(
            f"cannot reach the database server {where} ({message}): start it, or correct the host, port, user and name"
        )
    return DatabaseUnavailable(f"the database {where} cannot be used ({type(exc).__name__}: {message[:200]})")


def check_migration_state(connection: Any) -> None:
    """Tables without Alembic's record of them would make the first migration fail half-way."""
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    if "networks" not in tables:
        return
    versions = connection.execute(text("SELECT version_num FROM alembic_version")).all() if "alembic_version" in tables else []
    if not versions:
        raise DatabaseUnavailable(
            f"the database {_plain(connection.engine.url)} has Yhdessä's tables but no record of its migrations "
            "(table alembic_version is missing or empty): restore the database from a backup; Yhdessä will not guess "
            "which migrations ran"
        )


async def write_problem(db: Any) -> str | None:
    """Why the database cannot take a write right now, or None. Cheap: nothing is committed.

    SQLite: a write transaction that creates a table and is rolled back (fails on a read-only file or
    mount, `PRAGMA query_only`, a full page limit, a lock held too long), and the free space of the
    file's folder (a full disk shows there before any commit fails). PostgreSQL: a standby or a
    read-only default refuses writes.
    """
    try:
        async with db.connect() as conn:
            if db.is_postgres:
                row = (await conn.execute(text("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')"))).one()
                await conn.rollback()
                if row[0]:
                    return "the PostgreSQL server is a read-only standby"
                if row[1] == "on":
                    return "the PostgreSQL database only allows read-only transactions"
                return None
            await conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                await conn.exec_driver_sql("CREATE TABLE yhdessa_write_probe (x BLOB)")
                await conn.exec_driver_sql("INSERT INTO yhdessa_write_probe VALUES (zeroblob(8192))")
            finally:
                await conn.exec_driver_sql("ROLLBACK")
    except DBAPIError as exc:
        return str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
    except OSError as exc:
        return str(exc)
    database = make_url(db.url).database
    if database and database != ":memory:":
        free = shutil.disk_usage(Path(database).expanduser().resolve().parent).free
        if free < MIN_FREE_BYTES:
            return f"only {free} bytes free beside {database}"
    return None
