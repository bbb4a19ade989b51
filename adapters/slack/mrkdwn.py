"""Text as Block Kit carries it: plain_text objects, and mrkdwn that renders exactly as written.

Slack reads `&`, `<` and `>` in mrkdwn as markup: `<flow>` vanishes, `<!channel>` pings everyone,
`<https://x|y>` becomes a link. Every text we send in mrkdwn is therefore escaped here, whoever
wrote it (our catalogue, a flow file, a member's answer, a network's name). Only the `*bold*` we
add ourselves around headings is markup; a member's `*` can at most make text bold.
"""

from __future__ import annotations

import re
from typing import Any

Block = dict[str, Any]
MAX_SECTION = 3000
MAX_LABEL = 75
MAX_BLOCKS = 50
# Slack refuses a chat.postMessage whose blocks hold more than about 12,000 characters of text in
# all (`msg_blocks_too_long`; undocumented, counted with some overhead per block: refusals were
# seen from 11,341 characters, slackapi/bolt-js issues 2509 and 2867). A long notice or report is
# split well inside that, not only at 50 blocks (which would allow 150,000).
MESSAGE_TEXT_BUDGET = 9000
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")


def escape(text: str) -> str:
    """Slack's three control characters as entities (the only escaping Slack asks for)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Our own mrkdwn read back from a payload (the question of a clicked message) as plain text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_markup(markup: str, limit: int) -> str:
    """Clip escaped text without leaving half an entity (`&am…`) at the cut."""
    if len(markup) <= limit:
        return markup
    head = _ENTITY_TAIL.sub("", markup[: limit - 1])
    return head + "…"


def plain(text: str, limit: int = MAX_LABEL) -> dict[str, Any]:
    """plain_text is shown as is (no escaping needed, none wanted: `&amp;` would show literally)."""
    return {"type": "plain_text", "text": clip(text or " ", limit), "emoji": True}


def md(text: str, limit: int = MAX_SECTION) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip_markup(escape(text or " "), limit)}


def markup_section(markup: str) -> Block:
    """A section from mrkdwn already escaped by this module (chunks of a notice, a heading)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip_markup(markup or " ", MAX_SECTION)}}


def section(text: str) -> Block:
    return {"type": "section", "text": md(text)}


def heading_section(heading: str, body: str = "") -> Block:
    """`*heading*` and a body below it: only the asterisks are ours."""
    markup = f"*{escape(heading)}*"
    return markup_section(f"{markup}\n{escape(body)}" if body else markup)


def context(text: str) -> Block:
    return {"type": "context", "elements": [md(text)]}


def fallback(text: str) -> str:
    """The top-level `text` of a message (notification, screen readers) is mrkdwn too."""
    return clip_markup(escape(text or " "), MAX_SECTION)


def distinct_labels(labels: list[str], limit: int = MAX_LABEL) -> list[str]:
    """Labels clipped to Slack's limit that still tell the options apart: two long options that
    share their first 75 characters get a number at the end instead of the same text twice."""
    clipped = [clip(label or " ", limit) for label in labels]
    seen: dict[str, int] = {}
    for text in clipped:
        seen[text] = seen.get(text, 0) + 1
    out: list[str] = []
    for number, (label, text) in enumerate(zip(labels, clipped), start=1):
        if seen[text] > 1:
            suffix = f" ({number})"
            text = clip(label, limit - len(suffix)) + suffix
        out.append(text)
    return out


def chunks(text: str, limit: int = MAX_SECTION) -> list[str]:
    """Split mrkdwn on line breaks where possible so no section is cut mid-line (nor mid-entity)."""
    parts: list[str] = []
    current = ""
    for line in (text or " ").split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            tail = _ENTITY_TAIL.search(line[:limit])
            cut = limit - len(tail.group(0)) if tail else limit
            parts.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current or " ")
    return parts


def text_length(value: Any) -> int:
    """All the text a block (or a list of them) carries, as Slack counts it against a message."""
    if isinstance(value, dict):
        own = len(value["text"]) if isinstance(value.get("text"), str) else 0
        return own + sum(text_length(v) for k, v in value.items() if k != "text" or not isinstance(v, str))
    if isinstance(value, list):
        return sum(text_length(v) for v in value)
    return 0


def paginate(blocks: list[Block], reserve: int = 0) -> list[list[Block]]:
    """Blocks in as many messages as Slack's limits need: at most 50 blocks and MESSAGE_TEXT_BUDGET
    characters of text each (`reserve` keeps room on the last page for what follows)."""
    pages: list[list[Block]] = [[]]
    used = 0
    for block in blocks:
        size = text_length(block)
        if pages[-1] and (len(pages[-1]) >= MAX_BLOCKS or used + size > MESSAGE_TEXT_BUDGET):
            pages.append([])
            used = 0
        pages[-1].append(block)
        used += size
    if reserve and (len(pages[-1]) >= MAX_BLOCKS or used + reserve > MESSAGE_TEXT_BUDGET):
        pages.append([])
    return pages if pages[0] else [[section(" ")]]
