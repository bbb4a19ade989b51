"""`report outcomes`: the seed's three outcomes with their trends, in words and three pictures.

The figures come from outcomes_data; here they become lines in the reader's language and charts.
`section(ctx)` returns the whole report (or None when there is nothing yet) for the funders' page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.evaluation import outcome_chart, partners, queries
from bot.evaluation.action_report import by_month, tally
from bot.evaluation.context import ReportContext
from bot.evaluation.outcome_chart import Panel
from bot.evaluation.outcomes_data import (
    ADOPTED,
    KnowledgeSource,
    WE_SPIRIT,
    Newcomers,
    Point,
    item_trend,
    map_knowledge,
    newcomers,
    tied_members,
    vision_answers,
)
from bot.evaluation.scale_lines import group_name
from flows.arguments import ArgumentError
from flows.messages import Chart, Report, ReportSection
from storage import actions as action_store
from storage import repository as repo
from storage.models import Action, utcnow
from storage.privacy import too_small

RECENT_DAYS = 91  # "in the last three months"


async def build(ctx: ReportContext, rounds: Sequence[queries.RoundInfo]) -> Report:
    report = await section(ctx, rounds)
    if report is None:
        raise ArgumentError("report_no_outcomes")
    return report


# Knowledge-sharing ties from other flows than the network map, by name (the label is the
# catalogue's report_outcomes_source_<name>).
KNOWLEDGE_SOURCES: dict[str, KnowledgeSource] = {"partners": partners.knowledge_points}

def day(ctx: ReportContext, moment: datetime) -> str:
    return ctx.t("rounds_date", day=moment.day, month=moment.month, year=moment.year)


async def section(ctx: ReportContext, rounds: Sequence[queries.RoundInfo] | None = None) -> Report | None:
    if rounds is None:
        rounds = await queries.visible_rounds(ctx.tx, ctx.network, ctx.reader)
    members = await repo.members_of(ctx.tx, ctx.network.id)
    keys = {m.id: m.key for m in members}
    now = utcnow()
    ties = await map_knowledge(ctx.tx, rounds, keys, ctx.threshold)
    plugged = {name: await source(ctx.tx, ctx.network.id, rounds, ctx.threshold) for name, source in KNOWLEDGE_SOURCES.items()}
    adopted = await item_trend(ctx.tx, rounds, ADOPTED, ctx.threshold)
    spirit = await item_trend(ctx.tx, rounds, WE_SPIRIT, ctx.threshold)
    actions = await action_store.of_network(ctx.tx, ctx.network.id)
    visions = await vision_answers(ctx.tx, rounds)
    joined = newcomers(members, await tied_members(ctx.tx, rounds, keys), now, ctx.threshold)
    if not (ties or adopted or spirit or actions or any(plugged.values()) or joined.joined):
        return None
    sections = (
        ReportSection(ctx.t("report_outcomes_knowledge"), tuple(_knowledge_lines(ctx, ties, plugged, adopted))),
        ReportSection(ctx.t("report_outcomes_goals"), tuple(_goal_lines(ctx, spirit, actions, visions, now))),
        ReportSection(ctx.t("report_outcomes_actors"), tuple(_actor_lines(ctx, joined))),
    )
    charts = (_knowledge_chart(ctx, ties, adopted), _goals_chart(ctx, spirit, actions, now), _actors_chart(ctx, joined))
    return Report(ctx.audience, ctx.t("report_outcomes_title"), sections, charts, ctx.lang)


def item_lines(ctx: ReportContext, item: str, points: Sequence[Point]) -> list[str]:
    """An item's latest mean, and its first with the change, once at least one round may be shown."""
    shown = [p for p in points if p.value is not None]
    if not points:
        return [ctx.t("report_outcomes_item_none", item=item)]
    if not shown:
        return [ctx.t("report_outcomes_item_hidden", item=item, threshold=ctx.threshold)]
    latest = shown[-1]
    lines = [ctx.t("report_outcomes_item_latest", item=item, mean=ctx.num(latest.value), date=day(ctx, latest.when), n=latest.n)]
    if len(shown) > 1:
        first = shown[0]
        lines.append(ctx.t("report_outcomes_item_first", mean=ctx.num(first.value), date=day(ctx, first.when), diff=ctx.sign((latest.value or 0) - (first.value or 0))))
    return lines


def _knowledge_lines(ctx: ReportContext, ties: Sequence[Point], plugged: dict[str, list[Point]], adopted: Sequence[Point]) -> list[str]:
    lines = []
    for p in ties:
        if p.value is None:
            lines.append(ctx.t("report_outcomes_map_hidden", date=day(ctx, p.when), threshold=ctx.threshold))
        else:
            lines.append(ctx.t("report_outcomes_map_line", date=day(ctx, p.when), ties=int(p.value), n=p.n))
    if not ties:
        lines.append(ctx.t("report_outcomes_map_none"))
    for name, points in plugged.items():
        label = ctx.t(f"report_outcomes_source_{name}") if f"report_outcomes_source_{name}" in ctx.config.catalog.keys() else name
        lines.extend(
            ctx.t("report_outcomes_source_line", source=label, date=day(ctx, p.when), value=ctx.num(p.value, 0), n=p.n) for p in points if p.value is not None
        )
    return lines + item_lines(ctx, ctx.t("report_outcomes_adopted"), adopted)


def _kept(actions: Sequence[Action], now: datetime) -> tuple[int, int]:
    """(kept, come due): done ones, and every one closed or past its due date."""
    due = [a for a in actions if a.status != "open" or (a.due_at is not None and a.due_at < now)]
    return sum(1 for a in due if a.status == "done"), len(due)


