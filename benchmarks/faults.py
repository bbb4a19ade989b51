"""Fault injection: kill -9 a real `yhdessa run --adapter slack` and count what the crash cost.

Runs a fake Slack as its own process (`python -m tests.slack.fake_slack PORT --members N`) and the
bot as another. Each cycle opens a named trust pulse for #network (N members) and kills the bot
with SIGKILL twice: once while the fan-out of the questions is going out, once during a burst of
answers from 20 concurrent clients sending signed block_actions (a client whose request fails
clicks again, as a person would). The bot is restarted at once each time. Printed per kill:

  - acknowledged-lost: answers whose request got 200 but that are not stored,
  - duplicates: chat.postMessage calls to the same conversation for the same message, beyond one
    (the worst conversation, and the total),
  - dead rows: outbox rows given up and inbox rows set aside (should stay 0),
  - in flight / unhandled: outbox rows the killed process held, and requests it had acknowledged
    (stored in the inbox) but not yet handled, at the moment of the kill,
  - recovery: seconds from the restart (process start included) until every request acknowledged
    before the kill is handled and the messages the killed process held are being sent again (the
    first of them is sent: their leases were taken over),
  - delivered: seconds until every message the killed process held is sent; Slack's tiers pace
    this (a member's first DM costs a conversations.open, 40 a minute), so it grows with the
    number of members whose DM was not open yet.

    python benchmarks/faults.py [--members 100] [--kills 3] [--clients 20] [--db sqlite|postgres|both]

PostgreSQL is used when YHDESSA_TEST_POSTGRES_URL names a database. Exits 1 if an aim is missed:
lost 0, at most 1 duplicate per conversation per kill, recovery within 30 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import aiohttp  # noqa: E402

from crash_rig import TEAM, Bot, Database, click, command, fake_calls, fake_count  # noqa: E402
from slack_path import free_port  # noqa: E402
AIM_RECOVERY = 30.0


@dataclass
class Kill:
    phase: str
    lost: int = 0
    acked: int = 0
    worst_dupes: int = 0
    dupes: int = 0
    recovery: float = 0.0
    delivered: float = 0.0
    held: int = 0
    pending: int = 0
    reached: int = 0  # conversations that got the round's first question (fan-out)


@dataclass
class Run:
    backend: str
    kills: list[Kill] = field(default_factory=list)
    dead: int = 0


def duplicates(calls: list[dict[str, Any]]) -> tuple[int, int]:
    """(worst conversation, total): chat.postMessage calls repeating a message in a conversation.
    A question is known by its block id (it carries the round and step), anything else by its text."""
    seen: Counter[tuple[str, str]] = Counter()
    for call in calls:
        if call["method"] != "chat.postMessage" or not call.get("result", {}).get("ok"):
            continue
        args = call["args"]
        ids = [b.get("block_id", "") for b in args.get("blocks") or () if str(b.get("block_id", "")).startswith("yhq|")]
        seen[(str(args.get("channel")), ids[0] if ids else str(args.get("text", ""))[:200])] += 1
    per_conversation: Counter[str] = Counter()
    for (conversation, _), n in seen.items():
        per_conversation[conversation] += n - 1
    return max(per_conversation.values(), default=0), sum(per_conversation.values())


async def recovered(db: Database, held: list[int], pending: list[str], restarted: float, timeout: float = 300) -> tuple[float, float]:
    """Seconds from the restart until (the inbox rows pending at the kill are done and a first
    outbox row the killed process held is sent), and until all of those are sent."""
    deadline = time.monotonic() + timeout
    resumed = float("inf")
    while time.monotonic() < deadline:
        unsent = db.scalar("SELECT count(*) FROM outbox WHERE id IN :ids AND status IN ('pending', 'sending')", ids=tuple(held)) if held else 0
        waiting = db.scalar("SELECT count(*) FROM inbox WHERE key IN :keys AND status = 'pending'", keys=tuple(pending)) if pending else 0
        if resumed == float("inf") and not waiting and (not held or unsent < len(held)):
            resumed = time.monotonic() - restarted
        if not unsent and not waiting:
            return min(resumed, time.monotonic() - restarted), time.monotonic() - restarted
        await asyncio.sleep(0.05)
    return resumed, float("inf")


def snapshot(db: Database) -> tuple[list[int], list[str]]:
    return db.column("SELECT id FROM outbox WHERE status = 'sending'"), db.column("SELECT key FROM inbox WHERE status = 'pending'")


async def settled(db: Database, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = db.scalar("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')") + db.scalar("SELECT count(*) FROM inbox WHERE status = 'pending'")
        if not busy:
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("the bot did not finish its work")


async def fan_out(bot: Bot, db: Database, session: aiohttp.ClientSession, fake_port: int, members: int, cycle: int) -> Kill:
    kill = Kill("fan-out")
    before = await fake_calls(session, fake_port)
    start_posts = sum(c["method"] == "chat.postMessage" for c in before)
    assert await bot.post(session, command("pulse start trust here --named", cycle)) == 200
    # Killed with about half of the questions out: counted by posts, which in the first cycle
    # also carry each member's welcome (later cycles post only the questions).
    while await fake_count(session, fake_port, "chat.postMessage") - start_posts < members // 2:
        await asyncio.sleep(0.01)
    bot.kill()
    held, pending = snapshot(db)
    restarted = bot.start()
    await bot.ready(session)
    kill.recovery, kill.delivered = await recovered(db, held, pending, restarted)
    kill.held, kill.pending = len(held), len(pending)
    await settled(db)
    calls = (await fake_calls(session, fake_port))[len(before):]
    kill.worst_dupes, kill.dupes = duplicates(calls)
    first = f"yhq|{int(db.scalar('SELECT max(id) FROM rounds'))}:trust-1"
    kill.reached = len({c["args"]["channel"] for c in calls if c["method"] == "chat.postMessage" and any(b.get("block_id") == first for b in c["args"].get("blocks") or ())})
    return kill


async def burst(bot: Bot, db: Database, session: aiohttp.ClientSession, fake_port: int, members: int, clients: int) -> Kill:
    kill = Kill("answers")
    round_id = int(db.scalar("SELECT max(id) FROM rounds"))
    before = await fake_calls(session, fake_port)
    # The strict fake updates only messages it has: each press names the prompt that was posted.
    first = f"yhq|{round_id}:trust-1"
    posted = {
        c["args"]["channel"]: c["result"]["ts"]
        for c in before
        if c["method"] == "chat.postMessage" and c["result"].get("ok") and any(b.get("block_id") == first for b in c["args"].get("blocks") or ())
    }
    queue: asyncio.Queue[str] = asyncio.Queue()
    for i in range(members):
        queue.put_nowait(f"U{i:05d}")
    acked: set[str] = set()
    restart: dict[str, Any] = {}

    async def client() -> None:
        while not queue.empty():
            user = queue.get_nowait()
            for attempt in range(2000):
                try:
                    if await bot.post(session, click(user, round_id, attempt, posted.get("D" + user[1:], "1700000000.000100"))) == 200:
                        acked.add(user)
                        break
                except (aiohttp.ClientError, ConnectionError):
                    pass
                await asyncio.sleep(0.05)  # the server is down: click again in a moment

    async def killer() -> None:
        while len(acked) < members // 3:
            await asyncio.sleep(0.005)
        bot.kill()
        restart["held"], restart["pending"] = snapshot(db)
        restart["at"] = bot.start()

    killing = asyncio.create_task(killer())
    await asyncio.gather(*(client() for _ in range(clients)))
    await killing
    await bot.ready(session)
    kill.recovery, kill.delivered = await recovered(db, restart["held"], restart["pending"], restart["at"])
    kill.held, kill.pending = len(restart["held"]), len(restart["pending"])
    await settled(db)
    stored = set(
        db.column(
            "SELECT m.key FROM responses r JOIN members m ON m.id = r.member_id WHERE r.round_id = :round AND r.step_id = 'trust-1'",
            round=round_id,
        )
    )
    kill.acked = len(acked)
    kill.lost = len({f"slack:{TEAM}:{u}" for u in acked} - stored)
    kill.worst_dupes, kill.dupes = duplicates((await fake_calls(session, fake_port))[len(before):])
    return kill


async def run_backend(backend: str, db_url: str, members: int, kills: int, clients: int, folder: Path) -> Run:
    fake_port = free_port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.slack.fake_slack", str(fake_port), "--members", str(members)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    bot = Bot(db_url, f"http://127.0.0.1:{fake_port}/api/", folder)
    db = Database(db_url)
    result = Run(backend)
    connector = aiohttp.TCPConnector(limit=clients + 5)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=10)) as session:
            for _ in range(200):
                try:
                    await fake_count(session, fake_port, "x")
                    break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)
            bot.start()
            await bot.ready(session)
            for cycle in range(kills):
                result.kills.append(await fan_out(bot, db, session, fake_port, members, cycle))
                result.kills.append(await burst(bot, db, session, fake_port, members, clients))
            result.dead = int(db.scalar("SELECT count(*) FROM outbox WHERE status = 'dead'")) + int(
                db.scalar("SELECT count(*) FROM inbox WHERE status = 'failed'")
            )
    finally:
        bot.stop()
        fake.terminate()
        fake.wait(10)
        db.engine.dispose()
    return result


def report(run: Run) -> bool:
    ok = True
    print(f"\n{run.backend}:")
    print("  kill  phase          acked  lost  dupes(worst conv / total)  in flight  unhandled  recovery  delivered")
    for n, kill in enumerate(run.kills, start=1):
        acked = str(kill.acked) if kill.phase == "answers" else f"{kill.reached} asked"
        lost = str(kill.lost) if kill.phase == "answers" else "-"
        print(f"  {n:>4}  {kill.phase:<8}  {acked:>10}  {lost:>4}  {kill.worst_dupes:>11} / {kill.dupes:<12}  {kill.held:>9}  {kill.pending:>9}  {kill.recovery:6.1f} s  {kill.delivered:7.1f} s")
        ok &= kill.lost == 0 and kill.worst_dupes <= 1 and kill.recovery <= AIM_RECOVERY
    acked = sum(k.acked for k in run.kills)
    lost = sum(k.lost for k in run.kills)
    worst = max((k.worst_dupes for k in run.kills), default=0)
    recovery = max((k.recovery for k in run.kills), default=0.0)
    delivered = max((k.delivered for k in run.kills), default=0.0)
    print(
        f"  {run.backend}: acknowledged answers lost {lost} of {acked}; duplicates at most {worst} per conversation per kill "
        f"({sum(k.dupes for k in run.kills)} in all over {len(run.kills)} kills); dead rows {run.dead}; recovery at most {recovery:.1f} s, all held messages delivered within {delivered:.1f} s"
    )
    return ok and run.dead == 0


async def main(members: int, kills: int, clients: int, which: str) -> bool:
    from tests.conftest import POSTGRES_URL, _drop_schema, _postgres_schema_url

    ok = True
    for backend in ("sqlite", "postgres"):
        if which not in (backend, "both"):
            continue
        folder = Path(tempfile.mkdtemp(prefix=f"yhdessa-faults-{backend}-"))
        if backend == "sqlite":
            run = await run_backend(backend, f"sqlite:///{folder / 'faults.db'}", members, kills, clients, folder)
        else:
            if not POSTGRES_URL:
                print("\npostgres: skipped (YHDESSA_TEST_POSTGRES_URL is not set)")
                continue
            url, schema = _postgres_schema_url(POSTGRES_URL)
            try:
                run = await run_backend(backend, url, members, kills, clients, folder)
            finally:
                _drop_schema(POSTGRES_URL, schema)
        ok &= report(run)
    print("\n" + ("all aims met" if ok else "AN AIM WAS MISSED"))
    return ok


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--kills", type=int, default=3, help="cycles; each kills during the fan-out and during the answers")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    sys.exit(0 if asyncio.run(main(args.members, args.kills, args.clients, args.db)) else 1)
