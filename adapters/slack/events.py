"""Slack payloads -> neutral inbound events. Pure functions of the payload (no I/O).

Every event gets an idempotency key that is the same on every re-delivery of the same Slack
request: Events API deliveries carry `event_id`; slash commands and interactions are never re-sent
by Slack, but a user double-clicking or a proxy retrying must still store one answer, so their key
is built from what identifies that one click (trigger_id, action_ts, the user, the action).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flows.events import ChannelRef, CommandIssued, MemberAnswered, MemberJoined, MemberRef, MessageReceived, NetworkRef, check_part

PLATFORM = "slack"
# Slack's ids (T…, U…, W…, E…) are letters and digits; anything else in a signed payload is junk.
SLACK_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Action ids our blocks carry. Kept here because both blocks.py and the listeners need them.
# Slack refuses a block whose elements share an action_id, so buttons are `<prefix>:<n>` and the
# listeners match the prefix (a bare prefix still matches: messages posted before the change).
ACTION_CHOOSE = "yh_choose"  # a button or select that answers at once
ACTION_PICK = "yh_pick"  # checkboxes / users select: only remembered in the message state
ACTION_SUBMIT = "yh_submit"  # sends what was picked
ACTION_OPEN = "yh_open"  # opens the free-text modal
ACTION_COMMAND = "yh_cmd"  # App Home quick actions: the value is a command
VIEW_TEXT = "yh_text"  # the free-text modal's callback id
TEXT_BLOCK = "yh_text"
TEXT_INPUT = "yh_text_input"
# Set by the listeners' middleware from bolt's authorisation (the installation that answered the
# request): it outranks anything in the payload, so a guest's team can never become a network.
INSTALLED_TEAM = "yh_installed_team"
CHOOSE_PATTERN = re.compile(r"^yh_choose(:.+)?$")
COMMAND_PATTERN = re.compile(r"^yh_cmd(:.+)?$")


def choose_action_id(suffix: str) -> str:
    return f"{ACTION_CHOOSE}:{suffix}"


def command_action_id(suffix: str) -> str:
    return f"{ACTION_COMMAND}:{suffix}"


def text_of(value: object, what: str) -> str:
    """A string field of a payload; a signed request with another type there is malformed."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{what} is a {type(value).__name__}, not text")
    return value


def pick_block_id(prompt_ref: str) -> str:
    """The block whose state holds a multi/members pick; the prompt_ref rides in the block id."""
    return f"yhp|{prompt_ref}"


def team_of(body: dict[str, Any]) -> str:
    """The workspace the app is installed in that this request came through: never a Slack
    Connect guest's own organisation. The order is slack-bolt's `extract_team_id`
    (slack_bolt/request/internals.py, 1.30), which bolt also uses to find the installation:
    1. `view.app_installed_team_id`: a modal opened by a guest in a shared channel carries the
       guest's team in `team` and `view.team_id`, and the installed team only here;
    2. `team` (interactions): in a shared channel Slack sets it to the app's workspace, while
       `user.team_id` is the clicker's own;
    3. `authorizations[0].team_id` (Events API): the top-level `team_id` of an event in a shared
       channel is the *actor's* team, so bolt reads the authorization first;
    4. `team_id` (slash commands, events without authorizations), then the event's, the user's
       and the view's team (org-wide installs send `team: null`)."""
    found = body.get(INSTALLED_TEAM) or _installed_team(body)
    return str(found or "")


def _installed_team(payload: dict[str, Any]) -> str | None:
    view = payload.get("view")
    if isinstance(view, dict) and view.get("app_installed_team_id"):
        return str(view["app_installed_team_id"])
    team = payload.get("team")
    if isinstance(team, str) and team:
        return team
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    authorizations = payload.get("authorizations") or ()
    if authorizations:
        return _installed_team(authorizations[0])
    if payload.get("team_id"):
        return str(payload["team_id"])
    if isinstance(payload.get("event"), dict):
        return _installed_team(payload["event"])
    if isinstance(payload.get("user"), dict) and payload["user"].get("team_id"):
        return str(payload["user"]["team_id"])
    if isinstance(view, dict) and view.get("team_id"):
        return str(view["team_id"])
    return None


def network_of(body: dict[str, Any]) -> NetworkRef:
    team = team_of(body)
    check_part(team, "Slack team id", SLACK_ID)
    return NetworkRef(PLATFORM, team)


def is_team_id(value: str | None) -> bool:
    """A workspace's id (T…), not an Enterprise Grid organisation's (E…)."""
    return bool(value) and str(value).startswith("T")


def member(user_id: str, user_team: str | None, network_team: str, name: str | None = None) -> MemberRef:
    """Slack Connect members keep their own team, so two organisations' U0123 never collide."""
    check_part(user_id, "Slack user id", SLACK_ID)
    check_part(user_team or network_team, "Slack team id", SLACK_ID)
    return MemberRef(PLATFORM, user_team or network_team, user_id, name)


def channel(team: str, channel_id: str | None, name: str | None = None) -> ChannelRef | None:
    return ChannelRef(PLATFORM, team, text_of(channel_id, "channel"), name) if channel_id else None


def is_dm(channel_id: str | None) -> bool:
    return bool(channel_id) and str(channel_id).startswith("D")


