"""One round's report: participation, each scale measure, breakdowns, reliability, free text."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from bot.evaluation import charts, queries
from storage.privacy import too_small
from bot.evaluation.context import ReportContext
from bot.evaluation.scale_lines import breakdown_lines, by_heading, level_line, scale_lines
from bot.evaluation.stats import Summary, summarise, welch_change
from bot.evaluation.sensemaking import ranked_section
from bot.evaluation.text_section import text_section
from flows.definition import Flow
from flows.messages import Chart, Report, ReportSection
from storage import repository as repo


def measures_of(flow: Flow | None) -> dict[str, tuple[int, int, int, str | None]]:
    """measure -> (min, max, items, step id when the measure is one step) in the flow's order."""
    found: dict[str, tuple[int, int, int, str | None]] = {}
    for step in flow.steps if flow else ():
        if step.kind != "scale" or step.minimum is None or step.maximum is None:
            continue
        key = step.dimension or step.id
        low, high, items, _ = found.get(key, (step.minimum, step.maximum, 0, None))
        found[key] = (low, high, items + 1, None if step.dimension else step.id)
    return found


def measure_name(ctx: ReportContext, flow: Flow | None, measure: str) -> str:
    step = flow.step(measure) if flow else None
    if step is not None and not step.dimension:
        text = step.text[ctx.lang]
        return text if len(text) <= 70 else text[:67].rstrip() + "…"
    key = f"report_dimension_{measure}"
    return ctx.t(key) if key in ctx.config.catalog.keys() else measure


async def build(ctx: ReportContext, rounds: Sequence[queries.RoundInfo], chosen: queries.RoundInfo, by: str | None) -> Report:
    flow = ctx.config.flows.get(chosen.flow_id)
    title = flow.title[ctx.lang] if flow else chosen.flow_id
    date = chosen.opens_at.date().isoformat()
    sections = [_participation(ctx, chosen)]
    chart_list: list[Chart] = [_rate_chart(ctx, chosen)]
    measures = measures_of(flow)
    respondents = await queries.round_respondents(ctx.tx, chosen.id, ctx.reverse)
    scores: dict[str, list[queries.Respondent]] = defaultdict(list)
    for respondent in respondents:
        scores[respondent.measure].append(respondent)
    shown: dict[str, tuple[int, int]] = {}
    for measure, (low, high, items, _) in measures.items():
        people = scores.get(measure, [])
        lines = await _measure_lines(ctx, rounds, chosen, flow, measure, people, (low, high, items), by)
        sections.append(ReportSection(measure_name(ctx, flow, measure), tuple(lines)))
        if people and not too_small(len(people), ctx.threshold):
            shown[measure] = (low, high)
    if shown:
        chart_list.append(await _distribution_chart(ctx, flow, chosen, shown))
    sections.extend(await text_section(ctx, flow, chosen.id))
    sections.extend(await ranked_section(ctx.tx, ctx.config.catalog, flow, ctx.lang, chosen.id, ctx.threshold))
    if chosen.status == "open":
        sections.insert(0, ReportSection(ctx.t("report_still_open"), ()))
    return Report(ctx.audience, ctx.t("report_round_title", title=title, id=chosen.id, date=date), tuple(sections), tuple(chart_list), ctx.lang)


def _participation(ctx: ReportContext, info: queries.RoundInfo) -> ReportSection:
    rate = round(100 * info.rate) if info.rate is not None else 0
    return ReportSection(ctx.t("report_participation"), (ctx.t("report_participation_line", done=info.done, invited=info.invited, rate=rate),))


async def _measure_lines(
    ctx: ReportContext,
    rounds: Sequence[queries.RoundInfo],
    chosen: queries.RoundInfo,
    flow: Flow | None,
    measure: str,
    people: list[queries.Respondent],
    scale: tuple[int, int, int],
    by: str | None,
) -> list[str]:
    if not people or too_small(len(people), ctx.threshold):
        return [ctx.t("report_suppressed", threshold=ctx.threshold)]
    summary = summarise([p.score for p in people])
    lines = [level_line(ctx, summary)]
    before = await _previous(ctx, rounds, chosen, measure)
    if before is not None:
        lines.append(change_line(ctx, before, summary))
    low, high, items = scale
    if items > 1:
        lines.extend(await scale_lines(ctx, flow, chosen.id, measure, low, high))
    if by:
        lines.append(by_heading(ctx, by))
        groups: dict[str | None, list[float]] = defaultdict(list)
        for p in people:
            groups[_group_of(p, by)].append(p.score)
        lines.extend(breakdown_lines(ctx, by, {g: summarise(v) for g, v in groups.items()}))
    return lines


