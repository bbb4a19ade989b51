"""Bot Framework activities as Teams sends them (JSON), and a live Yhdessä app to POST them to."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import Core
from bot.server import build_web_app

TENANT = "72f988bf-0000-4000-8000-000000000001"
BOT = {"id": "28:yhdessa-bot", "name": "Yhdessä"}
_ids = itertools.count(1_700_000_000_000)


def user(name: str) -> dict[str, str]:
    return {"id": f"29:{name}-teams-id", "name": name.capitalize(), "aadObjectId": f"aad-{name}"}


def member_key(name: str) -> str:
    return f"teams:{TENANT}:aad-{name}"


def personal_conversation(name: str) -> str:
    return f"a:personal-{name}"


def _base(service_url: str, sender: dict[str, str], conversation: dict[str, Any], kind: str = "message") -> dict[str, Any]:
    return {
        "type": kind,
        "id": str(next(_ids)),
        "timestamp": "2026-11-28T09:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": sender,
        "conversation": {"tenantId": TENANT, **conversation},
        "recipient": BOT,
        "locale": "en-US",
        "channelData": {"tenant": {"id": TENANT}},
    }


def personal_message(service_url: str, name: str, text: str) -> dict[str, Any]:
    activity = _base(service_url, user(name), {"conversationType": "personal", "id": personal_conversation(name)})
    activity.update(text=text, textFormat="plain", entities=[{"type": "clientInfo", "locale": "en-US"}])
    return activity


def channel_message(service_url: str, name: str, text: str, channel: str = "19:general@thread.tacv2") -> dict[str, Any]:
    activity = _base(
        service_url, user(name), {"conversationType": "channel", "isGroup": True, "id": f"{channel};messageid=1700000000999"}
    )
    mention = f"<at>{BOT['name']}</at>"
    activity.update(
        text=f"{mention} {text}",
        textFormat="plain",
        entities=[{"type": "mention", "text": mention, "mentioned": BOT}],
        channelData={"tenant": {"id": TENANT}, "teamsChannelId": channel, "team": {"id": "19:team@thread.tacv2"}, "channel": {"id": channel}},
    )
    return activity


def card_submit(service_url: str, name: str, card_activity_id: str, data: dict[str, Any]) -> dict[str, Any]:
    activity = _base(service_url, user(name), {"conversationType": "personal", "id": personal_conversation(name)})
    activity.update(replyToId=card_activity_id, value=data, channelData={"tenant": {"id": TENANT}, "source": {"name": "message"}})
    return activity


def personal_install(service_url: str, name: str) -> dict[str, Any]:
    activity = _base(service_url, user(name), {"conversationType": "personal", "id": personal_conversation(name)}, "conversationUpdate")
    activity["membersAdded"] = [BOT]
    return activity


def team_install(service_url: str, installer: str, team: str = "19:team@thread.tacv2") -> dict[str, Any]:
    activity = _base(service_url, user(installer), {"conversationType": "channel", "isGroup": True, "id": team}, "conversationUpdate")
    activity["membersAdded"] = [BOT]
    activity["channelData"] = {"tenant": {"id": TENANT}, "team": {"id": team, "name": "Network"}, "eventType": "teamMemberAdded"}
    return activity


@dataclass
class LiveBot:
    url: str
    session: aiohttp.ClientSession
    core: Core | None = None

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> int:
        async with self.session.post(f"{self.url}/api/messages", json=activity, headers=headers or {}) as response:
            await response.read()
        if self.core is not None:  # the turn stored its events; wait for the engine to handle them
            await self.core.inbox.join()
        return response.status


@asynccontextmanager
async def live_bot(core: Core) -> AsyncIterator[LiveBot]:
    """Our real aiohttp app (bot.server.build_web_app) on a real TCP port on 127.0.0.1."""
    app, _ = await build_web_app(core, ["teams"])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as session:
        try:
            yield LiveBot(f"http://127.0.0.1:{port}", session, core)
        finally:
            await runner.cleanup()
