"""The shared grammar of command arguments: options, durations and audiences."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.events import ChannelRef

# [0-9], not \d or str.isdigit(): those accept '²' and '٣', which int() then refuses or misreads.
_ASCII_NUMBER = re.compile(r"[0-9]{1,18}")
_DURATION = re.compile(r"^([0-9]{1,18})\s*(m|min|h|d|w)$")
_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
# Ids live in PostgreSQL `integer` columns: a bigger number would fail in the database, not here.
MAX_ID = 2_147_483_647
MAX_DURATION = timedelta(days=365)
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,3}")
FLAGS = {"--anonymous", "--named", "--in-channel"}
VALUED = {"--closes", "--remind", "--tz", "--since", "--by", "--round", "--format", "--level"}


class ArgumentError(ValueError):
    """Carries a catalogue key and values, so the refusal reaches the member in their language."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def shown(text: str, limit: int = 40) -> str:
    """What a member typed, short enough to quote back in a refusal."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_int(text: str, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """`text` as a whole number in [minimum, maximum] written in ASCII digits, or None."""
    token = text.strip()
    if not _ASCII_NUMBER.fullmatch(token):
        return None
    number = int(token)
    return number if minimum <= number <= maximum else None


def parse_int(text: str, key: str, minimum: int = 0, maximum: int = MAX_ID, **values: object) -> int:
    """The one strict number parser of commands: refuses with `key` (its text gets `value`)."""
    number = as_int(text, minimum, maximum)
    if number is None:
        raise ArgumentError(key, value=shown(text), **values)
    return number


def parse_id(text: str, key: str, **values: object) -> int:
    """A round or schedule id as members write it: `12` or `#12`."""
    return parse_int(text.strip().removeprefix("#"), key, 1, MAX_ID, **values)


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise ArgumentError("bad_duration", value=shown(text))
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds > MAX_DURATION.total_seconds():
        raise ArgumentError("duration_too_long", value=shown(text), days=MAX_DURATION.days)
    return timedelta(seconds=seconds)


def valid_timezone(name: str) -> bool:
    """Whether `name` is an IANA zone; checked by shape first, as ZoneInfo reads a file named by it."""
    if len(name) > 64 or not _ZONE_NAME.fullmatch(name):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def parse_timezone(text: str, key: str = "bad_timezone") -> str:
    if not valid_timezone(text):
        raise ArgumentError(key, value=shown(text))
    return text


@dataclass
class Arguments:
    words: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def split_command(text: str) -> list[str]:
    """Words of a command; `/yhdessa` and `yhdessa` in front are dropped; quotes group words."""
    text = text.replace("“", '"').replace("”", '"').replace("’", "'")
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    while words and words[0].lstrip("/@").lower() in ("yhdessa", "yhdessä"):
        words = words[1:]
    return words


def parse_arguments(words: list[str]) -> Arguments:
    args = Arguments()
    i = 0
    while i < len(words):
        word = words[i]
        name, _, inline = word.partition("=")
        if name in FLAGS:
            args.flags.add(name)
        elif name in VALUED:
            if inline:
                args.options[name] = inline
            elif i + 1 < len(words):
                i += 1
                args.options[name] = words[i]
            else:
                raise ArgumentError("option_needs_value", option=name)
        elif word.startswith("--"):
            raise ArgumentError("unknown_option", option=word)
        else:
            args.words.append(word)
        i += 1
    return args


def parse_audience(word: str | None, channel: ChannelRef | None, platform: str, workspace: str) -> str | None:
    """`network`, `here` (the channel the command came from) or a channel named by `#id` or
    `#name`. Platform mention syntax is turned into `#id` by the adapter before it gets here.

    Returns the audience string stored on the round, or None if the word names no audience.
    """
    if word is None:
        return f"channel:{channel.key}" if channel is not None else "network"
    lowered = word.lower()
    if lowered in ("network", "verkosto", "nätverk", "all-members"):
        return "network"
    if lowered in ("here", "tässä", "här", "channel"):
        return f"channel:{channel.key}" if channel is not None else "network"
    if word.startswith("#") and len(word) > 1:
        return f"channel:{platform}:{workspace}:{word[1:]}"
    if word.startswith("channel:"):
        return word
    return None
