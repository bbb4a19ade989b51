"""Shared fixtures: every storage-touching test runs on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import create_engine, text

from bot.app import Core, build_core
from bot.settings import Settings, load_settings
from flows.events import CommandIssued, MemberRef, MessageReceived, NetworkRef, MemberAnswered
from flows.messages import Outbound

POSTGRES_URL = os.environ.get("YHDESSA_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"]


def _postgres_schema_url(base: str) -> tuple[str, str]:
    """A fresh schema per test, so tests never see each other's rows."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    sync = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with sync.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sync.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def _drop_schema(base: str, schema: str) -> None:
    sync = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with sync.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    sync.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """A database URL for each backend; PostgreSQL is skipped unless YHDESSA_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'yhdessa.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("YHDESSA_TEST_POSTGRES_URL is not set")
    url, schema = _postgres_schema_url(POSTGRES_URL)
    yield url
    _drop_schema(POSTGRES_URL, schema)


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'yhdessa.db'}"


def make_settings(db_url: str, tmp_path, **extra: object) -> Settings:  # type: ignore[no-untyped-def]
    return load_settings(database_url=db_url, language="en", chart_dir=str(tmp_path / "charts"), **extra)


@pytest_asyncio.fixture
async def core(db_url: str, tmp_path) -> AsyncIterator[Core]:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(db_url, tmp_path))
    yield core
    await core.close()


CONSOLE = NetworkRef("console", "local")


class Console:
    """Drives the engine as console members would, collecting what each member is sent."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._n = 0

    def _key(self) -> str:
        self._n += 1
        return f"test:{uuid.uuid4().hex}:{self._n}"

    async def command(self, who: str, text: str) -> list[Outbound]:
        return await self.core.engine.handle(CommandIssued(CONSOLE, member(who), text, self._key(), is_direct=True))

    async def say(self, who: str, text: str) -> list[Outbound]:
        return await self.core.engine.handle(MessageReceived(CONSOLE, member(who), text, self._key()))

    async def answer(self, who: str, prompt_ref: str, value: str | list[str], key: str | None = None) -> list[Outbound]:
        return await self.core.engine.handle(MemberAnswered(CONSOLE, member(who), prompt_ref, value, key or self._key()))


def member(name: str) -> MemberRef:
    return MemberRef("console", "local", name, name.capitalize())


@pytest.fixture
def console(core: Core) -> Console:
    return Console(core)
