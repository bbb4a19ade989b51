"""Which Web API client speaks for a workspace: the one bot token, or an installation's token (OAuth)."""

from __future__ import annotations

import time
from typing import Protocol

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.rates import SLACK_PACING
from adapters.transport import Buckets, Pacing

DEFAULT_API_URL = "https://slack.com/api/"
TOKEN_MEMORY = 60.0  # seconds a workspace without a token is remembered as such


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
    """One AsyncWebClient per token, shared by the transport, the directory and the listeners,
    and one set of rate buckets: a token is one installation, so one workspace's allowance."""

    def __init__(self, base_url: str, token: str | None = None, tokens: BotTokens | None = None, pacing: Pacing = SLACK_PACING) -> None:
        self.base_url = base_url
        self.pacing = pacing
        self.buckets = Buckets(pacing)
        # Without a shared session slack_sdk opens a new connection for every call.
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self.default = self.client(token) if token else None
        self.tokens = tokens
        self._by_token: dict[str, AsyncWebClient] = {}
        self._patient: dict[int, AsyncWebClient] = {}
        self._buckets_of: dict[int, str] = {}
        self._team_tokens: dict[str, tuple[float, str | None]] = {}

    def client(self, token: str | None = None) -> AsyncWebClient:
        return AsyncWebClient(token=token, base_url=self.base_url, session=self.session)

    def patient_client(self, client: AsyncWebClient) -> AsyncWebClient:
        """The same token with slack_sdk's rate-limit retry handler, for look-ups that must not
        give up on a 429 (who is in a channel, during a launch): it sleeps Retry-After and asks
        again. The outbox has its own retries, so the transport's client has none."""
        patient = self._patient.get(id(client))
        if patient is None:
            patient = AsyncWebClient(token=client.token, base_url=self.base_url, session=self.session, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=20)])
            self._patient[id(client)] = patient
            self._buckets_of[id(patient)] = self.bucket_of(client)
        return patient

    def bucket_of(self, client: AsyncWebClient) -> str:
        """The rate bucket family of a client: one per token, that is per installed workspace."""
        return self._buckets_of.get(id(client), f"c{id(client)}")

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

    def remember(self, team_id: str, token: str) -> None:
        """A token known already (bolt authorised the request with it, or read at start)."""
        self._team_tokens[team_id] = (time.monotonic(), token)

    def forget(self, team_id: str) -> None:
        """The workspace uninstalled the app: its token must not be remembered any longer."""
        self._team_tokens.pop(team_id, None)

    async def _token(self, team_id: str) -> str | None:
        """Installations change rarely; a minute of memory saves a query per message."""
        assert self.tokens is not None
        cached = self._team_tokens.get(team_id)
        # A found token is kept until the workspace uninstalls or revokes it (forget): asking the
        # store again would open a transaction, and a channel launch asks from inside the turn's.
        if cached is not None and (cached[1] is not None or time.monotonic() - cached[0] < TOKEN_MEMORY):
            return cached[1]
        token = await self.tokens.bot_token(team_id)
        self._team_tokens[team_id] = (time.monotonic(), token)
        return token
