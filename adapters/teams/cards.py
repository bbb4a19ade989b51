"""Neutral messages -> Adaptive Cards (schema 1.5, the highest Teams renders). Pure functions.

A card's Action.Submit data carries the prompt's reference; Teams merges the inputs into it and
sends it back as the `value` of a message activity (see activities._submit).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from flows.messages import Chart, Prompt, PromptClosed, Report

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams refuses messages near 100 KB; images beyond this are left out and their alt text shown.
MAX_CARD_BYTES = 80_000
PEOPLE_DATASET = "graph.microsoft.com/users"


def command_syntax(text: str) -> str:
    """Teams has no slash commands: the texts' `/yhdessa help` is typed `yhdessa help` in a chat."""
    return text.replace("/yhdessa ", "yhdessa ")


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "body": body, "msteams": {"width": "Full"}}
    if actions:
        card["actions"] = actions
    return card


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _heading(prompt_title: str, position: tuple[int, int] | None) -> str:
    if position and position[1] > 1:
        return f"{prompt_title} ({position[0]}/{position[1]})"
    return prompt_title


def prompt_card(prompt: Prompt) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    if prompt.title:
        body.append(_text(_heading(prompt.title, prompt.position), weight="Bolder", size="Medium"))
    body.append(_text(prompt.text))
    body.append(_input(prompt))
    if prompt.anonymous and prompt.ui.get("anonymous"):
        body.append(_text(prompt.ui["anonymous"], isSubtle=True, size="Small"))
    data: dict[str, Any] = {"yhdessa_prompt": prompt.prompt_ref}
    if prompt.kind in ("multi", "members"):
        data["yhdessa_multi"] = True
    actions = [{"type": "Action.Submit", "title": prompt.ui.get("submit", "OK"), "data": data, "style": "positive"}]
    if not prompt.required:
        actions.append(
            {
                "type": "Action.Submit",
                "title": prompt.ui.get("skip", "-"),
                "data": {"yhdessa_prompt": prompt.prompt_ref, "yhdessa_skip": True},
                "associatedInputs": "none",
            }
        )
    return _card(body, actions)


def _choices(prompt: Prompt) -> list[dict[str, str]]:
    return [{"title": option.label, "value": option.value} for option in prompt.options]


def _input(prompt: Prompt) -> dict[str, Any]:
    base = {"id": "answer", "isRequired": prompt.required}
    if prompt.kind == "scale":
        labels = f"{prompt.scale_labels[0]} … {prompt.scale_labels[1]}" if prompt.scale_labels else None
        field = {**base, "type": "Input.ChoiceSet", "style": "expanded", "choices": _choices(prompt)}
        return {"type": "Container", "items": ([_text(labels, isSubtle=True, size="Small")] if labels else []) + [field]}
    if prompt.kind in ("single", "multi"):
        return {
            **base,
            "type": "Input.ChoiceSet",
            "style": "expanded" if len(prompt.options) <= 6 else "compact",
            "isMultiSelect": prompt.kind == "multi",
            "choices": _choices(prompt),
        }
    if prompt.kind == "members":
        # The people picker (Teams' Graph dataset) answers with Entra object ids, which are the user
        # part of Teams member keys; the static choices list the network for clients without it.
        return {
            **base,
            "type": "Input.ChoiceSet",
            "isMultiSelect": True,
            "style": "filtered",
            "choices": _choices(prompt),
            "choices.data": {"type": "Data.Query", "dataset": PEOPLE_DATASET},
        }
    text_input: dict[str, Any] = {**base, "type": "Input.Text", "isMultiline": True, "placeholder": prompt.ui.get("placeholder", "")}
    if prompt.max_length:
        text_input["maxLength"] = prompt.max_length
    return text_input


def closed_card(closed: PromptClosed) -> dict[str, Any]:
    """What a prompt's card turns into once answered: no inputs left to press twice."""
    return _card([_text(closed.text, weight="Bolder", color="Good")])


def _image(png: bytes, alt: str) -> dict[str, Any]:
    return {"type": "Image", "url": "data:image/png;base64," + base64.b64encode(png).decode("ascii"), "altText": alt}


def report_card(report: Report) -> dict[str, Any]:
    body: list[dict[str, Any]] = [_text(report.title, weight="Bolder", size="Large")]
    for section in report.sections:
        body.append(_text(section.heading, weight="Bolder", spacing="Medium"))
        if section.lines:
            body.append(_text("\n\n".join(section.lines)))
    card = _card(body)
    for chart in report.charts:
        candidate = _image(chart.png, chart.alt_text)
        if size(card) + len(json.dumps(candidate)) < MAX_CARD_BYTES:
            body.extend([_text(chart.title, weight="Bolder")] if chart.title else [])
            body.append(candidate)
        else:
            body.append(_text(f"{chart.title}: {chart.alt_text}" if chart.title else chart.alt_text, isSubtle=True))
    return card


def chart_card(chart: Chart) -> dict[str, Any]:
    body = [_text(chart.title, weight="Bolder")] if chart.title else []
    image = _image(chart.png, chart.alt_text)
    body.append(image if len(json.dumps(image)) < MAX_CARD_BYTES else _text(chart.alt_text))
    return _card(body)


def size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def attachment(card: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": card}
