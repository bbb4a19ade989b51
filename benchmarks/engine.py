"""Answers per second through the engine, beside the same SQL through stdlib sqlite3, in one run.

Each answer is one MemberAnswered event through Engine.handle (a named pulse round): the
idempotency claim, the network, member, round and session (one query), the response, the
session's new step and the next prompt into the outbox. The peer is a hand-written bot running the
engine's own statements (storage/answer_sql.SQL) with the same values (JSON, times, the next prompt
as JSON) through stdlib sqlite3 on a copy of the same database file, answering the same events;
both print how many statements SQLite ran per answer. Both run at concurrency
1 (a commit per answer) and 50 (the engine with 50 turns in flight, without and with group
commit; the peer with the 50 answers that arrived together in one transaction, a SAVEPOINT each,
which is what group commit does), under synchronous=FULL (the default) and NORMAL.

With --database-url (PostgreSQL) the engine runs in 1, 2 and 4 processes on one database
and prints answers/s and the scaling against one process.

    python benchmarks/engine.py [--answers 2000] [--members 200] [--profile FILE]
    python benchmarks/engine.py --database-url postgresql://postgres@127.0.0.1:5432/test

Timings on a shared machine are noisy: compare the ratios, which are measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, event, text  # noqa: E402

import storage.database  # noqa: E402
from bot.app import Core, build_core  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from flows.events import CommandIssued, MemberAnswered, MemberRef, NetworkRef  # noqa: E402
from flows.messages import Prompt, to_json  # noqa: E402
from storage.answer_sql import SQL  # noqa: E402
from storage.inbox import digest  # noqa: E402

NETWORK = NetworkRef("console", "local")
CONCURRENCY = 50


async def prepare(url: str, members: int, answers: int) -> tuple[Core, list[MemberAnswered]]:
    """Members and enough named pulse rounds for `answers` answers, ordered step by step."""
    core = await build_core(load_settings(database_url=url, language="en"), extensions=False)
    people = [MemberRef("console", "local", f"m{i}", f"Member {i}") for i in range(members)]
    for n, person in enumerate(people):
        await core.engine.handle(CommandIssued(NETWORK, person, "/yhdessa help", f"join-{n}"))
    steps = [s.id for s in core.flows["pulse"].steps]
    rounds = -(-answers // (members * len(steps)))
    refs: list[list[str]] = [[] for _ in people]
    for r in range(rounds):
        out = await core.engine.handle(CommandIssued(NETWORK, people[0], "/yhdessa pulse start all network --named", f"open-{r}"))
        for message in out:
            if isinstance(message, Prompt):
                refs[int(message.audience.target_id[1:])].append(message.prompt_ref.split(":")[0])
    events = [
        MemberAnswered(NETWORK, person, f"{refs[i][r]}:{steps[s]}", "4", f"a-{r}-{i}-{s}")
        for s in range(len(steps))
        for r in range(rounds)
        for i, person in enumerate(people)
    ]
    return core, events[:answers]


async def run_engine(core: Core, events: list[MemberAnswered], concurrency: int) -> float:
    queue: Iterator[MemberAnswered] = iter(events)

    async def worker() -> None:
        for answer in queue:
            await core.engine.handle(answer)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - began


class Peer:
    """A hand-written bot: the engine's own statements (storage/answer_sql.SQL) with the same
    values, through stdlib sqlite3, and nothing else."""

    def __init__(self, path: Path, synchronous: str, prompt: dict[str, Any]) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", f"synchronous={synchronous}", "foreign_keys=ON", "busy_timeout=10000", "secure_delete=ON"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.prompt = prompt
        self.statements = 0
        self.conn.set_trace_callback(self._count)

    def _count(self, _statement: str) -> None:
        self.statements += 1

    def run(self, events: list[MemberAnswered], group: int) -> float:
        began = time.perf_counter()
        for start in range(0, len(events), group):
            batch = events[start : start + group]
            self.conn.execute("BEGIN")
            for answer in batch:
                if group > 1:
                    self.conn.execute("SAVEPOINT turn")
                self.answer(answer)
                if group > 1:
                    self.conn.execute("RELEASE SAVEPOINT turn")
            self.conn.execute("COMMIT")
        return time.perf_counter() - began

    def answer(self, event: MemberAnswered) -> None:
        c = self.conn
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        at = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        hour = now.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%d %H:%M:%S.%f")
        if c.execute(SQL["claim"], {"key": digest(event.idempotency_key), "at": hour}).fetchone() is None:
            return
        round_id, step_id = event.prompt_ref.split(":")
        row = c.execute(SQL["context"], {"network": event.network.key, "member": event.member.key, "round": int(round_id)}).fetchone()
        member_id, sector, side, session_id, answered, submission = row[3], row[6], row[7], row[13], row[16], row[18]
        done = [*json.loads(answered), step_id]
        c.execute(
            SQL["response"],
            {"round_id": int(round_id), "step_id": step_id, "dimension": step_id.split("-")[0], "member_id": member_id,
             "submission": submission, "value_num": float(event.value), "value_text": None, "value_list": None,
             "sector": sector, "side": side, "answered_at": at},
        )
        c.execute(
            SQL["session"],
            {"flow_version": "v", "step_id": step_id, "answered": json.dumps(done), "status": "open", "submission": submission,
             "held": None, "updated_at": at, "completed_at": None, "id": session_id},
        )
        message = {**self.prompt, "prompt_ref": f"{round_id}:{step_id}", "audience": {"platform": "console", "member_key": event.member.key}}
        c.execute(SQL["outbox"], {"platform": "console", "audience": event.member.key, "message": json.dumps(message), "at": at})


def count_statements(core: Core) -> list[int]:
    """Every statement SQLite runs for the engine (through SQLAlchemy or on the driver)."""
    counted = [0]

    def traced(dbapi_connection: Any, _record: Any) -> None:
        def count(_statement: str) -> None:
            counted[0] += 1

        dbapi_connection._connection._conn.set_trace_callback(count)  # the sqlite3 connection of the inline adapter

    event.listen(core.db.engine.sync_engine, "connect", traced)
    return counted


async def sqlite_modes(folder: Path, synchronous: str, answers: int, members: int, profile: str | None) -> dict[str, float]:
    storage.database._SYNCHRONOUS = synchronous  # the one knob a benchmark turns: the default is chosen from these figures
    path = folder / f"engine-{synchronous}.db"
    ones = max(50, answers // 4)  # a commit (and with FULL, a sync) per answer: slower, fewer needed
    core, events = await prepare(f"sqlite:///{path}", members, ones + 2 * answers)
    prompt = {k: v for k, v in to_json((await core.engine.pending_prompts(NETWORK, events[0].member))[0]).items()}
    await core.db.wipe_log()
    copy = folder / f"peer-{synchronous}.db"
    shutil.copy(path, copy)
    peer = Peer(copy, synchronous, prompt)
    one, unbatched, grouped = events[:ones], events[ones : ones + answers], events[ones + answers :]
    await core.db.engine.dispose()  # new connections, traced
    counted = count_statements(core)
    rates: dict[str, float] = {}
    core.db.group_commit = True
    rates["engine c1"] = len(one) / await run_engine(core, one, 1)
    per_answer = counted[0] / len(one)
    rates["peer c1"] = len(one) / peer.run(one, 1)
    peer_per_answer = peer.statements / len(one)
    core.db.group_commit = False
    rates["engine c50 no group"] = len(unbatched) / await run_engine(core, unbatched, CONCURRENCY)
    rates["peer c50 no group"] = len(unbatched) / peer.run(unbatched, 1)
    core.db.group_commit = True
    groups_before, turns_before = core.db.group_stats
    profiler = _profiler(profile)
    rates["engine c50 group"] = len(grouped) / await run_engine(core, grouped, CONCURRENCY)
    _stop(profiler, profile)
    groups, turns = (a - b for a, b in zip(core.db.group_stats, (groups_before, turns_before)))
    rates["peer c50 group"] = len(grouped) / peer.run(grouped, CONCURRENCY)
    rates["turns per group"] = turns / max(groups, 1)
    rates["statements per answer"] = per_answer
    rates["peer statements per answer"] = peer_per_answer
    await core.close()
    return rates


def _profiler(profile: str | None) -> Any:
    if not profile:
        return None
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile

        profiler: Any = cProfile.Profile()
        profiler.enable()
        return profiler
    profiler = Profiler(async_mode="disabled")
    profiler.start()
    return profiler


def _stop(profiler: Any, profile: str | None) -> None:
    if profiler is None or profile is None:
        return
    if hasattr(profiler, "output_text"):
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=False, show_all=False))
    else:
        profiler.disable()
        profiler.dump_stats(profile)
    print(f"profile of the engine at concurrency {CONCURRENCY} with group commit: {profile}")


async def sqlite_main(answers: int, members: int, profile: str | None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="yhdessa-bench-"))
    try:
        results = {sync: await sqlite_modes(folder, sync, answers, members, profile if sync == "FULL" else None) for sync in ("FULL", "NORMAL")}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for sync, r in results.items():
        print(f"\nsynchronous={sync}  (statements per answer at c1: engine {r['statements per answer']:.1f}, peer {r['peer statements per answer']:.1f})")
        for mode in ("c1", "c50 no group", "c50 group"):
            engine, peer = r[f"engine {mode}"], r[f"peer {mode}"]
            print(f"  {mode:<13} engine {engine:>7,.0f} answers/s   same SQL via sqlite3 {peer:>7,.0f}/s   engine/peer {engine / peer:.2f}")
        print(f"  turns per group commit at c50: {r['turns per group']:.1f}")
    full, normal = results["FULL"], results["NORMAL"]
    print(f"\nFULL/NORMAL for the engine: c1 {full['engine c1'] / normal['engine c1']:.2f}, c50 with group commit {full['engine c50 group'] / normal['engine c50 group']:.2f}")
    print(f"aims: engine >= 2,000 answers/s at c50 (FULL: {full['engine c50 group']:,.0f}), engine/peer >= 0.5 at c50 ({full['engine c50 group'] / full['peer c50 group']:.2f})")


# PostgreSQL: several processes on one database.


def _pg_schema(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    sync = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with sync.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sync.dispose()
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}", schema


def _pg_drop(base: str, schema: str) -> None:
    sync = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with sync.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    sync.dispose()


def _pg_worker(url: str, events: list[MemberAnswered], concurrency: int, barrier: Any, results: Any) -> None:
    async def run() -> None:
        core = await build_core(load_settings(database_url=url, language="en"), migrate=False, extensions=False)
        # Connections opened and statements warm before the clock starts, as in a running process.
        warm = [CommandIssued(NETWORK, e.member, "/yhdessa stage", f"warm-{secrets.token_hex(6)}") for e in events[:concurrency]]
        await asyncio.gather(*(core.engine.handle(w) for w in warm))
        barrier.wait()
        began, cpu = time.perf_counter(), time.process_time()
        await run_engine(core, events, concurrency)
        results.put((time.perf_counter() - began, time.process_time() - cpu))
        await core.close()

    asyncio.run(run())


async def postgres_main(base: str, answers: int, members: int, concurrency: int) -> None:
    url, schema = _pg_schema(base)
    counts = (1, 2, 4)
    try:
        core, events = await prepare(url, members, answers * len(counts))
        await core.close()
        context = multiprocessing.get_context("spawn")
        rates: dict[int, float] = {}
        for n, processes in enumerate(counts):
            chunk = events[n * answers : (n + 1) * answers]
            # Member by member, so two processes never answer the same member's session at once.
            shares: list[list[MemberAnswered]] = [[] for _ in range(processes)]
            for answer in chunk:
                shares[int(answer.member.user[1:]) % processes].append(answer)
            barrier, results = context.Barrier(processes + 1), context.Queue()
            workers = [context.Process(target=_pg_worker, args=(url, share, concurrency, barrier, results)) for share in shares]
            for w in workers:
                w.start()
            barrier.wait()
            measured = [results.get() for _ in workers]
            for w in workers:
                w.join()
            elapsed, cpu = max(m[0] for m in measured), sum(m[1] for m in measured)
            rates[processes] = len(chunk) / elapsed
            print(
                f"PostgreSQL, {processes} process(es) x {concurrency} turns in flight: {rates[processes]:,.0f} answers/s  "
                f"({rates[processes] / rates[1]:.2f}x one process); bot CPU {1000 * cpu / len(chunk):.2f} ms per answer, "
                f"the bot processes used {cpu / elapsed:.2f} of the {len(os.sched_getaffinity(0))} cores"
            )
    finally:
        _pg_drop(base, schema)
    cores = len(os.sched_getaffinity(0))
    print(
        f"this machine has {cores} core(s) for the bot processes and PostgreSQL together: each answer costs "
        "CPU in the bot and in the server, so past the cores there is nothing left to scale into "
        "(aim: 4 processes >= 3x one, on a machine with >= 4 free cores)."
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=2000, help="answers per measured mode (default 2000)")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--database-url", help="a PostgreSQL URL: run 1, 2 and 4 processes against it")
    parser.add_argument("--concurrency", type=int, default=16, help="turns in flight per process in the PostgreSQL mode")
    parser.add_argument("--profile", help="write a profile of the engine at concurrency 50 with group commit here")
    options = parser.parse_args()
    if options.database_url:
        if not options.database_url.startswith(("postgresql", "postgres")):
            parser.error("--database-url must be a PostgreSQL URL (postgresql://user@host:port/database)")
        asyncio.run(postgres_main(options.database_url, options.answers, options.members, options.concurrency))
    else:
        asyncio.run(sqlite_main(options.answers, options.members, options.profile))
