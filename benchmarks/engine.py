"""Answers per second through the engine on a SQLite file, beside plain one-row insert-and-commit.

Each answer is one MemberAnswered event through Engine.handle: its own transaction with the
idempotency claim, the session update, the response and the next prompt into the outbox. The
baseline inserts one small row per transaction through the same driver on the same database file.

    python benchmarks/engine.py [--answers 4000] [--members 200]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Column, Integer, MetaData, String, Table, insert  # noqa: E402

from bot.app import build_core  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from flows.events import CommandIssued, MemberAnswered, MemberRef, NetworkRef  # noqa: E402
from flows.messages import Prompt  # noqa: E402

NETWORK = NetworkRef("console", "local")


async def main(answers: int, members: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="yhdessa-bench-"))
    settings = load_settings(database_url=f"sqlite:///{folder / 'bench.db'}", language="en")
    core = await build_core(settings)
    people = [MemberRef("console", "local", f"m{i}", f"Member {i}") for i in range(members)]
    for n, person in enumerate(people):
        await core.engine.handle(CommandIssued(NETWORK, person, "/yhdessa help", f"join-{n}"))
    # Enough pulse rounds that every member has `answers` questions waiting, one per event.
    per_round = len(core.flows["pulse"].steps)
    rounds = -(-answers // (members * per_round))
    refs: list[list[str]] = [[] for _ in people]
    for r in range(rounds):
        out = await core.engine.handle(CommandIssued(NETWORK, people[0], "/yhdessa pulse start all network", f"open-{r}"))
        for message in out:
            if isinstance(message, Prompt):
                refs[int(message.audience.target_id[1:])].append(message.prompt_ref.split(":")[0])
    steps = [s.id for s in core.flows["pulse"].steps]
    events = []
    for step_index in range(per_round):
        for r in range(rounds):
            for i, person in enumerate(people):
                events.append(MemberAnswered(NETWORK, person, f"{refs[i][r]}:{steps[step_index]}", "4", f"a-{r}-{i}-{step_index}"))
    events = events[:answers]

    table = Table("bench_rows", MetaData(), Column("id", Integer, primary_key=True), Column("value", String(40)))
    async with core.db.engine.begin() as conn:
        await conn.run_sync(table.metadata.create_all)
    # Interleaved slices, so that both rates see the same machine (a shared VM's speed drifts).
    slices = 8
    size = -(-answers // slices)
    engine_seconds = plain_seconds = 0.0
    plain_rows = 0
    for start in range(0, answers, size):
        chunk = events[start : start + size]
        began = time.perf_counter()
        for event in chunk:
            await core.engine.handle(event)
        engine_seconds += time.perf_counter() - began
        began = time.perf_counter()
        for n in range(len(chunk)):
            async with core.db.engine.begin() as conn:
                await conn.execute(insert(table).values(value=f"row {plain_rows + n}"))
        plain_seconds += time.perf_counter() - began
        plain_rows += len(chunk)
    await core.close()

    engine_rate, plain_rate = answers / engine_seconds, answers / plain_seconds
    print(f"answers through the engine: {answers} in {engine_seconds:.2f} s = {engine_rate:,.0f} answers/s")
    print(f"plain one-row insert+commit: {answers} in {plain_seconds:.2f} s = {plain_rate:,.0f} rows/s")
    print(f"ratio engine/plain: {engine_rate / plain_rate:.2f}  (goal: >= 2,000 answers/s and ratio >= 0.25)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=4000)
    parser.add_argument("--members", type=int, default=200)
    options = parser.parse_args()
    asyncio.run(main(options.answers, options.members))
