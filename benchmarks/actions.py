"""What following up actions costs a check-in launch: a network-wide check-in with open actions to
review, beside the same launch in a twin network with none (measured in the same run, interleaved).

Each launch opens a check-in round for every member through Engine.handle: sessions, prompts and,
in the network with actions, one "did you get X done?" per open action of each member.

    python benchmarks/actions.py [--members 500] [--actions 300] [--launches 6]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_core  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from flows.events import CommandIssued, MemberRef, NetworkRef  # noqa: E402
from storage import repository as repo  # noqa: E402


async def network(core, workspace: str, members: int, actions: int) -> list[MemberRef]:  # type: ignore[no-untyped-def]
    ref = NetworkRef("console", workspace)
    people = [MemberRef("console", workspace, f"m{i}", f"Member {i}") for i in range(members)]
    for n, person in enumerate(people):
        await core.engine.handle(CommandIssued(ref, person, "/yhdessa help", f"{workspace}-join-{n}"))
    async with core.db.transaction() as tx:  # the first member coordinates
        net = await repo.network_by_key(tx, ref.key)
        first = await repo.member_by_key(tx, net.id, people[0].key)  # type: ignore[union-attr]
        first.role = "coordinator"  # type: ignore[union-attr]
    for n in range(actions):
        owner = people[(n * 7) % members].user
        await core.engine.handle(CommandIssued(ref, people[0], f'/yhdessa action add "Agreement {n}" --owner @{owner} --due 2w', f"{workspace}-act-{n}"))
    return people


async def main(members: int, actions: int, launches: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="yhdessa-bench-"))
    core = await build_core(load_settings(database_url=f"sqlite:///{folder / 'bench.db'}", language="en"))
    with_people = await network(core, "with", members, actions)
    without_people = await network(core, "without", members, 0)
    timed = {"with": 0.0, "without": 0.0}
    sent = {"with": 0, "without": 0}
    for n in range(launches):
        for workspace, people in (("with", with_people), ("without", without_people)):
            event = CommandIssued(NetworkRef("console", workspace), people[0], "/yhdessa checkin start network", f"{workspace}-launch-{n}")
            began = time.perf_counter()
            out = await core.engine.handle(event)
            timed[workspace] += time.perf_counter() - began
            sent[workspace] += len(out)
    await core.close()
    per_with, per_without = timed["with"] / launches, timed["without"] / launches
    print(f"check-in launch to {members} members with {actions} open actions: {per_with * 1000:.0f} ms ({sent['with'] // launches} messages)")
    print(f"check-in launch to {members} members with no actions:       {per_without * 1000:.0f} ms ({sent['without'] // launches} messages)")
    print(f"ratio with/without: {per_with / per_without:.2f}  (every launch is a new check-in, so each asks about every open action again)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--actions", type=int, default=300)
    parser.add_argument("--launches", type=int, default=6)
    options = parser.parse_args()
    asyncio.run(main(options.members, options.actions, options.launches))
