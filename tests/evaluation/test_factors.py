"""The collaboration-factors inventory: its flow, its arithmetic checked by hand, and `report factors`
as a coordinator reads it, with small groups and few comments kept back."""

from __future__ import annotations

import re

import pytest

from bot.evaluation.factors_model import CATEGORIES, FACTORS, factor_of, factor_scores, weakest
from flows.definition import LANGUAGES
from flows.i18n import Catalog
from flows.loader import BUILTIN_DIR
from flows.messages import Notice
from flows.registry import FlowRegistry
from tests.evaluation.conftest import join, round_id_of
from tests.evaluation.test_report_console import PNG, text_of, the_report

MEMBERS = ["alice", "bea", "cai", "dan", "eve", "fay", "gus"]  # the tests' threshold is 5


def test_the_flow_covers_six_categories_and_22_factors_in_three_languages() -> None:
    flow = FlowRegistry.load(None)["factors"]
    assert flow.anonymous and len(CATEGORIES) == 6 and len(FACTORS) == 22
    scales = [s for s in flow.steps if s.kind == "scale"]
    covered = {factor_of(s.id) for s in scales}
    assert covered == set(FACTORS)  # every factor asked, nothing asked that is no factor
    assert all(sum(factor_of(s.id) == f for s in scales) in (1, 2) for f in FACTORS)
    assert all((s.minimum, s.maximum) == (1, 5) and s.min_label and s.max_label for s in scales)
    comments = [s for s in flow.steps if s.kind == "text"]
    assert [s.id for s in comments] == [f"comment-{c}" for c, _ in CATEGORIES] and not any(s.required for s in comments)
    for step in flow.steps:
        texts = [step.text[lang] for lang in LANGUAGES]
        assert all(texts) and len(set(texts)) == 3, step.id  # written in each language, not copied
    source = (BUILTIN_DIR / "factors.yaml").read_text(encoding="utf-8")
    assert "our own words" in source and "NOT the published" in source


def test_every_factor_and_category_has_a_name_in_finnish_swedish_and_english() -> None:
    catalog = Catalog.load()
    for key in [f"factor_{f.replace('-', '_')}" for f in FACTORS] + [f"factor_category_{c}" for c, _ in CATEGORIES]:
        names = {lang: catalog.t(lang, key) for lang in LANGUAGES}
        assert len(set(names.values())) == 3, names
    assert catalog.t("fi", "factor_res_means") == "Raha, ihmiset, välineet ja aika"


def test_factor_means_and_flags_computed_by_hand() -> None:
    rows = [
        # env-history: 4, 5, 3 -> 4.0, a strength (4.0 or more)
        ("a", "env-history", 4), ("b", "env-history", 5), ("c", "env-history", 3),
        # mem-respect, two statements: a (5+3)/2 = 4, b (2+2)/2 = 2, c only the first = 3 -> 3.0, neither
        ("a", "mem-respect", 5), ("a", "mem-respect-2", 3), ("b", "mem-respect", 2), ("b", "mem-respect-2", 2), ("c", "mem-respect", 3),
        # res-means: 2, 3, 2 -> 2.333…, a concern (under 3.0)
        ("a", "res-means", 2), ("b", "res-means", 3), ("c", "res-means", 2),
        # env-climate: two people only -> no mean at a threshold of 3
        ("a", "env-climate", 1), ("b", "env-climate", 1),
        ("a", "comment-res", 5), ("a", "nonsense", 1),  # not a factor: ignored
    ]
    scores = {s.factor: s for s in factor_scores(rows, 3)}
    assert scores["env-history"].mean == pytest.approx(4.0) and scores["env-history"].flag == "strength"
    assert scores["mem-respect"].mean == pytest.approx(3.0) and scores["mem-respect"].n == 3 and scores["mem-respect"].flag is None
    assert scores["res-means"].mean == pytest.approx(7 / 3) and scores["res-means"].flag == "concern"
    assert scores["env-climate"].mean is None and scores["env-climate"].n == 2 and scores["env-climate"].flag is None
    assert scores["purp-goals"].n == 0 and scores["purp-goals"].mean is None
    assert [s.factor for s in weakest(scores.values())] == ["res-means", "mem-respect", "env-history"]
    # Just under 3.0 is a concern, exactly 3.0 is not; 3.99 is no strength.
    edge = {s.factor: s for s in factor_scores([(p, "proc-pace", v) for p, v in zip("abc", (3, 3, 2))] + [(p, "proc-roles", v) for p, v in zip("abc", (4, 4, 3.97))], 3)}
    assert edge["proc-pace"].flag == "concern" and edge["proc-roles"].flag is None


async def answer_factors(console, answers: dict[str, dict[str, str]]) -> int:  # type: ignore[no-untyped-def]
    """A factors round in which each member answers every step: the given value, 3 for other
    statements, and skips the comments not given."""
    round_id = round_id_of(await console.command("alice", "reflect start factors"))
    flow = console.core.flows["factors"]
    for name, mine in answers.items():
        for step in flow.steps:
            await console.answer(name, f"{round_id}:{step.id}", mine.get(step.id, "3" if step.kind == "scale" else "skip"))
    await console.command("alice", f"reflect close {round_id}")
    return round_id


