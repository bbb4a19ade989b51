"""The `<when>` parser: plain forms in three languages and cron, and errors that name the wrong part."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling.triggers import ScheduleTrigger
from bot.scheduling.when import WhenError, parse_when

HELSINKI = ZoneInfo("Europe/Helsinki")
SATURDAY = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "cron"),
    [
        ("every monday 09:00", "0 9 * * mon"),
        ("joka maanantai klo 9.00", "0 9 * * mon"),
        ("varje måndag 09:00", "0 9 * * mon"),
        ("every mon, thu 9.30", "30 9 * * mon,thu"),
        ("every weekday 08:30", "30 8 * * mon-fri"),
        ("päivittäin 7.00", "0 7 * * *"),
        ("monthly first tuesday 10:00", "0 10 * * tue#1"),
        ("kuukausittain ensimmäinen tiistai 10:00", "0 10 * * tue#1"),
        ("månadsvis sista fredag 15:00", "0 15 * * fri#L"),
        ("monthly 15 10:00", "0 10 15 * *"),
        ("every 2 weeks friday 14:00", "0 14 * * fri /2w"),
        ("0 9 * * 1", "0 9 * * mon"),  # crontab numbering: 1 is Monday, 0 and 7 Sunday
        ("0 9 * * 0", "0 9 * * sun"),
        ("*/15 8-16 * * mon-fri", "*/15 8-16 * * mon-fri"),
    ],
)
def test_plain_forms_and_cron_normalise(text: str, cron: str) -> None:
    assert parse_when(text).cron == cron


def fires(text: str, count: int = 3) -> list[datetime]:
    trigger = ScheduleTrigger(parse_when(text).cron, ["Europe/Helsinki"], SATURDAY)
    found, moment = [], SATURDAY
    for _ in range(count):
        firing = trigger.next_after(moment)
        assert firing is not None
        found.append(firing.at.astimezone(HELSINKI).replace(tzinfo=None))
        moment = firing.at
    return found


def test_fire_times_in_the_schedules_zone() -> None:
    assert fires("every monday 09:00") == [datetime(2026, 11, 30, 9), datetime(2026, 12, 7, 9), datetime(2026, 12, 14, 9)]
    assert fires("monthly first tuesday 10:00") == [datetime(2026, 12, 1, 10), datetime(2027, 1, 5, 10), datetime(2027, 2, 2, 10)]
    assert fires("every 2 weeks friday 14:00") == [datetime(2026, 12, 4, 14), datetime(2026, 12, 18, 14), datetime(2027, 1, 1, 14)]


def test_summer_time_keeps_the_wall_clock() -> None:
    trigger = ScheduleTrigger("0 9 * * mon", ["Europe/Helsinki"], datetime(2027, 3, 20, tzinfo=timezone.utc))
    before = trigger.next_after(datetime(2027, 3, 20, tzinfo=timezone.utc))
    assert before is not None
    after = trigger.next_after(before.at)
    assert after is not None
    assert (before.at.hour, after.at.hour) == (7, 6)  # 09:00 EET, then 09:00 EEST


def test_local_time_fires_once_per_wall_clock_time() -> None:
    trigger = ScheduleTrigger("0 9 * * mon", ["Europe/Stockholm", "Europe/Helsinki"], SATURDAY)
    first = trigger.next_after(SATURDAY)
    second = trigger.next_after(first.at) if first else None
    assert first is not None and second is not None
    assert first.at == datetime(2026, 11, 30, 7, tzinfo=timezone.utc)  # Helsinki reaches 09:00 first
    assert second.at == datetime(2026, 12, 7, 7, tzinfo=timezone.utc)  # not Stockholm's 09:00 the same day


@pytest.mark.parametrize(
    ("text", "key", "part"),
    [
        ("0 25 * * mon", "schedule_cron_field", "25"),
        ("61 9 * * *", "schedule_cron_field", "61"),
        ("0 9 * * funday", "schedule_cron_field", "funday"),
        ("0 9 * *", "schedule_cron_fields", None),
        ("every funday 09:00", "schedule_bad_day", "funday"),
        ("every monday 25:00", "schedule_bad_time", "25:00"),
        ("every monday", "schedule_time_missing", None),
        ("monthly fifth tuesday 10:00", "schedule_bad_monthly", None),
        ("every 99 weeks monday 09:00", "schedule_bad_weeks", None),
        ("whenever", "schedule_when_invalid", None),
    ],
)
def test_bad_input_names_the_wrong_part(text: str, key: str, part: str | None) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text)
    assert caught.value.key == key
    if part is not None:
        assert part in (caught.value.values.get("part"), caught.value.values.get("value"))
