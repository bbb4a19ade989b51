"""Dot-voting on a closed round's themes: the ballot members get, and the votes they give.

A ballot's prompt is an ordinary multiple-choice Prompt whose ref is `themes:<round>`, so Slack
shows checkboxes (or a multi-select past ten themes), Teams a multi-select ChoiceSet and the
console numbered lines answered by typing the numbers ("1 3"). A member may give at most the
round's number of dots, one per theme, and may vote again to change them while the ballot is open.
Voting is open to those the round was sent to; what they vote for is theirs (my-data, forget-me),
and a theme's answers are shown to them only when it holds at least the anonymity threshold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flows.arguments import as_int
from flows.i18n import Catalog
from flows.messages import Audience, Option, Prompt, Report, ReportSection
from flows.turn import Refused, Turn
from storage import digests
from storage.models import RoundTheme

PREFIX = "themes"
QUOTES_SHOWN = 6  # per theme in the ballot; the rest are counted
_NUMBERS = re.compile(r"[0-9]+")


def ballot_ref(round_id: int) -> str:
    return f"{PREFIX}:{round_id}"


def theme_label(catalog: Catalog, lang: str, theme: RoundTheme, questions: dict[str, str]) -> str:
    return catalog.t(lang, "themes_option", number=theme.position, label=theme.label, question=_short(questions.get(theme.step_id, theme.step_id), 40))


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def ballot_messages(
    catalog: Catalog, audience: Audience, lang: str, round_id: int, title: str, themes: Sequence[RoundTheme], questions: dict[str, str], votes: int
) -> list[Report | Prompt]:
    """The themes with their answers, then the ballot, in `lang`."""
    sections: list[ReportSection] = []
    for step_id, question in questions.items():
        mine = [t for t in themes if t.step_id == step_id]
        if not mine:
            continue
        sections.append(ReportSection(catalog.t(lang, "themes_question", question=question), ()))
        for theme in mine:
            quotes = [f"“{_short(a, 200)}”" for a in theme.answers[:QUOTES_SHOWN]]
            if len(theme.answers) > QUOTES_SHOWN:
                quotes.append(catalog.t(lang, "themes_more_answers", count=len(theme.answers) - QUOTES_SHOWN))
            heading = catalog.t(lang, "themes_theme_heading", number=theme.position, label=theme.label, count=len(theme.answers))
            sections.append(ReportSection(heading, tuple(quotes)))
    report = Report(audience, catalog.t(lang, "themes_title", title=title, id=round_id), tuple(sections), (), lang)
    labels = [(str(t.position), theme_label(catalog, lang, t, questions)) for t in themes]
    prompt = dot_ballot(catalog, audience, lang, ballot_ref(round_id), catalog.t(lang, "themes_ballot", count=votes), catalog.t(lang, "themes_ballot_title", id=round_id), labels, votes, catalog.t(lang, "themes_hint", count=votes))
    return [report, prompt]


def dot_ballot(catalog: Catalog, audience: Audience, lang: str, ref: str, text: str, title: str, labels: Sequence[tuple[str, str]], votes: int, hint: str) -> Prompt:
    """A dot-vote ballot: checkboxes on Slack (a multi-select past ten), a multi-select ChoiceSet
    on Teams, numbered lines on the console. Also the charter's and the vision's (flows/decisions.py)."""
    ui = {
        "answer": catalog.t(lang, "ui_answer"),
        "submit": catalog.t(lang, "themes_submit"),
        "skip": catalog.t(lang, "ui_skip"),
        "placeholder": catalog.t(lang, "ui_placeholder"),
        "hint": hint,
        "privacy": "",  # a vote names no one: no line about anonymity
    }
    options = tuple(Option(value, _short(label, 75)) for value, label in labels)
    return Prompt(audience=audience, prompt_ref=ref, kind="multi", text=text, title=title, language=lang, options=options, max_choices=votes, required=True, ui=ui)


def chosen_numbers(turn: Turn, value: str | list[str], available: Sequence[str], most: int, bad_key: str = "themes_bad_vote") -> list[str]:
    """The option numbers a ballot's answer names (typed "1 3" or ticked), checked: each must be
    on the ballot, at least one and at most `most` of them, each counted once."""
    picked = value if isinstance(value, list) else _NUMBERS.findall(value)
    wrong = [p for p in picked if str(p) not in available]
    if wrong or not picked:
        raise Refused(turn.t(bad_key, value=", ".join(map(str, wrong)) or "–", most=len(available)))
    chosen = sorted({str(p) for p in picked}, key=int)
    if len(chosen) > most:
        raise Refused(turn.t("themes_too_many", count=most, given=len(chosen)))
    return chosen


def typed_numbers(text: str) -> bool:
    """Whether a message is only numbers ("1 3", "2,4"): a typed vote, not words."""
    return bool(_NUMBERS.search(text)) and not re.search(r"[^\d\s,;.]", text)


async def record_votes(turn: Turn, round_text: str, value: str | list[str]) -> None:
    """A submitted ballot: the chosen theme numbers replace the member's earlier dots."""
    round_id = as_int(round_text, 1)
    ballot = await digests.ballot_of(turn.tx, round_id) if round_id is not None else None
    if ballot is None or round_id is None:
        raise Refused(turn.t("unknown_prompt"))
    if ballot.status != "open":
        raise Refused(turn.t("themes_closed", id=round_id))
    if not await digests.was_invited(turn.tx, round_id, turn.member.id):
        raise Refused(turn.t("themes_not_invited", id=round_id))
    themes = {str(t.position): t for t in await digests.themes_of(turn.tx, round_id)}
    chosen = chosen_numbers(turn, value, list(themes), ballot.votes)
    await digests.replace_votes(turn.tx, round_id, turn.member.id, [themes[p].id for p in chosen])
    turn.reply("themes_voted", id=round_id, numbers=", ".join(chosen), count=len(chosen))


async def typed_votes(turn: Turn, text: str) -> bool:
    """Numbers typed on the console (or in a DM) answer the newest open ballot, if there is one."""
    if not typed_numbers(text):
        return False
    ballots = await digests.open_ballots_for(turn.tx, turn.member.id)
    if not ballots:
        return False
    await record_votes(turn, str(ballots[0].round_id), text)
    return True
