"""Steps asked once per chosen organisation, and the network's organisations to choose from.

The `partners` flow asks "which organisations do you work with?" (a step of kind
`organisations`, its options the organisations named in the members' details) and then the same
few questions about each one picked. The flow file holds those questions once, marked
`per: <step>`; a member's own copy of the flow (`flow_for`) carries the network's organisations
as the choices and the repeated questions once per organisation picked, with ids `often#1`,
`often#2` … in the order picked. Everything else of the engine (current step, next step, the
position "3/17", storage of answers) works on that copy as on any flow.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.answers import Answer, Invalid
from flows.definition import LANGUAGES, REPEAT_SEPARATOR, Choice, Flow, Step
from storage.models import Member, MemberSession, Response, Round


def organisation_id(name: str) -> str:
    """A short stable option value for an organisation: names may hold commas (Teams joins a
    multi-select with them) or run past Slack's 150-character option value."""
    return "o" + hashlib.sha256(name.strip().casefold().encode()).hexdigest()[:10]


def asks_organisations(flow: Flow) -> bool:
    return any(step.kind == "organisations" for step in flow.steps)


async def organisations(tx: AsyncSession, network_id: int) -> list[str]:
    """The organisations the network's members named, each once (first spelling), by name."""
    rows = (await tx.execute(select(Member.organisation).where(Member.network_id == network_id, Member.organisation.is_not(None)))).scalars()
    found: dict[str, str] = {}
    for name in rows:
        cleaned = " ".join((name or "").split())
        if cleaned:
            found.setdefault(cleaned.casefold(), cleaned)
    return sorted(found.values(), key=str.casefold)


def with_organisations(flow: Flow, names: Sequence[str]) -> Flow:
    """`flow` with the organisations as the choices of its organisations steps (and, until the
    member has chosen, none of the questions about each: "1/9" would promise nine questions)."""
    choices = tuple(Choice(organisation_id(name), {lang: name for lang in LANGUAGES}) for name in names)
    steps = tuple(dataclasses.replace(s, choices=choices) if s.kind == "organisations" else s for s in flow.steps)
    return dataclasses.replace(flow, steps=steps)


def listed(flow: Flow, names: Sequence[str]) -> Flow:
    """The copy a member gets before choosing: organisations to pick, nothing asked about them yet."""
    return expand(with_organisations(flow, names), {})


def expand(flow: Flow, chosen: dict[str, Sequence[str]]) -> Flow:
    """`flow` with each run of steps marked `per: X` asked once for every item chosen in X."""
    steps: list[Step] = []
    run: list[Step] = []

    def flush() -> None:
        if run:
            for number, item in enumerate(chosen.get(run[0].per or "", ()), start=1):
                for step in run:
                    text = {lang: step.text[lang].replace("{organisation}", item) for lang in step.text}
                    copy = dataclasses.replace(step, id=f"{step.id}{REPEAT_SEPARATOR}{number}", text=text, about=item, base=step.id, per=None)
                    steps.append(copy)
            run.clear()

    for step in flow.steps:
        if step.per is not None and (not run or run[0].per == step.per):
            run.append(step)
            continue
        flush()
        if step.per is not None:
            run.append(step)
        else:
            steps.append(step)
    flush()
    return dataclasses.replace(flow, steps=tuple(steps))


def after_choosing(registered: Flow, step: Step, names: Sequence[str]) -> Flow:
    """The member's copy of the flow once they chose `names` in `step` (to ask what follows)."""
    with_choices = dataclasses.replace(registered, steps=tuple(dataclasses.replace(s, choices=step.choices) if s.kind == "organisations" else s for s in registered.steps))
    return expand(with_choices, {step.id: names})


def chosen_names(step: Step, choice_ids: Sequence[str]) -> list[str]:
    """The organisations' names for the option ids of an organisations answer."""
    return [c.label["en"] for choice_id in choice_ids for c in step.choices if c.id == choice_id]


def organisations_answer(step: Step, result: Answer, own: str | None) -> Answer | Invalid:
    """Organisations are stored by name; one's own organisation is not a partner to rate."""
    names = chosen_names(step, result.choices or ())
    mine = " ".join((own or "").split()).casefold()
    if mine and any(name.casefold() == mine for name in names):
        return Invalid("answer_own_organisation", {"organisation": own})
    return Answer(choices=tuple(names))


async def flow_for(tx: AsyncSession, flow: Flow, round_: Round, session: MemberSession | None) -> Flow:
    """The member's own copy of `flow` in `round_`: organisations to choose from, and the
    repeated steps for those they chose (read from their held items, or their named answers)."""
    if not asks_organisations(flow):
        return flow
    flow = with_organisations(flow, await organisations(tx, round_.network_id))
    sources = {s.per for s in flow.steps if s.per}
    if not sources or session is None:
        return expand(flow, {})
    chosen: dict[str, list[str]] = {}
    if round_.anonymous:
        for item in session.held or []:
            if item.get("step_id") in sources and item.get("value_list"):
                chosen[item["step_id"]] = list(item["value_list"])
    else:
        stmt = select(Response.step_id, Response.value_list).where(
            Response.round_id == round_.id, Response.member_id == session.member_id, Response.step_id.in_(sources)
        )
        for step_id, value_list in (await tx.execute(stmt)).all():
            chosen[step_id] = list(value_list or [])
    return expand(flow, chosen)
