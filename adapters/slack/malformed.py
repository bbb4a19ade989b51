"""Whether a signed Slack request is one our listeners can translate, decided before bolt runs them.

A listener that fails on a payload it cannot read is too late: bolt has acknowledged (or waits three
seconds for an acknowledgement that never comes and answers 404), and the failure is a traceback
in the log. So the endpoint runs the same pure translation first, discards the result, and answers
a malformed request with 400 and one log line. Requests we do not listen to are bolt's to answer.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.slack import events

# What a payload that is not the shape Slack documents raises in the translation functions.
SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)
# Keys Slack always sends as objects or lists, which bolt reads before any listener runs (it fails
# with a 500 on, say, `"view": null`). `team` and `enterprise` may be null.
_OBJECTS = ("team", "user", "view", "event", "container", "channel", "message", "state", "enterprise", "function_data", "assistant_thread")
_NULLABLE = ("team", "enterprise")
_LISTS = ("actions", "authorizations")
_EVENT_OBJECTS = ("message", "previous_message", "item", "assistant_thread")


def problem(body: object) -> str | None:
    """Why `body` (as bolt parsed it) cannot be translated, or None when it can."""
    if not isinstance(body, dict):
        return "the payload is not an object"
    wrong = _wrong_shape(body)
    if wrong is not None:
        return wrong
    try:
        _translate(body)
    except SHAPE_ERRORS as exc:
        return f"{type(exc).__name__}: {str(exc)[:120]}"
    return None


def _wrong_shape(body: dict[str, Any]) -> str | None:
    for key in _OBJECTS:
        if key in body and not isinstance(body[key], dict) and not (body[key] is None and key in _NULLABLE):
            if not (key == "user" and "command" in body):  # a slash command's form has no user object
                return f"{key} is not an object"
    for key in _LISTS:
        if key in body and (not isinstance(body[key], list) or not all(isinstance(item, dict) for item in body[key])):
            return f"{key} is not a list of objects"
    event = body.get("event")
    if isinstance(event, dict):
        for key in _EVENT_OBJECTS:
            if key in event and not isinstance(event[key], dict):
                return f"event.{key} is not an object"
    return None


def _translate(body: dict[str, Any]) -> None:
    if "command" in body:
        events.command_event(body)
        return
    kind = body.get("type")
    if kind == "block_actions":
        actions = body["actions"]
        if not isinstance(actions, list) or not actions:
            raise ValueError("block_actions without actions")
        for action in actions:
            _action(body, action)
    elif kind == "view_submission":
        view = body["view"]
        if not isinstance(view, dict):
            raise TypeError("view is not an object")
        if view.get("callback_id") == events.VIEW_TEXT:
            events.view_answer(body)
    elif kind == "event_callback":
        _event(body)


def _action(body: dict[str, Any], action: object) -> None:
    if not isinstance(action, dict):
        raise TypeError("an action is not an object")
    action_id = action["action_id"]  # bolt itself fails (500) on an action without one
    events.text_of(action_id, "action_id")
    events.text_of(action.get("block_id"), "block_id")
    if events.CHOOSE_PATTERN.match(action_id):
        events.choose_event(body, action)
    elif action_id == events.ACTION_SUBMIT:
        events.submit_event(body, action)
    elif events.COMMAND_PATTERN.match(action_id):
        events.command_action_event(body, action)
    elif action_id == events.ACTION_OPEN:
        meta = json.loads(events.text_of(action.get("value"), "value") or "{}")
        if not isinstance(meta, dict):
            raise TypeError("the open action's value is not an object")
        if not events.text_of(body.get("trigger_id"), "trigger_id"):
            raise ValueError("the open action has no trigger_id")  # views.open needs one
        events.modal_metadata(body, events.text_of(meta.get("ref"), "ref"), "en", True)
        events.text_of(meta.get("lang"), "lang")
    if action_id in (events.ACTION_SUBMIT, events.ACTION_OPEN) or events.CHOOSE_PATTERN.match(action_id) or events.COMMAND_PATTERN.match(action_id):
        events._actor(body)  # the Home tab is refreshed for this member afterwards
        _blocks(body)


def _blocks(body: dict[str, Any]) -> None:
    """The listeners read the question back from the message or view the click came from."""
    for holder in (body.get("message"), body.get("view")):
        if holder is None:
            continue
        if not isinstance(holder, dict) or not isinstance(holder.get("blocks") or [], list):
            raise TypeError("message or view blocks are not a list")
        for block in holder.get("blocks") or ():
            if not isinstance(block, dict) or not isinstance(block.get("text") or {}, dict):
                raise TypeError("a block is not an object")
            if block.get("type") == "context":
                elements = block.get("elements") or []
                if not isinstance(elements, list) or (elements and not isinstance(elements[0], dict)):
                    raise TypeError("context elements are not objects")


def _event(body: dict[str, Any]) -> None:
    event = body["event"]
    if not isinstance(event, dict):
        raise TypeError("event is not an object")
    kind = event.get("type")
    if kind == "message":
        events.message_event(body)
    elif kind == "app_mention":
        events.mention_event(body)
    elif kind == "member_joined_channel":
        events.joined_event(body)
    elif kind == "app_home_opened":
        team = events.team_of(body)
        events.member(event["user"], event.get("user_team") or team, team)
        events.text_of(event.get("tab"), "tab")
