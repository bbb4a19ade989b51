"""The Teams answer path: Yhdessä beside a hand-written Agents SDK bot doing the same work, and
beside a bare Agents SDK bot that only replies.

One run: a child process serves the three bots in turn (real CloudAdapter, anonymous local mode);
this process plays Teams (50 concurrent members) and the Bot Connector (tests/teams/fake_connector.py,
as strict as the real service). Before the timed phases the child opens a named pulse for all the
benchmark's members (its invitations marked sent, each member's chat reference stored, as after
delivery). Each member then answers the open question as Teams sends it: a message activity whose
`value` is the Action.Submit data of the question card, replying to that card. Yhdessä stores the
answer through its fast answer turn (flows/answer_turn.py), updates the answered card and sends
the next question card through its outbox; the member waits for both. The peer does the same by
hand: stores the answer with its idempotency key (the activity id) through stdlib sqlite3, commits,
updates the card and sends the next question card. The bare bot only replies with text (one call).
CPU time is the child's own (time.process_time), so the load generator and the fake connector do
not count. Teams' send pacing is scaled to a 60 ms minute in the child (the connector is local; the
figure wanted is CPU per answer, not minutes of waiting), as benchmarks/slack_path.py does.

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.teams.fake_connector import Call, FakeConnector  # noqa: E402

TENANT = "bench-tenant"
BOT = {"id": "28:bench-bot", "name": "Yhdessä"}
CARD = "application/vnd.microsoft.card.adaptive"


# ---- the child: both bots in one process ---------------------------------------------------------

def account(member: str) -> dict[str, str]:
    return {"id": f"29:{member}", "name": f"Member {member}", "aadObjectId": f"aad-{member}"}


def conversation(member: str) -> dict[str, Any]:
    return {"conversationType": "personal", "tenantId": TENANT, "id": f"a:{member}"}


def card(text: str, prompt: str) -> dict[str, Any]:
    """The peer's question card (and, without buttons, its answered card): written out by hand."""
    body: dict[str, Any] = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": text, "wrap": True}]}
    if prompt:
        body["actions"] = [{"type": "Action.Submit", "title": str(n), "data": {"yhdessa_prompt": prompt, "answer": str(n)}} for n in range(1, 6)]
    return body


async def prepare(core: Any, members: list[str], service_url: str) -> int:
    """One open named pulse for `members` (named: each answer is stored at once), its invitations
    marked sent and each member's chat reference kept, as after delivery. Returns the round id."""
    from microsoft_agents.activity import Activity

    from adapters.teams import activities
    from adapters.teams.references import References
    from flows.events import CommandIssued
    from flows.rounds import ensure_member

    first = Activity.model_validate(message(service_url, members[0], "", itertools.count()))
    network_ref = activities.network_of(first)
    references = References(core.db)
    kept: dict[str, dict[str, Any]] = {}
    async with core.db.transaction() as tx:
        network = await core.engine.network(tx, network_ref)
        for member in members:
            activity = Activity.model_validate(message(service_url, member, "", itertools.count()))
            ref = activities.member_ref(TENANT, activity.from_property)
            await ensure_member(tx, core.config, network, ref)
            kept[ref.key] = activities.reference_data(activity, activity.from_property, True)
    await references.keep(kept)
    coordinator = activities.member_ref(TENANT, Activity.model_validate(message(service_url, "coord", "", itertools.count())).from_property)
    await core.engine.handle(CommandIssued(network_ref, coordinator, "pulse start trust network --named", "bench-open"))
    async with core.db.transaction() as tx:
        from sqlalchemy import text

        await tx.execute(text("UPDATE outbox SET status = 'sent'"))
        # Members of a running network got their welcome long ago; the peer sends none either.
        await tx.execute(text("INSERT INTO member_welcomes (member_id, at) SELECT id, CURRENT_TIMESTAMP FROM members WHERE id NOT IN (SELECT member_id FROM member_welcomes)"))
        round_id = (await tx.execute(text("SELECT max(id) FROM rounds"))).scalar_one()
    return int(round_id)


