"""Microsoft's Agents Playground, run headless as the Bot Connector for our /api/messages.

The Playground (npm `@microsoft/m365agentsplayground`, pinned in tests/teams/playground/) is a
local Teams client and Bot Connector in one Node process. Its web UI talks to it over HTTP and a
websocket; the test does the same:

- `GET  /_internal/v1/config` — the mocked tenant: the current user, a personal chat, a group
  chat, a team with channels (ids the bot sees in its activities);
- `POST /_debug/conversation/{id}/installation` — install the bot (installationUpdate and
  conversationUpdate to the bot);
- `POST /_conversation/v1/conversations/{id}/messages` — the user types a message;
- `POST /_conversation/v1/submit` — the user presses an Action.Submit button on a card;
- websocket `/_ws_conversation/v1/conversations/stream` — what the bot's sends become in the
  chat (`createMessage`, `updateMessage`).

Every call the bot makes back goes to `serviceUrl` (the Playground's `/_connector`), where the
Playground validates it as the Bot Connector does; its log file records each exchange with the
status it answered, so the test can say that nothing was refused.

No internet: telemetry is switched off with `--disable-telemetry`; the Application Insights SDK
inside still starts "statsbeat", which probes Azure's instance metadata (169.254.169.254) and DNS
at start-up even then, so `APPLICATION_INSIGHTS_NO_STATSBEAT=true` (strace showed no connection
but to 127.0.0.1 with it); the browser is not opened (`TEAMSAPPTESTER_BROWSER=none`); no app
credentials are given (so no token is fetched); and the service URL is 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.teams.node import node_or_skip, npm_install

FOLDER = Path(__file__).parent / "playground"
CLI = FOLDER / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ChatMessage:
    """One message as the Playground shows it in a chat."""

    message_id: str
    conversation: str
    text: str
    attachments: list[dict[str, Any]]
    updates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in (self.updates[-1] if self.updates else {"attachments": self.attachments}).get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment["content"]
        return None


@dataclass
class Playground:
    bot_endpoint: str
    workdir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    session: aiohttp.ClientSession | None = None
    config: dict[str, Any] = field(default_factory=dict)
    messages: list[ChatMessage] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.workdir / "playground.log"

    async def start(self) -> None:
        node = node_or_skip()
        npm_install(FOLDER)
        self.port = free_port()
        env = {
            **os.environ,
            "TEAMSAPPTESTER_BROWSER": "none",
            "APPLICATION_INSIGHTS_NO_STATSBEAT": "true",
            "M365_AGENTS_PLAYGROUND_LOGFILE": str(self.log_file),
            "M365_AGENTS_PLAYGROUND_RECORDING_FILE": str(self.workdir / "recording.log"),
        }
        command = [
            node, str(CLI), "-e", self.bot_endpoint, "-c", "msteams", "-p", str(self.port),
            "--service-url", f"{self.url}/_connector", "--disable-telemetry",
        ]
        self.process = subprocess.Popen(command, cwd=self.workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.session = aiohttp.ClientSession()
        deadline = time.monotonic() + 60
        while True:
            try:
                async with self.session.get(f"{self.url}/_internal/v1/config") as response:
                    if response.status == 200:
                        self.config = (await response.json())["config"]
                        break
            except aiohttp.ClientError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Agents Playground did not start:\n{self.log_text()}")
            await asyncio.sleep(0.2)
        ws = await self.session.ws_connect(f"ws://127.0.0.1:{self.port}/_ws_conversation/v1/conversations/stream")
        self._reader = asyncio.create_task(self._read(ws))

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self.session is not None:
            await self.session.close()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            event = json.loads(frame.data)
            message = event.get("message") or {}
            if event.get("action") == "createMessage":
                self.messages.append(
                    ChatMessage(str(message.get("messageId")), event.get("actionConversationId", ""), message.get("text") or "", message.get("attachments") or [])
                )
            elif event.get("action") == "updateMessage":
                for known in self.messages:
                    if known.message_id == str(message.get("messageId")):
                        known.updates.append(message)
            self._changed.set()

    # What a user does in the Playground's chat.

    @property
    def personal_chat(self) -> str:
        return str(self.config["personalChat"]["id"])

    @property
    def group_chat(self) -> str:
        return str(self.config["groupChats"][0]["id"])

    @property
    def team_channel(self) -> str:
        return str(self.config["teams"][0]["channels"][0]["id"])

    @property
    def me(self) -> str:
        return str(self.config["currentUser"]["id"])

    def member_key(self, user: dict[str, Any]) -> str:
        """The key Yhdessä knows a Playground user by (tenant and Entra object id)."""
        return f"teams:{self.config['tenantId']}:{user['aadObjectId']}"

    async def install(self, conversation: str) -> None:
        await self._post(f"/_debug/conversation/{conversation}/installation", {})

    async def say(self, conversation: str, text: str, sender: str | None = None, mention_bot: bool = False) -> None:
        body: dict[str, Any] = {"from": {"id": sender or self.me}, "text": text, "textFormat": "plain"}
        if mention_bot:
            tag = f"<at>{self.config['bot']['name']}</at>"
            body["text"] = f"{tag} {text}"
            body["mentions"] = [{"mentioned": {"id": self.config["bot"]["id"]}, "text": tag}]
        await self._post(f"/_conversation/v1/conversations/{conversation}/messages", body)

    async def press(self, conversation: str, message: ChatMessage, value: dict[str, Any], sender: str | None = None) -> None:
        body = {"conversation": {"id": conversation}, "from": {"id": sender or self.me}, "replyToId": message.message_id, "value": value}
        await self._post("/_conversation/v1/submit", body)

    async def _post(self, path: str, body: dict[str, Any]) -> None:
        assert self.session is not None
        async with self.session.post(self.url + path, json=body) as response:
            text = await response.text()
            assert response.status < 300, f"Playground refused {path}: {response.status} {text}"

    # What the test reads back.

    async def wait_for(self, found: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = found()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"the Playground never showed {what or 'it'}; refused calls: {self.refused()}; chat: {[m.text[:80] for m in self.messages]}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))
            except asyncio.TimeoutError:
                pass

    def in_chat(self, conversation: str) -> list[ChatMessage]:
        return [m for m in self.messages if m.conversation == conversation]

    def log_text(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace") if self.log_file.exists() else ""

    def exchanges(self) -> list[dict[str, Any]]:
        """The calls logged between the bot and the Playground, each with the status answered."""
        found = []
        for line in self.log_text().splitlines():
            start = line.find("{")
            if start < 0:
                continue
            try:
                entry = json.loads(line[start:])
            except json.JSONDecodeError:
                continue
            log = entry.get("log") if isinstance(entry, dict) else None
            if isinstance(log, dict) and "response" in log:
                found.append(log)
        return found

    def refused(self) -> list[str]:
        """Every call the bot made that the Playground refused (status 400 or more), with its reason."""
        return [
            f"{e.get('activityName')} -> {e['response'].get('statusCode')} {json.dumps(e['response'].get('body'))[:300]}"
            for e in self.exchanges()
            if e.get("from") == "User Application" and int(e["response"].get("statusCode") or 0) >= 400
        ]
