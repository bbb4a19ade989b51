"""The Teams message path: Yhdessä against a bare Agents SDK bot that only replies.

One run: a child process serves both bots (real CloudAdapter, anonymous local mode); this process
plays Teams (50 concurrent members, each sending a personal-chat message and waiting for the bot's
reply) and the Bot Connector (a local HTTP service that takes the replies). CPU time is the child's
own (time.process_time), so the load generator and the fake connector do not count.

    python benchmarks/teams_path.py [--activities 1000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
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

    echo = EchoBot()
    bare = web.Application()
    bare["agent_configuration"] = auth

    @jwt_authorization_decorator
    async def messages(request: web.Request) -> web.StreamResponse:
        return await bare_adapter.process(request, echo) or web.Response(status=202)

    bare.router.add_post("/api/messages", messages)

    async def cpu(request: web.Request) -> web.Response:
        return web.json_response({"cpu": time.process_time()})

    app.router.add_get("/cpu", cpu)
    bare.router.add_get("/cpu", cpu)
    runners = []
    for application, port in ((app, args.yhdessa_port), (bare, args.bare_port)):
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

class Connector:
    """Takes the bots' replies and wakes the member waiting for one."""

    def __init__(self) -> None:
        self.waiting: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.replies = 0
        self._ids = itertools.count(1)

    async def activity(self, request: web.Request) -> web.Response:
        await request.read()
        self.replies += 1
        self.waiting[request.match_info["cid"]].set()
        return web.json_response({"id": f"r-{next(self._ids)}"})


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
    start = await cpu()
    latencies: list[float] = []

    async def worker(member: str, count: int) -> None:
        for _ in range(count):
            latencies.append(await one(member))

    share = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]
    await asyncio.gather(*(worker(m, n) for m, n in zip(members, share)))
    return await cpu() - start, latencies


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def drive(args: argparse.Namespace) -> None:
    connector = Connector()
    app = web.Application()
    app.router.add_post("/v3/conversations/{cid}/activities", connector.activity)
    app.router.add_post("/v3/conversations/{cid}/activities/{aid}", connector.activity)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    service_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/"  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("YHDESSA_TEAMS", "Microsoft", "SLACK_"))}
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", "--db", str(Path(tmp) / "bench.db"), "--yhdessa-port", str(args.yhdessa_port), "--bare-port", str(args.bare_port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=tmp, text=True,
        )
        try:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
            ids = itertools.count(1)
            connector_limit = aiohttp.TCPConnector(limit=args.concurrency * 2)
            async with aiohttp.ClientSession(connector=connector_limit) as session:
                bare_cpu, bare_lat = await phase(session, f"http://127.0.0.1:{args.bare_port}", connector, service_url, "bare", args.activities, args.concurrency, ids)
                y_cpu, y_lat = await phase(session, f"http://127.0.0.1:{args.yhdessa_port}", connector, service_url, "yhd", args.activities, args.concurrency, ids)
        finally:
            if child.stdin:
                child.stdin.close()
            child.wait(timeout=30)
    await runner.cleanup()
    n = args.activities
    print(f"activities per bot: {n}, concurrency: {args.concurrency} (each member waits for its reply)")
    print(f"bare Agents SDK bot: {bare_cpu / n * 1000:.2f} ms CPU per activity; reply latency p50 {pct(bare_lat, 50) * 1000:.1f} ms, p99 {pct(bare_lat, 99) * 1000:.1f} ms")
    print(f"Yhdessä:             {y_cpu / n * 1000:.2f} ms CPU per activity; reply latency p50 {pct(y_lat, 50) * 1000:.1f} ms, p99 {pct(y_lat, 99) * 1000:.1f} ms")
    print(f"CPU ratio Yhdessä / bare: {y_cpu / bare_cpu:.2f} (aim: 1.5 or less)")
    print(f"throughput: bare {n / sum(bare_lat) * args.concurrency:.0f}/s, Yhdessä {n / sum(y_lat) * args.concurrency:.0f}/s "
          "(Yhdessä's replies go through the outbox, paced to Teams' limits: 30/s per app, 3 then 1 per 0.55 s per chat)")
    print(json.dumps({"bare_ms_cpu": bare_cpu / n * 1000, "yhdessa_ms_cpu": y_cpu / n * 1000, "ratio": y_cpu / bare_cpu,
                      "p50_ms": pct(y_lat, 50) * 1000, "p99_ms": pct(y_lat, 99) * 1000}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--yhdessa-port", type=int, default=39781)
    parser.add_argument("--bare-port", type=int, default=39782)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve and os.environ.get("YHDESSA_BENCH_PROFILE"):
        import cProfile

        cProfile.runctx("asyncio.run(serve(args))", globals(), {"args": args, "asyncio": asyncio, "serve": serve}, os.environ["YHDESSA_BENCH_PROFILE"])
        return
    asyncio.run(serve(args) if args.serve else drive(args))


if __name__ == "__main__":
    main()
