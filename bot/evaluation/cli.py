"""`yhdessa report [--html FILE] [--pdf FILE] [--for partners] [--network KEY] [trends|network|ROUND]`:
the report outside chat; `--for partners` is the shareable report for partners and funders."""

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
    parser.add_argument("--pdf", default=None, metavar="FILE", help="write the report as a PDF (A4, charts inside)")
    parser.add_argument("--for", dest="reader", choices=("partners",), default=None, help="partners: the report for partners and funders (nothing below the threshold, no names)")
    parser.add_argument("--network", default="console:local", help="network key (default console:local)")
    parser.add_argument("--by", choices=("sector", "side", "sector-side", "level"), default=None, help="break figures down by group (rounds and trends; actions by sector; level: the levels report)")
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
    # --by goes to the kinds that break down by group; the summary and the map are the whole network's.
    since = ["--since", args.since] if args.since else []
    per_round = since if args.by == "level" else options  # one round serves one level
    # Relations between organisations have a report of their own (closed rounds only).
    partners = [["partners"]] if any(r.flow_id == "partners" and r.status == "closed" for r in rounds) else []
    actions = options if args.by in ("sector", None) else since
    return [["summary", *since], ["journey"], ["trends", *options], ["outcomes"], *([str(r.id), *per_round] for r in chosen), ["factors"], ["actions", *actions], ["levels"], ["network"], *partners]


async def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_core
    from bot.evaluation import funders
    from bot.evaluation.queries import visible_rounds
    from bot.evaluation.report import ReportRequest, _date, build_report
    from flows.arguments import ArgumentError
    from storage.privacy import effective_threshold
    from storage import repository as repo

    # Callers that build the namespace themselves (tests, older scripts) may leave the newer options out.
    args.reader, args.pdf = getattr(args, "reader", None), getattr(args, "pdf", None)
    if args.reader and (args.what or args.by):
        print("yhdessa: --for partners is one whole report: it takes no ROUND, trends or --by", file=sys.stderr)
        return 2
    core = await build_core(settings)
    try:
        reports: list[Any] = []
        document = None
        async with core.db.transaction() as tx:
            network = await repo.network_by_key(tx, args.network)
            if network is None:
                print(f"yhdessa: there is no network {args.network!r} in {settings.database_url}", file=sys.stderr)
                return 2
            lang = args.lang or network.language
            try:
                if args.reader == "partners":
                    since = _date(args.since) if args.since else None
                    document = await funders.build_for_partners(tx, core.config, settings, network.key, lang, since)
                else:
                    threshold = effective_threshold(settings.anonymity_threshold)
                    for words in _requests(args, await visible_rounds(tx, network, None), threshold):
                        try:
                            reports.append(await build_report(tx, core.config, settings, ReportRequest.parse(words), network.key, lang))
                        except ArgumentError:
                            if args.what:
                                raise
            except ArgumentError as problem:
                print(f"yhdessa: {core.catalog.t(lang, problem.key, **problem.values)}", file=sys.stderr)
                return 2
            name = network.name
        catalog = core.catalog
    finally:
        await core.close()
    return _write(args, Path(settings.chart_dir), catalog, lang, name, reports, document)


def _write(args: argparse.Namespace, charts_dir: Path, catalog: Any, lang: str, name: str, reports: list[Any], document: Any) -> int:
    from adapters.console.render import render_report
    from bot.evaluation import funders_html, funders_pdf, html
    from bot.evaluation.funders_context import Document, parts_of

    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if document is None and args.pdf:
        footer = catalog.t(lang, "report_html_footer", date=now)
        document = Document(catalog.t(lang, "report_html_title", network=name), "", parts_of(reports), footer, lang)
    written = []
    if args.html:
        page = funders_html.render(document) if args.reader else html.render(catalog.t(lang, "report_html_title", network=name), reports, catalog.t(lang, "report_html_footer", date=now), lang)
        Path(args.html).write_text(page, encoding="utf-8")
        written.append(args.html)
    if args.pdf:
        Path(args.pdf).write_bytes(funders_pdf.render(document))
        written.append(args.pdf)
    for path in written:
        print(catalog.t(lang, "console_written", path=Path(path).resolve()))
    if written:
        return 0
    if document is not None:
        print(_text(document))
        return 0
    charts_dir.mkdir(parents=True, exist_ok=True)
    for report in reports:
        print(render_report(report))
        for chart in report.charts:
            path = charts_dir / chart.filename
            path.write_bytes(chart.png)
            print(catalog.t(lang, "console_chart", alt=chart.alt_text, path=path.resolve()))
        print()
    return 0


def _text(document: Any) -> str:
    """The report for partners in a terminal: its headings and lines (the pictures need --html or --pdf)."""
    out = [f"══ {document.title} ══", document.subtitle, ""]
    for part in document.parts:
        out.append(part.heading)
        out.extend(f"  {line}" for block in part.blocks for line in block.lines)
        out.append("")
    out.append(document.footer)
    return "\n".join(out)
