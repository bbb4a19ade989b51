"""A fake Slack Web API on 127.0.0.1: speaks the real wire protocol (form or JSON POSTs to
/api/<method>, `{"ok": ...}` answers), records every call, and can be told to fail a method with
429 + Retry-After or a 5xx a number of times. Used by the tests and by the manual try-out."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TEAM = "T0TEAM"
BOT_USER = "UBOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    authorization: str
    at: float = field(default_factory=time.monotonic)
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class Failure:
    status: int
    error: str
    retry_after: int | None
    times: int


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.uploads: dict[str, bytes] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, list[Failure]] = {}
        self.codes: dict[str, str] = {}  # OAuth code -> the team it installs into
        self.installs: dict[str, str] = {}  # bot token -> team
        self.socket: web.WebSocketResponse | None = None
        self.socket_connected = asyncio.Event()
        self.socket_acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._ts = 1_700_000_000
        self._files = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- set-up -----------------------------------------------------------------------------
    def add_user(self, user_id: str, name: str, team: str = TEAM, is_bot: bool = False, deleted: bool = False) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": team,
            "name": name.lower(),
            "real_name": name,
            "is_bot": is_bot,
            "deleted": deleted,
            "profile": {"display_name": name, "real_name": name},
        }

    def add_channel(self, channel_id: str, name: str, members: list[str]) -> None:
        self.channels[channel_id] = {"id": channel_id, "name": name, "members": list(members)}

    def fail(self, method: str, status: int = 429, retry_after: int | None = 1, times: int = 1, error: str = "ratelimited") -> None:
        self.failures.setdefault(method, []).append(Failure(status, error, retry_after, times))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    # --- server -----------------------------------------------------------------------------
    async def start(self, port: int = 0) -> "FakeSlack":
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk reads (conversations.members, users.info) with GET
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/calls", self._calls)
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "GET":
            pass
        elif request.content_type == "application/json":
            args.update(await request.json())
        else:
            args.update(dict(await request.post()))
        for key in ("blocks", "view", "files"):  # form posts carry these as JSON strings
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        call = Call(method, args, request.headers.get("Authorization", ""))
        self.calls.append(call)
        pending = self.failures.get(method) or []
        if pending:
            failure = pending[0]
            failure.times -= 1
            if failure.times <= 0:
                pending.pop(0)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        result = handler(args, request)
        if asyncio.iscoroutine(result):
            result = await result
        call.result = result
        return web.json_response(result)

    async def _calls(self, request: web.Request) -> web.Response:
        """What the bot has called so far (for trying the bot by hand); tokens left out."""
        return web.json_response([{"method": c.method, "args": c.args, "result": c.result} for c in self.calls])

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text="OK - 200")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: the app connects here (the URL apps.connections.open gave it)."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.socket = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0YHDESSA"}})
        self.socket_connected.set()
        async for message in ws:
            if message.type == web.WSMsgType.TEXT:
                await self.socket_acks.put(json.loads(message.data))
        return ws

    async def socket_send(self, kind: str, payload: dict[str, Any], envelope_id: str) -> dict[str, Any]:
        """Send one envelope down the socket and wait for the app's acknowledgement of it."""
        assert self.socket is not None
        await self.socket.send_json({"envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": kind != "events_api", "retry_attempt": 0, "retry_reason": ""})
        while True:
            ack = await asyncio.wait_for(self.socket_acks.get(), 5)
            if ack.get("envelope_id") == envelope_id:
                return ack

    def m_apps_connections_open(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        if not request.headers.get("Authorization", "").startswith("Bearer xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"}

    def _next_ts(self) -> str:
        self._ts += 1
        return f"{self._ts}.000100"

    # --- methods ----------------------------------------------------------------------------
    def m_auth_test(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        team = self.installs.get(token, TEAM)
        return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "yhdessa", "team_id": team, "user_id": BOT_USER, "bot_id": "BBOT"}

    def m_oauth_v2_access(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        """Exchanges an install code for a bot token of the workspace that code was issued for."""
        team = self.codes.get(str(args.get("code")))
        if team is None:
            return {"ok": False, "error": "invalid_code"}
        token = f"xoxb-{team.lower()}-installed"
        self.installs[token] = team
        return {
            "ok": True,
            "app_id": "A0YHDESSA",
            "authed_user": {"id": "UINSTALLER"},
            "scope": "chat:write,commands,im:write,users:read",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": BOT_USER,
            "team": {"id": team, "name": f"Team {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def m_chat_postMessage(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel.startswith("U"):
            return {"ok": False, "error": "channel_not_found"}
        if channel.startswith("C") and channel not in self.channels:
            return {"ok": False, "error": "not_in_channel"}
        return {"ok": True, "channel": channel, "ts": self._next_ts(), "message": {"text": args.get("text")}}

    def m_chat_update(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}

    def m_chat_postEphemeral(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def m_conversations_open(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        user = str(args.get("users", ""))
        info = self.users.get(user)
        if info is None:
            return {"ok": False, "error": "user_not_found"}
        if info["deleted"]:
            return {"ok": False, "error": "account_inactive"}
        return {"ok": True, "channel": {"id": "D" + user[1:]}}

    def m_conversations_members(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        # Two pages, so pagination is exercised.
        members = channel["members"]
        if args.get("cursor") == "page2":
            return {"ok": True, "members": members[2:], "response_metadata": {"next_cursor": ""}}
        cursor = "page2" if len(members) > 2 else ""
        return {"ok": True, "members": members[:2], "response_metadata": {"next_cursor": cursor}}

    def m_conversations_list(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        listed = [{"id": c["id"], "name": c["name"]} for c in self.channels.values()]
        return {"ok": True, "channels": listed, "response_metadata": {"next_cursor": ""}}

    def m_users_info(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        info = self.users.get(str(args.get("user")))
        return {"ok": True, "user": info} if info else {"ok": False, "error": "user_not_found"}

    def m_views_open(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        return {"ok": True, "view": {**args.get("view", {}), "id": "V" + self._next_ts().replace(".", "")}}

    def m_views_publish(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        return {"ok": True, "view": {**args.get("view", {}), "id": "VHOME"}}

    def m_files_getUploadURLExternal(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        self._files += 1
        file_id = f"F{self._files:05d}"
        return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    def m_files_completeUploadExternal(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        files = args.get("files") or []
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title"), "channels": [args.get("channel_id")]} for f in files]}


async def main(port: int) -> None:
    """`python -m tests.slack.fake_slack 3998`: a fake workspace for trying the bot by hand."""
    fake = await FakeSlack().start(port)
    fake.add_user("UCOORD", "Coordinator")
    fake.add_user("UANNA", "Anna")
    fake.add_user("UBEN", "Ben")
    fake.add_user("UGUEST", "Guest", team="T0OTHER")
    fake.add_user(BOT_USER, "Yhdessä", is_bot=True)
    fake.add_channel("CNET", "network", ["UCOORD", "UANNA", "UBEN", "UGUEST", BOT_USER])
    print(f"fake Slack Web API at {fake.base_url}", flush=True)
    try:
        while True:
            await asyncio.sleep(3600)
    finally:
        await fake.stop()


if __name__ == "__main__":
    import sys

    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3998))
