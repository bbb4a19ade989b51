"""A round's figures are compared only with an earlier round of the same flow and step: reflection-3's
"how is our work progressing?" is not a change from reflection-2's step of the same id, and a
one-dimension pulse is not a change from the full pulse."""

from __future__ import annotations

from flows.messages import Report
from tests.conftest import Console
from tests.evaluation.conftest import join, round_id_of

PEOPLE = ["alice", "bob", "carol", "dave", "erik", "fiona"]


async def progress_round(console: Console, phase: int, value: int) -> int:
    round_id = round_id_of(await console.command("alice", f"reflect start reflection {phase} network --named"))
    for i, name in enumerate(PEOPLE):
        await console.answer(name, f"{round_id}:progress", str(value if i % 2 else max(1, value - 1)))
    await console.command("alice", f"reflect close {round_id}")
    return round_id


def measure_lines(report: Report, heading_part: str) -> list[str]:
    return [line for s in report.sections if heading_part in s.heading for line in s.lines]


async def report_of(console: Console, round_id: int) -> Report:
    [report] = [m for m in await console.command("alice", f"report {round_id}") if isinstance(m, Report)]
    return report


async def test_a_round_is_compared_only_with_the_same_flow_and_step(console: Console) -> None:
    await join(console, PEOPLE)
    await progress_round(console, 2, 2)
    third = await progress_round(console, 3, 5)
    lines = measure_lines(await report_of(console, third), "progressing")
    assert lines and not any("previous round" in line for line in lines)  # reflection-2 asked something else
    again = await progress_round(console, 3, 3)
    lines = measure_lines(await report_of(console, again), "progressing")
    assert any("change from the previous round −" in line for line in lines)  # against the earlier reflection-3


async def test_a_one_dimension_pulse_is_not_compared_with_the_full_pulse(console: Console) -> None:
    await join(console, PEOPLE)
    full = round_id_of(await console.command("alice", "pulse start network"))
    trust = [s for s in ("trust-1", "trust-2", "trust-3", "trust-4")]
    for name in PEOPLE:
        for step in trust:
            await console.answer(name, f"{full}:{step}", "2")
    await console.command("alice", f"reflect close {full}")
    single = round_id_of(await console.command("alice", "pulse start trust network"))
    for name in PEOPLE:
        for step in trust:
            await console.answer(name, f"{single}:{step}", "4")
    await console.command("alice", f"reflect close {single}")
    lines = measure_lines(await report_of(console, single), "Trust")
    assert lines and not any("previous round" in line for line in lines)
    [trends] = [m for m in await console.command("alice", "report trends") if isinstance(m, Report)]
    assert not any("previous round" in line for line in measure_lines(trends, "Trust"))
