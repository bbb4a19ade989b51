"""A fake Slack Web API on 127.0.0.1: speaks the real wire protocol (form or JSON POSTs to
/api/<method>, `{"ok": ...}` answers), records every call, and can be told to fail a method with
429 + Retry-After or a 5xx a number of times. Used by the tests and by the manual try-out.

It is strict: every message and view is checked against Slack's Block Kit rules
(tests/slack/block_rules.py) and refused with Slack's own error (`invalid_blocks`,
`invalid_arguments`, `msg_too_long`, `no_text`, ...); with `tiers` it also enforces Slack's rate
limits per workspace and method (tests/slack/fake_tiers.py)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.slack.block_rules import check_message, check_view_call
from tests.slack.fake_socket import SocketModeFake
from tests.slack.fake_tiers import Tiers

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
    after: int = 0  # calls of the method that go through before the failures start


# Called with the app's client id and secret, not a token.
_NO_TOKEN = frozenset({"oauth.v2.access", "oauth.access"})


class FakeSlack(SocketModeFake):
    def __init__(self, tiers: Tiers | None = None) -> None:
        self.tiers = tiers
        self.refused: list[Call] = []  # calls refused for a broken rule (tests assert it stays empty)
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> what was posted
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

    def fail(self, method: str, status: int = 429, retry_after: int | None = 1, times: int = 1, error: str = "ratelimited", after: int = 0) -> None:
        self.failures.setdefault(method, []).append(Failure(status, error, retry_after, times, after))

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
        app.router.add_post("/respond/{hook:.*}", self._respond)
        app.router.add_get("/calls", self._calls)
        app.router.add_get("/count", self._count)
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
        refusal = self._request_refusal(request)
        try:
            args = await self._args(request) if refusal is None else {}
        except (ValueError, TypeError):
            # A body that does not parse: documented for form bodies ("missing or syntactically
            # invalid"); the fake answers a JSON body that is not a JSON object the same way.
            args, refusal = {}, {"ok": False, "error": "invalid_form_data"}
        call = Call(method, args, request.headers.get("Authorization", ""))
        self.calls.append(call)
        # A form may carry its token as an argument; a JSON body must carry it in the header.
        token_argument = bool(args.get("token")) and request.content_type != "application/json"
        if refusal is None and method not in _NO_TOKEN and not call.authorization.startswith("Bearer ") and not token_argument:
            refusal = {"ok": False, "error": "not_authed"}
        if refusal is not None:
            call.result = refusal
            self.refused.append(call)
            return web.json_response(refusal)
        pending = self.failures.get(method) or []
        if pending and pending[0].after > 0:
            pending[0].after -= 1
        elif pending:
            failure = pending[0]
            failure.times -= 1
            if failure.times <= 0:
                pending.pop(0)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)
        if self.tiers is not None:
            token = request.headers.get("Authorization", "")
            retry_after = self.tiers.check(token, method, str(args.get("channel") or "") or None)
            if retry_after is not None:
                call.result = {"ok": False, "error": "ratelimited"}
                return web.json_response(call.result, status=429, headers={"Retry-After": str(retry_after)})
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        refusal = check_message(method, args) if method in ("chat.postMessage", "chat.update", "chat.postEphemeral") else None
        if method.startswith("views."):
            refusal = check_view_call(method, args)
        if refusal is not None:
            call.result = refusal
            self.refused.append(call)
            return web.json_response(refusal)
        result = handler(args, request)
        if asyncio.iscoroutine(result):
            result = await result
        call.result = result
        return web.json_response(result)

    @staticmethod
    def _request_refusal(request: web.Request) -> dict[str, Any] | None:
        """What Slack answers before it reads a call's arguments, from the errors every Web API
        method documents: missing_post_type (a body without a Content-Type), invalid_post_type (not
        one of its four types), invalid_charset (neither utf-8 nor iso-8859-1). A JSON body must
        carry its token in the Authorization header ("Keeping up with the JSONs", 2017)."""
        if request.method != "POST":
            return None
        if "Content-Type" not in request.headers:
            return {"ok": False, "error": "missing_post_type"} if request.body_exists else None
        if request.content_type not in ("application/json", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain"):
            return {"ok": False, "error": "invalid_post_type"}
        charset = request.charset
        if charset is not None and charset.lower() not in ("utf-8", "utf8", "iso-8859-1"):
            return {"ok": False, "error": "invalid_charset"}
        return None

    async def _calls(self, request: web.Request) -> web.Response:
        """What the bot has called so far (for trying the bot by hand); tokens left out."""
        return web.json_response([{"method": c.method, "args": c.args, "result": c.result} for c in self.calls])

    def response_url(self, hook: str = "hook") -> str:
        """A response_url for a payload, pointing here (Slack's are on hooks.slack.com)."""
        return f"http://127.0.0.1:{self.port}/respond/{hook}"

    async def _respond(self, request: web.Request) -> web.Response:
        """A message posted to a response_url: JSON with text or blocks, as Slack requires."""
        if request.content_type != "application/json":
            return web.Response(status=400, text="invalid_payload")
        args = await request.json()
        call = Call("response_url", args, request.headers.get("Authorization", ""))
        self.calls.append(call)
        # The same rules as chat.postMessage; Slack answers a refused hook with 400 and the error.
        refusal = check_message("response_url", args)
        if refusal is not None:
            call.result = refusal
            self.refused.append(call)
            return web.Response(status=400, text=refusal["error"])
        call.result = {"ok": True}
        return web.Response(text="ok")

    async def _count(self, request: web.Request) -> web.Response:
        """How many calls of each method so far (cheap enough to poll)."""
        counts: dict[str, int] = {}
        for call in self.calls:
            counts[call.method] = counts.get(call.method, 0) + 1
        return web.json_response(counts)

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text="OK - 200")

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
        if channel[:1] in ("C", "G") and (channel not in self.channels or BOT_USER not in self.channels[channel]["members"]):
            return {"ok": False, "error": "not_in_channel"}
        ts = self._next_ts()
        self.messages[(channel, ts)] = {"text": args.get("text"), "blocks": args.get("blocks")}
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text")}}

    def m_chat_update(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("ts")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[key] = {"text": args.get("text"), "blocks": args.get("blocks")}
        return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}

    def m_chat_postEphemeral(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if str(args.get("user")) not in channel["members"]:
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": self._next_ts()}

    def m_conversations_open(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        user = str(args.get("users", ""))
        info = self.users.get(user)
        if info is None:
            return {"ok": False, "error": "user_not_found"}
        if info["deleted"]:
            return {"ok": False, "error": "account_inactive"}
        if info["is_bot"]:
            return {"ok": False, "error": "cannot_dm_bot"}
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

    def m_users_list(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        """This workspace's people (not Slack Connect guests of other organisations), in pages."""
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        team = self.installs.get(token, TEAM)
        own = [u for u in self.users.values() if u["team_id"] == team]
        start = int(args.get("cursor") or 0)
        size = min(int(args.get("limit") or 200), 1000)
        page = own[start : start + size]
        more = start + size < len(own)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": str(start + size) if more else ""}}

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


async def main(port: int, members: int = 0) -> None:
    """`python -m tests.slack.fake_slack 3998 [--members N]`: a strict fake workspace for trying the
    bot by hand (GET /calls lists what the bot called and what the fake answered, refusals
    included). With N, benchmarks/faults.py's channel CNET holds UCOORD and N members U00000…."""
    fake = await FakeSlack().start(port)
    fake.add_user("U05COORD7QA", "Coordinator")
    fake.add_user("U05ANNA8KXZ", "Anna")
    fake.add_user("U05BEN3MNRT", "Ben")
    fake.add_user("W07GUEST4LP", "Gustav", team="T07GUESTR2M")
    fake.add_user(BOT_USER, "Yhdessä", is_bot=True)
    fake.add_channel("C06NETWRK3Q", "network", ["U05COORD7QA", "U05ANNA8KXZ", "U05BEN3MNRT", "W07GUEST4LP", BOT_USER])
    if members:
        extra = [f"U{i:05d}" for i in range(members)]
        for user in ["UCOORD", "UANNA", "UBEN", *extra]:
            fake.add_user(user, f"Member {user[1:]}")
        fake.add_user("UGUEST", "Guest", team="T0OTHER")
        fake.add_channel("CNET", "faults", ["UCOORD", "UANNA", "UBEN", "UGUEST", BOT_USER, *extra])
    print(f"fake Slack Web API at {fake.base_url} (team {TEAM})", flush=True)
    try:
        while True:
            await asyncio.sleep(3600)
    finally:
        await fake.stop()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="A fake Slack Web API on 127.0.0.1")
    parser.add_argument("port", type=int, nargs="?", default=3998)
    parser.add_argument("--members", type=int, default=0)
    options = parser.parse_args()
    asyncio.run(main(options.port, options.members))
