"""The Slack click counted in instructions: Yhdessä beside the tuned hand-written bolt peer and the
bare bolt app of `slack_path.py`, each server run under valgrind's callgrind.

CPU seconds on a shared 2-core machine move by tens of per cent between runs (another tenant, a
busy disk), which hides changes of a few per cent. Callgrind counts the instructions a process runs
instead: the same work gives the same count to about 1%, whatever else the machine does. So this
script is the one to compare two trees with; `slack_path.py` stays the one for the time a user
waits and the CPU a machine spends (callgrind counts no kernel time: syncs, socket calls).

Each server starts with counting off, takes the warm-up, and counts only the timed clicks and the
work they cause (Yhdessä's answers stored, messages updated and sent); the figure is instructions
per click. Under callgrind everything runs about 50 times slower, so Yhdessä's batches (group
commits, outbox claims) hold more clicks than at full speed: its count is a little lower than
its share of real CPU.

    python benchmarks/slack_instructions.py [--requests 400] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import slack_path as sp  # noqa: E402  (it puts the project on sys.path too)

from tests.slack.fake_slack import FakeSlack  # noqa: E402

WARMUP = 100


def totals(out: Path) -> int:
    """Instructions in every dump callgrind wrote for one process."""
    count = 0
    for dump in out.parent.glob(out.name + "*"):
        for line in dump.read_text(errors="replace").splitlines():
            if line.startswith("totals:"):
                count += int(line.split()[1])
    return count


async def counted(name: str, command: list[str], port: int, timed: list[str], warm: list[str], settled: object, env: dict[str, str], concurrency: int) -> float:
    """Millions of instructions per timed click of one server."""
    folder = Path(env["YHDESSA_DATABASE_URL"].removeprefix("sqlite:///")).parent
    out = folder / f"{name}.callgrind"
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", *command],
        env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        await sp.wait_ready(port, timeout=600)
        await sp.load(port, warm, 5)
        await settled(len(warm))  # type: ignore[operator]
        subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True, capture_output=True)
        await sp.load(port, timed, concurrency)
        await settled(len(warm) + len(timed))  # type: ignore[operator]
        subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], check=True, capture_output=True)
        subprocess.run(["callgrind_control", "-d", str(proc.pid)], check=True, capture_output=True)
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
    return totals(out) / len(timed) / 1e6


async def main(count: int, concurrency: int) -> None:
    missing = [tool for tool in ("valgrind", "callgrind_control") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"this benchmark needs {' and '.join(missing)} (Debian: apt-get install valgrind)")
    folder = Path(tempfile.mkdtemp(prefix="yhdessa-slack-instructions-"))
    db_path = folder / "bench.db"
    fake = await FakeSlack().start()
    for i in range(count + WARMUP):
        fake.add_user(f"U{i:05d}", f"Member {i}")
        fake.messages[(f"D{i:05d}", f"1700000000.{i:06d}")] = {"text": "", "blocks": []}
    round_id = await sp.prepare(f"sqlite:///{db_path}", count + WARMUP)
    all_bodies = sp.bodies(count + WARMUP, round_id)
    warm, timed = all_bodies[:WARMUP], all_bodies[WARMUP:]

    async def until(done: object) -> None:
        for _ in range(6000):
            if done():  # type: ignore[operator]
                return
            await asyncio.sleep(0.1)
        raise RuntimeError("the work was not finished")

    async def yhdessa_settled(expected: int) -> None:
        def done() -> bool:
            with sqlite3.connect(db_path) as conn:
                (stored,) = conn.execute("SELECT count(*) FROM responses").fetchone()
                (pending,) = conn.execute("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()
            return bool(stored >= expected and pending == 0)

        await until(done)

    async def tuned_settled(expected: int) -> None:
        def done() -> bool:
            with sqlite3.connect(folder / "tuned.db") as conn:
                (stored,) = conn.execute("SELECT count(*) FROM answers").fetchone()
            posted = sum(1 for call in fake.called("chat.postMessage") if call.authorization.endswith(sp.TUNED_TOKEN) and call.result.get("ok"))
            return bool(stored >= expected and posted >= expected)

        await until(done)

    async def acknowledged(expected: int) -> None:
        await asyncio.sleep(0.5)  # the ack is the bare app's whole work, and load() waited for it

    try:
        ports = [sp.free_port() for _ in range(3)]
        env = sp.env_for(f"sqlite:///{db_path}", fake.base_url)
        yh = await counted("yhdessa", [sys.executable, "-c", sp.UNPACED, "run", "--adapter", "slack", "--port", str(ports[0])], ports[0], timed, warm, yhdessa_settled, env, concurrency)
        tuned_app = [sys.executable, "-c", sp.PEER_APP, str(ports[1]), sp.SECRET, sp.TUNED_TOKEN, fake.base_url, str(folder / "tuned.db"), "shared"]
        tuned = await counted("tuned", tuned_app, ports[1], timed, warm, tuned_settled, env, concurrency)
        bare_app = [sys.executable, "-c", sp.BARE_APP, str(ports[2]), sp.SECRET, sp.TOKEN, fake.base_url]
        bare = await counted("bare", bare_app, ports[2], timed, warm, acknowledged, env, concurrency)
        refused = len(fake.refused)
    finally:
        await fake.stop()
    print(f"clicks: {count} signed block_actions at concurrency {concurrency}, each server under callgrind (after {WARMUP} warm-up clicks)")
    print(f"Yhdessä    {yh:.2f} M instructions per click (stored, acknowledged, answer stored, chat.update, next question)")
    print(f"tuned peer {tuned:.2f} M instructions per click (the same work by hand, one kept aiohttp session)")
    print(f"bare bolt  {bare:.2f} M instructions per click (ack only)")
    print(f"ratio Yhdessä / tuned peer: {yh / tuned:.2f} (aim: 1.5 or less); Yhdessä / bare: {yh / bare:.2f}")
    print(f"calls the strict fake Slack refused: {refused}; data in {folder}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.concurrency))
