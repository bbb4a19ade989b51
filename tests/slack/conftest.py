"""The real slack-bolt app inside our aiohttp app on 127.0.0.1, its Web API pointed at a fake
Slack, driven by requests signed the way Slack signs them."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from adapters.slack.mount import WORK
from bot.app import Core, build_core
from bot.dispatcher import Dispatcher
from bot.server import build_web_app
from bot.settings import Settings
from storage.models import OutboxMessage, Response
from tests.conftest import make_settings
from tests.slack.fake_slack import BOT_USER, TEAM, FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> Any:
    return copy.deepcopy(json.loads((PAYLOADS / name).read_text(encoding="utf-8")))


def sign(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class SlackHarness:
    def __init__(self, core: Core, client: TestClient, fake: FakeSlack) -> None:
        self.core = core
        self.client = client
        self.fake = fake
        self._n = 0

    @property
    def transport(self) -> Any:
        return self.core.transports["slack"]

    async def post(self, body: str, content_type: str, headers: dict[str, str] | None = None, signed: bool = True) -> Any:
        # The payloads' response_urls are Slack's (hooks.slack.com): here they lead to the strict
        # fake, so whatever the bot or bolt posts there is checked too (and nothing leaves the host).
        # A body signed by the caller is left as it is (its signature covers it).
        hooks = self.fake.response_url("")
        if signed:
            body = body.replace("https://hooks.slack.com/", hooks).replace(urllib.parse.quote("https://hooks.slack.com/", safe=""), urllib.parse.quote(hooks, safe=""))
        all_headers = {"Content-Type": content_type, **(sign(body) if signed else {}), **(headers or {})}
        response = await self.client.post("/slack/events", data=body.encode(), headers=all_headers)
        text = await response.text()
        await self.settle()
        return response.status, text

    async def command(self, text: str, user: str = "UCOORD", channel: str = "CNET", channel_name: str = "network") -> tuple[int, str]:
        self._n += 1
        form = payload("slash_command.json")
        form.update(text=text, user_id=user, user_name=user.lower(), channel_id=channel, channel_name=channel_name, trigger_id=f"trig.{self._n}.{time.time()}")
        if user in self.fake.users:  # a Slack Connect guest's command carries the guest's own team
            form["team_id"] = self.fake.users[user]["team_id"]
        return await self.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")

    async def interaction(self, data: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode({"payload": json.dumps(data)})
        return await self.post(body, "application/x-www-form-urlencoded", headers)

    async def event(self, event: dict[str, Any], event_id: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        envelope = payload("event_callback.json")
        envelope.update(event=event, event_id=event_id)
        return await self.post(json.dumps(envelope), "application/json", headers)

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait for the work the listeners leave until after the acknowledgement (the Home tab's
        publish, the inbox's turns), bounded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = [t for t in asyncio.all_tasks() if not t.done() and t.get_name() == "slack-home"]
            if not busy:
                await self.client.server.app[WORK].join()
                return
            await asyncio.sleep(0.01)
        raise AssertionError("slack listeners did not finish in time")

    async def deliver(self) -> int:
        return await Dispatcher(self.core.db, {"slack": self.transport}).drain()

    async def count(self, model: Any) -> int:
        async with self.core.db.transaction() as tx:
            return int((await tx.execute(select(func.count()).select_from(model))).scalar_one())

    async def responses(self) -> list[Response]:
        async with self.core.db.transaction() as tx:
            return list((await tx.execute(select(Response).order_by(Response.id))).scalars().all())

    async def outbox(self) -> list[OutboxMessage]:
        async with self.core.db.transaction() as tx:
            return list((await tx.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars().all())

    def posts_to(self, channel: str) -> list[Any]:
        return [c for c in self.fake.called("chat.postMessage") if c.args.get("channel") == channel and c.result.get("ok")]

    def block_action(self, user: str, channel: str, ts: str, action: dict[str, Any], state: dict[str, Any] | None = None) -> dict[str, Any]:
        self._n += 1
        data = payload("block_actions_button.json")
        data["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.fake.users[user]["team_id"]}
        data["container"].update(channel_id=channel, message_ts=ts)
        data["channel"]["id"] = channel
        data["message"]["ts"] = ts
        data["message"]["blocks"] = self.posted_blocks(channel, ts)
        data["trigger_id"] = f"trig.{self._n}"
        data["state"] = {"values": state or {}}
        data["actions"] = [{"action_ts": f"{time.time():.6f}", **action}]
        return data

    def posted_blocks(self, channel: str, ts: str) -> list[Any]:
        for call in self.fake.called("chat.postMessage"):
            if call.args.get("channel") == channel and call.result.get("ts") == ts:
                return list(call.args.get("blocks") or [])
        return []


def populate(fake: FakeSlack) -> None:
    fake.add_user("UCOORD", "Coordinator")
    fake.add_user("UANNA", "Anna")
    fake.add_user("UBEN", "Ben")
    fake.add_user("UGUEST", "Guest", team="T0OTHER")  # a Slack Connect member from another organisation
    fake.add_user(BOT_USER, "Yhdessä", is_bot=True)
    fake.add_user("UNEW", "Newcomer")
    fake.add_channel("CNET", "network", ["UCOORD", "UANNA", "UBEN", "UGUEST", BOT_USER])


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    populate(server)
    yield server
    await server.stop()
    # The fake is strict: a payload Slack would refuse fails the test that sent it.
    assert not server.refused, [(c.method, c.result) for c in server.refused]


@pytest_asyncio.fixture
async def slack(db_url: str, tmp_path: Path, fake: FakeSlack) -> AsyncIterator[SlackHarness]:
    settings = make_settings(
        db_url,
        tmp_path,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        coordinators=f"slack:{TEAM}:UCOORD",
    )
    async with harness(settings, fake) as running:
        yield running


@asynccontextmanager
async def harness(settings: Settings, fake: FakeSlack) -> AsyncIterator[SlackHarness]:
    """The whole bot (our aiohttp app with the Slack adapter) served on 127.0.0.1."""
    core = await build_core(settings)
    app, mounted = await build_web_app(core, ["slack"])
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield SlackHarness(core, client, fake)
    finally:
        await client.close()
        for job in (job for m in mounted for job in m.cleanup):
            await job()
        await core.close()


@pytest_asyncio.fixture
async def slack3(db_url: str, tmp_path: Path, fake: FakeSlack) -> AsyncIterator[SlackHarness]:
    """A Slack harness whose coordinator is UCOORD and whose anonymity threshold is 3, with the
    English dictionary loaded (loaded, themes are found within the turn)."""
    from bot.evaluation import themes

    themes.warm(("en",))
    settings = make_settings(
        db_url, tmp_path, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_api_url=fake.base_url,
        coordinators=f"slack:{TEAM}:UCOORD", anonymity_threshold=3,
    )
    async with harness(settings, fake) as running:
        yield running
