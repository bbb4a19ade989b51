"""What is posted when a round closes: the round's report, charts included (flows.turn.Summariser)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot.evaluation import queries, round_report
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
            report = await round_report.build(ctx, rounds, chosen, None)
        except ArgumentError as problem:
            return [Notice(audience, ctx.t(problem.key, **problem.values), network.language)]
        return [report]
