"""Socket Mode for the fake Slack: apps.connections.open hands out a WebSocket URL on the fake,
and tests send envelopes down it and wait for the app's acknowledgements."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web


class SocketModeFake:
    port: int
    socket: web.WebSocketResponse | None
    socket_connected: asyncio.Event
    socket_acks: "asyncio.Queue[dict[str, Any]]"

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

