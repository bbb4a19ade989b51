"""Start-up skips Alembic when the database is already at the newest migrations; never otherwise.

Run on both backends. The fast answer must be Alembic's own: the heads read from the revision
files are Alembic's heads, a database one migration behind is still migrated, and one that
records something else (a newer or unknown revision, no record at all) still gets Alembic's
explanation."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.database import Database, alembic_config
from storage.health import DatabaseUnavailable
from storage.migration_heads import heads, up_to_date


def test_the_heads_read_from_the_files_are_alembics() -> None:
    assert heads() == frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())
    assert len(heads()) > 1  # the history has branches: a single-head reading would be wrong


async def _recorded(db: Database) -> set[str]:
    async with db.connect() as conn:
        return set((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())


async def test_a_new_database_is_migrated_and_then_seen_as_up_to_date(db_url: str) -> None:
    db = Database(db_url)
    async with db.connect() as conn:
        assert not await up_to_date(conn)  # no alembic_version yet
    await db.upgrade()
    assert await _recorded(db) == heads()
    async with db.connect() as conn:
        assert await up_to_date(conn)
    await db.upgrade()  # and a second start changes nothing
    assert await _recorded(db) == heads()
    await db.dispose()


async def test_a_database_behind_the_heads_is_still_migrated(db_url: str) -> None:
    db = Database(db_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0005"))
    async with db.connect() as conn:
        assert not await up_to_date(conn)
    await db.upgrade()
    assert await _recorded(db) == heads()
    async with db.connect() as conn:  # a table of the newest migration is there
        assert (await conn.execute(text("SELECT count(*) FROM chart_images"))).scalar_one() == 0
    await db.dispose()


async def test_an_unknown_revision_still_stops_start_up_with_alembics_reason(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '9999' WHERE version_num = '0016'"))
    with pytest.raises(DatabaseUnavailable, match="9999"):
        await db.upgrade()
    await db.dispose()
