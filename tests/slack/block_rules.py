"""Slack's Block Kit rules, as the Web API enforces them, for the fake Slack.

Each broken rule becomes a message in Slack's own form, `[ERROR] <what> [json-pointer:<where>]`;
the fake answers `invalid_blocks` (chat.*) or `invalid_arguments` (views.*) with them in
`response_metadata.messages`, as Slack does. Limits are Slack's published ones (Block Kit
reference, docs.slack.dev): see PLATFORM-FACTS.md. One rule is stricter than Slack: mrkdwn with a
raw `&`, `<` or `>` is refused, in blocks and in a message's top-level `text` alike, because Slack
would render it as markup (a vanished `<flow>`, a `<!channel>` ping, a link) instead of refusing
it, and no test would notice.
"""

from __future__ import annotations

import re
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
ACTIONS_ELEMENTS = 25
CONTEXT_ELEMENTS = 10
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
BUTTON_TEXT = 75
OPTION_TEXT = 75
OPTION_VALUE = 150
ID_LENGTH = 255
BUTTON_VALUE = 2000
HEADER_TEXT = 150
PLACEHOLDER = 150
LABEL = 2000
VIEW_TITLE = 24
PRIVATE_METADATA = 3000
CALLBACK_ID = 255
CHECK_OPTIONS = 10
SELECT_OPTIONS = 100
TEXT_INPUT_MAX = 3000
MESSAGE_TEXT = 40000
# chat.postMessage refuses blocks holding more than about 12,000 characters of text in all with
# `msg_blocks_too_long` (undocumented; Slack counts some overhead per block, and refusals were seen
# from 11,341 summed characters: slackapi/bolt-js issues 2509, 2867). The fake refuses from 11,000,
# below every refusal seen; a response_url message is not limited so (issue 2867).
MESSAGE_BLOCKS_TEXT = 11000

ACTIONS_ELEMENT_TYPES = {
    "button", "checkboxes", "datepicker", "datetimepicker", "overflow", "radio_buttons", "timepicker",
    "static_select", "external_select", "users_select", "conversations_select", "channels_select",
    "multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select",
    "multi_channels_select", "workflow_button", "rich_text_input",
}
ACCESSORY_TYPES = (ACTIONS_ELEMENT_TYPES - {"rich_text_input"}) | {"image"}
INPUT_ELEMENT_TYPES = (ACTIONS_ELEMENT_TYPES - {"button", "overflow", "workflow_button"}) | {
    "plain_text_input", "email_text_input", "number_input", "url_text_input", "file_input",
}
WITH_OPTIONS = {"static_select": SELECT_OPTIONS, "multi_static_select": SELECT_OPTIONS, "checkboxes": CHECK_OPTIONS, "radio_buttons": CHECK_OPTIONS, "overflow": 5}
NO_OPTIONS = {"users_select", "multi_users_select", "conversations_select", "multi_conversations_select", "channels_select", "multi_channels_select", "external_select", "multi_external_select"}
_ENTITY = re.compile(r"&(amp|lt|gt);")


class Problems:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, pointer: str, what: str) -> None:
        self.messages.append(f"[ERROR] {what} [json-pointer:{pointer}]")

    def __bool__(self) -> bool:
        return bool(self.messages)


def check_text(problems: Problems, obj: Any, pointer: str, limit: int, plain_only: bool = False) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        problems.add(f"{pointer}/type", "must be a text object of type plain_text or mrkdwn")
        return
    if plain_only and obj["type"] != "plain_text":
        problems.add(f"{pointer}/type", "must be plain_text")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        problems.add(f"{pointer}/text", "must be more than 0 characters")
        return
    if len(text) > limit:
        problems.add(f"{pointer}/text", f"must be less than {limit + 1} characters")
    if obj["type"] == "mrkdwn":
        if "emoji" in obj:
            problems.add(f"{pointer}/emoji", "is not a valid field for mrkdwn text")
        bare = _ENTITY.sub("", text)
        for char in "<>&":
            if char in bare:
                problems.add(f"{pointer}/text", f"contains an unescaped '{char}' (Slack would read it as markup)")


def _check_confirm(problems: Problems, confirm: Any, pointer: str) -> None:
    if not isinstance(confirm, dict):
        problems.add(pointer, "must be a confirmation dialog object")
        return
    for key, limit in (("title", 100), ("text", 300), ("confirm", 30), ("deny", 30)):
        check_text(problems, confirm.get(key), f"{pointer}/{key}", limit, plain_only=key != "text")


