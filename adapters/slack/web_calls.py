"""The outbox's message calls (chat.postMessage, chat.update, chat.postEphemeral) on the wire
directly: the same request slack_sdk's AsyncWebClient sends (a JSON body, the bot token as a
Bearer header, its User-Agent), on the client's own session, with the same SlackApiError when Slack
answers anything but `ok`.

Why not through the client: these are the two calls of every answered click, and slack_sdk's
layers around them (argument clean-up, a User-Agent built from `platform` per call, its retry
state, the response object) cost about half as much again as the HTTP request itself
(`benchmarks/slack_path.py`). Every other method still goes through slack_sdk.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.web.internal_utils import get_user_agent

# Methods whose arguments are plain JSON (no files, no form-only fields): slack_sdk sends these
# three as JSON too, so the wire is the same.
JSON_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
_USER_AGENT = get_user_agent()


def _body(args: dict[str, Any]) -> bytes:
    # As slack_sdk: an argument left as None is not sent at all.
    return json.dumps({k: v for k, v in args.items() if v is not None}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def post(client: AsyncWebClient, method: str, args: dict[str, Any]) -> dict[str, Any]:
    """One JSON Web API call; Slack's answer as a dict, or SlackApiError (its response carries the
    status, the headers with Retry-After, and Slack's `error`, as slack_sdk's does)."""
    if client.session is None or client.session.closed:
        # Only a client without a kept session; slack_sdk opens one per call for it.
        return dict((await client.api_call(method, json=args)).data)  # type: ignore[arg-type]
    url = client.base_url + method
    headers = {"Content-Type": "application/json;charset=utf-8", "User-Agent": _USER_AGENT}
    if client.token:
        headers["Authorization"] = f"Bearer {client.token}"
    async with client.session.post(url, data=_body(args), headers=headers) as response:
        status, response_headers = response.status, response.headers
        try:
            data: Any = await response.json(content_type=None)
        except ValueError:  # an HTML error page from a proxy, an empty 502
            data = {}
    if status == 200 and isinstance(data, dict) and data.get("ok"):
        return data
    answer = AsyncSlackResponse(
        client=client,
        http_verb="POST",
        api_url=url,
        req_args={"json": args},
        data=data if isinstance(data, dict) else {},
        headers=dict(response_headers),
        status_code=status,
    )
    raise SlackApiError(message=f"The request to the Slack API failed. (url: {url}, status: {status})", response=answer)
