"""`report journey` and the U in the HTML report: the network's phase of the strategic continuum
with what it carried forward, the ten steps as a table (level, done / current / ahead, rounds,
participation, dates) and the U picture with its alt text. Built with the same journey text and
picture as the `journey` verb, for a reader who is not a member (the CLI) as well."""

from __future__ import annotations

from bot.evaluation.context import ReportContext
from bot.journey_chart import u_chart
from flows import continuum, journey as flow_journey
from flows.journey_evidence import evidence
from flows.messages import Report, ReportSection
from flows.turn import Turn
from storage.models import Member


def _turn(ctx: ReportContext) -> Turn:
    """A turn for the journey's own texts, read as `ctx.reader` reads (a coordinator's tools: none).

    The stand-in reader is never added to the session, so nothing of it is stored."""
    reader = ctx.reader or Member(network_id=ctx.network.id, key="system:yhdessa:report", display_name="Yhdessä", role="coordinator")
    stand_in = Member(network_id=ctx.network.id, key=reader.key, display_name=reader.display_name, role=reader.role, language=ctx.lang)
    return Turn(ctx.tx, ctx.config, ctx.network, stand_in)


async def build(ctx: ReportContext) -> Report:
    turn = _turn(ctx)
    found = await evidence(ctx.tx, ctx.network, ctx.config.anonymity_threshold)
    current = ctx.network.u_stage
    where = await continuum.where(ctx.tx, ctx.network.id)
    head: list[str] = []
    if where.phase:
        head.append(ctx.t(f"phase_asks_{where.phase}"))
    head += continuum.carried_lines(turn, where)
    header = (ctx.t("report_journey_step"), ctx.t("report_journey_level"), ctx.t("report_journey_state"), ctx.t("report_journey_rounds"),
              ctx.t("report_journey_participation"), ctx.t("report_journey_dates"))
    rows, lines = [header], []
    for number, step in found.items():
        state = "done" if number < current else "current" if number == current else "ahead"
        rate = step.participation
        title = flow_journey.title(turn, number)
        rows.append((f"{number}. {title}", flow_journey.level(turn, number), ctx.t(f"u_chart_{state}"), str(step.rounds), "–" if rate is None else f"{rate} %",
                     flow_journey.dates(turn, step) or "–"))
        key = f"u_journey_{state}" if step.rounds else f"u_journey_{state}_quiet"
        lines.append(ctx.t(key, number=number, title=title, count=step.rounds, rate="–" if rate is None else rate, dates=flow_journey.dates(turn, step)).rstrip())
    now = ctx.t("u_stage_line", number=current, title=flow_journey.title(turn, current), level=flow_journey.level(turn, current)) if current else ctx.t("stage_none")
    chart = await u_chart(turn, found, ctx.audience)
    phase = ReportSection(continuum.line(ctx.config.catalog, ctx.lang, where), tuple(head))
    sections = (phase, ReportSection(now, tuple(lines), tuple(rows)))
    return Report(ctx.audience, ctx.t("report_journey_title"), sections, (chart,), ctx.lang)
