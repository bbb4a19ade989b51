"""Delivers outbox messages to Teams proactively, through the stored conversation references.

The SDK neither retries nor paces: a 429 or 5xx from the Bot Connector becomes RetryLater (with
its Retry-After) for the outbox to try again; 403/404 (the bot was removed, the user left) become
Undeliverable. A member the bot has never chatted with (known from a team roster) gets a 1:1
conversation created on first delivery.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
from microsoft_agents.activity import Activity, ChannelAccount, ConversationParameters
from microsoft_agents.hosting.core import ChannelServiceAdapter, ChannelServiceClientFactoryBase, TurnContext
from microsoft_agents.hosting.core.authorization import AuthenticationConstants
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from adapters.teams import cards, markdown
from adapters.teams.charts import ChartLinks
from adapters.teams.digest_card import digest_card
from adapters.teams.connector import HostNotAllowed
from adapters.teams.references import References
from adapters.transport import Pacing, RetryLater, Undeliverable
from flows.i18n import Catalog
from flows.messages import Chart, Digest, Document, Notice, Outbound, Prompt, PromptClosed, Report

log = logging.getLogger(__name__)

# Teams allows 7 messages/s, 8 per 2 s and 60 per 30 s per conversation: one message every 0.55 s
# after a burst of 3 stays under all three; ~30/s overall keeps under the ~50 rps per app and tenant.
TEAMS_PACING = Pacing(per_conversation_interval=0.55, per_platform_rate=30.0, burst=3)
PERMANENT = (400, 403, 404, 410)


class TeamsTransport:
    platform = "teams"
    pacing = TEAMS_PACING

    def __init__(
        self,
        adapter: ChannelServiceAdapter,
        factory: ChannelServiceClientFactoryBase,
        references: References,
        catalog: Catalog,
        app_id: str | None,
        charts: ChartLinks,
        timeout: float = 30.0,
    ) -> None:
        self.adapter = adapter
        self.factory = factory
        self._clients: dict[str, ConnectorClientBase] = {}
        self.charts = charts
        self.references = references
        self.catalog = catalog
        self.app_id = app_id or ""
        self.timeout = timeout

    async def warm(self, messages: Sequence[Outbound]) -> None:
        """Before a batch goes: the references of all its audiences not in memory, in one query."""
        await self.references.load_many({m.audience.key for m in messages})

    async def deliver(self, message: Outbound) -> str | None:
        key = message.audience.key
        data = await self.references.get(key)
        if data is None:
            raise Undeliverable(f"no Teams conversation reference for {key}: the bot has not met them yet")
        try:
            if data.get("conversation") is None:
                data = await self._open_chat(key, data)
            if isinstance(message, PromptClosed):
                return await self._update(data, message)
            return await self._send(data, self.body(message))
        except aiohttp.ClientResponseError as exc:
            raise _classify(exc) from exc
        except HostNotAllowed as exc:
            raise Undeliverable(str(exc)) from exc
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RetryLater(f"Bot Connector unreachable: {exc!r}") from exc

    def activity(self, message: Outbound) -> Activity:
        return Activity.model_validate(self.body(message))

    def body(self, message: Outbound) -> dict[str, Any]:
        """The activity for `message`, as the Bot Connector's JSON (before it is addressed)."""
        if isinstance(message, Prompt):
            return _card_body(cards.prompt_card(message, self.texts(message.language)), message.text)
        if isinstance(message, Notice):
            if message.actions:
                return _card_body(cards.notice_card(message), message.text)
            return {"type": "message", "text": markdown.message_text(cards.command_syntax(message.text)), "textFormat": "markdown"}
        if isinstance(message, Report):
            return _card_body(cards.report_card(message, self.charts.url), message.title)
        if isinstance(message, Digest):
            return _card_body(digest_card(message, self.charts.url), message.title)
        if isinstance(message, Chart):
            return _card_body(cards.chart_card(message, self.charts.url), message.alt_text)
        if isinstance(message, Document):
            # Files need the file-consent flow in Teams; until then the member is told where to get it.
            text = self.catalog.t(message.language, "teams_document_unavailable", title=message.title or message.filename, filename=message.filename)
            return {"type": "message", "text": text, "textFormat": "markdown"}
        raise Undeliverable(f"no Teams rendering for {type(message).__name__}")

    def texts(self, lang: str) -> cards.Texts:
        return lambda key, **values: self.catalog.t(lang, key, **values)

    async def _client(self, service_url: str) -> ConnectorClientBase:
        """One connector client per service URL, kept: the SDK's proactive turn (a TurnContext, its
        pipeline and telemetry spans, a new client and HTTP session per message) was a third of a
        Teams answer's CPU, for a call that needs only the client and the conversation reference."""
        client = self._clients.get(service_url)
        if client is None or client.client.closed:
            identity = self.adapter.create_claims_identity(self.app_id)
            client = await self.factory.create_connector_client(None, identity, service_url, identity.get_token_audience())
            self._clients[service_url] = client
        return client

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients.clear()

    async def _send(self, data: dict[str, Any], body: dict[str, Any]) -> str:
        # Addressed as the SDK's TurnContext.send_activity addresses a proactive message: from the
        # bot to the member, a new message (no replyToId: a proactive message answers no activity).
        client = await self._client(data["service_url"])  # first: a foreign host is refused before anything else
        outgoing = Activity.model_validate({"inputHint": "acceptingInput", **body, **_addressing(data)})
        response = await asyncio.wait_for(client.conversations.send_prepared(outgoing.conversation.id, outgoing), self.timeout)
        return f"{data['conversation']['id']}|{getattr(response, 'id', None) or ''}"

    async def _update(self, data: dict[str, Any], closed: PromptClosed) -> str:
        conversation, _, activity_id = closed.reply_handle.rpartition("|")
        if not activity_id:
            raise Undeliverable(f"reply handle {closed.reply_handle!r} names no activity")
        target = {**data, "conversation": {**data["conversation"], "id": conversation or data["conversation"]["id"]}}
        client = await self._client(target["service_url"])
        update = Activity.model_validate({**_card_body(cards.closed_card(closed), closed.text), **_addressing(target), "id": activity_id})
        await asyncio.wait_for(client.conversations.update_prepared(update.conversation.id, activity_id, update), self.timeout)
        return closed.reply_handle

    async def _open_chat(self, key: str, data: dict[str, Any]) -> dict[str, Any]:
        """Create the 1:1 chat with a member known only from a roster, and keep its reference."""
        user = data.get("user") or {}
        if not user.get("id"):
            raise Undeliverable(f"no Teams user id stored for {key}")
        params = ConversationParameters(
            is_group=False,
            agent=ChannelAccount(**_account(data.get("bot"))) if data.get("bot") else None,
            members=[ChannelAccount(id=user["id"])],
            tenant_id=data.get("tenant_id"),
            channel_data={"tenant": {"id": data["tenant_id"]}} if data.get("tenant_id") else None,
        )
        created: dict[str, str] = {}

        async def callback(context: TurnContext) -> None:
            created["id"] = context.activity.conversation.id

        await asyncio.wait_for(
            self.adapter.create_conversation(
                self.app_id, data.get("channel_id") or "msteams", data["service_url"], AuthenticationConstants.AGENTS_SDK_SCOPE, params, callback
            ),
            self.timeout,
        )
        full = {**data, "conversation": {"id": created["id"], "conversation_type": "personal", "is_group": False, "tenant_id": data.get("tenant_id")}}
        await self.references.keep({key: full})
        return full


