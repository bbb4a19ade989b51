"""Neutral messages -> Block Kit JSON. Pure functions: no client, no I/O.

Slack's limits shape the layout: 50 blocks per message, 3,000 characters per section text,
75 per button or option label, 25 elements per actions block, 100 options per select,
10 checkboxes.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.events import (
    ACTION_CHOOSE,
    ACTION_OPEN,
    ACTION_PICK,
    ACTION_SUBMIT,
    TEXT_BLOCK,
    TEXT_INPUT,
    VIEW_TEXT,
    pick_block_id,
)
from flows.i18n import Catalog
from flows.messages import Option, Prompt, Report

Block = dict[str, Any]
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_LABEL = 75
MAX_BUTTONS = 5  # more single-choice options than this become a select


def question_block_id(prompt_ref: str) -> str:
    """Block ids must be unique in a view, and the Home tab may show several questions."""
    return f"yh_q|{prompt_ref}"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = MAX_LABEL) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text or " ", limit), "emoji": True}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text or " ", MAX_SECTION)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, MAX_SECTION)}]}


def _button(text: str, action_id: str, value: str, primary: bool = False) -> dict[str, Any]:
    button = {"type": "button", "text": plain(text), "action_id": action_id, "value": value[:2000]}
    if primary:
        button["style"] = "primary"
    return button


def _option(option: Option) -> dict[str, Any]:
    return {"text": plain(option.label), "value": option.value[:150]}


def prompt_fallback(prompt: Prompt) -> str:
    """The notification text (and what screen readers and old clients show)."""
    return clip(f"{prompt.title}: {prompt.text}" if prompt.title else prompt.text, MAX_SECTION)


def _heading(prompt: Prompt) -> list[Block]:
    head = f"*{prompt.title}*" if prompt.title else ""
    if prompt.position and prompt.position[1] > 1:
        head = f"{head} ({prompt.position[0]}/{prompt.position[1]})".strip()
    blocks = [context(head)] if head else []
    question = section(prompt.text)
    question["block_id"] = question_block_id(prompt.prompt_ref)
    return [*blocks, question]


def _answer_elements(prompt: Prompt, catalog: Catalog) -> list[Block]:
    """The interactive part of a prompt, per kind."""
    ref = prompt.prompt_ref
    choose_block = f"yhq|{ref}"
    if prompt.kind == "scale":
        buttons = [_button(o.label, ACTION_CHOOSE, o.value) for o in prompt.options[:25]]
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
            elements = [_button(o.label, ACTION_CHOOSE, o.value) for o in prompt.options]
        else:
            elements = [
                {
                    "type": "static_select",
                    "action_id": ACTION_CHOOSE,
                    "placeholder": plain(catalog.t(prompt.language, "slack_select_placeholder")),
                    "options": [_option(o) for o in prompt.options[:100]],
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
            picker = {"type": "checkboxes", "action_id": ACTION_PICK, "options": [_option(o) for o in prompt.options]}
        else:
            picker = {
                "type": "multi_static_select",
                "action_id": ACTION_PICK,
                "placeholder": plain(catalog.t(prompt.language, "slack_select_placeholder")),
                "options": [_option(o) for o in prompt.options[:100]],
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
        skip = _button(prompt.ui.get("skip", "Skip"), ACTION_CHOOSE, "skip")
        blocks.append({"type": "actions", "block_id": f"yhq|{prompt.prompt_ref}|skip", "elements": [skip]})
    notes = [prompt.ui.get("anonymous", "")] if prompt.anonymous else []
    if notes and notes[0]:
        blocks.append(context(notes[0]))
    return blocks


def answered_blocks(question: dict[str, Any] | None, answered: str) -> list[Block]:
    """The prompt message after an answer: the question kept, the buttons replaced by what was answered."""
    blocks: list[Block] = []
    if question:
        if question.get("head"):
            blocks.append(context(question["head"]))
        blocks.append(section(question.get("text", "")))
    blocks.append(context(answered))
    return blocks


def text_modal(prompt_ref: str, question: str, lang: str, max_length: int | None, required: bool, metadata: str, catalog: Catalog) -> dict[str, Any]:
    """The free-text modal: the question and one multiline input."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": TEXT_INPUT,
        "multiline": True,
        "placeholder": plain(catalog.t(lang, "ui_placeholder"), 150),
    }
    if max_length:
        element["max_length"] = max_length
    return {
        "type": "modal",
        "callback_id": VIEW_TEXT,
        "private_metadata": metadata[:3000],
        "title": plain(catalog.t(lang, "slack_modal_title"), 24),
        "submit": plain(catalog.t(lang, "ui_submit"), 24),
        "close": plain(catalog.t(lang, "slack_modal_cancel"), 24),
        "blocks": [
            section(question or " "),
            {"type": "input", "block_id": TEXT_BLOCK, "optional": not required, "label": plain(catalog.t(lang, "slack_modal_label"), 2000), "element": element},
        ],
    }


def notice_blocks(text: str) -> list[list[Block]]:
    """A long notice split into messages of at most 50 sections of at most 3,000 characters."""
    return _paginate([section(chunk) for chunk in _chunks(text, MAX_SECTION)])


def report_blocks(report: Report) -> list[list[Block]]:
    """A report's sections as blocks, in as many messages as the 50-block limit needs."""
    blocks: list[Block] = [{"type": "header", "text": plain(report.title, 150)}]
    for part in report.sections:
        body = "\n".join(part.lines)
        text = f"*{part.heading}*\n{body}" if body else f"*{part.heading}*"
        blocks.extend(section(chunk) for chunk in _chunks(text, MAX_SECTION))
    return _paginate(blocks)


def _chunks(text: str, limit: int) -> list[str]:
    """Split on line breaks where possible so no section is cut mid-line."""
    chunks: list[str] = []
    current = ""
    for line in (text or " ").split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current or " ")
    return chunks


def _paginate(blocks: list[Block]) -> list[list[Block]]:
    return [blocks[i : i + MAX_BLOCKS] for i in range(0, len(blocks), MAX_BLOCKS)] or [[section(" ")]]
