"""Delivers neutral messages through the Slack Web API and sorts its failures for the dispatcher.

429 -> RetryLater(Retry-After), 5xx and network errors -> RetryLater, refusals that no retry can
fix (unknown user or channel, bot not in the channel, deactivated account) -> Undeliverable.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from adapters.slack import blocks, web_calls
from adapters.slack.clients import NotInstalled, SlackClients
from adapters.slack.digest_blocks import digest_blocks
from adapters.transport import Buckets, Pacing, RetryLater, Undeliverable
from flows.i18n import Catalog
from flows.messages import Audience, Chart, Digest, Document, Notice, Outbound, Prompt, PromptClosed, Report
from storage import references
from storage.database import Database
from storage.health import WRITE_FAULTS
from storage.models import Member, Network
from storage.units import core_transaction

log = logging.getLogger(__name__)
Part = Callable[[], Awaitable[str]]  # one Slack message or file of an outbound message; returns its handle

PERMANENT = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "user_disabled",
        "cannot_dm_bot",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "no_permission",
        "missing_scope",
        "invalid_blocks",
        "msg_too_long",
        "message_not_found",
        "cant_update_message",
        "team_not_found",
    }
)
TRANSIENT = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


def retry_after_of(exc: SlackApiError) -> float | None:
    headers = getattr(exc.response, "headers", {}) or {}
    raw = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def is_rate_limited(exc: SlackApiError) -> bool:
    error = str(exc.response.get("error", "")) if hasattr(exc.response, "get") else ""
    return getattr(exc.response, "status_code", 200) == 429 or error == "ratelimited"


def classify(exc: SlackApiError, bucket: str | None = None) -> Exception:
    """A Web API failure as the dispatcher understands it."""
    response = exc.response
    status = getattr(response, "status_code", 200)
    error = str(response.get("error", "")) if hasattr(response, "get") else ""
    if is_rate_limited(exc):
        return RetryLater("slack rate limit (429)", retry_after_of(exc), rate_limited=True, bucket=bucket)
    if status >= 500 or error in TRANSIENT:
        return RetryLater(f"slack error {status} {error}".strip())
    if error in PERMANENT:
        return Undeliverable(f"slack refused: {error}")
    return Undeliverable(f"slack refused: {error or status}")


class SlackTransport:
    """Each Web API call draws on its workspace's bucket for that method (adapters.slack.rates);
    a 429 pauses that bucket for Retry-After, for every conversation of the workspace."""

    platform = "slack"
    KEEP = 5000  # remembered DM channels and answered questions (a few hundred bytes each)

    def __init__(self, clients: SlackClients, db: Database, catalog: Catalog) -> None:
        self.clients = clients
        self.pacing: Pacing = clients.pacing
        self.buckets: Buckets = clients.buckets
        self.db = db
        self.catalog = catalog
        self._dms: OrderedDict[str, str] = OrderedDict()
        self._questions: OrderedDict[str, dict[str, str]] = OrderedDict()
        self._progress: OrderedDict[str, tuple[str, int]] = OrderedDict()  # half-sent message -> (handle, parts sent)

    def remember_question(self, handle: str, question: dict[str, str]) -> None:
        """The listener saw the prompt message in the click's payload: keep its question so the
        answered message can still show it (chat.update replaces the whole message). Memory only:
        a restart in between costs the question line, never the answer."""
        self._remember(self._questions, handle, question)

    def _remember(self, cache: "OrderedDict[str, Any]", key: str, value: Any) -> None:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > self.KEEP:
            cache.popitem(last=False)

    async def _api(self, client: AsyncWebClient, method: str, **kwargs: Any) -> Any:
        """One paced Web API call; a 429 pauses its bucket for everyone before it is reported."""
        team = self.clients.bucket_of(client)
        await self.buckets.acquire(team, method)
        try:
            if method in web_calls.JSON_METHODS:
                return await web_calls.post(client, method, kwargs)
            return await getattr(client, method.replace(".", "_"))(**kwargs)
        except SlackApiError as exc:
            if is_rate_limited(exc):
                self.buckets.pause(Buckets.key(team, method), retry_after_of(exc) or 1.0)
                raise classify(exc, Buckets.key(team, method)) from None
            raise

    async def _client(self, audience: Audience) -> AsyncWebClient:
        """The client of the workspace the audience is reached through. A Slack Connect guest's
        key carries their own organisation's team, where the app is usually not installed: they
        are reached through the workspace of the network they belong to."""
        try:
            return await self.clients.for_team(audience.workspace)
        except NotInstalled:
            if audience.member_key is None:
                raise
            async with self.db.transaction() as tx:
                stmt = select(Network.key).join(Member, Member.network_id == Network.id).where(Member.key == audience.member_key).limit(1)
                network_key = (await tx.execute(stmt)).scalar_one_or_none()
            if network_key is None:
                raise
            return await self.clients.for_team(network_key.split(":", 1)[1])

    async def warm(self, messages: Sequence[Outbound]) -> None:
        """Before a batch goes: the DM channels of all its members not yet in memory, in one query."""
        wanted = {
            _dm_key(m.audience)
            for m in messages
            if m.audience.channel_key is None and not isinstance(m, PromptClosed) and _dm_key(m.audience) not in self._dms
        }
        if not wanted:
            return
        # A read: it need not queue behind the writers (WAL readers see the last commit).
        async with self.db.connect() as conn:
            known = await references.load_many(conn, wanted)
        for key, data in known.items():
            if data.get("channel"):
                self._remember(self._dms, key, str(data["channel"]))

    async def deliver(self, message: Outbound) -> str | None:
        try:
            client = await self._client(message.audience)
            return await self._deliver(client, message)
        except SlackApiError as exc:
            raise classify(exc) from None
        except NotInstalled as exc:
            raise Undeliverable(str(exc)) from None
        except (aiohttp.ClientError, asyncio.TimeoutError, SlackRequestError, ConnectionError) as exc:
            raise RetryLater(f"slack unreachable: {exc.__class__.__name__}") from None

    async def _deliver(self, client: AsyncWebClient, message: Outbound) -> str | None:
        if isinstance(message, PromptClosed):
            return await self._close_prompt(client, message)
        channel = await self._conversation(client, message.audience)
        if isinstance(message, Prompt):
            response = await self._api(
                client, "chat.postMessage", channel=channel, text=blocks.prompt_fallback(message), blocks=blocks.prompt_blocks(message, self.catalog)
            )
            return f"{response['channel']}|{response['ts']}"
        if isinstance(message, Notice):
            return await self._in_parts(message, self._pages(client, channel, message.text, blocks.notice_blocks(message.text, message.actions)))
        if isinstance(message, (Report, Digest)):
            pages = blocks.report_blocks(message) if isinstance(message, Report) else digest_blocks(message)
            charts = message.charts if isinstance(message, Report) else (message.chart,) if message.chart is not None else ()
            uploads = [self._chart_upload(client, channel, chart) for chart in charts]
            return await self._in_parts(message, [*self._pages(client, channel, message.title, pages), *uploads])
        if isinstance(message, Chart):
            return await self._upload(client, channel, message.png, message.filename, message.title or message.alt_text, message.alt_text)
        if isinstance(message, Document):
            return await self._upload(client, channel, message.content, message.filename, message.title or message.filename, None)
        raise Undeliverable(f"no Slack rendering for {type(message).__name__}")

    def _pages(self, client: AsyncWebClient, channel: str, fallback: str, pages: list[list[dict[str, Any]]]) -> list[Part]:
        async def post(page: list[dict[str, Any]]) -> str:
            response = await self._api(client, "chat.postMessage", channel=channel, text=blocks.fallback(fallback), blocks=page)
            return f"{response['channel']}|{response['ts']}"

        return [lambda page=page: post(page) for page in pages]

    def _chart_upload(self, client: AsyncWebClient, channel: str, chart: Chart) -> Part:
        return lambda: self._upload(client, channel, chart.png, chart.filename, chart.title or chart.alt_text, chart.alt_text)

    async def _in_parts(self, message: Outbound, parts: list[Part]) -> str:
        """A message of several Slack messages and files (a long notice, a report and its charts):
        when one part meets a 429 or a 5xx the outbox sends the message again, and the parts that
        reached Slack already are not sent twice. Kept in memory: a restart in between may repeat them."""
        key = _progress_key(message) if len(parts) > 1 else ""
        handle, sent = self._progress.pop(key, ("", 0))
        try:
            for part in parts[sent:]:
                result = await part()
                handle = handle or result
                sent += 1
        except BaseException:
            if key and sent:
                self._remember(self._progress, key, (handle, sent))
            raise
        return handle

    async def _upload(self, client: AsyncWebClient, channel: str, data: bytes, filename: str, title: str, alt: str | None) -> str:
        team = self.clients.bucket_of(client)
        await self.buckets.acquire(team, "files.getUploadURLExternal")
        await self.buckets.acquire(team, "files.completeUploadExternal")
        try:
            response = await client.files_upload_v2(channel=channel, content=data, filename=filename, title=title, alt_txt=alt)
        except SlackApiError as exc:
            if not is_rate_limited(exc):
                raise
            # files_upload_v2 is two calls: the 429 pauses the one that got it, for everyone.
            method = str(getattr(exc.response, "api_url", "")).rstrip("/").rsplit("/", 1)[-1]
            key = Buckets.key(team, method if method.startswith("files.") else "files.completeUploadExternal")
            self.buckets.pause(key, retry_after_of(exc) or 1.0)
            raise classify(exc, key) from None
        file = response.get("file") or {}
        return str(file.get("id", ""))

    async def _close_prompt(self, client: AsyncWebClient, message: PromptClosed) -> str | None:
        """In a DM the prompt message itself changes; in a channel others still need the buttons."""
        channel, _, ts = message.reply_handle.partition("|")
        if not channel or not ts:
            return None
        if not channel.startswith("D"):
            await self._api(client, "chat.postEphemeral", channel=channel, user=message.audience.target_id, text=blocks.fallback(message.text))
            return message.reply_handle
        question = self._questions.pop(message.reply_handle, None)
        await self._api(client, "chat.update", channel=channel, ts=ts, text=blocks.fallback(message.text), blocks=blocks.answered_blocks(question, message.text))
        return message.reply_handle

    async def _conversation(self, client: AsyncWebClient, audience: Audience) -> str:
        """A channel is addressed as is; a member through their DM channel (opened once, then kept)."""
        if audience.channel_key is not None:
            return audience.target_id
        key = _dm_key(audience)
        if key in self._dms:
            return self._dms[key]
        async with self.db.connect() as conn:
            known = await references.load(conn, key)
        if known and known.get("channel"):
            channel = str(known["channel"])
        else:
            response = await self._api(client, "conversations.open", users=audience.target_id)
            channel = str(response["channel"]["id"])
            try:
                async with core_transaction(self.db) as tx:
                    await references.save(tx, key, "slack", {"channel": channel})
            except WRITE_FAULTS:  # only a cache of conversations.open: the message still goes (say, "could not save")
                log.warning("slack: could not keep the DM channel of a member: the database cannot be written")
        self._remember(self._dms, key, channel)
        return channel


def _progress_key(message: Outbound) -> str:
    """Names one multi-part message while it is half delivered (its audience and content)."""
    content = repr(message).encode("utf-8", "replace")
    return f"{message.audience.key}|{hashlib.sha1(content).hexdigest()}"


def _dm_key(audience: Audience) -> str:
    """Where a member's DM channel id is kept (conversation_refs)."""
    return f"slack:dm:{audience.key}"
