"""`report factors`: the collaboration-factors inventory's latest round the reader may see.

Each factor's mean with its n, concerns (under 3.0) and strengths (4.0 or more) flagged, the
weakest three with what the network wrote about their areas, and one bar chart. A factor rated by
fewer than the threshold is not shown; a category's comments are quoted only when at least the
threshold wrote one, with member names, e-mail addresses and phone numbers pseudonymised, as the
free-text summaries of other reports are.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot.evaluation import factor_chart, queries
from bot.evaluation.context import ReportContext
from bot.evaluation.extractive import representative_quotes
from bot.evaluation.factors_model import CATEGORIES, FLOW, FactorScore, comment_step, factor_scores, weakest
from bot.evaluation.pseudonyms import Pseudonymiser
from flows.arguments import ArgumentError
from flows.messages import Chart, Report, ReportSection
from storage import repository as repo
from storage.models import Response
from storage.privacy import too_small

QUOTES = 3  # per category: enough to hear the voices, few enough to read on a phone


async def build(ctx: ReportContext, rounds: Sequence[queries.RoundInfo]) -> Report:
    report = await section(ctx, rounds)
    if report is None:
        raise ArgumentError("report_no_factors")
    return report


async def section(ctx: ReportContext, rounds: Sequence[queries.RoundInfo] | None = None) -> Report | None:
    """The factors report of the latest factors round, or None when there is none to show (no round,
    or fewer respondents than the threshold). The funders' report reuses it as one of its parts."""
    if rounds is None:
        rounds = await queries.visible_rounds(ctx.tx, ctx.network, ctx.reader)
    chosen = [r for r in rounds if r.flow_id == FLOW]
    if not chosen:
        return None
    info = chosen[-1]
    rows = await _answers(ctx, info.id)
    respondents = len({submission for submission, _, _ in rows})
    title = ctx.t("report_factors_title", id=info.id, date=info.opens_at.date().isoformat())  # as the other rounds' titles
    if respondents == 0 or too_small(respondents, ctx.threshold):
        # A closed round that fewer than the threshold answered has no answers left (they are
        # deleted at the close): it is "too few", not "nobody".
        lines = (ctx.t("report_suppressed", threshold=ctx.threshold),) if respondents or info.done else (ctx.t("report_factors_no_answers"),)
        return Report(ctx.audience, title, (ReportSection(ctx.t("report_factors_heading"), lines),), (), ctx.lang)
    scores = factor_scores(rows, ctx.threshold)
    # The same factors in the previous factors round, when it may be shown: the change is the point.
    before = {s.factor: s for s in factor_scores(await _answers(ctx, chosen[-2].id), ctx.threshold)} if len(chosen) > 1 else {}
    sections = [_overview(ctx, info, respondents, scores)]
    sections.extend(_category_sections(ctx, scores, before))
    sections.append(await _weakest_section(ctx, info.id, scores))
    if info.status == "open":
        sections.insert(0, ReportSection(ctx.t("report_still_open"), ()))
    return Report(ctx.audience, title, tuple(sections), (_chart(ctx, info, scores),), ctx.lang)


async def _answers(ctx: ReportContext, round_id: int) -> list[tuple[str, str, float]]:
    stmt = select(Response.submission, Response.step_id, Response.value_num).where(Response.round_id == round_id, Response.value_num.is_not(None))
    return [(s, step, float(v)) for s, step, v in (await ctx.tx.execute(stmt)).all()]


def name(ctx: ReportContext, factor: str) -> str:
    return ctx.t(f"factor_{factor.replace('-', '_')}")


def _names(ctx: ReportContext, scores: Sequence[FactorScore], flag: str) -> str:
    found = [f"{name(ctx, s.factor)} {ctx.num(s.mean)}" for s in scores if s.flag == flag]
    return ", ".join(found) if found else ctx.t("report_factors_none")


