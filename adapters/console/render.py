"""Neutral messages as terminal text: numbered options, plain sections. Pure functions."""

from __future__ import annotations

from adapters.console.digest_text import render_digest
from flows.messages import Chart, Digest, Document, Notice, Outbound, Prompt, PromptClosed, Report


def render_prompt(prompt: Prompt) -> str:
    lines = []
    head = prompt.title
    if prompt.position and prompt.position[1] > 1:
        head = f"{head} ({prompt.position[0]}/{prompt.position[1]})"
    if head:
        lines.append(f"── {head} ──")
    lines.append(prompt.text)
    if prompt.kind == "scale" and prompt.scale_labels:
        low, high = prompt.options[0].value, prompt.options[-1].value
        lines.append(f"  {low} = {prompt.scale_labels[0]} … {high} = {prompt.scale_labels[1]}")
    elif prompt.kind in ("single", "multi", "members"):
        for number, option in enumerate(prompt.options, start=1):
            lines.append(f"  {number}. {option.label}")
    hint = prompt.ui.get("hint", "")
    if not prompt.required and prompt.ui.get("skip"):
        hint = f"{hint} ({prompt.ui['skip']}: -)".strip()
    if hint:
        lines.append(hint)
    if prompt.ui.get("privacy"):
        lines.append(prompt.ui["privacy"])
    return "\n".join(lines)


def render_report(report: Report) -> str:
    lines = [f"══ {report.title} ══"]
    for section in report.sections:
        lines.append(f"\n{section.heading}")
        lines.extend(f"  {line}" for line in section.lines)
    return "\n".join(lines)


def _buttons(notice: Notice) -> str:
    """Command buttons as the commands to type, unless the text names them all already (help)."""
    missing = [(label, command) for label, command in notice.actions if f"/yhdessa {command}" not in notice.text]
    if not missing:
        return ""
    return "\n" + "   ".join(f"[{label}] /yhdessa {command}" for label, command in notice.actions)


def render(message: Outbound) -> str:
    """The text of a message; charts and files are written by the runner and named by path."""
    if isinstance(message, Prompt):
        return render_prompt(message)
    if isinstance(message, Notice):
        return message.text + _buttons(message)
    if isinstance(message, Report):
        return render_report(message)
    if isinstance(message, PromptClosed):
        return message.text
    if isinstance(message, Digest):
        return render_digest(message)
    if isinstance(message, (Chart, Document)):
        return message.title or message.filename
    raise TypeError(f"no console rendering for {type(message).__name__}")