async def serve(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    logging.basicConfig(level=logging.WARNING)
    from microsoft_agents.activity import Activity, Attachment
    from microsoft_agents.hosting.aiohttp import jwt_authorization_decorator
    from microsoft_agents.hosting.core import TurnContext

    from adapters.teams import transport
    from adapters.teams.connector import build_adapter
    from bot.app import build_core
    from bot.server import build_web_app
    from bot.settings import load_settings

    transport.TeamsTransport.pacing = replace(transport.TEAMS_PACING.scaled(0.06), per_platform_rate=transport.TEAMS_PACING.per_platform_rate * 1000)
    settings = load_settings(database_url=f"sqlite:///{args.db}", language="en", coordinators=f"teams:{TENANT}:aad-coord")
    core = await build_core(settings)
    app, mounted = await build_web_app(core, ["teams"])
    round_id = await prepare(core, [f"yhd-{n}" for n in range(args.members)], args.service_url)
    dispatcher = core.start_delivery({})
    delivery = asyncio.create_task(dispatcher.run(idle=0.2))

    bare_adapter, bare_factory, auth = build_adapter(settings)

    class EchoBot:
        async def on_turn(self, context: TurnContext) -> None:
            if context.activity.type == "message":
                await context.send_activity("Thank you.")

    class PeerBot:
        """Stores the answer once (a redelivered activity stores nothing twice), commits, updates the
        answered card and sends the next question card."""

        def __init__(self, path: str) -> None:
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS answers (idempotency_key TEXT PRIMARY KEY, member TEXT NOT NULL,"
                " prompt TEXT NOT NULL, value TEXT NOT NULL, answered_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )

        async def on_turn(self, context: TurnContext) -> None:
            activity = context.activity
            value = activity.value if isinstance(activity.value, dict) else None
            if activity.type != "message" or value is None or "yhdessa_prompt" not in value:
                return
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.execute(
                    "INSERT INTO answers (idempotency_key, member, prompt, value) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (f"{activity.conversation.id}:{activity.id}", activity.from_property.aad_object_id, value["yhdessa_prompt"], str(value.get("answer"))),
                )
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            answered = Activity(type="message", id=activity.reply_to_id, attachments=[Attachment(content_type=CARD, content=card(f"Question 1: answered {value.get('answer')}", ""))])
            await context.update_activity(answered)
            following = Activity(type="message", attachments=[Attachment(content_type=CARD, content=card("Question 2", f"{value['yhdessa_prompt']}-next"))])
            await context.send_activity(following)

    def agent_app(adapter: Any, agent: Any) -> web.Application:
        application = web.Application()
        application["agent_configuration"] = auth

        @jwt_authorization_decorator
        async def messages(request: web.Request) -> web.StreamResponse:
            return await adapter.process(request, agent) or web.Response(status=202)

        application.router.add_post("/api/messages", messages)
        return application

    bare = agent_app(bare_adapter, EchoBot())
    peer_adapter, peer_factory, _ = build_adapter(settings)
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
    print(f"ready {round_id}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    dispatcher.stop()
    delivery.cancel()
    for runner in runners:
        await runner.cleanup()
    for factory in (bare_factory, peer_factory):
        await factory.close()
    for part in mounted:  # Yhdessä's kept connector clients, as `yhdessa run` closes them
        for job in part.cleanup:
            await job()
    await core.close()


# ---- the parent: Teams and the Bot Connector -----------------------------------------------------

@dataclass
class Connector(FakeConnector):
    """The strict fake Bot Connector, counting what it delivered to each conversation."""

    delivered_to: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    waiting: dict[str, asyncio.Event] = field(default_factory=lambda: defaultdict(asyncio.Event))

    async def _record(self, request: web.Request, kind: str) -> tuple[Call, web.Response | None]:
        call, failed = await super()._record(request, kind)
        if failed is None and kind in ("send", "reply", "update") and call.conversation:
            self.delivered_to[call.conversation] += 1
            self.waiting[call.conversation].set()
        return call, failed


def message(service_url: str, member: str, text: str, ids: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "id": str(next(ids)),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": account(member),
        "conversation": conversation(member),
        "recipient": BOT,
        "text": text,
        "textFormat": "plain",
        "channelData": {"tenant": {"id": TENANT}},
    }


def submit(service_url: str, member: str, prompt: str, answer: str, ids: Any) -> dict[str, Any]:
    """An Action.Submit on the question card, as Teams sends it: the card's data in `value`."""
    return {
        "type": "message",
        "id": str(next(ids)),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": account(member),
        "conversation": conversation(member),
        "recipient": BOT,
        "replyToId": f"card-{member}",
        "value": {"yhdessa_prompt": prompt, "answer": answer},
        "channelData": {"tenant": {"id": TENANT}, "source": {"name": "message"}},
    }


async def phase(session: aiohttp.ClientSession, url: str, connector: Connector, service_url: str, prefix: str, total: int, concurrency: int, ids: Any, prompt: str, deliveries: int) -> tuple[float, list[float]]:
    """`total` members answer (from `concurrency` at a time, after `concurrency` untimed warm-up
    answers); each waits until `deliveries` calls reached its chat. Returns CPU and latencies."""
    async def cpu() -> float:
        async with session.get(f"{url}/cpu") as r:
            return float((await r.json())["cpu"])

    async def one(n: int) -> float:
        member = f"{prefix}-{n}"
        chat = f"a:{member}"
        event = connector.waiting[chat]
        started = time.perf_counter()
        async with session.post(f"{url}/api/messages", json=submit(service_url, member, prompt, str(1 + n % 5), ids)) as r:
            assert r.status in (200, 202), r.status
        while connector.delivered_to[chat] < deliveries:
            event.clear()
            await asyncio.wait_for(event.wait(), 60)
        return time.perf_counter() - started

    await asyncio.gather(*(one(n) for n in range(concurrency)))  # warm-up: caches, first sight of the path
    await asyncio.sleep(1.0)
    profiled = prefix == "yhd" and bool(os.environ.get("YHDESSA_BENCH_PROFILE"))
    if profiled:
        async with session.post(f"{url}/profile/on") as r:
            await r.read()
    start = await cpu()
    latencies: list[float] = []
    queue = iter(range(concurrency, concurrency + total))

    async def worker() -> None:
        for n in queue:
            latencies.append(await one(n))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
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
            [sys.executable, __file__, "--serve", "--db", str(Path(tmp) / "bench.db"), "--yhdessa-port", str(args.yhdessa_port), "--bare-port", str(args.bare_port), "--peer-port", str(args.peer_port), "--members", str(args.activities + args.concurrency), "--service-url", service_url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=tmp, text=True,
        )
        try:
            assert child.stdout is not None
            ready, _, round_id = child.stdout.readline().strip().partition(" ")
            assert ready == "ready", ready
            prompt = f"{round_id}:trust-1"
            ids = itertools.count(1)
            connector_limit = aiohttp.TCPConnector(limit=args.concurrency * 2)
            async with aiohttp.ClientSession(connector=connector_limit) as session:
                idle = await idle_rate(session, f"http://127.0.0.1:{args.bare_port}")
                bare_cpu, bare_lat = await phase(session, f"http://127.0.0.1:{args.bare_port}", connector, service_url, "bare", args.activities, args.concurrency, ids, prompt, 1)
                peer_cpu, peer_lat = await phase(session, f"http://127.0.0.1:{args.peer_port}", connector, service_url, "peer", args.activities, args.concurrency, ids, prompt, 2)
                y_cpu, y_lat = await phase(session, f"http://127.0.0.1:{args.yhdessa_port}", connector, service_url, "yhd", args.activities, args.concurrency, ids, prompt, 2)
        finally:
            if child.stdin:
                child.stdin.close()
            child.wait(timeout=30)
    await connector.stop()
    refused = [c for c in connector.calls if c.status >= 300]
    yhd = [c for c in connector.calls if c.conversation and c.conversation.startswith("a:yhd-") and c.status < 300]
    updates = sum(1 for c in yhd if c.kind == "update")
    cards = sum(1 for c in yhd if c.kind != "update" and c.card is not None and any(a.get("data", {}).get("yhdessa_prompt", "").endswith(":trust-2") for a in c.card.get("actions", [])))
    n = args.activities
    print(f"activities per bot: {n}, concurrency: {args.concurrency} (each a different member answering the open pulse question by card submit, waiting for its card update and next question)")
    print(f"bare Agents SDK bot: {bare_cpu / n * 1000:.2f} ms CPU per activity; reply latency p50 {pct(bare_lat, 50) * 1000:.1f} ms, p99 {pct(bare_lat, 99) * 1000:.1f} ms (one text reply only)")
    print(f"peer Agents SDK bot: {peer_cpu / n * 1000:.2f} ms CPU per activity; reply latency p50 {pct(peer_lat, 50) * 1000:.1f} ms, p99 {pct(peer_lat, 99) * 1000:.1f} ms (stores, commits, updates the card, sends the next card)")
    print(f"Yhdessä:             {y_cpu / n * 1000:.2f} ms CPU per activity; reply latency p50 {pct(y_lat, 50) * 1000:.1f} ms, p99 {pct(y_lat, 99) * 1000:.1f} ms")
    print(f"CPU ratio Yhdessä / peer: {y_cpu / peer_cpu:.2f} (aim: 1.5 or less)")
    print(f"CPU ratio Yhdessä / bare: {y_cpu / bare_cpu:.2f}")
    print(f"idle CPU of the serving process (all three bots, no traffic): {idle * 1000:.1f} ms per second")
    print(f"calls the strict fake connector refused: {len(refused)}; Yhdessä's answered cards updated: {updates}, next question cards (trust-2) sent: {cards} of {n + args.concurrency} answers")
    print(f"throughput: bare {n / sum(bare_lat) * args.concurrency:.0f}/s, Yhdessä {n / sum(y_lat) * args.concurrency:.0f}/s "
          "(Yhdessä's replies go through the outbox; its Teams pacing is scaled to a 60 ms minute here)")
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
    parser.add_argument("--members", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--service-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.serve:
        for name in ("yhdessa_port", "bare_port", "peer_port"):
            if not getattr(args, name):
                setattr(args, name, free_port())
    asyncio.run(serve(args) if args.serve else drive(args))


if __name__ == "__main__":
    main()
