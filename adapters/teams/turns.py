"""The bot's side of an inbound turn: keep references, translate, store the events in the inbox.

The turn ends once its events are stored (the engine works from the inbox after the response), so
the Bot Connector gets its answer at once and a crash after it loses nothing. Replies go through
the outbox like everything else (so 429s are retried and nothing is sent twice); only a refused
card submit, and a request that could not be stored, are answered in the turn itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection

import aiohttp
from microsoft_agents.activity import Activity, ChannelAccount
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from adapters.teams import activities
from adapters.teams.references import References
from bot.app import Core
from flows.events import MemberAnswered, MemberRef
from flows.inbox import InboxUnavailable, is_storage_failure, language_of
from storage import repository as repo
from storage.health import WRITE_FAULTS

log = logging.getLogger(__name__)


class TeamsBot:
    """The Agent the CloudAdapter runs for each activity (the SDK's Agent protocol: on_turn)."""

    def __init__(self, core: Core, references: References) -> None:
        self.core = core
        self.references = references

    @property
    def verbs(self) -> Collection[str]:
        # A live view of the command table (asked twice per activity): no copy of it per turn.
        return self.core.engine.commands.keys()

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        translation = activities.translate(activity, self.verbs)
        if translation.installed_in:
            roster = await self._roster(context, translation.installed_in)
            extra = activities.roster_events(activity, roster)
            translation.events.extend(extra.events)
            translation.partial_references.update(extra.partial_references)
        # The references are stored with the first event, in its inbox transaction.
        keeping = self.references.pending(translation.references, translation.partial_references)
        if translation.submit is not None:
            problem = await self._check(translation.submit)
            if problem is not None:
                if keeping is not None:
                    await self.references.store(keeping)
                await _tell(context, problem)
                return
        if not translation.events and keeping is not None:
            await self.references.store(keeping)
        for event in translation.events:
            try:
                await self.core.inbox.submit(event, stored_with=keeping)
                keeping = None
            except InboxUnavailable:
                lang = await language_of(self.core.db, event.network.key, event.member.key, self.core.settings.language)
                await _tell(context, self.core.catalog.t(lang, "save_failed"))
                return

    async def _roster(self, context: TurnContext, conversation: str) -> list[ChannelAccount]:
        client = context.services.get(ConnectorClientBase)
        if client is None:
            return []
        try:
            return list(await client.conversations.get_conversation_members(conversation))
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            # Entra ID or the connector unreachable, or no such team: the install still counts;
            # members are met as they write, or at the next `reflect start … here`.
            log.warning("Teams: the roster of %s could not be read: %r", conversation[:80], exc)
            return []

    async def _check(self, submit: MemberAnswered) -> str | None:
        """A card answer that would be refused: the reason, so the card stays answerable."""
        problem = await self.core.engine.check_answer(submit.network, submit.member, submit.prompt_ref, submit.value)
        if problem is None:
            return None
        lang = await self.language(submit.network.key, submit.member)
        return self.core.catalog.t(lang, "teams_invalid_submit", problem=problem)

    async def language(self, network_key: str, member: MemberRef | None) -> str:
        async with self.core.db.transaction() as tx:
            network = await repo.network_by_key(tx, network_key)
            if network is None:
                return self.core.settings.language
            found = await repo.member_by_key(tx, network.id, member.key) if member else None
            return (found.language if found else None) or network.language


async def _tell(context: TurnContext, text: str) -> None:
    """A reply inside the turn (a refused card answer, a save that failed). The connector may
    refuse it (a conversation it does not know, a 4xx) or be unreachable: nothing was stored for
    this answer, so one warning line is the whole of it, not a failed turn."""
    try:
        await context.send_activity(text)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        log.warning("Teams: could not reply in conversation %s: %r", (context.activity.conversation.id if context.activity.conversation else "?")[:80], exc)


def turn_error_handler(bot: TeamsBot) -> Callable[[TurnContext, Exception], Awaitable[None]]:
    """Replaces the SDK's handler, which posts the exception text (with internal URLs) into the chat."""

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        activity: Activity = context.activity
        cannot_write = isinstance(error, WRITE_FAULTS)
        # A database that cannot be written is a fault to report plainly, not a bug to trace.
        log.error("Teams turn failed (activity %s, type %s): %r", activity.id, activity.type, error, exc_info=None if cannot_write else error)
        if activity.type not in ("message", "invoke"):
            return
        try:
            member = activities.member_ref(activities.tenant_of(activity), activity.from_property) if activity.from_property else None
            lang = await language_of(bot.core.db, activities.network_of(activity).key, member.key if member else "", bot.core.settings.language)
            # A database that refuses writes (a full disk) kept the turn from storing the request.
            await context.send_activity(bot.core.catalog.t(lang, "save_failed" if is_storage_failure(error) else "error_generic"))
        except Exception:  # the member cannot be told; the log has the original error
            log.exception("Teams turn error: could not tell the member")

    return on_turn_error

