"""Reminding owners of their actions before the due date: at most twice, in working hours in the
owner's own time zone, never after the due date (a reminder then would only nag).

The moments are worked out from the action alone (made, due, the owner's zone), so nothing is
planned ahead: each tick sends the reminders whose moment has come, and `reminders_sent`, raised
by a conditional UPDATE, makes sure two processes or two ticks never send one twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduling.firing import next_working_moment
from flows.action_review import question
from flows.messages import Outbound
from flows.turn import EngineConfig
from storage import actions as store
from storage.models import Action

MAX_REMINDERS = 2
EARLY = timedelta(days=3)  # the first reminder: three days before, or halfway for shorter actions
LATE = timedelta(days=1)  # the second: the working day before it is due
CLOSE = timedelta(hours=4)  # a reminder this soon after the action was made, or the other one, is noise


def moments(action: Action, zone: str, hours: tuple[int, int]) -> list[datetime]:
    """When the owner is reminded: up to two moments after the action was made and before it is due."""
    if action.due_at is None:
        return []
    made, due = action.created_at, action.due_at
    wanted = [max(made + (due - made) / 2, due - EARLY), due - LATE]
    found: list[datetime] = []
    for moment in wanted:
        if moment <= made:
            continue
        shifted = earlier_working_moment(moment, zone, hours)
        if shifted <= made:
            shifted = next_working_moment(moment, zone, hours)
        if shifted >= due or shifted - made < CLOSE or any(abs(shifted - other) < CLOSE for other in found):
            continue
        found.append(shifted)
    return sorted(found)[:MAX_REMINDERS]


def earlier_working_moment(moment: datetime, zone: str, hours: tuple[int, int]) -> datetime:
    """The moment itself in working hours; else the same time on the weekday before, kept within
    the working day: a reminder meant for Sunday comes on Friday, not on Monday when it is due."""
    start, end = hours
    local = moment.astimezone(ZoneInfo(zone))
    while local.weekday() >= 5:
        local -= timedelta(days=1)
    if local.hour < start:
        local = local.replace(hour=start, minute=0, second=0, microsecond=0)
    elif local.hour >= end:
        local = local.replace(hour=end - 1, minute=0, second=0, microsecond=0)
    return local.astimezone(moment.tzinfo)


async def send_due(tx: AsyncSession, config: EngineConfig, now: datetime, hours: tuple[int, int]) -> list[Outbound]:
    """The reminders whose moment has come, each counted as sent in the same transaction."""
    out: list[Outbound] = []
    for action, owner, network in await store.with_due(tx, now):
        planned = moments(action, owner.timezone or network.timezone, hours)
        if action.reminders_sent >= len(planned) or planned[action.reminders_sent] > now:
            continue
        if not await store.claim_reminder(tx, action.id, action.reminders_sent):
            continue
        out.append(question(config, network, owner, action, key="action_reminder"))
    return out
