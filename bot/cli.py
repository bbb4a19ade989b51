"""The `yhdessa` command. Heavy libraries are imported inside each subcommand, so --help is fast."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Coroutine
from typing import Any

ADAPTERS = ("console", "slack", "teams")


def _number(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse type: a whole number in ASCII digits within bounds (int() takes '²' and '1_0')."""

    def parse(text: str) -> int:
        from flows.arguments import as_int

        number = as_int(text, minimum, maximum)
        if number is None:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number from {minimum} to {maximum}")
        return number

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yhdessa", description="Yhdessä: a facilitator bot for collaboration networks.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot (the console when no platform is configured)")
    run.add_argument("--adapter", action="append", choices=ADAPTERS, help="console, slack or teams; repeat to serve several")
    run.add_argument("--as", dest="as_name", default=None, help="console: act as this member (default: your user name)")
    run.add_argument("--host", default="127.0.0.1", help="HTTP host for Slack and Teams (default 127.0.0.1)")
    run.add_argument("--port", type=_number(1, 65535), default=3978, help="HTTP port for Slack and Teams (default 3978)")
    run.add_argument(
        "--no-console", action="store_true", help="never fall back to the console: stop with a message when no platform is configured (servers, containers)"
    )

    demo = sub.add_parser("demo", help="fill the console network with members and months of past rounds")
    demo.add_argument("--as", dest="as_name", default=None, help="this member becomes a coordinator")
    demo.add_argument("--members", type=_number(1, 1000), default=30)
    demo.add_argument("--months", type=_number(1, 60), default=6)
    demo.add_argument("--seed", type=_number(0, 2**31 - 1), default=7)

    export = sub.add_parser(
        "export",
        help="write the answers as CSV or JSON (anonymous rows carry no member); with --output, the actions beside them",
    )
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--round", type=_number(1, 2_147_483_647), default=None)
    export.add_argument("--network", default="console:local", help="network key, e.g. slack:T0123 (default console:local)")
    export.add_argument(
        "--output", "-o", default="-", help="file to write (default: standard output); the actions go to NAME-actions.EXT beside it"
    )
    export.add_argument("--actions", action="store_true", help="write the network's agreements and commitments instead of the answers")

    members = sub.add_parser("members", help="list members or grant the coordinator role")
    msub = members.add_subparsers(dest="members_command", metavar="ACTION", required=True)
    grant = msub.add_parser("grant", help="make a member a coordinator")
    grant.add_argument("key", help="member key, e.g. slack:T0123:U0456 or console:local:alice")
    grant.add_argument("--network", default=None, help="network key (default: the key's platform:workspace)")
    lst = msub.add_parser("list", help="list the members of a network")
    lst.add_argument("--network", default="console:local")

    db = sub.add_parser("db", help="database maintenance")
    dbsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    dbsub.add_parser("upgrade", help="bring the schema up to date")

    for name, register in _extra_parsers():
        register(sub)
    return parser


def _extra_parsers() -> list[tuple[str, Callable[[Any], None]]]:
    """Subcommands of optional parts (reports, Teams packaging) that add themselves when present."""
    found = []
    for module_name in ("bot.evaluation.cli", "adapters.teams.package"):
        try:
            module = __import__(module_name, fromlist=["add_parser"])
        except ModuleNotFoundError:
            continue
        found.append((module_name, module.add_parser))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    import asyncio
    import logging

    from bot.settings import SettingsError, load_settings
    from flows.i18n import CatalogError
    from flows.loader import FlowError
    from storage.health import DatabaseUnavailable

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"yhdessa: setting error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Migrations and the scheduler's five-second polls would fill the log at INFO.
    if logging.getLogger().level >= logging.INFO:  # YHDESSA_LOG_LEVEL=DEBUG still shows them
        for chatty in ("alembic", "apscheduler"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
    from bot.launch import greet_console, start_problem

    problem = start_problem(settings, args)
    if problem:
        print(f"yhdessa: {problem}", file=sys.stderr)
        return 2
    if args.command == "run":
        greet_console(settings, args)
    from bot import commands

    handler: Callable[[Any, Any], Coroutine[Any, Any, int]] = getattr(commands, f"cmd_{args.command.replace('-', '_')}", None) or args.handler
    try:
        return asyncio.run(handler(settings, args))
    except (FlowError, CatalogError) as exc:
        print(f"yhdessa: {exc}", file=sys.stderr)
        return 2
    except SettingsError as exc:  # an adapter found a setting missing while starting
        print(f"yhdessa: setting error: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:
        print(f"yhdessa: YHDESSA_DATABASE_URL: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the port is taken, a folder cannot be written: the system says why
        if exc.errno is None:
            raise
        print(f"yhdessa: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
