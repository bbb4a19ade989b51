"""The slack-bolt listeners: each stores its request in the inbox, then acknowledges, then the
engine works from the inbox.

Storing is one short transaction, so Slack's 3-second limit stays far away; the engine turn runs
after the acknowledgement, in the inbox's workers. Bolt answers once a listener returns
(process_before_response): every listener returns right after its acknowledgement, and the one
with slow work after it (the Home tab's views.publish) leaves it to a task of its own. A request that cannot be stored is
not acknowledged as if it were: a slash command answers "I could not save that" in the member's
language, a click in a message gets the same line as an ephemeral reply through its response_url,
a modal shows it under its field (the text the member typed stays there), a click in the Home
tab gets an error status (Slack marks the element), and an Events API delivery gets 503, so
Slack delivers it again. Modal submissions also keep their field validation in the acknowledgement.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import or_, select

from adapters.slack import events
from adapters.slack.blocks import modal_metadata, question_block_id, text_modal
from adapters.slack.clients import SlackClients
from adapters.slack.estimate import last_outbox_id, tell_delivery_time
from adapters.slack.home import publish_home
from adapters.slack.lifecycle import workspace_gone
from flows.events import ChannelRef, InboundEvent, MemberRef, NetworkRef
from flows.inbox import FollowUp, Inbox, InboxUnavailable, language_of
from storage import repository as repo
from storage.models import Round

log = logging.getLogger(__name__)


# The Events API events we listen to; the manifest's bot_events must match (message -> message.im).
EVENTS = ("app_mention", "member_joined_channel", "message", "app_home_opened", "app_uninstalled", "tokens_revoked")


class Listeners:
    """Registers every listener on a bolt app; `core` is the composition root's Core."""

    def __init__(self, core: Any, remember_question: Callable[[str, dict[str, str]], None], inbox: Inbox, clients: SlackClients, store: Any = None) -> None:
        self.core = core
        self.clients = clients
        self.store = store
        self.remember_question = remember_question
        self.inbox = inbox
        self._later: set[asyncio.Task[None]] = set()  # work after an acknowledgement (kept from the GC)

    async def accepted(self, event: InboundEvent, then: FollowUp | None = None) -> bool:
        """Store the event before the acknowledgement and queue its turn; False if it could not be
        stored. A re-delivered event counts as stored (it was, the first time)."""
        try:
            await self.inbox.submit(event, then)
        except InboxUnavailable:
            return False
        return True

    async def not_saved(self, event: InboundEvent) -> str:
        lang = await language_of(self.core.db, event.network.key, event.member.key, self.core.settings.language)
        return str(self.core.catalog.t(lang, "save_failed"))

    async def _click(self, ack: Any, respond: Any, body: dict[str, Any], event: InboundEvent, then: FollowUp | None = None) -> None:
        """An interaction in a message or the Home tab: stored, then acknowledged."""
        if await self.accepted(event, then):
            await ack()
            return
        if not body.get("response_url"):
            raise InboxUnavailable("a click in the Home tab could not be stored")  # bolt answers 500
        await ack()
        await respond(text=await self.not_saved(event), response_type="ephemeral", replace_original=False)

    def _stored_first(self, translate: Callable[[dict[str, Any], Any], Awaitable[InboundEvent | None]]) -> Callable[..., Awaitable[Any]]:
        """Events API deliveries are acknowledged by bolt before their listener runs; this listener
        middleware stores the event first, and answers 503 (Slack re-sends) if it cannot."""

        async def middleware(body: dict[str, Any], context: Any, next_: Callable[[], Awaitable[Any]]) -> Any:
            event = await translate(body, context)
            if event is not None and not await self.accepted(event):
                return BoltResponse(status=503, body="")
            return await next_()

        return middleware

    def register(self, bolt: AsyncApp) -> None:
        bolt.use(self.installed_team)
        bolt.command(re.compile(r"^/.+"))(self.on_command)
        # Patterns: each button has its own action id (`yh_choose:3`), Slack refuses duplicates.
        bolt.action(events.CHOOSE_PATTERN)(self.on_choose)
        bolt.action(events.ACTION_PICK)(self.on_pick)
        bolt.action(events.ACTION_SUBMIT)(self.on_submit)
        bolt.action(events.ACTION_OPEN)(self.on_open)
        bolt.action(events.COMMAND_PATTERN)(self.on_command_action)
        bolt.view(events.VIEW_TEXT)(self.on_text_submitted)
        bolt.event("app_mention", middleware=[self._stored_first(self._mention)])(self.on_stored_event)
        bolt.event("member_joined_channel", middleware=[self._stored_first(self._joined)])(self.on_stored_event)
        bolt.event("message", middleware=[self._stored_first(self._message)])(self.on_stored_event)
        bolt.event("app_home_opened")(self.on_home_opened)
        # Idempotent removals: nothing to keep in the inbox, and Slack re-sends them if they fail.
        bolt.event("app_uninstalled")(self.on_uninstalled)
        bolt.event("tokens_revoked")(self.on_tokens_revoked)
        bolt.error(self.on_error)

    async def installed_team(self, body: dict[str, Any], context: Any, next: Callable[[], Awaitable[None]]) -> None:
        """Runs after bolt's authorisation: the team of the token that speaks for this request is
        the workspace, whatever team ids a Slack Connect guest's payload carries (with one bot
        token, bolt learnt it from auth.test; with OAuth, from the installation it found)."""
        result = context.get("authorize_result")
        team = getattr(result, "team_id", None)
        if team and isinstance(body, dict):
            body[events.INSTALLED_TEAM] = team
        await next()

    async def on_command(self, ack: Any, body: dict[str, Any], context: Any) -> None:
        event = events.command_event(body)
        if context.get("bot_token"):
            # The turn may ask who is in a channel; the token must be known without a query then.
            self.clients.remember(event.network.workspace, context["bot_token"])
        since = await last_outbox_id(self.core.db)

        async def then() -> None:
            await tell_delivery_time(self.core.db, self.core.catalog, self.clients.pacing, event, since)

        if not await self.accepted(event, then):
            await ack(text=await self.not_saved(event))
            return
        await ack()

    def _keep_question(self, body: dict[str, Any], ref: str) -> None:
        handle = events.reply_handle(body)
        message = body.get("message") or {}
        if handle and message:
            head = next((b["elements"][0].get("text", "") for b in message.get("blocks") or () if b.get("type") == "context" and b.get("elements")), "")
            self.remember_question(handle, {"head": head, "text": _question_text(body, ref)})

    async def on_choose(self, ack: Any, respond: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        event = events.choose_event(body, action)
        if event is None:
            await ack()
            return
        self._keep_question(body, event.prompt_ref)
        await self._click(ack, respond, body, event, lambda: self._refresh_home(body, client))

    async def on_pick(self, ack: Any) -> None:
        await ack()  # a tick in checkboxes is kept in the message state until submit

    async def on_submit(self, ack: Any, respond: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        event = events.submit_event(body, action)
        if event is None:
            await ack()
            return
        self._keep_question(body, event.prompt_ref)
        await self._click(ack, respond, body, event, lambda: self._refresh_home(body, client))

    async def on_open(self, ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        """views.open right away: the trigger_id expires three seconds after the click."""
        await ack()
        meta = json.loads(action.get("value") or "{}")
        ref = str(meta.get("ref", ""))
        lang = str(meta.get("lang") or "en")
        question = _question_text(body, ref)
        self._keep_question(body, ref)
        metadata = modal_metadata(events.modal_metadata(body, ref, lang, bool(meta.get("req", True))))
        view = text_modal(ref, question, lang, meta.get("max"), bool(meta.get("req", True)), metadata, self.core.catalog)
        try:
            await client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:
            # A listener that raises turns the acknowledgement into a 500: an expired or refused
            # trigger is one line in the log, and the member clicks again.
            log.warning("slack: the text box could not be opened: %s", exc.response.get("error", "?"))

    async def on_text_submitted(self, ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        event, _lang = events.view_answer(body)
        problem = await self.core.engine.check_answer(event.network, event.member, event.prompt_ref, event.value)
        if problem is not None:
            await ack(response_action="errors", errors={events.TEXT_BLOCK: problem})
            return
        home = bool(json.loads(body["view"].get("private_metadata") or "{}").get("home"))
        then = (lambda: self._publish_home(client, event.network, event.member)) if home else None
        if not await self.accepted(event, then):
            # The modal stays open with the member's text in it, and says why.
            await ack(response_action="errors", errors={events.TEXT_BLOCK: await self.not_saved(event)})
            return
        await ack()

    async def on_command_action(self, ack: Any, respond: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        event = events.command_action_event(body, action)
        await self._click(ack, respond, body, event, lambda: self._refresh_home(body, client))

    async def on_stored_event(self, body: dict[str, Any]) -> None:
        """Stored by the listener middleware before bolt acknowledged it; the inbox does the rest."""

    async def _mention(self, body: dict[str, Any], context: Any) -> InboundEvent | None:
        event = events.mention_event(body)
        if events.is_team_id(event.member.workspace):
            return event
        # In a shared channel an app_mention's `user_team` can be the guest's organisation (E…),
        # not their workspace (slack-bolt's extract_actor_team_id gives up there): users.info
        # knows it, so the guest stays the one member their clicks and answers are kept under.
        team = await self._team_of_person(context, event.member.user)
        return replace(event, member=replace(event.member, workspace=team or event.network.workspace))

    async def _team_of_person(self, context: Any, user_id: str) -> str | None:
        client = context.get("client")
        if client is None:
            return None
        try:
            info = (await client.users_info(user=user_id)).get("user") or {}
        except SlackApiError:
            return None
        team = str(info.get("team_id") or "")
        return team if events.is_team_id(team) else None

    async def _joined(self, body: dict[str, Any], context: Any) -> InboundEvent | None:
        event = events.joined_event(body)
        if event is None or event.member.user == context.get("bot_user_id") or event.channel is None:
            return None
        return event if await self._is_network_channel(event.network, event.channel) else None

    async def _message(self, body: dict[str, Any], context: Any) -> InboundEvent | None:
        return events.message_event(body)

    async def on_home_opened(self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        team = events.team_of(body)
        member = events.member(event["user"], event.get("user_team") or team, team)
        # After the acknowledgement: a publish waits for its rate bucket, Slack's 3 s do not.
        task = asyncio.create_task(self._publish_home(client, events.network_of(body), member), name="slack-home")
        self._later.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: "asyncio.Task[None]") -> None:
        self._later.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("slack: the Home tab could not be shown: %r", task.exception())

    async def on_uninstalled(self, body: dict[str, Any]) -> None:
        await workspace_gone(self.core.db, self.clients, self.store, events.team_of(body), _enterprise(body))

    async def on_tokens_revoked(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Only the bot's token matters: we keep no user tokens."""
        if (event.get("tokens") or {}).get("bot"):
            await workspace_gone(self.core.db, self.clients, self.store, events.team_of(body), _enterprise(body))

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
        await publish_home(self.core, self.clients, client, network, member)

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


def _enterprise(body: dict[str, Any]) -> str | None:
    """The installation's org: authorizations first (bolt's extract_enterprise_id order)."""
    for auth in body.get("authorizations") or ():
        return auth.get("enterprise_id") or None
    return body.get("enterprise_id") or None


def _question_text(body: dict[str, Any], ref: str) -> str:
    """The question as shown in the message or Home tab the button sits in."""
    holder = body.get("message") or body.get("view") or {}
    for block in holder.get("blocks") or ():
        if block.get("block_id") == question_block_id(ref):
            return str((block.get("text") or {}).get("text", ""))
    return ""
