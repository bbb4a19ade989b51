"""The shared grammar of command arguments: options, durations and audiences."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import timedelta

from flows.events import ChannelRef

_DURATION = re.compile(r"^(\d+)\s*(m|min|h|d|w)$")
_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
FLAGS = {"--anonymous", "--named", "--in-channel"}
VALUED = {"--closes", "--remind", "--tz", "--since", "--by", "--round", "--format"}


class ArgumentError(ValueError):
    """Carries a catalogue key and values, so the refusal reaches the member in their language."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise ArgumentError("bad_duration", value=text)
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


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


_SLACK_CHANNEL = re.compile(r"^<#([A-Z0-9]+)(?:\|([^>]*))?>$")


def parse_audience(word: str | None, channel: ChannelRef | None, platform: str, workspace: str) -> str | None:
    """`network`, `here` (the channel the command came from) or a channel named by id or #name.

    Returns the audience string stored on the round, or None if the word names no audience.
    """
    if word is None:
        return f"channel:{channel.key}" if channel is not None else "network"
    lowered = word.lower()
    if lowered in ("network", "verkosto", "nätverk", "all-members"):
        return "network"
    if lowered in ("here", "tässä", "här", "channel"):
        return f"channel:{channel.key}" if channel is not None else "network"
    match = _SLACK_CHANNEL.match(word)
    if match:
        return f"channel:{platform}:{workspace}:{match.group(1)}"
    if word.startswith("#") and len(word) > 1:
        return f"channel:{platform}:{workspace}:{word[1:]}"
    if word.startswith("channel:"):
        return word
    return None
