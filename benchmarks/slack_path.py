"""The Slack interaction path: Yhdessä beside a hand-written bolt bot doing the same work (as
bolt's defaults write it, and tuned), and beside a bare slack-bolt app that only acknowledges.

One run starts the four as separate processes on 127.0.0.1 (Yhdessä through the real `yhdessa run
--adapter slack` on a SQLite file, its Web API pointed at a fake Slack in this process), sends each
the same signed block_actions requests (each a different member answering an open pulse question)
at a concurrency of 50, and prints:
  - CPU time per request of each server process (Yhdessä's includes the work done after the ack:
    the stored answer, chat.update and the next question sent through the outbox),
  - Yhdessä / peer: the peer is a bolt app that checks the signature, acknowledges, inserts the
    answer with its idempotency key through stdlib sqlite3, commits, and calls chat.update and
    chat.postMessage (the next question) against the same fake Slack: the same work, by hand,
    with bolt's default Web API client (a new aiohttp session, so a new connection, per call),
  - Yhdessä / tuned peer: the same peer with one kept aiohttp session for its calls, as Yhdessä
    keeps one: the stricter comparison, since the default peer pays for connections Yhdessä does not,
  - Yhdessä / bare: the ack-only app, the floor of bolt and aiohttp themselves,
  - acknowledgement latency at p50 and p99 of each.

    python benchmarks/slack_path.py [--requests 2000] [--concurrency 50] [--rounds 5] [--profile FILE]

The servers take the load in turns (--rounds), so that a slower spell of a shared machine falls on
all of them alike.

With --profile, the Yhdessä process runs under cProfile (its figures are then slower and only the
profile counts); read it with `python -m pstats FILE`.
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
from collections.abc import Callable
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


# The same work as Yhdessä's click, written by hand: the answer is stored with its idempotency key
# (a repeated delivery of the same click stores nothing twice), committed, then the pressed prompt
# is updated and the next question posted. Listeners run after the ack, as in Yhdessä.
PEER_APP = """
import json, sqlite3, sys
import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_sdk.web.async_client import AsyncWebClient

db = sqlite3.connect(sys.argv[5], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
db.execute("CREATE TABLE IF NOT EXISTS answers (idempotency_key TEXT PRIMARY KEY, team TEXT NOT NULL, user TEXT NOT NULL,"
           " question TEXT NOT NULL, value TEXT NOT NULL, answered_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)")
web_client = AsyncWebClient(token=sys.argv[3], base_url=sys.argv[4])
bolt = AsyncApp(signing_secret=sys.argv[2], client=web_client)
# "shared": one aiohttp session for every Web API call, as Yhdessä keeps one. Without it (bolt's
# default) slack_sdk opens a session, and a TCP connection, per call.
SHARED_SESSION = sys.argv[6] == "shared"
SCALE = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]

def question(round_ref, step):
    return [
        {"type": "section", "block_id": "yhq|" + round_ref + "|text", "text": {"type": "mrkdwn", "text": "*Question " + str(step) + "*"}},
        {"type": "actions", "block_id": "yhq|" + round_ref + ":trust-" + str(step),
         "elements": [{"type": "button", "action_id": "yh_choose_" + str(n), "value": str(n), "text": {"type": "plain_text", "text": label}}
                      for n, label in enumerate(SCALE, 1)]},
    ]

