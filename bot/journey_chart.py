"""`journey` with the U picture: the text of flows/journey.py, then the picture as a chart (the
adapters post charts as files on Slack and as card images on Teams, as report charts are), with
the network's phase of the strategic continuum drawn beside the U. The HTML report draws the
same picture (bot/evaluation/journey_report.py)."""

from __future__ import annotations

from bot.settings import Settings
from flows import continuum, journey as flow_journey
from flows.journey_evidence import StepEvidence
from flows.messages import Audience, Chart
from flows.turn import EngineConfig, Turn
from storage.database import Database


async def u_chart(turn: Turn, found: dict[int, StepEvidence], audience: Audience) -> Chart:
    from bot.evaluation.u_picture import Continuum, StepMark, draw

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
    where = await continuum.where(turn.tx, turn.network.id)
    details.append(continuum.line(turn.catalog, turn.lang, where))
    phases = tuple(continuum.name(turn.catalog, turn.lang, n) for n in range(1, continuum.PHASES + 1))
    beside = Continuum(turn.t("u_chart_continuum", cycle=where.cycle), phases, where.phase)
    levels = {name: turn.t(f"u_level_{name}") for name in ("routine", "open-mind", "open-heart", "open-will")}
    legend = {state: turn.t(f"u_chart_{state}") for state in ("done", "current", "ahead")}
    title = turn.t("u_chart_title", network=turn.network.name)
    png = draw(title, marks, levels, legend, (turn.t("u_chart_present"), turn.t("u_chart_future")), beside)
    alt = turn.t("u_chart_alt", number=current, title=flow_journey.title(turn, current) if current else "–", details=" ".join(details))
    return Chart(audience, png, alt, title, "u-journey.png", turn.lang)


async def journey(turn: Turn, words: list[str]) -> None:
    found = await flow_journey.journey_reply(turn)
    turn.emit(await u_chart(turn, found, Audience.member(turn.member.key)))


def register(config: EngineConfig, settings: Settings, db: Database) -> None:
    for verb in ("journey", "matka", "resa"):
        config.extra_commands[verb] = journey
    config.extra_help.extend(["u_help", "u_help_coordinator", "levels_help", "levels_help_coordinator"])
    config.round_closed_hooks.append(continuum.reflection_closed)
