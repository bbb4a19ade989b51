"""What the theme methods make of the demo network's free text: lemmas (simplemma) against the
words as written. Prints, per question of every closed demo round, how many themes each method
finds, the share of answers they cover and how long grouping takes, the time as a ratio of the two
methods measured in the same run (the machine is shared: absolute times are noise). Not a test.

    python benchmarks/themes.py [--lang fi|sv|en] [--threshold 5]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build_core  # noqa: E402
from bot.demo import fill_demo  # noqa: E402
from bot.evaluation import queries  # noqa: E402
from bot.evaluation.themes import coverage, group_answers  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from flows.events import MemberRef  # noqa: E402
from storage import repository as repo  # noqa: E402
from storage.models import Round  # noqa: E402


async def texts(lang: str) -> list[tuple[str, list[str]]]:
    """(round:step, answers) of every closed demo round's text questions."""
    folder = Path(tempfile.mkdtemp())
    core = await build_core(load_settings(database_url=f"sqlite:///{folder / 'demo.db'}", language=lang, chart_dir=str(folder)))
    found: list[tuple[str, list[str]]] = []
    try:
        await fill_demo(core, MemberRef("console", "local", "alice", "Alice"))
        async with core.db.transaction() as tx:
            network = await repo.network_by_key(tx, "console:local")
            assert network is not None
            from sqlalchemy import select

            rounds = (await tx.execute(select(Round).where(Round.network_id == network.id, Round.status == "closed"))).scalars().all()
            for round_ in rounds:
                flow = core.flows.get(round_.flow_id)
                steps = [s.id for s in (flow.steps if flow else ()) if s.kind == "text"]
                for step, answers in (await queries.text_answers(tx, round_.id, steps)).items():
                    found.append((f"{round_.flow_id}#{round_.id}:{step}", answers))
    finally:
        await core.close()
    return found


def measure(found: list[tuple[str, list[str]]], lang: str, threshold: int) -> None:
    totals = {True: [0, 0, 0, 0.0], False: [0, 0, 0, 0.0]}  # themes, covered, answers, seconds
    examples: dict[bool, list[str]] = {True: [], False: []}
    started = time.perf_counter()
    for _, answers in found:  # simplemma loads its dictionary on the first lookup: measured apart
        group_answers(answers, (lang,), threshold, True)
    print(f"first lemmatisation of all answers (dictionary load included): {time.perf_counter() - started:.2f} s")
    for name, answers in found:
        for lemmatise in (True, False):
            started = time.perf_counter()
            for _ in range(5):
                groups = group_answers(answers, (lang,), threshold, lemmatise)
            totals[lemmatise][3] += (time.perf_counter() - started) / 5
            totals[lemmatise][0] += len(groups)
            totals[lemmatise][1] += round(coverage(groups, len(answers)) * len(answers))
            totals[lemmatise][2] += len(answers)
            if len(examples[lemmatise]) < 3 and groups:
                examples[lemmatise].append(f"{name}: " + "; ".join(f"{g.label} ({len(g.answers)})" for g in groups))
    questions = len(found)
    print(f"{questions} questions, {totals[True][2]} answers, language {lang}, threshold {threshold}")
    for lemmatise, label in ((True, "lemmas (simplemma)"), (False, "words as written")):
        themes, covered, answers, seconds = totals[lemmatise]
        print(f"  {label:20} {themes / questions:.2f} themes per question, {100 * covered / answers:.0f} % of answers in a theme")
        for example in examples[lemmatise]:
            print(f"      e.g. {example}")
    ratio = totals[True][3] / totals[False][3] if totals[False][3] else float("nan")
    print(f"  grouping time once warm, lemmas / words as written: {ratio:.1f}x (same run; {1000 * totals[True][3] / questions:.2f} ms a question with lemmas)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="fi", choices=("fi", "sv", "en"))
    parser.add_argument("--threshold", type=int, default=5)
    args = parser.parse_args()
    measure(asyncio.run(texts(args.lang)), args.lang, args.threshold)


if __name__ == "__main__":
    main()