def _overview(ctx: ReportContext, info: queries.RoundInfo, respondents: int, scores: Sequence[FactorScore]) -> ReportSection:
    rate = round(100 * info.rate) if info.rate is not None else 0
    lines = (
        ctx.t("report_factors_respondents", n=respondents, invited=info.invited, rate=rate),
        ctx.t("report_factors_scale"),
        ctx.t("report_factors_strengths", names=_names(ctx, scores, "strength")),
        ctx.t("report_factors_concerns", names=_names(ctx, scores, "concern")),
        ctx.t("report_factors_adapted"),
    )
    return ReportSection(ctx.t("report_factors_heading"), lines)


def factor_line(ctx: ReportContext, score: FactorScore, before: FactorScore | None = None) -> str:
    if score.mean is None:
        return ctx.t("report_factors_line_suppressed", factor=name(ctx, score.factor), threshold=ctx.threshold)
    key = {"concern": "report_factors_line_concern", "strength": "report_factors_line_strength"}.get(score.flag or "", "report_factors_line")
    if before is not None and before.mean is not None:
        details = ctx.t("report_factors_n_before", n=score.n, before=ctx.num(before.mean))
    else:
        details = ctx.t("report_factors_n", n=score.n)
    return ctx.t(key, factor=name(ctx, score.factor), mean=ctx.num(score.mean), details=details)


def _category_sections(ctx: ReportContext, scores: Sequence[FactorScore], before: dict[str, FactorScore]) -> list[ReportSection]:
    return [
        ReportSection(ctx.t(f"factor_category_{category}"), tuple(factor_line(ctx, s, before.get(s.factor)) for s in scores if s.category == category))
        for category, _ in CATEGORIES
    ]


async def _weakest_section(ctx: ReportContext, round_id: int, scores: Sequence[FactorScore]) -> ReportSection:
    low = weakest(scores)
    lines = [
        ctx.t("report_factors_weakest_line", rank=i, factor=name(ctx, s.factor), mean=ctx.num(s.mean), category=ctx.t(f"factor_category_{s.category}"))
        for i, s in enumerate(low, start=1)
    ]
    categories = list(dict.fromkeys(s.category for s in low))  # each area's comments once, weakest first
    texts = await queries.text_answers(ctx.tx, round_id, [comment_step(c) for c in categories])
    names = [m.display_name for m in await repo.members_of(ctx.tx, ctx.network.id)]
    pseudonyms = Pseudonymiser(names)
    for category in categories:
        comments = texts.get(comment_step(category), [])
        area = ctx.t(f"factor_category_{category}")
        if not comments:
            lines.append(ctx.t("report_factors_comments_none", category=area))
        elif too_small(len(comments), ctx.threshold):
            lines.append(ctx.t("report_factors_comments_suppressed", category=area, threshold=ctx.threshold))
        else:
            lines.append(ctx.t("report_factors_comments_heading", category=area, count=len(comments)))
            lines.extend(f"  “{quote}”" for quote in representative_quotes([pseudonyms.apply(c) for c in comments], QUOTES))
    return ReportSection(ctx.t("report_factors_weakest_heading"), tuple(lines))


def _chart(ctx: ReportContext, info: queries.RoundInfo, scores: Sequence[FactorScore]) -> Chart:
    title = ctx.t("report_chart_factors_title", id=info.id)
    groups = [
        (ctx.t(f"factor_category_{category}"), [(name(ctx, s.factor), s.mean, s.flag) for s in scores if s.category == category])
        for category, _ in CATEGORIES
    ]
    legend = (ctx.t("report_chart_factors_concern"), ctx.t("report_chart_factors_middle"), ctx.t("report_chart_factors_strength"))
    png = factor_chart.draw(title, groups, legend, ctx.t("report_chart_factors_hidden", threshold=ctx.threshold), decimal=ctx.num(0.5)[1])
    alt = ctx.t(
        "report_chart_factors_alt",
        id=info.id,
        count=sum(1 for s in scores if s.shown),
        strengths=_names(ctx, scores, "strength"),
        concerns=_names(ctx, scores, "concern"),
    )
    return Chart(ctx.audience, png, alt, title, f"round-{info.id}-factors.png", ctx.lang)
