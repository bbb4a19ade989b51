"""The Slack interaction path: Yhdessä beside a bare slack-bolt app that only acknowledges.

One run starts both as separate processes on 127.0.0.1 (Yhdessä through the real `yhdessa run
--adapter slack` on a SQLite file, its Web API pointed at a fake Slack in this process), sends both
the same signed block_actions requests (each a different member answering an open pulse question)
at a concurrency of 50, and prints:
  - CPU time per request of each server process (Yhdessä's includes the work done after the ack:
    the stored answer, chat.update and the next question sent through the outbox),
  - their ratio,
  - Yhdessä's acknowledgement latency at p50 and p99 (and the bare app's, for reference).

    python benchmarks/slack_path.py [--requests 2000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from tests.slack.fake_slack import FakeSlack  # noqa: E402

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"
TEAM = "T0TEAM"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


BARE_APP = """
import asyncio, re, sys
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_sdk.web.async_client import AsyncWebClient

bolt = AsyncApp(signing_secret=sys.argv[2], client=AsyncWebClient(token=sys.argv[3], base_url=sys.argv[4]))

@bolt.action(re.compile(".*"))
async def only_ack(ack):
    await ack()

async def endpoint(request):
    return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

app = web.Application()
app.router.add_post("/slack/events", endpoint)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


def env_for(db_url: str, api_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "YHDESSA_", "MicrosoftApp", "OPENAI_"))}
    env.update(
        YHDESSA_DATABASE_URL=db_url,
        YHDESSA_LOG_LEVEL="WARNING",
        YHDESSA_LANGUAGE="en",
        YHDESSA_COORDINATORS=f"slack:{TEAM}:UCOORD",
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=api_url,
        PYTHONPATH=str(ROOT),
    )
    return env


async def prepare(db_url: str, members: int) -> int:
    """A network with `members` members and one open pulse; returns the round id. Its invitations
    are marked sent, so the timed run only does what the interactions cause. The pulse is named, so
    every press stores its answer at once (anonymous answers wait to be released in batches)."""
    from bot.app import build_core
    from bot.settings import load_settings
    from flows.events import CommandIssued, MemberRef, NetworkRef
    from flows.rounds import ensure_member

    core = await build_core(load_settings(database_url=db_url, language="en", coordinators=f"slack:{TEAM}:UCOORD"), extensions=False)
    network_ref = NetworkRef("slack", TEAM)
    async with core.db.transaction() as tx:
        network = await core.engine.network(tx, network_ref)
        for i in range(members):
            await ensure_member(tx, core.config, network, MemberRef("slack", TEAM, f"U{i:05d}", f"Member {i}"))
    coordinator = MemberRef("slack", TEAM, "UCOORD", "Coordinator")
    await core.engine.handle(CommandIssued(network_ref, coordinator, "pulse start trust network --named", "bench-open"))
    await core.close()
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE outbox SET status = 'sent'")
        # Delivering those invitations opened each member's DM; the transport keeps its id.
        conn.executemany(
            "INSERT INTO conversation_refs (key, platform, data, updated_at) VALUES (?, 'slack', ?, CURRENT_TIMESTAMP)",
            [(f"slack:dm:slack:{TEAM}:U{i:05d}", json.dumps({"channel": f"D{i:05d}"})) for i in range(members)],
        )
        (round_id,) = conn.execute("SELECT max(id) FROM rounds").fetchone()
    return int(round_id)


# `yhdessa run` with Slack's tier table scaled to a rate-minute of 60 ms: the Web API here is a
# local fake, and the figure wanted is the CPU a press costs, not minutes of waiting for chat.update
# (Tier 3) to let 2,000 updates through.
UNPACED = (
    "import sys; from adapters.slack import rates; rates.SLACK_PACING = rates.SLACK_PACING.scaled(0.06); "
    "from bot.cli import main; sys.exit(main(sys.argv[1:]))"
)


def bodies(count: int, round_id: int) -> list[str]:
    out = []
    for i in range(count):
        user = f"U{i:05d}"
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "api_app_id": "A0BENCH",
            "container": {"type": "message", "message_ts": f"1700000000.{i:06d}", "channel_id": "D" + user[1:], "is_ephemeral": False},
            "trigger_id": f"bench.{i}",
            "team": {"id": TEAM, "domain": "bench"},
            "channel": {"id": "D" + user[1:], "name": "directmessage"},
            "message": {"type": "message", "ts": f"1700000000.{i:06d}", "text": "", "blocks": []},
            "state": {"values": {}},
            "actions": [{"action_id": "yh_choose", "block_id": f"yhq|{round_id}:trust-1", "type": "button", "value": str(1 + i % 5), "action_ts": f"1700000001.{i:06d}"}],
        }
        out.append(urllib.parse.urlencode({"payload": json.dumps(payload)}))
    return out


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


