"""A "what we heard" digest as Block Kit: a header, the answer count, the figures as fields, each
question's themes, the coordinators' response as a quote and the anonymity note. The chart goes up
as a file right after (an image block would need a public URL). Pure functions, no I/O."""

from __future__ import annotations

from adapters.slack.mrkdwn import MAX_SECTION, Block, chunks, clip_markup, context, escape, markup_section, paginate, plain
from flows.messages import Digest

MAX_FIELDS = 10  # a section holds at most ten fields
MAX_FIELD = 2000


def digest_blocks(digest: Digest) -> list[list[Block]]:
    """The digest's blocks, in as many messages as Slack's limits need; block ids unique."""
    blocks: list[Block] = [
        {"type": "header", "block_id": "yh_digest_title", "text": plain(digest.title, 150)},
        {**markup_section(escape(digest.summary)), "block_id": "yh_digest_summary"},
    ]
    fields = [
        {"type": "mrkdwn", "text": clip_markup(f"*{escape(label)}*\n{escape(value)}", MAX_FIELD)} for label, value in digest.figures
    ]
    for start in range(0, len(fields), MAX_FIELDS):
        blocks.append({"type": "section", "block_id": f"yh_digest_figures_{start}", "fields": fields[start : start + MAX_FIELDS]})
    for number, part in enumerate(digest.sections):
        markup = f"*{escape(part.heading)}*\n" + escape("\n".join(part.lines))
        for piece, chunk in enumerate(chunks(markup.rstrip(), MAX_SECTION)):
            blocks.append({**markup_section(chunk), "block_id": f"yh_digest_s{number}_{piece}"})
    if digest.response:
        blocks.append({"type": "divider", "block_id": "yh_digest_divider"})
        quoted = "\n".join(f"&gt; {escape(line)}" if line.strip() else "&gt;" for line in digest.response.splitlines())
        markup = f"*{escape(digest.response_heading)}*\n{quoted}"
        for piece, chunk in enumerate(chunks(markup, MAX_SECTION)):
            blocks.append({**markup_section(chunk), "block_id": f"yh_digest_response_{piece}"})
    if digest.note:
        blocks.append({**context(digest.note), "block_id": "yh_digest_note"})
    return paginate(blocks)