_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")
_BARE_CHANNEL = re.compile(r"(?<![\w#:@])([CG](?=[A-Z0-9]*\d)[A-Z0-9]{8,12})(?![\w:])")


def command_text(text: str) -> str:
    """A slash command's text in the neutral grammar. With `should_escape: true` Slack sends a
    named person as `<@U0123ABCD|anna>` and a channel as `<#C0123ABCD|network>`, and `&`, `<`,
    `>` typed by the user as entities. People become their bare user id (the engine matches it
    against member keys), channels `#<id>`; a bare channel id (`C0123ABCD`) is a channel too."""
    text = _USER_MENTION.sub(lambda m: m.group(1), text or "")
    text = _CHANNEL_MENTION.sub(lambda m: "#" + m.group(1), text)
    # Outside quotes only: a quoted network name stays as typed.
    parts = text.split('"')
    parts[::2] = [_BARE_CHANNEL.sub(lambda m: "#" + m.group(1), part) for part in parts[::2]]
    text = '"'.join(parts)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def command_event(body: dict[str, Any]) -> CommandIssued:
    """`/yhdessa <text>`: the text is the command line the engine parses."""
    team = team_of(body)
    # The payload's own team_id is the person's (a Slack Connect guest's organisation); the
    # network is the installed workspace (team_of).
    user = member(body["user_id"], body.get("user_team") or body.get("team_id") or team, team, text_of(body.get("user_name"), "user_name") or None)
    channel_id = body.get("channel_id")
    key = f"slack:cmd:{team}:{body['user_id']}:{body.get('trigger_id') or body.get('command_ts') or ''}"
    direct = is_dm(channel_id) or body.get("channel_name") == "directmessage"
    return CommandIssued(
        network_of(body),
        user,
        command_text(text_of(body.get("text"), "text")),
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
        return text_of(action.get("value"), "value") or None
    if kind in ("static_select", "radio_buttons"):
        return text_of((action.get("selected_option") or {}).get("value"), "selected_option") or None
    if kind in ("checkboxes", "multi_static_select"):
        return [text_of(o["value"], "selected_options") for o in action.get("selected_options") or ()]
    if kind == "multi_users_select":
        return [text_of(u, "selected_users") for u in action.get("selected_users") or ()]
    if kind == "users_select":
        return text_of(action.get("selected_user"), "selected_user") or None
    return None


def state_value(element: dict[str, Any]) -> str | list[str] | None:
    """The value kept in `state.values` for an element (same shapes as in an action)."""
    if "selected_users" in element:
        return [text_of(u, "selected_users") for u in element.get("selected_users") or ()]
    if "selected_options" in element:
        return [text_of(o["value"], "selected_options") for o in element.get("selected_options") or ()]
    if "selected_option" in element:
        return text_of((element.get("selected_option") or {}).get("value"), "selected_option") or None
    return text_of(element.get("value"), "value") or None


def choose_event(body: dict[str, Any], action: dict[str, Any]) -> MemberAnswered | None:
    """A button or select that answers at once: the block id carries the prompt_ref."""
    prompt_ref = text_of(action.get("block_id"), "block_id").removeprefix("yhq|").split("|", 1)[0]
    value = action_value(action)
    if not prompt_ref or value is None:
        return None
    return _answered(body, action, prompt_ref, value)


def submit_event(body: dict[str, Any], action: dict[str, Any]) -> MemberAnswered | None:
    """The submit button of checkboxes / a users select: read the pick from the message state."""
    prompt_ref = text_of(action.get("value"), "value")
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
    return CommandIssued(network_of(body), _actor(body), text_of(action.get("value"), "value") or "help", _action_key(body, action), is_direct=True)


def modal_metadata(body: dict[str, Any], prompt_ref: str, lang: str, required: bool) -> dict[str, Any]:
    """What the free-text modal must remember: the prompt, the message to mark answered, and
    whether it was opened from the Home tab (which is then shown again)."""
    meta: dict[str, Any] = {"ref": prompt_ref, "handle": reply_handle(body), "lang": lang, "req": required}
    if (body.get("view") or {}).get("type") == "home":
        meta["home"] = True
    return meta


def view_answer(body: dict[str, Any]) -> tuple[MemberAnswered, str]:
    """A submitted free-text modal -> (the answer, the language of the modal)."""
    view = body["view"]
    meta = json.loads(view.get("private_metadata") or "{}")
    if not isinstance(meta, dict):
        raise TypeError("private_metadata is not an object")
    element = ((view.get("state") or {}).get("values") or {}).get(TEXT_BLOCK, {}).get(TEXT_INPUT, {})
    value = text_of(element.get("value"), "value")
    if not value.strip() and not meta.get("req", True):
        value = "-"  # an optional question left empty is skipped ("-" is a skip word in every language)
    team = team_of(body)
    handle = text_of(meta.get("handle"), "handle") or None
    channel_id = handle.split("|", 1)[0] if handle else None
    user = (body.get("user") or {})["id"]
    event = MemberAnswered(
        network_of(body),
        _actor(body),
        text_of(meta.get("ref"), "ref"),
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
    return MessageReceived(network_of(body), user, text_of(event.get("text"), "text"), event_key(body))


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
