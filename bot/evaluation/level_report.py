"""`report levels` (or `report --by level`): the network's work broken down by the five levels of
network work (seed slide 1): rounds and participation, pulse means, commitments, prototypes and
roles at each level.

Pulse means pool only rounds that are reportable on their own (at least the threshold of
respondents), so no figure describes fewer people than the threshold. Commitments are counted per
level as the actions report counts them per sector: a level whose commitments have fewer owners
than the threshold is hidden, and so is any level that would give it away by subtraction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select

from bot.evaluation import queries
from bot.evaluation.action_report import level_lines
from bot.evaluation.context import ReportContext
from bot.evaluation.round_report import measure_name
from bot.evaluation.trend_report import ORDER
from flows.arguments import ArgumentError
from flows.levels import NONE, key as level_key, ordered
from flows.messages import Report, ReportSection
from storage import actions as action_store
from storage.models import Prototype, Role
from storage.privacy import too_small

def _name(ctx: ReportContext, group: str) -> str:
    name = ctx.t(level_key(None if group == NONE else group))
    return name[:1].upper() + name[1:]  # it begins a line


async def build(ctx: ReportContext, rounds: Sequence[queries.RoundInfo]) -> Report:
    actions = await action_store.of_network(ctx.tx, ctx.network.id)
    prototypes = await _counts(ctx, Prototype)
    roles = await _counts(ctx, Role, Role.status == "accepted")
    tagged = any(r.level for r in rounds) or any(a.level for a in actions) or any(g != NONE for g in (*prototypes, *roles))
    if not tagged:
        raise ArgumentError("report_no_levels")
    sections = [ReportSection(ctx.t("report_levels_rounds"), tuple(_round_lines(ctx, rounds)))]
    sections.append(await pulse_section(ctx, rounds))
    sections.append(ReportSection(ctx.t("report_levels_actions"), tuple(level_lines(ctx, actions))))
    work = [ctx.t("report_levels_work", level=_name(ctx, g), prototypes=prototypes.get(g, 0), roles=roles.get(g, 0)) for g in ordered([*prototypes, *roles])]
    sections.append(ReportSection(ctx.t("report_levels_prototypes"), tuple(work or [ctx.t("report_levels_nothing")])))
    return Report(ctx.audience, ctx.t("report_levels_title"), tuple(sections), (), ctx.lang)


def _round_lines(ctx: ReportContext, rounds: Sequence[queries.RoundInfo]) -> list[str]:
    groups: dict[str, list[queries.RoundInfo]] = defaultdict(list)
    for info in rounds:
        groups[info.level or NONE].append(info)
    lines = []
    for group in ordered(list(groups)):
        found = groups[group]
        invited, done = sum(r.invited for r in found), sum(r.done for r in found)
        rate = round(100 * done / invited) if invited else 0
        lines.append(ctx.t("report_levels_round_line", level=_name(ctx, group), count=len(found), rate=rate))
    return lines or [ctx.t("report_levels_nothing")]


async def pulse_section(ctx: ReportContext, rounds: Sequence[queries.RoundInfo]) -> ReportSection:
    return ReportSection(ctx.t("report_levels_pulse"), tuple(await _pulse_lines(ctx, rounds)))


async def _pulse_lines(ctx: ReportContext, rounds: Sequence[queries.RoundInfo]) -> list[str]:
    trends = await queries.dimension_trends(ctx.tx, rounds, ctx.reverse)
    level_of = {r.id: r.level or NONE for r in rounds}
    pooled: dict[tuple[str, str], tuple[int, float, int]] = {}  # (level, dimension) -> (n, sum, rounds)
    left_out: dict[str, int] = defaultdict(int)
    for (round_id, dimension), summary in trends.items():
        group = level_of.get(round_id, NONE)
        if summary.mean is None or too_small(summary.n, ctx.threshold):
            left_out[group] += 1
            continue
        n, total, count = pooled.get((group, dimension), (0, 0.0, 0))
        pooled[(group, dimension)] = (n + summary.n, total + summary.mean * summary.n, count + 1)
    dimensions = sorted({d for _, d in pooled}, key=lambda d: (ORDER.index(d) if d in ORDER else len(ORDER), d))
    lines = []
    for group in ordered(list({g for g, _ in pooled} | set(left_out))):
        cells = [
            ctx.t("report_levels_mean", dimension=measure_name(ctx, None, d), mean=ctx.num(pooled[(group, d)][1] / pooled[(group, d)][0]), n=pooled[(group, d)][0])
            for d in dimensions
            if (group, d) in pooled
        ]
        if cells:
            lines.append(f"{_name(ctx, group)}: " + "; ".join(cells))
        if left_out.get(group):
            lines.append(ctx.t("report_levels_left_out", level=_name(ctx, group), count=left_out[group], threshold=ctx.threshold))
    return lines or [ctx.t("report_levels_no_pulse")]


async def _counts(ctx: ReportContext, model: type, *where: object) -> dict[str, int]:
    level = model.level  # type: ignore[attr-defined]
    stmt = select(level, func.count()).select_from(model).where(model.network_id == ctx.network.id, *where).group_by(level)  # type: ignore[attr-defined]
    return {(lvl or NONE): int(n) for lvl, n in (await ctx.tx.execute(stmt)).all()}
