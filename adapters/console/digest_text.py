"""A digest as terminal text: the summary, the figures, the themes, the response, the note."""

from __future__ import annotations

from flows.messages import Digest


def render_digest(digest: Digest) -> str:
    lines = [f"══ {digest.title} ══", digest.summary]
    for label, value in digest.figures:
        lines.append(f"  {label}: {value}")
    for section in digest.sections:
        lines.append(f"\n{section.heading}")
        lines.extend(f"  {line}" for line in section.lines)
    if digest.response:
        lines.append(f"\n{digest.response_heading}")
        lines.extend(f"  {line}" for line in digest.response.splitlines())
    if digest.note:
        lines.append(f"\n{digest.note}")
    return "\n".join(lines)
