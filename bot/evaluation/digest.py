"""Building a closed round's "what we heard" digest, in each reader's language.

The figures follow the report's rules exactly: a measure answered by fewer than the anonymity
threshold is "fewer than k answers", free text of a question answered by fewer than k is neither
grouped nor quoted, every theme holds at least k answers, and the dot-vote result needs k voters.
One quote per theme, the answer closest to the theme's centre, pseudonymised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.evaluation import charts, queries
from bot.evaluation.extractive import representative_quotes
from bot.evaluation.context import ReportContext
from bot.evaluation.report import Reporter
from bot.evaluation.round_report import measure_name, measures_of
from bot.evaluation.sensemaking import RoundText, ranked_lines, round_text
from bot.evaluation.stats import summarise
from bot.evaluation.themes import Group
from flows import repeats
from flows.definition import Flow
from flows.messages import Audience, Chart, Digest, ReportSection
from storage import digests, repository as repo
from storage.models import Member, Network, Round
from storage.privacy import effective_threshold, too_small

QUOTE_LENGTH = 200


def audiences(round_: Round, members: Sequence[Member], network: Network) -> list[tuple[Audience, str]]:
    """(audience, language): the channel a channel round was posted in, else everyone asked, each
    in their own language."""
    if round_.delivery == "channel" and round_.channel:
        return [(Audience.channel(round_.channel), network.language)]
    return [(Audience.member(m.key), m.language or network.language) for m in members]


async def editions(
    reporter: Reporter,
    tx: AsyncSession,
    network: Network,
    round_: Round,
    groups: Mapping[str, Sequence[Group]],
    targets: Sequence[tuple[Audience, str]],
) -> dict[str, Digest]:
    """The digest in each language the targets read, addressed to the first reader of it."""
    made: dict[str, Digest] = {}
    for audience, lang in targets:
        if lang not in made:
            made[lang] = await _content(reporter.context(tx, network, None, lang, audience), round_, groups)
    return made


async def _content(ctx: ReportContext, round_: Round, groups: Mapping[str, Sequence[Group]]) -> Digest:
    flow = ctx.config.flows.get(round_.flow_id)
    k = effective_threshold(ctx.threshold)
    invited, done = await repo.participation(ctx.tx, round_.id)
    rate = round(100 * done / invited) if invited else 0
    summary = ctx.t("digest_answered", count=done, invited=invited, rate=rate)
    figures: list[tuple[str, str]] = []
    scores: dict[str, list[float]] = {}
    for respondent in await queries.round_respondents(ctx.tx, round_.id, ctx.reverse):
        scores.setdefault(respondent.measure, []).append(respondent.score)
    shown: dict[str, tuple[int, int]] = {}
    # A partners round's items are about many organisations at once: their figures are the
    # partners report's, under its pair rules (bot/evaluation/partners_report.py), not the digest's.
    measures = {} if flow is not None and repeats.asks_organisations(flow) else measures_of(flow)
    for measure, (low, high, _, _) in measures.items():
        values = scores.get(measure, [])
        name = measure_name(ctx, flow, measure)
        if not values or too_small(len(values), k):
            figures.append((name, ctx.t("digest_figure_suppressed", threshold=k)))
            continue
        stats = summarise(values)
        figures.append((name, ctx.t("digest_figure", mean=ctx.num(stats.mean), high=high, count=stats.n)))
        shown[measure] = (low, high)
    text = await round_text(ctx.tx, flow, ctx.network, round_, k, ctx.lang)
    sections = _theme_sections(ctx, text, groups)
    ranked = await ranked_lines(ctx.tx, ctx.config.catalog, ctx.lang, round_.id, k, text.questions)
    if ranked:
        sections.append(ReportSection(ctx.t("ranked_heading"), tuple(ranked)))
    state = await digests.digest_of(ctx.tx, round_.id)
    response = state.response if state and state.response else ""
    title = flow.title[ctx.lang] if flow else round_.flow_id
    note = ctx.t("digest_note_anonymous" if round_.anonymous else "digest_note_named", threshold=k)
    return Digest(
        audience=ctx.audience,
        title=ctx.t("digest_title", title=title, id=round_.id),
        summary=summary,
        figures=tuple(figures),
        sections=tuple(sections),
        response_heading=ctx.t("digest_response_heading") if response else "",
        response=response,
        note=note,
        chart=await _chart(ctx, flow, round_, shown, invited, done),
        language=ctx.lang,
    )


def _theme_sections(ctx: ReportContext, text: RoundText, groups: Mapping[str, Sequence[Group]]) -> list[ReportSection]:
    k = effective_threshold(ctx.threshold)
    sections: list[ReportSection] = []
    for step_id, question in text.questions.items():
        if step_id in text.small:
            sections.append(ReportSection(question, (ctx.t("digest_text_suppressed", threshold=k),)))
            continue
        if step_id not in text.answers:
            continue
        lines: list[str] = []
        for group in groups.get(step_id, ()):
            if len(group.answers) < k:  # never, by construction; kept as the rule itself
                continue
            lines.append(ctx.t("digest_theme_line", label=group.label, count=len(group.answers)))
            quote = representative_quotes(list(group.answers), 1)
            if quote:
                clipped = quote[0] if len(quote[0]) <= QUOTE_LENGTH else quote[0][: QUOTE_LENGTH - 1].rstrip() + "…"
                lines.append(f"   “{clipped}”")
        if not lines:
            lines.append(ctx.t("digest_no_common_theme", count=len(text.answers[step_id])))
        sections.append(ReportSection(question, tuple(lines)))
    return sections


async def _chart(ctx: ReportContext, flow: Flow | None, round_: Round, shown: dict[str, tuple[int, int]], invited: int, done: int) -> Chart | None:
    from bot.evaluation.round_report import _distribution_chart

    info = queries.RoundInfo(round_.id, round_.flow_id, round_.opens_at, round_.status, round_.anonymous, invited, done)
    if shown:
        return await _distribution_chart(ctx, flow, info, shown)
    if not invited:
        return None
    rate = round(100 * done / invited)
    title = ctx.t("report_chart_rate_title", id=round_.id)
    png = charts.response_rate(title, done, invited, ctx.t("report_answered"), ctx.t("report_not_answered"))
    alt = ctx.t("report_chart_rate_alt", id=round_.id, done=done, invited=invited, rate=rate)
    return Chart(ctx.audience, png, alt, title, f"round-{round_.id}-response-rate.png", ctx.lang)
