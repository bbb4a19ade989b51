"""One bot process running only the scheduler, for the multi-process test.

Usage: python -m tests.scheduling.run_scheduler DATABASE_URL CLOCK_FILE
The clock is read from CLOCK_FILE (an ISO time) so the test can move time for every process.
Logs to stderr when it takes the lead and each firing.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import datetime
from pathlib import Path

from bot.app import build_core
from bot.scheduling.service import SchedulerService
from bot.settings import load_settings
from storage.models import utcnow


async def main(url: str, clock_file: Path) -> None:
    def clock() -> datetime:
        try:
            return datetime.fromisoformat(clock_file.read_text().strip())
        except (OSError, ValueError):
            return utcnow()

    core = await build_core(load_settings(database_url=url, language="en"))
    service = SchedulerService(core, clock=clock, poll_seconds=0.2, leader_seconds=0.5)
    await service.start()
    await asyncio.Event().wait()  # until the test ends the process

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
