"""Fire times of a schedule, as an APScheduler trigger built from our normalised description.

A schedule's cron names a wall-clock time (Mondays 09:00). For one moment for everyone it is read
in the schedule's zone; for `--local-time` every member's zone counts, and the one firing of each
wall-clock occurrence happens when the earliest zone reaches it (each member's prompt then waits
in the outbox until their own 09:00). Every-Nth-week schedules count weeks from their first firing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.scheduling.when import every_weeks_of, trigger_fields

_TINY = timedelta(microseconds=1)
_MAX_STEPS = 5000  # a bound on walking through occurrences; far beyond any real schedule's needs


@dataclass(frozen=True)
class Firing:
    at: datetime  # the UTC instant it fires
    wall: datetime  # the naive wall-clock time it stands for (09:00 on that Monday)


class ScheduleTrigger(BaseTrigger):
    def __init__(self, cron: str, zones: Iterable[str], anchor: datetime) -> None:
        self.cron = cron
        self.zones = [ZoneInfo(z) for z in dict.fromkeys(zones)]
        if not self.zones:
            raise ValueError("a schedule needs at least one time zone")
        self.every_weeks = every_weeks_of(cron)
        # UTC has no daylight saving, so this walks the naive wall-clock occurrences exactly.
        self._wall = CronTrigger(**trigger_fields(cron), timezone=timezone.utc)
        self._anchor_week = self._monday(self._first_wall(anchor)) if self.every_weeks > 1 else None

    @staticmethod
    def _monday(wall: datetime) -> date:
        return wall.date() - timedelta(days=wall.weekday())

    def _first_wall(self, anchor: datetime) -> datetime:
        start = anchor.astimezone(self.zones[0]).replace(tzinfo=None)
        found = self._wall.get_next_fire_time(None, start.replace(tzinfo=timezone.utc))
        return (found or start.replace(tzinfo=timezone.utc)).replace(tzinfo=None)

    def _walls_from(self, start: datetime) -> Iterator[datetime]:
        moment = start.replace(tzinfo=timezone.utc)
        for _ in range(_MAX_STEPS):
            found = self._wall.get_next_fire_time(None, moment)
            if found is None:
                return
            wall = found.replace(tzinfo=None)
            if self._anchor_week is None or ((self._monday(wall) - self._anchor_week).days // 7) % self.every_weeks == 0:
                yield wall
            moment = found + timedelta(seconds=1)

    def instant(self, wall: datetime) -> datetime:
        """When the wall-clock time is first reached in any of the zones."""
        return min(wall.replace(tzinfo=zone).astimezone(timezone.utc) for zone in self.zones)

    def next_after(self, moment: datetime) -> Firing | None:
        """The first firing strictly after `moment`."""
        offsets = [moment.astimezone(zone).utcoffset() or timedelta() for zone in self.zones]
        start = moment.astimezone(timezone.utc).replace(tzinfo=None) + min(offsets) - timedelta(hours=3)
        for wall in self._walls_from(start):
            at = self.instant(wall)
            if at > moment:
                return Firing(at, wall)
        return None

    def firings_between(self, after: datetime, until: datetime) -> Iterator[Firing]:
        """Firings in (after, until], in order."""
        current = self.next_after(after)
        steps = 0
        while current is not None and current.at <= until and steps < _MAX_STEPS:
            yield current
            current = self.next_after(current.at)
            steps += 1

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        after = previous_fire_time if previous_fire_time is not None else now - _TINY
        firing = self.next_after(after)
        return None if firing is None else firing.at.astimezone(self.zones[0])

    def __str__(self) -> str:
        return f"schedule[{self.cron} in {', '.join(str(z) for z in self.zones)}]"


def local_moment(wall: datetime, zone_name: str) -> datetime:
    """The wall-clock time in one member's zone, as a UTC instant."""
    return wall.replace(tzinfo=ZoneInfo(zone_name)).astimezone(timezone.utc)
