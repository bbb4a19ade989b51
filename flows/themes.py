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
    ui = {
        "answer": catalog.t(lang, "ui_answer"),
        "submit": catalog.t(lang, "themes_submit"),
        "skip": catalog.t(lang, "ui_skip"),
        "placeholder": catalog.t(lang, "ui_placeholder"),
        "hint": catalog.t(lang, "themes_hint", count=votes),
        "anonymous": "",
    }
    prompt = Prompt(
        audience=audience,
        prompt_ref=ballot_ref(round_id),
        kind="multi",
        text=catalog.t(lang, "themes_ballot", count=votes),
        title=catalog.t(lang, "themes_ballot_title", id=round_id),
        language=lang,
        options=tuple(Option(str(t.position), _short(theme_label(catalog, lang, t, questions), 75)) for t in themes),
        max_choices=votes,
        required=True,
        ui=ui,
    )
    return [report, prompt]


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
    picked = value if isinstance(value, list) else _NUMBERS.findall(value)
    themes = {str(t.position): t for t in await digests.themes_of(turn.tx, round_id)}
    wrong = [p for p in picked if str(p) not in themes]
    if wrong or not picked:
        raise Refused(turn.t("themes_bad_vote", value=", ".join(map(str, wrong)) or "–", most=len(themes)))
    chosen = sorted({str(p) for p in picked}, key=int)
    if len(chosen) > ballot.votes:
        raise Refused(turn.t("themes_too_many", count=ballot.votes, given=len(chosen)))
    await digests.replace_votes(turn.tx, round_id, turn.member.id, [themes[p].id for p in chosen])
    turn.reply("themes_voted", id=round_id, numbers=", ".join(chosen), count=len(chosen))


async def typed_votes(turn: Turn, text: str) -> bool:
    """Numbers typed on the console (or in a DM) answer the newest open ballot, if there is one."""
    if not _NUMBERS.search(text) or re.search(r"[^\d\s,;.]", text):
        return False
    ballots = await digests.open_ballots_for(turn.tx, turn.member.id)
    if not ballots:
        return False
    await record_votes(turn, str(ballots[0].round_id), text)
    return True
