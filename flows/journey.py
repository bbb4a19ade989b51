"""The U as a journey: `stage` (where the network is and what it asks of me), `stage next|set`
(what the step has done and lacks, moving on only when a coordinator confirms), the announcement
of every move, and the text of `journey`."""

from __future__ import annotations

from datetime import datetime

from flows.arguments import ArgumentError, parse_int
from flows.journey_evidence import U_STEPS, StepEvidence, evidence
from flows.messages import Audience, Notice
from flows.turn import Turn
from flows import continuum, decisions, practices
from storage import repository as repo
from storage.models import Network, StageMove, utcnow

CONFIRM = ("confirm", "vahvista", "bekräfta")
ASK_BUTTONS = {1: ("fact list", "u_button_facts"), 2: ("gaps", "u_button_gaps"), 3: ("intro status", "u_button_intros"), 4: ("journal", "u_button_journal"),
               5: ("journal", "u_button_journal"), 6: ("vision", "u_button_vision"), 7: ("vision", "u_button_vision"), 8: ("prototype list", "u_button_prototypes"), 9: ("role list", "u_button_roles")}


def title(turn: Turn, number: int, lang: str | None = None) -> str:
    flow = turn.config.flows.get(f"u-stage-{number}")
    return flow.title[lang or turn.lang] if flow else str(number)


def level(turn: Turn, number: int, lang: str | None = None) -> str:
    flow = turn.config.flows.get(f"u-stage-{number}")
    return turn.catalog.t(lang or turn.lang, f"u_level_{flow.u_stage.level}") if flow and flow.u_stage else ""


def day(turn: Turn, when: datetime | None) -> str:
    return turn.t("u_date", d=when.day, m=when.month, y=when.year) if when else "–"


def evidence_lines(turn: Turn, step: StepEvidence) -> list[str]:
    """What the step has done (✓) and what is still missing (✗), in the reader's language."""
    threshold = turn.config.anonymity_threshold
    lines = []
    if step.started:
        lines.append(turn.t("u_ev_since", date=day(turn, step.started)))
    for what, count in step.checks():
        if what == "rounds":
            if count:
                rate = step.participation
                lines.append(turn.t("u_ev_rounds", count=count, rate="–" if rate is None else rate))
            else:
                lines.append(turn.t("u_ev_rounds_missing", number=step.number))
        elif what == "journal" and 0 < count < threshold:
            lines.append(turn.t("u_ev_journal_few", threshold=threshold))
        else:
            lines.append(turn.t(f"u_ev_{what}" if count else f"u_ev_{what}_missing", count=count))
    return lines


async def stage(turn: Turn, words: list[str]) -> None:
    sub = words[0].lower() if words else "show"
    if sub == "show":
        await show(turn)
        return
    turn.require_coordinator()
    current = turn.network.u_stage
    if sub == "next":
        if current >= U_STEPS:
            raise ArgumentError("u_stage_last")
        target, confirmed = current + 1, any(w.lower() in CONFIRM for w in words[1:])
    elif sub == "set" and len(words) > 1:
        target = parse_int(words[1], "stage_range", 1, U_STEPS)
        confirmed = any(w.lower() in CONFIRM for w in words[2:])
    else:
        raise ArgumentError("u_stage_usage")
    if target == current:
        raise ArgumentError("u_stage_already", number=target)
    found = await evidence(turn.tx, turn.network, turn.config.anonymity_threshold)
    leaving = found.get(current)
    if current == 0 or confirmed:
        await move(turn, target, without_evidence=leaving is not None and not leaving.has_evidence)
        return
    command = "stage next confirm" if sub == "next" else f"stage set {target} confirm"
    lines = [turn.t("u_stage_so_far", number=current, title=title(turn, current))]
    lines += evidence_lines(turn, leaving) if leaving else []
    skipped = [n for n in range(min(current, target) + 1, max(current, target)) if not found[n].has_evidence] if target > current + 1 else []
    if skipped:
        lines.append(turn.t("u_stage_skips", steps=", ".join(str(n) for n in skipped)))
    if leaving is not None and not leaving.has_evidence:
        lines.append(turn.t("u_stage_no_evidence", number=current, command=command))
    else:
        lines.append(turn.t("u_stage_confirm", number=target, title=title(turn, target), command=command))
    turn.emit(Notice(Audience.member(turn.member.key), "\n".join(lines), turn.lang, ((turn.t("u_button_confirm"), command),)))


async def move(turn: Turn, target: int, without_evidence: bool) -> None:
    """Move the network, record the move, and tell every member what the new step asks of them."""
    previous = turn.network.u_stage
    turn.network.u_stage = target
    turn.tx.add(StageMove(network_id=turn.network.id, from_step=previous, to_step=target, without_evidence=without_evidence, moved_by=turn.member.id, moved_at=utcnow()))
    await repo.audit(turn.tx, turn.network.id, turn.member.key, "stage_set", stage=target, previous=previous, without_evidence=without_evidence)
    everyone = await repo.members_of(turn.tx, turn.network.id)
    for member in everyone:
        lang = member.language or turn.network.language
        turn.emit(announcement(turn, turn.network, member.key, lang, target))
    turn.reply("u_stage_moved", number=target, title=title(turn, target), count=len(everyone))


