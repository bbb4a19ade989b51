"""What goes out to the Bot Connector: activities without nulls, tokens fetched only when sending.

The SDK's `send_to_conversation` and `update_activity` serialise with `exclude_unset` but not
`exclude_none`, so a proactive send carries `"id": null` and `"locale": null`; the Bot Connector
(and Microsoft's Agents Playground) answers such a body with `400 BadArgument "Invalid input"`.
Its reply path already drops nulls; here the other two do as well.

The SDK also asks for an outbound (Entra ID) token whenever it builds a connector client, which it
does for every inbound turn. An unreachable Entra ID would then turn any inbound request into a
500. The token is instead fetched by a client middleware when a request is actually made.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientConnectionError, ClientHandlerType, ClientRequest, ClientResponse
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.connector.client.connector_client import ConversationsOperations

TokenSource = Callable[[], Awaitable[str]]


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v is not None and v != "" and v != [] and v != {}}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


class CleanConversations(ConversationsOperations):
    """The SDK's conversation operations, sending only the fields an activity really has.

    Only the top level of the activity is pruned of empty values: a card's own content (an empty
    placeholder, an empty list of choices) is passed as it is, since the card library judges it.
    """

    async def send_to_conversation(self, conversation_id: str, body: Activity) -> Any:
        return await super().send_to_conversation(conversation_id, clean(body))

    async def update_activity(self, conversation_id: str, activity_id: str, body: Activity) -> Any:
        return await super().update_activity(conversation_id, activity_id, clean(body))

    async def reply_to_activity(self, conversation_id: str, activity_id: str, body: Activity) -> Any:
        return await super().reply_to_activity(conversation_id, activity_id, clean(body))

    # The outbox's own sends: their activities are built from plain JSON with no empty field
    # (adapters/teams/transport.py), so cleaning them again would only validate them once more.
    async def send_prepared(self, conversation_id: str, body: Activity) -> Any:
        return await super().send_to_conversation(conversation_id, body)

    async def update_prepared(self, conversation_id: str, activity_id: str, body: Activity) -> Any:
        return await super().update_activity(conversation_id, activity_id, body)


def clean(activity: Activity) -> Activity:
    """The activity with only its meaningful top-level fields set: no None, no empty strings or lists."""
    data = activity.model_dump(by_alias=True, exclude_none=True, mode="json")
    cards = data.pop("attachments", None)
    data = _prune(data)
    if cards:
        data["attachments"] = cards
    return Activity.model_validate(data)


def token_middleware(source: TokenSource) -> Callable[[ClientRequest, ClientHandlerType], Awaitable[ClientResponse]]:
    """Adds the bearer token to each request as it is made (MSAL caches it between requests)."""

    async def middleware(request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        try:
            token = await source()
        except Exception as exc:  # Entra ID unreachable or refusing: the outbox tries again later
            raise ClientConnectionError(f"could not get a Bot Framework token: {exc!r}") from exc
        if token:
            request.headers["Authorization"] = f"Bearer {token}"
        return await handler(request)

    return middleware
