"""Who is in a Teams channel or group chat, asked of the Bot Connector (for `reflect start … here`).

It runs inside an engine turn (one open transaction), so it reads references without opening
another and hands the roster's references to References.offer to be stored after the turn.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from microsoft_agents.hosting.core.authorization import AuthenticationConstants, ClaimsIdentity

from adapters.teams.activities import PLATFORM
from adapters.teams.connector import ConnectorFactory
from adapters.teams.references import References
from flows.events import MemberRef

log = logging.getLogger(__name__)


class TeamsDirectory:
    def __init__(self, references: References, factory: ConnectorFactory, app_id: str | None) -> None:
        self.references = references
        self.factory = factory
        self.app_id = app_id or ""

    async def channel_members(self, channel_key: str) -> Sequence[MemberRef]:
        data = await self.references.peek(channel_key)
        if data is None or not data.get("conversation"):
            log.warning("no Teams reference for %s; the round goes to the known members", channel_key)
            return []
        claims = ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: self.app_id, AuthenticationConstants.APP_ID_CLAIM: self.app_id})
        client = await self.factory.create_connector_client(None, claims, data["service_url"], AuthenticationConstants.AGENTS_SDK_SCOPE)
        try:
            roster = await client.conversations.get_conversation_members(data["conversation"]["id"])
        finally:
            await client.close()
        tenant = channel_key.split(":", 2)[1]
        bot_id = (data.get("bot") or {}).get("id")
        people = [a for a in roster if a.id != bot_id]
        members = [MemberRef(PLATFORM, tenant, a.aad_object_id or a.id, a.name or None) for a in people]
        # How to reach each of them, so their prompts can open a 1:1 chat if the bot has none yet.
        self.references.offer(
            {
                ref.key: {**data, "user": {"id": a.id, "name": a.name, "aad_object_id": a.aad_object_id}, "conversation": None}
                for a, ref in zip(people, members)
            }
        )
        return members
