"""Every new network gets a monthly pulse schedule, once; coordinators may change or remove it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduling.models import ScheduleDefault
from bot.scheduling.when import parse_when
from flows.turn import EngineConfig
from storage.models import Network, Schedule

DEFAULT_FLOW = "pulse"
DEFAULT_WHEN = "monthly first tuesday 10:00"
DEFAULT_CLOSES = timedelta(days=7)
DEFAULT_REMIND = timedelta(days=3)


async def ensure_default(tx: AsyncSession, config: EngineConfig, network: Network, now: datetime) -> Schedule | None:
    """The default schedule, created now if this network never had one (None otherwise)."""
    dialect = tx.bind.dialect.name if tx.bind is not None else "sqlite"
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ScheduleDefault)
    # The marker row, not the schedule, remembers it: a removed default must not come back.
    # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
    stmt = insert.values(network_id=network.id, created_at=now).on_conflict_do_nothing().returning(ScheduleDefault.network_id)
    marked = (await tx.execute(stmt)).scalar_one_or_none() is not None
    if not marked or DEFAULT_FLOW not in config.flows:
        return None
    schedule = Schedule(
        network_id=network.id,
        flow_id=DEFAULT_FLOW,
        when=DEFAULT_WHEN,
        cron=parse_when(DEFAULT_WHEN).cron,
        timezone=network.timezone,
        local_time=False,
        audience="network",
        closes_after=int(DEFAULT_CLOSES.total_seconds()),
        remind_after=int(DEFAULT_REMIND.total_seconds()),
        anonymous=None,
        paused=False,
        created_at=now,
    )
    tx.add(schedule)
    await tx.flush()
    return schedule


async def networks_without_default(tx: AsyncSession) -> Sequence[Network]:
    stmt = select(Network).where(Network.id.not_in(select(ScheduleDefault.network_id)))
    return (await tx.execute(stmt)).scalars().all()
