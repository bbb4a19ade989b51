"""Fixtures shared by the Teams tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.teams.fake_connector import FakeConnector


@pytest_asyncio.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """A fake Bot Connector service on 127.0.0.1 that records what the bot sends."""
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.stop()
