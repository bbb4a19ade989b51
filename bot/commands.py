"""What each `yhdessa` subcommand does; each builds the core through the composition root."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from bot.app import Core, build_core
from bot.launch import choose_adapters, console_member
from bot.settings import Settings
from flows.events import MemberRef, NetworkRef
from flows.messages import Prompt
from storage.health import WRITE_FAULTS

log = logging.getLogger(__name__)


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    adapters = choose_adapters(settings, args.adapter)
    if "console" in adapters and len(adapters) > 1:
        print("yhdessa: the console adapter runs on its own; leave out --adapter console to serve Slack or Teams", file=sys.stderr)
        return 2
    core = await build_core(settings)
    try:
        if adapters == ["console"]:
            return await run_console(core, console_member(args.as_name))
        from bot.server import serve

        return await serve(core, adapters, args.host, args.port)
    finally:
        await core.close()


async def run_console(core: Core, member: MemberRef) -> int:
    from adapters.console.render import render_prompt
    from adapters.console.runner import NETWORK, run_console as loop
    from adapters.console.transport import ConsoleTransport

    if core.settings.log_level.upper() == "INFO":
        logging.getLogger().setLevel(logging.WARNING)  # the terminal is the conversation
    transport = ConsoleTransport(core.catalog, member.key, Path(core.settings.chart_dir))
    dispatcher = core.start_delivery({"console": transport})

    async def announce(prompts: list[Prompt]) -> None:
        if prompts:
            print(core.catalog.t(prompts[0].language, "console_resume"))
            print(render_prompt(prompts[0]))
            print()

    async def pending() -> list[Prompt]:
        return await core.engine.pending_prompts(NETWORK, member)

    from bot.background import finish_digests, purge_outbox, start_scheduler

    # Scheduled rounds fire while someone is in the console too; the background dispatcher shows
    # their prompts without waiting for the next line.
    scheduler = await start_scheduler(core)
    background = asyncio.create_task(dispatcher.run(), name="outbox")
    async def handle(event: Any) -> None:
        """A turn that fails for a reason we did not foresee is said in one line, and the console goes on."""
        try:
            await core.handle(event)
        except Exception as exc:
            log.error("the turn failed: %r", exc, exc_info=log.isEnabledFor(logging.DEBUG))
            print(core.catalog.t(core.settings.language, "error_generic"))

    async def deliver() -> None:
        try:
            await dispatcher.drain()
        except WRITE_FAULTS as exc:  # the outbox cannot be claimed now; the background run retries
            log.warning("delivery waits: the database cannot be written: %s", str(getattr(exc, "orig", exc)).splitlines()[0])

    purging = asyncio.create_task(purge_outbox(core), name="outbox-purge")
    inbox = asyncio.create_task(core.inbox.run(), name="inbox")  # prunes the keys of handled events
    launches = asyncio.create_task(core.engine.launcher.run(), name="launches")  # launches a crash left unfinished
    digests = asyncio.create_task(finish_digests(core), name="digests")  # and digests
    try:
        await loop(member, handle, deliver, pending, announce)
        if core.config.after_commit is not None:
            await core.config.after_commit.wait()  # a synthesis still on its way is shown before exit
            await dispatcher.drain()
    finally:
        dispatcher.stop()
        purging.cancel()
        inbox.cancel()
        launches.cancel()
        digests.cancel()
        await asyncio.gather(background, purging, inbox, launches, digests, return_exceptions=True)
        if scheduler is not None:
            await scheduler.stop()
    return 0


async def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo import fill_demo

    core = await build_core(settings)
    try:
        summary = await fill_demo(core, console_member(args.as_name), members=args.members, months=args.months, seed=args.seed)
    finally:
        await core.close()
    print(summary)
    return 0


async def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from storage import repository as repo
    from storage.export import export_rows, to_csv, to_json

    core = await build_core(settings, extensions=False)
    try:
        async with core.db.transaction() as tx:
            network = await repo.network_by_key(tx, args.network)
            if network is None:
                print(f"yhdessa: there is no network {args.network!r} in {settings.database_url}", file=sys.stderr)
                return 2
            rows = await export_rows(tx, network, args.round, settings.anonymity_threshold)
    finally:
        await core.close()
    text = to_csv(rows) if args.format == "csv" else to_json(rows) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {len(rows)} answers to {args.output}", file=sys.stderr)
    return 0


async def cmd_members(settings: Settings, args: argparse.Namespace) -> int:
    from flows.rounds import ensure_member
    from storage import repository as repo

    core = await build_core(settings, extensions=False)
    try:
        if args.members_command == "grant":
            try:
                ref = MemberRef.parse(args.key)
            except ValueError as exc:
                print(f"yhdessa: {exc}", file=sys.stderr)
                return 2
            network_ref = NetworkRef(*args.network.split(":", 1)) if args.network else NetworkRef(ref.platform, ref.workspace)
            async with core.db.transaction() as tx:
                network = await core.engine.network(tx, network_ref)
                member, _ = await ensure_member(tx, core.config, network, ref)
                member.role = "coordinator"
                await repo.audit(tx, network.id, "cli", "role_grant", member=member.key)
            print(f"{ref.key} is now a coordinator of {network_ref.key}")
            return 0
        async with core.db.transaction() as tx:
            network = await repo.network_by_key(tx, args.network)
            everyone = await repo.members_of(tx, network.id) if network else []
        for m in everyone:
            print(f"{m.key}\t{m.display_name}\t{m.role}\t{m.organisation or ''}\t{m.sector or ''}\t{m.side or ''}")
        return 0
    finally:
        await core.close()


async def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    core = await build_core(settings, extensions=False)
    await core.close()
    print(f"database schema is up to date ({core.db.dialect})")
    return 0
