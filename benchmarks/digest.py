"""What publishing a digest costs on a big network, against opening a round for the same people.
Not a test: prints the time of `reflect publish N` (a digest with its chart for each member asked)
as a ratio to `checkin start` (a question for each member) measured in the same run: the
command's own turn (the longest the writer is held: the first chunk), and until every chunk is
queued. Also the bytes the digests put into the outbox and the chart images stored once beside
it. The machine is shared: compare the ratios, not the seconds.

    python benchmarks/digest.py [--members 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Text, func, select  # noqa: E402

from bot.app import build_core  # noqa: E402
from bot.demo import fill_demo  # noqa: E402
from bot.evaluation import themes  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from flows.events import CommandIssued, MemberRef, NetworkRef  # noqa: E402
from flows.messages import Prompt  # noqa: E402
from storage.models import ChartImage, OutboxMessage  # noqa: E402

NETWORK = NetworkRef("console", "local")
ALICE = MemberRef("console", "local", "alice", "Alice")
BOB = MemberRef("console", "local", "bench-bob", "Bob")


async def run(members: int) -> None:
    folder = Path(tempfile.mkdtemp())
    core = await build_core(load_settings(database_url=f"sqlite:///{folder / 'b.db'}", language="en", chart_dir=str(folder)))
    n = 0

    async def command(text: str) -> list:  # type: ignore[type-arg]
        nonlocal n
        n += 1
        return await core.engine.handle(CommandIssued(NETWORK, ALICE, text, f"bench:{n}", is_direct=True))

    async def outbox_bytes() -> int:
        async with core.db.transaction() as tx:
            return int((await tx.execute(select(func.coalesce(func.sum(func.length(func.cast(OutboxMessage.message, Text))), 0)))).scalar_one())

    async def image_bytes() -> int:
        async with core.db.transaction() as tx:
            return int((await tx.execute(select(func.coalesce(func.sum(func.length(ChartImage.png)), 0)))).scalar_one())

    try:
        await fill_demo(core, ALICE, members=members, months=1)
        themes.warm(("en",))
        started = time.perf_counter()
        out = await command("checkin start")
        opened = time.perf_counter() - started
        round_id = next(int(m.prompt_ref.split(":")[0]) for m in out if isinstance(m, Prompt))
        await command(f"reflect close {round_id}")
        before = await outbox_bytes()
        await core.engine.handle(CommandIssued(NETWORK, BOB, "help", "bench:bob:0", is_direct=True))  # bob is known
        waits: list[float] = []
        done = asyncio.Event()

        async def clicks() -> None:
            """Another member's command every 20 ms while the digests are published: how long each waits."""
            i = 0
            while not done.is_set():
                i += 1
                at = time.perf_counter()
                await core.engine.handle(CommandIssued(NETWORK, BOB, "help", f"bench:bob:{i}", is_direct=True))
                waits.append(time.perf_counter() - at)
                await asyncio.sleep(0.02)

        other = asyncio.create_task(clicks())
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        out = await command(f'reflect publish {round_id} "Thank you all."')
        published = time.perf_counter() - started
        if core.config.after_commit is not None:
            await core.config.after_commit.wait()  # the chunks after the command's turn
        everyone = time.perf_counter() - started
        done.set()
        await other
        size = await outbox_bytes() - before
        images = await image_bytes()  # the chart may be stored already (content-addressed): all of them
    finally:
        await core.close()
    print(
        f"{members} members asked: checkin start {opened:.2f} s; reflect publish: its turn {published:.2f} s "
        f"(ratio {published / opened:.1f}x), every digest queued {everyone:.2f} s (ratio {everyone / opened:.1f}x)"
    )
    print(f"another member's command meanwhile: {len(waits)} sent, the longest waited {max(waits) * 1000:.0f} ms")
    print(f"the digests put {size / 1e6:.2f} MB into the outbox ({size / members / 1e3:.1f} KB a member), every chart image stored once beside it {images / 1e3:.0f} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    asyncio.run(run(parser.parse_args().members))


if __name__ == "__main__":
    main()
