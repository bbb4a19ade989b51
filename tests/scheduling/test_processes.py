"""Two bot processes on one PostgreSQL: exactly one runs the scheduler, and the other takes over."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import Core, build_core
from bot.scheduling.firing import trigger_of
from storage.models import Network
from tests.conftest import POSTGRES_URL, Console, _drop_schema, _postgres_schema_url, make_settings
from tests.scheduling.helpers import rounds, schedules

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="YHDESSA_TEST_POSTGRES_URL is not set")


@pytest_asyncio.fixture
async def pg_core(tmp_path: Path) -> AsyncIterator[Core]:
    assert POSTGRES_URL
    url, schema = _postgres_schema_url(POSTGRES_URL)
    core = await build_core(make_settings(url, tmp_path))
    yield core
    await core.close()
    _drop_schema(POSTGRES_URL, schema)


def spawn(url: str, clock: Path, log: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduling.run_scheduler", url, str(clock)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


async def wait_for(check, seconds: float) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if await check():
            return time.monotonic() - start
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def leading(log: Path) -> bool:
    return "this process leads" in log.read_text()


async def test_one_leader_fires_once_and_the_other_takes_over(pg_core: Core, tmp_path: Path) -> None:
    console = Console(pg_core)
    await console.command("alice", "schedule list")
    await console.say("bob", "hello")
    (default,) = await schedules(pg_core)
    await console.command("alice", f"schedule remove {default.id}")
    await console.command("alice", 'schedule add pulse-trust "every monday 09:00" --closes 2d')
    (row,) = await schedules(pg_core)
    async with pg_core.db.transaction() as tx:
        network = await tx.get(Network, row.network_id)
        assert network is not None
        trigger = await trigger_of(tx, row, network)
    first = trigger.next_after(row.created_at)
    assert first is not None
    clock = tmp_path / "clock"
    clock.write_text((first.at + timedelta(seconds=30)).isoformat())  # the first firing is due

    url = pg_core.db.url.replace("postgresql+psycopg://", "postgresql://")
    logs = [tmp_path / f"p{i}.log" for i in range(2)]
    processes = [spawn(url, clock, log) for log in logs]
    try:
        async def one_round() -> bool:
            return len(await rounds(pg_core)) >= 1

        await wait_for(one_round, 30)
        await asyncio.sleep(1.5)  # both processes poll several times more
        assert len(await rounds(pg_core)) == 1
        leaders = [i for i in range(2) if leading(logs[i])]
        assert len(leaders) == 1
        leader = processes[leaders[0]]
        follower_log = logs[1 - leaders[0]]

        leader.send_signal(signal.SIGKILL)
        leader.wait(10)
        clock.write_text((first.at + timedelta(days=7, seconds=30)).isoformat())  # the next firing is due

        async def two_rounds() -> bool:
            return len(await rounds(pg_core)) >= 2

        takeover = await wait_for(two_rounds, 30)
        await asyncio.sleep(1.0)
        assert len(await rounds(pg_core)) == 2
        assert leading(follower_log)
        assert "fired" in follower_log.read_text() and "round #" in follower_log.read_text()
        print(f"takeover and second firing within {takeover:.1f} s of the leader's death")
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
