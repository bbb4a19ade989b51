"""The opening of the HTML report: headline figures and their change, what needs attention, and
the rounds there have been (those with too few answers to report are counted, not listed).

Changes are told against the previous round of the same flow only, as everywhere in the reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.evaluation import queries
from bot.evaluation.action_report import tally
from bot.evaluation.context import ReportContext
from bot.evaluation.round_report import measure_name
from bot.evaluation.stats import Summary, welch_change
from bot.evaluation.trend_report import ORDER
from flows.messages import Report, ReportSection
from flows.rounds_listing import listed_rounds, round_line
from storage import actions as store, decisions
from storage.models import utcnow
from storage.privacy import too_small

LOW_RATE = 0.5  # a round where fewer than half answered is worth a word
RECENT = 5  # how many of the latest rounds are looked at for low response rates
FLAT = 0.05  # a change of the mean smaller than this reads as "about the same"


@dataclass(frozen=True, slots=True)
class Headline:
    name: str
    latest: Summary
    before: Summary | None


async def headlines(ctx: ReportContext, rounds: Sequence[queries.RoundInfo]) -> list[Headline]:
    """Each pulse dimension's latest shown mean, and the previous one of the same flow."""
    trends = await queries.dimension_trends(ctx.tx, rounds, ctx.reverse)
    found = {dimension for _, dimension in trends}
    out = []
    for dimension in [d for d in ORDER if d in found] + sorted(found - set(ORDER)):
        shown = [(info, trends[(info.id, dimension)]) for info in rounds if (info.id, dimension) in trends]
        shown = [(info, s) for info, s in shown if not too_small(s.n, ctx.threshold)]
        if not shown:
            continue
        info, latest = shown[-1]
        before = next((s for i, s in reversed(shown[:-1]) if i.flow_id == info.flow_id), None)
        out.append(Headline(measure_name(ctx, None, dimension), latest, before))
    return out


def _change(ctx: ReportContext, line: Headline) -> str:
    if line.before is None or line.before.mean is None or line.latest.mean is None:
        return ctx.t("report_summary_change_none")
    diff = line.latest.mean - line.before.mean
    if abs(diff) < FLAT:
        return ctx.t("report_summary_change_flat")
    key = "report_summary_change_up" if diff > 0 else "report_summary_change_down"
    return ctx.t(key, diff=ctx.num(abs(diff), 2))


async def build(ctx: ReportContext, rounds: Sequence[queries.RoundInfo]) -> Report:
    ordered = sorted(rounds, key=lambda r: (r.opens_at, r.id))
    glance: list[str] = []
    if ordered:
        day = ordered[-1].opens_at.date()  # written as the reader writes dates
        glance.append(ctx.t("report_summary_rounds", count=len(ordered), date=ctx.t("rounds_date", day=day.day, month=day.month, year=day.year)))
    lines = await headlines(ctx, ordered)
    glance += [ctx.t("report_summary_dimension", name=h.name, mean=ctx.num(h.latest.mean), change=_change(ctx, h)) for h in lines]
    actions = await store.of_network(ctx.tx, ctx.network.id)
    counts = tally(actions, utcnow())
    if actions:
        glance.append(ctx.t("report_summary_actions", made=counts.made, kept=counts.kept, open=counts.open))
    sections = [
        ReportSection(ctx.t("report_summary_heading"), tuple(glance)),
        ReportSection(ctx.t("report_attention_heading"), tuple(_attention(ctx, ordered, lines, counts.overdue))),
        await _rounds(ctx),
    ]
    ours = await charter_and_vision(ctx)
    if ours is not None:
        sections.insert(1, ours)
    # A network known only by its workspace or tenant id is not named by it.
    unnamed = ctx.network.name == ctx.network.key.split(":", 1)[-1]
    title = ctx.t("report_summary_title") if unnamed else f"{ctx.t('report_summary_title')} — {ctx.network.name}"
    return Report(ctx.audience, title, tuple(sections), (), ctx.lang)


def _title(ctx: ReportContext, flow_id: str) -> str:
    flow = ctx.config.flows.get(flow_id)
    return flow.title[ctx.lang] if flow else flow_id


def _attention(ctx: ReportContext, rounds: Sequence[queries.RoundInfo], lines: Sequence[Headline], overdue: int) -> list[str]:
    found = []
    for info in [r for r in rounds if r.status == "open"][-3:]:
        found.append(ctx.t("report_attention_open_round", id=info.id, title=_title(ctx, info.flow_id)))
    for info in rounds[-RECENT:]:
        if info.status == "closed" and info.rate is not None and info.rate < LOW_RATE:
            found.append(ctx.t("report_attention_low_rate", id=info.id, title=_title(ctx, info.flow_id), rate=round(100 * info.rate)))
    for line in lines:
        change = welch_change(line.before, line.latest) if line.before is not None else None
        if change is not None and change.notable and change.difference < 0:
            found.append(ctx.t("report_attention_drop", name=line.name, diff=ctx.num(-change.difference, 2)))
    if overdue:
        found.append(ctx.t("report_attention_overdue", count=overdue))
    return found or [ctx.t("report_attention_none")]


async def charter_and_vision(ctx: ReportContext) -> ReportSection | None:
    """The vision and ground rules the network chose (steps 3, 6, 7): its own, naming no one."""
    vision = await decisions.vision(ctx.tx, ctx.network.id)
    kept = await decisions.rules(ctx.tx, ctx.network.id, ("kept",))
    if vision is None and not kept:
        return None
    lines = [ctx.t("report_vision_line", text=vision.text)] if vision else []
    if kept:
        lines.append(ctx.t("report_charter_intro", count=len(kept)))
        lines += [f"  {number}. {rule.text}" for number, rule in enumerate(kept, start=1)]
    return ReportSection(ctx.t("report_charter_vision_heading"), tuple(lines))


async def _rounds(ctx: ReportContext) -> ReportSection:
    rows, _ = await listed_rounds(ctx.tx, ctx.network.id, ctx.reader)
    shown = [r for r in rows if r.done > 0 and not too_small(r.done, ctx.threshold)]
    zone = ctx.network.timezone
    lines = [round_line(ctx.config.catalog, ctx.config.flows, ctx.lang, zone, row) for row in shown[:30]]
    if len(rows) > len(shown):
        lines.append(ctx.t("report_rounds_hidden", count=len(rows) - len(shown), threshold=ctx.threshold))
    return ReportSection(ctx.t("report_rounds_heading"), tuple(lines))
