"""The free-text part of a round's report: a synthesis or an extractive summary, never a small group."""

from __future__ import annotations

from bot.evaluation import queries
from storage.privacy import too_small
from bot.evaluation.context import ReportContext
from flows.definition import Flow
from bot.evaluation.synthesis import TextSummary
from flows.messages import Outbound, Report, ReportSection
from storage import repository as repo


async def text_section(ctx: ReportContext, flow: Flow | None, round_id: int) -> list[ReportSection]:
    steps = [s for s in (flow.steps if flow else ()) if s.kind == "text"]
    if not steps:
        return []
    by_step = await queries.text_answers(ctx.tx, round_id, [s.id for s in steps])
    # Only questions answered by at least the threshold are summarised; the rest are not even quoted.
    usable = [s for s in steps if len(by_step.get(s.id, [])) and not too_small(len(by_step[s.id]), ctx.threshold)]
    if not usable:
        if any(by_step.values()):
            return [ReportSection(ctx.t("report_text_heading"), (ctx.t("report_text_suppressed", threshold=ctx.threshold),))]
        return []
    answers = [a for s in usable for a in by_step[s.id]]
    names = [m.display_name for m in await repo.members_of(ctx.tx, ctx.network.id)]
    questions = [s.text[ctx.lang] for s in usable]
    heading = ctx.t("report_text_heading")
    if ctx.synthesiser.configured and ctx.defer is not None:
        # A model may take up to its timeout; the turn's transaction must not wait for it.
        synthesiser, audience, lang, title = ctx.synthesiser, ctx.audience, ctx.lang, ctx.t("report_synthesis_title")

        async def follow_up() -> list[Outbound]:
            summary = await synthesiser.summarise(answers, lang, names, questions)
            return [Report(audience, title, (ReportSection(heading, tuple(summary_lines(ctx, summary))),), language=lang)]

        ctx.defer.run(ctx.tx, follow_up)
        return [ReportSection(heading, (ctx.t("report_synthesis_follows"),))]
    summary = await ctx.synthesiser.summarise(answers, ctx.lang, names, questions)
    return [ReportSection(heading, tuple(summary_lines(ctx, summary)))]


def summary_lines(ctx: ReportContext, summary: TextSummary) -> list[str]:
    if summary.method == "llm" and summary.synthesis is not None:
        synthesis = summary.synthesis
        lines = [ctx.t("report_method_llm", model=ctx.synthesiser.model, n=summary.answers), ctx.t("report_themes")]
        lines += [ctx.t("report_theme_line", theme=t.theme, count=t.count) for t in synthesis.themes]
        if synthesis.tensions:
            lines.append(ctx.t("report_tensions"))
            lines += [f"• {tension}" for tension in synthesis.tensions]
        return lines + [ctx.t("report_picture"), synthesis.situational_picture]
    reason = ctx.t("report_reason_no_llm") if summary.reason == "no_llm" else ctx.t("report_reason_failed")
    lines = [ctx.t("report_method_extractive", reason=reason, n=summary.answers)]
    if summary.phrases:
        lines.append(ctx.t("report_key_phrases"))
        lines += [ctx.t("report_phrase_line", phrase=p, count=n) for p, n in summary.phrases]
    if summary.quotes:
        lines.append(ctx.t("report_quotes"))
        lines += [f"“{q}”" for q in summary.quotes]
    return lines
