"""The rig benchmarks/faults.py drives: the bot as a process it can kill -9, the fake Slack's
record of calls, the signed requests members send, and the database as an operator sees it."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import bindparam, create_engine, text

from slack_path import env_for, free_port, signed

ROOT = Path(__file__).resolve().parents[1]
TEAM = "T0TEAM"


class Database:
    """The bot's database as an operator would look at it (plain SQL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        sync = url.replace("postgresql://", "postgresql+psycopg://", 1)
        self.engine = create_engine(sync)

    def _statement(self, sql: str, params: dict[str, Any]) -> Any:
        stmt = text(sql)
        for name, value in params.items():
            if isinstance(value, tuple):
                stmt = stmt.bindparams(bindparam(name, expanding=True))
        return stmt

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(self._statement(sql, params), params).scalar()

    def column(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(self._statement(sql, params), params).scalars().all())


class Bot:
    def __init__(self, db_url: str, api_url: str, folder: Path) -> None:
        self.port = free_port()
        self.env = env_for(db_url, api_url)
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = open(folder / "bot.log", "ab")

    def start(self) -> float:
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--adapter", "slack", "--port", str(self.port)],
            env=self.env, cwd=self.folder, stdout=subprocess.DEVNULL, stderr=self.log,
        )
        return started

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    async def ready(self, session: aiohttp.ClientSession, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                async with session.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
        raise RuntimeError(f"the bot did not start; see {self.folder / 'bot.log'}")

    async def post(self, session: aiohttp.ClientSession, body: str) -> int:
        async with session.post(f"http://127.0.0.1:{self.port}/slack/events", data=body.encode(), headers=signed(body)) as response:
            await response.read()
            return response.status


async def fake_calls(session: aiohttp.ClientSession, fake_port: int) -> list[dict[str, Any]]:
    async with session.get(f"http://127.0.0.1:{fake_port}/calls") as response:
        return list(await response.json())


async def fake_count(session: aiohttp.ClientSession, fake_port: int, method: str) -> int:
    async with session.get(f"http://127.0.0.1:{fake_port}/count") as response:
        return int((await response.json()).get(method, 0))


def command(text_: str, n: int) -> str:
    form = json.loads((ROOT / "tests" / "slack" / "payloads" / "slash_command.json").read_text())
    form.update(text=text_, trigger_id=f"faults.{n}.{time.time()}")
    return urllib.parse.urlencode(form)


def click(user: str, round_id: int, attempt: int, ts: str = "1700000000.000100") -> str:
    """A member's press on the first question; `ts` is the message it sits in (Slack updates that one)."""
    dm = "D" + user[1:]
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0YHDESSA",
        "container": {"type": "message", "message_ts": ts, "channel_id": dm, "is_ephemeral": False},
        "trigger_id": f"faults.{user}.{attempt}",
        "team": {"id": TEAM, "domain": "faults"},
        "channel": {"id": dm, "name": "directmessage"},
        "message": {"type": "message", "ts": ts, "text": "", "blocks": []},
        "state": {"values": {}},
        "actions": [{"action_id": "yh_choose", "block_id": f"yhq|{round_id}:trust-1", "type": "button", "value": "4", "action_ts": f"{time.time():.6f}"}],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})
