"""Hypothesis strategies: random commands for the engine and mangled platform payloads.

Payloads start from the shapes Slack and Teams really send and are then mangled a few times: a key
dropped, or a value replaced by junk (wrong types, empty or spaced ids, colons, huge numbers,
digits that are not ASCII). Starting from real shapes keeps most inputs deep enough to reach our
translation and the engine, instead of being refused at the first missing field.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# At least 2,000 random inputs per endpoint in CI; lower it locally with YHDESSA_PROPERTY_EXAMPLES.
EXAMPLES = int(os.environ.get("YHDESSA_PROPERTY_EXAMPLES", "2000"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

ODD = [
    "", " ", "  ", ":", "T0TEAM ", " U1", "U:1", "a b", "²", "٣", "１", "99999999999999999999999", "-1", "0", "1e9",
    "nan", "x" * 300, "\x00", "\n", "<@U1>", "{", "null", "#1", "1:", ":1", "²:mood", "1:mood", "1:trust-1",
]
junk: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(ODD),
    st.text(max_size=40),
    st.lists(st.one_of(st.integers(), st.text(max_size=5), st.sampled_from(ODD)), max_size=3),
    st.dictionaries(st.text(max_size=6), st.one_of(st.integers(), st.text(max_size=6)), max_size=3),
)

WORDS = [
    "help", "checkin", "reflect", "pulse", "stage", "journey", "lang", "network", "members", "my-data", "forget-me",
    "export", "report", "schedule", "start", "status", "close", "set", "show", "next", "list", "add", "remove",
    "pause", "resume", "grant", "revoke", "me", "here", "network", "#general", "<#C123|general>", "trends",
    "reflection", "u-stage", "pulse-trust", "checkin", "all", "trust", "fi", "sv", "en", "confirm",
    "--closes", "--remind", "--tz", "--since", "--by", "--round", "--format", "--anonymous", "--named", "--in-channel",
    "--network", "3d", "99999999d", "0m", "²d", "1w", "csv", "json", "sector", "side", "2026-01-01", "2026-13-45",
    "tz=Europe/Helsinki", "tz=" + "a" * 300, "tz=../../etc/passwd", "sector=public", "side=x", "name=", "named=yes",
    "\"every monday 09:00\"", "\"0 9 * * ²\"", "\"every ² weeks friday 9:00\"", "\"monthly 99 10:00\"", "\"",
    "'", "“", "yhdessa", "/yhdessa", "@yhdessä",
    # the later verbs (actions, the U journey, the digest and themes, rounds)
    "action", "fact", "gaps", "actor", "intro", "journal", "prototype", "rounds", "themes", "publish", "digest",
    "done", "drop", "later", "mine", "open", "propose", "invite", "met", "opt-out", "opt-in", "write", "delete",
    "share", "shared", "update", "auto", "hold", "--owner", "--due", "--votes", "--source", "owner=@bob", "status=done",
]
command_text = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(ODD), st.text(max_size=12)), min_size=0, max_size=6).map(
    lambda words: "/yhdessa " + " ".join(words)
)
free_text = st.one_of(st.sampled_from(ODD), st.text(max_size=60), st.integers(-5, 12).map(str))
prompt_ref = st.one_of(st.sampled_from(ODD), st.builds(lambda r, s: f"{r}:{s}", st.sampled_from(["1", "2", "²", "0", "9" * 25]), st.sampled_from(["mood", "focus", "need", "trust-1", "x", ""])))
answer_value = st.one_of(free_text, st.lists(free_text, max_size=4))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _apply(node: Any, path: tuple[Any, ...], drop: bool, value: Any) -> None:
    for step in path[:-1]:
        node = node[step]
    if drop:
        if isinstance(node, dict):
            node.pop(path[-1], None)
        else:
            node.pop(path[-1])
    else:
        node[path[-1]] = value


@st.composite
def mangled(draw: st.DrawFn, template: Any, as_text: bool = False) -> Any:
    """`template` with up to three keys dropped or values replaced (by text only, for form posts)."""
    payload = copy.deepcopy(template)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        paths = _paths(payload)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        drop = draw(st.booleans())
        value = draw(st.one_of(st.sampled_from(ODD), st.text(max_size=20))) if as_text else draw(junk)
        _apply(payload, path, drop, value)
    return payload


SLACK_KEY = re.compile(r"slack:[A-Za-z0-9_-]{1,64}:[A-Za-z0-9_-]{1,64}")
MEMBER_KEY = re.compile(r"(console|slack|teams):[^\s:\x00-\x1f]{1,128}:[^\s\x00-\x1f]{1,256}")


def junk_keys(keys: list[str]) -> list[str]:
    """Stored member keys that are not platform:workspace:user with real ids (Slack ids hold no colon)."""
    return [
        key
        for key in keys
        if not MEMBER_KEY.fullmatch(key)
        or not key.isprintable()
        or (key.startswith("slack:") and not SLACK_KEY.fullmatch(key))
    ]


def tracebacks(records: list[logging.LogRecord]) -> list[str]:
    """Log records that carry a traceback, or that tell of a request bolt gave up on."""
    return [
        f"{r.name}: {r.getMessage()[:200]}"
        for r in records
        if (r.exc_info and r.levelno >= logging.WARNING) or "didn't call ack()" in r.getMessage()
    ]


def as_json(value: Any) -> str:
    return json.dumps(value, allow_nan=True)
