"""A fake Bot Connector service on 127.0.0.1: the REST API the bot calls back (v3/conversations).

It records every call the bot makes (sends, replies, updates, createConversation), answers them
as the real service does, serves a roster, and can be told to fail the next sends with 429/5xx.

It refuses at least what Microsoft's Agents Playground (0.2.28) refuses, as measured against it
(tests/teams/test_playground.py sends the same bodies to both and checks it): `"id": null` (which
the SDK's proactive send used to carry) and other nulls, no `type`, a `textFormat` or
`attachmentLayout` that is empty or unknown, a `conversation` without an id and an attachment
without content get `400 BadArgument`; a message with neither text nor attachments gets
`400 BadSyntax`. It is stricter where the Playground lets a body through that a careful sender never
sends: every JSON `null` (the Playground accepted `"locale": null`), an empty `text` with no
attachments (the Playground answered 202 and showed nothing) and an attachment without a content
type (202, dropped) are refused too, and a body over 100 KB gets `413 MessageSizeTooBig` (Teams'
message limit).
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    kind: str  # send | reply | update | create | members
    conversation: str | None
    activity_id: str | None
    body: dict[str, Any]
    status: int
    authorization: str | None = None

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment["content"]
        return None


@dataclass
class FakeConnector:
    roster: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    runner: web.AppRunner | None = None
    url: str = ""

    def fail_next(self, status: int, times: int = 1, retry_after: str | None = None) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        for _ in range(times):
            self.failures.append((status, headers))

    def delivered(self, kind: str | None = None, conversation: str | None = None) -> list[Call]:
        """Calls that succeeded, optionally of one kind and to one conversation."""
        return [
            c for c in self.calls
            if c.status < 300 and (kind is None or c.kind == kind) and (conversation is None or c.conversation == conversation)
        ]

    def cards(self, conversation: str) -> list[Call]:
        return [c for c in self.delivered(conversation=conversation) if c.kind in ("send", "reply") and c.card]

    def prompt_cards(self, conversation: str) -> list[Call]:
        """The question cards (not the welcome's or help's command buttons)."""
        return [c for c in self.cards(conversation) if any("yhdessa_prompt" in (a.get("data") or {}) for a in c.card.get("actions", []))]  # type: ignore[union-attr]

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._reply)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members", self._members)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self.url

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _record(self, request: web.Request, kind: str) -> tuple[Call, web.Response | None]:
        raw = await request.read() if request.can_read_body else b""
        body = json.loads(raw) if raw else {}
        problem = refusal(kind, raw, body)
        if problem is not None:
            call = Call(kind, request.match_info.get("cid"), request.match_info.get("aid"), body, problem[0], request.headers.get("Authorization"))
            self.calls.append(call)
            return call, web.json_response({"error": {"code": problem[1], "message": problem[2]}}, status=problem[0])
        failure = self.failures.popleft() if self.failures and kind != "members" else None
        call = Call(
            kind,
            request.match_info.get("cid"),
            request.match_info.get("aid"),
            body,
            failure[0] if failure else 200,
            request.headers.get("Authorization"),
        )
        self.calls.append(call)
        if failure:
            return call, web.json_response({"error": {"code": "Throttled", "message": "slow down"}}, status=failure[0], headers=failure[1])
        return call, None

    async def _send(self, request: web.Request) -> web.Response:
        _, failed = await self._record(request, "send")
        return failed or web.json_response({"id": f"act-{next(self._ids)}"})

    async def _reply(self, request: web.Request) -> web.Response:
        _, failed = await self._record(request, "reply")
        return failed or web.json_response({"id": f"act-{next(self._ids)}"})

    async def _update(self, request: web.Request) -> web.Response:
        call, failed = await self._record(request, "update")
        return failed or web.json_response({"id": call.activity_id})

    async def _create(self, request: web.Request) -> web.Response:
        call, failed = await self._record(request, "create")
        if failed:
            return failed
        user = call.body["members"][0]["id"]
        return web.json_response({"id": f"a:chat-{user}", "activityId": f"act-{next(self._ids)}"}, status=201)

    async def _members(self, request: web.Request) -> web.Response:
        call, _ = await self._record(request, "members")
        return web.json_response(self.roster.get(call.conversation or "", []))


MAX_BODY_BYTES = 100_000


def _has_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_null(v) for v in value)
    return False


TEXT_FORMATS = ("plain", "markdown", "xml")
ATTACHMENT_LAYOUTS = ("list", "carousel")


def _bad_attachment(attachment: Any) -> bool:
    return not isinstance(attachment, dict) or not attachment.get("contentType") or ("content" not in attachment and "contentUrl" not in attachment)


def refusal(kind: str, raw: bytes, body: dict[str, Any]) -> tuple[int, str, str] | None:
    """Why the Bot Connector would refuse this call: (status, code, message), or None."""
    if kind not in ("send", "reply", "update"):
        return None
    if len(raw) > MAX_BODY_BYTES:
        return 413, "MessageSizeTooBig", "Message size too big"
    if not isinstance(body, dict) or _has_null(body) or not body.get("type"):
        return 400, "BadArgument", "Invalid input"
    if "textFormat" in body and body["textFormat"] not in TEXT_FORMATS:
        return 400, "BadArgument", "Invalid enum value. Expected 'markdown' | 'plain' | 'xml'"
    if "attachmentLayout" in body and body["attachmentLayout"] not in ATTACHMENT_LAYOUTS:
        return 400, "BadArgument", "Invalid input"
    if "conversation" in body and not (isinstance(body["conversation"], dict) and body["conversation"].get("id")):
        return 400, "BadArgument", "Invalid input"
    if not isinstance(body.get("attachments", []), list) or any(_bad_attachment(a) for a in body.get("attachments", [])):
        return 400, "BadArgument", "Invalid"
    if body["type"] == "message" and not body.get("text") and not body.get("attachments"):
        return 400, "BadSyntax", "Activity must include non empty 'text' field or at least 1 attachment"
    return None


MAX_BODY_BYTES = 100_000


def _has_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_null(v) for v in value)
    return False


def _refusal(kind: str, raw: bytes, body: dict[str, Any]) -> tuple[int, str, str] | None:
    """Why the Bot Connector would refuse this call: (status, code, message), or None."""
    if kind not in ("send", "reply", "update"):
        return None
    if len(raw) > MAX_BODY_BYTES:
        return 413, "MessageSizeTooBig", "Message size too big"
    if _has_null(body) or not body.get("type"):
        return 400, "BadArgument", "Invalid input"
    if body["type"] == "message" and not body.get("text") and not body.get("attachments"):
        return 400, "BadArgument", "Invalid input"
    return None
