"""`report trends`: each pulse dimension across rounds, with the change and its 95% interval."""

from __future__ import annotations

from datetime import datetime
from collections.abc import Sequence

from bot.evaluation import charts, queries
from storage.privacy import too_small
from bot.evaluation.context import ReportContext
from bot.evaluation.round_report import change_line, measure_name
from bot.evaluation.scale_lines import by_heading, group_name, level_line, shown_groups
from bot.evaluation.stats import Summary, mean_interval
from flows.arguments import ArgumentError
from flows.messages import Chart, Report, ReportSection

ORDER = ("knowing", "trust", "commitment")  # the seed's foundation, bottom up


def _day(ctx: ReportContext, moment: datetime) -> str:
    """A round's day as the reader writes dates (24.11.2026 in Finnish)."""
    day = moment.date()
    return ctx.t("rounds_date", day=day.day, month=day.month, year=day.year)


def _scale(ctx: ReportContext) -> tuple[int, int]:
    lows, highs = [], []
    for flow_id in ctx.config.flows.ids():
        for step in ctx.config.flows[flow_id].steps:
            if step.dimension and step.kind == "scale" and step.minimum is not None and step.maximum is not None:
                lows.append(step.minimum)
                highs.append(step.maximum)
    return (min(lows), max(highs)) if lows else (1, 5)


def _band(summary: Summary) -> tuple[float | None, float | None]:
    band = mean_interval(summary)
    return (band.low, band.high) if band else (None, None)


async def build(ctx: ReportContext, rounds: Sequence[queries.RoundInfo], by: str | None) -> Report:
    trends = await queries.dimension_trends(ctx.tx, rounds, ctx.reverse)
    with_data = [r for r in rounds if any(key[0] == r.id for key in trends)]
    if not with_data:
        raise ArgumentError("report_no_pulses")
    found = {dimension for _, dimension in trends}
    dimensions = [d for d in ORDER if d in found] + sorted(found - set(ORDER))
    names = {d: measure_name(ctx, None, d) for d in dimensions}
    panels: dict[str, list[charts.TrendPoint]] = {}
    sections: list[ReportSection] = []
    latest_texts = []
    for dimension in dimensions:
        points, shown = [], []
        for info in with_data:
            summary = trends.get((info.id, dimension))
            label = _day(ctx, info.opens_at)
            if summary is None or too_small(summary.n, ctx.threshold):
                points.append(charts.TrendPoint(label, None))
                continue
            low, high = _band(summary)
            points.append(charts.TrendPoint(label, summary.mean, low, high))
            shown.append((info, summary))
        panels[dimension] = points
        lines = _dimension_lines(ctx, with_data, dimension, shown, trends)
        sections.append(ReportSection(names[dimension], tuple(lines)))
        if shown:
            latest_texts.append(f"{names[dimension]} {ctx.num(shown[-1][1].mean)}")
    by_chart = None
    if by:
        section, series = await _by_section(ctx, with_data, dimensions, names, by)
        sections.append(section)
        by_chart = _group_chart(ctx, with_data, series, names, by) if series else None
    first, last = _day(ctx, with_data[0].opens_at), _day(ctx, with_data[-1].opens_at)
    scale = _scale(ctx)
    title = ctx.t("report_trends_title")
    png = charts.trends(title, panels, scale, ctx.t("report_band"), names, decimal=ctx.num(0.5)[1])
    alt = ctx.t(
        "report_chart_trends_alt",
        dimensions=", ".join(names.values()),
        rounds=len(with_data),
        first=first,
        last=last,
        min=scale[0],
        max=scale[1],
        latest=", ".join(latest_texts) or "–",
    )
    chart = Chart(ctx.audience, png, alt, title, "pulse-trends.png", ctx.lang)
    header = ReportSection(ctx.t("report_trends_span", count=len(with_data), rounds=len(with_data), first=first, last=last), ())
    return Report(ctx.audience, title, (header, *sections), (chart, by_chart) if by_chart else (chart,), ctx.lang)


