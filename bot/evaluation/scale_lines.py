"""The lines a researcher reads under one measure: the level with its 95% interval, the scale's
alpha with Feldt's interval, each item's mean, distribution and alpha-if-deleted, and breakdowns
by group with an interval per group.

Every figure here describes at least `threshold` respondents: the callers check the measure's n,
and `breakdown_lines` applies storage.privacy's suppression to every group.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.evaluation import queries
from bot.evaluation.context import ReportContext
from bot.evaluation.stats import (
    ALPHA_TRUSTWORTHY,
    Summary,
    alpha_from_moments,
    alpha_if_deleted,
    feldt_interval,
    mean_interval,
    summarise,
)
from flows.definition import Flow
from storage.privacy import suppress_breakdown, too_small

BY_CHOICES = ("sector", "side", "sector-side")


def level_line(ctx: ReportContext, summary: Summary) -> str:
    band = mean_interval(summary)
    # Trends come from kept aggregates (n, sum, sum of squares): they have no median to tell.
    return ctx.t(
        "stats_measure_line" if summary.median is not None else "stats_level_line",
        mean=ctx.num(summary.mean),
        low=ctx.num(band.low if band else None),
        high=ctx.num(band.high if band else None),
        median=ctx.num(summary.median),
        sd=ctx.num(summary.sd),
        n=summary.n,
    )


async def scale_lines(ctx: ReportContext, flow: Flow | None, round_id: int, measure: str, low: int, high: int) -> list[str]:
    """Alpha with its interval, then one line per item (mean, interval, distribution, alpha without it)."""
    moments = await queries.alpha_moments(ctx.tx, round_id, measure, ctx.reverse)
    if moments is None:
        return []
    lines = []
    alpha = alpha_from_moments(*moments.alpha_inputs())
    without: dict[str, float | None] = {}
    if alpha is not None:
        band = feldt_interval(alpha, moments.totals[0], len(moments.items))
        key = "stats_alpha_ok" if alpha >= ALPHA_TRUSTWORTHY else "stats_alpha_low"
        lines.append(ctx.t(key, alpha=ctx.num(alpha, 2), low=ctx.num(band.low if band else None, 2), high=ctx.num(band.high if band else None, 2), n=moments.totals[0]))
        if alpha >= ALPHA_TRUSTWORTHY and band is not None and band.low < ALPHA_TRUSTWORTHY:
            lines.append(ctx.t("stats_alpha_unsettled"))
        deleted = alpha_if_deleted([item[1:] for item in moments.items], moments.totals)
        without = {item[0]: value for item, value in zip(moments.items, deleted)}
    counts = await queries.item_counts(ctx.tx, round_id, measure, ctx.reverse)
    order = [s.id for s in flow.steps if s.id in counts] if flow else sorted(counts)
    lines.append(ctx.t("stats_items_heading", min=low, max=high))
    for step_id in order:
        points = counts[step_id]
        values = [float(p) for p, n in points.items() for _ in range(n)]
        summary = summarise(values)
        step = flow.step(step_id) if flow else None
        name = _short(step.text[ctx.lang]) if step else step_id
        if too_small(summary.n, ctx.threshold):  # an optional item few answered
            lines.append("  " + ctx.t("report_group_suppressed", group=name, threshold=ctx.threshold))
            continue
        band = mean_interval(summary)
        dist = " · ".join(str(points.get(p, 0)) for p in range(low, high + 1))
        if step is not None and step.reverse:
            name += " " + ctx.t("stats_item_reversed")
        dropped = without.get(step_id)
        values_out = dict(item=name, mean=ctx.num(summary.mean, 2), low=ctx.num(band.low if band else None, 2), high=ctx.num(band.high if band else None, 2), dist=dist, n=summary.n)
        if dropped is None:
            lines.append("  " + ctx.t("stats_item_line", **values_out))
        else:
            lines.append("  " + ctx.t("stats_item_line_without", without=ctx.num(dropped, 2), **values_out))
    return lines


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57].rstrip() + "…"


def group_name(ctx: ReportContext, by: str, group: str | None) -> str:
    if by == "sector-side":
        sector, _, side = (group or "unknown/unknown").partition("/")
        return ctx.t("report_sector_" + (sector or "unknown")) + " · " + ctx.t("report_side_" + (side or "unknown"))
    return ctx.t(f"report_{by}_{group or 'unknown'}")


def by_heading(ctx: ReportContext, by: str) -> str:
    return ctx.t("stats_by_sector_side") if by == "sector-side" else ctx.t(f"report_by_{by}")


def shown_groups(ctx: ReportContext, by: str, counts: Mapping[str, int]) -> dict[str, bool] | None:
    """group -> shown; None when a sector x side table may not be shown at all.

    Sector and side each have few groups, and suppress_breakdown keeps what is hidden from being
    recovered by subtraction. A sector x side table crosses two breakdowns the reader also sees on
    their own, so one hidden cell could be recovered from its row or its column: it is shown only
    when every cell with answers passes the threshold."""
    cells = suppress_breakdown(counts, ctx.threshold)
    if by == "sector-side" and any(cell.suppressed for cell in cells.values()):
        return None
    return {group: not cell.suppressed for group, cell in cells.items()}


def breakdown_lines(ctx: ReportContext, by: str, groups: dict[str | None, Summary]) -> list[str]:
    """One line per group with its 95% interval; small groups, and groups that would give a small
    one away, suppressed; a sector x side table withheld whole unless every cell may be shown."""
    shown = shown_groups(ctx, by, {g or "unknown": s.n for g, s in groups.items()})
    if shown is None:
        return [ctx.t("stats_cross_withheld", threshold=ctx.threshold)]
    lines = []
    for group, summary in sorted(groups.items(), key=lambda item: item[0] or "~"):
        visible = shown.get(group or "unknown")
        if visible is None:
            continue
        name = group_name(ctx, by, group)
        if not visible:
            lines.append(ctx.t("report_group_suppressed", group=name, threshold=ctx.threshold))
            continue
        band = mean_interval(summary)
        lines.append(ctx.t("stats_group_line", group=name, mean=ctx.num(summary.mean), low=ctx.num(band.low if band else None), high=ctx.num(band.high if band else None), n=summary.n))
    return lines
