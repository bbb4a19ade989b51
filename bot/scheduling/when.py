"""When a schedule fires: a pure parser from what a coordinator writes to a normalised description.

Accepted: a 5-field cron expression (`0 9 * * mon`) or a plain form in English, Finnish or Swedish:
`every monday 09:00`, `every mon,thu 9.30`, `every day 08:00`, `every weekday 09:00`,
`monthly first tuesday 10:00`, `monthly last friday 15:00`, `monthly 15 10:00`,
`every 2 weeks friday 14:00` (`joka maanantai 9.00`, `varje måndag 09:00`, ...).

The normalised description is a cron expression with day-of-week *names* (crontab's numbers and
APScheduler 3's numbers disagree, so numbers never reach the trigger), two extensions:
`tue#1` / `fri#L` (the first Tuesday / last Friday of the month) and a trailing `/2w`
(every second week, counted from the schedule's first firing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apscheduler.triggers.cron import CronTrigger

from flows.arguments import ArgumentError, as_int

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_WORDS: dict[str, str] = {}
for _abbr, _words in zip(
    DAYS,
    (
        "monday mondays maanantai maanantaisin maanantaina ma måndag måndagar måndagen mån",
        "tuesday tuesdays tiistai tiistaisin tiistaina ti tisdag tisdagar tisdagen tis",
        "wednesday wednesdays keskiviikko keskiviikkoisin keskiviikkona ke onsdag onsdagar onsdagen ons",
        "thursday thursdays torstai torstaisin torstaina to torsdag torsdagar torsdagen tors",
        "friday fridays perjantai perjantaisin perjantaina pe fredag fredagar fredagen fre",
        "saturday saturdays lauantai lauantaisin lauantaina la lördag lördagar lördagen lör",
        "sunday sundays sunnuntai sunnuntaisin sunnuntaina su söndag söndagar söndagen sön",
    ),
):
    _DAY_WORDS[_abbr] = _abbr
    for _word in _words.split():
        _DAY_WORDS[_word] = _abbr

EVERY = {"every", "each", "joka", "jokainen", "varje", "var"}
MONTHLY = {"monthly", "kuukausittain", "joka kuukausi", "månadsvis", "varje månad", "every month"}
DAILY = {"daily", "päivittäin", "dagligen", "day", "päivä", "dag"}
WEEKDAYS = {"weekday", "weekdays", "arkipäivä", "arkipäivisin", "arkisin", "vardag", "vardagar"}
WEEK_WORDS = {"week", "weeks", "viikko", "viikon", "viikkoa", "vecka", "veckor", "veckan"}
ORDINALS = {
    "first": "1", "1st": "1", "ensimmäinen": "1", "första": "1",
    "second": "2", "2nd": "2", "toinen": "2", "andra": "2",
    "third": "3", "3rd": "3", "kolmas": "3", "tredje": "3",
    "fourth": "4", "4th": "4", "neljäs": "4", "fjärde": "4",
    "last": "L", "viimeinen": "L", "sista": "L",
}
_FILLER = {"at", "on", "the", "klo", "kello", "kl", "klockan", "om", "på", "den", "of", "month"}
_TIME = re.compile(r"^([0-9]{1,2})(?:[:.]([0-9]{2}))?$")
_WEEKS = re.compile(r"\s*/(\d+)w$")
CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
EXAMPLES = "every monday 09:00 · monthly first tuesday 10:00 · every 2 weeks friday 14:00 · 0 9 * * mon"


class WhenError(ArgumentError):
    """What is wrong with a `<when>`, as a catalogue key and values (the reply names the part)."""


@dataclass(frozen=True)
class When:
    cron: str  # the normalised description stored in schedules.cron
    every_weeks: int = 1

    @property
    def base(self) -> str:
        return _WEEKS.sub("", self.cron)


def parse_when(text: str) -> When:
    """The normalised description of `text`, or WhenError naming the part that is wrong."""
    cleaned = " ".join(text.replace(",", " , ").split()).strip()
    if not cleaned:
        raise WhenError("schedule_when_missing", examples=EXAMPLES)
    fields = cleaned.replace(" , ", ",").split(" ")
    if len(fields) >= 2 and all(re.fullmatch(r"[\d*/,\-]+", f) for f in fields[:2]) and ":" not in cleaned:
        return When(normalise_cron(" ".join(fields)))
    return _plain(cleaned.lower())


def normalise_cron(expression: str) -> str:
    """Validate a 5-field cron expression field by field; day-of-week numbers become names."""
    match = _WEEKS.search(expression)
    suffix = match.group(0).strip() if match else ""
    fields = _WEEKS.sub("", expression).split()
    if len(fields) != 5:
        raise WhenError("schedule_cron_fields", value=expression, count=len(fields), examples=EXAMPLES)
    fields[4] = ",".join(_cron_day(part, expression) for part in fields[4].lower().split(","))
    trigger_fields(" ".join(fields), expression)
    return " ".join(fields) + (f" {suffix}" if suffix else "")


def _cron_day(part: str, expression: str) -> str:
    """One day-of-week item, with crontab numbering (0 and 7 are Sunday) turned into names."""
    def name(token: str) -> str:
        if token.isdigit():
            number = as_int(token, 0, 7)
            if number is None:
                raise WhenError("schedule_cron_field", value=expression, field="day of week", part=part, examples=EXAMPLES)
            return DAYS[(number - 1) % 7]
        return token

    base, hash_, nth = part.partition("#")
    if hash_:
        if nth.upper() not in ("1", "2", "3", "4", "5", "L"):
            raise WhenError("schedule_cron_field", value=expression, field="day of week", part=part, examples=EXAMPLES)
        return f"{name(base)}#{nth.upper()}"
    step = ""
    if "/" in base:
        base, step = base.split("/", 1)
        step = "/" + step
    return "-".join(name(t) for t in base.split("-")) + step


def trigger_fields(cron: str, shown: str | None = None) -> dict[str, str]:
    """APScheduler CronTrigger keyword arguments for a normalised cron (raises WhenError if wrong)."""
    values = dict(zip(CRON_FIELDS, _WEEKS.sub("", cron).split()))
    dow = values["day_of_week"]
    if "#" in dow:
        day, _, nth = dow.partition("#")
        if values["day"] != "*" or "," in dow:
            raise WhenError("schedule_cron_field", value=shown or cron, field="day of week", part=dow, examples=EXAMPLES)
        values["day"] = f"last {day}" if nth == "L" else f"{ {'1': '1st', '2': '2nd', '3': '3rd'}.get(nth, nth + 'th')} {day}"
        values["day_of_week"] = "*"
    for field_name, value in values.items():
        try:
            CronTrigger(**{field_name: value})
        except ValueError:
            raise WhenError(
                "schedule_cron_field", value=shown or cron, field=field_name.replace("_", " "), part=value, examples=EXAMPLES
            ) from None
    return values


def _time(token: str | None, text: str) -> tuple[int, int]:
    if token is None:
        raise WhenError("schedule_time_missing", value=text, examples=EXAMPLES)
    match = _TIME.match(token)
    if not match or int(match.group(1)) > 23 or int(match.group(2) or 0) > 59:
        raise WhenError("schedule_bad_time", value=token, examples=EXAMPLES)
    return int(match.group(1)), int(match.group(2) or 0)


def _day(token: str, text: str) -> str:
    day = _DAY_WORDS.get(token.rstrip("s") if token not in _DAY_WORDS else token)
    if day is None:
        raise WhenError("schedule_bad_day", value=token, examples=EXAMPLES)
    return day


def _plain(text: str) -> When:
    for phrase in sorted(MONTHLY | {"joka kuukausi", "varje månad"}, key=len, reverse=True):
        if text.startswith(phrase + " "):
            return _monthly(text[len(phrase):].split(), text)
    words = [w for w in text.replace(",", " ").split() if w not in _FILLER]
    if not words:
        raise WhenError("schedule_when_invalid", value=text, examples=EXAMPLES)
    if words[0] in EVERY:
        words = words[1:]
    every_weeks = 1
    if len(words) >= 2 and words[0].isdigit() and words[1] in WEEK_WORDS:
        every_weeks = as_int(words[0], 1, 52) or 0
        if not every_weeks:
            raise WhenError("schedule_bad_weeks", value=words[0], examples=EXAMPLES)
        words = words[2:]
    elif words and words[0] in WEEK_WORDS:
        words = words[1:]
    if not words:
        raise WhenError("schedule_when_invalid", value=text, examples=EXAMPLES)
    times = [w for w in words if _TIME.match(w) or w[0].isdigit()]
    days_words = [w for w in words if w not in times]
    known = _DAY_WORDS.keys() | DAILY | WEEKDAYS
    if not times and not any(w in known or w.rstrip("s") in known for w in days_words):
        raise WhenError("schedule_when_invalid", value=text, examples=EXAMPLES)
    hour, minute = _time(times[0] if times else None, text)
    if len(times) > 1:
        raise WhenError("schedule_bad_time", value=" ".join(times), examples=EXAMPLES)
    if not days_words:
        raise WhenError("schedule_day_missing", value=text, examples=EXAMPLES)
    if len(days_words) == 1 and days_words[0] in DAILY and every_weeks == 1:
        dow = "*"
    elif len(days_words) == 1 and days_words[0] in WEEKDAYS and every_weeks == 1:
        dow = "mon-fri"
    else:
        dow = ",".join(dict.fromkeys(_day(w, text) for w in days_words))
    cron = f"{minute} {hour} * * {dow}" + (f" /{every_weeks}w" if every_weeks > 1 else "")
    return When(cron, every_weeks)


def _monthly(words: list[str], text: str) -> When:
    words = [w for w in words if w not in _FILLER]
    times = [w for w in words if _TIME.match(w) and (":" in w or "." in w)]
    rest = [w for w in words if w not in times]
    hour, minute = _time(times[0] if times else None, text)
    if len(rest) == 2 and rest[0] in ORDINALS:
        return When(f"{minute} {hour} * * {_day(rest[1], text)}#{ORDINALS[rest[0]]}")
    if len(rest) == 1 and re.fullmatch(r"\d{1,2}(st|nd|rd|th|\.)?", rest[0]):
        day = int(re.sub(r"\D", "", rest[0]))
        if not 1 <= day <= 31:
            raise WhenError("schedule_bad_monthday", value=rest[0], examples=EXAMPLES)
        return When(f"{minute} {hour} {day} * *")
    raise WhenError("schedule_bad_monthly", value=text, examples=EXAMPLES)


def every_weeks_of(cron: str) -> int:
    match = _WEEKS.search(cron)
    return int(match.group(1)) if match else 1
