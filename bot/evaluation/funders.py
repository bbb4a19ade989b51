"""`yhdessa report --for partners`: the shareable report for partners and funders (issue 14's step
10, issue 15's item 5), built from the section builders in SECTIONS, in that order.

To add a section, write `async def section(ctx: ReportContext) -> ReportSection | Report | None`
(None leaves it out; `funders_context.attach(ctx, chart)` adds a picture; a whole Report, such as
the outcomes', comes with its own sub-sections and charts) and put it in SECTIONS where it belongs.
Whatever a section shows must respect ctx.threshold as the coordinator's reports do.
"""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from datetime import datetime, timezone

from bot.evaluation import funders_sections as built_in
from bot.evaluation import factors_report, outcomes_report, partners_report, queries, summary
from bot.evaluation.context import ReportContext
from bot.evaluation.report import Reporter
from bot.settings import Settings
from flows.arguments import ArgumentError
from flows.messages import Audience
from flows.turn import EngineConfig
from storage import repository as repo
from storage.models import Prototype
from bot.evaluation.funders_context import Document, FundersContext, Part, SectionBuilder, rounds_of
from flows.messages import Report, ReportSection

async def _vision(ctx: ReportContext) -> ReportSection | None:
    return await summary.charter_and_vision(ctx)


async def _outcomes(ctx: ReportContext) -> Report | None:
    return await outcomes_report.section(ctx, rounds_of(ctx))


async def _partners(ctx: ReportContext) -> Report | None:
    try:  # the whole report: the network, organisations, pairs and changes, with the map
        return await partners_report.build(ctx, rounds_of(ctx))
    except ArgumentError:  # no partners round, or none closed yet
        return None


async def _prototypes(ctx: ReportContext) -> ReportSection | None:
    """Step 8's experiments: each hypothesis, where it stands and what was learnt, naming no owner."""
    found = (await ctx.tx.execute(select(Prototype).where(Prototype.network_id == ctx.network.id, Prototype.status != "dropped").order_by(Prototype.id))).scalars().all()
    if not found:
        return None
    lines = [ctx.t("funders_prototype", hypothesis=p.hypothesis, status=ctx.t(f"prototype_status_{p.status}"))
             + (ctx.t("funders_prototype_lesson", lesson=p.lesson) if p.lesson else "") for p in found]
    return ReportSection(ctx.t("funders_prototypes_heading"), tuple(lines))


async def _factors(ctx: ReportContext) -> Report | None:
    return await factors_report.section(ctx, rounds_of(ctx))


SECTIONS: list[SectionBuilder] = [
    built_in.purpose,  # the network's purpose and members by sector
    _vision,  # the vision and ground rules it chose
    built_in.journey,  # the U so far
    _outcomes,  # the seed's three outcomes
    built_in.pulse_trends,  # the foundation: knowing, trust, commitment
    built_in.ties,  # relations: the network map
    _partners,  # relations between organisations
    _factors,  # the collaboration factors
    _prototypes,  # what the network is trying out
    built_in.commitments,
    built_in.coordinators_notes,
]


async def build(ctx: ReportContext, since: datetime | None = None) -> Document:
    """Every section that has something to tell, each with the pictures its builder attached."""
    rounds = await queries.visible_rounds(ctx.tx, ctx.network, ctx.reader, since)
    values = {f.name: getattr(ctx, f.name) for f in fields(ReportContext)}
    parts = []
    for builder in SECTIONS:
        own = FundersContext(**values, rounds=list(rounds))
        section = await builder(own)
        if section is None:
            continue
        if isinstance(section, Report):
            parts.append(Part(section.title, section.sections, (*section.charts, *own.pictures)))
        else:
            parts.append(Part(section.heading, (ReportSection("", section.lines),), tuple(own.pictures)))
    now = datetime.now(timezone.utc)
    stamp = ctx.t("rounds_date", day=now.day, month=now.month, year=now.year)
    # A network known only by its workspace or tenant id is not named by it (as in the summary).
    unnamed = ctx.network.name == ctx.network.key.split(":", 1)[-1]
    return Document(
        ctx.t("funders_title_unnamed") if unnamed else ctx.t("funders_title", network=ctx.network.name),
        ctx.t("funders_subtitle", date=stamp),
        tuple(parts),
        ctx.t("funders_footer", threshold=ctx.threshold, date=stamp),
        ctx.lang,
    )


async def build_for_partners(tx: AsyncSession, config: EngineConfig, settings: Settings, network_key: str, lang: str | None = None, since: datetime | None = None) -> Document:
    """The report for partners as the coordinators' tools outside chat make it (the CLI)."""
    network = await repo.network_by_key(tx, network_key)
    if network is None:
        raise ArgumentError("report_no_network", value=network_key)
    reporter = Reporter(config, settings)
    ctx = reporter.context(tx, network, None, lang or network.language, Audience.channel(f"{network.key}:partners"), inline=True)
    return await build(ctx, since)
