"""What `yhdessa run` starts (the console, or the platforms that are configured), what stops a
command before it starts (a missing optional extra, no platform for --no-console), and the console's
first line. Light on imports: cli.main calls it before the database's libraries are loaded."""

from __future__ import annotations

import argparse
import getpass
import re
import sys

from bot.settings import Settings
from flows.events import MemberRef


def console_member(name: str | None) -> MemberRef:
    name = (name or getpass.getuser() or "me").strip()
    user = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-") or "me"
    return MemberRef("console", "local", user, name)


def choose_adapters(settings: Settings, asked: list[str] | None) -> list[str]:
    if asked:
        return list(dict.fromkeys(asked))
    chosen = [name for name, on in (("slack", settings.slack_configured), ("teams", settings.teams_configured)) if on]
    return chosen or ["console"]


def greet_console(settings: Settings, args: argparse.Namespace) -> None:
    """In a terminal, the console's first line comes before the database is opened and migrated, so
    whoever started it sees at once that it runs. It is in the network's default language: the
    member's own is in the database, not open yet. Pipes and scripts get no banner."""
    if choose_adapters(settings, args.adapter) != ["console"] or not sys.stdin.isatty():
        return
    from flows.i18n import Catalog

    member = console_member(args.as_name)
    print(Catalog.load().t(settings.language, "console_banner", name=member.display_name or member.user), flush=True)


def start_problem(settings: Settings, args: argparse.Namespace) -> str | None:
    """Why this command must not start with these settings, said as what to do; or None."""
    import importlib.util

    if args.command in ("run", "report") and (settings.openai_api_key or settings.openai_base_url) and importlib.util.find_spec("openai") is None:
        return (
            "setting error: OPENAI_API_KEY or OPENAI_BASE_URL is set, but the LLM support is not installed: "
            "pip install 'yhdessa[llm]' (or unset both for the extractive summary)"
        )
    if args.command == "run" and args.no_console and "console" in choose_adapters(settings, args.adapter):
        return (
            "--no-console: no platform is configured; set SLACK_BOT_TOKEN (or SLACK_CLIENT_ID) for Slack, "
            "YHDESSA_TEAMS_APP_ID for Teams, or name one with --adapter slack or --adapter teams"
        )
    return None
