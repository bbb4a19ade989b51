"""The sections of the report for partners and funders that exist today: the network's purpose and
members by sector, the journey on the U, the pulse trends, the ties of the network map, the
commitments kept and the coordinators' notes.

Each reuses the figures of the coordinator's reports, so the funders see the same numbers under the
same suppression; nothing here names a member (a funders' report travels further than a channel).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from bot.evaluation import action_report, network_report, trend_report
from bot.evaluation.action_report import tally
from bot.evaluation.context import ReportContext
from bot.evaluation.funders_context import attach, rounds_of
from bot.evaluation.scale_lines import group_name
from flows.arguments import ArgumentError
from flows.journey_evidence import evidence
from flows.messages import ReportSection
from storage import actions as store
from storage import repository as repo
from storage.models import Round, RoundDigest, utcnow
from storage.privacy import suppress_breakdown

NOTES = 8  # the latest coordinators' notes shown


def _day(ctx: ReportContext, moment: object) -> str:
    return ctx.t("u_date", d=moment.day, m=moment.month, y=moment.year)  # type: ignore[attr-defined]


async def purpose(ctx: ReportContext) -> ReportSection | None:
    """What the network is for, and who is in it: members and organisations per sector, a sector
    with fewer members than the threshold (or one that would give it away) counted with others."""
    members = await repo.members_of(ctx.tx, ctx.network.id)
    lines = list(ctx.t("funders_purpose_text").split("\n"))
    if not members:
        return ReportSection(ctx.t("funders_purpose_heading"), tuple(lines))
    people: dict[str, int] = defaultdict(int)
    organisations: dict[str, set[str]] = defaultdict(set)
    for member in members:
        sector = member.sector or "unknown"
        people[sector] += 1
        if member.organisation:
            organisations[sector].add(member.organisation.strip().lower())
    lines.append(ctx.t("funders_members_total", count=len(members), organisations=len(set().union(*organisations.values()))))
    cells = suppress_breakdown(people, ctx.threshold)
    hidden = 0
    for sector in ("public", "private", "third", "unknown"):
        cell = cells.get(sector)
        if cell is None:
            continue
        if cell.suppressed:
            hidden += 1
            continue
        name = group_name(ctx, "sector", None if sector == "unknown" else sector)
        lines.append("  " + ctx.t("funders_members_sector", group=name, count=cell.n, organisations=len(organisations[sector])))
    if hidden:
        lines.append("  " + ctx.t("funders_members_hidden", threshold=ctx.threshold))
    return ReportSection(ctx.t("funders_purpose_heading"), tuple(lines))


async def journey(ctx: ReportContext) -> ReportSection | None:
    """The ten steps of the U, done / current / ahead, with their rounds and participation, and the picture."""
    from bot.evaluation.u_picture import StepMark, draw
    from flows.messages import Chart

    current = ctx.network.u_stage
    if not current:
        return None
    found = await evidence(ctx.tx, ctx.network, ctx.threshold)
    lines, marks = [], []
    for number, step in found.items():
        state = "done" if number < current else "current" if number == current else "ahead"
        flow = ctx.config.flows.get(f"u-stage-{number}")
        title = flow.title[ctx.lang] if flow else str(number)
        rate = "–" if step.participation is None else step.participation
        dates = ""
        if step.started is not None:
            start, end = _day(ctx, step.started), _day(ctx, step.ended) if step.ended else None
            dates = start if end is None or end == start else f"{start}–{end}"
        key = f"u_journey_{state}" if step.rounds else f"u_journey_{state}_quiet"
        lines.append(ctx.t(key, number=number, title=title, count=step.rounds, rate=rate, dates=dates).strip())
        figures = ctx.t("u_chart_rounds", count=step.rounds, rate=rate) if step.rounds else ""
        marks.append(StepMark(number, title, state, figures, dates))
    levels = {name: ctx.t(f"u_level_{name}") for name in ("routine", "open-mind", "open-heart", "open-will")}
    legend = {state: ctx.t(f"u_chart_{state}") for state in ("done", "current", "ahead")}
    title = ctx.t("u_chart_title", network=ctx.network.name)
    png = draw(title, marks, levels, legend, (ctx.t("u_chart_present"), ctx.t("u_chart_future")))
    flow = ctx.config.flows.get(f"u-stage-{current}")
    alt = ctx.t("funders_journey_alt", number=current, title=flow.title[ctx.lang] if flow else current)
    attach(ctx, Chart(ctx.audience, png, alt, title, "u-journey.png", ctx.lang))
    return ReportSection(ctx.t("funders_journey_heading"), tuple(lines))


async def pulse_trends(ctx: ReportContext) -> ReportSection | None:
    """Knowing, trust and commitment: the latest level with its interval, the change, the chart."""
    try:
        report = await trend_report.build(ctx, rounds_of(ctx), None)
    except ArgumentError:
        return None
    lines = [report.sections[0].heading]
    for section in report.sections[1:]:
        lines.append(f"{section.heading}: {section.lines[0]}" if section.lines else section.heading)
        lines.extend(f"  {line}" for line in section.lines[1:])
    for chart in report.charts:
        attach(ctx, chart)
    return ReportSection(ctx.t("funders_trends_heading"), tuple(lines))


async def ties(ctx: ReportContext) -> ReportSection | None:
    """The network map's figures with its response rate (no names, no picture of people)."""
    try:
        report = await network_report.build(ctx, rounds_of(ctx), names=False)
    except ArgumentError:
        return None
    lines = [line for section in report.sections for line in section.lines]
    latest = [r for r in rounds_of(ctx) if r.flow_id == network_report.MAP_FLOW][-1]
    return ReportSection(ctx.t("funders_ties_heading"), (ctx.t("funders_ties_when", date=_day(ctx, latest.opens_at)), *lines))


async def commitments(ctx: ReportContext) -> ReportSection | None:
    """Commitments made and kept, counted (never listed with their owners), and the chart."""
    actions = await store.of_network(ctx.tx, ctx.network.id)
    if not actions:
        return None
    total = tally(actions, utcnow())
    lines = (
        ctx.t("report_actions_made", count=total.made),
        ctx.t("report_actions_kept", count=total.kept, share=total.kept_share),
        ctx.t("report_actions_open", count=total.open, overdue=total.overdue),
    )
    report = await action_report.build(ctx)
    for chart in report.charts:
        attach(ctx, chart)
    return ReportSection(ctx.t("funders_actions_heading"), lines)


async def coordinators_notes(ctx: ReportContext) -> ReportSection | None:
    """What the coordinators answered in the published "what we heard" digests, latest first."""
    stmt = (
        select(Round.flow_id, Round.opens_at, RoundDigest.response)
        .join(RoundDigest, RoundDigest.round_id == Round.id)
        .where(Round.network_id == ctx.network.id, RoundDigest.status == "published", RoundDigest.response.is_not(None))
        .order_by(Round.opens_at.desc(), Round.id.desc())
        .limit(NOTES)
    )
    lines = []
    for flow_id, opened, response in (await ctx.tx.execute(stmt)).all():
        if not (response or "").strip():
            continue
        flow = ctx.config.flows.get(flow_id)
        lines.append(ctx.t("funders_note", title=flow.title[ctx.lang] if flow else flow_id, date=_day(ctx, opened), text=response.strip()))
    return ReportSection(ctx.t("funders_notes_heading"), tuple(lines)) if lines else None
