"""`journey` with the U picture: the text of flows/journey.py, then the picture as a chart (the
adapters post charts as files on Slack and as card images on Teams, as report charts are)."""

from __future__ import annotations

from bot.settings import Settings
from flows import journey as flow_journey
from flows.messages import Audience, Chart
from flows.turn import EngineConfig, Turn
from storage.database import Database


async def journey(turn: Turn, words: list[str]) -> None:
    from bot.evaluation.u_picture import StepMark, draw

    found = await flow_journey.journey_reply(turn)
    current = turn.network.u_stage
    marks, details = [], []
    for number, step in found.items():
        state = "done" if number < current else "current" if number == current else "ahead"
        rate = step.participation
        figures = turn.t("u_chart_rounds", count=step.rounds, rate="–" if rate is None else rate) if step.rounds else ""
        name = flow_journey.title(turn, number)
        marks.append(StepMark(number, name, state, figures, flow_journey.dates(turn, step)))
        if state != "ahead":
            key = "u_chart_alt_step" if step.rounds else "u_chart_alt_step_quiet"
            details.append(turn.t(key, number=number, title=name, state=turn.t(f"u_chart_{state}"), count=step.rounds, rate="–" if rate is None else rate))
    if current < len(found):
        details.append(turn.t("u_chart_alt_ahead", first=current + 1))
    levels = {name: turn.t(f"u_level_{name}") for name in ("routine", "open-mind", "open-heart", "open-will")}
    legend = {state: turn.t(f"u_chart_{state}") for state in ("done", "current", "ahead")}
    title = turn.t("u_chart_title", network=turn.network.name)
    png = draw(title, marks, levels, legend, (turn.t("u_chart_present"), turn.t("u_chart_future")))
    alt = turn.t("u_chart_alt", number=current, title=flow_journey.title(turn, current) if current else "–", details=" ".join(details))
    turn.emit(Chart(Audience.member(turn.member.key), png, alt, title, "u-journey.png", turn.lang))


def register(config: EngineConfig, settings: Settings, db: Database) -> None:
    for verb in ("journey", "matka", "resa"):
        config.extra_commands[verb] = journey
    config.extra_help.extend(["u_help", "u_help_coordinator"])
