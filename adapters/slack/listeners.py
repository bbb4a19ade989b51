"""The slack-bolt listeners: each acknowledges first, then hands a neutral event to the core.

Bolt runs listeners after the HTTP response only for what is acknowledged (process_before_response
is False), so Slack's 3-second limit is never at the mercy of the database. Modal submissions are
the exception: their field errors must travel in the acknowledgement, so the answer is checked
(not stored) before acking.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import or_, select

from adapters.slack import events
from adapters.slack.blocks import question_block_id, text_modal
from adapters.slack.home import home_view
from adapters.slack.work import WorkQueue
from flows.events import ChannelRef, InboundEvent, MemberRef, NetworkRef
from storage import repository as repo
from storage.models import Round

log = logging.getLogger(__name__)


class Listeners:
    """Registers every listener on a bolt app; `core` is the composition root's Core."""

    def __init__(self, core: Any, remember_question: Callable[[str, dict[str, str]], None], work: WorkQueue) -> None:
        self.core = core
        self.remember_question = remember_question
        self.work = work

    async def run(self, event: InboundEvent, then: Callable[[], Awaitable[None]] | None = None) -> None:
        """Queue one engine turn (and what follows it). Already acknowledged, so a failure is
        logged, never sent back to Slack."""

        async def job() -> None:
            try:
                await self.core.handle(event)
            except Exception:
                log.exception("slack: handling %s failed", type(event).__name__)
            if then is not None:
                await then()

        self.work.put(job)

    def register(self, bolt: AsyncApp) -> None:
        bolt.command(re.compile(r"^/.+"))(self.on_command)
        bolt.action(events.ACTION_CHOOSE)(self.on_choose)
        bolt.action(events.ACTION_PICK)(self.on_pick)
        bolt.action(events.ACTION_SUBMIT)(self.on_submit)
        bolt.action(events.ACTION_OPEN)(self.on_open)
        bolt.action(events.ACTION_COMMAND)(self.on_command_action)
        bolt.view(events.VIEW_TEXT)(self.on_text_submitted)
        bolt.event("app_mention")(self.on_mention)
        bolt.event("member_joined_channel")(self.on_joined)
        bolt.event("message")(self.on_message)
        bolt.event("app_home_opened")(self.on_home_opened)
        bolt.error(self.on_error)

    async def on_command(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await self.run(events.command_event(body))

    def _keep_question(self, body: dict[str, Any], ref: str) -> None:
        handle = events.reply_handle(body)
        message = body.get("message") or {}
        if handle and message:
            head = next((b["elements"][0].get("text", "") for b in message.get("blocks") or () if b.get("type") == "context" and b.get("elements")), "")
            self.remember_question(handle, {"head": head, "text": _question_text(body, ref)})

    async def on_choose(self, ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        event = events.choose_event(body, action)
        if event is not None:
            self._keep_question(body, event.prompt_ref)
            await self.run(event, lambda: self._refresh_home(body, client))

    async def on_pick(self, ack: Any) -> None:
        await ack()  # a tick in checkboxes is kept in the message state until submit

    async def on_submit(self, ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        event = events.submit_event(body, action)
        if event is not None:
            self._keep_question(body, event.prompt_ref)
            await self.run(event, lambda: self._refresh_home(body, client))

    async def on_open(self, ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        """views.open right away: the trigger_id expires three seconds after the click."""
        await ack()
        meta = json.loads(action.get("value") or "{}")
        ref = str(meta.get("ref", ""))
        lang = str(meta.get("lang") or "en")
        question = _question_text(body, ref)
        self._keep_question(body, ref)
        metadata = events.modal_metadata(body, ref, lang, bool(meta.get("req", True)))
        view = text_modal(ref, question, lang, meta.get("max"), bool(meta.get("req", True)), metadata, self.core.catalog)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def on_text_submitted(self, ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        event, _lang = events.view_answer(body)
        problem = await self.core.engine.check_answer(event.network, event.member, event.prompt_ref, event.value)
        if problem is not None:
            await ack(response_action="errors", errors={events.TEXT_BLOCK: problem})
            return
        await ack()
        if json.loads(body["view"].get("private_metadata") or "{}").get("home"):
            await self.run(event, lambda: self._publish_home(client, event.network, event.member))
        else:
            await self.run(event)

    async def on_command_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await self.run(events.command_action_event(body, action), lambda: self._refresh_home(body, client))

    async def on_mention(self, body: dict[str, Any]) -> None:
        await self.run(events.mention_event(body))

    async def on_joined(self, body: dict[str, Any], context: Any) -> None:
        event = events.joined_event(body)
        if event is None or event.member.user == context.get("bot_user_id") or event.channel is None:
            return
        if await self._is_network_channel(event.network, event.channel):
            await self.run(event)

    async def on_message(self, body: dict[str, Any]) -> None:
        event = events.message_event(body)
        if event is not None:
            await self.run(event)

    async def on_home_opened(self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        team = events.team_of(body)
        member = events.member(event["user"], event.get("user_team") or team, team)
        await self._publish_home(client, events.network_of(body), member)

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        # The body is logged by type only: payloads hold people's answers.
        log.error("slack listener failed on a %s request: %r", body.get("type", "?"), error)

    async def _refresh_home(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """An answer given in the Home tab: show the tab again without the answered question."""
        if (body.get("view") or {}).get("type") != "home":
            return
        team = events.team_of(body)
        user = body["user"]
        await self._publish_home(client, events.network_of(body), events.member(user["id"], user.get("team_id"), team))

    async def _publish_home(self, client: AsyncWebClient, network: NetworkRef, member: MemberRef) -> None:
        try:
            view = await home_view(self.core.db, self.core.config, self.core.engine, network, member)
            await client.views_publish(user_id=member.user, view=view)
        except Exception:
            log.exception("slack: publishing the Home tab failed")

    async def _is_network_channel(self, network_ref: NetworkRef, channel: ChannelRef) -> bool:
        """A channel the network works in: its report channel, or where a round was launched or sent."""
        async with self.core.db.transaction() as tx:
            network = await repo.network_by_key(tx, network_ref.key)
            if network is None:
                return False
            if network.report_channel == channel.key:
                return True
            stmt = (
                select(Round.id)
                .where(Round.network_id == network.id)
                .where(or_(Round.channel == channel.key, Round.audience == f"channel:{channel.key}"))
                .limit(1)
            )
            return (await tx.execute(stmt)).first() is not None


def _question_text(body: dict[str, Any], ref: str) -> str:
    """The question as shown in the message or Home tab the button sits in."""
    holder = body.get("message") or body.get("view") or {}
    for block in holder.get("blocks") or ():
        if block.get("block_id") == question_block_id(ref):
            return str((block.get("text") or {}).get("text", ""))
    return ""
