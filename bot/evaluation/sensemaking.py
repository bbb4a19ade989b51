"""A closed round's free text as themes per question, and the dot-vote result on them.

Themes come from the language model when one is configured (bot/evaluation/theme_model.py) and
from shared lemmas otherwise (bot/evaluation/themes.py). Only questions answered by at least the
anonymity threshold are grouped, every answer is pseudonymised first, and no theme holds fewer
answers than the threshold: a theme and its quotes never speak for fewer people than a report may.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.evaluation import queries
from bot.evaluation.pseudonyms import Pseudonymiser
from bot.evaluation.synthesis import Synthesiser
from bot.evaluation.theme_model import model_groups
from bot.evaluation.themes import Group, group_answers, is_warm
from flows.definition import Flow
from flows.i18n import Catalog
from flows.messages import ReportSection
from storage import digests, repository as repo
from storage.models import Network, Round
from storage.privacy import effective_threshold, too_small


@dataclass(frozen=True, slots=True)
class RoundText:
    """One round's usable free text: per question (step id), its pseudonymised answers."""

    questions: dict[str, str]  # step id -> question, in the network's language
    answers: dict[str, list[str]]  # only questions with at least k answers
    small: list[str]  # questions answered, but by fewer than k
    languages: tuple[str, ...] = ("en",)  # those the audience speaks, the network's first


async def round_text(tx: AsyncSession, flow: Flow | None, network: Network, round_: Round, threshold: int, lang: str) -> RoundText:
    steps = [s for s in (flow.steps if flow else ()) if s.kind == "text"]
    found = await queries.text_answers(tx, round_.id, [s.id for s in steps])
    names = [m.display_name for m in await repo.members_of(tx, network.id)]
    pseudonyms = Pseudonymiser(names)
    k = effective_threshold(threshold)
    usable: dict[str, list[str]] = {}
    small: list[str] = []
    for step in steps:
        given = found.get(step.id, [])
        if given and not too_small(len(given), k):
            # Sorted: the order answers were stored in must not carry over into what is shown.
            usable[step.id] = sorted(pseudonyms.apply(a) for a in given)
        elif given:
            small.append(step.id)
    spoken = {m.language for m in await digests.invited_members(tx, round_.id) if m.language}
    languages = (network.language, *sorted(spoken - {network.language}))
    return RoundText({s.id: s.text[lang] for s in steps}, usable, small, languages)


async def find_groups(text: RoundText, lang: str, threshold: int, synthesiser: Synthesiser | None) -> tuple[str, dict[str, list[Group]]]:
    """(method, step id -> themes). Call outside a transaction when a model is configured."""
    k = effective_threshold(threshold)
    groups: dict[str, list[Group]] = {}
    method = "lemmas"
    for step_id, answers in text.answers.items():
        found = None
        if synthesiser is not None and synthesiser.configured:
            found = await model_groups(synthesiser, text.questions[step_id], answers, lang, k)
        if found is not None:
            method = "llm"
        groups[step_id] = found if found is not None else group_answers(answers, text.languages, k)
    return method, groups


def needs_time(text: RoundText, synthesiser: Synthesiser | None) -> bool:
    """Whether finding themes may take seconds (a model, or dictionaries not yet loaded): then it
    must run after the turn's transaction, not inside it."""
    if not text.answers:
        return False
    return bool(synthesiser is not None and synthesiser.configured) or not is_warm(text.languages)


def ballot_themes(groups: Mapping[str, Sequence[Group]], questions: Mapping[str, str]) -> list[tuple[str, str, list[str]]]:
    """(step id, label, answers) in the questions' order: what a ballot stores."""
    return [(step_id, g.label, list(g.answers)) for step_id in questions for g in groups.get(step_id, ())]


async def ranked_lines(tx: AsyncSession, catalog: Catalog, lang: str, round_id: int, threshold: int, questions: Mapping[str, str]) -> list[str]:
    """The dot-vote result of a round, or why it is not shown; empty when no ballot was opened."""
    ballot = await digests.ballot_of(tx, round_id)
    if ballot is None:
        return []
    k = effective_threshold(threshold)
    voted = await digests.voters(tx, round_id)
    if voted < k:
        # A result from a handful of voters would tell who wanted what to anyone who knows who voted.
        return [catalog.t(lang, "ranked_too_few", count=voted, threshold=k)]
    lines = [catalog.t(lang, "ranked_intro", count=voted, votes=ballot.votes)]
    place = 0
    for place, ranked in enumerate(await digests.ranking(tx, round_id), start=1):
        question = questions.get(ranked.theme.step_id, ranked.theme.step_id)
        lines.append(catalog.t(lang, "ranked_line", place=place, label=ranked.theme.label, question=question, count=ranked.votes))
    if ballot.status == "open":
        lines.append(catalog.t(lang, "ranked_still_open"))
    return lines


async def ranked_section(tx: AsyncSession, catalog: Catalog, flow: Flow | None, lang: str, round_id: int, threshold: int) -> list[ReportSection]:
    """The report's "what matters most" section (bot/evaluation/round_report.py)."""
    questions = {s.id: s.text[lang] for s in (flow.steps if flow else ()) if s.kind == "text"}
    lines = await ranked_lines(tx, catalog, lang, round_id, threshold, questions)
    return [ReportSection(catalog.t(lang, "ranked_heading"), tuple(lines))] if lines else []