@bolt.action("yh_choose")
async def answer(ack, body, client):
    await ack()
    action = body["actions"][0]
    team, user = body["team"]["id"], body["user"]["id"]
    round_ref, _, step = action["block_id"].removeprefix("yhq|").partition(":")
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("INSERT INTO answers (idempotency_key, team, user, question, value) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                   (team + ":" + user + ":" + action["action_ts"], team, user, step, action["value"]))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    channel, ts = body["container"]["channel_id"], body["container"]["message_ts"]
    answered = "You answered: " + SCALE[int(action["value"]) - 1]
    await client.chat_update(channel=channel, ts=ts, text=answered,
                             blocks=[{"type": "context", "elements": [{"type": "mrkdwn", "text": answered}]}])
    await client.chat_postMessage(channel=channel, text="Question 2", blocks=question(round_ref, 2))

async def endpoint(request):
    return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

async def open_session(app):
    if SHARED_SESSION:
        web_client.session = aiohttp.ClientSession()
    yield
    if SHARED_SESSION:
        await web_client.session.close()

app = web.Application()
app.router.add_post("/slack/events", endpoint)
app.cleanup_ctx.append(open_session)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""
PEER_TOKEN = "xoxb-bench-peer-token"
TUNED_TOKEN = "xoxb-bench-tuned-token"


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
        # Members of a running network got their welcome long ago; the peer sends none either.
        conn.execute("INSERT INTO member_welcomes (member_id, at) SELECT id, CURRENT_TIMESTAMP FROM members WHERE id NOT IN (SELECT member_id FROM member_welcomes)")
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


def profiled(command: str, output: str | None) -> str:
    """`command` under cProfile, its statistics written to `output` when the server stops."""
    if not output:
        return command
    return (
        "import atexit, cProfile; _profile = cProfile.Profile(); "
        f"atexit.register(lambda: (_profile.disable(), _profile.dump_stats({output!r}))); _profile.enable()\n" + command
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


async def main(count: int, concurrency: int, warmup: int, profile: str | None, rounds: int = 5) -> None:
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

    yh_port, peer_port, tuned_port, bare_port = free_port(), free_port(), free_port(), free_port()
    peer_db, tuned_db = folder / "peer.db", folder / "tuned.db"
    yhdessa = subprocess.Popen(
        [sys.executable, "-c", profiled(UNPACED, profile), "run", "--adapter", "slack", "--port", str(yh_port)],
        env=env_for(db_url, fake.base_url), cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    peer = subprocess.Popen(
        [sys.executable, "-c", PEER_APP, str(peer_port), SECRET, PEER_TOKEN, fake.base_url, str(peer_db), "default"],
        env=env_for(db_url, fake.base_url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    tuned = subprocess.Popen(
        [sys.executable, "-c", PEER_APP, str(tuned_port), SECRET, TUNED_TOKEN, fake.base_url, str(tuned_db), "shared"],
        env=env_for(db_url, fake.base_url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    bare = subprocess.Popen(
        [sys.executable, "-c", BARE_APP, str(bare_port), SECRET, TOKEN, fake.base_url],
        env=env_for(db_url, fake.base_url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    procs = (yhdessa, peer, tuned, bare)
    try:
        for port in (yh_port, peer_port, tuned_port, bare_port):
            await wait_ready(port)
        for port in (yh_port, peer_port, tuned_port, bare_port):
            await warm(port, warm_bodies)

        def answered() -> tuple[int, int]:
            with sqlite3.connect(db_path) as conn:
                (stored,) = conn.execute("SELECT count(*) FROM responses").fetchone()
                (pending,) = conn.execute("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()
            return int(stored), int(pending)

        def peer_done(db: Path = peer_db, token: str = PEER_TOKEN) -> tuple[int, int]:
            with sqlite3.connect(db) as conn:
                (stored,) = conn.execute("SELECT count(*) FROM answers").fetchone()
            posted = sum(1 for call in fake.called("chat.postMessage") if call.authorization.endswith(token) and call.result.get("ok"))
            return int(stored), posted

        def tuned_done() -> tuple[int, int]:
            return peer_done(tuned_db, TUNED_TOKEN)

        async def until(done: Callable[[], bool], what: Callable[[], object]) -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if done():
                    return
                await asyncio.sleep(0.05)
            raise RuntimeError(f"{what()}: the work was not finished")

        async def yhdessa_settled(expected: int = count + warmup) -> None:
            await until(lambda: (lambda s, p: s >= expected and p == 0)(*answered()), lambda: f"Yhdessä {answered()}")

        async def peer_settled(expected: int = count + warmup) -> None:
            await until(lambda: min(peer_done()) >= expected, lambda: f"peer {peer_done()}")

        async def tuned_settled(expected: int = count + warmup) -> None:
            await until(lambda: min(tuned_done()) >= expected, lambda: f"tuned peer {tuned_done()}")

        async def nothing() -> None:
            await asyncio.sleep(0)

        await yhdessa_settled(warmup)  # the warm-up's own work is done before measuring
        await peer_settled(warmup)
        await tuned_settled(warmup)
        # In rounds, the four servers taking turns: a spell of a slower machine (another tenant,
        # a busy disk) then falls on all of them alike instead of on whichever ran during it.
        totals = {name: [0.0, [], 0.0] for name in ("yhdessa", "peer", "tuned", "bare")}
        size = -(-count // rounds)
        for start in range(0, count, size):
            chunk, done = timed[start:start + size], warmup + min(count, start + size)
            for name, proc, port, settled in (
                ("yhdessa", yhdessa, yh_port, lambda done=done: yhdessa_settled(done)),
                ("peer", peer, peer_port, lambda done=done: peer_settled(done)),
                ("tuned", tuned, tuned_port, lambda done=done: tuned_settled(done)),
                ("bare", bare, bare_port, nothing),
            ):
                cpu, latencies, wall = await measure(proc, port, chunk, concurrency, settled)
                totals[name][0] += cpu
                totals[name][1].extend(latencies)
                totals[name][2] += wall
        (yh_cpu, yh_lat, yh_wall), (peer_cpu, peer_lat, peer_wall), (tuned_cpu, tuned_lat, tuned_wall), (bare_cpu, bare_lat, bare_wall) = (
            tuple(totals[name]) for name in ("yhdessa", "peer", "tuned", "bare")
        )
        updates = sum(1 for call in fake.called("chat.update") if call.authorization.endswith(TOKEN))
        posted = sum(1 for call in fake.called("chat.postMessage") if call.authorization.endswith(TOKEN))
        refused = len(fake.refused)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        await fake.stop()

    yh_per, peer_per, tuned_per, bare_per = (cpu / count * 1000 for cpu in (yh_cpu, peer_cpu, tuned_cpu, bare_cpu))
    print(f"requests: {count} signed block_actions at concurrency {concurrency}, in {rounds} rounds the servers take in turn (after {warmup} warm-up requests each)")
    print(f"Yhdessä   CPU per request: {yh_per:.2f} ms  (wall {yh_wall:.2f} s, incl. storing each answer, chat.update and the next question)")
    print(f"peer bolt CPU per request: {peer_per:.2f} ms  (wall {peer_wall:.2f} s, the same work by hand: sqlite3 insert + commit, chat.update, chat.postMessage; bolt's default Web API client)")
    print(f"tuned peer CPU per request: {tuned_per:.2f} ms  (wall {tuned_wall:.2f} s, the same, its Web API calls on one kept aiohttp session as Yhdessä's)")
    print(f"bare bolt CPU per request: {bare_per:.2f} ms  (wall {bare_wall:.2f} s, ack only)")
    print(f"ratio Yhdessä / peer: {yh_per / peer_per:.2f} (aim: 1.5 or less)")
    print(f"ratio Yhdessä / tuned peer: {yh_per / tuned_per:.2f} (aim: 1.5 or less; the stricter of the two)")
    print(f"ratio Yhdessä / bare: {yh_per / bare_per:.2f}")
    print(f"Yhdessä ack latency: p50 {pct(yh_lat, 0.50):.1f} ms, p99 {pct(yh_lat, 0.99):.1f} ms (aim: p99 under 100 ms)")
    print(f"peer    ack latency: p50 {pct(peer_lat, 0.50):.1f} ms, p99 {pct(peer_lat, 0.99):.1f} ms")
    print(f"tuned   ack latency: p50 {pct(tuned_lat, 0.50):.1f} ms, p99 {pct(tuned_lat, 0.99):.1f} ms")
    print(f"bare    ack latency: p50 {pct(bare_lat, 0.50):.1f} ms, p99 {pct(bare_lat, 0.99):.1f} ms")
    print(f"Yhdessä: chat.update {updates}, chat.postMessage {posted}, answers stored {answered()[0]}; peer: answers stored, posted {peer_done()}; tuned peer: {tuned_done()}")
    print(f"calls the strict fake Slack refused: {refused}")
    print(f"mean latency Yhdessä {statistics.mean(yh_lat) * 1000:.1f} ms; data in {folder}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5, help="rounds the servers take in turn (default 5)")
    parser.add_argument("--profile", metavar="FILE", help="write cProfile statistics of the Yhdessä process to FILE")
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.concurrency, args.warmup, args.profile and str(Path(args.profile).resolve()), max(1, args.rounds)))
