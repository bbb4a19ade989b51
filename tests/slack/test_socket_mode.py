"""Socket Mode: with SLACK_APP_TOKEN the bot connects out over a WebSocket (no public URL) and
the same listeners answer what arrives there."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_core
from bot.server import build_web_app
from tests.conftest import make_settings
from tests.slack.conftest import BOT_TOKEN, SlackHarness, payload
from tests.slack.fake_slack import FakeSlack, TEAM


async def test_socket_mode_takes_commands_over_the_websocket(sqlite_url: str, tmp_path: Path, fake: FakeSlack) -> None:
    settings = make_settings(
        sqlite_url, tmp_path, slack_bot_token=BOT_TOKEN, slack_app_token="xapp-1-A0YHDESSA-1-abc", slack_api_url=fake.base_url,
        coordinators=f"slack:{TEAM}:UCOORD",
    )
    core = await build_core(settings, extensions=False)
    app, mounted = await build_web_app(core, ["slack"])
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    background = [asyncio.create_task(job()) for m in mounted for job in m.background]
    try:
        await asyncio.wait_for(fake.socket_connected.wait(), 10)
        assert fake.called("apps.connections.open")[0].authorization.startswith("Bearer xapp-")
        command = payload("slash_command.json")
        command.update(text="pulse start trust here")
        ack = await fake.socket_send("slash_commands", command, "env-1")
        assert ack["envelope_id"] == "env-1"
        harness = SlackHarness(core, client, fake)
        await harness.settle()
        await harness.deliver()
        assert len(harness.posts_to("DANNA")) == 2  # the pulse's intro and its first question
        # No HTTP endpoint is served: Socket Mode requests carry no signature to check.
        response = await client.post("/slack/events", data=b"{}")
        assert response.status in (404, 405)
    finally:
        await client.close()
        for job in (job for m in mounted for job in m.cleanup):
            await job()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await core.close()
