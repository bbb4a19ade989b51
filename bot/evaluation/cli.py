"""`yhdessa report [--html FILE] [--network KEY] [trends|network|ROUND]`: the report outside chat."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # `yhdessa --help` registers this parser without loading pydantic
    from bot.settings import Settings


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("report", help="print the evaluation report, or write it as one HTML file")
    parser.add_argument("what", nargs="*", default=[], help="nothing (latest round and trends), ROUND, trends, network, factors or outcomes")
    parser.add_argument("--html", default=None, metavar="FILE", help="write a self-contained HTML page (charts inside)")
    parser.add_argument("--network", default="console:local", help="network key (default console:local)")
    parser.add_argument("--by", choices=("sector", "side", "level"), default=None)
    parser.add_argument("--since", default=None, metavar="YYYY-MM-DD")
    parser.add_argument("--lang", choices=("fi", "sv", "en"), default=None, help="language (default: the network's)")
    parser.set_defaults(handler=run)


def _requests(args: argparse.Namespace, rounds: list[Any], threshold: int) -> list[list[str]]:
    from flows.registry import PULSE_DIMENSIONS  # here, not at the top: `yhdessa --help` stays light
    from storage.privacy import too_small

    options = (["--by", args.by] if args.by else []) + (["--since", args.since] if args.since else [])
    if args.what:
        return [[*args.what, *options]]
    # With nothing named, the page holds what a partner would want: a summary, the trends, the
    # latest reportable round of each other kind of flow (check-in, reflection …), the commitments
    # and the network map. Pulse rounds are in the trends: their figures are shown once.
    latest: dict[str, Any] = {}
    for info in rounds:
        if info.flow_id not in ("network-map", "partners") and info.flow_id not in PULSE_DIMENSIONS.values() and not too_small(info.done, threshold) and info.done:
            latest[info.flow_id] = info
    chosen = sorted(latest.values(), key=lambda r: (r.opens_at, r.id), reverse=True)[:4]
    chosen = [r for r in chosen if r.flow_id != "factors"]  # the factors report below shows its latest round
    per_round = [o for o in options if o != "level" and o != "--by"] if args.by == "level" else options
    # Relations between organisations have a report of their own (closed rounds only).
    partners = [["partners"]] if any(r.flow_id == "partners" and r.status == "closed" for r in rounds) else []
    return [["summary", *options], ["journey"], ["trends", *options], ["outcomes"], *([str(r.id), *per_round] for r in chosen), ["factors"], ["actions"], ["levels"], ["network"], *partners]


async def run(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.console.render import render_report
    from bot.app import build_core
    from bot.evaluation import html
    from bot.evaluation.queries import visible_rounds
    from bot.evaluation.report import ReportRequest, build_report
    from flows.arguments import ArgumentError
    from storage.privacy import effective_threshold
    from storage import repository as repo

    core = await build_core(settings)
    try:
        reports = []
        async with core.db.transaction() as tx:
            network = await repo.network_by_key(tx, args.network)
            if network is None:
                print(f"yhdessa: there is no network {args.network!r} in {settings.database_url}", file=sys.stderr)
                return 2
            lang = args.lang or network.language
            threshold = effective_threshold(settings.anonymity_threshold)
            for words in _requests(args, await visible_rounds(tx, network, None), threshold):
                try:
                    request = ReportRequest.parse(words)
                    reports.append(await build_report(tx, core.config, settings, request, network.key, lang))
                except ArgumentError as problem:
                    if args.what:
                        print(f"yhdessa: {core.catalog.t(lang, problem.key, **problem.values)}", file=sys.stderr)
                        return 2
            name = network.name
        catalog = core.catalog
    finally:
        await core.close()
    if args.html:
        now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        page = html.render(catalog.t(lang, "report_html_title", network=name), reports, catalog.t(lang, "report_html_footer", date=now), lang)
        Path(args.html).write_text(page, encoding="utf-8")
        print(catalog.t(lang, "console_written", path=Path(args.html).resolve()))
        return 0
    charts_dir = Path(settings.chart_dir)
    charts_dir.mkdir(parents=True, exist_ok=True)
    for report in reports:
        print(render_report(report))
        for chart in report.charts:
            path = charts_dir / chart.filename
            path.write_bytes(chart.png)
            print(catalog.t(lang, "console_chart", alt=chart.alt_text, path=path.resolve()))
        print()
    return 0