def _check_options(problems: Problems, element: dict[str, Any], pointer: str, limit: int) -> None:
    options = element.get("options")
    if not isinstance(options, list) or not options:
        problems.add(f"{pointer}/options", "must provide at least 1 item")
        return
    if len(options) > limit:
        problems.add(f"{pointer}/options", f"must provide no more than {limit} items")
    values: set[str] = set()
    for n, option in enumerate(options):
        where = f"{pointer}/options/{n}"
        check_text(problems, option.get("text"), f"{where}/text", OPTION_TEXT, plain_only=element["type"].endswith("select"))
        value = option.get("value")
        if not isinstance(value, str) or not value:
            problems.add(f"{where}/value", "must be more than 0 characters")
        elif len(value) > OPTION_VALUE:
            problems.add(f"{where}/value", f"must be less than {OPTION_VALUE + 1} characters")
        elif value in values:
            problems.add(f"{where}/value", "must be unique among the options")
        else:
            values.add(value)


def check_element(problems: Problems, element: Any, pointer: str, allowed: set[str]) -> None:
    if not isinstance(element, dict) or element.get("type") not in allowed:
        kind = element.get("type") if isinstance(element, dict) else type(element).__name__
        problems.add(f"{pointer}/type", f"element type {kind!r} is not allowed here")
        return
    kind = element["type"]
    action_id = element.get("action_id")
    if kind != "image":
        if action_id is not None and (not isinstance(action_id, str) or not action_id or len(action_id) > ID_LENGTH):
            problems.add(f"{pointer}/action_id", f"must be 1 to {ID_LENGTH} characters")
    if kind == "button":
        check_text(problems, element.get("text"), f"{pointer}/text", BUTTON_TEXT, plain_only=True)
        value = element.get("value")
        if value is not None and (not isinstance(value, str) or len(value) > BUTTON_VALUE):
            problems.add(f"{pointer}/value", f"must be less than {BUTTON_VALUE + 1} characters")
        if element.get("style") not in (None, "primary", "danger"):
            problems.add(f"{pointer}/style", "must be primary or danger")
    if kind in WITH_OPTIONS:
        _check_options(problems, element, pointer, WITH_OPTIONS[kind])
    if kind in NO_OPTIONS and "options" in element:
        problems.add(f"{pointer}/options", f"is not a valid field for {kind}")
    if "placeholder" in element:
        check_text(problems, element["placeholder"], f"{pointer}/placeholder", PLACEHOLDER, plain_only=True)
    if kind.startswith("multi_") and "max_selected_items" in element:
        if not isinstance(element["max_selected_items"], int) or element["max_selected_items"] < 1:
            problems.add(f"{pointer}/max_selected_items", "must be at least 1")
    if kind == "plain_text_input" and "max_length" in element:
        if not isinstance(element["max_length"], int) or not 1 <= element["max_length"] <= TEXT_INPUT_MAX:
            problems.add(f"{pointer}/max_length", f"must be between 1 and {TEXT_INPUT_MAX}")
    if "confirm" in element:
        _check_confirm(problems, element["confirm"], f"{pointer}/confirm")


def _action_ids(problems: Problems, elements: list[Any], pointer: str) -> None:
    seen: set[str] = set()
    for n, element in enumerate(elements):
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if action_id is None:
            continue
        if action_id in seen:
            problems.add(f"{pointer}/{n}/action_id", f"action_id {action_id!r} already exists in this block")
        seen.add(action_id)


def check_block(problems: Problems, block: Any, pointer: str, surface: str) -> None:
    if not isinstance(block, dict):
        problems.add(pointer, "must be an object")
        return
    kind = block.get("type")
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or not block_id or len(block_id) > ID_LENGTH):
        problems.add(f"{pointer}/block_id", f"must be 1 to {ID_LENGTH} characters")
    if kind == "section":
        if "text" not in block and "fields" not in block:
            problems.add(pointer, "must provide text or fields")
        if "text" in block:
            check_text(problems, block["text"], f"{pointer}/text", SECTION_TEXT)
        fields = block.get("fields") or []
        if len(fields) > SECTION_FIELDS:
            problems.add(f"{pointer}/fields", f"must provide no more than {SECTION_FIELDS} items")
        for n, field in enumerate(fields):
            check_text(problems, field, f"{pointer}/fields/{n}", FIELD_TEXT)
        if "accessory" in block:
            check_element(problems, block["accessory"], f"{pointer}/accessory", ACCESSORY_TYPES)
    elif kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            problems.add(f"{pointer}/elements", "must provide at least 1 item")
            return
        if len(elements) > ACTIONS_ELEMENTS:
            problems.add(f"{pointer}/elements", f"must provide no more than {ACTIONS_ELEMENTS} items")
        for n, element in enumerate(elements):
            check_element(problems, element, f"{pointer}/elements/{n}", ACTIONS_ELEMENT_TYPES)
        _action_ids(problems, elements, f"{pointer}/elements")
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements or len(elements) > CONTEXT_ELEMENTS:
            problems.add(f"{pointer}/elements", f"must provide 1 to {CONTEXT_ELEMENTS} items")
            return
        for n, element in enumerate(elements):
            if isinstance(element, dict) and element.get("type") == "image":
                continue
            check_text(problems, element, f"{pointer}/elements/{n}", SECTION_TEXT)
    elif kind == "header":
        check_text(problems, block.get("text"), f"{pointer}/text", HEADER_TEXT, plain_only=True)
    elif kind == "input":
        if surface == "message":
            problems.add(f"{pointer}/type", "input blocks are not allowed in messages")
        check_text(problems, block.get("label"), f"{pointer}/label", LABEL, plain_only=True)
        check_element(problems, block.get("element"), f"{pointer}/element", INPUT_ELEMENT_TYPES)
    elif kind == "divider":
        pass
    else:
        problems.add(f"{pointer}/type", f"unsupported block type {kind!r}")


