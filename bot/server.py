"""One process: an aiohttp server for Slack and Teams, with the outbox dispatcher and the scheduler
running in the same event loop."""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import signal
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web

from adapters.transport import Transport
from bot.app import Core
from bot.background import finish_digests, purge_outbox, start_scheduler

log = logging.getLogger(__name__)
CORE = web.AppKey("core", Core)


@dataclass
class Mounted:
    """What an adapter's `mount()` gives back: its transport and anything it runs in the background."""

    transport: Transport
    background: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    cleanup: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


class Mount(Protocol):
    def __call__(self, app: web.Application, core: Core) -> Awaitable[Mounted]: ...


async def healthz(request: web.Request) -> web.Response:
    core = request.app[CORE]
    try:
        problem = await core.db.write_problem()
    except Exception as exc:  # reported, not raised: a health check answers
        problem = exc.__class__.__name__
    if problem is not None:
        log.warning("healthz: the database cannot be written: %s", problem)
        return web.json_response({"status": "unhealthy", "database": problem}, status=503)
    return web.json_response({"status": "ok", "adapters": sorted(core.transports)})


async def build_web_app(core: Core, adapters: list[str]) -> tuple[web.Application, list[Mounted]]:
    app = web.Application()
    app[CORE] = core
    app.router.add_get("/healthz", healthz)
    mounted: list[Mounted] = []
    for name in adapters:
        module = importlib.import_module(f"adapters.{name}.mount")
        result: Mounted = await module.mount(app, core)
        core.transports[result.transport.platform] = result.transport
        mounted.append(result)
    return app, mounted


async def serve(core: Core, adapters: list[str], host: str, port: int, ready: asyncio.Event | None = None) -> int:
    if not core.settings.public_url:  # links to this process (Teams chart images) in local development
        core.settings.public_url = f"http://{'127.0.0.1' if host in ('', '0.0.0.0', '::') else host}:{port}"
    app, mounted = await build_web_app(core, adapters)
    # The lease owner is this host and port: a process restarted in its place takes its rows back.
    dispatcher = core.start_delivery({}, identity=f"{socket.gethostname()[:24]}:{port}" if port else None)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    await dispatcher.reclaim()
    # Everything built so far lives as long as the process: keep the collector from walking it again
    # and again, which shows as pauses in the acknowledgement latency.
    gc.collect()
    gc.freeze()
    log.info("Yhdessä listens on http://%s:%d (%s)", host, port, ", ".join(adapters))
    tasks = [
        asyncio.create_task(dispatcher.run(), name="outbox"),
        asyncio.create_task(purge_outbox(core), name="outbox-purge"),
        asyncio.create_task(core.inbox.run(), name="inbox"),
        asyncio.create_task(core.engine.launcher.run(), name="launches"),  # launches a crash left unfinished
        asyncio.create_task(finish_digests(core), name="digests"),  # and digests
    ]
    for m in mounted:
        tasks += [asyncio.create_task(job(), name="adapter") for job in m.background]
    scheduler = await start_scheduler(core)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    if ready is not None:
        ready.set()
    await stop.wait()
    log.info("Yhdessä stops")
    if scheduler is not None:
        await scheduler.stop()
    dispatcher.stop()
    await core.inbox.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for m in mounted:
        for job in m.cleanup:
            await job()
    await runner.cleanup()
    return 0