async def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.post(f"http://127.0.0.1:{port}/slack/events", data=b"{}") as response:
                    await response.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start")


async def load(port: int, requests: list[str], concurrency: int) -> list[float]:
    latencies: list[float] = []
    limit = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(body: str) -> None:
            async with limit:
                headers = signed(body)
                started = time.perf_counter()
                async with session.post(f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"status {response.status}")
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(one(b) for b in requests))
    return latencies


async def warm(port: int, body_list: list[str]) -> None:
    await load(port, body_list, 5)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def measure(proc: subprocess.Popen[bytes], port: int, requests: list[str], concurrency: int, settled: object) -> tuple[float, list[float], float]:
    before = cpu_seconds(proc.pid)
    started = time.perf_counter()
    latencies = await load(port, requests, concurrency)
    wall = time.perf_counter() - started
    await settled()  # type: ignore[operator]
    return cpu_seconds(proc.pid) - before, latencies, wall


async def main(count: int, concurrency: int, warmup: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="yhdessa-slack-bench-"))
    db_path = folder / "bench.db"
    db_url = f"sqlite:///{db_path}"
    fake = await FakeSlack().start()
    for i in range(count + warmup):
        fake.add_user(f"U{i:05d}", f"Member {i}")
        # The prompt each member presses was posted before the timed run; the strict fake updates
        # only messages it has.
        fake.messages[(f"D{i:05d}", f"1700000000.{i:06d}")] = {"text": "", "blocks": []}
    round_id = await prepare(db_url, count + warmup)
    all_bodies = bodies(count + warmup, round_id)
    warm_bodies, timed = all_bodies[:warmup], all_bodies[warmup:]

    yh_port, bare_port = free_port(), free_port()
    yhdessa = subprocess.Popen(
        [sys.executable, "-c", UNPACED, "run", "--adapter", "slack", "--port", str(yh_port)],
        env=env_for(db_url, fake.base_url), cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    bare = subprocess.Popen(
        [sys.executable, "-c", BARE_APP, str(bare_port), SECRET, TOKEN, fake.base_url],
        env=env_for(db_url, fake.base_url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        await wait_ready(yh_port)
        await wait_ready(bare_port)
        await warm(yh_port, warm_bodies)
        await warm(bare_port, warm_bodies)

        def answered() -> tuple[int, int]:
            with sqlite3.connect(db_path) as conn:
                (stored,) = conn.execute("SELECT count(*) FROM responses").fetchone()
                (pending,) = conn.execute("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()
            return int(stored), int(pending)

        async def yhdessa_settled(expected: int = count + warmup) -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                stored, pending = answered()
                if stored >= expected and pending == 0:
                    return
                await asyncio.sleep(0.05)
            raise RuntimeError(f"Yhdessä did not finish the work: {answered()}")

        async def nothing() -> None:
            await asyncio.sleep(0)

        await yhdessa_settled(warmup)  # the warm-up's own work is done before measuring
        yh_cpu, yh_lat, yh_wall = await measure(yhdessa, yh_port, timed, concurrency, yhdessa_settled)
        bare_cpu, bare_lat, bare_wall = await measure(bare, bare_port, timed, concurrency, nothing)
        updates = len(fake.called("chat.update"))
    finally:
        for proc in (yhdessa, bare):
            proc.terminate()
        for proc in (yhdessa, bare):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        await fake.stop()

    yh_per, bare_per = yh_cpu / count * 1000, bare_cpu / count * 1000
    print(f"requests: {count} signed block_actions at concurrency {concurrency} (after {warmup} warm-up requests each)")
    print(f"Yhdessä   CPU per request: {yh_per:.2f} ms  (wall {yh_wall:.2f} s, incl. storing each answer, chat.update and the next question)")
    print(f"bare bolt CPU per request: {bare_per:.2f} ms  (wall {bare_wall:.2f} s, ack only)")
    print(f"ratio Yhdessä / bare: {yh_per / bare_per:.2f}")
    print(f"Yhdessä ack latency: p50 {pct(yh_lat, 0.50):.1f} ms, p99 {pct(yh_lat, 0.99):.1f} ms")
    print(f"bare    ack latency: p50 {pct(bare_lat, 0.50):.1f} ms, p99 {pct(bare_lat, 0.99):.1f} ms")
    print(f"chat.update calls seen by the fake Slack: {updates}; answers stored: {answered()[0]}")
    print(f"mean latency Yhdessä {statistics.mean(yh_lat) * 1000:.1f} ms; data in {folder}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.concurrency, args.warmup))
