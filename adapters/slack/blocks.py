"""Neutral messages -> Block Kit JSON. Pure functions: no client, no I/O.

Slack's limits shape the layout: 50 blocks and about 12,000 characters of text per message
(adapters.slack.mrkdwn.paginate), 3,000 characters per section text,
75 per button or option label, 25 elements per actions block, 100 options per select,
10 checkboxes. Slack refuses a whole message (`invalid_blocks`) when two elements of one block
share an `action_id` or two blocks share a `block_id`: every button gets its own action id
(`yh_choose:<n>`, matched by pattern in the listeners) and every block id carries the prompt_ref.
All mrkdwn goes through adapters.slack.mrkdwn, which escapes it.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.events import (
    ACTION_OPEN,
    ACTION_PICK,
    ACTION_SUBMIT,
    TEXT_BLOCK,
    TEXT_INPUT,
    VIEW_TEXT,
    choose_action_id,
    command_action_id,
    pick_block_id,
)
from adapters.slack.mrkdwn import (
    MAX_LABEL,
    MAX_SECTION,
    Block,
    chunks,
    clip,
    clip_markup,
    context,
    distinct_labels,
    escape,
    fallback,
    markup_section,
    paginate,
    plain,
    section,
    text_length,
    unescape,
)
from flows.i18n import Catalog
from flows.messages import Option, Prompt, Report

__all__ = ["Block", "MAX_LABEL", "MAX_SECTION", "clip", "context", "plain", "section", "fallback"]
MAX_BUTTONS = 5  # more single-choice options than this become a select
MAX_ACTIONS = 5  # command buttons under a notice: more would crowd a phone's screen
MAX_METADATA = 3000


def question_block_id(prompt_ref: str) -> str:
    """Block ids must be unique in a view, and the Home tab may show several questions."""
    return f"yh_q|{prompt_ref}"


def _button(text: str, action_id: str, value: str, primary: bool = False) -> dict[str, Any]:
    button = {"type": "button", "text": plain(text), "action_id": action_id, "value": value[:2000]}
    if primary:
        button["style"] = "primary"
    return button


def _options(options: tuple[Option, ...] | list[Option]) -> list[dict[str, Any]]:
    labels = distinct_labels([o.label for o in options])
    return [{"text": plain(label), "value": o.value[:150]} for label, o in zip(labels, options)]


def _buttons(options: tuple[Option, ...] | list[Option]) -> list[dict[str, Any]]:
    labels = distinct_labels([o.label for o in options])
    return [_button(label, choose_action_id(str(n)), o.value) for n, (label, o) in enumerate(zip(labels, options))]


def prompt_fallback(prompt: Prompt) -> str:
    """The notification text (and what screen readers and old clients show)."""
    return fallback(f"{prompt.title}: {prompt.text}" if prompt.title else prompt.text)


def _heading(prompt: Prompt) -> list[Block]:
    counter = f"({prompt.position[0]}/{prompt.position[1]})" if prompt.position and prompt.position[1] > 1 else ""
    head = " ".join(part for part in (f"*{escape(prompt.title)}*" if prompt.title else "", counter) if part)
    blocks: list[Block] = [{"type": "context", "elements": [{"type": "mrkdwn", "text": clip_markup(head, MAX_SECTION)}]}] if head else []
    question = section(prompt.text)
    question["block_id"] = question_block_id(prompt.prompt_ref)
    return [*blocks, question]


def _answer_elements(prompt: Prompt, catalog: Catalog) -> list[Block]:
    """The interactive part of a prompt, per kind."""
    ref = prompt.prompt_ref
    choose_block = f"yhq|{ref}"
    if prompt.kind == "scale":
        buttons = _buttons(prompt.options[:25])
        blocks: list[Block] = [{"type": "actions", "block_id": choose_block, "elements": buttons}]
        if prompt.scale_labels and prompt.options:
            legend = catalog.t(
                prompt.language,
                "slack_scale_legend",
                low=prompt.options[0].value,
                low_label=prompt.scale_labels[0],
                high=prompt.options[-1].value,
                high_label=prompt.scale_labels[1],
            )
            blocks.append(context(legend))
        return blocks
    if prompt.kind == "single":
        if len(prompt.options) <= MAX_BUTTONS:
            elements = _buttons(prompt.options)
        else:
            elements = [
                {
                    "type": "static_select",
                    "action_id": choose_action_id("select"),
                    "placeholder": plain(catalog.t(prompt.language, "slack_select_placeholder")),
                    "options": _options(prompt.options[:100]),
                }
            ]
        return [{"type": "actions", "block_id": choose_block, "elements": elements}]
    if prompt.kind in ("multi", "members"):
        if prompt.kind == "members":
            picker: dict[str, Any] = {
                "type": "multi_users_select",
                "action_id": ACTION_PICK,
                "placeholder": plain(catalog.t(prompt.language, "slack_members_placeholder")),
            }
        elif len(prompt.options) <= 10:
            picker = {"type": "checkboxes", "action_id": ACTION_PICK, "options": _options(prompt.options)}
        else:
            picker = {
                "type": "multi_static_select",
                "action_id": ACTION_PICK,
                "placeholder": plain(catalog.t(prompt.language, "slack_select_placeholder")),
                "options": _options(prompt.options[:100]),
            }
        if prompt.max_choices and picker["type"] != "checkboxes":
            picker["max_selected_items"] = prompt.max_choices
        submit = _button(prompt.ui.get("submit", "OK"), ACTION_SUBMIT, ref, primary=True)
        return [
            {"type": "actions", "block_id": pick_block_id(ref), "elements": [picker]},
            {"type": "actions", "block_id": f"yhs|{ref}", "elements": [submit]},
        ]
    # text: a button that opens a modal (a message cannot hold a text input)
    value = json.dumps({"ref": ref, "max": prompt.max_length, "req": prompt.required, "lang": prompt.language}, separators=(",", ":"))
    return [{"type": "actions", "block_id": f"yho|{ref}", "elements": [_button(prompt.ui.get("answer", "Answer"), ACTION_OPEN, value, primary=True)]}]


def prompt_blocks(prompt: Prompt, catalog: Catalog) -> list[Block]:
    blocks = [*_heading(prompt), *_answer_elements(prompt, catalog)]
    if not prompt.required and prompt.kind != "text":
        skip = _button(prompt.ui.get("skip", "Skip"), choose_action_id("skip"), "skip")
        blocks.append({"type": "actions", "block_id": f"yhq|{prompt.prompt_ref}|skip", "elements": [skip]})
    if prompt.ui.get("privacy"):
        blocks.append(context(prompt.ui["privacy"]))
    return blocks


def answered_blocks(question: dict[str, Any] | None, answered: str) -> list[Block]:
    """The prompt message after an answer: the question kept, the buttons replaced by what was
    answered. The question comes back as the mrkdwn we posted; escaping it again after reading it
    back keeps our `*bold*` and lets nothing else through."""
    blocks: list[Block] = []
    if question:
        if question.get("head"):
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _again(question["head"])}]})
        blocks.append(markup_section(_again(question.get("text", ""))))
    blocks.append(context(answered))
    return blocks


def _again(markup: str) -> str:
    return escape(unescape(markup or " "))


def modal_metadata(meta: dict[str, Any]) -> str:
    """private_metadata must stay JSON within 3,000 characters: drop what is optional rather than
    cut the JSON (a cut string would make the submission unreadable)."""
    text = json.dumps(meta, separators=(",", ":"))
    for optional in ("handle", "home"):
        if len(text) <= MAX_METADATA:
            break
        meta = {k: v for k, v in meta.items() if k != optional}
        text = json.dumps(meta, separators=(",", ":"))
    if len(text) > MAX_METADATA:
        raise ValueError(f"modal metadata of {len(text)} characters exceeds Slack's {MAX_METADATA}")
    return text


def text_modal(prompt_ref: str, question: str, lang: str, max_length: int | None, required: bool, metadata: str, catalog: Catalog) -> dict[str, Any]:
    """The free-text modal: the question (mrkdwn read back from the clicked message) and one
    multiline input."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": TEXT_INPUT,
        "multiline": True,
        "placeholder": plain(catalog.t(lang, "ui_placeholder"), 150),
    }
    if max_length:
        element["max_length"] = min(max_length, 3000)
    return {
        "type": "modal",
        "callback_id": VIEW_TEXT,
        "private_metadata": metadata,
        "title": plain(catalog.t(lang, "slack_modal_title"), 24),
        "submit": plain(catalog.t(lang, "ui_submit"), 24),
        "close": plain(catalog.t(lang, "slack_modal_cancel"), 24),
        "blocks": [
            markup_section(_again(question)),
            {"type": "input", "block_id": TEXT_BLOCK, "optional": not required, "label": plain(catalog.t(lang, "slack_modal_label"), 2000), "element": element},
        ],
    }


def notice_blocks(text: str, actions: tuple[tuple[str, str], ...] = ()) -> list[list[Block]]:
    """A long notice split into messages of at most 50 sections of at most 3,000 characters; its
    command buttons (help's) follow on the last page, each with its own action id."""
    sections = [markup_section(chunk) for chunk in chunks(escape(text or " "), MAX_SECTION)]
    if not actions:
        return paginate(sections)
    buttons = [_button(label, command_action_id(f"notice:{i}"), command) for i, (label, command) in enumerate(actions[:MAX_ACTIONS])]
    row = {"type": "actions", "block_id": "yh_notice_actions", "elements": buttons}
    pages = paginate(sections, reserve=text_length(row))
    pages[-1].append(row)
    return pages


def report_blocks(report: Report) -> list[list[Block]]:
    """A report's sections as blocks, in as many messages as the 50-block limit needs."""
    blocks: list[Block] = [{"type": "header", "text": plain(report.title, 150)}]
    for part in report.sections:
        body = escape("\n".join(part.lines))
        markup = f"*{escape(part.heading)}*\n{body}" if body else f"*{escape(part.heading)}*"
        blocks.extend(markup_section(chunk) for chunk in chunks(markup, MAX_SECTION))
    return paginate(blocks)
