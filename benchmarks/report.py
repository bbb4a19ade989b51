"""How fast are reports on a big network? Prints timings and peak memory; not a unit test.

Fills a SQLite database with 1,000,000 pulse answers over 24 monthly rounds and 500 members, then
times `report trends` and one round's report (built exactly as the chat command builds them,
charts included) and reports peak memory (tracemalloc: Python allocations; ru_maxrss: the process).

    python benchmarks/report.py [--responses 1000000] [--rounds 24] [--members 500] [--db FILE]

With 500 members and 12 pulse items a round, a million answers means ~3,500 submissions a round
(about seven pulse waves folded into each month): the load is there to stress the queries.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import secrets
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build_core  # noqa: E402
from bot.evaluation.report import ReportRequest, build_report  # noqa: E402
from bot.settings import load_settings  # noqa: E402

SECTORS = ("public", "private", "third")
SIDES = ("internal", "external")


def fill(path: Path, responses: int, rounds: int, members: int, seed: int = 1) -> None:
    """Bulk insert with the sqlite3 module: one transaction, executemany, no ORM objects."""
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    now = datetime(2026, 11, 1, tzinfo=timezone.utc).replace(tzinfo=None)
    con.execute(
        "INSERT INTO networks (id, key, name, language, timezone, u_stage, created_at) VALUES (1, 'console:local', 'Bench', 'en', 'Europe/Helsinki', 3, ?)",
        (now,),
    )
    con.executemany(
        "INSERT INTO members (id, network_id, key, display_name, organisation, sector, side, role, may_be_named, created_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (i, f"console:local:m{i}", f"Member {i}", f"Org {i % 40}", SECTORS[i % 3], SIDES[i % 2], "coordinator" if i == 1 else "member", i % 4 == 0, now)
            for i in range(1, members + 1)
        ],
    )
    items = [(f"{d}-{k}", d, k == 4) for d in ("knowing", "trust", "commitment") for k in range(1, 5)]
    per_round = responses // rounds
    submissions = per_round // len(items)
    response_id = 0
    for r in range(1, rounds + 1):
        opens = now - timedelta(days=30 * (rounds - r + 1))
        con.execute(
            "INSERT INTO rounds (id, network_id, flow_id, flow_version, audience, delivery, anonymous, status, invited, opens_at, closed_at) VALUES (?, 1, 'pulse', '1', 'network', 'dm', 1, 'closed', ?, ?, ?)",
            (r, members, opens, opens + timedelta(days=7)),
        )
        con.executemany(
            "INSERT INTO member_sessions (round_id, member_id, flow_version, answered, status, started_at, updated_at) VALUES (?, ?, '1', '[]', ?, ?, ?)",
            [(r, m, "done" if rng.random() < 0.8 else "closed", opens, opens) for m in range(1, members + 1)],
        )
        level = 3.0 + 0.4 * (r / rounds)
        rows = []
        for s in range(submissions):
            member = 1 + s % members
            submission = secrets.token_hex(12)
            person = rng.gauss(level, 0.6)
            for step_id, dimension, reverse in items:
                value = min(5, max(1, round(person + rng.gauss(0, 0.7))))
                response_id += 1
                rows.append((response_id, r, step_id, dimension, submission, 6 - value if reverse else value, SECTORS[member % 3], SIDES[member % 2], opens))
        con.executemany(
            "INSERT INTO responses (id, round_id, step_id, dimension, member_id, submission, value_num, sector, side, answered_at) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)",
            rows,
        )
    con.commit()
    con.execute("ANALYZE")
    con.close()


async def measure(url: str, charts_dir: Path) -> None:
    core = await build_core(load_settings(database_url=url, language="en", chart_dir=str(charts_dir)))
    cases = (
        ("report trends (first, aggregates)", ["trends"]),
        ("report trends (again, kept)", ["trends"]),
        ("report <round> (round 24)", ["24"]),
        ("report trends --by sector", ["trends", "--by", "sector"]),
    )
    try:
        for label, words in cases:
            # Timing without tracemalloc (it slows Python-heavy chart drawing ten-fold) ...
            started = time.perf_counter()
            async with core.db.transaction() as tx:
                report = await build_report(tx, core.config, core.settings, ReportRequest.parse(words), network_key="console:local")
            elapsed = time.perf_counter() - started
            # ... then the same report again under tracemalloc for its peak Python memory.
            tracemalloc.start()
            async with core.db.transaction() as tx:
                await build_report(tx, core.config, core.settings, ReportRequest.parse(words), network_key="console:local")
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"{label:36s} {elapsed * 1000:7.0f} ms   peak Python memory {peak / 2**20:6.1f} MB   charts {len(report.charts)}")
    finally:
        await core.close()


async def _forget_kept(url: str) -> None:
    """Start cold: drop kept aggregates from an earlier run on the same file."""
    from sqlalchemy import text

    core = await build_core(load_settings(database_url=url, language="en"), extensions=False)
    async with core.db.transaction() as tx:
        await tx.execute(text("DELETE FROM evaluation_round_stats"))
    await core.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=24)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--db", default=None, help="reuse or create this SQLite file")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="yhdessa-bench-"))
    path = Path(args.db) if args.db else folder / "bench.db"
    url = f"sqlite:///{path}"
    fresh = not path.exists()
    asyncio.run(_migrate(url))
    if fresh:
        started = time.perf_counter()
        fill(path, args.responses, args.rounds, args.members)
        print(f"filled {args.responses:,} answers, {args.rounds} rounds, {args.members} members in {time.perf_counter() - started:.1f} s ({path})")
    asyncio.run(_forget_kept(url))
    asyncio.run(measure(url, folder / "charts"))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak process memory (ru_maxrss: the whole process, with the fill when it ran): {rss:.0f} MB")
    return 0


async def _migrate(url: str) -> None:
    core = await build_core(load_settings(database_url=url, language="en"), extensions=False)
    await core.close()


if __name__ == "__main__":
    sys.exit(main())