def _account(raw: dict[str, Any] | None) -> dict[str, Any]:
    """An account's fields that have a value (the Bot Connector refuses explicit nulls)."""
    return {k: v for k, v in (raw or {}).items() if v is not None and v != ""}


def _addressing(data: dict[str, Any]) -> dict[str, Any]:
    """Where a proactive activity goes, from a stored reference: what the SDK's
    apply_conversation_reference sets for an outgoing activity (from the bot, to the member), built
    once as plain JSON with no empty field, rather than through a continuation activity, its
    reference and a clean-up that each validate the whole activity again."""
    conversation = _account({**data["conversation"], "tenant_id": data["conversation"].get("tenant_id") or data.get("tenant_id")})
    fields: dict[str, Any] = {
        "channelId": data.get("channel_id") or "msteams",
        "serviceUrl": data["service_url"],
        "conversation": conversation,
    }
    if data.get("bot"):
        fields["from"] = _account(data["bot"])
    if data.get("user"):
        fields["recipient"] = _account(data["user"])
    return fields


def _card_body(card: dict[str, Any], summary: str) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "message", "attachments": [cards.attachment(card)]}
    shortened = " ".join(summary.split())[:200]
    if shortened:
        body["summary"] = shortened
    return body


def _classify(exc: aiohttp.ClientResponseError) -> Exception:
    if exc.status == 429 or exc.status >= 500 or exc.status == 401:
        retry_after = None
        header = (exc.headers or {}).get("Retry-After")
        if header:
            try:
                retry_after = max(0.0, float(header))
            except ValueError:
                retry_after = None
        return RetryLater(f"Bot Connector answered {exc.status}", retry_after)
    if exc.status in PERMANENT:
        return Undeliverable(f"Bot Connector refused with {exc.status}")
    return Undeliverable(f"Bot Connector answered {exc.status}")
