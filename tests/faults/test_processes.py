"""Exactly once with several processes: two real `yhdessa run --adapter slack` on one PostgreSQL,
and every member's double-click lands one press on each of them at the same moment. One answer
per member is stored; nothing is lost (tests/core/test_concurrency.py races two engines in one
process; this is the deployment the README describes for scale-out)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import faults  # noqa: E402
from crash_rig import TEAM, Bot, Database, click, command, fake_calls, fake_count  # noqa: E402
from slack_path import free_port  # noqa: E402
from tests.conftest import POSTGRES_URL, _drop_schema, _postgres_schema_url  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not POSTGRES_URL, reason="YHDESSA_TEST_POSTGRES_URL is not set")]
ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 20


async def test_a_double_click_on_two_processes_stores_one_answer(tmp_path: Path) -> None:
    url, schema = _postgres_schema_url(POSTGRES_URL)  # type: ignore[arg-type]
    fake_port = free_port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.slack.fake_slack", str(fake_port), "--members", str(MEMBERS)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    api = f"http://127.0.0.1:{fake_port}/api/"
    first = Bot(url, api, tmp_path)
    db = Database(url)
    second: Bot | None = None
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
            for _ in range(200):
                try:
                    await fake_count(session, fake_port, "x")
                    break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)
            first.start()
            await first.ready(session)  # the first one migrates; the second finds the schema ready
            second = Bot(url, api, tmp_path)
            second.start()
            await second.ready(session)
            assert await first.post(session, command("pulse start trust here --named", 0)) == 200
            while await fake_count(session, fake_port, "chat.postMessage") < MEMBERS:
                await asyncio.sleep(0.05)
            round_id = int(db.scalar("SELECT max(id) FROM rounds"))
            question = f"yhq|{round_id}:trust-1"
            posted = {
                c["args"]["channel"]: c["result"]["ts"]
                for c in await fake_calls(session, fake_port)
                if c["method"] == "chat.postMessage" and c["result"].get("ok") and any(b.get("block_id") == question for b in c["args"].get("blocks") or ())
            }
            users = [f"U{i:05d}" for i in range(MEMBERS)]

            async def double_click(user: str) -> list[int]:
                ts = posted.get("D" + user[1:], "1700000000.000100")
                # Two presses, two events (each its own trigger and action time), one to each process.
                return list(await asyncio.gather(first.post(session, click(user, round_id, 1, ts)), second.post(session, click(user, round_id, 2, ts))))  # type: ignore[union-attr]

            statuses = await asyncio.gather(*(double_click(u) for u in users))
            assert all(s == [200, 200] for s in statuses), statuses
            await faults.settled(db)
            stored = db.column(
                "SELECT m.key FROM responses r JOIN members m ON m.id = r.member_id WHERE r.round_id = :round AND r.step_id = 'trust-1'",
                round=round_id,
            )
            assert sorted(stored) == [f"slack:{TEAM}:{u}" for u in users]  # each member once, nobody lost
            assert int(db.scalar("SELECT count(*) FROM inbox WHERE status = 'failed'")) == 0
    finally:
        first.stop()
        if second is not None:
            second.stop()
        fake.terminate()
        fake.wait(10)
        db.engine.dispose()
        _drop_schema(POSTGRES_URL, schema)  # type: ignore[arg-type]