def _dimension_lines(
    ctx: ReportContext,
    rounds: Sequence[queries.RoundInfo],
    dimension: str,
    shown: list[tuple[queries.RoundInfo, Summary]],
    trends: dict[tuple[int, str], Summary],
) -> list[str]:
    if not shown:
        return [ctx.t("report_suppressed", threshold=ctx.threshold)]
    info, latest = shown[-1]
    lines = [ctx.t("stats_trend_latest", date=_day(ctx, info.opens_at), level=level_line(ctx, latest))]
    # The change is told against the previous round of the same flow only (the same items asked).
    position = [r.id for r in rounds].index(info.id)
    previous = next((r for r in reversed(rounds[:position]) if r.flow_id == info.flow_id and (r.id, dimension) in trends), None)
    before = trends.get((previous.id, dimension)) if previous is not None else None
    if before is not None and not too_small(before.n, ctx.threshold):
        lines.append(change_line(ctx, before, latest))
    if len(shown) > 1:
        lines.append(ctx.t("report_trend_first", mean=ctx.num(shown[0][1].mean), date=_day(ctx, shown[0][0].opens_at)))
    return lines


Series = dict[str, dict[str, list[float | None]]]  # dimension -> group name -> mean per round (None: hidden)


def _group_chart(ctx: ReportContext, rounds: Sequence[queries.RoundInfo], series: Series, names: dict[str, str], by: str) -> Chart:
    from bot.evaluation.charts import SECTOR_COLOURS
    from bot.evaluation.group_chart import group_trends

    title = ctx.t("stats_chart_groups_title", by=by_heading(ctx, by).rstrip(":"))
    labels = [_day(ctx, r.opens_at) for r in rounds]
    colours = {group_name(ctx, "sector", s): c for s, c in SECTOR_COLOURS.items()} if by == "sector" else None
    png = group_trends(title, series, labels, _scale(ctx), names, decimal=ctx.num(0.5)[1], colours=colours)
    groups = list(dict.fromkeys(g for per_group in series.values() for g in per_group))
    alt = ctx.t("stats_chart_groups_alt", dimensions=", ".join(names[d] for d in series), groups=", ".join(groups), rounds=len(rounds), threshold=ctx.threshold)
    return Chart(ctx.audience, png, alt, title, f"pulse-trends-by-{by}.png", ctx.lang)


async def _by_section(ctx: ReportContext, rounds: Sequence[queries.RoundInfo], dimensions: list[str], names: dict[str, str], by: str) -> tuple[ReportSection, Series]:
    """Each dimension's means per group across the rounds, the latest with its 95% interval.

    Every round's breakdown is suppressed on its own (storage.privacy), as it would be in that
    round's report: a group hidden in a round is a dash there, never a figure."""
    groups = await queries.group_trends(ctx.tx, [r.id for r in rounds], ctx.reverse, by)
    lines = []
    drawn: Series = {}
    for dimension in dimensions:
        visible: dict[tuple[int, str], Summary] = {}
        seen: set[str] = set()
        for info in rounds:
            cells = {g: s for (r, d, g), s in groups.items() if r == info.id and d == dimension}
            seen |= set(cells)
            shown = shown_groups(ctx, by, {g: s.n for g, s in cells.items()}) or {}
            visible.update({(info.id, g): s for g, s in cells.items() if shown.get(g)})
        if not seen:
            continue
        lines.append(f"{names[dimension]}:")
        for group in sorted(seen, key=lambda g: (g.startswith("unknown"), g)):
            name = group_name(ctx, by, None if group == "unknown" else group)
            series = [visible.get((info.id, group)) for info in rounds]
            if not any(series):
                lines.append("  " + ctx.t("report_group_suppressed", group=name, threshold=ctx.threshold))
                continue
            drawn.setdefault(dimension, {})[name] = [s.mean if s else None for s in series]
            path = " → ".join(ctx.num(s.mean) if s else "–" for s in series)
            last = series[-1]
            if last is None:
                lines.append("  " + ctx.t("stats_trend_group_hidden", group=name, path=path, threshold=ctx.threshold))
                continue
            low, high = _band(last)
            lines.append("  " + ctx.t("stats_trend_group", group=name, path=path, mean=ctx.num(last.mean), low=ctx.num(low), high=ctx.num(high), n=last.n))
    if not lines:
        lines.append(ctx.t("stats_cross_withheld", threshold=ctx.threshold))
    first, last_day = _day(ctx, rounds[0].opens_at), _day(ctx, rounds[-1].opens_at)
    return ReportSection(ctx.t("stats_trends_by_heading", by=by_heading(ctx, by).rstrip(":"), first=first, last=last_day), tuple(lines)), drawn
