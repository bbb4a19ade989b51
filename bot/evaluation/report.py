"""What `report …` asks for, and the Reporter that builds the neutral Report for it.

Each kind (one round, trends, the network map, actions, the summary) lives in its own module,
built from the ReportContext of `context.py`; this one parses the words, picks the rounds the
reader may see and hands over.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from bot.evaluation import action_report, factors_report, journey_report, level_report, network_report, outcomes_report, partners_report, queries, round_report, summary, trend_report
from bot.evaluation.factors_model import FLOW as FACTORS_FLOW
from bot.evaluation.context import ReportContext
from bot.evaluation.scale_lines import BY_CHOICES
from bot.evaluation.synthesis import Synthesiser
from bot.settings import Settings
from flows.arguments import ArgumentError, parse_arguments, parse_id
from flows.messages import Audience, Report
from flows.turn import EngineConfig
from storage import repository as repo
from storage.models import Member, Network

KINDS = ("round", "trends", "network", "actions", "summary", "factors", "outcomes", "levels", "journey", "partners")
# The words of each kind in the three languages (the English one is the kind itself).
WORDS = {
    "factors": ("factors", "tekijät", "edellytykset", "faktorer", "förutsättningar"),
    "outcomes": ("outcomes", "tulokset", "vaikutukset", "resultat", "utfall"),
}
BY = {"sector": "sector", "sektori": "sector", "sektor": "sector", "side": "side", "puoli": "side", "sida": "side",
      "sector-side": "sector-side", "sektori-puoli": "sector-side", "sektor-sida": "sector-side",
      "level": "level", "levels": "level", "taso": "level", "nivå": "level"}
# What each kind can break down by; any other --by is refused with the reason (REFUSED, else
# stats_by_refused_KIND). `report --by level` is the levels report; the journey and the levels
# reports take no --by.
TAKES_BY = {"round": BY_CHOICES, "trends": (*BY_CHOICES, "level"), "actions": ("sector",), "network": (), "summary": (),
            "factors": (), "outcomes": (), "partners": (), "levels": (), "journey": ()}
REFUSED = {"factors": "report_factors_by_refused", "outcomes": "report_factors_by_refused", "partners": "partners_no_by"}


@dataclass(frozen=True, slots=True)
class ReportRequest:
    kind: str = "round"  # one of KINDS
    round_id: int | None = None  # None: the latest round
    since: datetime | None = None
    by: str | None = None  # sector | side | sector-side | level

    @classmethod
    def parse(cls, words: list[str]) -> "ReportRequest":
        args = parse_arguments(words)
        by = args.options.get("--by")
        if by is not None:
            if by.lower() not in BY:
                raise ArgumentError("stats_bad_by", value=by)
            by = BY[by.lower()]
        since = _date(args.options["--since"]) if "--since" in args.options else None
        rest = [w.lower() for w in args.words]
        if len(rest) > 1:
            raise ArgumentError("report_usage")
        word = rest[0] if rest else ""
        if word in ("", "latest"):
            return cls("levels" if by == "level" else "round", None, since, None if by == "level" else by)
        if word in ("trends", "trendit", "trender"):
            return cls("trends", None, since, by and by.lower())
        if word in ("network", "verkosto", "nätverk"):
            return cls("network", None, since, by and by.lower())
        if word in ("actions", "commitments", "sitoumukset", "åtaganden"):
            return cls("actions", None, since, by and by.lower())
        if word in ("summary", "yhteenveto", "sammanfattning"):
            return cls("summary", None, since, by and by.lower())
        for kind, names in WORDS.items():
            if word in names:
                return cls(kind, None, since, by and by.lower())
        if word in ("levels", "level", "tasot", "nivåer"):
            return cls("levels", None, since, None)
        if word in ("journey", "u", "matka", "resa"):
            return cls("journey", None, since, None)
        if word in ("partners", "kumppanuudet", "partnerskap"):
            return cls("partners", None, since, by and by.lower())
        if not word.removeprefix("#").isascii() or not word.removeprefix("#").isdigit():
            raise ArgumentError("report_usage")
        if by == "level":  # one round serves one level: there is nothing to break down
            raise ArgumentError("report_by_level_round")
        return cls("round", parse_id(word, "bad_round"), since, by and by.lower())


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise ArgumentError("report_bad_since", value=text) from None


class Reporter:
    def __init__(self, config: EngineConfig, settings: Settings, synthesiser: Synthesiser | None = None) -> None:
        self.config = config
        self.settings = settings
        self.synthesiser = synthesiser or Synthesiser.from_settings(settings)
        self.reverse = queries.reverse_items(config.flows)

    def context(
        self, tx: AsyncSession, network: Network, reader: Member | None, lang: str, audience: Audience, inline: bool = False
    ) -> ReportContext:
        threshold = max(3, self.config.anonymity_threshold)
        defer = None if inline else self.config.after_commit
        return ReportContext(tx, self.config, network, reader, lang, audience, threshold, self.synthesiser, self.reverse, defer)

    async def build(self, ctx: ReportContext, request: ReportRequest) -> Report:
        if request.by and request.by not in TAKES_BY[request.kind]:
            raise ArgumentError(REFUSED.get(request.kind, f"stats_by_refused_{request.kind}"), by=request.by, kind=request.kind)
        rounds = await queries.visible_rounds(ctx.tx, ctx.network, ctx.reader, request.since)
        if request.kind == "levels":
            return await level_report.build(ctx, rounds)
        if request.kind == "journey":
            return await journey_report.build(ctx)
        if request.kind == "trends" and request.by == "level":
            trends = await trend_report.build(ctx, rounds, None)
            return replace(trends, sections=(*trends.sections, await level_report.pulse_section(ctx, rounds)))
        if request.kind == "trends":
            return await trend_report.build(ctx, rounds, request.by)
        if request.kind == "network":
            return await network_report.build(ctx, rounds)
        if request.kind == "actions":
            return await action_report.build(ctx)  # with its level section whenever actions are tagged
        if request.kind == "summary":
            return await summary.build(ctx, rounds)
        if request.kind == "factors":
            return await factors_report.build(ctx, rounds)
        if request.kind == "outcomes":
            return await outcomes_report.build(ctx, rounds)
        if request.kind == "partners":
            return await partners_report.build(ctx, rounds)
        if request.round_id is None:
            if not rounds:
                raise ArgumentError("report_no_rounds")
            chosen = max(rounds, key=lambda r: (r.opens_at, r.id))
        else:
            chosen = next((r for r in rounds if r.id == request.round_id), None)
            if chosen is None:
                raise ArgumentError("report_bad_round", value=request.round_id)
        if chosen.flow_id == FACTORS_FLOW:
            return await factors_report.build(ctx, [r for r in rounds if (r.opens_at, r.id) <= (chosen.opens_at, chosen.id)])
        if chosen.flow_id == partners_report.FLOW:
            return await partners_report.build(ctx, [r for r in rounds if (r.opens_at, r.id) <= (chosen.opens_at, chosen.id)])
        if chosen.flow_id == network_report.MAP_FLOW:
            return await network_report.build(ctx, [r for r in rounds if (r.opens_at, r.id) <= (chosen.opens_at, chosen.id)])
        return await round_report.build(ctx, rounds, chosen, request.by)


async def build_report(tx: AsyncSession, config: EngineConfig, settings: Settings, request: ReportRequest, network_key: str, lang: str | None = None) -> Report:
    """A report as a coordinator sees it, for tools outside chat (the CLI, the benchmark)."""
    network = await repo.network_by_key(tx, network_key)
    if network is None:
        raise ArgumentError("report_no_network", value=network_key)
    reporter = Reporter(config, settings)
    audience = Audience.channel(f"{network.key}:report")
    return await reporter.build(reporter.context(tx, network, None, lang or network.language, audience, inline=True), request)
