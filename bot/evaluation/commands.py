"""The `report` verb: `report`, `report <round>`, `report trends [--since DATE]`, `report network`, `--by sector|side`.

Members see the same aggregate view as coordinators, for the rounds shared with them; nobody ever
sees an individual's answers here.
"""

from __future__ import annotations

from bot.evaluation import digest_commands, vision
from bot.evaluation.report import Reporter, ReportRequest
from bot.evaluation.summariser import ReportSummariser
from bot.settings import Settings
from flows.messages import Audience
from flows.turn import EngineConfig, Turn
from storage.database import Database


class ReportCommand:
    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter

    async def __call__(self, turn: Turn, words: list[str]) -> None:
        request = ReportRequest.parse(words)
        # Always to the asker: a channel may hold people the rounds were not shared with.
        audience = Audience.member(turn.member.key)
        ctx = self.reporter.context(turn.tx, turn.network, turn.member, turn.lang, audience)
        turn.emit(await self.reporter.build(ctx, request))


def register(config: EngineConfig, settings: Settings, db: Database) -> None:
    reporter = Reporter(config, settings)
    command = ReportCommand(reporter)
    for verb in ("report", "raportti", "rapport"):
        config.extra_commands[verb] = command
    config.summariser = ReportSummariser(reporter)
    config.extra_help.extend(("report_help", "report_help_actions"))
    digest_commands.register(config, reporter)
    vision.register(config, reporter.synthesiser)