def _goal_lines(ctx: ReportContext, spirit: Sequence[Point], actions: Sequence[Action], visions: Sequence[Point], now: datetime) -> list[str]:
    lines = item_lines(ctx, ctx.t("report_outcomes_we_spirit"), spirit)
    if actions:
        recent = sum(1 for a in actions if (now - a.created_at).days <= RECENT_DAYS)
        lines.append(ctx.t("report_outcomes_goals_made", count=tally(actions, now).made, recent=recent))
        kept, due = _kept(actions, now)
        if due:
            lines.append(ctx.t("report_outcomes_goals_kept", kept=kept, due=due, share=round(100 * kept / due)))
    else:
        lines.append(ctx.t("report_outcomes_goals_none"))
    written = [v for v in visions if v.n and not too_small(v.n, ctx.threshold)]  # fewer wrote it: not the network's vision yet
    if written:
        lines.append(ctx.t("report_outcomes_vision", id=written[-1].round_id, date=day(ctx, written[-1].when), count=written[-1].n))
    else:
        lines.append(ctx.t("report_outcomes_vision_none"))
    return lines


def _actor_lines(ctx: ReportContext, joined: Newcomers) -> list[str]:
    lines = [ctx.t("report_outcomes_members", members=joined.founders + joined.joined, organisations=joined.organisations, founders=joined.founders, joined=joined.joined)]
    lines += [ctx.t("report_outcomes_month", month=m, members=n, organisations=o) for m, n, o in joined.months if n or o]
    if joined.new_sectors:
        names = ", ".join(ctx.t("report_outcomes_sector_since", sector=group_name(ctx, "sector", s), date=day(ctx, at)) for s, at in joined.new_sectors)
        lines.append(ctx.t("report_outcomes_sectors_new", sectors=names))
    else:
        lines.append(ctx.t("report_outcomes_sectors_none"))
    if not joined.joined:
        lines.append(ctx.t("report_outcomes_ties_none"))
    elif joined.days_to_tie is None:
        lines.append(ctx.t("report_outcomes_ties_hidden", with_tie=joined.with_tie, joined=joined.joined))
    else:
        lines.append(ctx.t("report_outcomes_ties", with_tie=joined.with_tie, joined=joined.joined, days=round(joined.days_to_tie)))
    return lines


def _values(ctx: ReportContext, points: Sequence[Point]) -> str:
    return "; ".join(f"{day(ctx, p.when)} {p.value:g}" for p in points if p.value is not None) or "–"


def _knowledge_chart(ctx: ReportContext, ties: Sequence[Point], adopted: Sequence[Point]) -> Chart:
    title = ctx.t("report_chart_outcomes_knowledge_title")
    panels = [
        Panel(ctx.t("report_chart_outcomes_ties"), [day(ctx, p.when) for p in ties], [(ctx.t("report_chart_outcomes_ties"), [p.value for p in ties])]),
        Panel(ctx.t("report_outcomes_adopted"), [day(ctx, p.when) for p in adopted], [(ctx.t("report_outcomes_adopted"), [p.value for p in adopted])], "scale"),
    ]
    alt = ctx.t("report_chart_outcomes_knowledge_alt", ties=_values(ctx, ties), item=ctx.t("report_outcomes_adopted"), means=_means(ctx, adopted))
    return Chart(ctx.audience, outcome_chart.draw(title, panels, ctx.num(0.5)[1]), alt, title, "outcomes-knowledge.png", ctx.lang)


def _means(ctx: ReportContext, points: Sequence[Point]) -> str:
    return "; ".join(f"{day(ctx, p.when)} {ctx.num(p.value)}" for p in points if p.value is not None) or "–"


def _goals_chart(ctx: ReportContext, spirit: Sequence[Point], actions: Sequence[Action], now: datetime) -> Chart:
    title = ctx.t("report_chart_outcomes_goals_title")
    months = by_month(actions, now) if actions else []
    made, kept = ctx.t("report_outcomes_series_made"), ctx.t("report_outcomes_series_kept")
    panels = [
        Panel(ctx.t("report_outcomes_we_spirit"), [day(ctx, p.when) for p in spirit], [(ctx.t("report_outcomes_we_spirit"), [p.value for p in spirit])], "scale"),
        Panel(ctx.t("report_chart_outcomes_goals_bars"), [m for m, *_ in months], [(made, [float(a) for _, a, _, _ in months]), (kept, [float(k) for _, _, k, _ in months])]),
    ]
    parts = "; ".join(ctx.t("report_chart_outcomes_month_part", month=m, made=a, kept=k) for m, a, k, _ in months) or "–"
    alt = ctx.t("report_chart_outcomes_goals_alt", means=_means(ctx, spirit), months=parts)
    return Chart(ctx.audience, outcome_chart.draw(title, panels, ctx.num(0.5)[1]), alt, title, "outcomes-goals.png", ctx.lang)


def _actors_chart(ctx: ReportContext, joined: Newcomers) -> Chart:
    title = ctx.t("report_chart_outcomes_actors_title")
    members, organisations = ctx.t("report_outcomes_series_members"), ctx.t("report_outcomes_series_organisations")
    panel = Panel(
        ctx.t("report_chart_outcomes_actors_bars"),
        [m for m, _, _ in joined.months],
        [(members, [float(n) for _, n, _ in joined.months]), (organisations, [float(o) for _, _, o in joined.months])],
    )
    parts = "; ".join(ctx.t("report_chart_outcomes_joined_part", month=m, members=n, organisations=o) for m, n, o in joined.months) or "–"
    alt = ctx.t("report_chart_outcomes_actors_alt", months=parts)
    return Chart(ctx.audience, outcome_chart.draw(title, [panel], ctx.num(0.5)[1]), alt, title, "outcomes-actors.png", ctx.lang)
