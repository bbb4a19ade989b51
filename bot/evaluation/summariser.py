"""What is posted when a round closes: the round's report, charts included (flows.turn.Summariser)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot.evaluation import partners_report, queries, round_report
from bot.evaluation.report import Reporter
from flows.arguments import ArgumentError
from flows.messages import Audience, Notice, Outbound
from storage.models import Network, Round

log = logging.getLogger(__name__)


class ReportSummariser:
    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter

    async def round_closed(self, tx: AsyncSession, network: Network, round_: Round, audience: Audience) -> list[Outbound]:
        # Posted to a channel or to coordinators: the aggregate view, in the network's language.
        ctx = self.reporter.context(tx, network, None, network.language, audience)
        rounds = await queries.visible_rounds(tx, network, None)
        chosen = next((r for r in rounds if r.id == round_.id), None)
        if chosen is None:
            return []
        # Keep the settled round's pulse aggregates now, so later trend reports need not recompute them.
        await queries.dimension_trends(tx, [chosen], ctx.reverse)
        try:
            if chosen.flow_id == partners_report.FLOW:  # its figures pass the pair rules, never a plain round report
                report = await partners_report.build(ctx, [r for r in rounds if (r.opens_at, r.id) <= (chosen.opens_at, chosen.id)])
            else:
                report = await round_report.build(ctx, rounds, chosen, None)
        except ArgumentError as problem:
            return [Notice(audience, ctx.t(problem.key, **problem.values), network.language)]
        return [report]
