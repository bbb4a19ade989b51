"""`report network`: the latest network map the reader may see, as figures and a picture."""

from __future__ import annotations

from collections.abc import Sequence

from bot.evaluation import charts, queries
from storage.privacy import too_small
from bot.evaluation.network_map import TIE_STEPS, Person, build_graph, figures
from bot.evaluation.context import ReportContext
from flows.arguments import ArgumentError
from flows.messages import Chart, Report, ReportSection
from storage import repository as repo

MAP_FLOW = "network-map"
LOW_MAP_RATE = 0.6  # below this many answering, a map mostly shows who answered, not who is tied


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{round(100 * share)}"


async def build(ctx: ReportContext, rounds: Sequence[queries.RoundInfo], names: bool = True) -> Report:
    """The map's figures and picture; with names=False (the report for partners) no member is
    named or drawn: only the figures."""
    maps = [r for r in rounds if r.flow_id == MAP_FLOW]
    if not maps:
        raise ArgumentError("report_no_network_map")
    info = maps[-1]
    members = await repo.members_of(ctx.tx, ctx.network.id)
    people = [Person(m.key, m.display_name, m.sector, m.organisation, m.may_be_named) for m in members]
    key_of = {m.id: m.key for m in members}
    answers = [(key_of.get(member_id, ""), chosen) for member_id, _, chosen in await queries.member_lists(ctx.tx, info.id, TIE_STEPS)]
    answered = {chooser for chooser, _ in answers}
    respondents = len(answered)
    title = ctx.t("report_network_title", id=info.id, date=info.opens_at.date().isoformat())
    if too_small(respondents, ctx.threshold) or respondents == 0:
        section = ReportSection(ctx.t("report_network_heading"), (ctx.t("report_suppressed", threshold=ctx.threshold),))
        return Report(ctx.audience, title, (section,), (), ctx.lang)
    graph = build_graph(people, answers)
    found = figures(graph, people)
    named = [p.name for p in found.bridges if p.may_be_named]
    unnamed = len(found.bridges) - len(named)
    lines = [
        ctx.t("report_network_size", members=found.members, ties=found.ties, answered=respondents),
        ctx.t("report_network_density", density=ctx.num(found.density, 2)),
        ctx.t("report_network_cross_sector", share=_percent(found.cross_sector)),
        ctx.t("report_network_cross_org", share=_percent(found.cross_organisation)),
    ]
    lines[1:1] = _rate_lines(ctx, info, respondents)
    silent = sum(1 for key, degree in graph.degree() if degree == 0 and key not in answered)
    if found.isolated and silent:
        lines.append(ctx.t("stats_network_isolated_silent", count=found.isolated, silent=silent))
    else:
        lines.append(ctx.t("report_network_isolated", count=found.isolated))
    if not names:
        return Report(ctx.audience, title, (ReportSection(ctx.t("report_network_heading"), tuple(lines)),), (), ctx.lang)
    if named:
        lines.append(ctx.t("report_network_bridges_named", names=", ".join(named)))
    if unnamed:
        lines.append(ctx.t("report_network_bridges_unnamed", count=unnamed))
    sector_names = {s: ctx.t(f"report_sector_{s}") for s in ("public", "private", "third", "unknown")}
    nodes = [(p.key, p.sector or "unknown", p.name if p.may_be_named else None) for p in people]
    png = charts.network(title, nodes, list(graph.edges()), sector_names)
    alt = ctx.t(
        "report_chart_network_alt",
        members=found.members,
        ties=found.ties,
        share=_percent(found.cross_sector),
        isolated=found.isolated,
    )
    if _low(info, respondents):
        alt = f"{alt} {ctx.t('stats_network_low_rate_short', rate=_rate(info, respondents))}"
    chart = Chart(ctx.audience, png, alt, title, f"network-map-{info.id}.png", ctx.lang)
    return Report(ctx.audience, title, (ReportSection(ctx.t("report_network_heading"), tuple(lines)),), (chart,), ctx.lang)


def _rate(info: queries.RoundInfo, respondents: int) -> int:
    return round(100 * respondents / info.invited) if info.invited else 0


def _low(info: queries.RoundInfo, respondents: int) -> bool:
    return bool(info.invited) and respondents / info.invited < LOW_MAP_RATE


def _rate_lines(ctx: ReportContext, info: queries.RoundInfo, respondents: int) -> list[str]:
    """How many drew the map, and when too few did, what that does to its figures: a tie exists
    here only if someone who answered named it, so members who did not answer look less tied."""
    lines = [ctx.t("stats_network_rate", answered=respondents, invited=info.invited, rate=_rate(info, respondents))]
    if _low(info, respondents):
        lines.append(ctx.t("stats_network_low_rate", rate=_rate(info, respondents)))
    return lines
