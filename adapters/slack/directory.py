"""Who is in a Slack channel: conversations.members, then each person's record to leave out bots
and the deactivated, and to learn their own team (Slack Connect guests keep theirs).

A launch to a big channel must neither take hours nor give up on a 429: the look-ups draw on the
workspace's rate buckets (adapters.slack.rates), go through a client with slack_sdk's rate-limit
retry handler (it sleeps Retry-After and asks again), and a channel of more than SMALL_CHANNEL
people is read from users.list (Tier 2, 200 people a call) rather than one users.info (Tier 4)
per person: 2,000 people are 10 calls instead of 2,000 (20 minutes at Tier 4). Whoever
users.list does not list (a guest from another organisation) is still asked about one by one.
People seen are remembered for an hour (names and teams change rarely)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.clients import SlackClients
from flows.arguments import ArgumentError
from flows.events import MemberRef

CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
LOOKUPS_AT_ONCE = 8
SMALL_CHANNEL = 50
REMEMBER = 3600.0


class SlackDirectory:
    def __init__(self, clients: SlackClients) -> None:
        self.clients = clients
        self._people: dict[str, tuple[float, dict[str, Any]]] = {}

    async def _call(self, client: AsyncWebClient, method: str, **kwargs: Any) -> Any:
        await self.clients.buckets.acquire(self.clients.bucket_of(client), method, patient=True)
        return await getattr(client, method.replace(".", "_"))(**kwargs)

    async def channel_members(self, channel_key: str) -> Sequence[MemberRef]:
        platform, team, channel = channel_key.split(":", 2)
        client = self.clients.patient_client(await self.clients.for_team(team))
        try:
            channel_id = channel if CHANNEL_ID.match(channel) else await self._resolve(client, channel)
            user_ids = await self._member_ids(client, channel_id)
            people = await self._people_of(client, user_ids)
        except SlackApiError as exc:
            raise ArgumentError("slack_channel_unreadable", channel=channel, error=exc.response.get("error", "?")) from None
        found = []
        for user_id in user_ids:
            info = people.get(user_id)
            if info is None or info.get("is_bot") or info.get("deleted") or user_id == "USLACKBOT":
                continue
            profile = info.get("profile") or {}
            name = profile.get("display_name") or info.get("real_name") or info.get("name")
            found.append(MemberRef(platform, info.get("team_id") or team, user_id, name or None))
        return found

    async def _people_of(self, client: AsyncWebClient, user_ids: list[str]) -> dict[str, dict[str, Any]]:
        now = time.monotonic()
        people = {u: hit[1] for u in user_ids if (hit := self._people.get(u)) and now - hit[0] < REMEMBER}
        missing = [u for u in user_ids if u not in people]
        if len(missing) > SMALL_CHANNEL:
            people.update(await self._listed(client, set(missing)))
            missing = [u for u in missing if u not in people]
        limit = asyncio.Semaphore(LOOKUPS_AT_ONCE)

        async def one(user_id: str) -> None:
            async with limit:
                try:
                    people[user_id] = (await self._call(client, "users.info", user=user_id))["user"]
                except SlackApiError as exc:
                    if exc.response.get("error") != "user_not_found":
                        raise

        await asyncio.gather(*(one(u) for u in missing))
        for user_id in missing:
            if user_id in people:
                self._people[user_id] = (now, people[user_id])
        return people

    async def _listed(self, client: AsyncWebClient, wanted: set[str]) -> dict[str, dict[str, Any]]:
        """users.list until everyone wanted is found (or the list ends)."""
        found: dict[str, dict[str, Any]] = {}
        cursor: str | None = None
        now = time.monotonic()
        while True:
            response = await self._call(client, "users.list", limit=200, cursor=cursor)
            for info in response.get("members") or ():
                self._people[str(info.get("id"))] = (now, info)
                if info.get("id") in wanted:
                    found[str(info["id"])] = info
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor or len(found) == len(wanted):
                return found

    async def _member_ids(self, client: AsyncWebClient, channel_id: str) -> list[str]:
        ids: list[str] = []
        cursor: str | None = None
        while True:
            response = await self._call(client, "conversations.members", channel=channel_id, limit=200, cursor=cursor)
            ids.extend(response.get("members") or ())
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return list(dict.fromkeys(ids))

    async def _resolve(self, client: AsyncWebClient, name: str) -> str:
        """`#name` -> channel id (public and private channels the bot can see)."""
        wanted = name.lstrip("#").lower()
        cursor: str | None = None
        while True:
            response = await self._call(
                client, "conversations.list", types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
            )
            for channel in response.get("channels") or ():
                if str(channel.get("name", "")).lower() == wanted:
                    return str(channel["id"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                raise ArgumentError("slack_unknown_channel", channel=name)
