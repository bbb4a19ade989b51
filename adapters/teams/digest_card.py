"""A "what we heard" digest as an Adaptive Card: title, answer count, the figures as a FactSet,
each question's themes, the coordinators' response in an emphasised container, the chart image
and the anonymity note. Pure functions: the chart's URL comes from the caller."""

from __future__ import annotations

from typing import Any

from adapters.teams.cards import SCHEMA, ImageUrl, card_text
from flows.messages import Digest


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": card_text(text), "wrap": True, **style}


def digest_card(digest: Digest, image_url: ImageUrl) -> dict[str, Any]:
    body: list[dict[str, Any]] = [_text(digest.title, weight="Bolder", size="Large"), _text(digest.summary, spacing="Small")]
    if digest.figures:
        body.append({"type": "FactSet", "facts": [{"title": label, "value": value} for label, value in digest.figures]})
    for section in digest.sections:
        body.append(_text(section.heading, weight="Bolder", spacing="Medium"))
        if section.lines:
            body.append(_text("\n\n".join(section.lines), spacing="Small"))
    if digest.response:
        body.append(
            {
                "type": "Container",
                "style": "emphasis",
                "spacing": "Medium",
                "items": [_text(digest.response_heading, weight="Bolder"), _text(digest.response, spacing="Small")],
            }
        )
    if digest.chart is not None:
        body.append({"type": "Image", "url": image_url(digest.chart), "altText": digest.chart.alt_text, "size": "Stretch", "spacing": "Medium"})
    if digest.note:
        body.append(_text(digest.note, isSubtle=True, size="Small", spacing="Medium"))
    return {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "body": body, "msteams": {"width": "Full"}}
