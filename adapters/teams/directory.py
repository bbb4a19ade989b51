"""Who is in a Teams channel or group chat, asked of the Bot Connector (for `reflect start … here`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from microsoft_agents.hosting.core.authorization import AuthenticationConstants, ClaimsIdentity

from adapters.teams.activities import PLATFORM
from adapters.teams.connector import ConnectorFactory
from flows.events import MemberRef
from storage import repository as repo
from storage.database import Database

log = logging.getLogger(__name__)


class TeamsDirectory:
    def __init__(self, db: Database, factory: ConnectorFactory, app_id: str | None) -> None:
        self.db = db
        self.factory = factory
        self.app_id = app_id or ""

    async def channel_members(self, channel_key: str) -> Sequence[MemberRef]:
        async with self.db.transaction() as tx:
            data = await repo.load_reference(tx, channel_key)
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
        members = [MemberRef(PLATFORM, tenant, a.aad_object_id or a.id, a.name or None) for a in roster if a.id != bot_id]
        # Remember how to reach each of them, so their prompts can open a 1:1 chat if needed.
        async with self.db.transaction() as tx:
            for account, ref in zip([a for a in roster if a.id != bot_id], members):
                if await repo.load_reference(tx, ref.key) is None:
                    user = {"id": account.id, "name": account.name, "aad_object_id": account.aad_object_id}
                    await repo.save_reference(tx, ref.key, PLATFORM, {**data, "user": user, "conversation": None})
        return members