async def test_report_factors_flags_concerns_and_strengths_and_quotes_the_weakest_areas(console) -> None:  # type: ignore[no-untyped-def]
    await join(console, MEMBERS)
    values = {"res-means": "2121111", "purp-unique": "4554545", "comm-open": "2222222", "comm-open-2": "4444444"}
    comments = {
        "alice": "No money or time for the network work, Bea says so too.",
        "bea": "The network work has no time set aside, money is short.",
        "cai": "Time and money for the network work are missing.",
        "dan": "Money is short and nobody has time for the network work.",
        "eve": "We do the network work on top of our own, without time or money.",
    }
    answers = {}
    for i, name in enumerate(MEMBERS):
        mine = {step: digits[i] for step, digits in values.items()}
        if name in comments:
            mine["comment-res"] = comments[name]
        if name in ("fay", "gus"):
            mine["comment-comm"] = "Talk is open."  # two only: below the threshold
        answers[name] = mine
    await answer_factors(console, answers)
    report = the_report(await console.command("alice", "report factors"))
    text = text_of(report)
    # res-means 2,1,2,1,1,1,1 -> 9/7 = 1.29; purp-unique 4,5,5,4,5,4,5 -> 32/7 = 4.57; comm-open (2+4)/2 each -> 3.0.
    assert "Money, people, tools and time: 1.3 (7 answers) — a concern" in text
    assert "A unique purpose: 4.6 (7 answers) — a strength" in text
    assert "Open and frequent communication: 3.0 (7 answers)\n" in text + "\n"
    assert "Concerns: Money, people, tools and time 1.3" in text and "Strengths: A unique purpose 4.6" in text
    weakest_part = text.split("The three weakest factors")[1]
    assert weakest_part.index("1. Money, people, tools and time 1.3 (Resources)") < weakest_part.index("2. ")
    assert "5 comments on Resources, for example:" in weakest_part
    assert "Bea" not in text and "[P" in text  # a member's name in a comment is pseudonymised
    assert "not their published items" not in text and "not its published items" in text
    # 2. and 3. are factors at 3.0 (the default answers): the inventory's order breaks the tie.
    assert "2. History of working together 3.0 (Environment)" in weakest_part and "No comments on Environment." in weakest_part
    [chart] = report.charts
    assert chart.png.startswith(PNG) and len(chart.png) > 20_000
    assert "22 collaboration factors" in chart.alt_text and "Money, people, tools and time 1.3" in chart.alt_text


async def test_few_comments_are_not_quoted(console) -> None:  # type: ignore[no-untyped-def]
    await join(console, MEMBERS)
    answers = {name: {"comm-open": "1", "comm-open-2": "1", "comm-informal": "1"} for name in MEMBERS}
    answers["dan"]["comment-comm"] = "Only Dan and Eve write here."
    answers["eve"]["comment-comm"] = "Nobody tells us anything."
    await answer_factors(console, answers)
    text = text_of(the_report(await console.command("alice", "report factors")))
    assert "Comments on Communication: fewer than 5 — not quoted, to protect anonymity" in text
    assert "Nobody tells us anything" not in text and "Only Dan" not in text


async def test_a_round_too_few_answered_shows_no_factor(console) -> None:  # type: ignore[no-untyped-def]
    await join(console, MEMBERS)
    await answer_factors(console, {"alice": {"res-means": "1"}, "bea": {"res-means": "1"}})
    report = the_report(await console.command("alice", "report factors"))
    text = text_of(report)
    assert "fewer than 5 answers — not shown, to protect anonymity" in text
    assert not report.charts and not re.search(r"\d\.\d", text.split("\n", 1)[1])  # no mean anywhere


async def test_report_factors_without_a_round_or_with_by_says_why(console) -> None:  # type: ignore[no-untyped-def]
    await join(console, MEMBERS)
    [notice] = [m for m in await console.command("alice", "report factors") if isinstance(m, Notice)]
    assert "no collaboration-factors answers yet" in notice.text and "reflect start factors" in notice.text
    [refusal] = [m for m in await console.command("alice", "report factors --by sector") if isinstance(m, Notice)]
    assert "report factors has no --by" in refusal.text and "anonymity threshold" in refusal.text


async def test_report_factors_in_finnish(console) -> None:  # type: ignore[no-untyped-def]
    await join(console, MEMBERS)
    await answer_factors(console, {name: {"res-means": "2"} for name in MEMBERS})
    await console.command("alice", "lang fi")
    report = the_report(await console.command("alice", "report tekijät"))
    text = text_of(report)
    assert "Yhteistyön edellytykset — kierros #1" in report.title
    assert "Raha, ihmiset, välineet ja aika: 2,0 (7 vastausta) — huolenaihe" in text
    assert "Huolenaiheet: Raha, ihmiset, välineet ja aika 2,0" in text and "Vahvuudet: ei yhtään" in text
    assert report.charts[0].alt_text.startswith("Pylväskaavio kierroksesta #1")


async def test_a_second_round_shows_each_factor_beside_the_previous_one(console) -> None:  # type: ignore[no-untyped-def]
    await join(console, MEMBERS)
    await answer_factors(console, {name: {"res-means": "2"} for name in MEMBERS})
    await answer_factors(console, {name: {"res-means": "4"} for name in MEMBERS[:6]})
    text = text_of(the_report(await console.command("alice", "report factors")))
    assert "Money, people, tools and time: 4.0 (6 answers; previous round 2.0) — a strength" in text
    assert "History of working together: 3.0 (6 answers; previous round 3.0)" in text