def _group_of(person: queries.Respondent, by: str) -> str | None:
    if by == "sector-side":
        return f"{person.sector or 'unknown'}/{person.side or 'unknown'}"
    return person.sector if by == "sector" else person.side


def change_line(ctx: ReportContext, before: Summary, after: Summary) -> str:
    change = welch_change(before, after)
    if change is None:
        return ctx.t("report_change_unknown")
    key = "report_change_notable" if change.notable else "report_change_noise"
    return ctx.t(key, diff=ctx.sign(change.difference), low=ctx.sign(change.low), high=ctx.sign(change.high))


async def _previous(ctx: ReportContext, rounds: Sequence[queries.RoundInfo], chosen: queries.RoundInfo, measure: str) -> Summary | None:
    """The same measure in the latest earlier round of the same flow, if enough answered there.

    Only the same flow asks the same question: reflection-3's "how is our work progressing?" and
    reflection-2's step of the same id are different questions, and a pulse of one dimension is
    not the full pulse."""
    earlier = [r for r in rounds if r.flow_id == chosen.flow_id and (r.opens_at, r.id) < (chosen.opens_at, chosen.id)]
    for info in reversed(earlier):
        if measure not in measures_of(ctx.config.flows.get(info.flow_id)):
            continue
        summary = await _summary_of(ctx, info, measure)
        return summary if summary is not None and not too_small(summary.n, ctx.threshold) else None
    return None


async def _summary_of(ctx: ReportContext, info: queries.RoundInfo, measure: str) -> Summary | None:
    # Pulse dimensions come from the kept per-round aggregates; single-step measures are small.
    trends = await queries.dimension_trends(ctx.tx, [info], ctx.reverse)
    if (info.id, measure) in trends:
        return trends[(info.id, measure)]
    values = [p.score for p in await queries.round_respondents(ctx.tx, info.id, ctx.reverse) if p.measure == measure]
    return summarise(values) if values else None


def _rate_chart(ctx: ReportContext, info: queries.RoundInfo) -> Chart:
    rate = round(100 * info.rate) if info.rate is not None else 0
    png = charts.response_rate(
        ctx.t("report_chart_rate_title", id=info.id), info.done, info.invited, ctx.t("report_answered"), ctx.t("report_not_answered")
    )
    alt = ctx.t("report_chart_rate_alt", id=info.id, done=info.done, invited=info.invited, rate=rate)
    return Chart(ctx.audience, png, alt, ctx.t("report_chart_rate_title", id=info.id), f"round-{info.id}-response-rate.png", ctx.lang)


async def _distribution_chart(ctx: ReportContext, flow: Flow | None, info: queries.RoundInfo, shown: dict[str, tuple[int, int]]) -> Chart:
    counts = await queries.answer_distribution(ctx.tx, info.id, ctx.reverse)
    rows = {m: counts.get(m, {}) for m in shown}
    low = min(lo for lo, _ in shown.values())
    high = max(hi for _, hi in shown.values())
    step = next((s for s in (flow.steps if flow else ()) if s.kind == "scale" and s.min_label), None)
    ends = (step.min_label[ctx.lang], step.max_label[ctx.lang]) if step and step.min_label and step.max_label else ("", "")
    names = {m: measure_name(ctx, flow, m) for m in rows}
    title = ctx.t("report_chart_distribution_title", id=info.id)
    png = charts.distributions(title, rows, (low, high), ends, names)
    parts = []
    for measure, dist in rows.items():
        total = sum(dist.values()) or 1
        agree = sum(n for point, n in dist.items() if point > (low + high) / 2)
        parts.append(ctx.t("report_chart_distribution_part", measure=names[measure], share=round(100 * agree / total)))
    alt = ctx.t("report_chart_distribution_alt", id=info.id, min=low, max=high, parts="; ".join(parts))
    return Chart(ctx.audience, png, alt, title, f"round-{info.id}-answers.png", ctx.lang)


async def member_names(ctx: ReportContext) -> list[str]:
    return [m.display_name for m in await repo.members_of(ctx.tx, ctx.network.id)]
