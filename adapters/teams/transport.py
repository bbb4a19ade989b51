"""Delivers outbox messages to Teams proactively, through the stored conversation references.

The SDK neither retries nor paces: a 429 or 5xx from the Bot Connector becomes RetryLater (with
its Retry-After) for the outbox to try again; 403/404 (the bot was removed, the user left) become
Undeliverable. A member the bot has never chatted with (known from a team roster) gets a 1:1
conversation created on first delivery.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from microsoft_agents.activity import Activity, ChannelAccount, ConversationAccount, ConversationParameters
from microsoft_agents.hosting.core import ChannelServiceAdapter, TurnContext
from microsoft_agents.hosting.core.authorization import AuthenticationConstants

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
        self, adapter: ChannelServiceAdapter, references: References, catalog: Catalog, app_id: str | None, charts: ChartLinks, timeout: float = 30.0
    ) -> None:
        self.adapter = adapter
        self.charts = charts
        self.references = references
        self.catalog = catalog
        self.app_id = app_id or ""
        self.timeout = timeout

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
            return await self._send(data, self.activity(message))
        except aiohttp.ClientResponseError as exc:
            raise _classify(exc) from exc
        except HostNotAllowed as exc:
            raise Undeliverable(str(exc)) from exc
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RetryLater(f"Bot Connector unreachable: {exc!r}") from exc

    def activity(self, message: Outbound) -> Activity:
        if isinstance(message, Prompt):
            return _card_activity(cards.prompt_card(message, self.texts(message.language)), message.text)
        if isinstance(message, Notice):
            if message.actions:
                return _card_activity(cards.notice_card(message), message.text)
            return Activity(type="message", text=markdown.message_text(cards.command_syntax(message.text)), text_format="markdown")
        if isinstance(message, Report):
            return _card_activity(cards.report_card(message, self.charts.url), message.title)
        if isinstance(message, Digest):
            return _card_activity(digest_card(message, self.charts.url), message.title)
        if isinstance(message, Chart):
            return _card_activity(cards.chart_card(message, self.charts.url), message.alt_text)
        if isinstance(message, Document):
            # Files need the file-consent flow in Teams; until then the member is told where to get it.
            text = self.catalog.t(message.language, "teams_document_unavailable", title=message.title or message.filename, filename=message.filename)
            return Activity(type="message", text=text, text_format="markdown")
        raise Undeliverable(f"no Teams rendering for {type(message).__name__}")

    def texts(self, lang: str) -> cards.Texts:
        return lambda key, **values: self.catalog.t(lang, key, **values)

    async def _run(self, data: dict[str, Any], work: Callable[[TurnContext], Awaitable[Any]]) -> Any:
        """Run `work` in a proactive turn; errors are carried out (the SDK would hand them to on_turn_error)."""
        outcome: dict[str, Any] = {}

        async def callback(context: TurnContext) -> None:
            try:
                outcome["value"] = await work(context)
            except BaseException as exc:  # re-raised below, outside the SDK's pipeline
                outcome["error"] = exc

        continuation = _continuation(data)
        await asyncio.wait_for(self.adapter.continue_conversation(self.app_id, continuation, callback), self.timeout)
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    async def _send(self, data: dict[str, Any], activity: Activity) -> str:
        async def work(context: TurnContext) -> str:
            response = await context.send_activity(activity)
            return f"{data['conversation']['id']}|{response.id or ''}"

        return await self._run(data, work)

    async def _update(self, data: dict[str, Any], closed: PromptClosed) -> str:
        conversation, _, activity_id = closed.reply_handle.rpartition("|")
        if not activity_id:
            raise Undeliverable(f"reply handle {closed.reply_handle!r} names no activity")
        target = {**data, "conversation": {**data["conversation"], "id": conversation or data["conversation"]["id"]}}
        update = _card_activity(cards.closed_card(closed), closed.text)
        update.id = activity_id

        async def work(context: TurnContext) -> str:
            await context.update_activity(update)
            return closed.reply_handle

        return await self._run(target, work)

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
    return {k: v for k, v in (raw or {}).items() if v is not None}


def _continuation(data: dict[str, Any]) -> Activity:
    """A continuation activity with no id of its own, so sends are new messages, not thread replies."""
    conversation = data["conversation"]
    fields: dict[str, Any] = {
        "type": "event",
        "name": "ContinueConversation",
        "channel_id": data.get("channel_id") or "msteams",
        "service_url": data["service_url"],
        "conversation": ConversationAccount(**_account({**conversation, "tenant_id": conversation.get("tenant_id") or data.get("tenant_id")})),
    }
    if data.get("bot"):
        fields["recipient"] = ChannelAccount(**_account(data["bot"]))
    if data.get("user"):
        fields["from_property"] = ChannelAccount(**_account(data["user"]))
    return Activity(**fields)


def _card_activity(card: dict[str, Any], summary: str) -> Activity:
    return Activity(type="message", summary=" ".join(summary.split())[:200], attachments=[cards.attachment(card)])


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
