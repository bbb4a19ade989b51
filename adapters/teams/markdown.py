"""Our plain texts as Teams shows them well.

The catalogues write texts as lines: a heading line ending in ':' and indented lines under it,
paragraphs apart by a blank line. Teams renders message text and card TextBlocks as markdown, where
a single line break and indentation vanish, so such a text reads as one run-on line. Here each
indented line becomes a list item, other lines separate paragraphs, and in message text (which Teams
reads as HTML too) angle brackets are escaped, so `<flow>` shows instead of vanishing as a tag
(in cards, which show entities as written, placeholders get angle quotes instead: ‹flow›).
"""

from __future__ import annotations

import html


def _blocks(text: str) -> list[str]:
    """Markdown blocks: paragraphs, and lists of consecutive indented lines."""
    blocks: list[str] = []
    items: list[str] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if raw[:1] in (" ", "\t") and line.strip():
            items.append("- " + line.strip().lstrip("•-").strip())
            continue
        if items:
            blocks.append("\n".join(items))
            items = []
        if line.strip():
            blocks.append(line.strip())
    if items:
        blocks.append("\n".join(items))
    return blocks


def card_text(text: str) -> str:
    """Text for an Adaptive Card TextBlock (its markdown subset). Card renderers drop `<flow>` as an
    unknown tag and show `&lt;` as it is written, so placeholders get angle quotes: ‹flow›."""
    text = text.replace("<", "‹").replace(">", "›")
    return "\n\n".join(_blocks(text)) if "\n" in text else text


def message_text(text: str) -> str:
    """Text for a Teams message with textFormat markdown."""
    return "\n\n".join(html.escape(block, quote=False) for block in _blocks(text))


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) pairs: paragraphs apart by blank lines; a first line ending in ':' heads one."""
    found: list[tuple[str, str]] = []
    for paragraph in (p for p in text.split("\n\n") if p.strip()):
        first, _, rest = paragraph.strip("\n").partition("\n")
        if first.rstrip().endswith(":") and rest.strip():
            found.append((first.strip(), rest))
        else:
            found.append(("", paragraph))
    return found
