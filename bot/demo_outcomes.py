"""What `yhdessa demo` adds for `report factors` and `report outcomes`: members who join over the
months (a sector among them that was not there at first), network maps that grow knowledge-sharing
ties, two factors rounds with clear concerns and strengths, and a vision written together.

bot/demo.py calls in here and hands over its round writer, so this module does not import it.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from storage.models import Member

COMMENTS = Path(__file__).with_name("demo_factors.yaml")
LATE_SECTOR = "private"  # companies come in from the third month: "sectors newly represented"
# How the demo network rates each factor (a start level, a monthly drift) and the two outcome items
# of the pulse: a few concerns (resources, the political climate, roles) and a few strengths.
LEVELS: dict[str, tuple[float, float]] = {
    "env-history": (3.7, 0.02), "env-legitimacy": (3.2, 0.08), "env-climate": (2.6, 0.03),
    "mem-respect": (4.2, 0.02), "mem-cross-section": (3.3, 0.1), "mem-self-interest": (3.9, 0.03), "mem-compromise": (3.6, 0.02),
    "proc-stake": (3.8, 0.03), "proc-layers": (3.1, 0.04), "proc-flexibility": (3.7, 0.0), "proc-roles": (2.6, 0.1),
    "proc-adaptability": (3.3, 0.02), "proc-pace": (3.0, 0.05), "proc-learning": (2.9, 0.08),
    "comm-open": (3.6, 0.04), "comm-informal": (4.3, 0.0),
    "purp-goals": (3.4, 0.08), "purp-vision": (3.5, 0.1), "purp-unique": (4.4, 0.0),
    "res-means": (2.3, -0.02), "res-leadership": (4.0, 0.02), "res-engaged": (3.2, 0.03),
    "we-spirit": (3.0, 0.15), "adopted": (2.6, 0.18),
}
RoundWriter = Callable[..., Awaitable[int]]


def comments() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMMENTS.read_text(encoding="utf-8"))
    return data


def stagger_joins(people: list[Member], start: datetime, months: int, rng: random.Random) -> None:
    """The coordinator and most members founded the network; the others joined month by month,
    and the late sector's members (but one, who joins in the third month) only from then on."""
    founders_until = start - timedelta(days=1)
    people[0].created_at = founders_until
    for member in people[1:]:
        if member.sector == LATE_SECTOR:
            month = rng.randint(2, max(2, months - 1))
        else:
            month = 0 if rng.random() < 0.7 else rng.randint(1, max(1, months - 1))
        member.created_at = founders_until if month == 0 else start + timedelta(days=30 * month + rng.randint(0, 20))


async def fill(tx: Any, core: Any, network: Any, people: list[Member], start: datetime, months: int, rng: random.Random, data: dict[str, Any], write: RoundWriter) -> tuple[int, int]:
    """The extra rounds: (rounds, answers). `write` is demo._round."""
    rounds = answers = 0
    for month in (1, max(2, months // 2)):  # earlier network maps, so the ties have a trend
        answers += await write(tx, core, network, people, core.flows["network-map"], start + timedelta(days=30 * month + 20), rng, month, data)
        rounds += 1
    for month in (1, months - 1):
        answers += await write(tx, core, network, people, core.flows["factors"], start + timedelta(days=30 * month + 16), rng, month, data)
        rounds += 1
    if "u-stage-7" in core.flows.ids():
        answers += await write(tx, core, network, people, core.flows["u-stage-7"], start + timedelta(days=30 * (months - 2) + 5), rng, months - 2, data)
        rounds += 1
    return rounds, answers
