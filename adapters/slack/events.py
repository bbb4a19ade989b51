"""Slack payloads -> neutral inbound events. Pure functions of the payload (no I/O).

Every event gets an idempotency key that is the same on every re-delivery of the same Slack
request: Events API deliveries carry `event_id`; slash commands and interactions are never re-sent
by Slack, but a user double-clicking or a proxy retrying must still store one answer, so their key
is built from what identifies that one click (trigger_id, action_ts, the user, the action).
"""

from __future__ import annotations

import json
from typing import Any

from flows.events import ChannelRef, CommandIssued, MemberAnswered, MemberJoined, MemberRef, MessageReceived, NetworkRef

PLATFORM = "slack"
# Action ids our blocks carry. Kept here because both blocks.py and the listeners need them.
ACTION_CHOOSE = "yh_choose"  # a button or select that answers at once
ACTION_PICK = "yh_pick"  # checkboxes / users select: only remembered in the message state
ACTION_SUBMIT = "yh_submit"  # sends what was picked
ACTION_OPEN = "yh_open"  # opens the free-text modal
ACTION_COMMAND = "yh_cmd"  # App Home quick actions: the value is a command
VIEW_TEXT = "yh_text"  # the free-text modal's callback id
TEXT_BLOCK = "yh_text"
TEXT_INPUT = "yh_text_input"


def pick_block_id(prompt_ref: str) -> str:
    """The block whose state holds a multi/members pick; the prompt_ref rides in the block id."""
    return f"yhp|{prompt_ref}"


def team_of(body: dict[str, Any]) -> str:
    """The workspace the request came through (the installation's team, not a guest's home team)."""
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    if not team:
        for auth in body.get("authorizations") or ():
            if auth.get("team_id"):
                return str(auth["team_id"])
        team = (body.get("user") or {}).get("team_id") or body.get("user_team") or ""
    return str(team)


def network_of(body: dict[str, Any]) -> NetworkRef:
    return NetworkRef(PLATFORM, team_of(body))


def member(user_id: str, user_team: str | None, network_team: str, name: str | None = None) -> MemberRef:
    """Slack Connect members keep their own team, so two organisations' U0123 never collide."""
    return MemberRef(PLATFORM, user_team or network_team, user_id, name)


def channel(team: str, channel_id: str | None, name: str | None = None) -> ChannelRef | None:
    return ChannelRef(PLATFORM, team, channel_id, name) if channel_id else None


def is_dm(channel_id: str | None) -> bool:
    return bool(channel_id) and str(channel_id).startswith("D")


def command_event(body: dict[str, Any]) -> CommandIssued:
    """`/yhdessa <text>`: the text is the command line the engine parses."""
    team = team_of(body)
    user = member(body["user_id"], body.get("user_team") or team, team, body.get("user_name"))
    channel_id = body.get("channel_id")
    key = f"slack:cmd:{team}:{body['user_id']}:{body.get('trigger_id') or body.get('command_ts') or ''}"
    direct = is_dm(channel_id) or body.get("channel_name") == "directmessage"
    return CommandIssued(
        network_of(body),
        user,
        body.get("text") or "",
        key,
        channel=None if direct else channel(team, channel_id, body.get("channel_name")),
        is_direct=direct,
    )


def _actor(body: dict[str, Any]) -> MemberRef:
    team = team_of(body)
    user = body.get("user") or {}
    return member(user["id"], user.get("team_id"), team, user.get("name") or user.get("username"))


def reply_handle(body: dict[str, Any]) -> str | None:
    """`<channel>|<ts>` of the message the clicked element lives in (None for App Home / modals)."""
    container = body.get("container") or {}
    channel_id = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return f"{channel_id}|{ts}" if channel_id and ts else None


def _action_key(body: dict[str, Any], action: dict[str, Any]) -> str:
    user = (body.get("user") or {}).get("id", "")
    return f"slack:act:{team_of(body)}:{user}:{action.get('action_ts', '')}:{action.get('action_id', '')}:{action.get('block_id', '')}"


def action_value(action: dict[str, Any]) -> str | list[str] | None:
    """What an element says was chosen, whatever kind of element it is."""
    kind = action.get("type")
    if kind == "button":
        return action.get("value")
    if kind in ("static_select", "radio_buttons"):
        return (action.get("selected_option") or {}).get("value")
    if kind in ("checkboxes", "multi_static_select"):
        return [o["value"] for o in action.get("selected_options") or ()]
    if kind == "multi_users_select":
        return list(action.get("selected_users") or ())
    if kind == "users_select":
        return action.get("selected_user")
    return None


def state_value(element: dict[str, Any]) -> str | list[str] | None:
    """The value kept in `state.values` for an element (same shapes as in an action)."""
    if "selected_users" in element:
        return list(element.get("selected_users") or ())
    if "selected_options" in element:
        return [o["value"] for o in element.get("selected_options") or ()]
    if "selected_option" in element:
        return (element.get("selected_option") or {}).get("value")
    return element.get("value")


