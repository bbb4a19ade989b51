"""Who is in a Slack channel: conversations.members, then users.info to leave out bots and the
deactivated, and to learn each person's own team (Slack Connect guests keep theirs)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.clients import SlackClients
from flows.arguments import ArgumentError
from flows.events import MemberRef

CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
LOOKUPS_AT_ONCE = 8  # users.info is Tier 4; a few in flight keeps a big channel quick without bursts


class SlackDirectory:
    def __init__(self, clients: SlackClients) -> None:
        self.clients = clients

    async def channel_members(self, channel_key: str) -> Sequence[MemberRef]:
        platform, team, channel = channel_key.split(":", 2)
        client = await self.clients.for_team(team)
        try:
            channel_id = channel if CHANNEL_ID.match(channel) else await self._resolve(client, channel)
            user_ids = await self._member_ids(client, channel_id)
        except SlackApiError as exc:
            raise ArgumentError("slack_channel_unreadable", channel=channel, error=exc.response.get("error", "?")) from None
        limit = asyncio.Semaphore(LOOKUPS_AT_ONCE)

        async def person(user_id: str) -> MemberRef | None:
            async with limit:
                info = (await client.users_info(user=user_id))["user"]
            if info.get("is_bot") or info.get("deleted") or user_id == "USLACKBOT":
                return None
            profile = info.get("profile") or {}
            name = profile.get("display_name") or info.get("real_name") or info.get("name")
            return MemberRef(platform, info.get("team_id") or team, user_id, name or None)

        found = await asyncio.gather(*(person(u) for u in user_ids))
        return [m for m in found if m is not None]

    async def _member_ids(self, client: AsyncWebClient, channel_id: str) -> list[str]:
        ids: list[str] = []
        cursor: str | None = None
        while True:
            response = await client.conversations_members(channel=channel_id, limit=200, cursor=cursor)
            ids.extend(response.get("members") or ())
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return ids

    async def _resolve(self, client: AsyncWebClient, name: str) -> str:
        """`#name` -> channel id (public and private channels the bot can see)."""
        wanted = name.lstrip("#").lower()
        cursor: str | None = None
        while True:
            response = await client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
            )
            for channel in response.get("channels") or ():
                if str(channel.get("name", "")).lower() == wanted:
                    return str(channel["id"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                raise ArgumentError("slack_unknown_channel", channel=name)
