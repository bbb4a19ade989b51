"""Which Web API client speaks for a workspace: the one bot token, or an installation's token (OAuth)."""

from __future__ import annotations

import time
from typing import Protocol

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

DEFAULT_API_URL = "https://slack.com/api/"
TOKEN_MEMORY = 60.0  # seconds an installation's token is remembered


def api_url(configured: str | None) -> str:
    """SLACK_API_URL as slack_sdk wants it (it joins method names onto it, so it must end in /)."""
    url = (configured or DEFAULT_API_URL).strip()
    return url if url.endswith("/") else url + "/"


class BotTokens(Protocol):
    """Finds the bot token of an installed workspace (the OAuth installation store)."""

    async def bot_token(self, team_id: str) -> str | None: ...


class NotInstalled(Exception):
    """No token speaks for this workspace (the app is not installed there)."""


class SlackClients:
    """One AsyncWebClient per token, shared by the transport, the directory and the listeners."""

    def __init__(self, base_url: str, token: str | None = None, tokens: BotTokens | None = None) -> None:
        self.base_url = base_url
        # Without a shared session slack_sdk opens a new connection for every call.
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self.default = self.client(token) if token else None
        self.tokens = tokens
        self._by_token: dict[str, AsyncWebClient] = {}
        self._team_tokens: dict[str, tuple[float, str | None]] = {}

    def client(self, token: str | None = None) -> AsyncWebClient:
        return AsyncWebClient(token=token, base_url=self.base_url, session=self.session)

    async def close(self) -> None:
        await self.session.close()

    async def for_team(self, team_id: str) -> AsyncWebClient:
        if self.tokens is not None:
            token = await self._token(team_id)
            if token:
                client = self._by_token.get(token)
                if client is None:
                    client = self._by_token[token] = self.client(token)
                return client
        if self.default is not None:
            # One workspace; Slack Connect members of other teams are reached through it too.
            return self.default
        raise NotInstalled(f"Yhdessä is not installed in Slack workspace {team_id}")

    async def _token(self, team_id: str) -> str | None:
        """Installations change rarely; a minute of memory saves a query per message."""
        assert self.tokens is not None
        cached = self._team_tokens.get(team_id)
        if cached is not None and time.monotonic() - cached[0] < TOKEN_MEMORY:
            return cached[1]
        token = await self.tokens.bot_token(team_id)
        self._team_tokens[team_id] = (time.monotonic(), token)
        return token
