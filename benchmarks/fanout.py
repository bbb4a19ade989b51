"""Opening a round to many members: enqueue time, other members' clicks meanwhile, delivery.

For each size (1,000, 5,000 and 10,000 members; 100,000 with --large) a fresh database gets a
Slack network of that many members plus 200 "clickers" who have an older round open. The
coordinator opens `pulse start trust network` through the engine (the command's turn and every
launch chunk after it) while the clickers answer their round through the real path, one click
every 20 ms: stored in the inbox (the acknowledgement), then the engine turn (the answer). It prints

  - enqueue time: the command given until every member's prompt is in the outbox,
  - the longest acknowledgement and the longest click-to-answered wait during the launch,
  - peak memory of the process (each size runs in a process of its own),
  - lost and duplicate prompts, in the outbox and as delivered,
  - the delivery rate through the fake Slack Web API (tests/slack/fake_slack.py as a process of its
    own), with Slack's rate tiers scaled to a rate-minute of 60 ms so that the figure is our
    dispatcher's pace, not Slack's (in real minutes a workspace takes about 240 posts a minute),

and the growth of the enqueue time from 1,000 to 10,000 members (linear is 10x; the aim is within
12x). With --database-url (PostgreSQL), the sizes run on that server, and then one launch of
--scale-members members is invited by 1, 2 and 4 worker processes at once, printing the scaling.
The machine is shared: compare the ratios printed in one run, not the absolute times.

    python benchmarks/fanout.py [--sizes 1000,5000,10000] [--large] [--no-deliver]
    python benchmarks/fanout.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

# YHDESSA_BENCH_ROOT runs the sizes on another checkout (the previous code, for the comparison).
ROOT = Path(os.environ.get("YHDESSA_BENCH_ROOT") or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(ROOT))

TEAM = "T0TEAM"  # the fake's workspace
COORD = "UCOORD"
CLICKERS = 200
CLICK_EVERY = 0.02
SCALED_MINUTE = 0.06


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- one size, in a process of its own ------------------------------------------------------


async def prepare(core: Any, members: int) -> tuple[Any, Any, int, list[str]]:
    """The network, its members, a DM channel known for each, and the clickers' open round."""
    from sqlalchemy import insert, text, update

    from flows.events import CommandIssued, MemberRef, NetworkRef
    from storage.models import ConversationReference, Member, OutboxMessage, utcnow

    network_ref = NetworkRef("slack", TEAM, "Bench")
    coordinator = MemberRef("slack", TEAM, COORD, "Coordinator")
    clickers = [f"UCLICK{i:04d}" for i in range(CLICKERS)]

    async def add(network_id: int, people: list[tuple[str, str]]) -> None:
        # Plain rows (not the code under test), so that an older checkout runs the same set-up.
        now = utcnow()
        rows = [
            {"network_id": network_id, "key": f"slack:{TEAM}:{u}", "display_name": name, "role": "coordinator" if u == COORD else "member", "may_be_named": False, "created_at": now}
            for u, name in people
        ]
        async with core.db.transaction() as tx:
            for start in range(0, len(rows), 5000):
                await tx.execute(insert(Member.__table__), rows[start : start + 5000])

    async with core.db.transaction() as tx:
        network_id = (await core.engine.network(tx, network_ref)).id
    await add(network_id, [(u, f"Clicker {u[-4:]}") for u in [COORD, *clickers]])
    await core.engine.handle(CommandIssued(network_ref, coordinator, "pulse start trust network --named", "bench-clickers"))
    users = [f"U{i:06d}" for i in range(members)]
    await add(network_id, [(u, f"Member {u[1:]}") for u in users])
    async with core.db.transaction() as tx:
        now = utcnow()
        refs = [
            {"key": f"slack:dm:slack:{TEAM}:{u}", "platform": "slack", "data": {"channel": "D" + u[1:]}, "updated_at": now}
            for u in [COORD, *clickers, *users]
        ]
        await tx.execute(insert(ConversationReference.__table__), refs)
        # The clickers' invitations were delivered before: only the launch is to be delivered.
        await tx.execute(update(OutboxMessage.__table__).values(status="sent", sent_at=now))
        rid = int((await tx.execute(text("SELECT max(id) FROM rounds"))).scalar_one())
    return network_ref, coordinator, rid, clickers


