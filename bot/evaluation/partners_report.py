"""`report partners`: trust and value between the network's organisations, as figures and a map.

Every figure comes from bot/evaluation/partners.py, which shows only the cells that
storage/pair_privacy.py allows: no organisation, pair or change behind fewer raters than the
threshold, nor one that could be worked out from the others or from an earlier round.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.evaluation import partner_chart, queries
from bot.evaluation.context import ReportContext
from bot.evaluation.partners import FLOW, WAYS, Cell, RoundFigures, history
from flows.arguments import ArgumentError
from flows.messages import Chart, Report, ReportSection
from storage.pair_privacy import CellKey

STEADY = 0.2  # a change of trust smaller than this (on 1–4) reads as "about the same"


def _label(key: CellKey) -> str:
    return key[1] if key[0] == "organisation" else f"{key[1]} – {key[2]}"


def _line(ctx: ReportContext, cell: Cell, ways: bool = False) -> str:
    text = ctx.t("partners_cell", name=_label(cell.key), trust=ctx.num(cell.trust), value=ctx.num(cell.value), n=cell.raters)
    if ways:
        shares = ", ".join(ctx.t(f"partners_way_{w}", share=round(100 * cell.ways[w])) for w in WAYS)
        text += " " + ctx.t("partners_pair_detail", often=ctx.num(cell.often), ways=shares)
    return text


def _network_lines(ctx: ReportContext, figures: RoundFigures) -> list[str]:
    lines = [ctx.t("report_participation_line", done=figures.info.done, invited=figures.info.invited, rate=round(100 * (figures.info.rate or 0)))]
    cell = figures.network
    if cell is None:
        lines.append(ctx.t("report_suppressed", threshold=ctx.threshold))
    else:
        lines.append(ctx.t("partners_network_line", trust=ctx.num(cell.trust), value=ctx.num(cell.value), n=cell.raters, ratings=cell.ratings))
    return lines


def _hidden(ctx: ReportContext, figures: RoundFigures, kind: str) -> list[str]:
    count = figures.hidden.get(kind, 0)
    return [ctx.t(f"partners_hidden_{kind}", count=count, threshold=ctx.threshold)] if count else []


def _changes(ctx: ReportContext, before: RoundFigures, now: RoundFigures) -> ReportSection:
    """Cells shown in both rounds only: a difference against a hidden figure would reveal it."""
    grew, weakened, steady, organisations = [], [], 0, []
    for key, cell in sorted(now.shown.items()):
        old = before.shown.get(key)
        if old is None or key[0] == "network":
            continue
        delta = cell.trust - old.trust
        line = ctx.t("partners_change_line", name=_label(key), before=ctx.num(old.trust), after=ctx.num(cell.trust), change=ctx.sign(delta), value=ctx.sign(cell.value - old.value))
        if key[0] == "organisation":
            organisations.append((-delta, line))
        elif delta >= STEADY:
            grew.append((delta, line))
        elif delta <= -STEADY:
            weakened.append((delta, line))
        else:
            steady += 1
    lines: list[str] = []
    if now.network is not None and before.network is not None:
        lines.append(ctx.t("partners_change_network", trust=ctx.sign(now.network.trust - before.network.trust), value=ctx.sign(now.network.value - before.network.value)))
    if grew:
        lines.append(ctx.t("partners_grew"))
        lines.extend("  " + line for _, line in sorted(grew, reverse=True))
    if weakened:
        lines.append(ctx.t("partners_weakened"))
        lines.extend("  " + line for _, line in sorted(weakened))
    if steady:
        lines.append(ctx.t("partners_steady", count=steady))
    if organisations:
        lines.append(ctx.t("partners_organisations_changed"))
        lines.extend("  " + line for _, line in sorted(organisations))
    if not grew and not weakened and not steady and not organisations:
        lines.append(ctx.t("partners_no_comparable", threshold=ctx.threshold))
    heading = ctx.t("partners_changes_heading", id=before.info.id, date=before.info.opens_at.date().isoformat())
    return ReportSection(heading, tuple(lines))


def sections(ctx: ReportContext, done: Sequence[RoundFigures]) -> list[ReportSection]:
    figures = done[-1]
    out = [ReportSection(ctx.t("partners_network_heading"), tuple(_network_lines(ctx, figures)))]
    orgs = [_line(ctx, c) for c in sorted(figures.of_kind("organisation"), key=lambda c: -c.trust)]
    out.append(ReportSection(ctx.t("partners_organisations_heading"), tuple(orgs + _hidden(ctx, figures, "organisation"))))
    if figures.info.anonymous:
        pairs = [ctx.t("partners_anonymous_no_pairs")]
    else:
        pairs = [_line(ctx, c, ways=True) for c in sorted(figures.of_kind("pair"), key=lambda c: -c.trust)] + _hidden(ctx, figures, "pair")
    out.append(ReportSection(ctx.t("partners_pairs_heading"), tuple(pairs or [ctx.t("partners_no_pairs", threshold=ctx.threshold)])))
    if len(done) > 1:
        out.append(_changes(ctx, done[-2], figures))
    out.append(ReportSection(ctx.t("partners_about_heading"), (ctx.t("partners_about"),)))
    return out


def chart(ctx: ReportContext, figures: RoundFigures, title: str) -> Chart | None:
    pairs = figures.of_kind("pair")
    if not pairs:
        return None
    edges = [(c.key[1], c.key[2], c.trust, c.raters) for c in pairs]
    png = partner_chart.draw(title, figures.organisations, edges, ctx.t("partners_chart_colour"), ctx.t("partners_chart_note", threshold=ctx.threshold), ctx.lang)
    strongest, weakest = max(pairs, key=lambda c: c.trust), min(pairs, key=lambda c: c.trust)
    alt = ctx.t(
        "partners_chart_alt",
        organisations=len(figures.organisations),
        pairs=len(pairs),
        hidden=figures.hidden.get("pair", 0),
        strongest=_label(strongest.key),
        high=ctx.num(strongest.trust),
        weakest=_label(weakest.key),
        low=ctx.num(weakest.trust),
    )
    return Chart(ctx.audience, png, alt, title, f"partners-{figures.info.id}.png", ctx.lang)


async def _done(ctx: ReportContext, rounds: Sequence[queries.RoundInfo]) -> list[RoundFigures]:
    """The closed partners rounds the reader may see, up to the latest of `rounds`. What a round
    shows is decided over every earlier round of the network, seen by this reader or not: two
    readers must never get different cells of one round (together they would undo rule C)."""
    mine = {r.id for r in rounds if r.flow_id == FLOW}
    if not mine:
        return []
    last = max((r.opens_at, r.id) for r in rounds if r.id in mine)
    everything = [r for r in await queries.visible_rounds(ctx.tx, ctx.network, None) if (r.opens_at, r.id) <= last]
    return [f for f in await history(ctx.tx, everything, ctx.threshold) if f.info.id in mine]


async def build(ctx: ReportContext, rounds: Sequence[queries.RoundInfo]) -> Report:
    """The latest closed partners round among `rounds` (an open one's figures would change as
    answers come in, and two looks would differ by one rater)."""
    if not any(r.flow_id == FLOW for r in rounds):
        raise ArgumentError("partners_no_round")
    done = await _done(ctx, rounds)
    if not done:
        raise ArgumentError("partners_still_open")
    figures = done[-1]
    title = ctx.t("partners_title", id=figures.info.id, date=figures.info.opens_at.date().isoformat())
    drawn = chart(ctx, figures, title)
    return Report(ctx.audience, title, tuple(sections(ctx, done)), (drawn,) if drawn else (), ctx.lang)


async def section(ctx: ReportContext, rounds: Sequence[queries.RoundInfo] | None = None) -> ReportSection | None:
    """One section on relations between organisations, for other reports (the funders' page):
    the network's trust and value, its organisations and the pairs shown; None without a closed round."""
    if rounds is None:
        rounds = await queries.visible_rounds(ctx.tx, ctx.network, ctx.reader)
    done = await _done(ctx, rounds)
    if not done:
        return None
    parts = sections(ctx, done)
    lines = [line for part in parts[:3] for line in part.lines]
    return ReportSection(ctx.t("partners_section_heading", id=done[-1].info.id), tuple(lines))