def choose_event(body: dict[str, Any], action: dict[str, Any]) -> MemberAnswered | None:
    """A button or select that answers at once: the block id carries the prompt_ref."""
    prompt_ref = str(action.get("block_id", "")).removeprefix("yhq|").split("|", 1)[0]
    value = action_value(action)
    if not prompt_ref or value is None:
        return None
    return _answered(body, action, prompt_ref, value)


def submit_event(body: dict[str, Any], action: dict[str, Any]) -> MemberAnswered | None:
    """The submit button of checkboxes / a users select: read the pick from the message state."""
    prompt_ref = action.get("value") or ""
    values = ((body.get("state") or {}).get("values") or {}).get(pick_block_id(prompt_ref)) or {}
    element = values.get(ACTION_PICK) or {}
    picked = state_value(element)
    picked = [] if picked is None else picked
    if isinstance(picked, str):
        picked = [picked]
    # Picked people go as their Slack user ids: the engine resolves each to the member key
    # (slack:<their team>:<user>), which for Slack Connect guests is not this workspace's team.
    return _answered(body, action, prompt_ref, picked or "")


def _answered(body: dict[str, Any], action: dict[str, Any], prompt_ref: str, value: str | list[str]) -> MemberAnswered:
    team = team_of(body)
    handle = reply_handle(body)
    channel_id = handle.split("|", 1)[0] if handle else None
    return MemberAnswered(
        network_of(body),
        _actor(body),
        prompt_ref,
        value,
        _action_key(body, action),
        channel=None if is_dm(channel_id) else channel(team, channel_id),
        reply_handle=handle,
    )


def command_action_event(body: dict[str, Any], action: dict[str, Any]) -> CommandIssued:
    """An App Home quick action: a button whose value is a command line."""
    return CommandIssued(network_of(body), _actor(body), action.get("value") or "help", _action_key(body, action), is_direct=True)


def modal_metadata(body: dict[str, Any], prompt_ref: str, lang: str, required: bool) -> str:
    """What the free-text modal must remember: the prompt, the message to mark answered, and
    whether it was opened from the Home tab (which is then shown again)."""
    meta = {"ref": prompt_ref, "handle": reply_handle(body), "lang": lang, "req": required}
    if (body.get("view") or {}).get("type") == "home":
        meta["home"] = True
    return json.dumps(meta, separators=(",", ":"))


def view_answer(body: dict[str, Any]) -> tuple[MemberAnswered, str]:
    """A submitted free-text modal -> (the answer, the language of the modal)."""
    view = body["view"]
    meta = json.loads(view.get("private_metadata") or "{}")
    element = ((view.get("state") or {}).get("values") or {}).get(TEXT_BLOCK, {}).get(TEXT_INPUT, {})
    value = element.get("value") or ""
    if not value.strip() and not meta.get("req", True):
        value = "-"  # an optional question left empty is skipped ("-" is a skip word in every language)
    team = team_of(body)
    handle = meta.get("handle")
    channel_id = handle.split("|", 1)[0] if handle else None
    user = (body.get("user") or {})["id"]
    event = MemberAnswered(
        network_of(body),
        _actor(body),
        meta.get("ref", ""),
        value,
        f"slack:view:{team}:{user}:{view.get('id', '')}",
        channel=None if is_dm(channel_id) else channel(team, channel_id),
        reply_handle=handle,
    )
    return event, str(meta.get("lang") or "en")


def event_key(body: dict[str, Any]) -> str:
    return f"slack:evt:{body.get('event_id') or body.get('event', {}).get('event_ts', '')}"


def message_event(body: dict[str, Any]) -> MessageReceived | None:
    """A person's message in the bot's DM; bots, edits and joins (any subtype) are not answers."""
    event = body.get("event") or {}
    if event.get("bot_id") or event.get("subtype") or event.get("channel_type") != "im" or not event.get("user"):
        return None
    team = team_of(body)
    user = member(event["user"], event.get("user_team") or team, team)
    return MessageReceived(network_of(body), user, event.get("text") or "", event_key(body))


def mention_event(body: dict[str, Any]) -> CommandIssued:
    """@Yhdessä in a channel answers with help."""
    event = body.get("event") or {}
    team = team_of(body)
    user = member(event["user"], event.get("user_team") or team, team)
    return CommandIssued(network_of(body), user, "help", event_key(body), channel=channel(team, event.get("channel")))


def joined_event(body: dict[str, Any]) -> MemberJoined | None:
    event = body.get("event") or {}
    if not event.get("user"):
        return None
    team = team_of(body)
    # The joiner's own team: a Slack Connect guest keeps theirs.
    user = member(event["user"], event.get("user_team") or event.get("team") or team, team)
    return MemberJoined(network_of(body), user, event_key(body), channel=channel(team, event.get("channel")))
