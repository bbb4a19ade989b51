"""What runs beside every front end, the console included: the outbox purge and the scheduler.

Kept apart from bot.server so the console starts without loading aiohttp's web server.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.app import Core

log = logging.getLogger(__name__)

PURGE_EVERY = 3600.0


async def purge_outbox(core: Core, every: float = PURGE_EVERY) -> None:
    """Hourly: delivered outbox rows older than YHDESSA_OUTBOX_RETENTION_DAYS are deleted."""
    from datetime import timedelta

    from storage import chart_images, outbox

    retention = timedelta(days=core.settings.outbox_retention_days)
    while True:
        try:
            async with core.db.transaction() as tx:
                purged = await outbox.purge_delivered(tx, retention)
                charts = await chart_images.purge(tx, retention)
            if purged:
                log.info("purged %d delivered outbox rows older than %s", purged, retention)
            if charts:
                log.info("purged %d chart images no message names any more", charts)
        except Exception:  # the next hour tries again; a purge must never stop the server
            log.exception("purging the outbox failed")
        await asyncio.sleep(every)


async def start_scheduler(core: Core) -> Any:
    """The scheduler service, started, if the scheduling module is installed."""
    try:
        module = importlib.import_module("bot.scheduling.service")
    except ModuleNotFoundError:
        return None
    scheduler = module.SchedulerService(core)
    await scheduler.start()
    return scheduler


async def finish_digests(core: Core) -> None:
    """Digests a crash (or another process) left to be queued: see bot/evaluation/digest_fanout.py."""
    from bot.evaluation.digest_fanout import DigestFanout

    await DigestFanout(core.db, core.config).run()
