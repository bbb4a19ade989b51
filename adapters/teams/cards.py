"""Neutral messages -> Adaptive Cards (schema 1.5, the highest Teams renders). Pure functions.

A card's Action.Submit data carries the prompt's reference; Teams merges the inputs into it and
sends it back as the `value` of a message activity (see activities._submit). Every card here is
checked by Microsoft's `adaptivecards` library in tests/teams/test_card_validity.py (no errors,
no warnings), so: required inputs carry a `label` and an `errorMessage`, and nothing newer than
1.5 is used (the people picker's `choices.data` is 1.6, so it is not).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from adapters.teams.markdown import card_text, sections
from flows.messages import Chart, Notice, Prompt, PromptClosed, Report

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams refuses a message over about 100 KB (activity and card together). Cards carry chart images
# by URL, so even a long report is a few kilobytes; 28 KB leaves room for the activity around the
# card and for the longest texts in any language (the size test holds every card under it).
MAX_CARD_BYTES = 28_000
# Command buttons in the submit data: pressing one is as if the member typed the command.
COMMAND_KEY = "yhdessa_command"
Texts = Callable[..., str]  # catalogue lookup in the card's language: texts(key, **values)
ImageUrl = Callable[[Chart], str]


def command_syntax(text: str) -> str:
    """Teams has no slash commands: the texts' `/yhdessa help` is typed `yhdessa help` in a chat."""
    return text.replace("/yhdessa ", "yhdessa ")


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "body": body, "msteams": {"width": "Full"}}
    if actions:
        card["actions"] = actions
    return card


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": card_text(text), "wrap": True, **style}


def _heading(prompt_title: str, position: tuple[int, int] | None) -> str:
    if position and position[1] > 1:
        return f"{prompt_title} ({position[0]}/{position[1]})"
    return prompt_title


def _question(prompt: Prompt) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = []
    if prompt.title:
        body.append(_text(_heading(prompt.title, prompt.position), weight="Bolder", size="Medium"))
    body.append(_text(prompt.text))
    return body


def prompt_card(prompt: Prompt, texts: Texts) -> dict[str, Any]:
    body = _question(prompt)
    body.extend(_input(prompt, texts))
    if prompt.ui.get("privacy"):
        body.append(_text(prompt.ui["privacy"], isSubtle=True, size="Small"))
    data: dict[str, Any] = {"yhdessa_prompt": prompt.prompt_ref}
    if prompt.kind in ("multi", "members"):
        data["yhdessa_multi"] = True
    if prompt.kind == "members":
        data["yhdessa_members"] = True
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


def member_value(member_key: str) -> str:
    """The people picker answers with Entra object ids, the user part of a Teams member key; the
    static choices use the same, so the answer has one format whichever the client shows."""
    return member_key.split(":", 2)[-1]


def _input(prompt: Prompt, texts: Texts) -> list[dict[str, Any]]:
    base: dict[str, Any] = {"id": "answer", "isRequired": prompt.required, "label": texts("teams_input_label")}
    if prompt.required:
        base["errorMessage"] = texts("teams_input_required")
    if prompt.kind == "scale":
        items = [_text(f"{prompt.scale_labels[0]} … {prompt.scale_labels[1]}", isSubtle=True, size="Small")] if prompt.scale_labels else []
        return [*items, {**base, "type": "Input.ChoiceSet", "style": "expanded", "choices": _choices(prompt)}]
    if prompt.kind in ("single", "multi"):
        field = {
            **base,
            "type": "Input.ChoiceSet",
            "style": "expanded" if len(prompt.options) <= 6 else "compact",
            "isMultiSelect": prompt.kind == "multi",
            "choices": _choices(prompt),
        }
        limit = [_text(texts("teams_pick_at_most", count=prompt.max_choices), isSubtle=True, size="Small")] if prompt.kind == "multi" and prompt.max_choices else []
        return [field, *limit]
    if prompt.kind == "members":
        # Teams' Graph people picker (`choices.data`) is Adaptive Cards 1.6; in a 1.5 card the
        # network's members are listed, filtered as the member types.
        field = {
            **base,
            "type": "Input.ChoiceSet",
            "isMultiSelect": True,
            "style": "filtered",
            "choices": [{"title": o.label, "value": member_value(o.value)} for o in prompt.options],
        }
        if not prompt.options:
            field["choices"] = [{"title": texts("teams_no_members"), "value": "-"}]
        limit = [_text(texts("teams_pick_at_most", count=prompt.max_choices), isSubtle=True, size="Small")] if prompt.max_choices else []
        return [field, *limit]
    text_input: dict[str, Any] = {**base, "type": "Input.Text", "isMultiline": True}
    if prompt.ui.get("placeholder"):
        text_input["placeholder"] = prompt.ui["placeholder"]
    if prompt.max_length:
        text_input["maxLength"] = prompt.max_length
    return [text_input]


def closed_card(closed: PromptClosed) -> dict[str, Any]:
    """What a prompt's card turns into once answered: the question stays, the answer below it,
    and no inputs left to press twice."""
    body = [_text(closed.question)] if closed.question else []
    body.append(_text(closed.text, weight="Bolder", color="Good"))
    return _card(body)


def _image(chart: Chart, image_url: ImageUrl) -> dict[str, Any]:
    return {"type": "Image", "url": image_url(chart), "altText": chart.alt_text, "size": "Stretch"}


def report_card(report: Report, image_url: ImageUrl) -> dict[str, Any]:
    body: list[dict[str, Any]] = [_text(report.title, weight="Bolder", size="Large")]
    for section in report.sections:
        body.append(_text(section.heading, weight="Bolder", spacing="Medium"))
        if section.lines:
            body.append(_text("\n".join(section.lines)))
    for chart in report.charts:  # each image carries its own title
        body.append({**_image(chart, image_url), "spacing": "Medium"})
    return _card(body)


def chart_card(chart: Chart, image_url: ImageUrl) -> dict[str, Any]:
    return _card([_image(chart, image_url)])


def notice_card(notice: Notice) -> dict[str, Any]:
    """A notice with command buttons (help): its paragraphs as sections, each button a command."""
    body: list[dict[str, Any]] = []
    for index, (heading, text) in enumerate(sections(command_syntax(notice.text))):
        if heading:
            body.append(_text(heading, weight="Bolder", spacing="None" if index == 0 else "Medium"))
        if text:
            body.append(_text(text, spacing="Small"))
    actions = [{"type": "Action.Submit", "title": label, "data": {COMMAND_KEY: command}} for label, command in notice.actions]
    return _card(body, actions)


def size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def attachment(card: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": card}
