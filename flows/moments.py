"""Durations and moments as the reader writes them: "3 päivää", "7.12.2026 klo 9.00 (EET)".

Typed durations (`3d`) and ISO times are for commands; what the bot shows is in the reader's
language (flows/catalog/durations.*)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flows.i18n import Catalog

_UNITS = (("weeks", 604800), ("days", 86400), ("hours", 3600))


def duration_text(catalog: Catalog, lang: str, seconds: int, after: bool = False) -> str:
    """The largest whole unit: 259200 s is "3 days", 5400 s "90 minutes"; `after`, "after 3 days"."""
    key = "duration_after_" if after else "duration_"
    for unit, size in _UNITS:
        if seconds % size == 0:
            return catalog.t(lang, key + unit, count=seconds // size)
    return catalog.t(lang, key + "minutes", count=seconds // 60)


def moment_text(catalog: Catalog, lang: str, moment: datetime, zone: str, weekday: bool = False) -> str:
    """`moment` in `zone`, with the weekday in front when `weekday` (a schedule's next round)."""
    local = moment.astimezone(ZoneInfo(zone))
    values = {
        "date": catalog.t(lang, "rounds_date", day=local.day, month=local.month, year=local.year),
        "hour": local.hour,
        "minute": local.minute,
        "zone": local.strftime("%Z"),
    }
    if weekday:
        return catalog.t(lang, "schedule_moment", weekday=catalog.t(lang, f"schedule_weekday_{local.weekday()}"), **values)
    return catalog.t(lang, "moment", **values)