async def one_size(url: str, members: int, deliver_url: str | None) -> dict[str, Any]:
    from sqlalchemy import func, select, text

    from bot.app import build_core
    from bot.settings import load_settings
    from flows.events import CommandIssued, MemberAnswered, MemberRef
    from storage.models import OutboxMessage

    core = await build_core(load_settings(database_url=url, language="en", coordinators=f"slack:{TEAM}:{COORD}"), extensions=False)
    network_ref, coordinator, clicker_round, clickers = await prepare(core, members)
    steps = [s.id for s in core.flows.get("pulse-trust").steps]
    async with core.db.transaction() as tx:
        before = int((await tx.execute(select(func.max(OutboxMessage.id)))).scalar_one() or 0)
    memory_before = rss_mb()

    launching = True
    acks: list[float] = []
    answered: list[float] = []

    async def click(n: int, due: float) -> None:
        who = clickers[n % len(clickers)]
        step = steps[(n // len(clickers)) % len(steps)]
        event = MemberAnswered(network_ref, MemberRef("slack", TEAM, who, f"Clicker {who[-4:]}"), f"{clicker_round}:{step}", "4", f"click-{n}")
        await core.inbox.accept(event)  # stored: the acknowledgement goes out now
        acks.append(time.perf_counter() - due)
        await core.handle(event)  # the answer stored, the next question queued
        answered.append(time.perf_counter() - due)

    async def clicking() -> None:
        # Waits count from when the click was due, not from when the loop got round to it: a
        # request waits in the socket while the loop is busy (no coordinated omission).
        tasks = []
        first = time.perf_counter()
        n = 0
        while launching and n < CLICKERS * len(steps):
            due = first + n * CLICK_EVERY
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(click(n, due)))
            n += 1
        await asyncio.gather(*tasks)

    chunks: list[float] = []
    invite_chunk = core.engine.launcher.invite_chunk if hasattr(core.engine, "launcher") else None
    if invite_chunk is not None:

        async def timed_chunk(round_ids: Any = None) -> Any:
            began = time.perf_counter()
            try:
                return await invite_chunk(round_ids)
            finally:
                chunks.append(time.perf_counter() - began)

        core.engine.launcher.invite_chunk = timed_chunk

    turn_ended: list[float] = []
    finish_launches = getattr(core.engine, "finish_launches", None)
    if finish_launches is not None:

        async def after_turn(round_ids: Any) -> None:
            turn_ended.append(time.perf_counter())
            await finish_launches(round_ids)

        core.engine.finish_launches = after_turn

    clicks = asyncio.create_task(clicking())
    await asyncio.sleep(CLICK_EVERY * 3)  # clicks are under way before the launch
    started = time.perf_counter()
    await core.handle(CommandIssued(network_ref, coordinator, "pulse start trust network", "bench-launch"))
    enqueue = time.perf_counter() - started
    launching = False
    await clicks
    peak = rss_mb()

    async with core.db.transaction() as tx:
        rows = (await tx.execute(select(OutboxMessage.audience, OutboxMessage.message).where(OutboxMessage.id > before))).all()
        launch_round = int((await tx.execute(text("SELECT max(id) FROM rounds"))).scalar_one())
    expected = {f"slack:{TEAM}:{u}" for u in [COORD, *clickers, *(f"U{i:06d}" for i in range(members))]}
    prompts = Counter(a for a, m in rows if m.get("type") == "prompt" and m.get("prompt_ref", "").startswith(f"{launch_round}:"))
    result: dict[str, Any] = {
        "members": members,
        "enqueue": enqueue,
        "rows": sum(1 for a, m in rows if m.get("prompt_ref", "").startswith(f"{launch_round}:") or m.get("type") == "notice"),
        "clicks": len(answered),
        "max_ack": max(acks, default=0.0),
        "max_answered": max(answered, default=0.0),
        "median_answered": sorted(answered)[len(answered) // 2] if answered else 0.0,
        "lost": len(expected - set(prompts)),
        "duplicates": sum(n - 1 for n in prompts.values() if n > 1),
        "longest_chunk": max(chunks, default=enqueue),  # the previous code: one transaction
        "turn": (turn_ended[0] - started) if turn_ended else enqueue,
        "peak_mb": peak,
        "growth_mb": peak - memory_before,
    }
    if deliver_url:
        result.update(await deliver(core, deliver_url, expected, launch_round))
    await core.close()
    return result


async def deliver(core: Any, api_url: str, expected: set[str], launch_round: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from adapters.slack import rates
    from adapters.slack.clients import SlackClients
    from adapters.slack.transport import SlackTransport
    from bot.dispatcher import Dispatcher
    from storage.models import OutboxMessage

    clients = SlackClients(api_url, token="xoxb-bench-token", pacing=rates.SLACK_PACING.scaled(SCALED_MINUTE))
    transport = SlackTransport(clients, core.db, core.catalog)
    dispatcher = Dispatcher(core.db, {"slack": transport})
    started = time.perf_counter()
    runner = asyncio.create_task(dispatcher.run(idle=0.05))
    try:
        while True:
            async with core.db.transaction() as tx:
                left = (await tx.execute(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending"))))).scalar_one()
            if not left:
                break
            await asyncio.sleep(0.1)
    finally:
        dispatcher.stop()
        await runner
    seconds = time.perf_counter() - started
    await clients.session.close()
    with urllib.request.urlopen(f"{api_url.rstrip('/').removesuffix('/api')}/calls") as response:
        calls = json.load(response)
    posted = Counter(
        c["args"].get("channel") for c in calls
        if c["method"] == "chat.postMessage" and c["result"].get("ok") and f"yhq|{launch_round}:" in json.dumps(c["args"].get("blocks") or "")
    )
    sent = sum(1 for c in calls if c["method"] == "chat.postMessage" and c["result"].get("ok"))
    want = {"D" + key.rsplit(":", 1)[-1][1:] for key in expected}
    async with core.db.transaction() as tx:
        dead = (await tx.execute(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "dead"))).scalar_one()
    return {
        "delivery_rate": sent / seconds if seconds else 0.0,
        "delivered": sent,
        "delivery_lost": len(want - set(posted)),
        "delivery_duplicates": sum(n - 1 for n in posted.values() if n > 1),
        "dead": int(dead),
    }


# --- PostgreSQL: one launch, invited by several processes -----------------------------------


async def pg_worker(url: str) -> None:
    """Wait for the go, then invite waiting chunks until none is left; print what was done."""
    from bot.app import build_core
    from bot.settings import load_settings

    from sqlalchemy import text

    core = await build_core(load_settings(database_url=url, language="en"), migrate=False, extensions=False)
    async with core.db.transaction() as tx:  # connect before the clock starts
        await tx.execute(text("SELECT 1"))
    print("ready", flush=True)
    sys.stdin.readline()
    started, cpu = time.perf_counter(), time.process_time()
    invited = await core.engine.launcher.finish()
    print(json.dumps({"invited": invited, "seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu}), flush=True)
    await core.db.dispose()


async def pg_launch(url: str, members: int) -> int:
    """A launch of `members` members with everything after the command's turn left waiting."""
    from bot.app import build_core
    from bot.settings import load_settings
    from flows.events import CommandIssued

    core = await build_core(load_settings(database_url=url, language="en", coordinators=f"slack:{TEAM}:{COORD}"), extensions=False)
    network_ref, coordinator, _, _ = await prepare(core, members)

    async def later(round_ids: Any = None) -> int:
        return 0  # the worker processes invite the rest

    core.engine.launcher.finish = later  # type: ignore[method-assign]
    await core.engine.handle(CommandIssued(network_ref, coordinator, "pulse start trust network", "bench-launch"))
    await core.close()
    return members


def pg_schema(base: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    schema = f"fanout_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def pg_drop(base: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def pg_scaling(base: str, members: int, processes: list[int]) -> list[tuple[int, float, int, float]]:
    results = []
    for count in processes:
        url, schema = pg_schema(base)
        try:
            asyncio.run(pg_launch(url, members))
            workers = [
                subprocess.Popen([sys.executable, __file__, "--pg-worker", url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
                for _ in range(count)
            ]
            for w in workers:
                assert w.stdout is not None and w.stdout.readline().strip() == "ready"
            started = time.perf_counter()
            for w in workers:
                assert w.stdin is not None
                w.stdin.write("go\n")
                w.stdin.flush()
            done = [json.loads(w.communicate()[0].strip().splitlines()[-1]) for w in workers]
            wall = time.perf_counter() - started
            results.append((count, wall, sum(d["invited"] for d in done), sum(d["cpu"] for d in done)))
        finally:
            pg_drop(base, schema)
    return results


# --- the driver -------------------------------------------------------------------------------


def run_size(url: str, members: int, deliver_url: str | None, root: str | None = None) -> dict[str, Any]:
    """One size in a process of its own (its peak memory is its own), on `root`'s code."""
    command = [sys.executable, __file__, "--one", str(members), "--url", url]
    if deliver_url:
        command += ["--deliver-to", deliver_url]
    env = {**os.environ, "YHDESSA_BENCH_ROOT": root or str(ROOT)}
    done = subprocess.run(command, capture_output=True, text=True, cwd=root or ROOT, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"the {members}-member run failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def start_fake(members: int) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    fake = subprocess.Popen([sys.executable, "-m", "tests.slack.fake_slack", str(port)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert fake.stdout is not None
    fake.stdout.readline()  # "fake Slack Web API at …": it listens
    return fake, f"http://127.0.0.1:{port}/api/"


def measure(base: str | None, members: int, deliver: bool, root: str | None = None) -> dict[str, Any]:
    """One run of one size on a fresh database (a fresh schema on PostgreSQL)."""
    if base:
        url, schema = pg_schema(base)
    else:
        url, schema = f"sqlite:///{Path(tempfile.mkdtemp(prefix='yhdessa-fanout-')) / 'fanout.db'}", ""
    fake, deliver_url = start_fake(members) if deliver else (None, None)
    try:
        return run_size(url, members, deliver_url, root)
    finally:
        if fake is not None:
            fake.terminate()
            fake.wait(10)
        if schema and base:
            pg_drop(base, schema)


def main(options: argparse.Namespace) -> None:
    counts = [*options.sizes, *([100_000] if options.large else [])]
    base = options.database_url
    print(f"{'members':>8} {'enqueue s':>9} {'rows':>7} {'clicks':>6} {'max ack ms':>10} {'answered p50/max ms':>19} {'turn ms':>7} {'chunk ms':>8} {'lost':>4} {'dup':>4} {'peak MB':>8} {'+MB':>6} {'sent/s':>7} {'d.lost':>6} {'d.dup':>5}")
    results = []
    for members in counts:
        runs = []
        for attempt in range(options.repeat):
            deliver = options.deliver and members <= options.deliver_max and attempt == 0
            runs.append(measure(base, members, deliver))
        # The fastest of the runs for the times (a shared machine only ever adds time), every run
        # for lost and duplicate prompts.
        r = dict(min(runs, key=lambda run: run["enqueue"]))
        r["lost"] = sum(run["lost"] for run in runs)
        r["duplicates"] = sum(run["duplicates"] for run in runs)
        r.update({k: v for k, v in runs[0].items() if k.startswith(("delivery", "delivered", "dead"))})
        results.append(r)
        delivery = f"{r['delivery_rate']:7.0f} {r['delivery_lost']:6d} {r['delivery_duplicates']:5d}" if "delivery_rate" in r else f"{'-':>7} {'-':>6} {'-':>5}"
        print(
            f"{members:8,d} {r['enqueue']:9.2f} {r['rows']:7d} {r['clicks']:6d} {r['max_ack'] * 1000:10.1f} {r['median_answered'] * 1000:9.1f}/{r['max_answered'] * 1000:9.1f} {r['turn'] * 1000:7.1f} {r['longest_chunk'] * 1000:8.1f} "
            f"{r['lost']:4d} {r['duplicates']:4d} {r['peak_mb']:8.0f} {r['growth_mb']:6.0f} {delivery}",
            flush=True,
        )
    by_size = {r["members"]: r for r in results}
    if 1000 in by_size and 10000 in by_size:
        ratio = by_size[10000]["enqueue"] / by_size[1000]["enqueue"]
        print(f"growth 10,000 vs 1,000 members: {ratio:.1f}x (linear is 10x; aim within 12x)")
        print(f"enqueue per member: 1,000: {by_size[1000]['enqueue'] / 1000 * 1e6:.0f} us, 10,000: {by_size[10000]['enqueue'] / 10000 * 1e6:.0f} us")
    if options.old_tree:
        # The same set-up and clicks on another checkout (e.g. `git archive <commit> | tar -x -C DIR`),
        # each size run right after the same size on this code, so both see the same machine.
        for members in options.old_sizes:
            old = min((measure(None, members, False, options.old_tree) for _ in range(options.repeat)), key=lambda run: run["enqueue"])
            now = min((measure(None, members, False) for _ in range(options.repeat)), key=lambda run: run["enqueue"])
            print(
                f"previous code, {members:,d} members: enqueue {old['enqueue']:.2f} s, longest click wait {old['max_answered'] * 1000:.0f} ms "
                f"(ack {old['max_ack'] * 1000:.0f} ms); this code: {now['enqueue']:.2f} s and {now['max_answered'] * 1000:.0f} ms: "
                f"enqueue {old['enqueue'] / now['enqueue']:.1f}x faster, longest click wait {old['max_answered'] / now['max_answered']:.1f}x shorter",
                flush=True,
            )
    if base:
        processes = options.processes
        print(f"PostgreSQL: a launch of {options.scale_members:,d} members invited by several processes ({os.cpu_count()} cores here)")
        scaling = pg_scaling(base, options.scale_members, processes)
        one = scaling[0][1]
        for count, wall, invited, cpu in scaling:
            print(
                f"  {count} process(es): {wall:.2f} s for {invited:,d} members = {invited / wall:,.0f} members/s, "
                f"{one / wall:.2f}x one process; the workers' CPU {cpu / invited * 1e6:.0f} us per member"
            )
        print("  (the workers' CPU per member staying flat means no contention between them: the server and the")
        print("  workers share this machine's cores, so more processes than cores cannot go faster here)")


def sizes(text: str) -> list[int]:
    """`1000,5000` as [1000, 5000]; anything else is refused with a message naming it."""
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of whole numbers, e.g. 1000,5000") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give at least one number, each 1 or more")
    return values


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,5000,10000", type=sizes, help="comma-separated member counts")
    parser.add_argument("--large", action="store_true", help="also 100,000 members")
    parser.add_argument("--no-deliver", dest="deliver", action="store_false", help="skip delivery through the fake Slack")
    parser.add_argument("--deliver-max", type=int, default=10_000, help="deliver only sizes up to this many members")
    parser.add_argument("--database-url", help="PostgreSQL: run there, and the scaling over processes")
    parser.add_argument("--processes", default="1,2,4", type=sizes, help="worker process counts for --database-url")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the fastest is shown")
    parser.add_argument("--scale-members", type=int, default=10_000)
    parser.add_argument("--old-tree", help="a checkout of the previous code: the same runs there, for the comparison")
    parser.add_argument("--old-sizes", default="1000,2000", type=sizes, help="sizes to run on --old-tree (it grows with the square)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--deliver-to", help=argparse.SUPPRESS)
    parser.add_argument("--pg-worker", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.old_tree and not (Path(options.old_tree) / "flows" / "rounds.py").is_file():
        parser.error(f"--old-tree {options.old_tree}: no Yhdessä checkout there (flows/rounds.py is missing)")
    if options.pg_worker:
        asyncio.run(pg_worker(options.pg_worker))
    elif options.one:
        print(json.dumps(asyncio.run(one_size(options.url, options.one, options.deliver_to))))
    else:
        main(options)
