"""The Teams message path: Yhdessä beside a hand-written Agents SDK bot doing the same work, and
beside a bare Agents SDK bot that only replies.

One run: a child process serves the three bots in turn (real CloudAdapter, anonymous local mode);
this process plays Teams (50 concurrent members, each sending a personal-chat message and waiting
for the bot's reply) and the Bot Connector (tests/teams/fake_connector.py, as strict as the real
service). CPU time is the child's own (time.process_time), so the load generator and the fake
connector do not count. The peer stores each message with its idempotency key (the activity id)
through stdlib sqlite3, commits, and replies: Yhdessä's work (it stores the turn, answers it and
sends the reply through its outbox), by hand.

    python benchmarks/teams_path.py [--activities 1000] [--concurrency 50]

YHDESSA_BENCH_PROFILE=FILE writes cProfile statistics of Yhdessä's timed phase alone to FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.teams.fake_connector import Call, FakeConnector  # noqa: E402
TENANT = "bench-tenant"
BOT = {"id": "28:bench-bot", "name": "Yhdessä"}


# ---- the child: both bots in one process ---------------------------------------------------------

async def serve(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    logging.basicConfig(level=logging.WARNING)
    from microsoft_agents.hosting.aiohttp import jwt_authorization_decorator
    from microsoft_agents.hosting.core import TurnContext

    from adapters.teams.connector import build_adapter
    from bot.app import build_core
    from bot.server import build_web_app
    from bot.settings import load_settings

    settings = load_settings(database_url=f"sqlite:///{args.db}", language="en")
    core = await build_core(settings)
    app, _ = await build_web_app(core, ["teams"])
    dispatcher = core.start_delivery({})
    delivery = asyncio.create_task(dispatcher.run(idle=0.2))

    bare_adapter, _, auth = build_adapter(settings)

    class EchoBot:
        async def on_turn(self, context: TurnContext) -> None:
            if context.activity.type == "message":
                await context.send_activity(f"You said: {context.activity.text}")

    class PeerBot:
        """Stores the message once (a redelivered activity stores nothing twice), commits, replies."""

        def __init__(self, path: str) -> None:
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS answers (idempotency_key TEXT PRIMARY KEY, conversation TEXT NOT NULL,"
                " member TEXT NOT NULL, text TEXT NOT NULL, answered_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )

        async def on_turn(self, context: TurnContext) -> None:
            activity = context.activity
            if activity.type != "message":
                return
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.execute(
                    "INSERT INTO answers (idempotency_key, conversation, member, text) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (f"{activity.conversation.id}:{activity.id}", activity.conversation.id, activity.from_property.id, activity.text or ""),
                )
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            await context.send_activity("Thank you: your answer is stored.")

    def agent_app(adapter: Any, agent: Any) -> web.Application:
        application = web.Application()
        application["agent_configuration"] = auth

        @jwt_authorization_decorator
        async def messages(request: web.Request) -> web.StreamResponse:
            return await adapter.process(request, agent) or web.Response(status=202)

        application.router.add_post("/api/messages", messages)
        return application

    bare = agent_app(bare_adapter, EchoBot())
    peer_adapter, _, _ = build_adapter(settings)
    peer = agent_app(peer_adapter, PeerBot(str(Path(args.db).with_name("peer.db"))))

    async def cpu(request: web.Request) -> web.Response:
        return web.json_response({"cpu": time.process_time()})

    # YHDESSA_BENCH_PROFILE=FILE: cProfile statistics of Yhdessä's timed phase only, written to FILE.
    profile = cProfile.Profile() if os.environ.get("YHDESSA_BENCH_PROFILE") else None

    async def profiling(request: web.Request) -> web.Response:
        if profile is not None:
            if request.match_info["state"] == "on":
                profile.enable()
            else:
                profile.disable()
                profile.dump_stats(os.environ["YHDESSA_BENCH_PROFILE"])
        return web.json_response({})

    app.router.add_post("/profile/{state}", profiling)
    for application in (app, bare, peer):
        application.router.add_get("/cpu", cpu)
    runners = []
    for application, port in ((app, args.yhdessa_port), (bare, args.bare_port), (peer, args.peer_port)):
        runner = web.AppRunner(application, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    dispatcher.stop()
    delivery.cancel()
    for runner in runners:
        await runner.cleanup()
    await core.close()


# ---- the parent: Teams and the Bot Connector -----------------------------------------------------

@dataclass
class Connector(FakeConnector):
    """The strict fake Bot Connector, waking the member a reply was delivered to."""

    waiting: dict[str, asyncio.Event] = field(default_factory=lambda: defaultdict(asyncio.Event))

    async def _record(self, request: web.Request, kind: str) -> tuple[Call, web.Response | None]:
        call, failed = await super()._record(request, kind)
        if failed is None and kind in ("send", "reply") and call.conversation:
            self.waiting[call.conversation].set()
        return call, failed


def message(service_url: str, member: str, text: str, ids: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "id": str(next(ids)),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:{member}", "name": member, "aadObjectId": f"aad-{member}"},
        "conversation": {"conversationType": "personal", "tenantId": TENANT, "id": f"a:{member}"},
        "recipient": BOT,
        "text": text,
        "textFormat": "plain",
        "channelData": {"tenant": {"id": TENANT}},
    }


async def phase(session: aiohttp.ClientSession, url: str, connector: Connector, service_url: str, prefix: str, total: int, concurrency: int, ids: Any) -> tuple[float, list[float]]:
    """Send `total` messages from `concurrency` members; each waits for its reply. Returns CPU and latencies."""
    async def cpu() -> float:
        async with session.get(f"{url}/cpu") as r:
            return float((await r.json())["cpu"])

    async def one(member: str) -> float:
        event = connector.waiting[f"a:{member}"]
        event.clear()
        started = time.perf_counter()
        async with session.post(f"{url}/api/messages", json=message(service_url, member, "How are we doing this week?", ids)) as r:
            assert r.status in (200, 202), r.status
        await asyncio.wait_for(event.wait(), 60)
        return time.perf_counter() - started

    members = [f"{prefix}-{n}" for n in range(concurrency)]
    await asyncio.gather(*(one(m) for m in members))  # warm-up: first sight of each member
    await asyncio.sleep(1.0)
    profiled = prefix == "yhd" and bool(os.environ.get("YHDESSA_BENCH_PROFILE"))
    if profiled:
        async with session.post(f"{url}/profile/on") as r:
            await r.read()
    start = await cpu()
    latencies: list[float] = []

    async def worker(member: str, count: int) -> None:
        for _ in range(count):
            latencies.append(await one(member))

    share = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]
    await asyncio.gather(*(worker(m, n) for m, n in zip(members, share)))
    used = await cpu() - start
    if profiled:
        async with session.post(f"{url}/profile/off") as r:
            await r.read()
    return used, latencies


async def idle_rate(session: aiohttp.ClientSession, url: str, seconds: float = 3.0) -> float:
    """CPU seconds per second the serving process spends with nobody talking to it (its timers)."""
    async def cpu() -> float:
        async with session.get(f"{url}/cpu") as r:
            return float((await r.json())["cpu"])

    start = await cpu()
    await asyncio.sleep(seconds)
    return (await cpu() - start) / seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def drive(args: argparse.Namespace) -> None:
    connector = Connector()
    service_url = await connector.start()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("YHDESSA_TEAMS", "Microsoft", "SLACK_"))}
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", "--db", str(Path(tmp) / "bench.db"), "--yhdessa-port", str(args.yhdessa_port), "--bare-port", str(args.bare_port), "--peer-port", str(args.peer_port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=tmp, text=True,
        )
        try:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
            ids = itertools.count(1)
            connector_limit = aiohttp.TCPConnector(limit=args.concurrency * 2)
            async with aiohttp.ClientSession(connector=connector_limit) as session:
                idle = await idle_rate(session, f"http://127.0.0.1:{args.bare_port}")
                bare_cpu, bare_lat = await phase(session, f"http://127.0.0.1:{args.bare_port}", connector, service_url, "bare", args.activities, args.concurrency, ids)
                peer_cpu, peer_lat = await phase(session, f"http://127.0.0.1:{args.peer_port}", connector, service_url, "peer", args.activities, args.concurrency, ids)
                y_cpu, y_lat = await phase(session, f"http://127.0.0.1:{args.yhdessa_port}", connector, service_url, "yhd", args.activities, args.concurrency, ids)
        finally:
            if child.stdin:
                child.stdin.close()
            child.wait(timeout=30)
    await connector.stop()
    refused = [c for c in connector.calls if c.status >= 300]
    sample = next((c.text for c in reversed(connector.calls) if c.conversation and c.conversation.startswith("a:yhd-") and c.status < 300), "")
    n = args.activities
    print(f"activities per bot: {n}, concurrency: {args.concurrency} (each member waits for its reply)")
    print(f"bare Agents SDK bot: {bare_cpu / n * 1000:.2f} ms CPU per activity; reply latency p50 {pct(bare_lat, 50) * 1000:.1f} ms, p99 {pct(bare_lat, 99) * 1000:.1f} ms (reply only)")
    print(f"peer Agents SDK bot: {peer_cpu / n * 1000:.2f} ms CPU per activity; reply latency p50 {pct(peer_lat, 50) * 1000:.1f} ms, p99 {pct(peer_lat, 99) * 1000:.1f} ms (stores, commits, replies)")
    print(f"Yhdessä:             {y_cpu / n * 1000:.2f} ms CPU per activity; reply latency p50 {pct(y_lat, 50) * 1000:.1f} ms, p99 {pct(y_lat, 99) * 1000:.1f} ms")
    print(f"CPU ratio Yhdessä / peer: {y_cpu / peer_cpu:.2f} (aim: 1.5 or less)")
    print(f"CPU ratio Yhdessä / bare: {y_cpu / bare_cpu:.2f}")
    print(f"idle CPU of the serving process (all three bots, no traffic): {idle * 1000:.1f} ms per second")
    print(f"calls the strict fake connector refused: {len(refused)}; Yhdessä's last reply: {sample[:80]!r}")
    print(f"throughput: bare {n / sum(bare_lat) * args.concurrency:.0f}/s, Yhdessä {n / sum(y_lat) * args.concurrency:.0f}/s "
          "(Yhdessä's replies go through the outbox, paced to Teams' limits: 30/s per app, 3 then 1 per 0.55 s per chat)")
    print(json.dumps({"bare_ms_cpu": bare_cpu / n * 1000, "peer_ms_cpu": peer_cpu / n * 1000, "yhdessa_ms_cpu": y_cpu / n * 1000,
                      "ratio_peer": y_cpu / peer_cpu, "ratio_bare": y_cpu / bare_cpu,
                      "p50_ms": pct(y_lat, 50) * 1000, "p99_ms": pct(y_lat, 99) * 1000}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    # Free ports by default: several runs (or other servers) on one machine must not collide.
    parser.add_argument("--yhdessa-port", type=int, default=0)
    parser.add_argument("--bare-port", type=int, default=0)
    parser.add_argument("--peer-port", type=int, default=0)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.serve:
        for name in ("yhdessa_port", "bare_port", "peer_port"):
            if not getattr(args, name):
                setattr(args, name, free_port())
    asyncio.run(serve(args) if args.serve else drive(args))


if __name__ == "__main__":
    main()