def check_blocks(blocks: Any, surface: str, pointer: str = "/blocks") -> list[str]:
    """Every rule for a message's (surface "message") or a view's ("modal", "home") blocks."""
    problems = Problems()
    if not isinstance(blocks, list):
        problems.add(pointer, "must be an array")
        return problems.messages
    limit = MESSAGE_BLOCKS if surface == "message" else VIEW_BLOCKS
    if len(blocks) > limit:
        problems.add(pointer, f"must provide no more than {limit} items")
    seen: set[str] = set()
    for n, block in enumerate(blocks):
        check_block(problems, block, f"{pointer}/{n}", surface)
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is not None:
            if block_id in seen:
                problems.add(f"{pointer}/{n}/block_id", f"block_id {block_id!r} already exists")
            seen.add(block_id)
    return problems.messages


def check_view(view: Any) -> list[str]:
    problems = Problems()
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        problems.add("/view/type", "must be modal or home")
        return problems.messages
    if view["type"] == "modal":
        check_text(problems, view.get("title"), "/view/title", VIEW_TITLE, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                check_text(problems, view[key], f"/view/{key}", VIEW_TITLE, plain_only=True)
        if "submit" not in view and any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or ()):
            problems.add("/view/submit", "is required when a view has input blocks")
    metadata = view.get("private_metadata", "")
    if not isinstance(metadata, str) or len(metadata) > PRIVATE_METADATA:
        problems.add("/view/private_metadata", f"must be less than {PRIVATE_METADATA + 1} characters")
    if len(str(view.get("callback_id", ""))) > CALLBACK_ID:
        problems.add("/view/callback_id", f"must be less than {CALLBACK_ID + 1} characters")
    return problems.messages + check_blocks(view.get("blocks"), view["type"], "/view/blocks")


def _text_in(value: Any) -> int:
    if isinstance(value, dict):
        return sum(len(v) if k == "text" and isinstance(v, str) else _text_in(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(_text_in(v) for v in value)
    return 0


def _unescaped(text: str) -> list[str]:
    bare = _ENTITY.sub("", text)
    return [char for char in "<>&" if char in bare]


def check_message(method: str, args: dict[str, Any]) -> dict[str, Any] | None:
    """chat.postMessage / chat.update / chat.postEphemeral / a response_url: Slack's answer when a
    rule is broken. The top-level `text` is mrkdwn too (the notification, and what a client without
    blocks shows): a raw `<!channel>` there pings as surely as in a section."""
    text, blocks = args.get("text"), args.get("blocks")
    if not text and not blocks:
        return {"ok": False, "error": "no_text"}
    if isinstance(text, str) and len(text) > MESSAGE_TEXT:
        return {"ok": False, "error": "msg_too_long"}
    if method == "chat.update" and not args.get("ts"):
        return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": ["[ERROR] missing required field: ts"]}}
    if isinstance(text, str) and args.get("mrkdwn") is not False and _unescaped(text):
        found = ", ".join(repr(c) for c in _unescaped(text))
        message = f"[ERROR] contains an unescaped {found} (Slack would read it as markup) [json-pointer:/text]"
        return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [message]}}
    if blocks is not None and not isinstance(blocks, list):
        return {"ok": False, "error": "invalid_blocks_format"}
    if isinstance(blocks, list) and method != "response_url" and _text_in(blocks) > MESSAGE_BLOCKS_TEXT:
        return {"ok": False, "error": "msg_blocks_too_long"}
    if blocks is not None:
        messages = check_blocks(blocks, "message")
        if messages:
            return {"ok": False, "error": "invalid_blocks", "errors": messages, "response_metadata": {"messages": messages}}
    return None


def check_view_call(method: str, args: dict[str, Any]) -> dict[str, Any] | None:
    """views.open / views.update / views.publish."""
    missing = [f for f in {"views.open": ("trigger_id",), "views.publish": ("user_id",), "views.update": ()}.get(method, ()) if not args.get(f)]
    if "view" not in args:
        missing.append("view")
    if missing:
        return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [f"[ERROR] missing required field: {f}" for f in missing]}}
    view = args["view"]
    messages = check_view(view)
    if method == "views.publish" and isinstance(view, dict) and view.get("type") != "home":
        messages.append("[ERROR] views.publish only takes a home view [json-pointer:/view/type]")
    if method == "views.open" and isinstance(view, dict) and view.get("type") != "modal":
        messages.append("[ERROR] views.open only takes a modal [json-pointer:/view/type]")
    if messages:
        return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": messages}}
    return None
