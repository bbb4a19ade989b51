"""Durations, times and the trend report's dates are shown as the reader writes them, in fi, sv
and en: "sulkeutuu 3 päivän kuluttua", "ti 5.1.2027 klo 10.00", not the `3d` and ISO dates typed."""

from __future__ import annotations

import random
import re

from flows.messages import Notice, Report
from tests.conftest import Console
from tests.evaluation.conftest import join, run_pulse

MEMBERS = ["alice", "bea", "cai", "dan", "eve"]


def texts(out: list) -> str:  # type: ignore[type-arg]
    return "\n".join(m.text for m in out if isinstance(m, Notice))


async def test_schedules_and_round_deadlines_read_in_each_language(console: Console) -> None:
    await console.command("alice", "help")
    await console.command("alice", 'schedule add pulse-trust "every monday 09:00" --tz Europe/Helsinki --closes 3d --remind 1d')
    await console.command("alice", "lang fi")
    listed = texts(await console.command("alice", "schedule list"))
    assert "sulkeutuu 3 päivän kuluttua, muistutus 1 päivän kuluttua" in listed
    assert re.search(r"Seuraava: ma \d{1,2}\.\d{1,2}\.\d{4} klo 9\.00 \(EET\)", listed), listed
    opened = texts(await console.command("alice", "reflect start reflection 4 --closes 2w"))
    assert re.search(r"Sulkeutuu: \d{1,2}\.\d{1,2}\.\d{4} klo \d{1,2}\.\d\d", opened), opened
    await console.command("alice", "reflect close")
    await console.command("alice", "lang sv")
    listed = texts(await console.command("alice", "schedule list"))
    assert "stänger efter 3 dagar, påminnelse efter 1 dag" in listed
    assert re.search(r"Nästa: mån \d{4}-\d\d-\d\d kl\. 09\.00 \(EET\)", listed), listed
    await console.command("alice", "lang en")
    listed = texts(await console.command("alice", "schedule list"))
    assert "closes after 3 days, reminder after 1 day" in listed
    assert re.search(r"Next: Mon \d{4}-\d\d-\d\d 09:00 EET", listed), listed
    assert "3d" not in listed.split("→", 1)[-1]


async def test_trend_report_dates_are_the_readers(console: Console) -> None:
    rng = random.Random(3)
    await join(console, MEMBERS)
    await run_pulse(console, MEMBERS, 3.0, rng)
    await run_pulse(console, MEMBERS, 4.0, rng)
    await console.command("bea", "lang fi")
    [report] = [m for m in await console.command("bea", "report trends") if isinstance(m, Report)]
    lines = "\n".join([s.heading for s in report.sections] + [line for s in report.sections for line in s.lines])
    assert re.search(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b", lines) and not re.search(r"\d{4}-\d\d-\d\d", lines), lines
    assert re.search(r"\d{1,2}\.\d{1,2}\.\d{4}", report.charts[0].alt_text) and not re.search(r"\d{4}-\d\d-\d\d", report.charts[0].alt_text)