def announcement(turn: Turn, network: Network, member_key: str, lang: str, number: int) -> Notice:
    t = turn.catalog.t
    text = t(lang, "u_stage_announce", number=number, title=title(turn, number, lang), level=level(turn, number, lang), ask=t(lang, f"u_ask_{number}"))
    actions: list[tuple[str, str]] = [(t(lang, "u_button_dialogue"), "stage")]
    if number in ASK_BUTTONS:
        command, label = ASK_BUTTONS[number]
        actions.insert(0, (t(lang, label), command))
    return Notice(Audience.member(member_key), text, lang, tuple(actions))


async def where_you_are(turn: Turn) -> str:
    """The network's step, what it asks of the member this week, and their own open practices."""
    number = turn.network.u_stage
    phase = continuum.line(turn.catalog, turn.lang, await continuum.where(turn.tx, turn.network.id))
    ours = await decisions.network_lines(turn)  # the charter and the vision the network chose
    mine = await practices.open_practices(turn)
    if number == 0:  # no step yet, but roles and offers are the member's all the same
        lines = [turn.t("stage_none"), phase, *await practices.role_lines(turn)]
        return "\n".join(lines + ([turn.t("u_open_header"), *(f"  • {line}" for line in mine)] if mine else []) + ([""] + ours if ours else []))
    lines = [turn.t("u_stage_line", number=number, title=title(turn, number), level=level(turn, number)), phase, turn.t("u_stage_asks", ask=turn.t(f"u_ask_{number}"))]
    lines += await practices.role_lines(turn)
    lines.append(turn.t("u_open_header") if mine else turn.t("u_open_none"))
    lines += [f"  • {line}" for line in mine]
    return "\n".join(lines + ([""] + ours if ours else []))


def practice_buttons(turn: Turn) -> tuple[tuple[str, str], ...]:
    """Buttons for the step's practice and the picture: on Teams `stage` is the member's card."""
    buttons = []
    if turn.network.u_stage in ASK_BUTTONS:
        command, label = ASK_BUTTONS[turn.network.u_stage]
        buttons.append((turn.t(label), command))
    buttons.append((turn.t("u_button_journey"), "journey"))
    return tuple(buttons)


async def show(turn: Turn) -> None:
    text = await where_you_are(turn)
    if turn.is_coordinator and turn.network.u_stage:
        found = await evidence(turn.tx, turn.network, turn.config.anonymity_threshold)
        number = turn.network.u_stage
        text += "\n\n" + "\n".join([turn.t("u_stage_so_far", number=number, title=title(turn, number)), *evidence_lines(turn, found[number])])
        if number < U_STEPS:
            text += "\n" + turn.t("u_stage_next_hint")
    turn.emit(Notice(Audience.member(turn.member.key), text, turn.lang, practice_buttons(turn) if turn.network.u_stage else ()))


async def journey_lines(turn: Turn) -> tuple[list[str], dict[int, StepEvidence]]:
    """The ten steps, each done / current / ahead with its rounds, participation and dates."""
    found = await evidence(turn.tx, turn.network, turn.config.anonymity_threshold)
    current = turn.network.u_stage
    lines = [turn.t("journey_header"), turn.t("u_stage_line", number=current, title=title(turn, current), level=level(turn, current)) if current else turn.t("stage_none")]
    where = await continuum.where(turn.tx, turn.network.id)
    lines += [continuum.line(turn.catalog, turn.lang, where), *continuum.carried_lines(turn, where)]
    for number, step in found.items():
        state = "done" if number < current else "current" if number == current else "ahead"
        rate = step.participation
        key = f"u_journey_{state}" if step.rounds else f"u_journey_{state}_quiet"
        lines.append(turn.t(key, number=number, title=title(turn, number), count=step.rounds, rate="–" if rate is None else rate, dates=dates(turn, step)).rstrip())
    return lines, found


def dates(turn: Turn, step: StepEvidence) -> str:
    """When the network was at the step: "3.9.2026–1.10.2026", one day once, "" if never."""
    if step.started is None:
        return ""
    start, end = day(turn, step.started), day(turn, step.ended) if step.ended else None
    return start if end is None or end == start else f"{start}–{end}"


async def journey(turn: Turn, words: list[str]) -> None:
    """`journey` as text (the bot adds the U picture, bot/journey_chart.py)."""
    await journey_reply(turn)


async def journey_reply(turn: Turn) -> dict[int, StepEvidence]:
    """Reply with the journey's text; the evidence it was made from, for the picture."""
    lines, found = await journey_lines(turn)
    mine = await repo.responses_of_member(turn.tx, turn.member.id)
    lines.append(turn.t("journey_mine", count=len(mine)))
    turn.reply_text("\n".join(lines))
    return found
