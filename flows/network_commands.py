"""Verbs about the network and the member's own settings: help, network, lang. The U journey's
`stage` and `journey` are in flows/journey.py."""

from __future__ import annotations

from flows.arguments import ArgumentError, parse_audience
from flows.definition import LANGUAGES
from flows.messages import Audience, Notice
from flows.turn import Turn
from flows.welcome import is_unnamed
from storage import repository as repo


HELP_ALL = ("all", "kaikki", "alla")


async def help_(turn: Turn, words: list[str]) -> None:
    """`help`: the few things a member does, with buttons where the platform has them;
    `help all`: the whole grammar."""
    if words and words[0].lower() in HELP_ALL:
        lines = [turn.t("help_intro"), turn.t("help_member"), turn.t("help_actions_all")]
        if turn.is_coordinator:
            lines.append(turn.t("help_coordinator"))
        lines.extend(turn.t(key) for key in turn.config.extra_help if turn.is_coordinator or not key.endswith("_coordinator"))
        turn.reply_text("\n\n".join(lines))
        return
    lines = [turn.t("help_intro"), turn.t("help_short")]
    buttons = [("help_button_checkin", "checkin"), ("help_button_journey", "journey"), ("help_button_report", "report"), ("help_button_mydata", "my-data")]
    if turn.is_coordinator:
        lines.append(turn.t("help_short_coordinator"))
        buttons[1] = ("help_button_pulse", "pulse start")  # five buttons at most: cards show no more
    lines.append(turn.t("help_more"))
    buttons.append(("help_button_all", "help all"))
    actions = tuple((turn.t(label), command) for label, command in buttons if command.split()[0] in _verbs(turn))
    turn.emit(Notice(Audience.member(turn.member.key), "\n\n".join(lines), turn.lang, actions))


def _verbs(turn: Turn) -> set[str]:
    return turn.config.verbs | set(turn.config.extra_commands)


def stage_text(turn: Turn, number: int) -> str:
    if number == 0:
        return turn.t("stage_none")
    flow = turn.config.flows.get(f"u-stage-{number}")
    title = flow.title[turn.lang] if flow else str(number)
    level = turn.t(f"level_{flow.u_stage.level}") if flow and flow.u_stage else ""
    side = turn.t(f"side_{flow.u_stage.side}") if flow and flow.u_stage else ""
    return turn.t("stage_line", number=number, title=title, level=level, side=side)


async def network(turn: Turn, words: list[str]) -> None:
    """`network show`; `network channel here|#name|none` (where results and reports go);
    `network name "…"`."""
    sub = words[0].lower() if words else "show"
    if sub == "show":
        channel = turn.network.report_channel
        turn.reply(
            "network_show",
            name=turn.t("network_unnamed") if is_unnamed(turn.network.name, turn.network.key) else turn.network.name,
            language=turn.network.language,
            timezone=turn.network.timezone,
            channel=channel.rsplit(":", 1)[-1] if channel else turn.t("network_no_channel"),
        )
        return
    turn.require_coordinator()
    if sub == "channel" and len(words) == 2:
        if words[1].lower() in ("none", "-"):
            turn.network.report_channel = None
        else:
            audience = parse_audience(words[1], turn.channel, *turn.network.key.split(":", 1))
            if audience is None or not audience.startswith("channel:"):
                raise ArgumentError("network_channel_usage")
            turn.network.report_channel = audience.removeprefix("channel:")
    elif sub == "name" and len(words) > 1:
        turn.network.name = " ".join(words[1:])[:200]
    else:
        raise ArgumentError("network_usage")
    await repo.audit(turn.tx, turn.network.id, turn.member.key, f"network_{sub}", value=" ".join(words[1:]))
    await network(turn, ["show"])


async def lang(turn: Turn, words: list[str]) -> None:
    if not words or words[0].lower() not in LANGUAGES:
        raise ArgumentError("lang_usage")
    turn.member.language = words[0].lower()
    if len(words) > 1 and words[1] == "--network":
        turn.require_coordinator()
        turn.network.language = words[0].lower()
    turn.reply("lang_set")
