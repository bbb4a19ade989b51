"""Helpers that fill a network through the engine, as members would answer."""

from __future__ import annotations

import random

from flows.messages import Outbound, Prompt

PULSE_ITEMS = [f"{d}-{k}" for d in ("knowing", "trust", "commitment") for k in range(1, 5)] + ["adopted", "we-spirit"]


def round_id_of(out: list[Outbound]) -> int:
    return next(int(m.prompt_ref.split(":")[0]) for m in out if isinstance(m, Prompt))


async def join(console, names: list[str]) -> None:  # type: ignore[no-untyped-def]
    for name in names:
        await console.command(name, "help")


async def run_pulse(console, names: list[str], level: float, rng: random.Random, coordinator: str = "alice") -> int:  # type: ignore[no-untyped-def]
    """A closed pulse round in which every name answers all fourteen items around `level`."""
    out = await console.command(coordinator, "pulse start")
    round_id = round_id_of(out)
    for name in names:
        person = level + rng.gauss(0, 0.5)
        for step in PULSE_ITEMS:
            value = min(5, max(1, round(person + rng.gauss(0, 0.4))))
            if step.endswith("-4"):
                value = 6 - value  # reverse-worded: an agreeing person disagrees here
            await console.answer(name, f"{round_id}:{step}", str(value))
    await console.command(coordinator, f"reflect close {round_id}")
    return round_id
